//! 线索移送 as rules: when a clue goes to the discipline commission by itself, the steps it
//! then takes there (签收, one of the four dispositions, 办结) and the time limit of each.
//! No I/O.

use crate::review::{refuse, Refusal};
use chrono::{Datelike, NaiveDate};
use duban_clock::workdays::Calendar;

/// Why a clue was referred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// By hand, by a supervisor.
    Manual,
    /// An item red for longer than the county allows.
    LongRed,
    /// A problem of the 弄虚作假 category.
    Falsification,
    /// Standing 差评 on one unit in a quarter.
    BadRatings,
    /// 推诿 repeated by one cadre in a quarter.
    BuckPassing,
}

impl Cause {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "MANUAL",
            Self::LongRed => "LONG_RED",
            Self::Falsification => "FALSIFICATION",
            Self::BadRatings => "BAD_RATINGS",
            Self::BuckPassing => "BUCK_PASSING",
        }
    }
}

/// Where a referral stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Sent, awaiting 签收.
    Referred,
    /// Signed for, awaiting a disposition.
    Received,
    /// Being handled under its disposition.
    Disposed,
    /// Finished (办结).
    Concluded,
}

impl Stage {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Referred => "REFERRED",
            Self::Received => "RECEIVED",
            Self::Disposed => "DISPOSED",
            Self::Concluded => "CONCLUDED",
        }
    }

    /// From a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Referred,
            Self::Received,
            Self::Disposed,
            Self::Concluded,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The four ways the commission's clue rules dispose of a clue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// 谈话函询.
    TalkOrLetter,
    /// 初步核实.
    PreliminaryCheck,
    /// 暂存待查.
    Shelved,
    /// 予以了结.
    Closed,
}

impl Disposition {
    /// All four, in the rules' order.
    pub const ALL: [Self; 4] = [
        Self::TalkOrLetter,
        Self::PreliminaryCheck,
        Self::Shelved,
        Self::Closed,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TalkOrLetter => "TALK_OR_LETTER",
            Self::PreliminaryCheck => "PRELIMINARY_CHECK",
            Self::Shelved => "SHELVED",
            Self::Closed => "CLOSED",
        }
    }

    /// From a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Its name in the rules.
    pub fn label(self) -> &'static str {
        match self {
            Self::TalkOrLetter => "谈话函询",
            Self::PreliminaryCheck => "初步核实",
            Self::Shelved => "暂存待查",
            Self::Closed => "予以了结",
        }
    }
}

pub use duban_api::ReferralSettings as Settings;

/// Checks a county's settings: thresholds up to 250, time limits 1–250 working days.
pub fn check_settings(s: &Settings) -> Result<(), Refusal> {
    let limits = [
        ("receiptDays", s.receipt_days),
        ("talkDays", s.talk_days),
        ("checkDays", s.check_days),
        ("shelvedDays", s.shelved_days),
        ("closingDays", s.closing_days),
    ];
    if let Some((f, _)) = limits.iter().find(|(_, d)| !(1..=250).contains(d)) {
        return Err(refuse(f, "时限须为 1 至 250 个工作日"));
    }
    let thresholds = [
        ("redDays", s.red_days),
        ("badRatingsPerQuarter", s.bad_ratings_per_quarter),
        ("buckPassingPerQuarter", s.buck_passing_per_quarter),
    ];
    if let Some((f, _)) = thresholds.iter().find(|(_, d)| *d > 250) {
        return Err(refuse(f, "移送条件不超过 250（0 表示不按此条移送）"));
    }
    if s.falsification_category.chars().count() > 20 {
        return Err(refuse(
            "falsificationCategory",
            "问题类别不超过20字（留空表示不按此条移送）",
        ));
    }
    Ok(())
}

/// The time limit of a disposition.
pub fn days_of(s: &Settings, d: Disposition) -> u32 {
    match d {
        Disposition::TalkOrLetter => s.talk_days,
        Disposition::PreliminaryCheck => s.check_days,
        Disposition::Shelved => s.shelved_days,
        Disposition::Closed => s.closing_days,
    }
}

/// Whether an item red since `since` is to be referred on `today`: red for more than
/// `red_days` working days.
pub fn long_red(s: &Settings, since: NaiveDate, today: NaiveDate, cal: &Calendar) -> bool {
    s.red_days > 0 && cal.working_days_between(since, today) > i64::from(s.red_days)
}

/// Whether a problem of `category` is to be referred.
pub fn falsified(s: &Settings, category: &str) -> bool {
    let needle = s.falsification_category.trim();
    !needle.is_empty() && category.contains(needle)
}

/// The quarter a day falls in, as `2026Q1`: referrals by count are made once per quarter.
pub fn quarter(day: NaiveDate) -> String {
    format!("{}Q{}", day.year(), day.month0() / 3 + 1)
}

/// The first day of the quarter of `day`.
pub fn quarter_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), day.month0() / 3 * 3 + 1, 1).unwrap_or(day)
}

/// 签收: only a referral awaiting it.
pub fn may_receive(stage: Stage) -> Result<(), Refusal> {
    match stage {
        Stage::Referred => Ok(()),
        _ => Err(refuse("referralId", "该线索已签收")),
    }
}

/// A disposition: once, after 签收.
pub fn may_dispose(stage: Stage) -> Result<(), Refusal> {
    match stage {
        Stage::Received => Ok(()),
        Stage::Referred => Err(refuse("referralId", "请先签收该线索")),
        _ => Err(refuse("referralId", "该线索已有处置方式")),
    }
}

/// 办结: once, under a disposition.
pub fn may_conclude(stage: Stage) -> Result<(), Refusal> {
    match stage {
        Stage::Disposed => Ok(()),
        Stage::Concluded => Err(refuse("referralId", "该线索已办结")),
        _ => Err(refuse("referralId", "请先确定处置方式")),
    }
}

/// A note of the commission (kept from the referrer): up to 2,000 characters.
pub fn check_note(field: &'static str, note: &str) -> Result<(), Refusal> {
    if note.chars().count() > 2000 {
        return Err(refuse(field, "说明不超过2000字"));
    }
    Ok(())
}

/// Grounds of a referral by hand: 1–2,000 characters.
pub fn check_grounds(grounds: &str) -> Result<(), Refusal> {
    let n = grounds.trim().chars().count();
    if n == 0 || n > 2000 {
        return Err(refuse("grounds", "请写明移送的事实和理由（不超过2000字）"));
    }
    Ok(())
}

/// Whether a step due on `due` is late on `today`.
pub fn overdue(due: Option<NaiveDate>, today: NaiveDate) -> bool {
    due.is_some_and(|d| today > d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn red_for_more_than_ten_working_days_counts_working_days_only() {
        let s = Settings::default();
        let cal = Calendar::weekends_only();
        // Red on Monday 2 March; ten working days later is Monday 16 March.
        assert!(!long_red(&s, day(2026, 3, 2), day(2026, 3, 16), &cal));
        assert!(long_red(&s, day(2026, 3, 2), day(2026, 3, 17), &cal));
        let never = Settings {
            red_days: 0,
            ..Settings::default()
        };
        assert!(!long_red(&never, day(2026, 1, 1), day(2026, 12, 1), &cal));
    }

    #[test]
    fn ten_working_days_red_skip_the_national_holiday_and_count_its_makeup_saturday() {
        let s = Settings::default();
        let cal = Calendar::official();
        // Red on Monday 28 September 2026: 29 and 30 September, then 国庆 1–7 October off,
        // 8, 9, 10 (the 调休 Saturday), 12–16 October make ten; the 19th the eleventh.
        let red = day(2026, 9, 28);
        assert!(!long_red(&s, red, day(2026, 10, 16), &cal));
        assert!(long_red(&s, red, day(2026, 10, 19), &cal));
        // On weekends alone the tenth would have passed on the 12th.
        assert!(long_red(
            &s,
            red,
            day(2026, 10, 13),
            &Calendar::weekends_only()
        ));
        assert!(!long_red(&s, red, day(2026, 10, 13), &cal));
    }

    #[test]
    fn the_steps_go_in_order_once_each() {
        assert!(may_receive(Stage::Referred).is_ok());
        assert!(may_receive(Stage::Received).is_err());
        assert!(may_dispose(Stage::Referred).is_err());
        assert!(may_dispose(Stage::Received).is_ok());
        assert!(may_dispose(Stage::Disposed).is_err());
        assert!(may_conclude(Stage::Received).is_err());
        assert!(may_conclude(Stage::Disposed).is_ok());
        assert!(may_conclude(Stage::Concluded).is_err());
    }

    #[test]
    fn quarters_and_categories() {
        assert_eq!(quarter(day(2026, 3, 31)), "2026Q1");
        assert_eq!(quarter(day(2026, 4, 1)), "2026Q2");
        assert_eq!(quarter_start(day(2026, 11, 29)), day(2026, 10, 1));
        let s = Settings::default();
        assert!(falsified(&s, "弄虚作假方面"));
        assert!(!falsified(&s, "担当作为方面"));
        let bad = Settings {
            talk_days: 0,
            ..Settings::default()
        };
        assert_eq!(check_settings(&bad).unwrap_err().field, "talkDays");
    }
}
