//! Ledgers read whole for export: one snapshot, its rows counted, then streamed in the
//! ledger's columns a chunk at a time, so a million rows cost the memory of one chunk.

use crate::access::{sees_person, sees_unit};
use crate::entity::{assignment, org_unit, person, problem};
use crate::ledger::problem_condition;
use crate::queries::{extra_condition, states_condition};
use crate::rows::{internal, json_list};
use crate::service::AssignmentsService;
use duban_api::ledger::{LedgerPart, LedgerQuery};
use duban_api::{ApiError, AssignmentFilter, ProblemFilter};
use duban_auth::Actor;
use duban_schema::assignments::{AssignmentState, ProblemSource, ProblemState, Urgency};
use futures::channel::mpsc::Sender;
use futures::stream::{BoxStream, Stream};
use futures::{SinkExt, StreamExt};
use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, FromQueryResult, IsolationLevel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, TransactionTrait,
};
use std::collections::HashMap;

/// Rows sent in one part.
const CHUNK: usize = 1000;

/// The columns of an assignment's ledger row.
#[derive(FromQueryResult)]
struct AssignmentLine {
    id: String,
    title: String,
    description: String,
    category: Option<String>,
    lead_unit_name: String,
    responsible_person_id: String,
    due_on: chrono::NaiveDate,
    progress_percent: i32,
    state: String,
    urgency: String,
    cooperating_unit_ids: String,
    last_progress: Option<String>,
}

/// The columns of a problem's ledger row.
#[derive(FromQueryResult)]
struct ProblemLine {
    id: String,
    unit_name: String,
    description: String,
    category: String,
    measures: String,
    responsible_person_id: String,
    due_on: chrono::NaiveDate,
    state: String,
    source: String,
    cause_analysis: String,
    last_step: Option<String>,
}

/// The names of people and units the caller may read, by id; others stay ids, as
/// `person` and `org_units` answer them.
struct Names {
    people: HashMap<String, String>,
    units: HashMap<String, String>,
}

impl Names {
    fn person(&self, id: &str) -> String {
        self.people
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn unit(&self, id: &str) -> String {
        self.units
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// A read-only snapshot: every chunk, and the count before them, see the same rows.
async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, ApiError> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
    .map_err(internal)
}

fn assignment_cells(l: AssignmentLine, names: &Names) -> Vec<String> {
    let progress = match l.last_progress {
        Some(text) => format!("{}%：{text}", l.progress_percent),
        None => format!("{}%", l.progress_percent),
    };
    let cooperating = json_list(&l.cooperating_unit_ids)
        .iter()
        .map(|u| names.unit(u))
        .collect::<Vec<_>>()
        .join("、");
    vec![
        l.lead_unit_name,
        l.title,
        l.category.unwrap_or_default(),
        l.description,
        names.person(&l.responsible_person_id),
        l.due_on.format("%Y-%m-%d").to_string(),
        progress,
        AssignmentState::parse(&l.state).map_or(l.state.clone(), |s| s.label().to_string()),
        Urgency::parse(&l.urgency).map_or(l.urgency.clone(), |u| u.label().to_string()),
        cooperating,
        l.id,
    ]
}

fn problem_cells(l: ProblemLine, names: &Names) -> Vec<String> {
    let measures = json_list(&l.measures)
        .iter()
        .enumerate()
        .map(|(n, m)| format!("{}. {m}", n + 1))
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        l.unit_name,
        l.description,
        l.category,
        measures,
        names.person(&l.responsible_person_id),
        l.due_on.format("%Y-%m-%d").to_string(),
        // 进展 is the latest step after the registration itself.
        l.last_step.unwrap_or_else(|| "整改中".to_string()),
        ProblemState::parse(&l.state).map_or(l.state.clone(), |s| s.label().to_string()),
        ProblemSource::parse(&l.source).map_or(l.source.clone(), |s| s.label().to_string()),
        l.cause_analysis,
        l.id,
    ]
}

async fn count<E>(
    all: Select<E>,
    cond: &Condition,
    txn: &DatabaseTransaction,
) -> Result<u64, ApiError>
where
    E: EntityTrait,
    E::Model: Sync,
{
    all.filter(cond.clone()).count(txn).await.map_err(internal)
}

/// Sends `lines` as cells in chunks after their count, then `End`; stops quietly when
/// the reader has gone.
async fn pour<T>(
    rows: u64,
    lines: impl Stream<Item = Result<T, sea_orm::DbErr>>,
    cells: impl Fn(T) -> Vec<String>,
    out: &mut Sender<LedgerPart>,
) -> Result<(), ApiError> {
    if out.send(LedgerPart::Start { rows }).await.is_err() {
        return Ok(());
    }
    let mut lines = std::pin::pin!(lines);
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(line) = lines.next().await {
        chunk.push(cells(line.map_err(internal)?));
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if out.send(LedgerPart::Rows(full)).await.is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() && out.send(LedgerPart::Rows(chunk)).await.is_err() {
        return Ok(());
    }
    let _ = out.send(LedgerPart::End).await;
    Ok(())
}

impl AssignmentsService {
    /// The ledger `query` asks for, streamed (see [`LedgerPart`]).
    pub fn export_ledger(
        &self,
        actor: &Actor,
        query: LedgerQuery,
    ) -> BoxStream<'static, LedgerPart> {
        // Two parts in flight: the reader's pace holds the snapshot's, not memory.
        let (tx, rx) = futures::channel::mpsc::channel(2);
        let (this, actor) = (self.clone(), actor.clone());
        tokio::spawn(async move {
            let mut out = tx;
            let time = this.export_time;
            let sent = tokio::time::timeout(time, this.send_ledger(&actor, query, &mut out));
            let failed = match sent.await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e,
                Err(_) => ApiError::validation(
                    "scope",
                    format!(
                        "导出超过{}秒仍未读完，已中止，请按单位或状态分批导出",
                        time.as_secs()
                    ),
                ),
            };
            let _ = out.send(LedgerPart::Failed(failed)).await;
        });
        rx.boxed()
    }

    async fn send_ledger(
        &self,
        actor: &Actor,
        query: LedgerQuery,
        out: &mut Sender<LedgerPart>,
    ) -> Result<(), ApiError> {
        // The scope is read before the snapshot takes its connection (SQLite has one).
        let scoped = match &query {
            LedgerQuery::Assignments(filter) => self.assignment_scope(actor, filter).await?,
            LedgerQuery::Problems(filter) => self.problem_scope(actor, filter).await?,
        };
        let txn = snapshot(&self.db).await?;
        let names = self.names(&txn, actor).await?;
        match query {
            LedgerQuery::Assignments(_) => {
                let rows = count(assignment::Entity::find(), &scoped, &txn).await?;
                let lines = assignment_lines(scoped)
                    .into_model::<AssignmentLine>()
                    .stream(&txn)
                    .await
                    .map_err(internal)?;
                pour(rows, lines, |l| assignment_cells(l, &names), out).await
            }
            LedgerQuery::Problems(_) => {
                let rows = count(problem::Entity::find(), &scoped, &txn).await?;
                let lines = problem_lines(scoped)
                    .into_model::<ProblemLine>()
                    .stream(&txn)
                    .await
                    .map_err(internal)?;
                pour(rows, lines, |l| problem_cells(l, &names), out).await
            }
        }
    }

    /// The rows an assignment ledger of `filter` holds, as `assignments` pages them.
    async fn assignment_scope(
        &self,
        actor: &Actor,
        filter: &AssignmentFilter,
    ) -> Result<Condition, ApiError> {
        let mut cond = extra_condition(filter);
        if !self.cooperating_in_scope(actor, filter).await {
            let root = self.scope_root(actor, filter.scope.as_deref()).await?;
            cond = cond.add(duban_outbox::db::in_subtree(
                assignment::Column::LeadUnitPath,
                &root,
            ));
        }
        Ok(cond.add(states_condition(filter)))
    }

    async fn problem_scope(
        &self,
        actor: &Actor,
        filter: &ProblemFilter,
    ) -> Result<Condition, ApiError> {
        let root = self.scope_root(actor, filter.scope.as_deref()).await?;
        Ok(problem_condition(&root, filter))
    }

    /// Every name the caller may read: the directory is small beside a ledger.
    async fn names(&self, txn: &DatabaseTransaction, actor: &Actor) -> Result<Names, ApiError> {
        let people = person::Entity::find()
            .select_only()
            .columns([
                person::Column::Id,
                person::Column::Name,
                person::Column::UnitPath,
            ])
            .into_tuple::<(String, String, String)>()
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|(id, _, path)| sees_person(actor, id, path))
            .map(|(id, name, _)| (id, name))
            .collect();
        let units = org_unit::Entity::find()
            .select_only()
            .columns([
                org_unit::Column::Id,
                org_unit::Column::Name,
                org_unit::Column::Path,
            ])
            .into_tuple::<(String, String, String)>()
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|(_, _, path)| sees_unit(actor, path))
            .map(|(id, name, _)| (id, name))
            .collect();
        Ok(Names { people, units })
    }
}

/// The statement a county-wide assignment ledger is read with, for `COPY (…) TO STDOUT`
/// beside the export it measures.
pub fn county_ledger_statement(county_path: &str) -> String {
    use sea_orm::QueryTrait;
    assignment_lines(Condition::all().add(duban_outbox::db::in_subtree(
        assignment::Column::LeadUnitPath,
        county_path,
    )))
    .build(DbBackend::Postgres)
    .to_string()
}

/// The assignment ledger's columns under `cond`, by time limit then id.
fn assignment_lines(cond: Condition) -> Select<assignment::Entity> {
    use assignment::Column as A;
    assignment::Entity::find()
        .select_only()
        .columns([
            A::Id,
            A::Title,
            A::Description,
            A::Category,
            A::LeadUnitName,
            A::ResponsiblePersonId,
            A::DueOn,
            A::ProgressPercent,
            A::State,
            A::Urgency,
            A::CooperatingUnitIds,
        ])
        .expr_as(Expr::cust(LAST_PROGRESS), "last_progress")
        .filter(cond)
        .order_by_asc(A::DueOn)
        .order_by_asc(A::Id)
}

/// The problem ledger's columns under `cond`, by time limit then id.
fn problem_lines(cond: Condition) -> Select<problem::Entity> {
    use problem::Column as P;
    problem::Entity::find()
        .select_only()
        .columns([
            P::Id,
            P::UnitName,
            P::Description,
            P::Category,
            P::Measures,
            P::ResponsiblePersonId,
            P::DueOn,
            P::State,
            P::Source,
            P::CauseAnalysis,
        ])
        .expr_as(Expr::cust(LAST_STEP), "last_step")
        .filter(cond)
        .order_by_asc(P::DueOn)
        .order_by_asc(P::Id)
}

/// An assignment's latest progress report.
const LAST_PROGRESS: &str = "(SELECT r.text FROM progress_report r \
     WHERE r.assignment_id = assignment.id ORDER BY r.reported_at DESC, r.id DESC LIMIT 1)";

/// A problem's latest step after its registration.
const LAST_STEP: &str = "(SELECT l.text FROM problem_log l \
     WHERE l.problem_id = problem.id AND l.action <> 'ProblemRegistered' \
     ORDER BY l.at DESC, l.id DESC LIMIT 1)";
