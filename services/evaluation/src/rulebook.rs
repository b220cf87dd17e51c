//! The counties' color rules as kept in memory, pure: by county and scope over the
//! defaults, the rules that govern an item, and the check of a set of rules.

use duban_api::{ApiError, ColorRuleSetView, ColorRulesView};
use duban_schema::assignments::Urgency;
use duban_schema::evaluation::{ColorRules, RuleScope};
use std::collections::HashMap;

/// The key a scope is stored under.
pub(crate) fn scope_key(scope: &RuleScope) -> String {
    match scope {
        RuleScope::County => "COUNTY".into(),
        RuleScope::Campaign(id) => format!("CAMPAIGN:{id}"),
        RuleScope::Urgency(u) => format!("URGENCY:{}", u.as_str()),
    }
}

fn parse_scope(key: &str) -> Option<RuleScope> {
    match key.split_once(':') {
        None if key == "COUNTY" => Some(RuleScope::County),
        Some(("CAMPAIGN", id)) => Some(RuleScope::Campaign(id.to_string())),
        Some(("URGENCY", u)) => Urgency::parse(u).map(RuleScope::Urgency),
        _ => None,
    }
}

/// Checks a set of rules; the error names the field.
pub fn check(r: &ColorRules) -> Result<(), ApiError> {
    let bad =
        |field: &str, message: &str| Err(ApiError::validation(&format!("rules.{field}"), message));
    if !(1..=100).contains(&r.yellow_lag_points) {
        return bad("yellowLagPoints", "黄牌的进度滞后须为1至100个百分点");
    }
    if !(1..=100).contains(&r.red_lag_points) || r.red_lag_points <= r.yellow_lag_points {
        return bad(
            "redLagPoints",
            "红牌的进度滞后须为1至100个百分点，且大于黄牌的",
        );
    }
    if !(1..=60).contains(&r.stale_days) {
        return bad("staleDays", "未报送进度的天数须为1至60个工作日");
    }
    if !(0..=30).contains(&r.yellow_days_before_due) {
        return bad("yellowDaysBeforeDue", "临近时限的天数须为0至30个工作日");
    }
    if !(0..=60).contains(&r.red_overdue_days) {
        return bad("redOverdueDays", "超期天数须为0至60个工作日");
    }
    if !(1..=10).contains(&r.red_returns) {
        return bad("redReturns", "退回次数须为1至10次");
    }
    if !(1..=30).contains(&r.rectification_days) {
        return bad("rectificationDays", "差评整改时限须为1至30个工作日");
    }
    Ok(())
}

/// One stored scope: its rules, version, and who set them when.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub(crate) rules: ColorRules,
    pub(crate) version: i64,
    pub(crate) changed_by: String,
    pub(crate) changed_at: chrono::DateTime<chrono::FixedOffset>,
}

/// Every county's rules, by county and scope key, over the defaults.
#[derive(Clone, Debug)]
pub(crate) struct RuleBook {
    defaults: ColorRules,
    pub(crate) sets: HashMap<(String, String), Stored>,
}

impl RuleBook {
    pub(crate) fn new(defaults: ColorRules) -> Self {
        Self {
            defaults,
            sets: HashMap::new(),
        }
    }

    fn get(&self, county: &str, key: &str) -> Option<&Stored> {
        self.sets.get(&(county.to_string(), key.to_string()))
    }

    /// The rules of an item of `county`: its campaign's, else its urgency's, else the
    /// county's, else the defaults.
    pub(crate) fn governing(
        &self,
        county: &str,
        campaign: Option<&str>,
        urgency: &str,
    ) -> ColorRules {
        campaign
            .and_then(|c| self.get(county, &format!("CAMPAIGN:{c}")))
            .or_else(|| self.get(county, &format!("URGENCY:{urgency}")))
            .or_else(|| self.get(county, "COUNTY"))
            .map_or(self.defaults, |s| s.rules)
    }

    pub(crate) fn view(&self, county: &str) -> ColorRulesView {
        let set = |scope: RuleScope, s: Option<&Stored>| ColorRuleSetView {
            scope,
            rules: s.map_or(self.defaults, |s| s.rules),
            version: s.map_or(0, |s| s.version),
            changed_by: s.map(|s| s.changed_by.clone()),
            changed_at: s.map(|s| s.changed_at),
        };
        let mut overrides: Vec<(&String, &Stored)> = self
            .sets
            .iter()
            .filter(|((c, key), _)| c == county && key != "COUNTY")
            .map(|((_, key), s)| (key, s))
            .collect();
        overrides.sort_by(|a, b| a.0.cmp(b.0));
        let mut sets = vec![set(RuleScope::County, self.get(county, "COUNTY"))];
        sets.extend(
            overrides
                .into_iter()
                .filter_map(|(key, s)| parse_scope(key).map(|scope| set(scope, Some(s)))),
        );
        ColorRulesView {
            county_id: county.to_string(),
            sets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(yellow: i64) -> Stored {
        Stored {
            rules: ColorRules {
                yellow_lag_points: yellow,
                ..ColorRules::default()
            },
            version: 1,
            changed_by: "p-s".into(),
            changed_at: chrono::DateTime::parse_from_rfc3339("2026-03-09T09:00:00+08:00").unwrap(),
        }
    }

    #[test]
    fn a_campaign_wins_over_an_urgency_which_wins_over_the_county_over_the_defaults() {
        let mut book = RuleBook::new(ColorRules::default());
        let yellow =
            |b: &RuleBook, campaign, urgency| b.governing("c", campaign, urgency).yellow_lag_points;
        assert_eq!(yellow(&book, Some("k"), "URGENT"), 10);
        book.sets.insert(("c".into(), "COUNTY".into()), stored(20));
        book.sets
            .insert(("c".into(), "URGENCY:URGENT".into()), stored(15));
        book.sets
            .insert(("c".into(), "CAMPAIGN:k".into()), stored(5));
        book.sets
            .insert(("other".into(), "COUNTY".into()), stored(50));
        assert_eq!(yellow(&book, Some("k"), "URGENT"), 5);
        assert_eq!(yellow(&book, None, "URGENT"), 15);
        assert_eq!(yellow(&book, Some("x"), "NORMAL"), 20);
        let view = book.view("c");
        assert_eq!(view.sets[0].scope, RuleScope::County);
        assert_eq!(view.sets.len(), 3, "the county's, then its two overrides");
        assert_eq!(
            parse_scope(&scope_key(&RuleScope::Urgency(Urgency::VeryUrgent))),
            Some(RuleScope::Urgency(Urgency::VeryUrgent))
        );
    }

    #[test]
    fn a_red_threshold_must_lie_above_the_yellow_one() {
        assert!(check(&ColorRules::default()).is_ok());
        let e = check(&ColorRules {
            red_lag_points: 10,
            ..ColorRules::default()
        })
        .unwrap_err();
        assert_eq!(
            e,
            ApiError::validation(
                "rules.redLagPoints",
                "红牌的进度滞后须为1至100个百分点，且大于黄牌的"
            )
        );
    }
}
