//! What a weekly bulletin states, from the boards' figures: when it is due, each unit's
//! line, the ranking with its movement, and who is commended or criticised by rule. Pure.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime};
use duban_api::{BulletinData, BulletinItem, BulletinRow, DueByUnit, Figures};
use duban_clock::workdays::Calendar;

/// Bulletins go out at 08:30 of the week's first working day.
pub const PUBLISH_AT: (u32, u32) = (8, 30);

/// The first working day of the week beginning `monday`, if it has one.
fn first_workday(cal: &Calendar, monday: NaiveDate) -> Option<NaiveDate> {
    (0..7)
        .map(|i| monday + chrono::Duration::days(i))
        .find(|d| cal.is_workday(*d))
}

/// The Mondays of the weeks to report on when bulletins are due at `now`: last week's,
/// from 08:30 of this week's first working day on (Monday, or the first one after a
/// holiday), and before it each week whose following week had no working day at all
/// (春节), whose bulletin had no day to go out on; none before 08:30 of that first day,
/// or in a week with no working day.
pub fn due_weeks(cal: &Calendar, now: DateTime<FixedOffset>) -> Vec<NaiveDate> {
    let today = now.date_naive();
    let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let Some(first) = first_workday(cal, monday) else {
        return Vec::new();
    };
    let opens = NaiveTime::from_hms_opt(PUBLISH_AT.0, PUBLISH_AT.1, 0).unwrap_or_default();
    if today < first || (today == first && now.time() < opens) {
        return Vec::new();
    }
    let mut weeks = vec![monday - chrono::Duration::days(7)];
    while let Some(&last) = weeks.last() {
        if weeks.len() >= 4 || first_workday(cal, last).is_some() {
            break;
        }
        weeks.push(last - chrono::Duration::days(7));
    }
    weeks
}

/// A unit with its figures for the bulletin: last week's (what accumulated over it, what
/// stood at its end), and the cumulative ones at its end and a week before.
#[derive(Clone, Debug)]
pub struct UnitFigures {
    /// Unit id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Last week's assignments figures.
    pub week: Figures,
    /// Last week's ledger problems figures.
    pub week_problems: Figures,
    /// Cumulative assignments figures at the end of last week.
    pub now: Figures,
    /// The same a week before.
    pub before: Figures,
}

fn rate(f: &Figures) -> Option<f64> {
    let done = f.done_on_time + f.done_late;
    (done > 0).then(|| f.done_on_time as f64 / done as f64)
}

fn row(u: &UnitFigures) -> BulletinRow {
    BulletinRow {
        unit_id: u.id.clone(),
        unit_name: u.name.clone(),
        issued: u.week.issued,
        done: u.week.done_on_time + u.week.done_late,
        done_on_time: u.week.done_on_time,
        overdue: u.week.overdue,
        red: u.week.red,
        yellow: u.week.yellow,
        problems_closed: u.week_problems.closed,
        on_time_rate: rate(&u.now),
        rank: None,
        last_rank: None,
    }
}

/// Lists of items named in the bulletin, capped, with their totals.
#[derive(Clone, Debug, Default)]
pub struct Lists {
    /// Red cards standing.
    pub red: Vec<BulletinItem>,
    /// All of them.
    pub red_total: i64,
    /// Yellow cards standing.
    pub yellow: Vec<BulletinItem>,
    /// All of them.
    pub yellow_total: i64,
    /// Due this week and next.
    pub due: Vec<BulletinItem>,
    /// All of them.
    pub due_total: i64,
    /// By unit.
    pub due_by_unit: Vec<DueByUnit>,
}

/// Whose bulletin, for which week, issued when, and how ties rank.
#[derive(Clone, Debug)]
pub struct Heading<'a> {
    /// The unit it is about: id, name, path.
    pub scope: (&'a str, &'a str, &'a str),
    /// Who issues it (the county).
    pub issuer_name: &'a str,
    /// Last week's Monday.
    pub week_start: NaiveDate,
    /// The day it goes out.
    pub issued_on: NaiveDate,
    /// Whether a tie takes one place (中国式排名).
    pub dense: bool,
}

/// Everything one bulletin states. Units rank by the cumulative 按时办结率 as the board
/// does (one with nothing done yet last), ties as the county ranks them.
pub fn compose(
    h: &Heading<'_>,
    total: &UnitFigures,
    children: &[UnitFigures],
    lists: Lists,
) -> BulletinData {
    let (scope_unit_id, scope_name, scope_path) = h.scope;
    let (issuer_name, week_start, issued_on, dense) =
        (h.issuer_name, h.week_start, h.issued_on, h.dense);
    let value = |f: &Figures| rate(f).unwrap_or(-1.0);
    let now: Vec<f64> = children.iter().map(|c| value(&c.now)).collect();
    let before: Vec<f64> = children.iter().map(|c| value(&c.before)).collect();
    let (ranked, last) = (
        duban_api::ranks(&now, true, dense),
        duban_api::ranks(&before, true, dense),
    );
    let mut rows: Vec<BulletinRow> = children
        .iter()
        .enumerate()
        .map(|(i, c)| BulletinRow {
            rank: Some(ranked[i]),
            last_rank: Some(last[i]),
            ..row(c)
        })
        .collect();
    rows.sort_by(|a, b| (a.rank, &a.unit_name).cmp(&(b.rank, &b.unit_name)));
    let commended = rows
        .iter()
        .filter(|r| r.on_time_rate == Some(1.0) && r.red == 0)
        .map(|r| r.unit_name.clone())
        .collect();
    let criticised = rows
        .iter()
        .filter(|r| r.red > 0)
        .map(|r| format!("{}（红牌{}项）", r.unit_name, r.red))
        .collect();
    BulletinData {
        scope_unit_id: scope_unit_id.to_string(),
        scope_name: scope_name.to_string(),
        scope_path: scope_path.to_string(),
        issuer_name: issuer_name.to_string(),
        number: format!(
            "督通〔{}〕{}号",
            issued_on.year(),
            issued_on.iso_week().week()
        ),
        week_start,
        week_end: week_start + chrono::Duration::days(6),
        issued_on,
        total: row(total),
        rows,
        red: lists.red,
        red_total: lists.red_total,
        yellow: lists.yellow,
        yellow_total: lists.yellow_total,
        due_by_unit: lists.due_by_unit,
        due: lists.due,
        due_total: lists.due_total,
        commended,
        criticised,
        ranking_note: duban_api::ranking_note(dense).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
        duban_clock::shanghai()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap_or_default()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn bulletins_are_due_at_half_past_eight_of_the_first_working_day() {
        let cal = Calendar::official();
        let none: [NaiveDate; 0] = [];
        assert_eq!(due_weeks(&cal, at(2026, 11, 30, 8, 29)), none);
        assert_eq!(
            due_weeks(&cal, at(2026, 11, 30, 8, 30)),
            [day(2026, 11, 23)]
        );
        assert_eq!(due_weeks(&cal, at(2026, 12, 2, 7, 0)), [day(2026, 11, 23)]);
        // 国庆: Monday 5 October is a holiday; the first working day is Thursday the 8th.
        assert_eq!(due_weeks(&cal, at(2026, 10, 5, 9, 0)), none);
        assert_eq!(due_weeks(&cal, at(2026, 10, 8, 8, 29)), none);
        assert_eq!(due_weeks(&cal, at(2026, 10, 8, 8, 30)), [day(2026, 9, 28)]);
    }

    #[test]
    fn a_week_of_the_spring_festival_without_a_working_day_passes_its_bulletin_on() {
        let cal = Calendar::official();
        let none: [NaiveDate; 0] = [];
        // 16–22 February 2026 has no working day: the bulletin of 9–15 February waits
        // with that of 16–22 for Tuesday the 24th (the 23rd is still 春节).
        assert_eq!(due_weeks(&cal, at(2026, 2, 18, 9, 0)), none);
        assert_eq!(due_weeks(&cal, at(2026, 2, 23, 9, 0)), none);
        assert_eq!(
            due_weeks(&cal, at(2026, 2, 24, 8, 30)),
            [day(2026, 2, 16), day(2026, 2, 9)]
        );
        assert_eq!(due_weeks(&cal, at(2026, 3, 2, 9, 0)), [day(2026, 2, 23)]);
    }

    fn unit(name: &str, now: (i64, i64), before: (i64, i64), red: i64) -> UnitFigures {
        let f = |on_time, late| Figures {
            done_on_time: on_time,
            done_late: late,
            ..Figures::default()
        };
        UnitFigures {
            id: name.into(),
            name: name.into(),
            week: Figures { red, ..f(1, 0) },
            week_problems: Figures::default(),
            now: f(now.0, now.1),
            before: f(before.0, before.1),
        }
    }

    #[test]
    fn units_rank_by_the_cumulative_rate_with_movement_and_the_rules_name_who() {
        let children = [
            unit("甲镇", (4, 0), (1, 1), 0),
            unit("乙镇", (3, 1), (3, 1), 0),
            unit("丙乡", (1, 3), (3, 0), 2),
        ];
        let heading = Heading {
            scope: ("c", "某县", "/c"),
            issuer_name: "某县",
            week_start: day(2026, 11, 23),
            issued_on: day(2026, 11, 30),
            dense: false,
        };
        let total = unit("某县", (8, 4), (7, 2), 2);
        let d = compose(&heading, &total, &children, Lists::default());
        let order: Vec<(&str, Option<i32>, Option<i32>)> = d
            .rows
            .iter()
            .map(|r| (r.unit_name.as_str(), r.rank, r.last_rank))
            .collect();
        // Now 甲 100%, 乙 75%, 丙 25%; a week before 丙 100%, 乙 75%, 甲 50%.
        assert_eq!(
            order,
            [
                ("甲镇", Some(1), Some(3)),
                ("乙镇", Some(2), Some(2)),
                ("丙乡", Some(3), Some(1))
            ]
        );
        assert_eq!(d.commended, ["甲镇"]);
        assert_eq!(d.criticised, ["丙乡（红牌2项）"]);
        assert_eq!(d.number, "督通〔2026〕49号");
        assert_eq!(d.week_end, day(2026, 11, 29));
    }
}
