//! When recurring duties (工作动态清单) fall due: the weekly 总结/计划, the mentor's
//! monthly talk, a research report every two months, a daily log on working days.

use chrono::{Datelike, Days, Months, NaiveDate};
use duban_clock::workdays::Calendar;
use duban_schema::assignments::Recurrence;

/// Checks a rule's numbers; the error names the field and says why, in Chinese.
pub fn validate(r: &Recurrence) -> Result<(), (&'static str, &'static str)> {
    match *r {
        Recurrence::Weekly { weekday } if !(1..=7).contains(&weekday) => {
            Err(("recurrence.weekday", "星期须为1（周一）至7（周日）"))
        }
        Recurrence::Monthly { day, .. } if !(1..=31).contains(&day) => {
            Err(("recurrence.day", "日期须为1至31"))
        }
        Recurrence::Monthly { every_months, .. } if !(1..=12).contains(&every_months) => {
            Err(("recurrence.everyMonths", "间隔须为1至12个月"))
        }
        _ => Ok(()),
    }
}

fn month_day(year: i32, month: u32, day: u32) -> NaiveDate {
    (1..=day)
        .rev()
        .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .unwrap_or(NaiveDate::MAX)
}

/// The first nominal day on or after `from` (before moving off rest days), counting
/// monthly intervals from `anchor`, the rule's first day.
fn nominal_on_or_after(r: &Recurrence, anchor: NaiveDate, from: NaiveDate) -> NaiveDate {
    match *r {
        Recurrence::Weekly { weekday } => {
            let ahead = (weekday + 7 - from.weekday().number_from_monday()) % 7;
            from + Days::new(ahead.into())
        }
        Recurrence::WorkingDays => from,
        Recurrence::Monthly { day, every_months } => {
            let mut k = 0u32;
            loop {
                let Some(m) = anchor
                    .with_day(1)
                    .and_then(|first| first.checked_add_months(Months::new(k * every_months)))
                else {
                    return NaiveDate::MAX;
                };
                let d = month_day(m.year(), m.month(), day);
                if d >= from && d >= anchor {
                    return d;
                }
                k += 1;
            }
        }
    }
}

/// The first day on or after `from` the rule falls due. With `working_days_only`, a
/// nominal day on a rest day moves to the next working day; [`Recurrence::WorkingDays`]
/// always skips rest days.
pub fn next_due(
    r: &Recurrence,
    anchor: NaiveDate,
    from: NaiveDate,
    working_days_only: bool,
    cal: &Calendar,
) -> NaiveDate {
    let mut from = from.max(anchor);
    loop {
        let nominal = nominal_on_or_after(r, anchor, from);
        let moved = if working_days_only || matches!(r, Recurrence::WorkingDays) {
            let mut d = nominal;
            while !cal.is_workday(d) {
                d = d + Days::new(1);
            }
            d
        } else {
            nominal
        };
        if matches!(r, Recurrence::WorkingDays) || moved >= from {
            return moved;
        }
        from = nominal + Days::new(1);
    }
}

/// The day after `due` from which to look for the next one: the nominal day that produced
/// `due` is not looked at again even when it was moved forward past a holiday.
pub fn after(due: NaiveDate) -> NaiveDate {
    due + Days::new(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_friday_summary_moves_off_the_national_day_holiday() {
        let cal = Calendar::official();
        let r = Recurrence::Weekly { weekday: 5 };
        // Fri 2026-09-25 is 中秋节 (to Sun 09-27): the summary is due Mon 09-28. Fri 10-02
        // is in the National Day holiday (to 10-07): due Thu 10-08.
        assert_eq!(
            next_due(&r, d(2026, 9, 1), d(2026, 9, 14), true, &cal),
            d(2026, 9, 18)
        );
        assert_eq!(
            next_due(&r, d(2026, 9, 1), d(2026, 9, 21), true, &cal),
            d(2026, 9, 28)
        );
        assert_eq!(
            next_due(&r, d(2026, 9, 1), after(d(2026, 9, 28)), true, &cal),
            d(2026, 10, 8)
        );
        // Without the working-day rule it stays on the holiday.
        assert_eq!(
            next_due(&r, d(2026, 9, 1), d(2026, 9, 26), false, &cal),
            d(2026, 10, 2)
        );
        // The following Friday is not skipped.
        assert_eq!(
            next_due(&r, d(2026, 9, 1), after(d(2026, 10, 8)), true, &cal),
            d(2026, 10, 9)
        );
    }

    #[test]
    fn every_two_months_counts_from_the_first_day_and_clamps_to_the_month_end() {
        let cal = Calendar::weekends_only();
        let r = Recurrence::Monthly {
            day: 31,
            every_months: 2,
        };
        let anchor = d(2026, 1, 1);
        assert_eq!(next_due(&r, anchor, anchor, false, &cal), d(2026, 1, 31));
        assert_eq!(
            next_due(&r, anchor, d(2026, 2, 1), false, &cal),
            d(2026, 3, 31)
        );
        assert_eq!(
            next_due(&r, anchor, d(2026, 4, 1), false, &cal),
            d(2026, 5, 31)
        );
        // April is never due in a two-monthly rule begun in January.
        let monthly = Recurrence::Monthly {
            day: 30,
            every_months: 1,
        };
        assert_eq!(
            next_due(&monthly, anchor, d(2026, 2, 1), false, &cal),
            d(2026, 2, 28)
        );
    }

    #[test]
    fn working_days_skip_the_spring_festival_and_keep_the_makeup_saturday() {
        let cal = Calendar::official();
        // 2026 Spring Festival: 02-15 to 02-23 off; Sat 02-14 and Sat 02-28 worked.
        assert_eq!(
            next_due(
                &Recurrence::WorkingDays,
                d(2026, 2, 1),
                d(2026, 2, 14),
                true,
                &cal
            ),
            d(2026, 2, 14)
        );
        assert_eq!(
            next_due(
                &Recurrence::WorkingDays,
                d(2026, 2, 1),
                d(2026, 2, 15),
                true,
                &cal
            ),
            d(2026, 2, 24)
        );
    }

    #[test]
    fn bad_numbers_name_their_field() {
        assert_eq!(
            validate(&Recurrence::Weekly { weekday: 0 }).unwrap_err().0,
            "recurrence.weekday"
        );
        assert_eq!(
            validate(&Recurrence::Monthly {
                day: 1,
                every_months: 0
            })
            .unwrap_err()
            .0,
            "recurrence.everyMonths"
        );
        assert!(validate(&Recurrence::Monthly {
            day: 15,
            every_months: 2
        })
        .is_ok());
    }
}
