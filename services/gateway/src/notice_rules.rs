//! A county's notice rules over GraphQL: `notificationRules`, `setNotificationRule`,
//! `setNotificationSettings`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use async_graphql::{Context, InputObject, Object};

pub use duban_schema::notifications::NotificationRulesSnapshot as NotificationRules;

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
        Ok(v)
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
        input: duban_api::SetNotificationRuleInput,
    ) -> async_graphql::Result<NotificationRules> {
        let v = services(ctx)?
            .notifications
            .set_notification_rule(actor(ctx)?, input)
            .await
            .gql()?;
        Ok(v)
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
        Ok(v)
    }
}
