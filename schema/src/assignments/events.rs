//! Events on `duban.assignments.v1`: what happened to the directory, calendar, campaigns,
//! assignments and problems, each carrying the aggregate as it became.

use super::*;
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything the assignments service announces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data")]
pub enum AssignmentsEvent {
    /// A unit was added to the directory.
    OrgUnitRegistered {
        /// The unit.
        unit: OrgUnitSnapshot,
    },
    /// A person was added to the directory.
    PersonRegistered {
        /// The person.
        person: PersonSnapshot,
    },
    /// A campaign was launched.
    CampaignLaunched {
        /// The campaign.
        campaign: CampaignSnapshot,
    },
    /// A supervisor issued an assignment to a lead unit (交办).
    AssignmentIssued {
        /// The assignment as issued.
        assignment: AssignmentSnapshot,
    },
    /// The lead unit acknowledged it (签收).
    AssignmentAcknowledged {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Who signed for it.
        acknowledged_by: String,
    },
    /// The lead unit reported progress (进度报送).
    ProgressReported {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// The report.
        report: ProgressReportSnapshot,
    },
    /// The lead unit reported it done (办结), awaiting verification.
    AssignmentCompleted {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// The result as reported.
        result: String,
    },
    /// The issuer verified it and closed it (审核销号).
    AssignmentVerified {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
    },
    /// The issuer sent it back to the lead unit (退回).
    AssignmentReturned {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Why.
        reason: String,
    },
    /// After a 回退 the issuer named the right lead unit, with a new time limit.
    AssignmentReassigned {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// The unit that sent it back.
        from_unit_id: String,
        /// Why.
        reason: String,
    },
    /// The item's 责任人 changed: a supervisor named another, or the last one left the post
    /// or the unit and a successor took it over (新官要理旧账).
    AssignmentResponsibleChanged {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// The person who answered for it before.
        from_person_id: String,
        /// Why.
        reason: String,
    },
    /// The issuer withdrew the item (撤销).
    AssignmentCancelled {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Why.
        reason: String,
    },
    /// A follow-up review (回头看) reopened a closed item.
    AssignmentReopened {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Why.
        reason: String,
    },
    /// A supervisor raised the supervision level (催办 → 督办 → 挂牌督办).
    SupervisionRaised {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Level before.
        from: SupervisionLevel,
    },
    /// The item was suspended (中止), e.g. waiting on another authority; its clock stops.
    AssignmentSuspended {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Why.
        reason: String,
    },
    /// The item was resumed; its time limit moved by the working days it was suspended.
    AssignmentResumed {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Working days it was suspended.
        suspended_working_days: i64,
    },
    /// The lead unit asked for more time (申请延期).
    ExtensionRequested {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Working days asked for.
        days: i32,
        /// Why.
        reason: String,
    },
    /// The issuer decided an extension request.
    ExtensionDecided {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Whether it was granted.
        approved: bool,
        /// Working days asked for.
        days: i32,
        /// The issuer's words.
        note: String,
    },
    /// The lead unit asked to hand the item to another unit (申请转办).
    TransferRequested {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Unit asked for.
        to_unit_id: String,
        /// Why.
        reason: String,
    },
    /// The issuer decided a transfer; when approved the item has its new lead unit.
    TransferDecided {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Whether it was approved.
        approved: bool,
        /// The lead unit before.
        from_unit_id: String,
        /// Two or more transfers: flagged as passing the buck (推诿).
        buck_passing: bool,
    },
    /// The lead unit sent the item back to the issuer as not its business (回退, 首问负责).
    ReturnedToIssuer {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Why.
        reason: String,
    },
    /// An admin changed a day of the county's working calendar.
    CalendarDayChanged {
        /// The day as it is now.
        day: CalendarDaySnapshot,
    },
    /// An open item's time limit is near (fired once per item and time limit).
    AssignmentDueSoon {
        /// The assignment.
        assignment: AssignmentSnapshot,
        /// Working days left.
        working_days_left: i64,
    },
    /// The lead unit did not sign for the item within its acknowledgement time limit
    /// (fired once per item).
    AcknowledgementOverdue {
        /// The assignment, still ISSUED.
        assignment: AssignmentSnapshot,
    },
    /// An open item passed its time limit (fired once per item and time limit).
    AssignmentOverdue {
        /// The assignment.
        assignment: AssignmentSnapshot,
    },
    /// A unit's name, parent or code was changed.
    OrgUnitUpdated {
        /// The unit after the change.
        unit: OrgUnitSnapshot,
    },
    /// A person's unit, roles, supervising leader or post was changed.
    PersonUpdated {
        /// The person after the change.
        person: PersonSnapshot,
    },
    /// An administrator set a new initial password for a person (the password itself is
    /// never in an event); their sign-in sessions ended.
    PasswordReset {
        /// The person.
        person_id: String,
        /// Their account.
        account: String,
    },
    /// A campaign entered one of its phases (the scheduler announces it on its first day).
    CampaignPhaseStarted {
        /// The campaign.
        campaign_id: String,
        /// Its name.
        campaign_name: String,
        /// The unit whose subtree it covers.
        scope_unit_id: String,
        /// The phase now running.
        phase: PhaseSnapshot,
    },
    /// A campaign's last phase ended.
    CampaignEnded {
        /// The campaign.
        campaign_id: String,
        /// Its name.
        campaign_name: String,
        /// The unit whose subtree it covers.
        scope_unit_id: String,
    },
    /// A recurring duty rule was made.
    DutyRuleCreated {
        /// The rule.
        rule: DutyRuleSnapshot,
    },
    /// A problem was entered in a unit's ledger; rectification starts.
    ProblemRegistered {
        /// The problem.
        problem: ProblemSnapshot,
    },
    /// The unit asked for the problem to be closed (申请销号), with evidence.
    ProblemCloseOutRequested {
        /// The problem after the change.
        problem: ProblemSnapshot,
        /// 整改情况.
        summary: String,
        /// Evidence references.
        evidence: Vec<String>,
        /// The supervisors who may close it: the registering supervisor, else those of the
        /// nearest jurisdiction over the unit.
        #[serde(default)]
        reviewers: Vec<String>,
    },
    /// A problem's 整改时限 is near (fired once per problem and time limit).
    ProblemDueSoon {
        /// The problem.
        problem: ProblemSnapshot,
        /// Working days left.
        working_days_left: i64,
    },
    /// A problem passed its 整改时限 without being closed (fired once per time limit).
    ProblemOverdue {
        /// The problem.
        problem: ProblemSnapshot,
    },
    /// A supervisor closed the problem (销号).
    ProblemClosed {
        /// The problem after the change.
        problem: ProblemSnapshot,
    },
    /// A supervisor refused the close-out; rectification goes on.
    ProblemReturned {
        /// The problem after the change.
        problem: ProblemSnapshot,
        /// Why.
        reason: String,
    },
    /// A follow-up review (回头看) found the problem back; it is open again.
    ProblemReopened {
        /// The problem after the change.
        problem: ProblemSnapshot,
        /// What the review found.
        reason: String,
    },
    /// The problem's 责任人 changed, to a successor of one who left the post or the unit.
    ProblemResponsibleChanged {
        /// The problem after the change.
        problem: ProblemSnapshot,
        /// The person who answered for it before.
        from_person_id: String,
        /// Why.
        reason: String,
    },
    /// A time limit moved because the calendar it is measured on changed.
    AssignmentDeadlineMoved {
        /// The assignment after the change.
        assignment: AssignmentSnapshot,
        /// Last day before.
        from: NaiveDate,
        /// Why, in Chinese.
        reason: String,
    },
}

impl AssignmentsEvent {
    /// The event's type name, as in the envelope.
    pub fn type_name(&self) -> &'static str {
        match self {
            AssignmentsEvent::OrgUnitRegistered { .. } => "OrgUnitRegistered",
            AssignmentsEvent::PersonRegistered { .. } => "PersonRegistered",
            AssignmentsEvent::CampaignLaunched { .. } => "CampaignLaunched",
            AssignmentsEvent::AssignmentIssued { .. } => "AssignmentIssued",
            AssignmentsEvent::AssignmentAcknowledged { .. } => "AssignmentAcknowledged",
            AssignmentsEvent::ProgressReported { .. } => "ProgressReported",
            AssignmentsEvent::AssignmentCompleted { .. } => "AssignmentCompleted",
            AssignmentsEvent::AssignmentVerified { .. } => "AssignmentVerified",
            AssignmentsEvent::AssignmentReturned { .. } => "AssignmentReturned",
            AssignmentsEvent::CalendarDayChanged { .. } => "CalendarDayChanged",
            AssignmentsEvent::AssignmentCancelled { .. } => "AssignmentCancelled",
            AssignmentsEvent::ExtensionRequested { .. } => "ExtensionRequested",
            AssignmentsEvent::TransferRequested { .. } => "TransferRequested",
            AssignmentsEvent::TransferDecided { .. } => "TransferDecided",
            AssignmentsEvent::ExtensionDecided { .. } => "ExtensionDecided",
            AssignmentsEvent::ReturnedToIssuer { .. } => "ReturnedToIssuer",
            AssignmentsEvent::AssignmentReopened { .. } => "AssignmentReopened",
            AssignmentsEvent::SupervisionRaised { .. } => "SupervisionRaised",
            AssignmentsEvent::AssignmentSuspended { .. } => "AssignmentSuspended",
            AssignmentsEvent::AssignmentResumed { .. } => "AssignmentResumed",
            AssignmentsEvent::AssignmentDueSoon { .. } => "AssignmentDueSoon",
            AssignmentsEvent::AssignmentReassigned { .. } => "AssignmentReassigned",
            AssignmentsEvent::AssignmentResponsibleChanged { .. } => "AssignmentResponsibleChanged",
            AssignmentsEvent::ProblemResponsibleChanged { .. } => "ProblemResponsibleChanged",
            AssignmentsEvent::AssignmentOverdue { .. } => "AssignmentOverdue",
            AssignmentsEvent::AcknowledgementOverdue { .. } => "AcknowledgementOverdue",
            AssignmentsEvent::AssignmentDeadlineMoved { .. } => "AssignmentDeadlineMoved",
            AssignmentsEvent::OrgUnitUpdated { .. } => "OrgUnitUpdated",
            AssignmentsEvent::PersonUpdated { .. } => "PersonUpdated",
            AssignmentsEvent::PasswordReset { .. } => "PasswordReset",
            AssignmentsEvent::CampaignPhaseStarted { .. } => "CampaignPhaseStarted",
            AssignmentsEvent::CampaignEnded { .. } => "CampaignEnded",
            AssignmentsEvent::DutyRuleCreated { .. } => "DutyRuleCreated",
            AssignmentsEvent::ProblemRegistered { .. } => "ProblemRegistered",
            AssignmentsEvent::ProblemCloseOutRequested { .. } => "ProblemCloseOutRequested",
            AssignmentsEvent::ProblemDueSoon { .. } => "ProblemDueSoon",
            AssignmentsEvent::ProblemOverdue { .. } => "ProblemOverdue",
            AssignmentsEvent::ProblemClosed { .. } => "ProblemClosed",
            AssignmentsEvent::ProblemReturned { .. } => "ProblemReturned",
            AssignmentsEvent::ProblemReopened { .. } => "ProblemReopened",
        }
    }

    /// The problem snapshot, for events about a ledger problem.
    pub fn problem(&self) -> Option<&ProblemSnapshot> {
        match self {
            AssignmentsEvent::ProblemRegistered { problem }
            | AssignmentsEvent::ProblemCloseOutRequested { problem, .. }
            | AssignmentsEvent::ProblemDueSoon { problem, .. }
            | AssignmentsEvent::ProblemOverdue { problem }
            | AssignmentsEvent::ProblemClosed { problem }
            | AssignmentsEvent::ProblemReturned { problem, .. }
            | AssignmentsEvent::ProblemReopened { problem, .. }
            | AssignmentsEvent::ProblemResponsibleChanged { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// The assignment snapshot, for events about an assignment.
    pub fn assignment(&self) -> Option<&AssignmentSnapshot> {
        match self {
            AssignmentsEvent::AssignmentIssued { assignment }
            | AssignmentsEvent::AssignmentAcknowledged { assignment, .. }
            | AssignmentsEvent::ProgressReported { assignment, .. }
            | AssignmentsEvent::AssignmentCompleted { assignment, .. }
            | AssignmentsEvent::AssignmentVerified { assignment }
            | AssignmentsEvent::AssignmentReturned { assignment, .. }
            | AssignmentsEvent::AssignmentDeadlineMoved { assignment, .. }
            | AssignmentsEvent::AssignmentDueSoon { assignment, .. }
            | AssignmentsEvent::AssignmentOverdue { assignment }
            | AssignmentsEvent::AcknowledgementOverdue { assignment }
            | AssignmentsEvent::AssignmentCancelled { assignment, .. }
            | AssignmentsEvent::AssignmentReassigned { assignment, .. }
            | AssignmentsEvent::AssignmentResponsibleChanged { assignment, .. }
            | AssignmentsEvent::AssignmentReopened { assignment, .. }
            | AssignmentsEvent::SupervisionRaised { assignment, .. }
            | AssignmentsEvent::AssignmentSuspended { assignment, .. }
            | AssignmentsEvent::AssignmentResumed { assignment, .. }
            | AssignmentsEvent::ExtensionRequested { assignment, .. }
            | AssignmentsEvent::ExtensionDecided { assignment, .. }
            | AssignmentsEvent::ReturnedToIssuer { assignment, .. }
            | AssignmentsEvent::TransferRequested { assignment, .. }
            | AssignmentsEvent::TransferDecided { assignment, .. } => Some(assignment),
            _ => None,
        }
    }
}
