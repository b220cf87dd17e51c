//! The county's color rules (红黄牌规则) over GraphQL: `colorRules` and `setColorRules`.

use crate::error::ApiResultExt;
use crate::resolve::{actor, services, version};
use crate::types::{DateTime, Urgency};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use duban_api::{ColorRuleSetView, ColorRulesView};
use duban_schema::evaluation::RuleScope;

pub use duban_schema::evaluation::ColorRules;

/// Which items a set of rules is for.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ColorRuleScope {
    /// The whole county.
    County,
    /// One campaign's items (wins over an urgency's and the county's rules).
    Campaign,
    /// The items of one urgency (wins over the county's rules).
    Urgency,
}

/// One scope's rules as they stand.
#[derive(SimpleObject)]
pub struct ColorRuleSet {
    /// Which items.
    pub scope: ColorRuleScope,
    /// The campaign, for CAMPAIGN.
    pub campaign_id: Option<ID>,
    /// The urgency, for URGENCY.
    pub urgency: Option<Urgency>,
    /// The thresholds.
    pub rules: ColorRules,
    /// Version, to send back when changing them; 0 while the defaults stand.
    pub version: i32,
    /// Who set them last.
    pub changed_by: Option<ID>,
    /// When.
    pub changed_at: Option<DateTime>,
}

impl From<ColorRuleSetView> for ColorRuleSet {
    fn from(v: ColorRuleSetView) -> Self {
        let (scope, campaign_id, urgency) = match v.scope {
            RuleScope::County => (ColorRuleScope::County, None, None),
            RuleScope::Campaign(id) => (ColorRuleScope::Campaign, Some(ID(id)), None),
            RuleScope::Urgency(u) => (ColorRuleScope::Urgency, None, Some(u)),
        };
        Self {
            scope,
            campaign_id,
            urgency,
            rules: v.rules,
            version: i32::try_from(v.version).unwrap_or(i32::MAX),
            changed_by: v.changed_by.map(ID),
            changed_at: v.changed_at.map(DateTime),
        }
    }
}

/// A county's color rules: its own first, then those of campaigns and urgencies.
#[derive(SimpleObject)]
pub struct CountyColorRules {
    /// The county.
    pub county_id: ID,
    /// The county's rules, then each override.
    pub sets: Vec<ColorRuleSet>,
}

impl From<ColorRulesView> for CountyColorRules {
    fn from(v: ColorRulesView) -> Self {
        Self {
            county_id: ID(v.county_id),
            sets: v.sets.into_iter().map(Into::into).collect(),
        }
    }
}

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
    pub color_rules: CountyColorRules,
}

/// The color-rules query.
#[derive(Default)]
pub struct ColorRulesQuery;

#[Object]
impl ColorRulesQuery {
    /// The color rules (红黄牌规则) of the caller's county.
    async fn color_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<CountyColorRules> {
        let v = services(ctx)?
            .evaluation
            .color_rules(actor(ctx)?)
            .await
            .gql()?;
        Ok(v.into())
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
        Ok(SetColorRulesPayload {
            color_rules: v.into(),
        })
    }
}
