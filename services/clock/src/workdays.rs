//! The working calendar (工作日历): weekends, the State Council's official holiday
//! schedules (国务院办公厅关于部分节假日安排的通知) with their make-up workdays
//! (调休上班), and a county's own overrides on top. Years without an official
//! schedule here count weekends only.

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::BTreeMap;

/// What a day is, when it is not an ordinary weekday or weekend day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Special {
    /// A public holiday (放假), with its name.
    Holiday(String),
    /// A weekend day worked in exchange (调休上班), with the holiday it belongs to.
    Workday(String),
}

/// A day as (year, month, day).
type Ymd = (i32, u32, u32);

/// One official notice: holidays as inclusive ranges, make-up workdays as single days.
struct Notice {
    holidays: &'static [(&'static str, Ymd, Ymd)],
    workdays: &'static [(&'static str, Ymd)],
}

/// 国办发明电〔2024〕12号: the 2025 schedule.
const Y2025: Notice = Notice {
    holidays: &[
        ("元旦", (2025, 1, 1), (2025, 1, 1)),
        ("春节", (2025, 1, 28), (2025, 2, 4)),
        ("清明节", (2025, 4, 4), (2025, 4, 6)),
        ("劳动节", (2025, 5, 1), (2025, 5, 5)),
        ("端午节", (2025, 5, 31), (2025, 6, 2)),
        ("国庆节、中秋节", (2025, 10, 1), (2025, 10, 8)),
    ],
    workdays: &[
        ("春节", (2025, 1, 26)),
        ("春节", (2025, 2, 8)),
        ("劳动节", (2025, 4, 27)),
        ("国庆节、中秋节", (2025, 9, 28)),
        ("国庆节、中秋节", (2025, 10, 11)),
    ],
};

/// 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): the 2026 schedule.
const Y2026: Notice = Notice {
    holidays: &[
        ("元旦", (2026, 1, 1), (2026, 1, 3)),
        ("春节", (2026, 2, 15), (2026, 2, 23)),
        ("清明节", (2026, 4, 4), (2026, 4, 6)),
        ("劳动节", (2026, 5, 1), (2026, 5, 5)),
        ("端午节", (2026, 6, 19), (2026, 6, 21)),
        ("中秋节", (2026, 9, 25), (2026, 9, 27)),
        ("国庆节", (2026, 10, 1), (2026, 10, 7)),
    ],
    workdays: &[
        ("元旦", (2026, 1, 4)),
        ("春节", (2026, 2, 14)),
        ("春节", (2026, 2, 28)),
        ("劳动节", (2026, 5, 9)),
        ("国庆节", (2026, 9, 20)),
        ("国庆节", (2026, 10, 10)),
    ],
};

/// Years with an official schedule in [`Calendar::official`].
pub const OFFICIAL_YEARS: [i32; 2] = [2025, 2026];

fn day((y, m, d): Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A working calendar: which days are working days, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    special: BTreeMap<NaiveDate, Special>,
}

impl Calendar {
    /// Weekends only.
    pub fn weekends_only() -> Self {
        Self::default()
    }

    /// The official schedules of [`OFFICIAL_YEARS`].
    pub fn official() -> Self {
        let mut c = Self::default();
        for notice in [Y2025, Y2026] {
            for (name, from, to) in notice.holidays {
                for d in day(*from).iter_days().take_while(|d| *d <= day(*to)) {
                    c.special.insert(d, Special::Holiday((*name).to_string()));
                }
            }
            for (name, d) in notice.workdays {
                c.special
                    .insert(day(*d), Special::Workday((*name).to_string()));
            }
        }
        c
    }

    /// Overrides one day (a county's own decision); `None` restores the ordinary rule.
    pub fn set(&mut self, date: NaiveDate, special: Option<Special>) {
        match special {
            Some(s) => {
                self.special.insert(date, s);
            }
            None => {
                self.special.remove(&date);
            }
        }
    }

    /// What is special about `date`, if anything.
    pub fn special(&self, date: NaiveDate) -> Option<&Special> {
        self.special.get(&date)
    }

    /// Whether `date` is a working day.
    pub fn is_workday(&self, date: NaiveDate) -> bool {
        match self.special.get(&date) {
            Some(Special::Holiday(_)) => false,
            Some(Special::Workday(_)) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The holiday's name when `date` is a holiday.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        match self.special.get(&date) {
            Some(Special::Holiday(name)) => Some(name),
            _ => None,
        }
    }

    /// The `n`th working day after `from` (`from` itself not counted); `from` when `n` is 0.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_workday(d) {
                left -= 1;
            }
        }
        d
    }

    /// The first day from which `due` is at most `n` working days away (counted as
    /// [`Calendar::working_days_between`]): the day a "due in n working days" reminder fires.
    pub fn working_days_before(&self, due: NaiveDate, n: u32) -> NaiveDate {
        let mut d = due;
        while let Some(p) = d.pred_opt() {
            if self.working_days_between(p, due) > i64::from(n) {
                break;
            }
            d = p;
        }
        d
    }

    /// Working days strictly after `from` up to and including `to`; negative when `to` is
    /// earlier. Its cost does not grow with the distance: weekdays are counted by arithmetic,
    /// then each special day in between corrects the count.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut count = weekdays_through(to) - weekdays_through(from);
        if let Some(first) = from.succ_opt().filter(|f| *f <= to) {
            for (day, special) in self.special.range(first..=to) {
                let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
                match special {
                    Special::Holiday(_) if !weekend => count -= 1,
                    Special::Workday(_) if weekend => count += 1,
                    _ => {}
                }
            }
        }
        count
    }

    /// Every day of `year`.
    pub fn year(&self, year: i32) -> Vec<NaiveDate> {
        let mut out = Vec::with_capacity(366);
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        while d.year() == year {
            out.push(d);
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        out
    }
}

/// Monday-to-Friday days from a fixed Monday up to and including `day` (any day counts
/// the same way, so differences are exact).
fn weekdays_through(day: NaiveDate) -> i64 {
    // 0001-01-01 was a Monday in the proleptic Gregorian calendar chrono uses.
    let n = i64::from(day.num_days_from_ce()) - 1;
    let (weeks, rest) = (n.div_euclid(7), n.rem_euclid(7));
    weeks * 5 + rest.min(4) + 1
}

/// How far from today a date given as input may lie, in years either way.
pub const INPUT_YEARS: i32 = 5;

/// Whether `date` lies within [`INPUT_YEARS`] of `today`: the bound on every date a
/// command accepts, so no date's distance can make work grow.
pub fn within_input_range(date: NaiveDate, today: NaiveDate) -> bool {
    let shift = |years: i32| {
        today
            .with_year(today.year() + years)
            .or_else(|| today.pred_opt().and_then(|d| d.with_year(d.year() + years)))
            .unwrap_or(today)
    };
    (shift(-INPUT_YEARS)..=shift(INPUT_YEARS)).contains(&date)
}

/// Whether `day` is a working day on the weekends-only calendar.
pub fn is_workday(day: NaiveDate) -> bool {
    Calendar::weekends_only().is_workday(day)
}

/// [`Calendar::add_working_days`] on the weekends-only calendar.
pub fn add_working_days(from: NaiveDate, n: u32) -> NaiveDate {
    Calendar::weekends_only().add_working_days(from, n)
}

/// [`Calendar::working_days_between`] on the weekends-only calendar.
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    Calendar::weekends_only().working_days_between(from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn five_working_days_from_a_tuesday_skip_the_weekend() {
        assert_eq!(add_working_days(d(2026, 3, 10), 5), d(2026, 3, 17));
        assert_eq!(add_working_days(d(2026, 3, 13), 1), d(2026, 3, 16));
    }

    #[test]
    fn the_2025_spring_festival_and_its_make_up_sundays_count_as_the_notice_says() {
        let c = Calendar::official();
        // Fri 24 Jan + 1 working day is Sun 26 Jan, worked in exchange (调休上班).
        assert_eq!(c.add_working_days(d(2025, 1, 24), 1), d(2025, 1, 26));
        // Mon 27 Jan + 1: 28 Jan–4 Feb are the holiday, so Wed 5 Feb.
        assert_eq!(c.add_working_days(d(2025, 1, 27), 1), d(2025, 2, 5));
        assert_eq!(c.holiday(d(2025, 1, 28)), Some("春节"));
        assert!(c.is_workday(d(2025, 2, 8)), "Saturday 8 Feb is worked");
    }

    #[test]
    fn the_2025_national_day_week_is_eight_days_with_two_worked_weekend_days() {
        let c = Calendar::official();
        assert_eq!(c.add_working_days(d(2025, 9, 30), 1), d(2025, 10, 9));
        assert!(c.is_workday(d(2025, 9, 28)) && c.is_workday(d(2025, 10, 11)));
        assert!((1..=8).all(|day| !c.is_workday(d(2025, 10, day))));
        assert!(c.is_workday(d(2025, 4, 27)) && !c.is_workday(d(2025, 5, 5)));
    }

    #[test]
    fn the_2026_schedule_follows_the_notice_of_4_november_2025() {
        let c = Calendar::official();
        assert!(!c.is_workday(d(2026, 1, 2)) && c.is_workday(d(2026, 1, 4)));
        // Fri 13 Feb + 1 is Sat 14 Feb (worked); + 2 jumps the nine-day Spring Festival to Tue 24 Feb.
        assert_eq!(c.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(c.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        assert_eq!(
            (15..=23)
                .filter(|day| c.holiday(d(2026, 2, *day)) == Some("春节"))
                .count(),
            9
        );
        assert!(c.is_workday(d(2026, 2, 28)) && c.is_workday(d(2026, 5, 9)));
        assert_eq!(c.holiday(d(2026, 6, 19)), Some("端午节"));
        assert_eq!(c.holiday(d(2026, 9, 25)), Some("中秋节"));
        assert_eq!(c.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8));
        assert!(c.is_workday(d(2026, 9, 20)) && c.is_workday(d(2026, 10, 10)));
        // 261 weekdays, less 19 weekday holidays, plus 6 worked weekend days.
        let days = c.year(2026);
        assert_eq!(days.len(), 365);
        assert_eq!(days.iter().filter(|x| c.is_workday(**x)).count(), 248);
        // 2025: 261 weekdays, less 18 weekday holidays, plus 5 worked weekend days.
        assert_eq!(
            c.year(2025).iter().filter(|x| c.is_workday(**x)).count(),
            248
        );
    }

    #[test]
    fn a_county_override_changes_the_count_and_can_be_undone() {
        let mut c = Calendar::official();
        assert_eq!(c.add_working_days(d(2026, 12, 1), 1), d(2026, 12, 2));
        c.set(d(2026, 12, 2), Some(Special::Holiday("县庆".into())));
        assert_eq!(c.add_working_days(d(2026, 12, 1), 1), d(2026, 12, 3));
        c.set(d(2026, 12, 2), None);
        assert_eq!(c.add_working_days(d(2026, 12, 1), 1), d(2026, 12, 2));
    }

    #[test]
    fn a_reminder_two_working_days_ahead_skips_back_over_the_weekend() {
        let c = Calendar::official();
        // Due Tue 17 Mar 2026: on Fri 13 only Mon 16 and Tue 17 remain; on Thu 12, three.
        assert_eq!(c.working_days_before(d(2026, 3, 17), 2), d(2026, 3, 13));
        assert_eq!(c.working_days_before(d(2026, 3, 17), 0), d(2026, 3, 17));
        // Due Tue 24 Feb 2026, after the nine-day Spring Festival: one working day left from Sat 14 Feb.
        assert_eq!(c.working_days_before(d(2026, 2, 24), 1), d(2026, 2, 14));
    }

    #[test]
    fn counting_by_arithmetic_agrees_with_walking_day_by_day() {
        let mut c = Calendar::official();
        c.set(d(2026, 12, 5), Some(Special::Workday("调休".into())));
        c.set(d(2026, 12, 9), Some(Special::Holiday("县庆".into())));
        let walk = |from: NaiveDate, to: NaiveDate| {
            from.iter_days()
                .skip(1)
                .take_while(|x| *x <= to)
                .filter(|x| c.is_workday(*x))
                .count() as i64
        };
        let start = d(2024, 12, 20);
        for a in (0..800).step_by(7) {
            for len in [0, 1, 2, 5, 6, 7, 13, 40, 200, 400] {
                let from = start + chrono::Duration::days(a);
                let to = from + chrono::Duration::days(len);
                assert_eq!(
                    c.working_days_between(from, to),
                    walk(from, to),
                    "{from} → {to}"
                );
                assert_eq!(c.working_days_between(to, from), -walk(from, to));
            }
        }
    }

    #[test]
    fn input_dates_lie_within_five_years_of_today() {
        let today = d(2026, 11, 29);
        assert!(within_input_range(d(2031, 11, 29), today));
        assert!(!within_input_range(d(2031, 11, 30), today));
        assert!(within_input_range(d(2021, 11, 29), today));
        assert!(!within_input_range(d(2021, 11, 28), today));
        assert!(!within_input_range(NaiveDate::MAX, today));
        assert!(within_input_range(d(2028, 2, 29), d(2028, 2, 29)));
    }

    #[test]
    fn counting_between_two_days_agrees_with_adding() {
        let c = Calendar::official();
        let from = d(2026, 1, 20);
        for n in 0..60 {
            let to = c.add_working_days(from, n);
            assert_eq!(c.working_days_between(from, to), n as i64);
        }
    }
}
