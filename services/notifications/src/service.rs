//! Notifications' event handler, inbox queries and live stream.

use crate::compose::{about, about_card, card_drafts, drafts, About};
use crate::entity::notification;
use async_trait::async_trait;
use duban_api::{
    ApiError, CreateWebhookInput, CreatedWebhook, DeliveryStatus, DeliveryView, NotificationView,
    NotificationsApi, Page, PageRequest, PushContactView, SetPushContactInput,
};
use duban_auth::Actor;
use duban_clock::office::OfficeHours;
use duban_clock::workdays::Calendar;
use duban_clock::SharedClock;
use duban_outbox::{AfterCommit, EventBus, Handler, HandlerError};
use duban_schema::assignments::AssignmentsEvent;
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::notifications::WebhookSnapshot;
use duban_schema::notifications::{NotificationKind, NotificationSnapshot, NotificationsEvent};
use duban_schema::{topics, Envelope, RawEnvelope};
use futures::stream::{BoxStream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::sync::Arc;
use tokio::sync::broadcast;

/// The notifications service over its own database.
#[derive(Clone)]
pub struct NotificationsService {
    pub(crate) db: DatabaseConnection,
    pub(crate) bus: EventBus,
    pub(crate) clock: SharedClock,
    pub(crate) tenant: String,
    live: broadcast::Sender<NotificationView>,
    pub(crate) calendar: duban_outbox::calendar::Running,
    pub(crate) office: OfficeHours,
    pub(crate) sender: crate::sender::Sender,
    /// Woken when pushes are queued.
    pub push_wake: Arc<tokio::sync::Notify>,
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "notifications: internal error");
    ApiError::Internal(e.to_string())
}

pub(crate) fn kind_of(id: &str, s: &str) -> Result<NotificationKind, ApiError> {
    crate::entity::from_wire(s).ok_or_else(|| ApiError::unknown_stored("notice kind", id, s))
}

fn view(m: notification::Model) -> Result<NotificationView, ApiError> {
    Ok(NotificationView {
        notification: NotificationSnapshot {
            kind: kind_of(&m.id, &m.kind)?,
            id: m.id,
            recipient_id: m.recipient_id,
            title: m.title,
            body: m.body,
            assignment_id: m.assignment_id,
            problem_id: m.problem_id,
            created_at: m.created_at,
            requires_ack: m.requires_ack,
            acknowledged_at: m.acknowledged_at,
            rung: if m.escalated_from.is_some() {
                m.rung
            } else {
                0
            },
            escalated_from: m.escalated_from,
        },
        read_at: m.read_at,
    })
}

impl NotificationsService {
    /// A service over `db`.
    pub fn new(db: DatabaseConnection, bus: EventBus, clock: SharedClock, tenant: &str) -> Self {
        let (live, _) = broadcast::channel(1024);
        Self {
            db,
            bus,
            clock,
            tenant: tenant.to_string(),
            live,
            calendar: Default::default(),
            office: OfficeHours::default(),
            sender: Default::default(),
            push_wake: Arc::default(),
        }
    }

    /// Applies the calendar changes received so far; call at start.
    pub async fn load_calendar(&self) -> Result<usize, sea_orm::DbErr> {
        self.calendar.load(&self.db).await
    }

    /// Reads the calendar again whenever another replica keeps a change, until `stop`.
    pub async fn follow_calendar(&self, stop: tokio::sync::watch::Receiver<bool>) {
        self.calendar.follow(&self.db, stop).await
    }

    /// The working calendar as this replica holds it now.
    pub fn calendar_now(&self) -> std::sync::Arc<Calendar> {
        self.calendar.now()
    }

    /// Publishes `rows` as new notices with their NotificationsCreated events (one for the
    /// notices each event named beside them caused in a unit, one for those without a
    /// cause in a unit), and queues their pushes by the counties' `rules`, in
    /// `txn`; what to run after commit.
    pub(crate) async fn create(
        &self,
        txn: &DatabaseTransaction,
        rows: Vec<(notification::Model, Option<(uuid::Uuid, uuid::Uuid)>)>,
        rules: &std::collections::HashMap<String, crate::rules::Rules>,
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let now = self.clock.now();
        let mut rows = rows;
        let keys: Vec<String> = rows
            .iter()
            .filter_map(|(r, _)| r.dedupe_key.clone())
            .collect();
        if !keys.is_empty() {
            let mut seen: std::collections::HashSet<String> = notification::Entity::find()
                .select_only()
                .column(notification::Column::DedupeKey)
                .filter(notification::Column::DedupeKey.is_in(keys))
                .into_tuple::<Option<String>>()
                .all(txn)
                .await?
                .into_iter()
                .flatten()
                .collect();
            rows.retain(|(r, _)| match &r.dedupe_key {
                Some(k) => seen.insert(k.clone()),
                None => true,
            });
        }
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let (mut actives, mut created, mut models) = (Vec::new(), Vec::new(), Vec::new());
        let mut groups = Vec::new();
        for (row, cause) in rows {
            let v = view(row.clone()).map_err(|e| HandlerError::Malformed(e.to_string()))?;
            join(
                &mut groups,
                cause,
                &row.org_path,
                &row.id,
                v.notification.clone(),
            );
            models.push(row.clone());
            actives.push(row.into_active_model());
            created.push(v);
        }
        let envelopes: Vec<_> = groups
            .into_iter()
            .map(|g| {
                let (correlation, causation) = match g.cause {
                    Some((c, e)) => (c, Some(e)),
                    None => (duban_outbox::new_event_id(now), None),
                };
                Envelope {
                    meta: duban_outbox::meta(
                        now,
                        &self.tenant,
                        &g.org_path,
                        "system",
                        correlation,
                        causation,
                        &g.first,
                        1,
                    ),
                    event: NotificationsEvent::NotificationsCreated {
                        notifications: g.notices,
                    },
                }
            })
            .collect();
        for chunk in actives.chunks(duban_outbox::ROWS_PER_STATEMENT / 2) {
            notification::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        duban_outbox::enqueue_all(txn, topics::NOTIFICATIONS, &envelopes).await?;
        let pushed = self.enqueue_pushes(txn, &models, rules).await?;
        let live = self.live.clone();
        let wake = self.bus.wake.clone();
        let push_wake = self.push_wake.clone();
        Ok(vec![Box::new(move || {
            wake.notify_one();
            if pushed {
                push_wake.notify_one();
            }
            for v in created {
                // No live subscriber is not an error: the notice is in the inbox.
                let _ = live.send(v);
            }
        })])
    }

    /// The service's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// Notices one event announces at most, so that a notice to a whole county stays well
/// inside a Kafka message.
const NOTICES_PER_EVENT: usize = 100;

/// Notices announced in one event: those one event caused in one unit, or those one round
/// (of escalations, of reports) made in one unit.
struct Group<N> {
    cause: Option<(uuid::Uuid, uuid::Uuid)>,
    org_path: String,
    first: String,
    notices: Vec<N>,
}

/// Puts `notice` into the first group of its cause and unit with room left, or a new one.
fn join<N>(
    groups: &mut Vec<Group<N>>,
    cause: Option<(uuid::Uuid, uuid::Uuid)>,
    org_path: &str,
    id: &str,
    notice: N,
) {
    let room = groups.iter_mut().find(|g| {
        g.cause == cause && g.org_path == org_path && g.notices.len() < NOTICES_PER_EVENT
    });
    match room {
        Some(g) => g.notices.push(notice),
        None => groups.push(Group {
            cause,
            org_path: org_path.to_string(),
            first: id.to_string(),
            notices: vec![notice],
        }),
    }
}

/// The drafts a county's rules keep, each kind to the audiences the county named (those
/// the event did not compose get a copy of its first notice of that kind), or to those
/// the event composed when the county named none.
fn by_rule(
    drafts: Vec<crate::compose::Draft>,
    about: &About,
    rules: &crate::rules::Rules,
    county: &str,
) -> Vec<crate::compose::Draft> {
    use crate::compose::{audience_of, role_of};
    let mut kept: Vec<(crate::compose::Draft, duban_schema::notifications::Audience)> = drafts
        .iter()
        .map(|d| (d.clone(), role_of(&d.to, about)))
        .filter(|(d, role)| rules.allows(d.kind, *role))
        .collect();
    let mut kinds: Vec<NotificationKind> = drafts.iter().map(|d| d.kind).collect();
    kinds.dedup();
    for kind in kinds {
        let Some(first) = drafts.iter().find(|d| d.kind == kind) else {
            continue;
        };
        for who in rules.audiences(kind) {
            if kept.iter().any(|(d, r)| d.kind == kind && r == who) {
                continue;
            }
            for to in audience_of(*who, about, county) {
                let copy = *who != duban_schema::notifications::Audience::Responsible;
                kept.push((
                    crate::compose::Draft {
                        to,
                        copy,
                        ..first.clone()
                    },
                    *who,
                ));
            }
        }
    }
    kept.into_iter().map(|(d, _)| d).collect()
}

impl NotificationsService {
    /// Writes the notices `events` call for, with their NotificationsCreated events, in
    /// one statement each.
    async fn notify(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let now = self.clock.now();
        let read: Vec<_> = events
            .iter()
            .map(|(e, span)| (e, span, Read::of(e)))
            .collect();
        let of_assignments: Vec<_> = read
            .iter()
            .filter_map(|(e, _, r)| match r {
                Read::Assignments(typed) => Some((*e, typed)),
                _ => None,
            })
            .collect();
        crate::directory::keep(txn, &of_assignments).await?;
        crate::campaigns::keep(txn, &of_assignments).await?;
        for (_, typed) in &of_assignments {
            if let AssignmentsEvent::CalendarDayChanged { day } = typed {
                self.keep_calendar_day(txn, day).await?;
            }
        }
        let county_rules = crate::county_rules::load_all(txn).await?;
        let fallback = crate::rules::Rules::default();
        let composed: Vec<_> = read
            .iter()
            .map(|&(event, span, ref read)| {
                let _entered = span.enter();
                let path = &event.meta.org_path;
                let (notices, about, settled) = match read {
                    Read::Evaluation(card) => {
                        let mut notices = card_drafts(card);
                        notices.extend(crate::compose::bulletin_drafts(card, path));
                        notices.extend(crate::compose::review_drafts(card));
                        notices.extend(crate::compose::accountability_drafts(card));
                        notices.extend(crate::compose::referral_drafts(card, path));
                        (notices, about_card(card), None)
                    }
                    Read::Assignments(typed) => {
                        let mut notices = drafts(typed);
                        notices.extend(crate::compose::campaign_drafts(typed, path));
                        let settled = crate::compose::settles(typed).map(str::to_string);
                        (notices, about(typed), settled)
                    }
                    Read::Other => (Vec::new(), About::default(), None),
                };
                let rules = crate::county_rules::of(&county_rules, path, &fallback);
                let notices = by_rule(notices, &about, rules, crate::county_rules::county_of(path));
                (event, span, notices, about, rules, settled)
            })
            .collect();
        let audiences: Vec<&crate::compose::To> = composed
            .iter()
            .flat_map(|(_, _, n, _, _, _)| n.iter().map(|d| &d.to))
            .collect();
        let people = crate::directory::resolve(txn, &audiences).await?;
        let cal = self.calendar_now();
        let mut rows: Vec<(notification::Model, Option<(uuid::Uuid, uuid::Uuid)>)> = Vec::new();
        let mut settled_items = Vec::new();
        for (event, span, notices, about, rules, settled) in composed {
            let _entered = span.enter();
            // Notices of an item settled by this event stop climbing: those written before
            // this batch (below) and those of this batch's earlier events (here).
            if let Some(item) = settled {
                for (r, _) in rows.iter_mut().filter(|(r, _)| {
                    r.assignment_id.as_deref() == Some(item.as_str())
                        || r.problem_id.as_deref() == Some(item.as_str())
                }) {
                    r.escalate_at = None;
                }
                settled_items.push(item);
            }
            let escalate_at = self.office.add(&cal, now, rules.escalate_after_hours);
            // One notice per person and kind for an event, however many ways it reaches them.
            let mut told = std::collections::HashSet::new();
            for d in notices {
                let Some(persons) = people.get(&d.to) else {
                    continue;
                };
                for person in persons {
                    if person.is_empty() || !told.insert((person.clone(), d.kind)) {
                        continue;
                    }
                    let requires_ack = rules.requires_ack(d.kind) && !d.copy;
                    let item = d.assignment_id.as_deref().or(d.problem_id.as_deref());
                    rows.push((
                        notification::Model {
                            requires_ack,
                            escalate_at: requires_ack.then_some(escalate_at),
                            issuer_id: about.issuer_id.clone(),
                            dedupe_key: crate::compose::dedupe_key(
                                person,
                                d.kind,
                                item,
                                about.due_on,
                                &d.body,
                            ),
                            urgent: about.urgent || d.kind == NotificationKind::RedCard,
                            ..notification::Model::of(&d, person, &event.meta.org_path, now)
                        },
                        Some((event.meta.correlation_id, event.meta.id)),
                    ));
                }
            }
        }
        if !settled_items.is_empty() {
            use notification::Column as N;
            notification::Entity::update_many()
                .col_expr(
                    N::EscalateAt,
                    sea_orm::sea_query::Expr::value(
                        Option::<chrono::DateTime<chrono::FixedOffset>>::None,
                    ),
                )
                .filter(N::EscalateAt.is_not_null())
                .filter(
                    sea_orm::Condition::any()
                        .add(N::AssignmentId.is_in(settled_items.clone()))
                        .add(N::ProblemId.is_in(settled_items)),
                )
                .exec(txn)
                .await?;
        }
        self.create(txn, rows, &county_rules).await
    }
}

/// An event as read once: evaluation's, assignments', or neither.
#[allow(clippy::large_enum_variant)] // one per event of a batch, for the batch only
enum Read {
    Evaluation(EvaluationEvent),
    Assignments(AssignmentsEvent),
    Other,
}

impl Read {
    fn of(event: &RawEnvelope) -> Self {
        if let Ok(card) = event.typed() {
            Read::Evaluation(card)
        } else if let Ok(typed) = event.typed() {
            Read::Assignments(typed)
        } else {
            Read::Other
        }
    }
}

#[async_trait]
impl Handler for NotificationsService {
    async fn handle_all(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        self.notify(txn, events).await
    }
}

#[async_trait]
impl NotificationsApi for NotificationsService {
    async fn my_notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<NotificationView>, ApiError> {
        let mut q = notification::Entity::find()
            .filter(notification::Column::RecipientId.eq(actor.person_id.clone()));
        if unread_only {
            q = q.filter(notification::Column::ReadAt.is_null());
        }
        let total_count = q.clone().count(&self.db).await.map_err(internal)?;
        if let Some(after) = &page.after {
            q = q.filter(notification::Column::Id.lt(after.clone()));
        }
        let q = q.order_by_desc(notification::Column::Id);
        let (rows, has_next_page) = duban_outbox::page::read(q, &self.db, page.first)
            .await
            .map_err(internal)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(|m| Ok((m.id.clone(), view(m)?)))
                .collect::<Result<_, ApiError>>()?,
            has_next_page,
            has_previous_page: page.after.is_some(),
            total_count,
        })
    }

    async fn mark_read(&self, actor: &Actor, id: &str) -> Result<NotificationView, ApiError> {
        let m = notification::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|m| m.recipient_id == actor.person_id)
            .ok_or_else(|| ApiError::not_found("通知", id))?;
        if m.read_at.is_some() {
            return view(m);
        }
        let mut active = m.into_active_model();
        active.read_at = Set(Some(self.clock.now()));
        view(active.update(&self.db).await.map_err(internal)?)
    }

    async fn notices_about(
        &self,
        actor: &Actor,
        assignment_id: &str,
        limit: usize,
    ) -> Result<Vec<NotificationView>, ApiError> {
        let rows = notification::Entity::find()
            .filter(notification::Column::AssignmentId.eq(assignment_id.to_string()))
            .order_by_asc(notification::Column::Id)
            .limit(limit.min(500) as u64)
            .all(&self.db)
            .await
            .map_err(internal)?;
        rows.into_iter()
            .filter(|m| actor.can_see(&m.org_path))
            .map(view)
            .collect()
    }

    async fn acknowledge(&self, actor: &Actor, id: &str) -> Result<NotificationView, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let m = notification::Entity::find_by_id(id.to_string())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|m| m.recipient_id == actor.person_id)
            .ok_or_else(|| ApiError::not_found("通知", id))?;
        if !m.requires_ack {
            return Err(ApiError::validation("id", "该通知无需签收回复"));
        }
        if m.acknowledged_at.is_some() {
            return view(m);
        }
        let now = self.clock.now();
        let mut active = m.into_active_model();
        active.acknowledged_at = Set(Some(now));
        if active.read_at.as_ref().is_none() {
            active.read_at = Set(Some(now));
        }
        let m = active.update(&txn).await.map_err(internal)?;
        let v = view(m)?;
        let envelope = Envelope {
            meta: duban_outbox::command_meta(
                now,
                &self.tenant,
                &actor.unit_path,
                &actor.person_id,
                &v.notification.id,
                2,
            ),
            event: NotificationsEvent::NotificationAcknowledged {
                notification: v.notification.clone(),
            },
        };
        duban_outbox::enqueue_all(&txn, topics::NOTIFICATIONS, &[envelope])
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        // The live stream carries the acknowledgement too (no subscriber is not an error).
        let _ = self.live.send(v.clone());
        Ok(v)
    }

    fn watch(&self, person_id: &str) -> BoxStream<'static, NotificationView> {
        let person = person_id.to_string();
        let rx = self.live.subscribe();
        futures::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(v) => return Some((v, rx)),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .filter(move |v| futures::future::ready(v.notification.recipient_id == person))
        .boxed()
    }

    async fn ready(&self) -> Result<(), ApiError> {
        duban_outbox::db::ping(&self.db).await.map_err(internal)
    }

    async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookSnapshot>, ApiError> {
        self.list_channels(actor).await
    }

    async fn create_webhook(
        &self,
        actor: &Actor,
        input: CreateWebhookInput,
    ) -> Result<CreatedWebhook, ApiError> {
        self.add_channel(actor, input).await
    }

    async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<WebhookSnapshot, ApiError> {
        self.remove_channel(actor, id).await
    }

    async fn webhook_deliveries(
        &self,
        actor: &Actor,
        webhook_id: &str,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<DeliveryView>, ApiError> {
        self.channel_deliveries(actor, webhook_id, status, limit)
            .await
    }

    async fn replay_delivery(&self, actor: &Actor, id: &str) -> Result<DeliveryView, ApiError> {
        self.replay(actor, id).await
    }

    async fn notification_rules(
        &self,
        actor: &Actor,
    ) -> Result<duban_schema::notifications::NotificationRulesSnapshot, ApiError> {
        self.county_rules(actor).await
    }

    async fn set_notification_rule(
        &self,
        actor: &Actor,
        input: duban_api::SetNotificationRuleInput,
    ) -> Result<duban_schema::notifications::NotificationRulesSnapshot, ApiError> {
        self.set_kind_rule(actor, input).await
    }

    async fn set_notification_settings(
        &self,
        actor: &Actor,
        input: duban_api::SetNotificationSettingsInput,
    ) -> Result<duban_schema::notifications::NotificationRulesSnapshot, ApiError> {
        self.set_settings(actor, input).await
    }

    async fn my_push_contact(&self, actor: &Actor) -> Result<PushContactView, ApiError> {
        let c = crate::entity::push_contact::Entity::find_by_id(actor.person_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(PushContactView {
            person_id: actor.person_id.clone(),
            mobile: c.as_ref().and_then(|c| c.mobile.clone()),
            email: c.and_then(|c| c.email),
        })
    }

    async fn set_push_contact(
        &self,
        actor: &Actor,
        input: SetPushContactInput,
    ) -> Result<PushContactView, ApiError> {
        self.set_contact(actor, input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_of_one_cause_and_unit_share_an_event_of_at_most_a_hundred() {
        let (a, b) = (
            Some((uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2))),
            Some((uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(3))),
        );
        let mut groups = Vec::new();
        for i in 0..250 {
            join(&mut groups, a, "/1/", &format!("n{i}"), i);
        }
        join(&mut groups, b, "/1/", "m0", 1000);
        join(&mut groups, a, "/2/", "k0", 2000);
        join(&mut groups, None, "/1/", "z0", 3000);
        join(&mut groups, None, "/1/", "z1", 3001);
        let said: Vec<_> = groups
            .iter()
            .map(|g| (g.first.as_str(), g.notices.len(), g.notices[0]))
            .collect();
        assert_eq!(
            said,
            [
                ("n0", 100, 0),
                ("n100", 100, 100),
                ("n200", 50, 200),
                ("m0", 1, 1000),
                ("k0", 1, 2000),
                ("z0", 2, 3000),
            ]
        );
    }
}
