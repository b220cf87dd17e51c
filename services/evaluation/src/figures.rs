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

/// What one item adds to its unit's figures: its stage, the card it shows, whether it
/// was counted overdue, its lateness when done, and its returns. A withdrawn item counts
/// as issued only.
pub fn contribution(
    stage: Stage,
    color: Option<Color>,
    overdue: bool,
    late_days: Option<i64>,
    returns: i32,
    ack: Ack,
) -> Figures {
    let mut f = Figures {
        issued: 1,
        returns: i64::from(returns),
        ..Figures::default()
    };
    if stage == Stage::Cancelled {
        return f;
    }
    match ack {
        Ack::NotDue => {}
        Ack::Missed => f.ack_due = 1,
        Ack::Made { on_time } => {
            f.ack_due = 1;
            f.ack_on_time = i64::from(on_time);
        }
    }
    match stage {
        Stage::Cancelled => return f,
        Stage::Closed => f.closed = 1,
        Stage::Completed => f.completed = 1,
        Stage::Open | Stage::Suspended | Stage::ReturnedToIssuer => {
            f.open = 1;
            f.overdue = i64::from(overdue);
        }
    }
    if matches!(stage, Stage::Completed | Stage::Closed) {
        match late_days {
            Some(_) => f.done_late = 1,
            None => f.done_on_time = 1,
        }
    }
    if stage != Stage::Closed {
        match color {
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
        let open_red = contribution(Stage::Open, Some(Color::Red), true, None, 1, Ack::Missed);
        let made = Ack::Made { on_time: false };
        let closed_late = contribution(Stage::Closed, Some(Color::Blue), false, Some(2), 1, made);
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
        let withdrawn = contribution(
            Stage::Cancelled,
            Some(Color::Red),
            true,
            None,
            0,
            Ack::Missed,
        );
        assert_eq!(
            withdrawn,
            Figures {
                issued: 1,
                ..Figures::default()
            }
        );
    }
}
