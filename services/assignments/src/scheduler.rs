//! The reminder scheduler: 到期提醒, 超期督办 and 签收超时 rows, one per item and time limit,
//! and the daily tick that fires them.

use crate::entity::{assignment, deadline_change, deadline_schedule, problem};
use crate::rows::{internal, snapshot};
use crate::service::AssignmentsService;
use chrono::{DateTime, FixedOffset};
use duban_api::ApiError;
use duban_clock::workdays::Calendar;
use duban_schema::assignments::{AssignmentState, AssignmentsEvent};
use duban_schema::topics;
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use std::collections::HashMap;

pub(crate) const DUE_SOON: &str = "DUE_SOON";

pub(crate) const OVERDUE: &str = "OVERDUE";

pub(crate) const ACK_OVERDUE: &str = "ACK_OVERDUE";

pub(crate) const PROBLEM_DUE_SOON: &str = "PROBLEM_DUE_SOON";

pub(crate) const PROBLEM_OVERDUE: &str = "PROBLEM_OVERDUE";

/// Pending reminders a tick fires in one transaction.
pub const TICK_BATCH: u64 = 200;

/// A line of an item's deadline-change ledger: its limit moved from `from` to `to`, why.
pub(crate) fn deadline_line(
    assignment_id: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    reason: String,
    now: DateTime<FixedOffset>,
) -> deadline_change::ActiveModel {
    deadline_change::ActiveModel {
        id: Set(duban_outbox::new_event_id(now).to_string()),
        assignment_id: Set(assignment_id.to_string()),
        from_date: Set(from),
        to_date: Set(to),
        reason: Set(reason),
        changed_at: Set(now),
    }
}

/// The missed-acknowledgement reminder of a unit that must sign by `ack_due_on`.
pub(crate) fn ack_reminder(
    id: &str,
    ack_due_on: chrono::NaiveDate,
) -> deadline_schedule::ActiveModel {
    deadline_schedule::ActiveModel {
        assignment_id: Set(id.to_string()),
        kind: Set(ACK_OVERDUE.to_string()),
        due_on: Set(ack_due_on),
        fire_on: Set(ack_due_on.succ_opt().unwrap_or(ack_due_on)),
    }
}

impl AssignmentsService {
    /// Schedules the DueSoon and Overdue reminders of a time limit, in the caller's transaction.
    pub(crate) async fn schedule<C: ConnectionTrait>(
        &self,
        conn: &C,
        cal: &Calendar,
        id: &str,
        due_on: chrono::NaiveDate,
    ) -> Result<(), ApiError> {
        self.schedule_kinds(conn, cal, id, due_on, [DUE_SOON, OVERDUE])
            .await
    }

    /// Schedules a ledger problem's reminders of its 整改时限, in the caller's transaction.
    pub(crate) async fn schedule_problem<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: &str,
        due_on: chrono::NaiveDate,
    ) -> Result<(), ApiError> {
        let cal = self.calendar_now();
        self.schedule_kinds(conn, &cal, id, due_on, [PROBLEM_DUE_SOON, PROBLEM_OVERDUE])
            .await
    }

    pub(crate) async fn schedule_kinds<C: ConnectionTrait>(
        &self,
        conn: &C,
        cal: &Calendar,
        id: &str,
        due_on: chrono::NaiveDate,
        kinds: [&'static str; 2],
    ) -> Result<(), ApiError> {
        deadline_schedule::Entity::delete_many()
            .filter(deadline_schedule::Column::AssignmentId.eq(id))
            .filter(deadline_schedule::Column::Kind.is_in(kinds))
            .exec(conn)
            .await
            .map_err(internal)?;
        deadline_schedule::Entity::insert_many(self.reminders(cal, id, due_on, kinds))
            .exec_without_returning(conn)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// The DueSoon and Overdue reminders (of `kinds`) of something due on `due_on`.
    pub(crate) fn reminders(
        &self,
        cal: &Calendar,
        id: &str,
        due_on: chrono::NaiveDate,
        [due_soon, overdue]: [&'static str; 2],
    ) -> [deadline_schedule::ActiveModel; 2] {
        [
            (
                due_soon,
                cal.working_days_before(due_on, self.due_soon_days),
            ),
            (overdue, due_on.succ_opt().unwrap_or(due_on)),
        ]
        .map(|(kind, fire_on)| deadline_schedule::ActiveModel {
            assignment_id: Set(id.to_string()),
            kind: Set(kind.to_string()),
            due_on: Set(due_on),
            fire_on: Set(fire_on),
        })
    }

    /// Fires the reminders due by today, each exactly once: the pending row is deleted in
    /// the transaction that writes the event. Reads only rows whose day has come (index on
    /// the firing day), so a tick costs in proportion to the items due. Returns how many fired.
    ///
    /// A batch of up to [`TICK_BATCH`] rows takes a fixed number of statements: the due
    /// rows read, their items and problems locked in id order (as commands and the cards
    /// consumer lock them, before the schedule rows), the rows claimed, then every
    /// item's new last position and every event written at once.
    pub async fn deadline_tick(&self) -> Result<u32, ApiError> {
        let today = self.clock.today();
        let mut fired = 0;
        loop {
            let txn = self.db.begin().await.map_err(internal)?;
            let due = deadline_schedule::Entity::find()
                .filter(deadline_schedule::Column::FireOn.lte(today))
                .order_by_asc(deadline_schedule::Column::FireOn)
                .limit(TICK_BATCH)
                .all(&txn)
                .await
                .map_err(internal)?;
            let batch = due.len();
            if batch == 0 {
                return Ok(fired);
            }
            let is_problem = |r: &deadline_schedule::Model| {
                r.kind == PROBLEM_DUE_SOON || r.kind == PROBLEM_OVERDUE
            };
            let ids = |problems: bool| {
                let mut ids: Vec<String> = due
                    .iter()
                    .filter(|r| is_problem(r) == problems)
                    .map(|r| r.assignment_id.clone())
                    .collect();
                ids.sort();
                ids.dedup();
                ids
            };
            let (item_ids, problem_ids) = (ids(false), ids(true));
            let items: HashMap<String, assignment::Model> = assignment::Entity::find()
                .filter(assignment::Column::Id.is_in(item_ids.iter().map(String::as_str)))
                .order_by_asc(assignment::Column::Id)
                .lock_exclusive()
                .all(&txn)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|m| (m.id.clone(), m))
                .collect();
            problem::Entity::find()
                .filter(problem::Column::Id.is_in(problem_ids.iter().map(String::as_str)))
                .order_by_asc(problem::Column::Id)
                .lock_exclusive()
                .all(&txn)
                .await
                .map_err(internal)?;
            // Claimed: only the rows still pending (another replica's tick, or a command
            // that moved the limit, may have taken some meanwhile), and any row of these
            // locked items that has come due since the read. By item id, not by the rows'
            // keys: PostgreSQL plans a list of key tuples as one OR branch each.
            let mut claimed = deadline_schedule::Entity::delete_many()
                .filter(
                    deadline_schedule::Column::AssignmentId
                        .is_in(item_ids.into_iter().chain(problem_ids)),
                )
                .filter(deadline_schedule::Column::FireOn.lte(today))
                .exec_with_returning(&txn)
                .await
                .map_err(internal)?;
            claimed.sort_by(|a, b| {
                (&a.assignment_id, a.fire_on, &a.kind).cmp(&(&b.assignment_id, b.fire_on, &b.kind))
            });
            let mut positions: HashMap<&str, i64> = HashMap::new();
            let mut events = Vec::new();
            for r in &claimed {
                if is_problem(r) {
                    fired += u32::from(self.remind_problem(&txn, r, today).await?);
                    continue;
                }
                let Some(m) = items.get(&r.assignment_id) else {
                    continue;
                };
                let Some(event) = self.reminder(m, r, today)? else {
                    continue;
                };
                // A reminder is not a change of the assignment (its version stays), but it
                // is the aggregate's next event.
                let last = positions.entry(&m.id).or_insert(m.last_sequence);
                *last += 1;
                events.push(self.envelope("system", &m.lead_unit_path, &m.id, *last, event));
            }
            if !positions.is_empty() {
                let mut last = CaseStatement::new();
                for (id, position) in &positions {
                    last = last.case(assignment::Column::Id.eq(*id), *position);
                }
                assignment::Entity::update_many()
                    .col_expr(
                        assignment::Column::LastSequence,
                        last.finally(Expr::col(assignment::Column::LastSequence))
                            .into(),
                    )
                    .filter(assignment::Column::Id.is_in(positions.keys().copied()))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                let insert = duban_outbox::enqueue_statement(topics::ASSIGNMENTS, &events)
                    .map_err(internal)?;
                txn.execute(self.db.get_database_backend().build(&insert))
                    .await
                    .map_err(internal)?;
                fired += events.len() as u32;
            }
            self.commit(txn).await?;
            // The rows as this batch left them, read under their locks: a command on one
            // of them next need not find its kept row stale for a reminder's position.
            for (id, position) in positions {
                if let Some(m) = items.get(id) {
                    self.recent.replace(&assignment::Model {
                        last_sequence: position,
                        ..m.clone()
                    });
                }
            }
            if batch < TICK_BATCH as usize {
                return Ok(fired);
            }
        }
    }

    /// The event that the pending reminder `r` of item `m` fires today, if it still applies.
    fn reminder(
        &self,
        m: &assignment::Model,
        r: &deadline_schedule::Model,
        today: chrono::NaiveDate,
    ) -> Result<Option<AssignmentsEvent>, ApiError> {
        let snap = snapshot(m)?;
        Ok(Some(if r.kind == ACK_OVERDUE {
            if snap.state != AssignmentState::Issued || snap.ack_due_on != Some(r.due_on) {
                return Ok(None);
            }
            AssignmentsEvent::AcknowledgementOverdue { assignment: snap }
        } else if snap.state.is_finished()
            || snap.state == AssignmentState::Suspended
            || snap.due_on != r.due_on
        {
            // A suspended item's clock stands still: its resume schedules the reminders
            // of its new time limit.
            return Ok(None);
        } else if r.kind == OVERDUE {
            AssignmentsEvent::AssignmentOverdue { assignment: snap }
        } else {
            let left = self.calendar.now().working_days_between(today, snap.due_on);
            AssignmentsEvent::AssignmentDueSoon {
                assignment: snap,
                working_days_left: left,
            }
        }))
    }
}
