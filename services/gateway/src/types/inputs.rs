//! The GraphQL input objects and mutation payloads.

use super::*;
use async_graphql::{InputObject, SimpleObject, ID};

/// Input of `setCalendarDay`.
#[derive(InputObject)]
pub struct SetCalendarDayInput {
    /// The day.
    pub date: Date,
    /// Whether it becomes a working day.
    pub workday: bool,
    /// Holiday name, or the holiday a worked day belongs to.
    pub name: Option<String>,
    /// Why (县委决定…).
    pub reason: String,
}

/// Payload of `setCalendarDay`.
#[derive(SimpleObject)]
pub struct SetCalendarDayPayload {
    /// The day as it is now.
    pub day: CalendarDay,
    /// Open assignments whose time limit moved.
    pub moved_assignments: i32,
}

/// Filter of `assignments`; every field optional.
#[derive(InputObject, Default)]
pub struct AssignmentFilter {
    /// A unit: that unit and its whole subtree.
    pub scope: Option<ID>,
    /// Any of these states.
    pub states: Option<Vec<AssignmentState>>,
    /// Only this color.
    pub color: Option<Color>,
    /// Title or description contains this text.
    pub text: Option<String>,
    /// Time limit on or after this day.
    pub due_from: Option<Date>,
    /// Time limit on or before this day.
    pub due_to: Option<Date>,
    /// Only items this person is responsible for.
    pub responsible_person_id: Option<ID>,
    /// Only this campaign's.
    pub campaign_id: Option<ID>,
    /// Only this problem category.
    pub category: Option<String>,
    /// Only items this unit cooperates on (配合单位).
    pub cooperating_unit_id: Option<ID>,
    /// Order; earliest time limit first by default.
    #[graphql(default)]
    pub sort: AssignmentSort,
}

/// Input of `issueAssignment`.
#[derive(InputObject)]
pub struct IssueAssignmentInput {
    /// Short title, at most 200 characters.
    pub title: String,
    /// What is to be done.
    #[graphql(default)]
    pub description: String,
    /// Where it comes from.
    #[graphql(default_with = "AssignmentSource::LeaderInstruction")]
    pub source: AssignmentSource,
    /// The instruction's own words (批示原文).
    pub source_text: Option<String>,
    /// 承办单位.
    pub lead_unit_id: ID,
    /// 责任人; default the lead unit's leader.
    pub responsible_person_id: Option<ID>,
    /// Time limit in working days (1–365); or give `dueOn`.
    pub time_limit_days: Option<i32>,
    /// Time limit as a last day; or give `timeLimitDays`.
    pub due_on: Option<Date>,
    /// Urgency; 一般 by default.
    #[graphql(default)]
    pub urgency: Urgency,
    /// 配合单位.
    #[graphql(default)]
    pub cooperating_unit_ids: Vec<ID>,
    /// Working days to sign for it (0–10); 1 by default, the same day for 特急.
    pub ack_time_limit_days: Option<i32>,
    /// Campaign it belongs to.
    pub campaign_id: Option<ID>,
    /// Problem category (one of the campaign's).
    pub category: Option<String>,
    /// Ledger problem it rectifies.
    pub problem_id: Option<ID>,
}

/// Input of transitions that need only the item and its version.
#[derive(InputObject)]
pub struct AssignmentVersionInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
}

/// Input of `reportProgress`.
#[derive(InputObject)]
pub struct ReportProgressInput {
    /// Assignment id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// Progress, 0–100.
    pub percent: i32,
    /// What was done.
    pub text: String,
    /// Evidence references (file numbers, photo ids, links).
    #[graphql(default)]
    pub evidence: Vec<String>,
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

/// One phase of `launchCampaign`.
#[derive(InputObject)]
pub struct PhaseInput {
    /// Name, e.g. 自查自纠.
    pub name: String,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
}

/// Input of `launchCampaign`.
#[derive(InputObject)]
pub struct LaunchCampaignInput {
    /// Name, e.g. 改进作风、狠抓落实.
    pub name: String,
    /// Issuing document number (文号).
    #[graphql(default)]
    pub document_number: String,
    /// Unit whose subtree the campaign covers.
    pub scope_unit_id: ID,
    /// Ordered phases; a phase may start the day the previous one ends.
    pub phases: Vec<PhaseInput>,
    /// Problem categories; the six of the seeds (慢作为…弄虚作假) when omitted.
    pub categories: Option<Vec<String>>,
    /// Days by which units report, with what.
    #[graphql(default)]
    pub report_deadlines: Vec<ReportDeadline>,
}

/// Payload of `launchCampaign`.
#[derive(SimpleObject)]
pub struct CampaignPayload {
    /// The campaign.
    pub campaign: Campaign,
}

/// Input of `registerOrgUnit`.
#[derive(InputObject)]
pub struct RegisterOrgUnitInput {
    /// Id; generated when omitted.
    pub id: Option<ID>,
    /// Parent unit; none for a county.
    pub parent_id: Option<ID>,
    /// Kind.
    pub kind: UnitKind,
    /// Official name.
    pub name: String,
    /// 统计用区划代码: 6 digits for a county, 9 for a township.
    pub division_code: Option<String>,
}

/// Payload of `registerOrgUnit`.
#[derive(SimpleObject)]
pub struct OrgUnitPayload {
    /// The new unit.
    pub org_unit: OrgUnit,
}

/// Input of `registerPerson`.
#[derive(InputObject)]
pub struct RegisterPersonInput {
    /// Login account, unique.
    pub account: String,
    /// Full name.
    pub name: String,
    /// Title.
    #[graphql(default)]
    pub title: String,
    /// Unit.
    pub unit_id: ID,
    /// Roles.
    pub roles: Vec<Role>,
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
