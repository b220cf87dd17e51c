//! The notifications database's tables: notices, push channels, push contacts and the
//! delivery queue.

use duban_schema::notifications::ChannelKind;

/// The notification table.
pub mod notification {
    use sea_orm::entity::prelude::*;

    /// One notice.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification")]
    pub struct Model {
        /// Notice id (UUIDv7: newest sorts last).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Recipient.
        pub recipient_id: String,
        /// Kind wire name.
        pub kind: String,
        /// Title.
        pub title: String,
        /// Body.
        #[sea_orm(column_type = "Text")]
        pub body: String,
        /// Assignment.
        pub assignment_id: Option<String>,
        /// Ledger problem.
        pub problem_id: Option<String>,
        /// Created.
        pub created_at: ChronoDateTimeWithTimeZone,
        /// Read.
        pub read_at: Option<ChronoDateTimeWithTimeZone>,
        /// Whether the recipient must acknowledge it.
        pub requires_ack: bool,
        /// When they did.
        pub acknowledged_at: Option<ChronoDateTimeWithTimeZone>,
        /// Org path of what it is about (its event's).
        pub org_path: String,
        /// Escalation rung reached (0 none; 1 unit leader, 2 分管领导, 3 issuer); on an
        /// escalation notice, its own rung.
        pub rung: i32,
        /// When the next rung is due, while it waits for acknowledgement.
        pub escalate_at: Option<ChronoDateTimeWithTimeZone>,
        /// Who issued the item (the last rung).
        pub issuer_id: Option<String>,
        /// On an escalation, the notice that went unanswered.
        pub escalated_from: Option<String>,
        /// One notice per person, kind, item, time limit and words (reminders, escalations).
        #[sea_orm(unique)]
        pub dedupe_key: Option<String>,
        /// 特急 or a red card: pushed even in quiet hours.
        pub urgent: bool,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Push channels.
pub mod push_channel {
    use sea_orm::entity::prelude::*;

    /// One channel.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "push_channel")]
    pub struct Model {
        /// Channel id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Name.
        pub name: String,
        /// `WEBHOOK`, `DINGTALK`, `WECOM` or `EMAIL`.
        pub channel: String,
        /// Endpoint (with its credentials).
        #[sea_orm(column_type = "Text")]
        pub url: String,
        /// Signing secret.
        #[sea_orm(column_type = "Text", nullable)]
        pub secret: Option<String>,
        /// Kinds carried, as a JSON array; empty: all.
        #[sea_orm(column_type = "Text")]
        pub kinds: String,
        /// Org path carried.
        pub scope_path: String,
        /// Deliveries in flight at once.
        pub max_concurrency: i32,
        /// E-mail sender.
        pub sender: Option<String>,
        /// Who created it.
        pub created_by: String,
        /// When.
        pub created_at: ChronoDateTimeWithTimeZone,
        /// When it was removed.
        pub deleted_at: Option<ChronoDateTimeWithTimeZone>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Each person's push contacts.
pub mod push_contact {
    use sea_orm::entity::prelude::*;

    /// One person's.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "push_contact")]
    pub struct Model {
        /// The person.
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: String,
        /// Mobile number.
        pub mobile: Option<String>,
        /// E-mail address.
        pub email: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The delivery queue.
pub mod delivery {
    use sea_orm::entity::prelude::*;

    /// One notice through one channel.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "delivery")]
    pub struct Model {
        /// Delivery id (UUIDv7).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Channel.
        pub channel_id: String,
        /// Notice.
        pub notification_id: String,
        /// Its recipient.
        pub recipient_id: String,
        /// The notice as pushed ([`crate::push::PushNotice`] JSON).
        #[sea_orm(column_type = "Text")]
        pub notice: String,
        /// `PENDING`, `DELIVERED` or `DEAD`.
        pub status: String,
        /// Tries so far.
        pub attempts: i32,
        /// Next try (while pending; a claim pushes it on).
        pub next_attempt_at: ChronoDateTimeWithTimeZone,
        /// Last failure.
        #[sea_orm(column_type = "Text", nullable)]
        pub last_error: Option<String>,
        /// Last HTTP status.
        pub last_status: Option<i32>,
        /// Queued.
        pub created_at: ChronoDateTimeWithTimeZone,
        /// Delivered.
        pub delivered_at: Option<ChronoDateTimeWithTimeZone>,
        /// 特急 or a red card: not held for quiet hours.
        pub urgent: bool,
        /// `QUIET` or `DIGEST` while held.
        pub held: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

impl notification::Model {
    /// A new notice of `d` to `person` about what lies at `org_path`, written `now`:
    /// unread, not to be answered, on no rung, not urgent, without a dedupe key; callers
    /// set what their notice asks more.
    pub(crate) fn of(
        d: &crate::compose::Draft,
        person: &str,
        org_path: &str,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> Self {
        Self {
            id: duban_outbox::new_event_id(now).to_string(),
            recipient_id: person.to_string(),
            kind: wire(d.kind),
            title: d.title.clone(),
            body: d.body.clone(),
            assignment_id: d.assignment_id.clone(),
            problem_id: d.problem_id.clone(),
            created_at: now,
            read_at: None,
            requires_ack: false,
            acknowledged_at: None,
            org_path: org_path.to_string(),
            rung: 0,
            escalate_at: None,
            issuer_id: None,
            escalated_from: None,
            dedupe_key: None,
            urgent: false,
        }
    }
}

/// A delivery waiting for its (next) try.
pub(crate) const PENDING: &str = "PENDING";
/// A delivery delivered.
pub(crate) const DELIVERED: &str = "DELIVERED";
/// A dead letter.
pub(crate) const DEAD: &str = "DEAD";

/// A wire enum (notice kind, channel kind) as its column stores it: its serde name.
pub(crate) fn wire<T: serde::Serialize>(t: T) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A wire enum read back from its column.
pub(crate) fn from_wire<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// A stored channel kind.
pub(crate) fn channel_kind(s: &str) -> Option<ChannelKind> {
    from_wire(s)
}
