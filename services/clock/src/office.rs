//! Office hours on the working calendar: when a working-hours limit ends (escalation) and
//! when the next working morning begins (quiet hours).

use crate::workdays::Calendar;
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone};

/// The hours an office is open on a working day, in Shanghai time: 08:30–12:00 and
/// 14:00–17:30 by default (seven hours).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeHours {
    /// Opening and closing times, in order, not overlapping.
    pub spans: Vec<(NaiveTime, NaiveTime)>,
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self {
            spans: vec![(hm(8, 30), hm(12, 0)), (hm(14, 0), hm(17, 30))],
        }
    }
}

impl OfficeHours {
    /// The instant `hours` office hours after `from` on `cal`: hours outside the spans,
    /// on weekends and on holidays do not count. Bounded: a limit longer than a year of
    /// office hours ends a year later.
    pub fn add(
        &self,
        cal: &Calendar,
        from: DateTime<FixedOffset>,
        hours: u32,
    ) -> DateTime<FixedOffset> {
        self.add_time(cal, from, Duration::hours(i64::from(hours)))
    }

    /// As [`OfficeHours::add`], for office time of any length.
    pub fn add_time(
        &self,
        cal: &Calendar,
        from: DateTime<FixedOffset>,
        time: Duration,
    ) -> DateTime<FixedOffset> {
        let mut left = time;
        let mut end = None;
        self.walk(cal, from, |start, close| {
            let room = close - start;
            if left <= room {
                end = Some(start + left);
                return false;
            }
            left -= room;
            true
        });
        end.unwrap_or(from + Duration::days(366))
    }

    /// The office time on `cal` from `from` until `to` (none when `to` is not later).
    pub fn between(
        &self,
        cal: &Calendar,
        from: DateTime<FixedOffset>,
        to: DateTime<FixedOffset>,
    ) -> Duration {
        let mut counted = Duration::zero();
        self.walk(cal, from, |start, close| {
            if start >= to {
                return false;
            }
            counted += close.min(to) - start;
            close < to
        });
        counted
    }

    /// Calls `span` with the start and close of each stretch of office time from `from`
    /// on, in order, for up to two years, until it answers false.
    fn walk(
        &self,
        cal: &Calendar,
        from: DateTime<FixedOffset>,
        mut span: impl FnMut(DateTime<FixedOffset>, DateTime<FixedOffset>) -> bool,
    ) {
        let tz = crate::shanghai();
        let mut at = from.with_timezone(&tz);
        for _ in 0..(366 * 2) {
            let day = at.date_naive();
            if cal.is_workday(day) {
                for (open, close) in &self.spans {
                    let (Some(o), Some(c)) = (
                        tz.from_local_datetime(&day.and_time(*open)).single(),
                        tz.from_local_datetime(&day.and_time(*close)).single(),
                    ) else {
                        continue;
                    };
                    if at >= c {
                        continue;
                    }
                    if !span(at.max(o), c) {
                        return;
                    }
                    at = c;
                }
            }
            let Some(next) = day
                .succ_opt()
                .and_then(|d| tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).single())
            else {
                return;
            };
            at = next;
        }
    }

    /// Whether `at` falls outside office life: before the first opening or from 20:00
    /// on (the default quiet hours `quiet`), or on a day that is not a working day.
    pub fn is_quiet(&self, cal: &Calendar, at: DateTime<FixedOffset>, quiet: &QuietHours) -> bool {
        let local = at.with_timezone(&crate::shanghai());
        if !cal.is_workday(local.date_naive()) {
            return true;
        }
        let t = local.time();
        t >= quiet.from || t < quiet.until
    }

    /// The next working morning at `quiet.until` from `at` (today's, if it is still
    /// ahead and today is a working day).
    pub fn next_morning(
        &self,
        cal: &Calendar,
        at: DateTime<FixedOffset>,
        quiet: &QuietHours,
    ) -> DateTime<FixedOffset> {
        let tz = crate::shanghai();
        let local = at.with_timezone(&tz);
        let mut day = local.date_naive();
        if local.time() >= quiet.until || !cal.is_workday(day) {
            day = day.succ_opt().unwrap_or(day);
        }
        for _ in 0..366 {
            if cal.is_workday(day) {
                break;
            }
            day = day.succ_opt().unwrap_or(day);
        }
        tz.from_local_datetime(&day.and_time(quiet.until))
            .single()
            .unwrap_or(at)
    }
}

/// Quiet hours on working days: pushes that can wait are held from `from` until `until`
/// of the next working day (20:00–08:00 by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuietHours {
    /// Quiet from this time of the evening.
    pub from: NaiveTime,
    /// Until this time of the morning.
    pub until: NaiveTime,
}

impl Default for QuietHours {
    fn default() -> Self {
        Self {
            from: hm(20, 0),
            until: hm(8, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
        crate::shanghai()
            .from_local_datetime(
                &NaiveDate::from_ymd_opt(y, m, d)
                    .and_then(|d| d.and_hms_opt(h, min, 0))
                    .unwrap_or_default(),
            )
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn four_office_hours_skip_lunch_the_evening_and_the_weekend() {
        let (cal, hours) = (Calendar::official(), OfficeHours::default());
        // Monday 2026-11-30 10:00 → 12:00 (2h), 14:00 → 16:00.
        assert_eq!(
            hours.add(&cal, at(2026, 11, 30, 10, 0), 4),
            at(2026, 11, 30, 16, 0)
        );
        // Friday 16:30: one hour that day, then Monday 08:30 + 3h = 11:30.
        assert_eq!(
            hours.add(&cal, at(2026, 12, 4, 16, 30), 4),
            at(2026, 12, 7, 11, 30)
        );
        // Saturday evening counts from Monday's opening.
        assert_eq!(
            hours.add(&cal, at(2026, 12, 5, 21, 0), 4),
            at(2026, 12, 7, 14, 30)
        );
        // Before opening counts from opening.
        assert_eq!(
            hours.add(&cal, at(2026, 11, 30, 6, 0), 1),
            at(2026, 11, 30, 9, 30)
        );
    }

    #[test]
    fn office_time_between_two_instants_is_what_adding_it_gives_back() {
        let (cal, hours) = (Calendar::official(), OfficeHours::default());
        // Friday 16:30 → Monday 11:30: one hour on Friday, three on Monday.
        let (from, to) = (at(2026, 12, 4, 16, 30), at(2026, 12, 7, 11, 30));
        assert_eq!(hours.between(&cal, from, to), Duration::hours(4));
        // Inside lunch, and the wrong way round.
        let lunch = hours.between(&cal, at(2026, 11, 30, 12, 10), at(2026, 11, 30, 13, 50));
        assert_eq!(lunch, Duration::zero());
        assert_eq!(hours.between(&cal, to, from), Duration::zero());
        // Monday 16:00 + 4 h is Tuesday 11:00; less one office minute, 10:59.
        let monday = at(2026, 11, 30, 16, 0);
        let left = Duration::hours(4) - Duration::minutes(1);
        assert_eq!(hours.add_time(&cal, monday, left), at(2026, 12, 1, 10, 59));
        for minutes in [1, 89, 90, 91, 7 * 60, 3 * 7 * 60 + 5] {
            let time = Duration::minutes(minutes);
            let end = hours.add_time(&cal, monday, time);
            assert_eq!(hours.between(&cal, monday, end), time, "{minutes} min");
        }
    }

    #[test]
    fn office_hours_skip_the_national_day_and_count_the_makeup_saturday() {
        let (cal, hours) = (Calendar::official(), OfficeHours::default());
        // 2026-09-30 (Wed) 17:00: half an hour, then 国庆 1–7 Oct; 8 Oct is a working day.
        assert_eq!(
            hours.add(&cal, at(2026, 9, 30, 17, 0), 4),
            at(2026, 10, 8, 12, 0)
        );
        // Friday 9 Oct 17:00 → the makeup Saturday 10 Oct counts.
        assert_eq!(
            hours.add(&cal, at(2026, 10, 9, 17, 0), 1),
            at(2026, 10, 10, 9, 0)
        );
    }

    #[test]
    fn quiet_hours_hold_until_the_next_working_morning() {
        let (cal, hours, quiet) = (
            Calendar::official(),
            OfficeHours::default(),
            QuietHours::default(),
        );
        assert!(!hours.is_quiet(&cal, at(2026, 11, 30, 19, 59), &quiet));
        assert!(hours.is_quiet(&cal, at(2026, 11, 30, 20, 0), &quiet));
        assert!(hours.is_quiet(&cal, at(2026, 12, 1, 7, 59), &quiet));
        assert!(
            hours.is_quiet(&cal, at(2026, 12, 5, 11, 0), &quiet),
            "Saturday"
        );
        // Friday night → Monday 08:00; Tuesday 06:00 → the same Tuesday 08:00.
        assert_eq!(
            hours.next_morning(&cal, at(2026, 12, 4, 21, 0), &quiet),
            at(2026, 12, 7, 8, 0)
        );
        assert_eq!(
            hours.next_morning(&cal, at(2026, 12, 1, 6, 0), &quiet),
            at(2026, 12, 1, 8, 0)
        );
        // Over 国庆 to the 8th.
        assert_eq!(
            hours.next_morning(&cal, at(2026, 9, 30, 22, 0), &quiet),
            at(2026, 10, 8, 8, 0)
        );
    }
}
