//! The reminder scheduler: 到期提醒, 超期督办 and 签收超时 rows, one per item and time limit,
//! and the daily tick that fires them.

use crate::entity::{assignment, deadline_change, deadline_schedule};
use crate::rows::{internal, snapshot};
use crate::service::AssignmentsService;
use chrono::{DateTime, FixedOffset};
use duban_api::ApiError;
use duban_clock::workdays::Calendar;
use duban_schema::assignments::{AssignmentState, AssignmentsEvent};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

pub(crate) const DUE_SOON: &str = "DUE_SOON";

pub(crate) const OVERDUE: &str = "OVERDUE";

pub(crate) const ACK_OVERDUE: &str = "ACK_OVERDUE";

pub(crate) const PROBLEM_DUE_SOON: &str = "PROBLEM_DUE_SOON";

pub(crate) const PROBLEM_OVERDUE: &str = "PROBLEM_OVERDUE";

/// Takes the next event position of assignment `id`, whose last event took `last`.
pub(crate) async fn next_position<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    last: i64,
) -> Result<i64, ApiError> {
    assignment::Entity::update_many()
        .col_expr(
            assignment::Column::LastSequence,
            sea_orm::sea_query::Expr::value(last + 1),
        )
        .filter(assignment::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(internal)?;
    Ok(last + 1)
}

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
    pub async fn deadline_tick(&self) -> Result<u32, ApiError> {
        let today = self.clock.today();
        let mut fired = 0;
        loop {
            let txn = self.db.begin().await.map_err(internal)?;
            let rows = deadline_schedule::Entity::find()
                .filter(deadline_schedule::Column::FireOn.lte(today))
                .order_by_asc(deadline_schedule::Column::FireOn)
                .limit(200)
                .all(&txn)
                .await
                .map_err(internal)?;
            let batch = rows.len();
            let mut rows = rows;
            // Items locked in id order, as the cards consumer locks them (no deadlock cycle).
            rows.sort_by(|a, b| a.assignment_id.cmp(&b.assignment_id));
            for r in rows {
                let claimed = deadline_schedule::Entity::delete_many()
                    .filter(deadline_schedule::Column::AssignmentId.eq(r.assignment_id.clone()))
                    .filter(deadline_schedule::Column::Kind.eq(r.kind.clone()))
                    .filter(deadline_schedule::Column::DueOn.eq(r.due_on))
                    .exec(&txn)
                    .await
                    .map_err(internal)?
                    .rows_affected;
                if claimed == 0 {
                    // Another replica's tick fired it meanwhile.
                    continue;
                }
                if r.kind == PROBLEM_DUE_SOON || r.kind == PROBLEM_OVERDUE {
                    fired += u32::from(self.remind_problem(&txn, &r, today).await?);
                    continue;
                }
                let Some(m) = assignment::Entity::find_by_id(r.assignment_id.clone())
                    .lock_exclusive()
                    .one(&txn)
                    .await
                    .map_err(internal)?
                else {
                    continue;
                };
                let snap = snapshot(&m)?;
                let event = if r.kind == ACK_OVERDUE {
                    if snap.state != AssignmentState::Issued || snap.ack_due_on != Some(r.due_on) {
                        continue;
                    }
                    AssignmentsEvent::AcknowledgementOverdue {
                        assignment: snap.clone(),
                    }
                } else if snap.state.is_finished()
                    || snap.state == AssignmentState::Suspended
                    || snap.due_on != r.due_on
                {
                    // A suspended item's clock stands still: its resume schedules the
                    // reminders of its new time limit.
                    continue;
                } else if r.kind == OVERDUE {
                    AssignmentsEvent::AssignmentOverdue {
                        assignment: snap.clone(),
                    }
                } else {
                    let left = self
                        .calendar
                        .read()
                        .unwrap_or_else(|p| p.into_inner())
                        .working_days_between(today, snap.due_on);
                    AssignmentsEvent::AssignmentDueSoon {
                        assignment: snap.clone(),
                        working_days_left: left,
                    }
                };
                // A reminder is not a change of the assignment (its version stays), but it is
                // the aggregate's next event.
                let sequence = next_position(&txn, &m.id, m.last_sequence).await?;
                self.emit(
                    &txn,
                    "system",
                    &snap.lead_unit_path,
                    &snap.id,
                    sequence,
                    event,
                )
                .await?;
                fired += 1;
            }
            self.commit(txn).await?;
            if batch < 200 {
                return Ok(fired);
            }
        }
    }
}
