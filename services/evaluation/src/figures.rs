//! A unit's figures, pure: what one item adds to its unit's running tallies, so that a
//! board sums a few rows per unit instead of counting items.

use crate::color::Stage;
pub use duban_api::Figures;
use duban_schema::Color;

/// Where an item stands with its sign-for (签收).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// Not yet due, or not an assignment.
    NotDue,
    /// Not signed for by its day.
    Missed,
    /// Signed for, by its day or not.
    Made {
        /// By its day.
        on_time: bool,
    },
}

/// What the figures read of one item.
#[derive(Clone, Copy, Debug)]
pub struct Tallied {
    /// Its stage.
    pub stage: Stage,
    /// The card it shows.
    pub color: Option<Color>,
    /// Counted overdue.
    pub overdue: bool,
    /// Working days late when done.
    pub late_days: Option<i64>,
    /// Working days from issue to done, when done.
    pub work_days: Option<i64>,
    /// Times sent back by verification.
    pub returns: i32,
    /// Times reopened (回头看).
    pub reopens: i32,
    /// Approved transfers in its history.
    pub transfers: i32,
    /// Its sign-for.
    pub ack: Ack,
}

/// What one item adds to its unit's figures. A withdrawn item counts as issued only.
/// (Transfers are counted at the unit that handed the item on, by the event, not here.)
pub fn contribution(t: &Tallied) -> Figures {
    let mut f = Figures {
        issued: 1,
        returns: i64::from(t.returns),
        reopens: i64::from(t.reopens),
        ..Figures::default()
    };
    if t.stage == Stage::Cancelled {
        return f;
    }
    f.buck_passing = i64::from(t.transfers >= 2);
    match t.ack {
        Ack::NotDue => {}
        Ack::Missed => f.ack_due = 1,
        Ack::Made { on_time } => {
            f.ack_due = 1;
            f.ack_on_time = i64::from(on_time);
        }
    }
    match t.stage {
        Stage::Cancelled => return f,
        Stage::Closed => f.closed = 1,
        Stage::Completed => f.completed = 1,
        Stage::Open | Stage::Suspended | Stage::ReturnedToIssuer => {
            f.open = 1;
            f.overdue = i64::from(t.overdue);
        }
    }
    if matches!(t.stage, Stage::Completed | Stage::Closed) {
        match t.late_days {
            Some(_) => f.done_late = 1,
            None => f.done_on_time = 1,
        }
        f.work_days = t.work_days.unwrap_or(0);
    }
    if t.stage != Stage::Closed {
        match t.color {
            Some(Color::Red) => f.red = 1,
            Some(Color::Yellow) => f.yellow = 1,
            Some(Color::Blue) => f.blue = 1,
            None => {}
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_moves_between_counts_and_the_difference_says_how() {
        let item = Tallied {
            stage: Stage::Open,
            color: Some(Color::Red),
            overdue: true,
            late_days: None,
            work_days: None,
            returns: 1,
            reopens: 0,
            transfers: 2,
            ack: Ack::Missed,
        };
        let open_red = contribution(&item);
        let closed_late = contribution(&Tallied {
            stage: Stage::Closed,
            color: Some(Color::Blue),
            overdue: false,
            late_days: Some(2),
            work_days: Some(12),
            ack: Ack::Made { on_time: false },
            ..item
        });
        assert_eq!((closed_late.work_days, closed_late.buck_passing), (12, 1));
        assert_eq!(open_red.work_days, 0);
        assert_eq!((open_red.ack_due, open_red.ack_on_time), (1, 0));
        assert_eq!((open_red.open, open_red.overdue, open_red.red), (1, 1, 1));
        assert_eq!(
            (closed_late.closed, closed_late.done_late, closed_late.blue),
            (1, 1, 0)
        );
        let d = closed_late.minus(open_red);
        assert_eq!(
            (d.issued, d.open, d.closed, d.red, d.overdue),
            (0, -1, 1, -1, -1)
        );
        assert_eq!(open_red.plus(d), closed_late);
        let withdrawn = contribution(&Tallied {
            stage: Stage::Cancelled,
            returns: 0,
            ..item
        });
        assert_eq!(
            withdrawn,
            Figures {
                issued: 1,
                ..Figures::default()
            }
        );
    }

    #[test]
    fn a_period_counts_what_accumulated_in_it_and_what_stands_at_its_end() {
        use duban_api::Period;
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(Period::Week.start(d(3, 1)), d(2, 23));
        assert_eq!(Period::Week.start(d(3, 2)), d(3, 2));
        assert_eq!(Period::Month.start(d(3, 31)), d(3, 1));
        assert_eq!(Period::Year.start(d(3, 31)), d(1, 1));
        let before = Figures {
            issued: 10,
            closed: 4,
            open: 6,
            red: 2,
            reopens: 1,
            ..Figures::default()
        };
        let end = Figures {
            issued: 15,
            closed: 9,
            open: 5,
            red: 1,
            reopens: 1,
            ..Figures::default()
        };
        let p = end.since(before);
        assert_eq!((p.issued, p.closed, p.reopens), (5, 5, 0));
        assert_eq!((p.open, p.red), (5, 1));
    }
}
