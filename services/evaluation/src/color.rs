//! The color rules, pure: 进度滞后黄牌预警、久拖不决红牌督办 (seed 003), with the thresholds
//! a county sets, and the next day on which time alone can change an item's color.

use chrono::NaiveDate;
use duban_clock::workdays::Calendar;
use duban_schema::evaluation::ColorRules;
use duban_schema::Color;

/// Where an item stands, as far as its color goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Being worked on: its time counts.
    Open,
    /// Reported done (办结, or a problem's 申请销号), awaiting verification.
    Completed,
    /// Verified and closed (销号).
    Closed,
    /// Withdrawn (撤销).
    Cancelled,
    /// Suspended (中止): its clock stands still.
    Suspended,
    /// Sent back to the issuer by a wrong lead unit (回退): not held against that unit.
    ReturnedToIssuer,
}

/// What the rules look at.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemFacts {
    /// Where it stands.
    pub stage: Stage,
    /// Day it was issued (or registered).
    pub issued_on: NaiveDate,
    /// Last day of its time limit.
    pub due_on: NaiveDate,
    /// Reported progress, 0–100; none for a problem, which reports no percentage.
    pub percent: Option<i32>,
    /// Day of the last progress report (none yet: counted from issue); none for a problem.
    pub last_report_on: Option<NaiveDate>,
    /// Times verification sent it back.
    pub returns: i32,
    /// Working days past its limit when it was reported done, if it was late.
    pub late_days: Option<i64>,
    /// Its limit's name in messages: 办结时限, or a problem's 整改时限.
    pub limit_name: &'static str,
    /// The day by which it is to be signed for, while it awaits that.
    pub awaiting_ack_until: Option<NaiveDate>,
    /// Working days its clock stood still while suspended (中止), over all suspensions.
    pub paused_days: i64,
    /// Day it was last resumed, if ever.
    pub resumed_on: Option<NaiveDate>,
}

impl ItemFacts {
    /// The day its working time counts from: the issue, moved on by the days it stood
    /// still (its limit moved by as many), so a suspension never counts as time elapsed.
    fn clock_start(&self, cal: &Calendar) -> NaiveDate {
        cal.add_working_days(self.issued_on, self.paused_days.max(0) as u32)
    }

    /// The day the quiet without a progress report counts from: the last report, else the
    /// issue, but never before the last resumption.
    fn quiet_since(&self) -> NaiveDate {
        let since = self.last_report_on.unwrap_or(self.issued_on);
        self.resumed_on.map_or(since, |r| since.max(r))
    }
}

/// The rule behind a color.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Overdue by more than the county allows.
    RedOverdue,
    /// Progress lagging by the red threshold or more.
    RedLag,
    /// Sent back by verification too often.
    RedReturns,
    /// The limit is near, or just passed within the county's grace.
    YellowDueSoon,
    /// Progress lagging by the yellow threshold or more.
    YellowLag,
    /// No progress report for too long.
    YellowStale,
    /// Reported done, closed or withdrawn.
    Finished,
    /// Suspended.
    Suspended,
    /// Sent back to the issuer.
    ReturnedToIssuer,
    /// Nothing wrong.
    OnTrack,
}

impl Rule {
    /// The rule's stable id, as events and the API carry it.
    pub fn id(self) -> &'static str {
        match self {
            Rule::RedOverdue => "RED_OVERDUE",
            Rule::RedLag => "RED_LAG",
            Rule::RedReturns => "RED_RETURNS",
            Rule::YellowDueSoon => "YELLOW_DUE_SOON",
            Rule::YellowLag => "YELLOW_LAG",
            Rule::YellowStale => "YELLOW_STALE",
            Rule::Finished => "BLUE_FINISHED",
            Rule::Suspended => "BLUE_SUSPENDED",
            Rule::ReturnedToIssuer => "BLUE_RETURNED_TO_ISSUER",
            Rule::OnTrack => "BLUE_ON_TRACK",
        }
    }
}

/// A color with the rule that fired and why, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The color.
    pub color: Color,
    /// The rule.
    pub rule: Rule,
    /// Why.
    pub reason: String,
}

fn verdict(color: Color, rule: Rule, reason: String) -> Verdict {
    Verdict {
        color,
        rule,
        reason,
    }
}

/// Working days past the limit when reported done on `done_on`, if late.
pub fn late_days(due_on: NaiveDate, done_on: NaiveDate, cal: &Calendar) -> Option<i64> {
    (done_on > due_on).then(|| cal.working_days_between(due_on, done_on).max(1))
}

/// Points by which progress lags the working time elapsed on `today`, with the time
/// elapsed in percent; none without a percentage.
fn lag(item: &ItemFacts, today: NaiveDate, cal: &Calendar) -> Option<(i64, i64)> {
    let percent = i64::from(item.percent?);
    let start = item.clock_start(cal);
    let total = cal.working_days_between(start, item.due_on).max(1);
    let elapsed = cal.working_days_between(start, today).clamp(0, total);
    let expected = elapsed * 100 / total;
    Some((expected - percent, expected))
}

/// The color of an item on `today` under `rules`. Red first (overdue beyond the county's
/// grace, lag, returns), then yellow (limit near, lag, no report), else blue.
pub fn assess(item: &ItemFacts, today: NaiveDate, rules: &ColorRules, cal: &Calendar) -> Verdict {
    let late_note = item
        .late_days
        .map(|n| format!("（办结超时{n}个工作日）"))
        .unwrap_or_default();
    match item.stage {
        Stage::Closed => return verdict(Color::Blue, Rule::Finished, format!("已销号{late_note}")),
        Stage::Cancelled => return verdict(Color::Blue, Rule::Finished, "已撤销".into()),
        Stage::Completed => {
            return verdict(
                Color::Blue,
                Rule::Finished,
                format!("已办结，待审核销号{late_note}"),
            )
        }
        Stage::Suspended => {
            return verdict(
                Color::Blue,
                Rule::Suspended,
                format!("已中止，{}暂停计算", item.limit_name),
            )
        }
        Stage::ReturnedToIssuer => {
            return verdict(
                Color::Blue,
                Rule::ReturnedToIssuer,
                "已回退交办方，待重新确定承办单位，不计入原承办单位".into(),
            )
        }
        Stage::Open => {}
    }
    let limit = item.limit_name;
    let late = (today > item.due_on).then(|| cal.working_days_between(item.due_on, today).max(1));
    if let Some(late) = late.filter(|l| *l > rules.red_overdue_days) {
        let reason = format!("已超过{limit}{late}个工作日，红牌督办");
        return verdict(Color::Red, Rule::RedOverdue, reason);
    }
    let lag = lag(item, today, cal);
    if let Some((points, expected)) = lag.filter(|l| l.0 >= rules.red_lag_points) {
        let p = item.percent.unwrap_or(0);
        let reason = format!("进度滞后{points}个百分点（时间已过{expected}%，进度{p}%），红牌督办");
        return verdict(Color::Red, Rule::RedLag, reason);
    }
    if item.returns >= rules.red_returns {
        let reason = format!("审核退回{}次，红牌督办", item.returns);
        return verdict(Color::Red, Rule::RedReturns, reason);
    }
    if let Some(late) = late {
        let reason = format!("已超过{limit}{late}个工作日，黄牌预警");
        return verdict(Color::Yellow, Rule::YellowDueSoon, reason);
    }
    let left = cal.working_days_between(today, item.due_on);
    if left <= rules.yellow_days_before_due {
        let reason = match left {
            0 => format!("今天是{limit}，黄牌预警"),
            n => format!("距{limit}仅剩{n}个工作日，黄牌预警"),
        };
        return verdict(Color::Yellow, Rule::YellowDueSoon, reason);
    }
    if let Some((points, expected)) = lag.filter(|l| l.0 >= rules.yellow_lag_points) {
        let p = item.percent.unwrap_or(0);
        let reason = format!("进度滞后{points}个百分点（时间已过{expected}%，进度{p}%），黄牌预警");
        return verdict(Color::Yellow, Rule::YellowLag, reason);
    }
    if item.percent.is_some() {
        let quiet = cal.working_days_between(item.quiet_since(), today);
        if quiet >= rules.stale_days {
            let reason = format!("已{quiet}个工作日未报送进度，黄牌预警");
            return verdict(Color::Yellow, Rule::YellowStale, reason);
        }
    }
    verdict(Color::Blue, Rule::OnTrack, "正常推进".into())
}

/// The first day after `today` on which time alone can change the item's color or rule,
/// or none when it cannot (finished, suspended, returned, or already red for being late).
/// Every threshold is a count of working days, so each candidate is the day a count
/// reaches its threshold; the scheduler looks again then, and only then.
pub fn next_change(
    item: &ItemFacts,
    today: NaiveDate,
    rules: &ColorRules,
    cal: &Calendar,
) -> Option<NaiveDate> {
    if item.stage != Stage::Open {
        return None;
    }
    let mut candidates = vec![
        cal.working_days_before(item.due_on, rules.yellow_days_before_due.max(0) as u32),
        item.due_on.succ_opt()?,
        cal.add_working_days(item.due_on, (rules.red_overdue_days.max(0) + 1) as u32),
    ];
    if let Some(percent) = item.percent {
        let start = item.clock_start(cal);
        let total = cal.working_days_between(start, item.due_on).max(1);
        for threshold in [rules.yellow_lag_points, rules.red_lag_points] {
            // Lag ≥ threshold once elapsed·100 ≥ (percent + threshold)·total.
            let needed = (i64::from(percent) + threshold) * total;
            let days = (needed + 99).div_euclid(100);
            if (1..=total).contains(&days) {
                candidates.push(cal.add_working_days(start, days as u32));
            }
        }
        let since = item.quiet_since();
        candidates.push(cal.add_working_days(since, rules.stale_days.max(0) as u32));
    }
    // The day after its sign-for day it counts as a missed acknowledgement.
    candidates.extend(item.awaiting_ack_until.and_then(|d| d.succ_opt()));
    candidates.into_iter().filter(|d| *d > today).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_clock::workdays::Special;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn open(issued_on: NaiveDate, due_on: NaiveDate, percent: i32) -> ItemFacts {
        ItemFacts {
            stage: Stage::Open,
            issued_on,
            due_on,
            percent: Some(percent),
            last_report_on: None,
            returns: 0,
            late_days: None,
            limit_name: "办结时限",
            awaiting_ack_until: None,
            paused_days: 0,
            resumed_on: None,
        }
    }

    fn at(item: &ItemFacts, today: NaiveDate) -> (Color, &'static str) {
        let v = assess(item, today, &ColorRules::default(), &Calendar::official());
        (v.color, v.rule.id())
    }

    #[test]
    fn days_suspended_are_not_time_elapsed() {
        let cal = Calendar::official();
        // Issued Mon 2 March, due Fri 13 March, 50% reported on 4 March; suspended from
        // 5 March for 5 working days, so resumed on 12 March with the limit on 20 March.
        let mut item = open(d(2026, 3, 2), d(2026, 3, 20), 50);
        item.last_report_on = Some(d(2026, 3, 4));
        item.paused_days = 5;
        item.resumed_on = Some(d(2026, 3, 12));
        // 13 March: 4 of 9 working days counted (44%) against 50%: on track, though
        // 9 of 14 have passed since the issue.
        assert_eq!(at(&item, d(2026, 3, 13)), (Color::Blue, "BLUE_ON_TRACK"));
        // 6 of 9 (66%) on 17 March: 16 points behind, the first day of the yellow card.
        let next = next_change(&item, d(2026, 3, 13), &ColorRules::default(), &cal);
        assert_eq!(next, Some(d(2026, 3, 17)));
        assert_eq!(at(&item, d(2026, 3, 17)), (Color::Yellow, "YELLOW_LAG"));
        // Quiet counts from the resumption: five working days on 19 March, not 11 March
        // (with the limit further off, so that it is not near).
        (item.percent, item.due_on) = (Some(90), d(2026, 3, 31));
        assert_eq!(at(&item, d(2026, 3, 11)), (Color::Blue, "BLUE_ON_TRACK"));
        assert_eq!(at(&item, d(2026, 3, 18)), (Color::Blue, "BLUE_ON_TRACK"));
        assert_eq!(at(&item, d(2026, 3, 19)), (Color::Yellow, "YELLOW_STALE"));
        // Without the pause, the suspended days count: 13 March is behind.
        (item.percent, item.due_on) = (Some(50), d(2026, 3, 20));
        (item.paused_days, item.resumed_on) = (0, None);
        assert_eq!(at(&item, d(2026, 3, 13)), (Color::Yellow, "YELLOW_LAG"));
    }

    #[test]
    fn each_default_rule_fires_with_its_id_and_reason() {
        let cal = Calendar::official();
        // Issued Mon 2 March 2026, due Fri 13 March: 9 working days.
        let mut item = open(d(2026, 3, 2), d(2026, 3, 13), 0);
        assert_eq!(at(&item, d(2026, 3, 2)), (Color::Blue, "BLUE_ON_TRACK"));
        // Wed 4 March: 2 of 9 days gone (22%), progress 0 → 22 points behind: yellow.
        assert_eq!(at(&item, d(2026, 3, 4)), (Color::Yellow, "YELLOW_LAG"));
        // Fri 6 March: 4 of 9 (44%) → 44 points: red.
        let v = assess(&item, d(2026, 3, 6), &ColorRules::default(), &cal);
        assert_eq!((v.color, v.rule), (Color::Red, Rule::RedLag));
        assert!(v.reason.contains("进度滞后44个百分点"), "{}", v.reason);
        // On track by progress, but no report for 5 working days: yellow.
        item.percent = Some(60);
        assert_eq!(at(&item, d(2026, 3, 9)), (Color::Yellow, "YELLOW_STALE"));
        item.last_report_on = Some(d(2026, 3, 6));
        assert_eq!(at(&item, d(2026, 3, 9)), (Color::Blue, "BLUE_ON_TRACK"));
        // Thu 12 March: one working day left.
        item.percent = Some(90);
        item.last_report_on = Some(d(2026, 3, 11));
        assert_eq!(
            at(&item, d(2026, 3, 12)),
            (Color::Yellow, "YELLOW_DUE_SOON")
        );
        // Mon 16 March: one working day late.
        let v = assess(&item, d(2026, 3, 16), &ColorRules::default(), &cal);
        assert_eq!((v.color, v.rule), (Color::Red, Rule::RedOverdue));
        assert!(v.reason.contains("已超过办结时限1个工作日"), "{}", v.reason);
        // Returned twice by verification: red.
        item.returns = 2;
        assert_eq!(at(&item, d(2026, 3, 10)), (Color::Red, "RED_RETURNS"));
    }

    #[test]
    fn a_grace_period_keeps_a_late_item_yellow_until_it_runs_out() {
        let cal = Calendar::official();
        let rules = ColorRules {
            red_overdue_days: 2,
            ..ColorRules::default()
        };
        let mut item = open(d(2026, 3, 2), d(2026, 3, 13), 95);
        item.last_report_on = Some(d(2026, 3, 13));
        let color = |day| assess(&item, day, &rules, &cal).color;
        assert_eq!(color(d(2026, 3, 16)), Color::Yellow);
        assert_eq!(color(d(2026, 3, 17)), Color::Yellow);
        assert_eq!(color(d(2026, 3, 18)), Color::Red);
    }

    #[test]
    fn a_finished_item_is_blue_and_keeps_its_lateness_returned_items_are_not_held_against_the_unit()
    {
        let cal = Calendar::official();
        let mut item = open(d(2026, 3, 2), d(2026, 3, 13), 100);
        item.stage = Stage::Closed;
        item.late_days = late_days(item.due_on, d(2026, 3, 17), &cal);
        let v = assess(&item, d(2026, 4, 1), &ColorRules::default(), &cal);
        assert_eq!(
            (v.color, v.reason.as_str()),
            (Color::Blue, "已销号（办结超时2个工作日）")
        );
        item.stage = Stage::ReturnedToIssuer;
        item.late_days = None;
        assert_eq!(
            at(&item, d(2026, 4, 1)),
            (Color::Blue, "BLUE_RETURNED_TO_ISSUER")
        );
    }

    /// The scheduler's days against a daily reassessment: across weekends, 春节 and 国庆
    /// with their make-up working days, on many items and rule sets, looking again only on
    /// the days `next_change` names gives the color and rule of every single day.
    #[test]
    fn looking_again_only_when_next_change_says_matches_a_daily_reassessment() {
        let mut cal = Calendar::official();
        // An extra county rest day and an extra working Saturday, as a county may set.
        cal.set(d(2026, 9, 22), Some(Special::Holiday("县里调休".into())));
        cal.set(d(2026, 9, 26), Some(Special::Workday("补班".into())));
        let rule_sets = [
            ColorRules::default(),
            ColorRules {
                yellow_lag_points: 5,
                stale_days: 2,
                yellow_days_before_due: 3,
                red_lag_points: 15,
                red_overdue_days: 3,
                red_returns: 1,
                raise_on_red: false,
                dense_ranking: false,
                rectification_days: 5,
            },
            ColorRules {
                yellow_lag_points: 40,
                stale_days: 30,
                yellow_days_before_due: 0,
                red_lag_points: 90,
                red_overdue_days: 0,
                red_returns: 5,
                raise_on_red: true,
                dense_ranking: false,
                rectification_days: 5,
            },
        ];
        let starts = [
            d(2026, 1, 29),
            d(2026, 2, 12),
            d(2026, 9, 24),
            d(2026, 9, 30),
        ];
        let mut checked = 0;
        for rules in &rule_sets {
            for start in starts {
                for limit in [1u32, 3, 7, 20] {
                    for percent in [0, 30, 70, 100] {
                        let mut item = open(start, cal.add_working_days(start, limit), percent);
                        item.last_report_on = (percent > 0).then_some(start);
                        let mut stored = assess(&item, start, rules, &cal);
                        let mut next = next_change(&item, start, rules, &cal);
                        let mut day = start;
                        while day < item.due_on + chrono::Days::new(40) {
                            day = day.succ_opt().unwrap();
                            if next.is_some_and(|n| n <= day) {
                                stored = assess(&item, day, rules, &cal);
                                next = next_change(&item, day, rules, &cal);
                            }
                            let daily = assess(&item, day, rules, &cal);
                            assert_eq!(
                                (stored.color, stored.rule),
                                (daily.color, daily.rule),
                                "{item:?} on {day} under {rules:?}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }
}
