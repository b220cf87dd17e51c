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
        [
            Fact::DoneOnTime,
            Fact::DoneLate,
            Fact::Returned,
            Fact::YellowCard,
            Fact::RedCard,
            Fact::BuckPassing,
            Fact::GoodRating,
            Fact::BadRating,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_has_one_of_the_four_categories_and_reads_back() {
        for f in [
            Fact::DoneOnTime,
            Fact::DoneLate,
            Fact::Returned,
            Fact::YellowCard,
            Fact::RedCard,
            Fact::BuckPassing,
            Fact::GoodRating,
            Fact::BadRating,
        ] {
            assert!(CATEGORIES.contains(&f.category()), "{f:?}");
            assert_eq!(Fact::parse(f.as_str()), Some(f));
        }
        assert!(CATEGORIES.contains(&ACCOUNTABILITY) && CATEGORIES.contains(&REVIEW));
    }
}
