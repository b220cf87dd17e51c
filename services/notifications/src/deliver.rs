//! The push queue in the service's own database: every new notice a channel carries becomes
//! a delivery row in the same transaction, held through quiet hours or gathered into a
//! digest, then sent, retried with back-off and jitter, and dead-lettered after the last try.

use crate::entity::{
    channel_kind, delivery, notification, push_channel, push_contact, DEAD, DELIVERED, PENDING,
};
use crate::push::{self, PushNotice};
use crate::sender::{send, Outcome};
use crate::service::NotificationsService;
use chrono::{DateTime, Duration, FixedOffset};
use duban_api::{DeliveryStatus, DeliveryView};
use duban_schema::notifications::{ChannelKind, NotificationKind, WebhookSnapshot};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

/// Deliveries claimed per run.
const CLAIM: u64 = 200;
/// How long a claim keeps other runs (other replicas) off a delivery being sent.
const LEASE_SECONDS: i64 = 120;

/// The admin's view of a channel: no secret, credentials in the URL masked.
pub(crate) fn snapshot(m: &push_channel::Model) -> WebhookSnapshot {
    WebhookSnapshot {
        id: m.id.clone(),
        name: m.name.clone(),
        channel: channel_kind(&m.channel).unwrap_or(ChannelKind::Webhook),
        url: push::mask_url(&m.url),
        kinds: serde_json::from_str(&m.kinds).unwrap_or_default(),
        scope_path: m.scope_path.clone(),
        max_concurrency: m.max_concurrency,
        created_by: m.created_by.clone(),
        created_at: m.created_at,
    }
}

pub(crate) fn delivery_view(m: delivery::Model) -> DeliveryView {
    let notice: Option<PushNotice> = serde_json::from_str(&m.notice).ok();
    DeliveryView {
        id: m.id,
        webhook_id: m.channel_id,
        notification_id: notice.map(|n| n.id).unwrap_or(m.notification_id),
        recipient_id: m.recipient_id,
        status: match m.status.as_str() {
            DELIVERED => DeliveryStatus::Delivered,
            DEAD => DeliveryStatus::Dead,
            _ => DeliveryStatus::Pending,
        },
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        last_error: m.last_error,
        last_status: m.last_status,
        created_at: m.created_at,
        delivered_at: m.delivered_at,
        held: m.held,
    }
}

pub(crate) fn status_str(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Pending => PENDING,
        DeliveryStatus::Delivered => DELIVERED,
        DeliveryStatus::Dead => DEAD,
    }
}

fn carries(c: &push_channel::Model, n: &notification::Model) -> bool {
    let kinds: Vec<NotificationKind> = serde_json::from_str(&c.kinds).unwrap_or_default();
    let kind = crate::service::kind_of(&n.id, &n.kind).ok();
    duban_auth::in_subtree(&n.org_path, &c.scope_path)
        && (kinds.is_empty() || kind.is_some_and(|k| kinds.contains(&k)))
}

/// The end of the digest window `at` falls in: every push gathered in one window leaves
/// together.
fn window_end(at: DateTime<FixedOffset>, minutes: i64) -> DateTime<FixedOffset> {
    let len = minutes.max(1) * 60;
    let secs = at.timestamp();
    let end = secs - secs.rem_euclid(len) + len;
    at + Duration::seconds(end - secs)
}

impl NotificationsService {
    /// Queues a delivery of each of `notices` through each live channel that carries it,
    /// held or gathered by the counties' `county_rules`, in the transaction that wrote
    /// them; true when any was queued.
    pub(crate) async fn enqueue_pushes<C: ConnectionTrait>(
        &self,
        txn: &C,
        notices: &[notification::Model],
        county_rules: &std::collections::HashMap<String, crate::rules::Rules>,
    ) -> Result<bool, DbErr> {
        let channels = push_channel::Entity::find()
            .filter(push_channel::Column::DeletedAt.is_null())
            .all(txn)
            .await?;
        if channels.is_empty() || notices.is_empty() {
            return Ok(false);
        }
        let recipients: Vec<String> = notices.iter().map(|n| n.recipient_id.clone()).collect();
        let contacts: HashMap<String, push_contact::Model> = push_contact::Entity::find()
            .filter(push_contact::Column::PersonId.is_in(recipients.clone()))
            .all(txn)
            .await?
            .into_iter()
            .map(|c| (c.person_id.clone(), c))
            .collect();
        let now = self.clock.now();
        let fallback = crate::rules::Rules::default();
        let widest = county_rules
            .values()
            .map(|r| r.push.digest_minutes)
            .chain([fallback.push.digest_minutes])
            .max()
            .unwrap_or(10);
        let sent: Vec<(String, String, DateTime<FixedOffset>)> = delivery::Entity::find()
            .select_only()
            .columns([
                delivery::Column::ChannelId,
                delivery::Column::RecipientId,
                delivery::Column::CreatedAt,
            ])
            .filter(delivery::Column::RecipientId.is_in(recipients))
            .filter(delivery::Column::CreatedAt.gt(now - Duration::minutes(widest)))
            .into_tuple()
            .all(txn)
            .await?;
        let mut recent: HashMap<(String, String), Vec<DateTime<FixedOffset>>> = HashMap::new();
        for (c, r, at) in sent {
            recent.entry((c, r)).or_default().push(at);
        }
        let cal = self.calendar_now();
        let mut rows = Vec::new();
        for n in notices {
            let contact = contacts.get(&n.recipient_id);
            let rules = &crate::county_rules::of(county_rules, &n.org_path, &fallback).push;
            let since = now - Duration::minutes(rules.digest_minutes);
            let quiet = self.office.is_quiet(&cal, now, &rules.quiet);
            let morning = self.office.next_morning(&cal, now, &rules.quiet);
            for c in channels.iter().filter(|c| carries(c, n)) {
                let email = channel_kind(&c.channel) == Some(ChannelKind::Email);
                if email && contact.and_then(|c| c.email.as_ref()).is_none() {
                    continue;
                }
                let seen = recent
                    .entry((c.id.clone(), n.recipient_id.clone()))
                    .or_default();
                seen.push(now);
                let (mut next, mut held) = (now, None);
                if seen.iter().filter(|at| **at > since).count() > rules.digest_threshold {
                    next = window_end(now, rules.digest_minutes);
                    held = Some("DIGEST");
                }
                if quiet && !n.urgent {
                    next = next.max(morning);
                    held = Some("QUIET");
                }
                let kind = crate::service::kind_of(&n.id, &n.kind)
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
                let notice = PushNotice {
                    id: n.id.clone(),
                    kind,
                    kind_label: push::kind_label(kind).into(),
                    title: n.title.clone(),
                    body: n.body.clone(),
                    recipient_id: n.recipient_id.clone(),
                    recipient_mobile: contact.and_then(|c| c.mobile.clone()),
                    recipient_email: contact.and_then(|c| c.email.clone()),
                    assignment_id: n.assignment_id.clone(),
                    problem_id: n.problem_id.clone(),
                    created_at: n.created_at,
                    requires_ack: n.requires_ack,
                    urgent: n.urgent,
                };
                rows.push(
                    delivery::Model {
                        id: duban_outbox::new_event_id(now).to_string(),
                        channel_id: c.id.clone(),
                        notification_id: n.id.clone(),
                        recipient_id: n.recipient_id.clone(),
                        notice: serde_json::to_string(&notice)
                            .map_err(|e| DbErr::Custom(e.to_string()))?,
                        status: PENDING.into(),
                        attempts: 0,
                        next_attempt_at: next,
                        last_error: None,
                        last_status: None,
                        created_at: now,
                        delivered_at: None,
                        urgent: n.urgent,
                        held: held.map(str::to_string),
                    }
                    .into_active_model(),
                );
            }
        }
        if rows.is_empty() {
            return Ok(false);
        }
        for chunk in rows.chunks(duban_outbox::ROWS_PER_STATEMENT / 2) {
            duban_outbox::db::insert_new(
                txn,
                chunk.to_vec(),
                [
                    delivery::Column::ChannelId,
                    delivery::Column::NotificationId,
                ],
            )
            .await?;
        }
        Ok(true)
    }

    /// Sends every delivery that is due now, each channel within its concurrency limit;
    /// how many deliveries were settled (delivered, failed or dead).
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        use delivery::Column as D;
        let now = self.clock.now();
        let ids: Vec<String> = delivery::Entity::find()
            .select_only()
            .column(D::Id)
            .filter(D::Status.eq(PENDING))
            .filter(D::NextAttemptAt.lte(now))
            .order_by_asc(D::NextAttemptAt)
            .limit(CLAIM)
            .into_tuple()
            .all(&self.db)
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        // The claim: whoever moves `next_attempt_at` on first sends it.
        let claimed = delivery::Entity::update_many()
            .col_expr(
                D::NextAttemptAt,
                Expr::value(now + Duration::seconds(LEASE_SECONDS)),
            )
            .filter(D::Id.is_in(ids))
            .filter(D::Status.eq(PENDING))
            .filter(D::NextAttemptAt.lte(now))
            .exec_with_returning(&self.db)
            .await?;
        let channel_ids: Vec<String> = claimed.iter().map(|d| d.channel_id.clone()).collect();
        let channels: HashMap<String, push_channel::Model> = push_channel::Entity::find()
            .filter(push_channel::Column::Id.is_in(channel_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut groups: Vec<((String, String), Vec<delivery::Model>)> = Vec::new();
        for d in claimed {
            let key = (d.channel_id.clone(), d.recipient_id.clone());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.push(d),
                None => groups.push((key, vec![d])),
            }
        }
        let county_rules = crate::county_rules::load_all(&self.db).await?;
        let fallback = crate::rules::Rules::default();
        let mut tasks = tokio::task::JoinSet::new();
        let mut settled = 0;
        for ((channel_id, _), group) in groups {
            let Some(channel) = channels
                .get(&channel_id)
                .filter(|c| c.deleted_at.is_none())
                .cloned()
            else {
                let ids: Vec<String> = group.iter().map(|d| d.id.clone()).collect();
                settled += ids.len();
                self.settle(&ids, now, Outcome::dead("通道已删除", None))
                    .await?;
                continue;
            };
            let threshold = crate::county_rules::of(&county_rules, &channel.scope_path, &fallback)
                .push
                .digest_threshold;
            let digest = group.len() > threshold
                || group.iter().any(|d| d.held.as_deref() == Some("DIGEST"));
            let batches: Vec<Vec<delivery::Model>> = if digest {
                vec![group]
            } else {
                group.into_iter().map(|d| vec![d]).collect()
            };
            for batch in batches {
                let (sender, channel) = (self.sender.clone(), channel.clone());
                let at = self.clock.now();
                tasks.spawn(async move {
                    let ids: Vec<String> = batch.iter().map(|d| d.id.clone()).collect();
                    let outcome = send(&sender, &channel, &batch, at).await;
                    (ids, batch, outcome)
                });
            }
        }
        while let Some(joined) = tasks.join_next().await {
            let Ok((ids, batch, outcome)) = joined else {
                continue;
            };
            let attempts = batch.iter().map(|d| d.attempts).max().unwrap_or(0);
            let outcome = match outcome {
                Some(o) => o,
                None => {
                    // The robot's minute is full: try again in a minute, no try counted.
                    self.postpone(&ids, now + Duration::seconds(60)).await?;
                    continue;
                }
            };
            settled += ids.len();
            let outcome = outcome.after(attempts + 1);
            self.settle(&ids, self.clock.now(), outcome).await?;
        }
        Ok(settled)
    }

    async fn postpone(&self, ids: &[String], at: DateTime<FixedOffset>) -> Result<(), DbErr> {
        delivery::Entity::update_many()
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(at))
            .filter(delivery::Column::Id.is_in(ids.to_vec()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn settle(
        &self,
        ids: &[String],
        now: DateTime<FixedOffset>,
        o: Outcome,
    ) -> Result<(), DbErr> {
        use delivery::Column as D;
        let mut q = delivery::Entity::update_many()
            .col_expr(D::Status, Expr::value(o.status))
            .col_expr(D::Attempts, Expr::col(D::Attempts).add(1))
            .col_expr(D::LastError, Expr::value(o.error.clone()))
            .col_expr(D::LastStatus, Expr::value(o.http))
            .col_expr(D::Held, Expr::value(Option::<String>::None));
        if o.status == DELIVERED {
            q = q.col_expr(D::DeliveredAt, Expr::value(Some(now)));
        }
        if let Some(retry) = o.retry_in {
            q = q.col_expr(D::NextAttemptAt, Expr::value(now + retry));
        }
        q.filter(D::Id.is_in(ids.to_vec())).exec(&self.db).await?;
        if o.status == DEAD {
            tracing::warn!(deliveries = ids.len(), error = ?o.error, "push dead-lettered");
        }
        Ok(())
    }
}
