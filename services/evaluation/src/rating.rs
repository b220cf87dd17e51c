//! 好差评 as rules: the five levels (the last two are 差评), when the person served may rate
//! an item (once, and again only after a 差评 is rectified), when a unit may appeal, and
//! the unit figures 好评率 and 差评整改率. No I/O.

use crate::review::{refuse, Refusal, Rounding};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A rating, 5 非常满意 … 1 非常不满意 (the provinces' field convention).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// 非常不满意 (1).
    VeryDissatisfied,
    /// 不满意 (2).
    Dissatisfied,
    /// 基本满意 (3).
    FairlySatisfied,
    /// 满意 (4).
    Satisfied,
    /// 非常满意 (5).
    VerySatisfied,
}

impl Level {
    /// Every level, best first.
    pub const ALL: [Level; 5] = [
        Level::VerySatisfied,
        Level::Satisfied,
        Level::FairlySatisfied,
        Level::Dissatisfied,
        Level::VeryDissatisfied,
    ];

    /// 5 … 1.
    pub fn value(self) -> u8 {
        match self {
            Level::VeryDissatisfied => 1,
            Level::Dissatisfied => 2,
            Level::FairlySatisfied => 3,
            Level::Satisfied => 4,
            Level::VerySatisfied => 5,
        }
    }

    /// The level of a stored value.
    pub fn of_value(v: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|l| i32::from(l.value()) == v)
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Level::VeryDissatisfied => "非常不满意",
            Level::Dissatisfied => "不满意",
            Level::FairlySatisfied => "基本满意",
            Level::Satisfied => "满意",
            Level::VerySatisfied => "非常满意",
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::VeryDissatisfied => "VERY_DISSATISFIED",
            Level::Dissatisfied => "DISSATISFIED",
            Level::FairlySatisfied => "FAIRLY_SATISFIED",
            Level::Satisfied => "SATISFIED",
            Level::VerySatisfied => "VERY_SATISFIED",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// 差评: 不满意 or 非常不满意.
    pub fn is_bad(self) -> bool {
        self <= Level::Dissatisfied
    }

    /// 好评: 满意 or 非常满意.
    pub fn is_good(self) -> bool {
        self >= Level::Satisfied
    }
}

/// Where a rated item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    /// Completed, waiting for the person served.
    Awaiting,
    /// Rated, nothing more to do.
    Rated,
    /// A 差评 being rectified.
    Rectifying,
    /// Rectified: the person served may rate again.
    Rectified,
}

impl Stage {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Awaiting => "AWAITING",
            Stage::Rated => "RATED",
            Stage::Rectifying => "RECTIFYING",
            Stage::Rectified => "RECTIFIED",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Stage::Awaiting,
            Stage::Rated,
            Stage::Rectifying,
            Stage::Rectified,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Whether a rating may be given now; `Ok(true)` when it is a rating again after a
/// rectification.
pub fn may_rate(stage: Stage) -> Result<bool, Refusal> {
    match stage {
        Stage::Awaiting => Ok(false),
        Stage::Rectified => Ok(true),
        Stage::Rated => Err(refuse("level", "该事项已评价，感谢您的参与")),
        Stage::Rectifying => Err(refuse("level", "您的意见正在整改中，整改完成后可再次评价")),
    }
}

/// The stage after a rating: a 差评 is rectified, anything else ends it.
pub fn after_rating(level: Level) -> Stage {
    if level.is_bad() {
        Stage::Rectifying
    } else {
        Stage::Rated
    }
}

/// A comment: at most 500 characters.
pub fn check_comment(comment: &str) -> Result<(), Refusal> {
    if comment.chars().count() > 500 {
        return Err(refuse("comment", "评价意见不超过500字"));
    }
    Ok(())
}

/// Where an appeal (申诉) of a 差评 stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Appeal {
    /// None made.
    None,
    /// Waiting for a supervisor.
    Pending,
    /// Upheld: the 差评 leaves the figures, stays on record.
    Upheld,
    /// Refused: the 差评 stands.
    Refused,
}

impl Appeal {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Appeal::None => "NONE",
            Appeal::Pending => "PENDING",
            Appeal::Upheld => "UPHELD",
            Appeal::Refused => "REFUSED",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Appeal::None,
            Appeal::Pending,
            Appeal::Upheld,
            Appeal::Refused,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Whether a unit may appeal a rating: a 差评 not appealed before, with reasons.
pub fn may_appeal(level: Level, appeal: Appeal, reasons: &str) -> Result<(), Refusal> {
    if !level.is_bad() {
        return Err(refuse("ratingId", "只能对差评提出申诉"));
    }
    if appeal != Appeal::None {
        return Err(refuse("ratingId", "该差评已申诉过，不能重复申诉"));
    }
    let n = reasons.trim().chars().count();
    if n == 0 || n > 2000 {
        return Err(refuse("reasons", "请写明申诉理由（不超过2000字）"));
    }
    Ok(())
}

/// One stored rating, as the figures read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The level.
    pub level: Level,
    /// The item's latest rating (not superseded by a rating again).
    pub current: bool,
    /// Its appeal.
    pub appeal: Appeal,
    /// A 差评 whose rectification is done.
    pub rectified: bool,
}

/// A unit's 好差评 figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Items rated (each item's latest rating, upheld appeals left out).
    pub rated: u64,
    /// Of those, 满意 or 非常满意.
    pub good: u64,
    /// 差评 received (every one, also those rated again later; upheld appeals left out).
    pub bad: u64,
    /// Of those, rectified.
    pub rectified: u64,
    /// 差评 taken out by an upheld appeal (kept on record).
    pub appealed_away: u64,
}

impl Figures {
    /// Adds up ratings.
    pub fn of(ratings: &[Counted]) -> Self {
        let mut f = Figures::default();
        for r in ratings {
            if r.appeal == Appeal::Upheld {
                f.appealed_away += 1;
                continue;
            }
            if r.current {
                f.rated += 1;
                f.good += u64::from(r.level.is_good());
            }
            if r.level.is_bad() {
                f.bad += 1;
                f.rectified += u64::from(r.rectified);
            }
        }
        f
    }

    /// 好评率 in percent, two decimals (none without a rating).
    pub fn good_rate(&self, rounding: Rounding) -> Option<Decimal> {
        percent(self.good, self.rated, rounding)
    }

    /// 差评整改率 in percent, two decimals (none without a 差评).
    pub fn rectification_rate(&self, rounding: Rounding) -> Option<Decimal> {
        percent(self.rectified, self.bad, rounding)
    }
}

fn percent(part: u64, whole: u64, rounding: Rounding) -> Option<Decimal> {
    (whole > 0).then(|| {
        rounding.two_decimals(Decimal::from(part) * Decimal::from(100) / Decimal::from(whole))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn counted(level: Level, current: bool, appeal: Appeal, rectified: bool) -> Counted {
        Counted {
            level,
            current,
            appeal,
            rectified,
        }
    }

    #[test]
    fn the_last_two_levels_are_bad_and_the_first_two_good() {
        let bad: Vec<_> = Level::ALL.into_iter().filter(|l| l.is_bad()).collect();
        assert_eq!(bad, [Level::Dissatisfied, Level::VeryDissatisfied]);
        let good: Vec<_> = Level::ALL.into_iter().filter(|l| l.is_good()).collect();
        assert_eq!(good, [Level::VerySatisfied, Level::Satisfied]);
        assert_eq!(Level::of_value(5), Some(Level::VerySatisfied));
        assert_eq!(
            Level::parse("FAIRLY_SATISFIED").map(Level::label),
            Some("基本满意")
        );
    }

    #[test]
    fn one_rating_and_again_only_after_a_rectification() {
        assert_eq!(may_rate(Stage::Awaiting), Ok(false));
        assert!(may_rate(Stage::Rated).is_err());
        assert!(may_rate(Stage::Rectifying).is_err());
        assert_eq!(may_rate(Stage::Rectified), Ok(true));
        assert_eq!(after_rating(Level::Dissatisfied), Stage::Rectifying);
        assert_eq!(after_rating(Level::FairlySatisfied), Stage::Rated);
    }

    #[test]
    fn only_a_bad_rating_is_appealed_and_only_once() {
        assert!(may_appeal(Level::Dissatisfied, Appeal::None, "系误评").is_ok());
        assert_eq!(
            may_appeal(Level::Satisfied, Appeal::None, "x")
                .unwrap_err()
                .field,
            "ratingId"
        );
        assert!(may_appeal(Level::VeryDissatisfied, Appeal::Refused, "x").is_err());
        assert_eq!(
            may_appeal(Level::Dissatisfied, Appeal::None, "  ")
                .unwrap_err()
                .field,
            "reasons"
        );
    }

    /// Four items: A rated 不满意, rectified, rated 满意 again; B 非常满意; C 非常不满意,
    /// appeal upheld; D 满意 → rated 3 (A again, B, D), good 3 → 100.00%; 差评 1 (A's
    /// first), rectified 1 → 100.00%; C left out but counted as appealed away. With E
    /// 基本满意 and F 不满意 not yet rectified: rated 5, good 3 → 60.00%; 差评 2,
    /// rectified 1 → 50.00%.
    #[test]
    fn figures_count_latest_ratings_and_every_bad_one_but_upheld_appeals() {
        let mut all = vec![
            counted(Level::Dissatisfied, false, Appeal::None, true),
            counted(Level::Satisfied, true, Appeal::None, false),
            counted(Level::VerySatisfied, true, Appeal::None, false),
            counted(Level::VeryDissatisfied, true, Appeal::Upheld, false),
            counted(Level::Satisfied, true, Appeal::None, false),
        ];
        let f = Figures::of(&all);
        assert_eq!(
            (f.rated, f.good, f.bad, f.rectified, f.appealed_away),
            (3, 3, 1, 1, 1)
        );
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(f.good_rate(Rounding::Gbt8170), Some(d("100.00")));
        all.push(counted(Level::FairlySatisfied, true, Appeal::None, false));
        all.push(counted(Level::Dissatisfied, true, Appeal::Refused, false));
        let f = Figures::of(&all);
        assert_eq!(f.good_rate(Rounding::Gbt8170), Some(d("60.00")));
        assert_eq!(f.rectification_rate(Rounding::Gbt8170), Some(d("50.00")));
        assert_eq!(Figures::default().good_rate(Rounding::Gbt8170), None);
    }
}
