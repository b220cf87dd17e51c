//! What callers send the assignments service: one input per operation, the command enums and
//! the list filters.

use duban_api_macros::graphql_input;
use duban_schema::assignments::{AssignmentBrief, AssignmentSource, AssignmentState};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Input of `setCalendarDay`.
#[graphql_input(name = "SetCalendarDayInput")]
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
#[graphql_input(name = "RegisterOrgUnitInput")]
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
#[graphql_input(name = "PhaseInput")]
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
#[graphql_input(name = "LaunchCampaignInput")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LaunchCampaignInput {
    /// Name, e.g. 改进作风、狠抓落实.
    pub name: String,
    /// Issuing document number (文号).
    #[serde(default)]
    pub document_number: String,
    /// Unit whose subtree the campaign covers.
    pub scope_unit_id: String,
    /// Ordered phases; a phase may start the day the previous one ends.
    pub phases: Vec<PhaseInput>,
    /// Problem categories; the six of the seeds (慢作为…弄虚作假) when omitted.
    pub categories: Option<Vec<String>>,
    /// Days by which units report, with what.
    #[serde(default)]
    pub report_deadlines: Vec<duban_schema::assignments::ReportDeadlineSnapshot>,
}

/// Input of `registerPerson`.
#[graphql_input(name = "RegisterPersonInput")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterPersonInput {
    /// Login account, unique.
    pub account: String,
    /// Full name.
    pub name: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Unit.
    pub unit_id: String,
    /// Roles.
    pub roles: Vec<duban_schema::Role>,
}

/// Input of `issueAssignment`.
#[graphql_input(name = "IssueAssignmentInput")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssueAssignmentInput {
    /// What it asks, as the item will carry it; its fields are this input's own.
    #[serde(flatten)]
    pub brief: AssignmentBrief,
    /// 承办单位.
    pub lead_unit_id: String,
    /// 责任人; default the lead unit's leader.
    pub responsible_person_id: Option<String>,
    /// Time limit in working days (1–365); or give `dueOn`.
    pub time_limit_days: Option<i32>,
    /// Time limit as a last day; or give `timeLimitDays`.
    #[serde(default)]
    pub due_on: Option<chrono::NaiveDate>,
    /// Working days to sign for it (0–10); 1 by default, the same day for 特急.
    #[serde(default)]
    pub ack_time_limit_days: Option<i32>,
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
            brief: AssignmentBrief::new(title, description, source),
            lead_unit_id: lead_unit_id.into(),
            responsible_person_id: None,
            time_limit_days: Some(time_limit_days),
            due_on: None,
            ack_time_limit_days: None,
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
#[graphql_input(name = "ReportProgressInput")]
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
#[graphql_input(name = "RegisterProblemInput")]
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
    /// 整改措施, at least one.
    pub measures: Vec<String>,
    /// The unit whose ledger it goes in.
    pub unit_id: String,
    /// 责任人, a person of that unit; its leader when omitted.
    pub responsible_person_id: Option<String>,
    /// 责任领导.
    pub responsible_leader_id: Option<String>,
    /// 整改时限 in working days; or give `dueOn`.
    pub time_limit_days: Option<i32>,
    /// 整改时限 as a last day; or give `timeLimitDays`.
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

/// Filter of `problems`; every field optional.
#[graphql_input(name = "ProblemFilter")]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProblemFilter {
    /// A unit: that unit and its whole subtree.
    #[gql(id)]
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

/// Input of `updateOrgUnit`: the fields to change.
#[graphql_input(name = "UpdateOrgUnitInput")]
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
#[graphql_input(name = "UpdatePersonInput")]
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
    #[gql(plain)]
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
#[derive(
    Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, async_graphql::Enum,
)]
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
#[graphql_input(name = "AssignmentFilter")]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AssignmentFilter {
    /// A unit: that unit and its whole subtree.
    #[gql(id)]
    pub scope: Option<String>,
    /// Any of these states.
    pub states: Option<Vec<AssignmentState>>,
    /// Only items showing this card.
    #[serde(default)]
    pub color: Option<duban_schema::Color>,
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

/// Input of `setColorRules`: one scope's rules of the caller's county.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetColorRulesInput {
    /// Which items they are for.
    pub scope: duban_schema::evaluation::RuleScope,
    /// The rules.
    pub rules: duban_schema::evaluation::ColorRules,
    /// The version the caller read (0 for a scope still on the defaults).
    pub expected_version: i64,
}
