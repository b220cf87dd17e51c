//! The color rule, pure: 进度滞后黄牌预警、久拖不决红牌督办 (seed 003).

use chrono::NaiveDate;
use duban_clock::workdays::Calendar;
use duban_schema::assignments::AssignmentState;
use duban_schema::Color;

/// What the rule looks at.
#[derive(Clone, Debug)]
pub struct ItemFacts {
    /// Current state.
    pub state: AssignmentState,
    /// Day it was issued.
    pub issued_on: NaiveDate,
    /// Last day of its time limit.
    pub due_on: NaiveDate,
    /// Reported progress, 0–100.
    pub percent: i32,
}

/// Points of progress behind the time elapsed at which an item turns yellow.
pub const LAG_POINTS: i64 = 50;

/// The color of an item on `today`, with the reason in Chinese.
/// RED: past its time limit and unfinished. YELLOW: within `yellow_days` working days
/// of the limit, or progress lagging the time elapsed by [`LAG_POINTS`] or more. BLUE otherwise.
pub fn assess(
    item: &ItemFacts,
    today: NaiveDate,
    yellow_days: i64,
    cal: &Calendar,
) -> (Color, String) {
    match item.state {
        AssignmentState::Closed => return (Color::Blue, "已销号".into()),
        AssignmentState::Cancelled => return (Color::Blue, "已撤销".into()),
        AssignmentState::Completed => return (Color::Blue, "已办结，待审核销号".into()),
        AssignmentState::Suspended => return (Color::Blue, "已中止，办结时限暂停计算".into()),
        _ => {}
    }
    if today > item.due_on {
        let late = cal.working_days_between(item.due_on, today).max(1);
        return (
            Color::Red,
            format!("已超过办结时限{late}个工作日，红牌督办"),
        );
    }
    let left = cal.working_days_between(today, item.due_on);
    if left <= yellow_days {
        return (
            Color::Yellow,
            if left == 0 {
                "今天是办结时限，黄牌预警".into()
            } else {
                format!("距办结时限仅剩{left}个工作日，黄牌预警")
            },
        );
    }
    let total = cal.working_days_between(item.issued_on, item.due_on).max(1);
    let elapsed = cal
        .working_days_between(item.issued_on, today)
        .clamp(0, total);
    let expected = elapsed * 100 / total;
    if expected - i64::from(item.percent) >= LAG_POINTS {
        return (
            Color::Yellow,
            format!(
                "进度滞后：时间已过{expected}%，进度仅{}%，黄牌预警",
                item.percent
            ),
        );
    }
    (Color::Blue, "正常推进".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn item(state: AssignmentState, percent: i32) -> ItemFacts {
        // Issued Mon 2 March, due Fri 13 March: 9 working days.
        ItemFacts {
            state,
            issued_on: d(3, 2),
            due_on: d(3, 13),
            percent,
        }
    }

    #[test]
    fn a_fresh_item_is_blue() {
        let (c, why) = assess(
            &item(AssignmentState::Issued, 0),
            d(3, 2),
            1,
            &Calendar::official(),
        );
        assert_eq!((c, why.as_str()), (Color::Blue, "正常推进"));
    }

    #[test]
    fn an_item_past_its_limit_is_red_and_says_by_how_many_working_days() {
        // Mon 16 March is one working day after Fri 13 March.
        let (c, why) = assess(
            &item(AssignmentState::InProgress, 90),
            d(3, 16),
            1,
            &Calendar::official(),
        );
        assert_eq!(c, Color::Red);
        assert!(why.contains("1个工作日"), "{why}");
    }

    #[test]
    fn an_item_near_its_limit_or_lagging_is_yellow() {
        let (c, _) = assess(
            &item(AssignmentState::InProgress, 90),
            d(3, 12),
            1,
            &Calendar::official(),
        );
        assert_eq!(c, Color::Yellow);
        // Tue 10 March: 6 of 9 working days gone (66%), progress 10% → lagging.
        let (c, why) = assess(
            &item(AssignmentState::InProgress, 10),
            d(3, 10),
            1,
            &Calendar::official(),
        );
        assert_eq!(c, Color::Yellow, "{why}");
        let (c, _) = assess(
            &item(AssignmentState::InProgress, 40),
            d(3, 10),
            1,
            &Calendar::official(),
        );
        assert_eq!(c, Color::Blue);
    }

    #[test]
    fn the_spring_festival_does_not_count_against_the_time_limit() {
        // Issued Thu 12 Feb 2026 with 3 working days: Fri 13, Sat 14 (worked), Tue 24 Feb.
        let cal = Calendar::official();
        let item = ItemFacts {
            state: AssignmentState::InProgress,
            issued_on: d(2, 12),
            due_on: cal.add_working_days(d(2, 12), 3),
            percent: 50,
        };
        assert_eq!(item.due_on, d(2, 24));
        // On Mon 23 Feb (still a holiday) the item is not late.
        assert_ne!(assess(&item, d(2, 23), 1, &cal).0, Color::Red);
        let (c, why) = assess(&item, d(2, 25), 1, &cal);
        assert_eq!(c, Color::Red);
        assert!(why.contains("1个工作日"), "{why}");
    }

    #[test]
    fn a_finished_item_is_blue_even_after_its_limit() {
        let (c, _) = assess(
            &item(AssignmentState::Closed, 100),
            d(4, 1),
            1,
            &Calendar::official(),
        );
        assert_eq!(c, Color::Blue);
        let (c, _) = assess(
            &item(AssignmentState::Completed, 100),
            d(4, 1),
            1,
            &Calendar::official(),
        );
        assert_eq!(c, Color::Blue);
    }
}
