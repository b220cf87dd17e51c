//! When recurring duties (工作动态清单) fall due: the weekly 总结/计划, the mentor's
//! monthly talk, a research report every two months, a daily log on working days.

use super::assignment::{shortened, validate_brief, DomainError};
use chrono::{Datelike, Days, Months, NaiveDate};
use duban_api::CreateDutyRuleInput;
use duban_clock::workdays::Calendar;
use duban_schema::assignments::{AssignmentBrief, AssignmentSource, DutyRuleSnapshot, Recurrence};

/// A duty rule as its rules see it: the snapshot events carry, its unit's path and the
/// next day it falls due.
#[derive(Clone, Debug, PartialEq)]
pub struct DutyRule {
    /// What events carry.
    pub snapshot: DutyRuleSnapshot,
    /// Its unit's path, for scoping.
    pub unit_path: String,
    /// The next day it falls due.
    pub next_on: NaiveDate,
}

/// What a new rule needs besides its input: its id, its unit (checked by the store), who
/// makes it, the day and the calendar.
pub struct Facts<'a> {
    /// The new rule's id.
    pub id: String,
    /// Its unit's path.
    pub unit_path: &'a str,
    /// Who makes it.
    pub by: &'a str,
    /// Today.
    pub today: NaiveDate,
    /// The working calendar.
    pub calendar: &'a Calendar,
}

/// A new rule: a title and text that fit the items it issues, sound numbers, a time limit of 0 (the same day) to 30 working
/// days, a first day from today on within the input range; it first falls due then.
pub fn create(input: &CreateDutyRuleInput, f: &Facts) -> Result<DutyRule, DomainError> {
    let invalid = |field, message: &str| DomainError::Invalid {
        field,
        message: message.to_string(),
    };
    if input.title.trim().is_empty() {
        return Err(invalid("title", "请填写事项标题"));
    }
    // Each item it issues must pass the issue rule: its title with the day, its text.
    let title = input.title.trim();
    let dated = format!("{title}{}", day_suffix(f.today));
    let added = dated.chars().count() - title.chars().count();
    let brief = AssignmentBrief::new(
        dated,
        input.description.trim(),
        AssignmentSource::RecurringDuty,
    );
    validate_brief(&brief).map_err(|e| match e {
        DomainError::Invalid { field: "title", .. } => DomainError::Invalid {
            field: "title",
            message: format!(
                "标题不能超过{}字（下达时标题后附日期）",
                AssignmentBrief::TITLE_MAX_CHARS - added
            ),
        },
        e => e,
    })?;
    validate(&input.recurrence).map_err(|(field, message)| invalid(field, message))?;
    if !(0..=30).contains(&input.time_limit_days) {
        return Err(invalid(
            "timeLimitDays",
            "办理时限须为0（当日）至30个工作日",
        ));
    }
    let starts_on = input.starts_on.unwrap_or(f.today).max(f.today);
    if !duban_clock::workdays::within_input_range(starts_on, f.today) {
        return Err(DomainError::Invalid {
            field: "startsOn",
            message: format!(
                "日期须在今天前后{}年以内",
                duban_clock::workdays::INPUT_YEARS
            ),
        });
    }
    let next_on = next_due(
        &input.recurrence,
        starts_on,
        starts_on,
        input.working_days_only,
        f.calendar,
    );
    Ok(DutyRule {
        snapshot: DutyRuleSnapshot {
            id: f.id.clone(),
            title: input.title.trim().to_string(),
            description: input.description.trim().to_string(),
            recurrence: input.recurrence,
            unit_id: input.unit_id.clone(),
            person_id: input.person_id.clone(),
            time_limit_days: input.time_limit_days,
            working_days_only: input.working_days_only,
            starts_on,
            created_by: f.by.to_string(),
        },
        unit_path: f.unit_path.to_string(),
        next_on,
    })
}

/// The day an item of a rule carries after its title, e.g. `（2026-09-28）`.
fn day_suffix(day: NaiveDate) -> String {
    format!("（{}）", day.format("%Y-%m-%d"))
}

/// The title of the item a rule issues for `day`, within a title's bound: a rule's title
/// stored before rules were bounded to leave room for the day is shortened with "…".
pub fn dated_title(title: &str, day: NaiveDate) -> String {
    let suffix = day_suffix(day);
    let room = AssignmentBrief::TITLE_MAX_CHARS - suffix.chars().count();
    format!("{}{suffix}", shortened(title, room))
}

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

    /// A rule's facts on Wednesday 11 March 2026.
    fn facts(cal: &Calendar) -> Facts<'_> {
        Facts {
            id: "r1".into(),
            unit_path: "/c/u",
            by: "p-s",
            today: d(2026, 3, 11),
            calendar: cal,
        }
    }

    /// A Monday duty of unit `u`, due the next working day.
    fn weekly(title: &str, description: &str) -> CreateDutyRuleInput {
        CreateDutyRuleInput {
            title: title.into(),
            description: description.into(),
            recurrence: Recurrence::Weekly { weekday: 1 },
            unit_id: "u".into(),
            person_id: None,
            time_limit_days: 1,
            working_days_only: true,
            starts_on: None,
        }
    }

    #[test]
    fn a_new_rule_starts_no_earlier_than_today_and_keeps_its_limit_in_range() {
        let cal = Calendar::official();
        let facts = facts(&cal);
        let mut input = weekly(" 周工作计划 ", "");
        input.starts_on = Some(d(2026, 3, 2));
        let r = create(&input, &facts).unwrap();
        assert_eq!(r.snapshot.starts_on, d(2026, 3, 11));
        assert_eq!(r.next_on, d(2026, 3, 16), "the first Monday from today on");
        assert_eq!(
            (r.snapshot.title.as_str(), r.unit_path.as_str()),
            ("周工作计划", "/c/u")
        );
        input.time_limit_days = 31;
        assert!(matches!(
            create(&input, &facts),
            Err(DomainError::Invalid {
                field: "timeLimitDays",
                ..
            })
        ));
    }

    #[test]
    fn a_rule_takes_only_a_title_and_text_that_the_items_it_issues_can_carry() {
        let cal = Calendar::official();
        let facts = facts(&cal);
        let mut input = weekly(&"周".repeat(188), &"字".repeat(5000));
        let r = create(&input, &facts).unwrap();
        let dated = dated_title(&r.snapshot.title, r.next_on);
        assert_eq!(dated.chars().count(), 200, "{dated}");
        assert!(validate_brief(&AssignmentBrief::new(
            dated,
            "",
            AssignmentSource::RecurringDuty
        ))
        .is_ok());
        input.title.push('周');
        match create(&input, &facts) {
            Err(DomainError::Invalid { field, message }) => assert_eq!(
                (field, message.as_str()),
                ("title", "标题不能超过188字（下达时标题后附日期）")
            ),
            other => panic!("{other:?}"),
        }
        input.title = "周工作计划".into();
        input.description.push('字');
        assert!(matches!(
            create(&input, &facts),
            Err(DomainError::Invalid {
                field: "description",
                ..
            })
        ));
    }

    #[test]
    fn a_title_stored_before_the_bound_is_shortened_to_leave_room_for_the_day() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 28).unwrap();
        let at_bound = "周".repeat(188);
        assert_eq!(
            dated_title(&at_bound, day),
            format!("{at_bound}（2026-09-28）")
        );
        let dated = dated_title(&"长".repeat(200), day);
        assert_eq!(
            dated.chars().count(),
            AssignmentBrief::TITLE_MAX_CHARS,
            "{dated}"
        );
        assert_eq!(dated, format!("{}…（2026-09-28）", "长".repeat(187)));
    }
}
