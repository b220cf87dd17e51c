//! The official working calendar (调休 included): reading it, and changing a day, which moves
//! every open time limit measured on it.

use crate::access::may_change_calendar;
use crate::domain::assignment as rules;
use crate::entity::{assignment, calendar_override, org_unit};
use crate::rows::{check_input_date, internal, snapshot, special_of};
use crate::scheduler::deadline_line;
use crate::service::AssignmentsService;
use duban_api::{ApiError, CalendarChangeView, CalendarDayView, SetCalendarDayInput};
use duban_auth::Actor;
use duban_clock::workdays::{Calendar, Special};
use duban_schema::assignments::{AssignmentState, AssignmentsEvent, CalendarDaySnapshot};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

impl AssignmentsService {
    /// The working calendar as it is now.
    pub fn calendar_now(&self) -> std::sync::Arc<Calendar> {
        self.calendar.now()
    }

    pub(crate) async fn work_calendar(
        &self,
        _actor: &Actor,
        year: i32,
    ) -> Result<Vec<CalendarDayView>, ApiError> {
        if !(2000..=2100).contains(&year) {
            return Err(ApiError::validation("year", "年份须在2000至2100之间"));
        }
        let cal = self.calendar.now();
        Ok(cal
            .year(year)
            .into_iter()
            .map(|date| CalendarDayView {
                date,
                workday: cal.is_workday(date),
                holiday: cal.holiday(date).map(str::to_string),
                makeup_for: match cal.special(date) {
                    Some(Special::Workday(name)) => Some(name.clone()),
                    _ => None,
                },
            })
            .collect())
    }

    pub(crate) async fn set_calendar_day(
        &self,
        actor: &Actor,
        input: SetCalendarDayInput,
    ) -> Result<CalendarChangeView, ApiError> {
        may_change_calendar(actor)?;
        check_input_date("date", input.date, self.clock.today())?;
        if input.reason.trim().is_empty() {
            return Err(ApiError::validation("reason", "请填写调整理由"));
        }
        let now = self.clock.now();
        let txn = self.db.begin().await.map_err(internal)?;
        // Changes made through two replicas at once take turns, and each starts from the
        // calendar as stored, not from what this replica holds.
        duban_outbox::db::take_turns(&txn, "duban-calendar")
            .await
            .map_err(internal)?;
        let (mut cal, _) = duban_outbox::calendar::load(&txn).await.map_err(internal)?;
        let previous = calendar_override::Entity::find_by_id(input.date)
            .one(&txn)
            .await
            .map_err(internal)?;
        let row = calendar_override::Model {
            date: input.date,
            workday: input.workday,
            name: input.name.clone().filter(|n| !n.trim().is_empty()),
            reason: input.reason.trim().to_string(),
            set_by: actor.person_id.clone(),
            set_at: now,
            version: previous.as_ref().map_or(1, |p| p.version + 1),
        };
        if previous.is_some() {
            row.clone()
                .into_active_model()
                .reset_all()
                .update(&txn)
                .await
                .map_err(internal)?;
        } else {
            row.clone()
                .into_active_model()
                .insert(&txn)
                .await
                .map_err(internal)?;
        }
        let was_workday = cal.is_workday(input.date);
        cal.set(input.date, Some(special_of(&row)));
        let day = CalendarDayView {
            date: input.date,
            workday: cal.is_workday(input.date),
            holiday: cal.holiday(input.date).map(str::to_string),
            makeup_for: match cal.special(input.date) {
                Some(Special::Workday(n)) => Some(n.clone()),
                _ => None,
            },
        };
        let county = org_unit::Entity::find()
            .filter(org_unit::Column::ParentId.is_null())
            .one(&txn)
            .await
            .map_err(internal)?
            .map_or_else(|| "/".to_string(), |u| u.path);
        self.emit(
            &txn,
            &actor.person_id,
            &county,
            &format!("calendar:{}", input.date),
            row.version,
            AssignmentsEvent::CalendarDayChanged {
                day: CalendarDaySnapshot {
                    date: input.date,
                    workday: input.workday,
                    name: row.name.clone(),
                    reason: row.reason.clone(),
                },
            },
        )
        .await?;
        let reason = format!(
            "工作日历调整：{} 改为{}（{}）",
            input.date.format("%Y年%m月%d日"),
            if input.workday {
                "工作日"
            } else {
                "休息日"
            },
            row.reason
        );
        let finished = [
            AssignmentState::Completed,
            AssignmentState::Closed,
            AssignmentState::Cancelled,
        ]
        .map(|s| s.as_str().to_string());
        let open = assignment::Entity::find()
            .filter(assignment::Column::State.is_not_in(finished))
            .filter(assignment::Column::TimeLimitDays.is_not_null())
            .order_by_asc(assignment::Column::Id)
            .lock_exclusive()
            .all(&txn)
            .await
            .map_err(internal)?;
        let mut moved = 0;
        for m in open {
            let due = rules::due_after_calendar_change(
                duban_clock::local_date(&m.issued_at),
                m.due_on,
                input.date,
                was_workday,
                &cal,
            );
            if due == m.due_on {
                continue;
            }
            let from = m.due_on;
            let version = m.version + 1;
            let updated = assignment::Entity::update_many()
                .col_expr(
                    assignment::Column::DueOn,
                    sea_orm::sea_query::Expr::value(due),
                )
                .col_expr(
                    assignment::Column::Version,
                    sea_orm::sea_query::Expr::value(version),
                )
                .col_expr(
                    assignment::Column::LastSequence,
                    sea_orm::sea_query::Expr::value(m.last_sequence + 1),
                )
                .filter(assignment::Column::Id.eq(m.id.clone()))
                .filter(assignment::Column::Version.eq(m.version))
                .exec(&txn)
                .await
                .map_err(internal)?;
            crate::rows::one_changed(&updated, m.version)?;
            self.schedule(&txn, &cal, &m.id, due).await?;
            deadline_line(&m.id, from, due, reason.clone(), now)
                .insert(&txn)
                .await
                .map_err(internal)?;
            let mut snap = snapshot(&m)?;
            snap.due_on = due;
            snap.version = version;
            self.emit(
                &txn,
                &actor.person_id,
                &snap.lead_unit_path.clone(),
                &snap.id.clone(),
                m.last_sequence + 1,
                AssignmentsEvent::AssignmentDeadlineMoved {
                    assignment: snap,
                    from,
                    reason: reason.clone(),
                },
            )
            .await?;
            moved += 1;
        }
        duban_outbox::follow::announce(&txn, duban_outbox::calendar::CHANGED)
            .await
            .map_err(internal)?;
        self.commit(txn).await?;
        self.calendar.set(cal);
        Ok(CalendarChangeView { day, moved })
    }

    pub(crate) async fn add_working_days(
        &self,
        _actor: &Actor,
        from: chrono::NaiveDate,
        days: i32,
    ) -> Result<chrono::NaiveDate, ApiError> {
        if !(0..=365).contains(&days) {
            return Err(ApiError::validation("days", "工作日数须在0至365之间"));
        }
        Ok(self.calendar.now().add_working_days(from, days as u32))
    }

    /// Applies the county's stored calendar changes over the official schedule; call at start.
    pub async fn load_calendar(&self) -> Result<usize, ApiError> {
        self.calendar.load(&self.db).await.map_err(internal)
    }

    /// Reads the calendar again whenever another replica commits a change, until `stop`.
    pub async fn follow_calendar(&self, stop: tokio::sync::watch::Receiver<bool>) {
        self.calendar.follow(&self.db, stop).await
    }
}
