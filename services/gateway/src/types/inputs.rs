//! The GraphQL input objects and mutation payloads.

use super::*;
use async_graphql::{InputObject, SimpleObject, ID};

/// Payload of `setCalendarDay`.
#[derive(SimpleObject)]
pub struct SetCalendarDayPayload {
    /// The day as it is now.
    pub day: CalendarDay,
    /// Open assignments whose time limit moved.
    pub moved_assignments: i32,
}

/// Input of transitions that need only the item and its version.
#[derive(InputObject)]
pub struct AssignmentVersionInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
}

/// Input of `completeAssignment`.
#[derive(InputObject)]
pub struct CompleteAssignmentInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// The result (办理结果).
    pub result: String,
}

/// Input of `returnAssignment`.
#[derive(InputObject)]
pub struct ReturnAssignmentInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// Why it goes back (退回理由).
    pub reason: String,
}

/// Input of `reopenAssignment` (回头看): the reason and a new time limit, in working days
/// from today or as a last day (exactly one).
#[derive(InputObject)]
pub struct ReopenAssignmentInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// What the follow-up review found.
    pub reason: String,
    /// New time limit in working days from today (1–365).
    pub time_limit_days: Option<i32>,
    /// Or the new last day.
    pub due_on: Option<Date>,
}

/// Input of `reassignAssignment` (重新确定承办单位 after a 回退): the right lead unit, why,
/// and a new time limit in working days from today or as a last day (exactly one).
#[derive(InputObject)]
pub struct ReassignAssignmentInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// The right lead unit.
    pub lead_unit_id: ID,
    /// Why this unit.
    pub reason: String,
    /// New time limit in working days from today (1–365).
    pub time_limit_days: Option<i32>,
    /// Or the new last day.
    pub due_on: Option<Date>,
}

/// Input of transitions that need a reason (cancel, suspend, 回退).
#[derive(InputObject)]
pub struct AssignmentReasonInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// Why.
    pub reason: String,
}

/// Payload of `launchCampaign`.
#[derive(SimpleObject)]
pub struct CampaignPayload {
    /// The campaign.
    pub campaign: Campaign,
}

/// Payload of `registerOrgUnit`.
#[derive(SimpleObject)]
pub struct OrgUnitPayload {
    /// The new unit.
    pub org_unit: OrgUnit,
}

/// Payload of `registerPerson`.
#[derive(SimpleObject)]
pub struct PersonPayload {
    /// The new person.
    pub person: Person,
}

/// Input of `requestTransfer`.
#[derive(InputObject)]
pub struct RequestTransferInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// The unit it should go to.
    pub to_unit_id: ID,
    /// Why.
    pub reason: String,
}

/// Input of `decideTransfer`.
#[derive(InputObject)]
pub struct DecideTransferInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// Approve or refuse.
    pub approve: bool,
}

/// Input of `requestExtension`.
#[derive(InputObject)]
pub struct RequestExtensionInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// Working days asked for (at most 10 unless configured otherwise).
    pub days: i32,
    /// Why.
    pub reason: String,
}

/// Input of `decideExtension`.
#[derive(InputObject)]
pub struct DecideExtensionInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// Grant or refuse.
    pub approve: bool,
    /// The issuer's words.
    #[graphql(default)]
    pub note: String,
}

/// Input of `raiseSupervision`.
#[derive(InputObject)]
pub struct RaiseSupervisionInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// The new, higher level.
    pub level: SupervisionLevel,
}

/// Input of `changeResponsiblePerson`.
#[derive(InputObject)]
pub struct ChangeResponsiblePersonInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// The new 责任人, a person of the lead unit.
    pub person_id: ID,
    /// Why.
    pub reason: String,
}

/// Input of `markNotificationRead`.
#[derive(InputObject)]
pub struct MarkNotificationReadInput {
    /// Notice id.
    pub id: ID,
}

/// Payload of every assignment mutation: the changed item.
#[derive(SimpleObject)]
pub struct AssignmentPayload {
    /// The assignment after the change.
    pub assignment: Assignment,
}

/// Payload of `markNotificationRead`.
#[derive(SimpleObject)]
pub struct NotificationPayload {
    /// The notice after the change.
    pub notification: Notification,
}

/// Filter of `auditEntries`.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Only events of this aggregate (an assignment, a person…).
    pub aggregate_id: Option<ID>,
    /// Only events of this trace (`extensions.traceId` of a response).
    pub correlation_id: Option<ID>,
    /// Only events caused by this person: their 作风表现台账.
    pub actor: Option<ID>,
    /// A unit: only events of that unit and its subtree.
    pub scope: Option<ID>,
    /// Only events at or after this instant.
    pub from: Option<DateTime>,
    /// Only events before this instant.
    pub to: Option<DateTime>,
}
