//! Evaluation's copy of every assignment and problem, kept from the assignments events:
//! what the color rules look at, judged as each event arrives.

use crate::entity::tracked_item;
use crate::item::{ASSIGNMENT, PROBLEM};
use crate::service::{late, save, EvaluationService};
use async_trait::async_trait;
use duban_outbox::{AfterCommit, Handler, HandlerError};
use duban_schema::assignments::{AssignmentSnapshot, AssignmentsEvent, ProblemSnapshot};
use duban_schema::{topics, Color, RawEnvelope};
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter};
use std::collections::HashMap;
use tracing::Instrument;

/// A new row for an item first seen; its color is set when it is judged.
fn blank(id: &str, kind: &str, now: chrono::DateTime<chrono::FixedOffset>) -> tracked_item::Model {
    tracked_item::Model {
        id: id.to_string(),
        unit_id: String::new(),
        org_path: String::new(),
        state: String::new(),
        issued_on: now.date_naive(),
        due_on: now.date_naive(),
        percent: 0,
        version: 0,
        color: String::new(),
        reason: String::new(),
        color_since: now,
        kind: kind.to_string(),
        title: String::new(),
        urgency: "NORMAL".into(),
        campaign_id: None,
        last_report_on: None,
        returns: 0,
        late_days: None,
        returned_to_issuer: false,
        rule: String::new(),
        next_check_on: None,
        responsible_person_id: String::new(),
        issuer_id: String::new(),
        overdue: false,
        ack_due_on: None,
        acknowledged_on: None,
        ack_missed: false,
        reopens: 0,
        transfers: 0,
        work_days: None,
        paused_days: 0,
        resumed_on: None,
        category: String::new(),
    }
}

fn apply_assignment(m: &mut tracked_item::Model, a: &AssignmentSnapshot) {
    m.unit_id = a.lead_unit_id.clone();
    m.org_path = a.lead_unit_path.clone();
    m.state = a.state.as_str().into();
    m.issued_on = duban_clock::local_date(&a.issued_at);
    m.due_on = a.due_on;
    m.percent = a.progress_percent;
    m.version = a.version;
    m.title = a.brief.title.clone();
    m.urgency = a.brief.urgency.as_str().into();
    m.campaign_id = a.brief.campaign_id.clone();
    m.returned_to_issuer = a.returned_to_issuer;
    m.responsible_person_id = a.responsible_person_id.clone();
    m.issuer_id = a.issuer_id.clone();
    m.ack_due_on = a.ack_due_on;
    m.transfers = a.transfer_count;
    if a.state == duban_schema::assignments::AssignmentState::Issued {
        // Issued again (a transfer, a new lead unit): a fresh sign-for is awaited.
        m.acknowledged_on = None;
    }
}

fn apply_problem(m: &mut tracked_item::Model, p: &ProblemSnapshot) {
    m.unit_id = p.unit_id.clone();
    m.org_path = p.unit_path.clone();
    m.state = p.state.as_str().into();
    m.issued_on = duban_clock::local_date(&p.registered_at);
    m.due_on = p.due_on;
    m.version = p.version;
    m.title = p.description.chars().take(60).collect();
    m.campaign_id = p.campaign_id.clone();
    m.returns = p.return_count;
    m.responsible_person_id = p.responsible_person_id.clone();
    m.issuer_id = p.registered_by.clone();
    m.category = p.category.clone();
}

impl EvaluationService {
    /// Keeps the county's calendar change `day` and judges every open item again after.
    async fn calendar_day(
        &self,
        txn: &DatabaseTransaction,
        day: &duban_schema::assignments::CalendarDaySnapshot,
        cause: &duban_schema::EnvelopeMeta,
    ) -> Result<Vec<String>, HandlerError> {
        duban_outbox::calendar::keep(txn, day, &self.calendar).await?;
        // Every open item's color counts working days; all are judged on the new calendar.
        let (_, paths) = self.rejudge(txn, Condition::all(), Some(cause)).await?;
        Ok(paths)
    }

    /// Applies `events` in order. The events of a later day than the live one first move
    /// the live day on to theirs (closing the days between), so that history read late is
    /// counted on the days it happened; each run of events is applied as one batch.
    async fn track(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let mut moved = Vec::new();
        // The live day is locked first, before any other row: the tick takes it first too.
        let mut live = crate::tally::lock_live_day(txn).await?;
        let mut run: Vec<(&RawEnvelope, &tracing::Span, AssignmentsEvent)> = Vec::new();
        for (event, span) in events {
            let Ok(typed) = event.typed::<AssignmentsEvent>() else {
                continue;
            };
            let day = duban_clock::local_date(&event.meta.occurred_at);
            if live.is_none_or(|l| day > l) {
                moved.extend(self.apply_run(txn, std::mem::take(&mut run), live).await?);
                let (_, paths) = self
                    .advance(txn, live, day)
                    .instrument(span.clone())
                    .await?;
                moved.extend(paths);
                live = Some(day);
            }
            if let AssignmentsEvent::OrgUnitRegistered { unit }
            | AssignmentsEvent::OrgUnitUpdated { unit } = &typed
            {
                crate::bulletins::keep_unit(txn, unit).await?;
                continue;
            }
            if let AssignmentsEvent::PersonRegistered { person }
            | AssignmentsEvent::PersonUpdated { person } = &typed
            {
                crate::bulletins::keep_person(txn, person).await?;
                continue;
            }
            if let AssignmentsEvent::CalendarDayChanged { day } = &typed {
                moved.extend(self.apply_run(txn, std::mem::take(&mut run), live).await?);
                moved.extend(
                    self.calendar_day(txn, day, &event.meta)
                        .instrument(span.clone())
                        .await?,
                );
            } else if typed.assignment().is_some() || typed.problem().is_some() {
                run.push((event, span, typed));
            }
        }
        moved.extend(self.apply_run(txn, run, live).await?);
        Ok(vec![self.wake(), self.moved(moved)])
    }

    /// Applies a run of item events in order: reads the items they touch in one query,
    /// then writes each touched item's last state and the color changes; returns the
    /// unit paths whose figures moved. An event of the `live` day or later is judged as of
    /// its time; one of a day already closed, as of now (its day is past judging).
    async fn apply_run(
        &self,
        txn: &DatabaseTransaction,
        typed_events: Vec<(&RawEnvelope, &tracing::Span, AssignmentsEvent)>,
        live: Option<chrono::NaiveDate>,
    ) -> Result<Vec<String>, HandlerError> {
        let ids: Vec<String> = typed_events
            .iter()
            .filter_map(|(_, _, t)| {
                t.assignment()
                    .map(|a| a.id.clone())
                    .or_else(|| t.problem().map(|p| p.id.clone()))
            })
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let read = tracked_item::Entity::find()
            .filter(tracked_item::Column::Id.is_in(ids))
            .all(txn);
        let mut items: HashMap<String, tracked_item::Model> =
            duban_outbox::db::planned_for_values(txn, read)
                .await?
                .into_iter()
                .map(|m| (m.id.clone(), m))
                .collect();
        let cal = self.calendar_now();
        let originals = items.clone();
        let (mut touched, mut announced, mut rated) = (Vec::new(), Vec::new(), Vec::new());
        let mut facts = Vec::new();
        for (event, span, typed) in &typed_events {
            let _entered = span.enter();
            let (id, kind, version) = match (typed.assignment(), typed.problem()) {
                (Some(a), _) => (&a.id, ASSIGNMENT, a.version),
                (None, Some(p)) => (&p.id, PROBLEM, p.version),
                (None, None) => continue,
            };
            // Judged as of the event (history read late is judged as it happened).
            let at = event
                .meta
                .occurred_at
                .with_timezone(&duban_clock::shanghai());
            let now = if live.is_some_and(|l| at.date_naive() < l) {
                self.clock.now()
            } else {
                at
            };
            let mut m = items
                .get(id)
                .cloned()
                .unwrap_or_else(|| blank(id, kind, now));
            if m.version >= version {
                continue;
            }
            let on = duban_clock::local_date(&event.meta.occurred_at);
            rated.extend(crate::ratings::effect_of(typed, on));
            let holder = m.responsible_person_id.clone();
            match (typed.assignment(), typed.problem()) {
                (Some(a), _) => apply_assignment(&mut m, a),
                (None, Some(p)) => apply_problem(&mut m, p),
                (None, None) => continue,
            }
            match typed {
                AssignmentsEvent::ProgressReported { report, .. } => {
                    m.last_report_on = Some(duban_clock::local_date(&report.reported_at));
                }
                AssignmentsEvent::AssignmentReturned { .. } => m.returns += 1,
                AssignmentsEvent::AssignmentResumed {
                    suspended_working_days,
                    ..
                } => {
                    let days = i32::try_from(*suspended_working_days).unwrap_or(0);
                    m.paused_days += days.max(0);
                    m.resumed_on = Some(on);
                }
                AssignmentsEvent::AssignmentAcknowledged { .. } => m.acknowledged_on = Some(on),
                AssignmentsEvent::AssignmentCompleted { .. }
                | AssignmentsEvent::ProblemCloseOutRequested { .. } => {
                    m.late_days = late(&m, on, &cal);
                    let paused = i64::from(m.paused_days);
                    m.work_days = Some((cal.working_days_between(m.issued_on, on) - paused).max(0));
                }
                AssignmentsEvent::AssignmentReopened { .. }
                | AssignmentsEvent::ProblemReopened { .. } => {
                    m.late_days = None;
                    m.work_days = None;
                    m.reopens += 1;
                }
                _ => {}
            }
            facts.extend(crate::conduct_facts::facts_of(
                event, typed, &holder, &m, on,
            ));
            let shown = announced.len();
            match self.judge(&mut m, &cal, now) {
                // A new item shows blue where it is kept from its first row (正常推进, no
                // card): only a first card worth telling travels as an event.
                Some(None) if Color::parse(&m.color) == Some(duban_schema::FIRST_COLOR) => {}
                Some(from) => announced.push(self.color_changed(&m, from, Some(&event.meta), now)),
                // A card passes to a new 责任人 (a transfer, a handover): they are told.
                None if !holder.is_empty()
                    && holder != m.responsible_person_id
                    && matches!(Color::parse(&m.color), Some(Color::Yellow | Color::Red)) =>
                {
                    let same = Color::parse(&m.color);
                    announced.push(self.color_changed(&m, same, Some(&event.meta), now));
                }
                None => {}
            }
            facts.extend(
                announced[shown..]
                    .iter()
                    .filter_map(|e| crate::conduct_facts::card_of(e, &m)),
            );
            if !touched.contains(id) {
                touched.push(id.clone());
            }
            items.insert(id.clone(), m);
        }
        let rows: Vec<_> = touched
            .iter()
            .filter_map(|id| items.remove(id).map(|m| (originals.get(id).cloned(), m)))
            .collect();
        let moved = rows.iter().map(|(_, m)| m.org_path.clone()).collect();
        save(txn, rows).await?;
        crate::ratings::apply(txn, rated).await?;
        crate::conduct_facts::record(txn, facts).await?;
        duban_outbox::enqueue_all(txn, topics::EVALUATION, &announced).await?;
        Ok(moved)
    }

    /// After commit: the figures of `paths` moved.
    fn moved(&self, paths: Vec<String>) -> AfterCommit {
        let svc = self.clone();
        Box::new(move || svc.figures_moved(paths))
    }

    fn wake(&self) -> AfterCommit {
        let wake = self.bus.wake.clone();
        Box::new(move || wake.notify_one())
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
