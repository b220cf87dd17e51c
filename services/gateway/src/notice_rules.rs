//! A county's notice rules over GraphQL: `notificationRules`, `setNotificationRule`,
//! `setNotificationSettings`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::NotificationKind;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use duban_schema::notifications::NotificationRulesSnapshot;

/// Who a notice reaches, as a rule names them.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "duban_schema::notifications::Audience")]
pub enum NoticeAudience {
    /// The 责任人.
    Responsible,
    /// The lead unit's leaders (科室负责人).
    UnitLeaders,
    /// The 责任人's 分管领导.
    SupervisingLeader,
    /// Who issued the item or registered the problem (and reviewers of a close-out).
    Issuer,
    /// The 配合单位.
    Cooperating,
    /// A problem's 责任领导.
    ProblemLeader,
    /// The county's DISCIPLINE users (纪检监察).
    Discipline,
}

/// A county's rule for one kind.
#[derive(SimpleObject)]
pub struct NotificationRule {
    /// The kind.
    pub kind: NotificationKind,
    /// Who gets it.
    pub audiences: Vec<NoticeAudience>,
    /// Whether the 责任人's notice must be acknowledged (事事有回音).
    pub requires_ack: bool,
}

/// A county's notice rules. Kinds it did not set reach everyone the event makes
/// answerable (the 责任人, the lead unit's leaders and 分管领导, the issuer, 配合单位 and
/// a problem's 责任领导, as each event calls for); 督办通知 and 红牌督办通知 must be
/// acknowledged by default.
#[derive(SimpleObject)]
pub struct NotificationRules {
    /// Office hours an acknowledgement may wait before the next rung is told (default 4).
    pub escalate_after_working_hours: i32,
    /// More pushes than this to one person within `digestMinutes` become one digest (5).
    pub digest_threshold: i32,
    /// The digest window, minutes (10).
    pub digest_minutes: i32,
    /// Quiet hours from (20:00): pushes that can wait are held till the working morning.
    pub quiet_from: String,
    /// Quiet hours until (08:00).
    pub quiet_until: String,
    /// The kinds the county set.
    pub kinds: Vec<NotificationRule>,
    /// Version; pass as `expectedVersion` to change them.
    pub version: i32,
}

fn n(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl From<NotificationRulesSnapshot> for NotificationRules {
    fn from(s: NotificationRulesSnapshot) -> Self {
        Self {
            escalate_after_working_hours: n(s.escalate_after_working_hours),
            digest_threshold: n(s.digest_threshold),
            digest_minutes: n(s.digest_minutes),
            quiet_from: s.quiet_from,
            quiet_until: s.quiet_until,
            kinds: s
                .kinds
                .into_iter()
                .map(|k| NotificationRule {
                    kind: k.kind,
                    audiences: k.audiences.into_iter().map(Into::into).collect(),
                    requires_ack: k.requires_ack,
                })
                .collect(),
            version: i32::try_from(s.version).unwrap_or(i32::MAX),
        }
    }
}

/// Input of `setNotificationRule`.
#[derive(InputObject)]
pub struct SetNotificationRuleInput {
    /// The kind.
    pub kind: NotificationKind,
    /// Who gets it (at least one).
    pub audiences: Vec<NoticeAudience>,
    /// Whether the 责任人's notice must be acknowledged (then RESPONSIBLE is required).
    pub requires_ack: bool,
    /// The version the change is based on.
    pub expected_version: Option<i32>,
}

/// Input of `setNotificationSettings`.
#[derive(InputObject)]
pub struct SetNotificationSettingsInput {
    /// Office hours before an unanswered notice climbs a rung (1–40).
    pub escalate_after_working_hours: i32,
    /// More pushes than this to one person within the window become one digest (1–100).
    pub digest_threshold: i32,
    /// The digest window, minutes (1–240).
    pub digest_minutes: i32,
    /// Quiet from, `HH:MM`.
    pub quiet_from: String,
    /// Quiet until, `HH:MM` (earlier than `quietFrom`: quiet hours span the night).
    pub quiet_until: String,
    /// The version the change is based on.
    pub expected_version: Option<i32>,
}

fn count(field: &str, v: i32) -> async_graphql::Result<u32> {
    u32::try_from(v)
        .map_err(|_| duban_api::ApiError::validation(field, "不能为负数"))
        .gql()
}

/// Notice-rule queries.
#[derive(Default)]
pub struct NoticeRulesQuery;

#[Object]
impl NoticeRulesQuery {
    /// The caller's county's notice rules.
    async fn notification_rules(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<NotificationRules> {
        let v = services(ctx)?
            .notifications
            .notification_rules(actor(ctx)?)
            .await
            .gql()?;
        Ok(v.into())
    }
}

/// Notice-rule mutations.
#[derive(Default)]
pub struct NoticeRulesMutation;

#[Object]
impl NoticeRulesMutation {
    /// Sets who one kind reaches and whether it must be acknowledged (SUPERVISOR or ADMIN
    /// of the county); audited.
    async fn set_notification_rule(
        &self,
        ctx: &Context<'_>,
        input: SetNotificationRuleInput,
    ) -> async_graphql::Result<NotificationRules> {
        let v = services(ctx)?
            .notifications
            .set_notification_rule(
                actor(ctx)?,
                duban_api::SetNotificationRuleInput {
                    kind: input.kind,
                    audiences: input.audiences.into_iter().map(Into::into).collect(),
                    requires_ack: input.requires_ack,
                    expected_version: input.expected_version.map(i64::from),
                },
            )
            .await
            .gql()?;
        Ok(v.into())
    }

    /// Sets the county's escalation, quiet hours and digests (SUPERVISOR or ADMIN);
    /// audited.
    async fn set_notification_settings(
        &self,
        ctx: &Context<'_>,
        input: SetNotificationSettingsInput,
    ) -> async_graphql::Result<NotificationRules> {
        let v = services(ctx)?
            .notifications
            .set_notification_settings(
                actor(ctx)?,
                duban_api::SetNotificationSettingsInput {
                    escalate_after_working_hours: count(
                        "escalateAfterWorkingHours",
                        input.escalate_after_working_hours,
                    )?,
                    digest_threshold: count("digestThreshold", input.digest_threshold)?,
                    digest_minutes: count("digestMinutes", input.digest_minutes)?,
                    quiet_from: input.quiet_from,
                    quiet_until: input.quiet_until,
                    expected_version: input.expected_version.map(i64::from),
                },
            )
            .await
            .gql()?;
        Ok(v.into())
    }
}
