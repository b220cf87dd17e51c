//! Working days (工作日). Until the official holiday schedule (owned by the assignments
//! service and announced by events) lands, only weekends are rest days.

use chrono::{Datelike, NaiveDate, Weekday};

/// Whether `day` is a working day.
pub fn is_workday(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`th working day after `from` (`from` itself not counted); `from` when `n` is 0.
pub fn add_working_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if is_workday(day) {
            left -= 1;
        }
    }
    day
}

/// Working days strictly after `from` up to and including `to`; negative when `to` is earlier.
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    if to < from {
        return -working_days_between(to, from);
    }
    let mut count = 0;
    let mut day = from;
    while day < to {
        day = day.succ_opt().unwrap_or(to);
        if is_workday(day) {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn five_working_days_from_a_tuesday_skip_the_weekend() {
        // 2026-03-10 is a Tuesday.
        assert_eq!(add_working_days(d(2026, 3, 10), 5), d(2026, 3, 17));
    }

    #[test]
    fn one_working_day_from_a_friday_is_the_monday() {
        assert_eq!(add_working_days(d(2026, 3, 13), 1), d(2026, 3, 16));
        assert_eq!(add_working_days(d(2026, 3, 14), 1), d(2026, 3, 16));
    }

    #[test]
    fn counting_between_two_days_agrees_with_adding() {
        let from = d(2026, 3, 10);
        for n in 0..30 {
            let to = add_working_days(from, n);
            assert_eq!(working_days_between(from, to), n as i64);
            assert_eq!(working_days_between(to, from), -(n as i64));
        }
    }
}
