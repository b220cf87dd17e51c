//! Evaluation's event handler, periodic reassessment and queries.

use crate::color::{assess, ItemFacts};
use crate::entity::{calendar_override, tracked_item};
use async_trait::async_trait;
use duban_api::{ApiError, ColorView, EvaluationApi};
use duban_auth::Actor;
use duban_clock::workdays::Calendar;
use duban_clock::SharedClock;
use duban_outbox::{AfterCommit, EventBus, Handler, HandlerError};
use duban_schema::assignments::{AssignmentState, AssignmentsEvent};
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::{topics, Color, Envelope, RawEnvelope};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tracing::Instrument;

/// The evaluation service over its own database.
#[derive(Clone)]
pub struct EvaluationService {
    db: DatabaseConnection,
    bus: EventBus,
    clock: SharedClock,
    tenant: String,
    yellow_days: i64,
    calendar: Arc<RwLock<Calendar>>,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "evaluation: internal error");
    ApiError::Internal(e.to_string())
}

fn special(workday: bool, name: Option<String>) -> duban_clock::workdays::Special {
    use duban_clock::workdays::Special;
    if workday {
        Special::Workday(name.unwrap_or_else(|| "调整上班".into()))
    } else {
        Special::Holiday(name.unwrap_or_else(|| "调整休息".into()))
    }
}

fn facts(m: &tracked_item::Model) -> Result<ItemFacts, ApiError> {
    Ok(ItemFacts {
        state: AssignmentState::parse(&m.state)
            .ok_or_else(|| ApiError::unknown_stored("state", &m.id, &m.state))?,
        issued_on: m.issued_on,
        due_on: m.due_on,
        percent: m.percent,
    })
}

impl EvaluationService {
    /// A service over `db`; items turn yellow `yellow_days` working days before their limit.
    pub fn new(
        db: DatabaseConnection,
        bus: EventBus,
        clock: SharedClock,
        tenant: &str,
        yellow_days: i64,
    ) -> Self {
        Self {
            db,
            bus,
            clock,
            tenant: tenant.to_string(),
            yellow_days,
            calendar: Arc::new(RwLock::new(Calendar::official())),
        }
    }

    /// The service's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies the calendar changes received so far over the official schedule; call at start.
    pub async fn load_calendar(&self) -> Result<usize, sea_orm::DbErr> {
        let rows = calendar_override::Entity::find().all(&self.db).await?;
        let mut cal = Calendar::official();
        for r in &rows {
            cal.set(r.date, Some(special(r.workday, r.name.clone())));
        }
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = cal;
        Ok(rows.len())
    }

    fn assess(&self, f: &ItemFacts, today: chrono::NaiveDate) -> (Color, String) {
        let cal = self.calendar.read().unwrap_or_else(|p| p.into_inner());
        assess(f, today, self.yellow_days, &cal)
    }

    /// The ColorChanged event for `item`, caused by `cause` (none for a reassessment).
    fn color_changed(
        &self,
        item: &tracked_item::Model,
        from: Option<Color>,
        to: Color,
        cause: Option<&RawEnvelope>,
    ) -> Envelope<EvaluationEvent> {
        let now = self.clock.now();
        Envelope {
            meta: duban_outbox::meta(
                now,
                &self.tenant,
                &item.org_path,
                "system",
                cause.map_or_else(
                    || duban_outbox::new_event_id(now),
                    |c| c.meta.correlation_id,
                ),
                cause.map(|c| c.meta.id),
                &item.id,
                item.version,
            ),
            event: EvaluationEvent::ColorChanged {
                item_id: item.id.clone(),
                unit_id: item.unit_id.clone(),
                from,
                to,
                reason: item.reason.clone(),
            },
        }
    }

    fn wake(&self) -> AfterCommit {
        let wake = self.bus.wake.clone();
        Box::new(move || wake.notify_one())
    }

    /// Reassesses every unfinished item against today; returns how many changed color.
    pub async fn reassess(&self) -> Result<usize, sea_orm::DbErr> {
        let finished = [
            AssignmentState::Completed,
            AssignmentState::Closed,
            AssignmentState::Cancelled,
        ]
        .map(|s| s.as_str().to_string());
        let today = self.clock.today();
        let txn = self.db.begin().await?;
        let open = tracked_item::Entity::find()
            .filter(tracked_item::Column::State.is_not_in(finished))
            .all(&txn)
            .await?;
        let mut announced = Vec::new();
        for item in open {
            // An item whose stored state is unknown keeps its color (and is logged).
            let Ok(f) = facts(&item) else { continue };
            let (color, reason) = self.assess(&f, today);
            if color.as_str() == item.color && reason == item.reason {
                continue;
            }
            let from = Color::parse(&item.color);
            let mut active = item.into_active_model();
            if from != Some(color) {
                active.color_since = Set(self.clock.now());
            }
            active.color = Set(color.as_str().into());
            active.reason = Set(reason);
            let saved = active.update(&txn).await?;
            if from != Some(color) {
                announced.push(self.color_changed(&saved, from, color, None));
            }
        }
        duban_outbox::enqueue_all(&txn, topics::EVALUATION, &announced).await?;
        txn.commit().await?;
        if !announced.is_empty() {
            self.bus.wake.notify_one();
        }
        Ok(announced.len())
    }
}

impl EvaluationService {
    /// Keeps the county's calendar change `day` and reassesses every open item after commit.
    async fn calendar_day(
        &self,
        txn: &DatabaseTransaction,
        day: &duban_schema::assignments::CalendarDaySnapshot,
    ) -> Result<AfterCommit, HandlerError> {
        let row = calendar_override::Model {
            date: day.date,
            workday: day.workday,
            name: day.name.clone(),
        };
        calendar_override::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(calendar_override::Column::Date)
                    .update_columns([
                        calendar_override::Column::Workday,
                        calendar_override::Column::Name,
                    ])
                    .to_owned(),
            )
            .exec(txn)
            .await?;
        let (svc, date, sp) = (
            self.clone(),
            day.date,
            special(day.workday, day.name.clone()),
        );
        Ok(Box::new(move || {
            svc.calendar
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .set(date, Some(sp));
            // Colors of every open item depend on the working days left.
            tokio::spawn(async move {
                if let Err(e) = svc.reassess().await {
                    tracing::warn!(error = %e, "reassessment after a calendar change failed");
                }
            });
        }))
    }

    /// Applies `events` in order: reads the items they touch in one query, then writes
    /// each touched item's last state and the color changes, one statement each.
    async fn track(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let mut after = Vec::new();
        let mut snapshots = Vec::new();
        for (event, span) in events {
            let Ok(typed) = event.typed::<AssignmentsEvent>() else {
                continue;
            };
            if let AssignmentsEvent::CalendarDayChanged { day } = &typed {
                after.push(self.calendar_day(txn, day).instrument(span.clone()).await?);
            } else if typed.assignment().is_some() {
                snapshots.push((event, span, typed));
            }
        }
        let ids: Vec<String> = snapshots
            .iter()
            .filter_map(|(_, _, t)| t.assignment().map(|a| a.id.clone()))
            .collect();
        if ids.is_empty() {
            return Ok(after);
        }
        let mut items: HashMap<String, tracked_item::Model> = tracked_item::Entity::find()
            .filter(tracked_item::Column::Id.is_in(ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let (mut touched, mut announced) = (Vec::new(), Vec::new());
        for (event, span, typed) in &snapshots {
            let _entered = span.enter();
            let Some(a) = typed.assignment() else {
                continue;
            };
            let existing = items.get(&a.id);
            if existing.is_some_and(|m| m.version >= a.version) {
                continue;
            }
            let now = self.clock.now();
            let f = ItemFacts {
                state: a.state,
                issued_on: duban_clock::local_date(&a.issued_at),
                due_on: a.due_on,
                percent: a.progress_percent,
            };
            let (color, reason) = self.assess(&f, now.date_naive());
            let from = existing.and_then(|m| Color::parse(&m.color));
            let since = match existing {
                Some(m) if from == Some(color) => m.color_since,
                _ => now,
            };
            let item = tracked_item::Model {
                id: a.id.clone(),
                unit_id: a.lead_unit_id.clone(),
                org_path: a.lead_unit_path.clone(),
                state: a.state.as_str().into(),
                issued_on: f.issued_on,
                due_on: a.due_on,
                percent: a.progress_percent,
                version: a.version,
                color: color.as_str().into(),
                reason,
                color_since: since,
            };
            if from != Some(color) {
                announced.push(self.color_changed(&item, from, color, Some(event)));
            }
            if !touched.contains(&a.id) {
                touched.push(a.id.clone());
            }
            items.insert(a.id.clone(), item);
        }
        let rows: Vec<_> = touched
            .iter()
            .filter_map(|id| items.remove(id))
            .map(IntoActiveModel::into_active_model)
            .collect();
        for chunk in rows.chunks(duban_outbox::ROWS_PER_STATEMENT) {
            tracked_item::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(tracked_item::Column::Id)
                        .update_columns([
                            tracked_item::Column::UnitId,
                            tracked_item::Column::OrgPath,
                            tracked_item::Column::State,
                            tracked_item::Column::IssuedOn,
                            tracked_item::Column::DueOn,
                            tracked_item::Column::Percent,
                            tracked_item::Column::Version,
                            tracked_item::Column::Color,
                            tracked_item::Column::Reason,
                            tracked_item::Column::ColorSince,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
        }
        duban_outbox::enqueue_all(txn, topics::EVALUATION, &announced).await?;
        if !announced.is_empty() {
            after.push(self.wake());
        }
        Ok(after)
    }
}

#[async_trait]
impl Handler for EvaluationService {
    async fn handle_all(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        self.track(txn, events).await
    }
}

#[async_trait]
impl EvaluationApi for EvaluationService {
    async fn colors(&self, ids: &[String]) -> Result<HashMap<String, ColorView>, ApiError> {
        let rows = tracked_item::Entity::find()
            .filter(tracked_item::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        rows.into_iter()
            .map(|m| {
                let color = Color::parse(&m.color)
                    .ok_or_else(|| ApiError::unknown_stored("color", &m.id, &m.color))?;
                Ok((
                    m.id.clone(),
                    ColorView {
                        color,
                        reason: m.reason,
                        since: m.color_since,
                    },
                ))
            })
            .collect()
    }

    async fn ids_with_color(&self, actor: &Actor, color: Color) -> Result<Vec<String>, ApiError> {
        let rows = tracked_item::Entity::find()
            .filter(tracked_item::Column::Color.eq(color.as_str()))
            .filter(duban_outbox::db::in_subtree(
                tracked_item::Column::OrgPath,
                &actor.scope,
            ))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter(|m| actor.can_see(&m.org_path))
            .map(|m| m.id)
            .collect())
    }

    async fn ready(&self) -> Result<(), ApiError> {
        duban_outbox::db::ping(&self.db).await.map_err(internal)
    }
}
