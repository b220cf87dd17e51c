//! The problem ledger (问题清单台账) over sea-orm: registering, close-out, 销号, return,
//! reopening after 回头看, and the ledger query.

use crate::domain::problem::{self as rules, Problem, ProblemError};
use crate::entity::{person, problem, problem_log};
use crate::rows::{decode_cursor, due_cursor, internal, json_list, to_json_list};
use crate::service::AssignmentsService;
use duban_api::{
    ApiError, Page, PageRequest, ProblemCommand, ProblemFilter, ProblemLogView, ProblemView,
    RegisterProblemInput,
};
use duban_auth::{Actor, Role};
use duban_schema::assignments::{AssignmentsEvent, ProblemSnapshot, ProblemSource, ProblemState};
use sea_orm::{
    sea_query::LikeExpr, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use std::collections::HashMap;

pub(crate) fn problem_err(e: ProblemError) -> ApiError {
    match e {
        ProblemError::Illegal { from, action } => ApiError::IllegalTransition {
            from: from.as_str().to_string(),
            from_label: from.label().to_string(),
            action: action.to_string(),
        },
        ProblemError::Invalid { field, message } => ApiError::Validation { field, message },
    }
}

impl TryFrom<&problem::Model> for Problem {
    type Error = ApiError;

    fn try_from(m: &problem::Model) -> Result<Self, ApiError> {
        use crate::rows::stored;
        let snapshot = ProblemSnapshot {
            id: m.id.clone(),
            campaign_id: m.campaign_id.clone(),
            category: m.category.clone(),
            source: stored(
                "problem source",
                &m.id,
                &m.source,
                ProblemSource::parse(&m.source),
            )?,
            description: m.description.clone(),
            cause_analysis: m.cause_analysis.clone(),
            measures: json_list(&m.measures),
            unit_id: m.unit_id.clone(),
            unit_path: m.unit_path.clone(),
            unit_name: m.unit_name.clone(),
            responsible_person_id: m.responsible_person_id.clone(),
            responsible_leader_id: m.responsible_leader_id.clone(),
            registered_by: m.registered_by.clone(),
            registered_at: m.registered_at,
            due_on: m.due_on,
            state: stored(
                "problem state",
                &m.id,
                &m.state,
                ProblemState::parse(&m.state),
            )?,
            version: m.version,
            return_count: m.return_count,
            reopen_count: m.reopen_count,
        };
        Ok(Problem {
            snapshot,
            last_sequence: m.last_sequence,
        })
    }
}

impl From<&Problem> for problem::ActiveModel {
    fn from(p: &Problem) -> Self {
        let s = &p.snapshot;
        problem::ActiveModel {
            id: Set(s.id.clone()),
            campaign_id: Set(s.campaign_id.clone()),
            category: Set(s.category.clone()),
            source: Set(s.source.as_str().into()),
            description: Set(s.description.clone()),
            cause_analysis: Set(s.cause_analysis.clone()),
            measures: Set(to_json_list(&s.measures)),
            unit_id: Set(s.unit_id.clone()),
            unit_path: Set(s.unit_path.clone()),
            unit_name: Set(s.unit_name.clone()),
            responsible_person_id: Set(s.responsible_person_id.clone()),
            responsible_leader_id: Set(s.responsible_leader_id.clone()),
            registered_by: Set(s.registered_by.clone()),
            registered_at: Set(s.registered_at),
            due_on: Set(s.due_on),
            state: Set(s.state.as_str().into()),
            version: Set(s.version),
            return_count: Set(s.return_count),
            reopen_count: Set(s.reopen_count),
            last_sequence: Set(p.last_sequence),
            color: sea_orm::NotSet,
        }
    }
}

/// The snapshot of a problem row.
pub(crate) fn snapshot(m: &problem::Model) -> Result<ProblemSnapshot, ApiError> {
    Problem::try_from(m).map(|p| p.snapshot)
}

fn encode_cursor(m: &problem::Model) -> String {
    due_cursor(m.due_on, &m.id)
}

/// A LIKE pattern matching `text` anywhere, with the wildcards in it escaped.
pub(crate) fn contains(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

impl AssignmentsService {
    /// Checks and writes a new problem with its event inside `txn`; used by
    /// `registerProblem` and by imports.
    pub(crate) async fn register_problem_in(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        input: &RegisterProblemInput,
    ) -> Result<problem::Model, ApiError> {
        let (unit, people) = self
            .unit_with_people(txn, &input.unit_id)
            .await?
            .filter(|(u, _)| actor.can_see(&u.path))
            .ok_or_else(|| ApiError::validation("unitId", "单位不存在或不在您的权限范围内"))?;
        crate::access::may_register_problem(actor, Some(&unit.path))?;
        let campaign_categories =
            crate::campaigns::categories_of(txn, input.campaign_id.as_deref()).await?;
        if let Some(lid) = &input.responsible_leader_id {
            person::Entity::find_by_id(lid.clone())
                .one(txn)
                .await
                .map_err(internal)?
                .filter(|p| !p.deactivated && crate::access::in_scope(actor, &p.unit_path))
                .ok_or_else(|| {
                    ApiError::validation(
                        "responsibleLeaderId",
                        "责任领导不存在或不在您的权限范围内",
                    )
                })?;
        }
        let now = self.clock.now();
        let facts = rules::RegisterFacts {
            id: duban_outbox::new_event_id(now).to_string(),
            by: &actor.person_id,
            now,
            calendar: &self.calendar_now(),
            unit: crate::domain::assignment::FoundUnit {
                id: &unit.id,
                path: &unit.path,
                name: &unit.name,
                people,
            },
            campaign_categories,
        };
        let registered = rules::register(input, &facts).map_err(problem_err)?;
        let snap = registered.snapshot.clone();
        let due_on = snap.due_on;
        let model = problem::ActiveModel {
            color: sea_orm::Set(Some(duban_schema::FIRST_COLOR.as_str().into())),
            ..problem::ActiveModel::from(&registered)
        }
        .insert(txn)
        .await
        .map_err(internal)?;
        // The history starts with the registration: who, when, what.
        problem_log::ActiveModel {
            id: Set(duban_outbox::new_event_id(now).to_string()),
            problem_id: Set(snap.id.clone()),
            action: Set("ProblemRegistered".to_string()),
            text: Set(format!(
                "登记（{}，{}）：{}",
                snap.category,
                snap.source.label(),
                snap.description
            )),
            evidence: Set(to_json_list(&[])),
            actor: Set(actor.person_id.clone()),
            at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(internal)?;
        self.schedule_problem(txn, &snap.id, due_on).await?;
        let (id, path) = (snap.id.clone(), snap.unit_path.clone());
        self.emit(
            txn,
            &actor.person_id,
            &path,
            &id,
            1,
            AssignmentsEvent::ProblemRegistered { problem: snap },
        )
        .await?;
        Ok(model)
    }

    pub(crate) async fn register_problem(
        &self,
        actor: &Actor,
        input: RegisterProblemInput,
    ) -> Result<ProblemView, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let model = self.register_problem_in(&txn, actor, &input).await?;
        let view = self.problem_views(&txn, vec![model]).await?.remove(0);
        self.commit(txn).await?;
        Ok(view)
    }

    /// Fires one pending problem reminder, unless the problem is closed, awaits its 销号
    /// decision, or its time limit moved; returns whether it fired.
    pub(crate) async fn remind_problem(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        row: &crate::entity::deadline_schedule::Model,
        today: chrono::NaiveDate,
    ) -> Result<bool, ApiError> {
        let Some(m) = problem::Entity::find_by_id(row.assignment_id.clone())
            .lock_exclusive()
            .one(txn)
            .await
            .map_err(internal)?
        else {
            return Ok(false);
        };
        let p = snapshot(&m)?;
        if matches!(
            p.state,
            ProblemState::Closed | ProblemState::CloseOutRequested
        ) || p.due_on != row.due_on
        {
            return Ok(false);
        }
        let event = if row.kind.ends_with("OVERDUE") {
            AssignmentsEvent::ProblemOverdue { problem: p.clone() }
        } else {
            AssignmentsEvent::ProblemDueSoon {
                working_days_left: self.calendar_now().working_days_between(today, p.due_on),
                problem: p.clone(),
            }
        };
        // A reminder is not a change of the problem (its version stays), but it is the
        // aggregate's next event.
        let sequence = m.last_sequence + 1;
        problem::Entity::update_many()
            .col_expr(problem::Column::LastSequence, sequence.into())
            .filter(problem::Column::Id.eq(p.id.clone()))
            .exec(txn)
            .await
            .map_err(internal)?;
        self.emit(txn, "system", &p.unit_path, &p.id, sequence, event)
            .await?;
        Ok(true)
    }

    /// Who decides a close-out request for a problem of `unit_path`: the supervisor who
    /// registered it while they still may, else every active supervisor of the nearest
    /// jurisdiction over the unit. Read through `conn`, the command's transaction.
    async fn reviewers<C: sea_orm::ConnectionTrait>(
        conn: &C,
        unit_path: &str,
        registered_by: &str,
    ) -> Result<Vec<String>, ApiError> {
        let supervisors = person::Entity::find()
            .filter(person::Column::Deactivated.eq(false))
            .filter(person::Column::Roles.contains("SUPERVISOR"))
            .all(conn)
            .await
            .map_err(internal)?;
        let mut covering = Vec::new();
        for p in supervisors {
            let snap = crate::rows::person_snapshot(p);
            if !snap.roles.contains(&Role::Supervisor) {
                continue;
            }
            let scope = crate::units::jurisdiction_in(conn, &snap.unit_id).await?;
            if !duban_auth::in_subtree(unit_path, &scope) {
                continue;
            }
            if snap.id == registered_by {
                return Ok(vec![snap.id]);
            }
            covering.push((scope.matches('/').count(), snap.id));
        }
        let nearest = covering.iter().map(|(depth, _)| *depth).max();
        Ok(covering
            .into_iter()
            .filter(|(depth, _)| Some(*depth) == nearest)
            .map(|(_, id)| id)
            .collect())
    }

    /// One ledger transition in one transaction, with the version guard and the event.
    pub(crate) async fn problem_command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: ProblemCommand,
    ) -> Result<ProblemView, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let model = problem::Entity::find_by_id(id.to_string())
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.unit_path))
            .ok_or_else(|| ApiError::not_found("台账问题", id))?;
        let by_unit = matches!(command, ProblemCommand::RequestCloseOut { .. });
        let allowed = if by_unit {
            actor.has_any(&[Role::Clerk, Role::UnitLeader]) && actor.works_in(&model.unit_path)
        } else {
            actor.has(Role::Supervisor)
        };
        if !allowed {
            return Err(ApiError::Forbidden(if by_unit {
                "只有问题所在单位的经办人员或负责人可以申请销号".into()
            } else {
                "只有督查人员可以销号、退回或回头看".into()
            }));
        }
        if model.version != expected_version {
            return Err(ApiError::VersionConflict {
                expected: expected_version,
                actual: model.version,
            });
        }
        let current = Problem::try_from(&model)?;
        let reviewers = match command {
            ProblemCommand::RequestCloseOut { .. } => {
                let p = &current.snapshot;
                Self::reviewers(&txn, &p.unit_path, &p.registered_by).await?
            }
            _ => Vec::new(),
        };
        let now = self.clock.now();
        let cal = self.calendar_now();
        let ctx = rules::Context {
            now,
            calendar: &cal,
            reviewers,
        };
        let decision = rules::decide(&current, command, &ctx).map_err(problem_err)?;
        let (current, next) = (&current.snapshot, &decision.state.snapshot);
        let decided = problem::ActiveModel {
            id: sea_orm::NotSet,
            ..problem::ActiveModel::from(&decision.state)
        };
        let (_, row) = crate::rows::moved(&model, &decided, problem::Column::Version);
        let updated = problem::Entity::update_many()
            .set(row)
            .filter(problem::Column::Id.eq(id))
            .filter(problem::Column::Version.eq(expected_version))
            .exec(&txn)
            .await
            .map_err(internal)?;
        crate::rows::one_changed(&updated, expected_version)?;
        if next.due_on != current.due_on {
            self.schedule_problem(&txn, id, next.due_on).await?;
        }
        problem_log::ActiveModel {
            id: Set(duban_outbox::new_event_id(now).to_string()),
            problem_id: Set(id.to_string()),
            action: Set(decision.event.type_name().to_string()),
            text: Set(decision.text),
            evidence: Set(to_json_list(&decision.evidence)),
            actor: Set(actor.person_id.clone()),
            at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        self.emit(
            &txn,
            &actor.person_id,
            &next.unit_path,
            id,
            decision.state.last_sequence,
            decision.event,
        )
        .await?;
        let saved = problem::Entity::find_by_id(id.to_string())
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("台账问题", id))?;
        let view = self.problem_views(&txn, vec![saved]).await?.remove(0);
        self.commit(txn).await?;
        Ok(view)
    }

    /// Views of several problems with their histories, in one query for all histories.
    async fn problem_views<C: ConnectionTrait>(
        &self,
        conn: &C,
        models: Vec<problem::Model>,
    ) -> Result<Vec<ProblemView>, ApiError> {
        let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
        let mut history: HashMap<String, Vec<ProblemLogView>> = HashMap::new();
        for l in problem_log::Entity::find()
            .filter(problem_log::Column::ProblemId.is_in(ids))
            .order_by_asc(problem_log::Column::At)
            .order_by_asc(problem_log::Column::Id)
            .all(conn)
            .await
            .map_err(internal)?
        {
            history
                .entry(l.problem_id)
                .or_default()
                .push(ProblemLogView {
                    action: l.action,
                    text: l.text,
                    evidence: json_list(&l.evidence),
                    actor: l.actor,
                    at: l.at,
                });
        }
        models
            .into_iter()
            .map(|m| {
                Ok(ProblemView {
                    problem: snapshot(&m)?,
                    color: m.color.as_deref().and_then(duban_schema::Color::parse),
                    history: history.remove(&m.id).unwrap_or_default(),
                })
            })
            .collect()
    }

    pub(crate) async fn problem(&self, actor: &Actor, id: &str) -> Result<ProblemView, ApiError> {
        let m = problem::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.unit_path))
            .ok_or_else(|| ApiError::not_found("台账问题", id))?;
        Ok(self.problem_views(&self.db, vec![m]).await?.remove(0))
    }

    pub(crate) async fn problems(
        &self,
        actor: &Actor,
        filter: ProblemFilter,
        page: PageRequest,
    ) -> Result<Page<ProblemView>, ApiError> {
        let root = self.scope_root(actor, filter.scope.as_deref()).await?;
        let cond = problem_condition(&root, &filter);
        let total_count = problem::Entity::find()
            .filter(cond.clone())
            .count(&self.db)
            .await
            .map_err(internal)?;
        let mut query = problem::Entity::find().filter(cond);
        if let Some(after) = &page.after {
            let (due, id) = decode_cursor(after)?;
            query = query.filter(
                Condition::any().add(problem::Column::DueOn.gt(due)).add(
                    Condition::all()
                        .add(problem::Column::DueOn.eq(due))
                        .add(problem::Column::Id.gt(id)),
                ),
            );
        }
        let query = query
            .order_by_asc(problem::Column::DueOn)
            .order_by_asc(problem::Column::Id);
        let (rows, has_next_page) = duban_outbox::page::read(query, &self.db, page.first)
            .await
            .map_err(internal)?;
        let cursors: Vec<String> = rows.iter().map(encode_cursor).collect();
        let items = cursors
            .into_iter()
            .zip(self.problem_views(&self.db, rows).await?)
            .collect();
        Ok(Page {
            items,
            has_next_page,
            has_previous_page: page.after.is_some(),
            total_count,
        })
    }
}

/// The rows of `filter` under the scope `root`.
pub(crate) fn problem_condition(root: &str, filter: &ProblemFilter) -> Condition {
    let mut cond = Condition::all().add(duban_outbox::db::in_subtree(
        problem::Column::UnitPath,
        root,
    ));
    if let Some(states) = &filter.states {
        cond =
            cond.add(problem::Column::State.is_in(states.iter().map(|s| s.as_str().to_string())));
    }
    if let Some(c) = &filter.campaign_id {
        cond = cond.add(problem::Column::CampaignId.eq(c.clone()));
    }
    if let Some(c) = &filter.category {
        cond = cond.add(problem::Column::Category.eq(c.clone()));
    }
    if let Some(s) = filter.source {
        cond = cond.add(problem::Column::Source.eq(s.as_str()));
    }
    if let Some(d) = filter.due_from {
        cond = cond.add(problem::Column::DueOn.gte(d));
    }
    if let Some(d) = filter.due_to {
        cond = cond.add(problem::Column::DueOn.lte(d));
    }
    if let Some(p) = &filter.responsible_person_id {
        cond = cond.add(problem::Column::ResponsiblePersonId.eq(p.clone()));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        cond = cond.add(
            Condition::any()
                .add(problem::Column::Description.like(contains(text)))
                .add(problem::Column::CauseAnalysis.like(contains(text)))
                .add(problem::Column::Measures.like(contains(text))),
        );
    }
    cond
}
