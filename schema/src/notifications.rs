//! Events of the notifications service.

use chrono::{DateTime, FixedOffset};
use duban_api_macros::graphql_object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Kind of a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    /// 督办通知: a new assignment for the recipient's unit.
    SupervisionNotice,
    /// 签收回执: the lead unit signed for an item the recipient issued.
    AcknowledgementReceipt,
    /// 进度报送: progress on an item the recipient issued.
    ProgressUpdate,
    /// 办结待审: an item the recipient issued awaits verification.
    CompletionPending,
    /// 延期申请: the lead unit asks the recipient, its issuer, for more time.
    ExtensionRequest,
    /// 转办申请: the lead unit asks the recipient, its issuer, to transfer the item.
    TransferRequest,
    /// 审核结果: an item was closed or returned.
    VerificationResult,
    /// 时限调整: an item's time limit moved.
    DeadlineChanged,
    /// 到期提醒: an item's time limit is near.
    DueSoonReminder,
    /// 超期督办: an item passed its time limit.
    OverdueNotice,
    /// 问题台账: a ledger problem of the recipient's was registered, returned, closed or reopened,
    /// or awaits the recipient's close-out decision.
    ProblemNotice,
    /// 黄牌预警通知: an item the recipient answers for, leads or issued got a yellow card.
    YellowCard,
    /// 红牌督办通知: an item the recipient answers for, leads or issued got a red card.
    RedCard,
    /// 中止通知: an item the recipient answers for or helps with was suspended; its clock stops.
    SuspensionNotice,
    /// 恢复办理通知: a suspended item runs again, with its new time limit.
    ResumptionNotice,
    /// 撤销通知: an item the recipient answers for or helps with was withdrawn.
    CancellationNotice,
    /// 回头看通知: a closed item was reopened.
    ReopenNotice,
    /// 转出通知: an item of the recipient's unit was transferred to another unit.
    TransferredAway,
    /// 逾时未回复提醒: a notice that asks for acknowledgement went unanswered and moved one
    /// rung up (unit leader, then 分管领导, then the issuer).
    EscalationNotice,
    /// 周通报: the weekly bulletin of the recipient's unit was published or commented on.
    WeeklyBulletin,
    /// 专项整治阶段通知: a campaign covering the recipient's unit entered a phase.
    CampaignPhase,
    /// 专项整治报送提醒: a report a campaign asks of the recipient's unit is due soon.
    CampaignReportDue,
    /// 作风体检评分提醒: a conduct review closes soon and the recipient has scores to give.
    ConductReviewDue,
    /// 追责问责通知: an accountability decision on the recipient, or on their unit or one of
    /// its people (to its leaders).
    AccountabilityNotice,
    /// 线索移送通知: a clue referred to the recipient's commission (DISCIPLINE).
    ReferralNotice,
    /// 线索处置时限提醒: a referral's 签收 or disposition due tomorrow or late.
    ReferralDue,
}

/// Public view of a notice in someone's inbox.
#[graphql_object(name = "NotificationSnapshot", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NotificationSnapshot {
    /// Notice id.
    pub id: String,
    /// Person it is for.
    pub recipient_id: String,
    /// Kind.
    pub kind: NotificationKind,
    /// Title, Chinese.
    pub title: String,
    /// Body, Chinese.
    pub body: String,
    /// The assignment it is about.
    pub assignment_id: Option<String>,
    /// The ledger problem it is about.
    #[serde(default)]
    pub problem_id: Option<String>,
    /// When it was put in the inbox.
    pub created_at: DateTime<FixedOffset>,
    /// Whether its recipient must answer that they received it (事事有回音; 督办通知 and
    /// 红牌督办通知 by default).
    #[serde(default)]
    pub requires_ack: bool,
    /// When the recipient acknowledged it; the sender sees this.
    #[serde(default)]
    pub acknowledged_at: Option<DateTime<FixedOffset>>,
    /// For an escalation (逾时未回复提醒), the notice that went unanswered.
    #[gql(id)]
    #[serde(default)]
    pub escalated_from: Option<String>,
    /// For an escalation, its rung (1 unit leader, 2 分管领导, 3 issuer); 0 otherwise.
    #[serde(default)]
    pub rung: i32,
}

impl NotificationKind {
    /// Kinds whose recipient must acknowledge them by default: 督办通知 (挂牌督办 among
    /// them) and 红牌督办通知.
    pub fn requires_ack_by_default(self) -> bool {
        matches!(
            self,
            NotificationKind::SupervisionNotice | NotificationKind::RedCard
        )
    }
}

/// Who a notice reaches, as a county's rule names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[cfg_attr(feature = "graphql", graphql(name = "NoticeAudience"))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Audience {
    /// The 责任人 (or the unit leaders a notice is addressed to).
    Responsible,
    /// The lead unit's leaders (科室负责人负直接责任).
    UnitLeaders,
    /// The 责任人's 分管领导 (分管领导负领导责任).
    SupervisingLeader,
    /// Whoever issued the item or registered the problem (and reviewers of a close-out).
    Issuer,
    /// The 配合单位.
    Cooperating,
    /// A problem's 责任领导.
    ProblemLeader,
    /// DISCIPLINE users of the county (纪检监察).
    Discipline,
}

/// A county's rule for one kind.
#[graphql_object(name = "NotificationRule", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KindRule {
    /// The kind.
    pub kind: NotificationKind,
    /// Who gets it.
    pub audiences: Vec<Audience>,
    /// Whether the 责任人's notice must be acknowledged (事事有回音).
    pub requires_ack: bool,
}

/// A county's notice rules. Kinds it did not set reach everyone the event makes
/// answerable (the 责任人, the lead unit's leaders and 分管领导, the issuer, 配合单位 and
/// a problem's 责任领导, as each event calls for); 督办通知 and 红牌督办通知 must be
/// acknowledged by default.
#[graphql_object(name = "NotificationRules", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotificationRulesSnapshot {
    /// The county (its root unit).
    #[gql(skip)]
    pub county_id: String,
    /// Office hours an acknowledgement may wait before the next rung is told (default 4).
    pub escalate_after_working_hours: u32,
    /// More pushes than this to one person within `digestMinutes` become one digest (5).
    pub digest_threshold: u32,
    /// The digest window, minutes (10).
    pub digest_minutes: u32,
    /// Quiet hours from (20:00): pushes that can wait are held till the working morning.
    pub quiet_from: String,
    /// Quiet hours until (08:00).
    pub quiet_until: String,
    /// The kinds the county set.
    pub kinds: Vec<KindRule>,
    /// Version; pass as `expectedVersion` to change them.
    pub version: i64,
}

/// Where a push channel delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelKind {
    /// A county platform or SMS gateway: signed JSON over HTTP.
    Webhook,
    /// A 钉钉 group robot (markdown, 加签, @ by mobile number).
    Dingtalk,
    /// A 企业微信 group robot (key in the URL, @ by mobile number).
    Wecom,
    /// E-mail over SMTP to each recipient's address.
    Email,
}

/// A push channel: notices of chosen kinds about a scope leave the inbox through it.
/// Secrets are never part of it.
#[graphql_object(name = "Webhook", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WebhookSnapshot {
    /// Channel id.
    pub id: String,
    /// Its name, e.g. 县政务平台短信网关.
    pub name: String,
    /// Where it delivers.
    pub channel: ChannelKind,
    /// The endpoint with any credential in it masked.
    pub url: String,
    /// Notice kinds it carries; empty: every kind.
    pub kinds: Vec<NotificationKind>,
    /// Org path whose notices it carries.
    pub scope_path: String,
    /// Deliveries to it in flight at once, at most.
    pub max_concurrency: i32,
    /// Who created it.
    #[gql(id)]
    pub created_by: String,
    /// When.
    pub created_at: DateTime<FixedOffset>,
}

/// Everything the notifications service announces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data")]
pub enum NotificationsEvent {
    /// Notices were put into their recipients' inboxes: those one event called for (or one
    /// escalation or report round made for one unit), in one event keyed by the first.
    NotificationsCreated {
        /// The notices, at least one.
        notifications: Vec<NotificationSnapshot>,
    },
    /// A notice was put into a person's inbox: one event per notice, as written before 4
    /// December 2026; kept so that older audit logs still name their topic.
    NotificationCreated {
        /// The notice.
        notification: NotificationSnapshot,
    },
    /// The recipient acknowledged a notice that asked for it (事事有回音).
    NotificationAcknowledged {
        /// The notice, acknowledged.
        notification: NotificationSnapshot,
    },
    /// An admin added a push channel.
    WebhookCreated {
        /// The channel.
        webhook: WebhookSnapshot,
    },
    /// An admin removed a push channel; nothing more is sent through it.
    WebhookDeleted {
        /// The channel as it was.
        webhook: WebhookSnapshot,
        /// Who removed it.
        deleted_by: String,
    },
    /// An admin sent a delivery again (a dead letter, or one already delivered).
    DeliveryReplayed {
        /// The delivery.
        delivery_id: String,
        /// Its channel.
        webhook_id: String,
        /// Who asked.
        replayed_by: String,
    },
    /// A county's notice rules changed.
    NotificationRulesChanged {
        /// The rules now.
        rules: NotificationRulesSnapshot,
        /// Who changed them.
        changed_by: String,
    },
    /// A person's push contacts changed (the values are not recorded here).
    PushContactChanged {
        /// Whose.
        person_id: String,
        /// Whether a mobile number is set now.
        has_mobile: bool,
        /// Whether an e-mail address is set now.
        has_email: bool,
        /// Who changed them.
        changed_by: String,
    },
}

impl NotificationsEvent {
    /// The event's type name, as in the envelope.
    pub fn type_name(&self) -> &'static str {
        match self {
            NotificationsEvent::NotificationsCreated { .. } => "NotificationsCreated",
            NotificationsEvent::NotificationCreated { .. } => "NotificationCreated",
            NotificationsEvent::NotificationAcknowledged { .. } => "NotificationAcknowledged",
            NotificationsEvent::WebhookCreated { .. } => "WebhookCreated",
            NotificationsEvent::WebhookDeleted { .. } => "WebhookDeleted",
            NotificationsEvent::DeliveryReplayed { .. } => "DeliveryReplayed",
            NotificationsEvent::PushContactChanged { .. } => "PushContactChanged",
            NotificationsEvent::NotificationRulesChanged { .. } => "NotificationRulesChanged",
        }
    }
}
