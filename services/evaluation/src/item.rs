//! An item as evaluation stores it, read as the color rules see it.

use crate::color::{ItemFacts, Stage};
use crate::entity::tracked_item;
use duban_api::ApiError;
use duban_schema::assignments::{AssignmentState, ProblemState};

/// Kind of a tracked assignment.
pub(crate) const ASSIGNMENT: &str = "ASSIGNMENT";
/// Kind of a tracked problem.
pub(crate) const PROBLEM: &str = "PROBLEM";

/// What the color rules look at, from the stored row.
pub(crate) fn facts(m: &tracked_item::Model) -> Result<ItemFacts, ApiError> {
    let unknown = || ApiError::unknown_stored("state", &m.id, &m.state);
    let (stage, percent, limit_name) = if m.kind == PROBLEM {
        let stage = match ProblemState::parse(&m.state).ok_or_else(unknown)? {
            ProblemState::Rectifying => Stage::Open,
            ProblemState::CloseOutRequested => Stage::Completed,
            ProblemState::Closed => Stage::Closed,
        };
        (stage, None, "整改时限")
    } else {
        let stage = match AssignmentState::parse(&m.state).ok_or_else(unknown)? {
            AssignmentState::Closed => Stage::Closed,
            AssignmentState::Cancelled => Stage::Cancelled,
            AssignmentState::Completed => Stage::Completed,
            AssignmentState::Suspended => Stage::Suspended,
            _ if m.returned_to_issuer => Stage::ReturnedToIssuer,
            _ => Stage::Open,
        };
        (stage, Some(m.percent), "办结时限")
    };
    Ok(ItemFacts {
        stage,
        issued_on: m.issued_on,
        due_on: m.due_on,
        percent,
        last_report_on: m.last_report_on,
        returns: m.returns,
        late_days: m.late_days,
        limit_name,
        paused_days: i64::from(m.paused_days),
        resumed_on: m.resumed_on,
        awaiting_ack_until: m
            .ack_due_on
            .filter(|_| m.acknowledged_on.is_none() && m.state == AssignmentState::Issued.as_str()),
    })
}
