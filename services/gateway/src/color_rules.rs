//! The county's color rules (红黄牌规则) over GraphQL: `colorRules` and `setColorRules`.

use crate::error::ApiResultExt;
use crate::resolve::{actor, services, version};
use crate::types::Urgency;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use duban_api::{ColorRuleScope, ColorRulesView};
use duban_schema::evaluation::RuleScope;

pub use duban_schema::evaluation::ColorRules;

/// Input of `setColorRules`.
#[derive(InputObject)]
pub struct SetColorRulesInput {
    /// Which items.
    pub scope: ColorRuleScope,
    /// The campaign, for CAMPAIGN.
    pub campaign_id: Option<ID>,
    /// The urgency, for URGENCY.
    pub urgency: Option<Urgency>,
    /// The thresholds.
    pub rules: ColorRules,
    /// The version read (0 for a scope still on the defaults).
    pub expected_version: i32,
}

/// Result of `setColorRules`.
#[derive(SimpleObject)]
pub struct SetColorRulesPayload {
    /// The county's rules after the change.
    pub color_rules: ColorRulesView,
}

/// The color-rules query.
#[derive(Default)]
pub struct ColorRulesQuery;

#[Object]
impl ColorRulesQuery {
    /// The color rules (红黄牌规则) of the caller's county.
    async fn color_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<ColorRulesView> {
        services(ctx)?
            .evaluation
            .color_rules(actor(ctx)?)
            .await
            .gql()
    }
}

/// The color-rules mutation.
#[derive(Default)]
pub struct ColorRulesMutation;

#[Object]
impl ColorRulesMutation {
    /// Sets one scope's color rules (SUPERVISOR or ADMIN of the county); every open item
    /// they govern is recolored at once, each saying why, and the change is audited.
    async fn set_color_rules(
        &self,
        ctx: &Context<'_>,
        input: SetColorRulesInput,
    ) -> async_graphql::Result<SetColorRulesPayload> {
        let scope = match (input.scope, input.campaign_id, input.urgency) {
            (ColorRuleScope::County, None, None) => RuleScope::County,
            (ColorRuleScope::Campaign, Some(id), None) => RuleScope::Campaign(id.0),
            (ColorRuleScope::Urgency, None, Some(u)) => RuleScope::Urgency(u),
            _ => {
                return Err(duban_api::ApiError::validation(
                    "campaignId",
                    "范围为 CAMPAIGN 时只填 campaignId，为 URGENCY 时只填 urgency，为 COUNTY 时两者都不填",
                ))
                .gql()
            }
        };
        let v = services(ctx)?
            .evaluation
            .set_color_rules(
                actor(ctx)?,
                duban_api::SetColorRulesInput {
                    scope,
                    rules: input.rules,
                    expected_version: version(input.expected_version),
                },
            )
            .await
            .gql()?;
        Ok(SetColorRulesPayload { color_rules: v })
    }
}
