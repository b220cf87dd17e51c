//! 新官要理旧账: a person who leaves the post or the unit hands every open item and problem
//! they answer for to a successor (named, or the unit's leader), each change its own event,
//! audited and noticed, in the same transaction as the directory change.

use crate::domain::{assignment as item_rules, problem as problem_rules};
use crate::entity::{assignment, person, problem, problem_log};
use crate::rows::{domain_err, internal, to_json_list};
use crate::service::AssignmentsService;
use duban_api::ApiError;
use duban_schema::assignments::{AssignmentState, AssignmentsEvent, ProblemState};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

impl AssignmentsService {
    /// Hands `from`'s open assignments and problems to a successor: `named`, or else the
    /// active leader of `from`'s unit. Refused (nothing changed) when there is work to hand
    /// over and nobody to take it. Returns how many items and problems changed hands.
    pub(crate) async fn hand_over(
        &self,
        txn: &DatabaseTransaction,
        actor_id: &str,
        from: &person::Model,
        named: Option<&str>,
        reason: &str,
    ) -> Result<usize, ApiError> {
        let closed = [AssignmentState::Closed, AssignmentState::Cancelled].map(|s| s.as_str());
        let items = assignment::Entity::find()
            .filter(assignment::Column::ResponsiblePersonId.eq(from.id.clone()))
            .filter(assignment::Column::State.is_not_in(closed))
            .order_by_asc(assignment::Column::Id)
            .lock_exclusive()
            .all(txn)
            .await
            .map_err(internal)?;
        let problems = problem::Entity::find()
            .filter(problem::Column::ResponsiblePersonId.eq(from.id.clone()))
            .filter(problem::Column::State.ne(ProblemState::Closed.as_str()))
            .order_by_asc(problem::Column::Id)
            .lock_exclusive()
            .all(txn)
            .await
            .map_err(internal)?;
        if items.is_empty() && problems.is_empty() && named.is_none() {
            return Ok(0);
        }
        let successor = self.successor(txn, from, named).await?;
        let now = self.clock.now();
        for m in &items {
            let current = crate::rows::snapshot(m)?;
            let next = item_rules::change_responsible(&current, &successor.id, reason)
                .map_err(domain_err)?;
            let sequence = m.last_sequence + 1;
            use assignment::Column as A;
            let columns = [A::Id, A::ResponsiblePersonId, A::Version, A::LastSequence];
            let to = (successor.id.as_str(), next.version, sequence);
            reassign::<assignment::Entity>(txn, columns, &m.id, m.version, to).await?;
            self.emit(
                txn,
                actor_id,
                &next.lead_unit_path.clone(),
                &next.id.clone(),
                sequence,
                AssignmentsEvent::AssignmentResponsibleChanged {
                    assignment: next,
                    from_person_id: from.id.clone(),
                    reason: reason.to_string(),
                },
            )
            .await?;
        }
        for m in &problems {
            let current = crate::ledger::snapshot(m)?;
            let next = problem_rules::change_responsible(&current, &successor.id, reason)
                .map_err(crate::ledger::problem_err)?;
            let sequence = m.last_sequence + 1;
            use problem::Column as P;
            let columns = [P::Id, P::ResponsiblePersonId, P::Version, P::LastSequence];
            let to = (successor.id.as_str(), next.version, sequence);
            reassign::<problem::Entity>(txn, columns, &m.id, m.version, to).await?;
            problem_log::ActiveModel {
                id: Set(duban_outbox::new_event_id(now).to_string()),
                problem_id: Set(m.id.clone()),
                action: Set("ProblemResponsibleChanged".to_string()),
                text: Set(format!(
                    "责任人由{}改为{}：{reason}",
                    from.name, successor.name
                )),
                evidence: Set(to_json_list(&[])),
                actor: Set(actor_id.to_string()),
                at: Set(now),
            }
            .insert(txn)
            .await
            .map_err(internal)?;
            self.emit(
                txn,
                actor_id,
                &next.unit_path.clone(),
                &next.id.clone(),
                sequence,
                AssignmentsEvent::ProblemResponsibleChanged {
                    problem: next,
                    from_person_id: from.id.clone(),
                    reason: reason.to_string(),
                },
            )
            .await?;
        }
        Ok(items.len() + problems.len())
    }

    /// The named successor, checked, or the leader of `from`'s unit.
    async fn successor(
        &self,
        txn: &DatabaseTransaction,
        from: &person::Model,
        named: Option<&str>,
    ) -> Result<person::Model, ApiError> {
        let colleagues = person::Entity::find()
            .filter(person::Column::UnitId.eq(from.unit_id.clone()))
            .filter(person::Column::Deactivated.eq(false))
            .filter(person::Column::Id.ne(from.id.clone()))
            .all(txn)
            .await
            .map_err(internal)?;
        let found = match named {
            Some(id) => colleagues.into_iter().find(|p| p.id == id).ok_or_else(|| {
                ApiError::validation("successorId", "接替人须是同一单位在岗的其他人员")
            })?,
            None => {
                let people: Vec<_> = colleagues
                    .iter()
                    .map(|p| crate::rows::person_snapshot(p.clone()))
                    .collect();
                let leader = crate::domain::directory::unit_leader(&people).map(|l| l.id.clone());
                colleagues
                    .into_iter()
                    .find(|p| Some(&p.id) == leader.as_ref())
            }
            .ok_or_else(|| {
                ApiError::validation(
                    "successorId",
                    "此人尚有未办结的事项或问题，单位又无在岗负责人，请指定接替人（successorId）",
                )
            })?,
        };
        Ok(found)
    }
}

/// Row `id` of `E`, at `version`, given to `to`'s person at `to`'s version and event
/// sequence (`columns`: its id, responsible person, version and last sequence); a version
/// conflict if another write changed it first.
async fn reassign<E: EntityTrait>(
    txn: &DatabaseTransaction,
    [id, person, version_column, sequence]: [E::Column; 4],
    row: &str,
    version: i64,
    to: (&str, i64, i64),
) -> Result<(), ApiError> {
    let updated = E::update_many()
        .col_expr(person, Expr::value(to.0.to_string()))
        .col_expr(version_column, Expr::value(to.1))
        .col_expr(sequence, Expr::value(to.2))
        .filter(id.eq(row.to_string()))
        .filter(version_column.eq(version))
        .exec(txn)
        .await
        .map_err(internal)?;
    crate::rows::one_changed(&updated, version)
}
