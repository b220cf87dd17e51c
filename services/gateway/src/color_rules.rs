//! The county's color rules (红黄牌规则) over GraphQL: `colorRules` and `setColorRules`.

use crate::error::ApiResultExt;
use crate::resolve::{actor, services, version};
use crate::types::{DateTime, Urgency};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use duban_api::{ColorRuleSetView, ColorRulesView};
use duban_schema::evaluation::{ColorRules as Rules, RuleScope};

/// The thresholds of the yellow and red cards.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "ColorRulesInput")]
pub struct ColorRules {
    /// 黄牌: progress lags the working time elapsed by this many points or more (default 10).
    pub yellow_lag_points: i32,
    /// 黄牌: no progress report for this many working days (default 5).
    pub stale_days: i32,
    /// 黄牌: the limit is within this many working days and the item is not done (default 1).
    pub yellow_days_before_due: i32,
    /// 红牌: progress lags by this many points or more (default 30).
    pub red_lag_points: i32,
    /// 红牌: overdue by more than this many working days (default 0).
    pub red_overdue_days: i32,
    /// 红牌: verification sent it back this many times (default 2).
    pub red_returns: i32,
    /// Whether a red card raises the supervision level (催办 → 督办 → 挂牌督办).
    pub raise_on_red: bool,
    /// County rules only: boards rank ties as one place (1, 2, 2, 3, 中国式排名) rather
    /// than the places they fill (1, 2, 2, 4, the default).
    #[graphql(default)]
    pub dense_ranking: bool,
    /// County rules only: working days a unit has to rectify a 好差评 差评 (default 5).
    #[graphql(default = 5)]
    pub rectification_days: i32,
}

impl From<Rules> for ColorRules {
    fn from(r: Rules) -> Self {
        let n = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            yellow_lag_points: n(r.yellow_lag_points),
            stale_days: n(r.stale_days),
            yellow_days_before_due: n(r.yellow_days_before_due),
            red_lag_points: n(r.red_lag_points),
            red_overdue_days: n(r.red_overdue_days),
            red_returns: r.red_returns,
            raise_on_red: r.raise_on_red,
            dense_ranking: r.dense_ranking,
            rectification_days: r.rectification_days,
        }
    }
}

impl From<ColorRules> for Rules {
    fn from(r: ColorRules) -> Self {
        Self {
            yellow_lag_points: r.yellow_lag_points.into(),
            stale_days: r.stale_days.into(),
            yellow_days_before_due: r.yellow_days_before_due.into(),
            red_lag_points: r.red_lag_points.into(),
            red_overdue_days: r.red_overdue_days.into(),
            red_returns: r.red_returns,
            raise_on_red: r.raise_on_red,
            dense_ranking: r.dense_ranking,
            rectification_days: r.rectification_days,
        }
    }
}

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
            rules: v.rules.into(),
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
                    rules: input.rules.into(),
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
