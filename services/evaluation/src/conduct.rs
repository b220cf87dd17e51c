//! 作风表现台账 as rules: what in a cadre's record counts as what — items done on time or
//! late, items returned, cards shown on items they were responsible for, 推诿, the ratings
//! of items they handled, their unit's 作风体检 results, accountability records — and in
//! which of the four categories. No I/O.

use serde::{Deserialize, Serialize};

/// The four categories (seed 003), in the order a ledger lists them.
pub const CATEGORIES: [&str; 4] = ["落实八项规定", "服务群众", "担当作为", "工作实绩"];

/// A fact about one cadre, as the tracker records it from events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Fact {
    /// An item they were responsible for was reported done within its limit.
    DoneOnTime,
    /// … after its limit.
    DoneLate,
    /// Verification sent an item of theirs back.
    Returned,
    /// A yellow card on an item they were responsible for.
    YellowCard,
    /// A red card on an item they were responsible for.
    RedCard,
    /// An item they held was transferred a second time or more (推诿).
    BuckPassing,
    /// The person served rated an item they handled well (满意, 非常满意).
    GoodRating,
    /// … badly (差评).
    BadRating,
}

impl Fact {
    /// Every fact, in the ledger's order.
    pub const ALL: [Fact; 8] = [
        Fact::DoneOnTime,
        Fact::DoneLate,
        Fact::Returned,
        Fact::YellowCard,
        Fact::RedCard,
        Fact::BuckPassing,
        Fact::GoodRating,
        Fact::BadRating,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::DoneOnTime => "DONE_ON_TIME",
            Fact::DoneLate => "DONE_LATE",
            Fact::Returned => "RETURNED",
            Fact::YellowCard => "YELLOW_CARD",
            Fact::RedCard => "RED_CARD",
            Fact::BuckPassing => "BUCK_PASSING",
            Fact::GoodRating => "GOOD_RATING",
            Fact::BadRating => "BAD_RATING",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Its category.
    pub fn category(self) -> &'static str {
        match self {
            Fact::DoneOnTime | Fact::DoneLate | Fact::Returned => "工作实绩",
            Fact::YellowCard | Fact::RedCard | Fact::BuckPassing => "担当作为",
            Fact::GoodRating | Fact::BadRating => "服务群众",
        }
    }

    /// The line's label.
    pub fn label(self) -> &'static str {
        match self {
            Fact::DoneOnTime => "按时办结",
            Fact::DoneLate => "超期办结",
            Fact::Returned => "办结审核退回",
            Fact::YellowCard => "黄牌预警",
            Fact::RedCard => "红牌督办",
            Fact::BuckPassing => "推诿（二次以上转办）",
            Fact::GoodRating => "群众好评",
            Fact::BadRating => "群众差评",
        }
    }
}

/// The category of an accountability record (落实八项规定 and discipline).
pub const ACCOUNTABILITY: &str = "落实八项规定";
/// The category of the unit's 作风体检 result.
pub const REVIEW: &str = "工作实绩";
/// The category of a commendation (年度考核先进工作者, points added with a reason).
pub const COMMENDATION: &str = "工作实绩";

/// Every kind of line a ledger holds: the facts, then accountability records, the unit's
/// 作风体检 results and commendations.
pub const KINDS: [&str; 11] = [
    "DONE_ON_TIME",
    "DONE_LATE",
    "RETURNED",
    "YELLOW_CARD",
    "RED_CARD",
    "BUCK_PASSING",
    "GOOD_RATING",
    "BAD_RATING",
    "ACCOUNTABILITY",
    "REVIEW",
    "COMMENDATION",
];

/// The category seed 003 gives a kind of line.
pub fn default_category(kind: &str) -> &'static str {
    match kind {
        "ACCOUNTABILITY" => ACCOUNTABILITY,
        "REVIEW" => REVIEW,
        "COMMENDATION" => COMMENDATION,
        k => Fact::parse(k).map(Fact::category).unwrap_or(REVIEW),
    }
}

/// A county's categories: their names in order, and the category of each kind of line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Categories {
    /// Names, in the order a ledger lists them.
    pub names: Vec<String>,
    /// Kind → category.
    pub kinds: Vec<(String, String)>,
}

impl Default for Categories {
    fn default() -> Self {
        Self {
            names: CATEGORIES.map(String::from).into(),
            kinds: KINDS
                .iter()
                .map(|k| (k.to_string(), default_category(k).to_string()))
                .collect(),
        }
    }
}

impl Categories {
    /// The category of a kind of line.
    pub fn of(&self, kind: &str) -> &str {
        self.kinds
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, c)| c.as_str())
            .unwrap_or_else(|| default_category(kind))
    }

    /// Checks a county's categories: 1–8 distinct names of 1–10 characters, and every kind
    /// of line in exactly one listed category.
    pub fn check(&self) -> Result<(), crate::review::Refusal> {
        use crate::review::refuse;
        let mut seen = std::collections::BTreeSet::new();
        if self.names.is_empty() || self.names.len() > 8 {
            return Err(refuse("categories", "台账类别须为 1 至 8 个"));
        }
        for n in &self.names {
            if n.trim().is_empty() || n.chars().count() > 10 || !seen.insert(n.as_str()) {
                return Err(refuse("categories", format!("类别「{n}」为空、过长或重复")));
            }
        }
        for k in KINDS {
            let mapped: Vec<&(String, String)> =
                self.kinds.iter().filter(|(x, _)| x == k).collect();
            match mapped.as_slice() {
                [(_, c)] if seen.contains(c.as_str()) => {}
                _ => {
                    return Err(refuse(
                        "kinds",
                        format!("「{k}」须归入且只归入一个已列出的类别"),
                    ))
                }
            }
        }
        if self.kinds.len() != KINDS.len() {
            return Err(refuse("kinds", "有未知的台账事项种类"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_has_one_of_the_four_categories_and_reads_back() {
        for f in Fact::ALL {
            assert!(CATEGORIES.contains(&f.category()), "{f:?}");
            assert_eq!(Fact::parse(f.as_str()), Some(f));
        }
        assert!(CATEGORIES.contains(&ACCOUNTABILITY) && CATEGORIES.contains(&REVIEW));
        assert!(Categories::default().check().is_ok());
    }

    #[test]
    fn a_county_may_rename_and_regroup_but_not_drop_a_kind() {
        let mut c = Categories::default();
        c.names[2] = "担当作为方面".into();
        for (_, cat) in c.kinds.iter_mut().filter(|(_, cat)| cat == "担当作为") {
            *cat = "担当作为方面".into();
        }
        assert!(c.check().is_ok());
        assert_eq!(c.of("RED_CARD"), "担当作为方面");
        c.kinds.pop();
        assert_eq!(c.check().unwrap_err().field, "kinds");
        let mut d = Categories::default();
        d.kinds[0].1 = "不存在".into();
        assert!(d.check().is_err());
    }
}
