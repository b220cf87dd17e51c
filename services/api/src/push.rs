//! What callers send and get back for push channels (webhooks, group robots, e-mail) and
//! each person's push contacts.

use async_graphql::Enum;
use chrono::{DateTime, FixedOffset};
use duban_api_macros::{graphql_input, graphql_object};
use duban_schema::notifications::{Audience, ChannelKind, NotificationKind, WebhookSnapshot};
use serde::{Deserialize, Serialize};

/// Input of `createWebhook`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateWebhookInput {
    /// Its name.
    pub name: String,
    /// Where it delivers.
    pub channel: ChannelKind,
    /// The endpoint: `https://…` (or `http://` on the intranet); for e-mail the SMTP
    /// server, `smtp://host:port` (STARTTLS with `?tls=required`) or `smtps://…`.
    pub url: String,
    /// HMAC secret for a webhook (generated when absent, shown once); 钉钉's `SEC…`
    /// 加签 secret; none for 企业微信 (its key is in the URL).
    pub secret: Option<String>,
    /// Notice kinds to carry; empty: every kind.
    pub kinds: Vec<NotificationKind>,
    /// Org path whose notices it carries (a unit and everything under it).
    pub scope_path: String,
    /// Deliveries in flight at once (1–16, default 4).
    pub max_concurrency: Option<i32>,
    /// For e-mail, the sender address.
    pub sender: Option<String>,
}

/// A channel just created, with its webhook secret (shown this once).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreatedWebhook {
    /// The channel.
    pub webhook: WebhookSnapshot,
    /// The secret that signs its deliveries, when duban made it.
    pub secret: Option<String>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Waiting for its next try, or held for quiet hours or a digest.
    Pending,
    /// Delivered.
    Delivered,
    /// Failed for good (a dead letter); can be replayed.
    Dead,
}

/// One delivery of one notice through one channel.
#[graphql_object(name = "WebhookDelivery")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeliveryView {
    /// Id; the receiver's idempotency key (`X-Duban-Delivery`).
    pub id: String,
    /// Channel.
    pub webhook_id: String,
    /// The notice.
    pub notification_id: String,
    /// Its recipient.
    pub recipient_id: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: i32,
    /// Next try, while pending.
    pub next_attempt_at: DateTime<FixedOffset>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The last HTTP status.
    pub last_status: Option<i32>,
    /// Queued.
    pub created_at: DateTime<FixedOffset>,
    /// Delivered.
    pub delivered_at: Option<DateTime<FixedOffset>>,
    /// Why it waits: QUIET (quiet hours) or DIGEST (gathered into one push).
    pub held: Option<String>,
}

/// Input of `setPushContact`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetPushContactInput {
    /// Whose (oneself, or anyone in an admin's scope).
    pub person_id: String,
    /// Mobile number (11 digits) for SMS gateways and robot @-mentions; none clears it.
    pub mobile: Option<String>,
    /// E-mail address; none clears it.
    pub email: Option<String>,
}

/// A person's push contacts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PushContactView {
    /// Whose.
    pub person_id: String,
    /// Mobile number.
    pub mobile: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// Input of `setNotificationRule`.
#[graphql_input(name = "SetNotificationRuleInput")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetNotificationRuleInput {
    /// The kind.
    pub kind: NotificationKind,
    /// Who gets it (at least one).
    pub audiences: Vec<Audience>,
    /// Whether the 责任人's notice must be acknowledged (then RESPONSIBLE is required).
    pub requires_ack: bool,
    /// The rules' version the change is based on.
    pub expected_version: Option<i64>,
}

/// Input of `setNotificationSettings`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetNotificationSettingsInput {
    /// Office hours before an unanswered notice climbs a rung.
    pub escalate_after_working_hours: u32,
    /// More pushes than this to one person within the window become one digest.
    pub digest_threshold: u32,
    /// The digest window, minutes.
    pub digest_minutes: u32,
    /// Quiet from, `HH:MM`.
    pub quiet_from: String,
    /// Quiet until, `HH:MM`.
    pub quiet_until: String,
    /// The rules' version the change is based on.
    pub expected_version: Option<i64>,
}
