//! The services' client traits and data, which is all the gateway knows of them.
//! The all-in-one binary implements these in process; a distributed deployment
//! implements them over each service's internal HTTP API.

pub mod idempotency;
pub mod ledger;
pub mod trace;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use duban_auth::Actor;
use duban_schema::assignments::{
    AssignmentSnapshot, AssignmentSource, AssignmentState, CampaignSnapshot, OrgUnitSnapshot,
    PersonSnapshot, ProgressReportSnapshot,
};
use duban_schema::notifications::NotificationSnapshot;
use duban_schema::Color;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An error a service reports to its caller; the gateway maps each to an `extensions.code`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ApiError {
    /// The caller is not known.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing with that id exists in the caller's scope.
    #[error("未找到{what}：{id}")]
    NotFound {
        /// What was looked for, in Chinese.
        what: String,
        /// The id asked for.
        id: String,
    },
    /// A field of the input is wrong.
    #[error("{message}")]
    Validation {
        /// The input field, as named in GraphQL.
        field: String,
        /// What is wrong and what to do, in Chinese.
        message: String,
    },
    /// The item is in a state that does not allow this.
    #[error("当前状态为「{from_label}」，不能{action}")]
    IllegalTransition {
        /// Current state (wire name).
        from: String,
        /// Current state, in Chinese.
        from_label: String,
        /// The attempted transition, in Chinese.
        action: String,
    },
    /// Someone else changed the item first.
    #[error("该事项已被他人修改（期望版本 {expected}，当前版本 {actual}），请刷新后重试")]
    VersionConflict {
        /// Version the caller expected.
        expected: i64,
        /// Version found.
        actual: i64,
    },
    /// Something failed inside; logged with details.
    #[error("服务内部错误，请稍后重试")]
    Internal(String),
}

impl ApiError {
    /// The stable code of the error table.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::Validation { .. } => "VALIDATION",
            ApiError::IllegalTransition { .. } => "ILLEGAL_TRANSITION",
            ApiError::VersionConflict { .. } => "VERSION_CONFLICT",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// A validation error on `field`.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// A value read back from storage that this version does not know: logged with the row
    /// and the value, and answered INTERNAL; a stored value is never guessed at.
    pub fn unknown_stored(what: &str, id: &str, value: &str) -> Self {
        tracing::error!(
            what,
            id,
            value,
            "a stored value is unknown to this version of duban"
        );
        ApiError::Internal(format!("stored {what} of {id} is unknown: {value}"))
    }

    /// A not-found error.
    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError::NotFound {
            what: what.to_string(),
            id: id.to_string(),
        }
    }
}

/// One page request of a Relay connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PageRequest {
    /// How many items at most.
    pub first: usize,
    /// Opaque cursor to continue after.
    pub after: Option<String>,
    /// Whether the caller reads the total count (it costs a count when it cannot be
    /// taken from running tallies).
    #[serde(default = "counted")]
    pub count: bool,
    /// Whether the caller reads each item's lists (progress reports, deadline changes,
    /// transfers), which cost queries of their own.
    #[serde(default = "counted")]
    pub details: bool,
}

fn counted() -> bool {
    true
}

/// One page of results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Page<T> {
    /// Items with their cursors, in order.
    pub items: Vec<(String, T)>,
    /// Whether more items follow.
    pub has_next_page: bool,
    /// Whether items come before this page.
    pub has_previous_page: bool,
    /// Matching items in all pages.
    pub total_count: u64,
}

/// An assignment as clients see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AssignmentView {
    /// Current snapshot.
    pub assignment: AssignmentSnapshot,
    /// Progress reports, oldest first.
    pub progress: Vec<ProgressReportSnapshot>,
    /// When it was signed for.
    pub acknowledged_at: Option<DateTime<FixedOffset>>,
    /// When it was reported done.
    pub completed_at: Option<DateTime<FixedOffset>>,
    /// The result as reported.
    pub result: Option<String>,
    /// Why it was last returned.
    pub return_reason: Option<String>,
    /// Every move of its time limit, oldest first.
    pub deadline_changes: Vec<DeadlineChangeView>,
    /// The transfer chain, oldest first.
    pub transfers: Vec<TransferView>,
}

/// One decided transfer request.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TransferView {
    /// Lead unit that asked.
    pub from_unit_id: String,
    /// Unit asked for.
    pub to_unit_id: String,
    /// Why.
    pub reason: String,
    /// Whether it was approved.
    pub approved: bool,
    /// When it was decided.
    pub decided_at: DateTime<FixedOffset>,
}

/// One move of a time limit and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeadlineChangeView {
    /// Last day before.
    pub from: chrono::NaiveDate,
    /// Last day after.
    pub to: chrono::NaiveDate,
    /// Why, in Chinese.
    pub reason: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// Input of `setCalendarDay`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetCalendarDayInput {
    /// The day.
    pub date: chrono::NaiveDate,
    /// Whether it becomes a working day.
    pub workday: bool,
    /// Holiday name, or the holiday a worked day belongs to.
    pub name: Option<String>,
    /// Why (县委决定, 防汛…).
    pub reason: String,
}

/// Input of `registerOrgUnit`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterOrgUnitInput {
    /// Id; made up from the name's order when omitted.
    pub id: Option<String>,
    /// Parent unit; none for a county.
    pub parent_id: Option<String>,
    /// Kind.
    pub kind: duban_schema::assignments::UnitKind,
    /// Official name.
    pub name: String,
    /// 统计用区划代码: 6 digits for a county, 9 for a township (starting with its county's 6).
    pub division_code: Option<String>,
}

/// One phase in `launchCampaign`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PhaseInput {
    /// Name, e.g. 自查自纠.
    pub name: String,
    /// First day.
    pub starts_on: chrono::NaiveDate,
    /// Last day.
    pub ends_on: chrono::NaiveDate,
}

/// Input of `launchCampaign`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LaunchCampaignInput {
    /// Name, e.g. 改进作风、狠抓落实.
    pub name: String,
    /// Issuing document number (文号).
    pub document_number: String,
    /// Unit whose subtree the campaign covers.
    pub scope_unit_id: String,
    /// Ordered phases.
    pub phases: Vec<PhaseInput>,
    /// Problem categories; the six of the seeds when none.
    pub categories: Option<Vec<String>>,
    /// Days by which units report, with what.
    #[serde(default)]
    pub report_deadlines: Vec<duban_schema::assignments::ReportDeadlineSnapshot>,
}

/// Input of `registerPerson`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterPersonInput {
    /// Login account, unique.
    pub account: String,
    /// Full name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Unit.
    pub unit_id: String,
    /// Roles.
    pub roles: Vec<duban_schema::Role>,
}

/// Result of `setCalendarDay`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CalendarChangeView {
    /// The day as it is now.
    pub day: CalendarDayView,
    /// Open assignments whose time limit moved.
    pub moved: u32,
}

/// Input of `issueAssignment`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssueAssignmentInput {
    /// Short title.
    pub title: String,
    /// What is to be done.
    pub description: String,
    /// Where it comes from.
    pub source: AssignmentSource,
    /// The instruction's own words.
    pub source_text: Option<String>,
    /// 承办单位 id.
    pub lead_unit_id: String,
    /// 责任人; default: the lead unit's leader.
    pub responsible_person_id: Option<String>,
    /// Time limit in working days (or give `due_on`).
    pub time_limit_days: Option<i32>,
    /// Time limit as a last day (or give `time_limit_days`).
    #[serde(default)]
    pub due_on: Option<chrono::NaiveDate>,
    /// How urgent.
    #[serde(default)]
    pub urgency: duban_schema::assignments::Urgency,
    /// 配合单位.
    #[serde(default)]
    pub cooperating_unit_ids: Vec<String>,
    /// Working days to sign for it (签收时限); 1 by default, 0 (the same day) for 特急.
    #[serde(default)]
    pub ack_time_limit_days: Option<i32>,
    /// The campaign it belongs to.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// The problem category.
    #[serde(default)]
    pub category: Option<String>,
    /// The ledger problem it rectifies.
    #[serde(default)]
    pub problem_id: Option<String>,
}

impl IssueAssignmentInput {
    /// An input with only the required fields; the rest take their defaults.
    pub fn new(
        title: impl Into<String>,
        description: impl Into<String>,
        source: AssignmentSource,
        lead_unit_id: impl Into<String>,
        time_limit_days: i32,
    ) -> Self {
        Self {
            title: title.into(),
            description: description.into(),
            source,
            source_text: None,
            lead_unit_id: lead_unit_id.into(),
            responsible_person_id: None,
            time_limit_days: Some(time_limit_days),
            due_on: None,
            urgency: Default::default(),
            cooperating_unit_ids: vec![],
            ack_time_limit_days: None,
            campaign_id: None,
            category: None,
            problem_id: None,
        }
    }
}

/// Input of a transition that needs nothing but the version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TransitionInput {
    /// Assignment id.
    pub id: String,
    /// Version the caller last saw.
    pub expected_version: i64,
}

/// Input of `reportProgress`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportProgressInput {
    /// Assignment id.
    pub id: String,
    /// Version the caller last saw.
    pub expected_version: i64,
    /// Progress, 0–100.
    pub percent: i32,
    /// What was done.
    pub text: String,
    /// Evidence references (file numbers, photo ids, links).
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Input of a transition that carries a text (result or reason).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TextTransitionInput {
    /// Assignment id.
    pub id: String,
    /// Version the caller last saw.
    pub expected_version: i64,
    /// The result or the reason.
    pub text: String,
}

/// A transition carried by [`AssignmentsApi::command`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum AssignmentCommand {
    /// 撤销, with the reason.
    Cancel {
        /// Why.
        reason: String,
    },
    /// 重新打开 after a follow-up review, with the reason and a new time limit.
    Reopen {
        /// Why.
        reason: String,
        /// New time limit in working days from today, or
        #[serde(default)]
        time_limit_days: Option<i32>,
        /// a new last day.
        #[serde(default)]
        due_on: Option<chrono::NaiveDate>,
    },
    /// 催办 → 督办 → 挂牌督办.
    RaiseSupervision {
        /// The new level.
        level: duban_schema::assignments::SupervisionLevel,
    },
    /// 中止, with the reason.
    Suspend {
        /// Why.
        reason: String,
    },
    /// 恢复 a suspended item.
    Resume,
    /// 申请延期 by the lead unit.
    RequestExtension {
        /// Working days asked for.
        days: i32,
        /// Why.
        reason: String,
    },
    /// 审批延期 by the issuer.
    DecideExtension {
        /// Grant or refuse.
        approve: bool,
        /// The issuer's words.
        note: String,
    },
    /// 申请转办 by the lead unit.
    RequestTransfer {
        /// The unit it should go to.
        to_unit_id: String,
        /// Why.
        reason: String,
    },
    /// 审批转办 by the issuer.
    DecideTransfer {
        /// Approve or refuse.
        approve: bool,
    },
    /// 回退 by a lead unit that is not the right one, within 2 working days of issue.
    ReturnToIssuer {
        /// Why.
        reason: String,
    },
    /// 更换责任人 by a supervisor: another person of the lead unit answers for the item.
    ChangeResponsible {
        /// The new 责任人.
        person_id: String,
        /// Why.
        reason: String,
    },
    /// After a 回退, the issuer names the right lead unit and a new time limit.
    Reassign {
        /// The new lead unit.
        lead_unit_id: String,
        /// Why this unit.
        reason: String,
        /// New time limit in working days from today, or
        #[serde(default)]
        time_limit_days: Option<i32>,
        /// a new last day.
        #[serde(default)]
        due_on: Option<chrono::NaiveDate>,
    },
}

/// Input of `registerProblem`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterProblemInput {
    /// The campaign it was found in.
    pub campaign_id: Option<String>,
    /// Category; one of the campaign's when a campaign is given.
    pub category: String,
    /// How it came to light.
    pub source: duban_schema::assignments::ProblemSource,
    /// 问题表现.
    pub description: String,
    /// 原因剖析.
    pub cause_analysis: String,
    /// 整改措施.
    pub measures: Vec<String>,
    /// The unit whose ledger it goes in.
    pub unit_id: String,
    /// 责任人, a person of that unit; its leader when omitted.
    pub responsible_person_id: Option<String>,
    /// 责任领导.
    pub responsible_leader_id: Option<String>,
    /// 整改时限 in working days (or give `due_on`).
    pub time_limit_days: Option<i32>,
    /// 整改时限 as a last day (or give `time_limit_days`).
    pub due_on: Option<chrono::NaiveDate>,
}

/// A ledger command carried by [`AssignmentsApi::problem_command`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ProblemCommand {
    /// 申请销号 by the unit.
    RequestCloseOut {
        /// 整改情况.
        summary: String,
        /// Evidence references.
        evidence: Vec<String>,
    },
    /// 销号 by a supervisor.
    Close,
    /// 退回 by a supervisor.
    Return {
        /// Why.
        reason: String,
    },
    /// 回头看 by a supervisor: the problem is back, with a new 整改时限.
    Reopen {
        /// What the review found.
        reason: String,
        /// New time limit in working days from today, or
        #[serde(default)]
        time_limit_days: Option<i32>,
        /// a new last day.
        #[serde(default)]
        due_on: Option<chrono::NaiveDate>,
    },
}

/// One step of a problem's history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ProblemLogView {
    /// Event type, e.g. `ProblemReturned`.
    pub action: String,
    /// Summary or reason.
    pub text: String,
    /// Evidence references.
    pub evidence: Vec<String>,
    /// Who.
    pub actor: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A ledger problem as clients see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProblemView {
    /// Current snapshot.
    pub problem: duban_schema::assignments::ProblemSnapshot,
    /// What happened to it, oldest first.
    pub history: Vec<ProblemLogView>,
}

/// Filter of `problems`; every field optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProblemFilter {
    /// A unit id: that unit and its subtree.
    pub scope: Option<String>,
    /// Any of these states.
    pub states: Option<Vec<duban_schema::assignments::ProblemState>>,
    /// Only this campaign's.
    pub campaign_id: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this source.
    pub source: Option<duban_schema::assignments::ProblemSource>,
    /// Description, cause or measures contain this text.
    pub text: Option<String>,
    /// Time limit on or after this day.
    pub due_from: Option<chrono::NaiveDate>,
    /// Time limit on or before this day.
    pub due_to: Option<chrono::NaiveDate>,
    /// Only this person's.
    pub responsible_person_id: Option<String>,
}

/// Which ledger a file holds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum LedgerKind {
    /// 问题清单台账.
    Problems,
    /// 交办事项清单.
    Assignments,
}

/// One data row of an imported ledger: its row number in the file and its cells by header.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportRow {
    /// Row number as the office sees it in Excel (the header is row 1).
    pub row: usize,
    /// Cell text by column header.
    pub cells: HashMap<String, String>,
}

/// One refused cell of an import.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ImportIssue {
    /// Row number in the file.
    pub row: usize,
    /// Column header.
    pub column: String,
    /// What is wrong, in Chinese.
    pub message: String,
}

/// What an import did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ImportReport {
    /// Rows read.
    pub rows: usize,
    /// Ids created, in row order; empty when nothing was imported.
    pub imported: Vec<String>,
    /// Ids of items the file names by 编号 and that are already as it says.
    #[serde(default)]
    pub unchanged: Vec<String>,
    /// Every bad row and cell.
    pub issues: Vec<ImportIssue>,
}

/// Input of `updateOrgUnit`: the fields to change.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UpdateOrgUnitInput {
    /// The unit.
    pub id: String,
    /// The version the caller saw; a newer one is a VERSION_CONFLICT.
    pub expected_version: i64,
    /// New name.
    pub name: Option<String>,
    /// New 统计用区划代码.
    pub division_code: Option<String>,
}

/// Input of `updatePerson`: the fields to change.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UpdatePersonInput {
    /// The person.
    pub id: String,
    /// The version the caller saw; a newer one is a VERSION_CONFLICT.
    pub expected_version: i64,
    /// New title.
    pub title: Option<String>,
    /// Move to this unit.
    pub unit_id: Option<String>,
    /// New roles.
    pub roles: Option<Vec<duban_schema::Role>>,
    /// 分管领导; an empty string clears it.
    pub supervising_leader_id: Option<String>,
    /// Mark as having left the post (or back).
    pub deactivated: Option<bool>,
    /// Who takes over the open items and problems when the person leaves the post or the
    /// unit; the unit's leader when none is named.
    #[serde(default)]
    pub successor_id: Option<String>,
}

/// Input of `createDutyRule`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateDutyRuleInput {
    /// Title of each assignment.
    pub title: String,
    /// What is to be done.
    pub description: String,
    /// When it falls due.
    pub recurrence: duban_schema::assignments::Recurrence,
    /// Unit that carries it out.
    pub unit_id: String,
    /// A person who carries it out; the unit's leader when none.
    pub person_id: Option<String>,
    /// Working days from the day it falls due to its time limit.
    pub time_limit_days: i32,
    /// Move days on rest days to the next working day.
    pub working_days_only: bool,
    /// First day; today when omitted.
    pub starts_on: Option<chrono::NaiveDate>,
}

/// Sort order of `assignments`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum AssignmentSort {
    /// Earliest time limit first (the default).
    #[default]
    DueAsc,
    /// Latest time limit first.
    DueDesc,
    /// Most recently issued first.
    IssuedDesc,
}

/// Filter of `assignments`; every field optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AssignmentFilter {
    /// A unit id: that unit and its subtree.
    pub scope: Option<String>,
    /// Any of these states.
    pub states: Option<Vec<AssignmentState>>,
    /// Only these ids (used for color filters).
    pub ids: Option<Vec<String>>,
    /// Title or description contains this text.
    pub text: Option<String>,
    /// Time limit on or after this day.
    #[serde(default)]
    pub due_from: Option<chrono::NaiveDate>,
    /// Time limit on or before this day.
    #[serde(default)]
    pub due_to: Option<chrono::NaiveDate>,
    /// Only items this person is responsible for.
    #[serde(default)]
    pub responsible_person_id: Option<String>,
    /// Only this campaign's.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// Only this problem category.
    #[serde(default)]
    pub category: Option<String>,
    /// Only items this unit cooperates on (配合单位).
    #[serde(default)]
    pub cooperating_unit_id: Option<String>,
    /// Order; time limit first by default.
    #[serde(default)]
    pub sort: AssignmentSort,
}

/// One day of the working calendar.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CalendarDayView {
    /// The day.
    pub date: chrono::NaiveDate,
    /// Whether it is a working day.
    pub workday: bool,
    /// The holiday's name when it is one.
    pub holiday: Option<String>,
    /// The holiday a worked weekend day (调休上班) belongs to.
    pub makeup_for: Option<String>,
}

/// The assignments service. Its commands answer with the item as it now stands, without
/// its progress reports, deadline changes and transfers (read those with `assignment`).
#[async_trait]
pub trait AssignmentsApi: Send + Sync {
    /// Every day of `year` on the working calendar.
    async fn work_calendar(
        &self,
        actor: &Actor,
        year: i32,
    ) -> Result<Vec<CalendarDayView>, ApiError>;
    /// Changes one day of the county's working calendar (ADMIN) and moves every open
    /// time limit measured on it.
    async fn set_calendar_day(
        &self,
        actor: &Actor,
        input: SetCalendarDayInput,
    ) -> Result<CalendarChangeView, ApiError>;
    /// Launches a campaign (SUPERVISOR or ADMIN) over a unit in the caller's scope.
    async fn launch_campaign_as(
        &self,
        actor: &Actor,
        input: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError>;
    /// Adds a unit to the directory (ADMIN).
    async fn register_org_unit(
        &self,
        actor: &Actor,
        input: RegisterOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError>;
    /// Adds a person to the directory (ADMIN).
    async fn register_person_as(
        &self,
        actor: &Actor,
        input: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError>;
    /// The `days`th working day after `from`.
    async fn add_working_days(
        &self,
        actor: &Actor,
        from: chrono::NaiveDate,
        days: i32,
    ) -> Result<chrono::NaiveDate, ApiError>;
    /// 交办: a supervisor issues an assignment.
    async fn issue_assignment(
        &self,
        actor: &Actor,
        input: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 签收.
    async fn acknowledge_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 进度报送.
    async fn report_progress(
        &self,
        actor: &Actor,
        input: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 办结, with the result.
    async fn complete_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 审核销号.
    async fn verify_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 退回, with the reason.
    async fn return_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// The supervisor's other transitions: cancel, reopen, raise supervision, suspend, resume.
    async fn command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError>;
    /// One assignment in the caller's scope.
    async fn assignment(&self, actor: &Actor, id: &str) -> Result<AssignmentView, ApiError>;
    /// Assignments in the caller's scope, ordered by time limit then id.
    async fn assignments(
        &self,
        actor: &Actor,
        filter: AssignmentFilter,
        page: PageRequest,
    ) -> Result<Page<AssignmentView>, ApiError>;
    /// 登记: enters a problem in a unit's ledger; rectification starts.
    async fn register_problem(
        &self,
        actor: &Actor,
        input: RegisterProblemInput,
    ) -> Result<ProblemView, ApiError>;
    /// A ledger transition: request close-out, close, return, reopen.
    async fn problem_command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: ProblemCommand,
    ) -> Result<ProblemView, ApiError>;
    /// One problem in the caller's scope.
    async fn problem(&self, actor: &Actor, id: &str) -> Result<ProblemView, ApiError>;
    /// Problems in the caller's scope, ordered by time limit then id.
    async fn problems(
        &self,
        actor: &Actor,
        filter: ProblemFilter,
        page: PageRequest,
    ) -> Result<Page<ProblemView>, ApiError>;
    /// Imports a ledger: every row is checked; nothing is written unless all are good,
    /// or, with `only_good`, the good rows are written and the rest listed.
    async fn import_ledger(
        &self,
        actor: &Actor,
        kind: LedgerKind,
        rows: Vec<ImportRow>,
        only_good: bool,
    ) -> Result<ImportReport, ApiError>;
    /// Changes a unit's name or code (ADMIN).
    async fn update_org_unit(
        &self,
        actor: &Actor,
        input: UpdateOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError>;
    /// Changes a person's post, unit, roles or supervising leader (ADMIN).
    async fn update_person(
        &self,
        actor: &Actor,
        input: UpdatePersonInput,
    ) -> Result<PersonSnapshot, ApiError>;
    /// Makes a recurring duty rule (SUPERVISOR, or the unit's leader for their own unit).
    async fn create_duty_rule(
        &self,
        actor: &Actor,
        input: CreateDutyRuleInput,
    ) -> Result<duban_schema::assignments::DutyRuleSnapshot, ApiError>;
    /// Duty rules for units in the caller's scope.
    async fn duty_rules(
        &self,
        actor: &Actor,
    ) -> Result<Vec<duban_schema::assignments::DutyRuleSnapshot>, ApiError>;
    /// Units in the caller's scope, ordered by path.
    async fn org_units(&self, actor: &Actor) -> Result<Vec<OrgUnitSnapshot>, ApiError>;
    /// One unit in the caller's scope.
    async fn org_unit(&self, actor: &Actor, id: &str) -> Result<OrgUnitSnapshot, ApiError>;
    /// One person in the caller's scope.
    async fn person(&self, actor: &Actor, id: &str) -> Result<PersonSnapshot, ApiError>;
    /// Campaigns whose scope covers the caller.
    async fn campaigns(&self, actor: &Actor) -> Result<Vec<CampaignSnapshot>, ApiError>;
    /// Whether the service can serve (database reachable).
    async fn ready(&self) -> Result<(), ApiError>;
    /// The caller a token's subject is now, from the directory; UNAUTHENTICATED when the
    /// person is unknown, deactivated or the token's generation was revoked.
    async fn authenticate(&self, subject: &duban_auth::Subject) -> Result<Actor, ApiError>;
}

/// An item's three-color status.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColorView {
    /// The color.
    pub color: Color,
    /// Why, in Chinese.
    pub reason: String,
    /// Since when.
    pub since: DateTime<FixedOffset>,
}

/// The evaluation service.
#[async_trait]
pub trait EvaluationApi: Send + Sync {
    /// Colors of the given items; items evaluation has not seen yet are absent.
    async fn colors(&self, ids: &[String]) -> Result<HashMap<String, ColorView>, ApiError>;
    /// Ids of the items of `color` in the caller's scope.
    async fn ids_with_color(&self, actor: &Actor, color: Color) -> Result<Vec<String>, ApiError>;
    /// Whether the service can serve.
    async fn ready(&self) -> Result<(), ApiError>;
}

/// A notice as its recipient sees it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NotificationView {
    /// The notice.
    pub notification: NotificationSnapshot,
    /// When the recipient marked it read.
    pub read_at: Option<DateTime<FixedOffset>>,
}

/// The notifications service.
#[async_trait]
pub trait NotificationsApi: Send + Sync {
    /// The caller's inbox, newest first.
    async fn my_notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<NotificationView>, ApiError>;
    /// Marks one of the caller's notices read.
    async fn mark_read(&self, actor: &Actor, id: &str) -> Result<NotificationView, ApiError>;
    /// Notices for `person_id` from now on, as they arrive.
    fn watch(&self, person_id: &str) -> BoxStream<'static, NotificationView>;
    /// Whether the service can serve.
    async fn ready(&self) -> Result<(), ApiError>;
}

/// One appended event in the audit log.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AuditEntryView {
    /// Leaf index, from 0.
    pub index: i64,
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// The aggregate it concerns.
    pub aggregate_id: String,
    /// The org path it concerns.
    pub org_path: String,
    /// Who caused it.
    pub actor: String,
    /// The trace (request) it belongs to.
    pub correlation_id: String,
    /// When it happened.
    pub occurred_at: DateTime<FixedOffset>,
    /// RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// What changed: the event's data, as JSON.
    pub data: String,
}

/// A signed tree head of the audit log.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckpointView {
    /// Leaves covered.
    pub size: u64,
    /// Root hash, base64.
    pub root_hash: String,
    /// Cipher suite, e.g. `sha256-ed25519`.
    pub suite: String,
    /// The whole signed note (C2SP checkpoint), to keep and verify offline.
    pub note: String,
    /// When it was signed.
    pub created_at: DateTime<FixedOffset>,
}

/// Proof that one event is in the log at a signed size.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InclusionProofView {
    /// The event.
    pub event_id: String,
    /// Its leaf index.
    pub leaf_index: u64,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// Leaf hash, base64.
    pub leaf_hash: String,
    /// Audit path, base64 hashes, leaf to root.
    pub hashes: Vec<String>,
    /// The signed checkpoint of that size.
    pub checkpoint: CheckpointView,
}

/// Proof that a later tree extends an earlier one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConsistencyProofView {
    /// Earlier size.
    pub from_size: u64,
    /// Later size.
    pub to_size: u64,
    /// Proof hashes, base64.
    pub hashes: Vec<String>,
    /// The signed checkpoint of the later size.
    pub checkpoint: CheckpointView,
}

/// Filter of `auditEntries`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Only events of this aggregate (an assignment, a person…).
    pub aggregate_id: Option<String>,
    /// Only events of this trace (one request and everything it caused).
    pub correlation_id: Option<String>,
    /// Only events caused by this person (作风表现台账).
    pub actor: Option<String>,
    /// Only events in this unit path's subtree.
    pub scope_path: Option<String>,
    /// Only events on or after this instant.
    pub from: Option<DateTime<FixedOffset>>,
    /// Only events before this instant.
    pub to: Option<DateTime<FixedOffset>>,
}

/// The audit service.
#[async_trait]
pub trait AuditApi: Send + Sync {
    /// Entries in the caller's scope, oldest first.
    async fn entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntryView>, ApiError>;
    /// The latest signed checkpoint, signing one now when the tree has grown since.
    async fn checkpoint(&self, actor: &Actor) -> Result<CheckpointView, ApiError>;
    /// Inclusion proof of an event at `tree_size` (default: the latest checkpoint).
    async fn inclusion_proof(
        &self,
        actor: &Actor,
        event_id: &str,
        tree_size: Option<u64>,
    ) -> Result<InclusionProofView, ApiError>;
    /// Consistency proof from `from_size` to `to_size` (default: the latest checkpoint).
    async fn consistency_proof(
        &self,
        actor: &Actor,
        from_size: u64,
        to_size: Option<u64>,
    ) -> Result<ConsistencyProofView, ApiError>;
    /// The verifier key of the log's checkpoints (C2SP signed-note format).
    async fn verifier_key(&self) -> Result<String, ApiError>;
    /// Whether the service can serve.
    async fn ready(&self) -> Result<(), ApiError>;
}
