//! Events of the assignments service and the snapshots they carry.

use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::{graphql_input, graphql_object};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Role;

mod events;
pub use events::*;

pub use crate::duty::{DutyRuleSnapshot, Recurrence};

/// Kind of an org unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnitKind {
    /// 县
    County,
    /// 乡/镇/街道
    Township,
    /// 县直部门
    Department,
    /// 办公室/科室
    Office,
}

/// A unit of the county's directory.
#[graphql_object(name = "OrgUnit", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrgUnitSnapshot {
    /// Unit id.
    pub id: String,
    /// Parent unit, none for the county.
    pub parent_id: Option<String>,
    /// County, township, department or office.
    pub kind: UnitKind,
    /// Official name, e.g. 青石镇党政办公室.
    pub name: String,
    /// 统计用区划代码 (6 digits for a county, 9 for a township), where it has one.
    pub division_code: Option<String>,
    /// Path of ids from the county down, e.g. `/c1/t1/o1`.
    pub path: String,
    /// Version, raised by every change; pass it as `expectedVersion` to change it.
    #[serde(default = "first_version")]
    pub version: i64,
}

fn first_version() -> i64 {
    1
}

/// A person of the county's directory.
#[graphql_object(name = "Person", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PersonSnapshot {
    /// Person id.
    pub id: String,
    /// Login account, unique in the county.
    pub account: String,
    /// Full name.
    pub name: String,
    /// Title, e.g. 办公室主任.
    pub title: String,
    /// The unit the person works in.
    pub unit_id: String,
    /// That unit's path.
    #[gql(skip)]
    pub unit_path: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// 分管领导: the leader who answers for this person's work, where set.
    #[serde(default)]
    pub supervising_leader_id: Option<String>,
    /// Left the post: kept for history, given no new work and no login.
    #[serde(default)]
    pub deactivated: bool,
    /// Version, raised by every change; pass it as `expectedVersion` to change it.
    #[serde(default = "first_version")]
    pub version: i64,
}

/// One phase of a campaign (自查自纠, 整改落实, 巩固提升).
#[graphql_object(name = "Phase", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseSnapshot {
    /// Position, from 1.
    pub ordinal: i32,
    /// Phase name.
    pub name: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
}

/// A campaign (专项整治).
#[graphql_object(name = "Campaign", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CampaignSnapshot {
    /// Campaign id.
    pub id: String,
    /// Name, e.g. 改进作风、狠抓落实.
    pub name: String,
    /// Issuing document number (文号).
    pub document_number: String,
    /// Unit whose subtree the campaign covers.
    pub scope_unit_id: String,
    /// Ordered phases.
    pub phases: Vec<PhaseSnapshot>,
    /// Problem categories in use.
    pub categories: Vec<String>,
    /// Days by which units report on the campaign (阶段性报告), in order.
    #[serde(default)]
    pub report_deadlines: Vec<ReportDeadlineSnapshot>,
}

/// A day by which units report on a campaign, e.g. 自查报告 by 3月10日.
#[graphql_object(name = "ReportDeadline", feature = "graphql")]
#[graphql_input(name = "ReportDeadlineInput", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReportDeadlineSnapshot {
    /// What is reported, e.g. 自查自纠情况报告.
    pub name: String,
    /// Last day.
    pub due_on: NaiveDate,
}

/// Where an assignment comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssignmentSource {
    /// 领导批示
    LeaderInstruction,
    /// 会议决定
    MeetingDecision,
    /// 重点任务
    KeyTask,
    /// 群众诉求
    PublicRequest,
    /// 问题整改
    Problem,
    /// 工作动态清单: created by a recurring duty rule
    RecurringDuty,
    /// 作风体检: a 谈心谈话 for a unit ranked among the lowest
    ConductReview,
    /// 好差评整改: a 差评 rectified by the unit that handled the item
    RatingRectification,
    /// 好差评回访: the follow-up visit to the one who gave a 差评
    RatingFollowUp,
}

impl AssignmentSource {
    /// The `source_text` of a 好差评 rectification or follow-up: names the rated item.
    pub fn rating_source_text(item_id: &str) -> String {
        format!("{RATED_ITEM}{item_id}")
    }

    /// The rated item a 好差评 rectification's `source_text` names.
    pub fn rated_item(source_text: &str) -> Option<&str> {
        source_text.strip_prefix(RATED_ITEM)
    }
}

const RATED_ITEM: &str = "好差评事项 ";

/// How urgent an assignment is (公文紧急程度).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Urgency {
    /// 一般
    #[default]
    Normal,
    /// 急
    Urgent,
    /// 特急
    VeryUrgent,
}

impl Urgency {
    /// Every urgency, lowest first.
    pub const ALL: [Urgency; 3] = [Urgency::Normal, Urgency::Urgent, Urgency::VeryUrgent];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "NORMAL",
            Urgency::Urgent => "URGENT",
            Urgency::VeryUrgent => "VERY_URGENT",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Normal => "一般",
            Urgency::Urgent => "急",
            Urgency::VeryUrgent => "特急",
        }
    }
}

/// Lifecycle state of an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssignmentState {
    /// 已交办
    Issued,
    /// 已签收
    Acknowledged,
    /// 办理中
    InProgress,
    /// 已中止
    Suspended,
    /// 已办结, awaiting verification
    Completed,
    /// 已销号
    Closed,
    /// 已退回
    Returned,
    /// 已撤销
    Cancelled,
}

impl AssignmentState {
    /// Every state, in lifecycle order.
    pub const ALL: [AssignmentState; 8] = [
        AssignmentState::Issued,
        AssignmentState::Acknowledged,
        AssignmentState::InProgress,
        AssignmentState::Suspended,
        AssignmentState::Completed,
        AssignmentState::Closed,
        AssignmentState::Returned,
        AssignmentState::Cancelled,
    ];

    /// The wire name, as stored and as in GraphQL.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentState::Issued => "ISSUED",
            AssignmentState::Acknowledged => "ACKNOWLEDGED",
            AssignmentState::InProgress => "IN_PROGRESS",
            AssignmentState::Suspended => "SUSPENDED",
            AssignmentState::Completed => "COMPLETED",
            AssignmentState::Closed => "CLOSED",
            AssignmentState::Returned => "RETURNED",
            AssignmentState::Cancelled => "CANCELLED",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            AssignmentState::Issued => "已交办",
            AssignmentState::Acknowledged => "已签收",
            AssignmentState::InProgress => "办理中",
            AssignmentState::Suspended => "已中止",
            AssignmentState::Completed => "已办结",
            AssignmentState::Closed => "已销号",
            AssignmentState::Returned => "已退回",
            AssignmentState::Cancelled => "已撤销",
        }
    }

    /// Whether the item is finished and no longer runs against its time limit.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            AssignmentState::Completed | AssignmentState::Closed | AssignmentState::Cancelled
        )
    }
}

/// How hard a supervisor presses an item: 催办 → 督办 → 挂牌督办.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SupervisionLevel {
    /// 常规
    #[default]
    Normal,
    /// 催办
    Urged,
    /// 督办
    Supervised,
    /// 挂牌督办
    Listed,
}

impl SupervisionLevel {
    /// Every level, lowest first.
    pub const ALL: [SupervisionLevel; 4] = [
        SupervisionLevel::Normal,
        SupervisionLevel::Urged,
        SupervisionLevel::Supervised,
        SupervisionLevel::Listed,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SupervisionLevel::Normal => "NORMAL",
            SupervisionLevel::Urged => "URGED",
            SupervisionLevel::Supervised => "SUPERVISED",
            SupervisionLevel::Listed => "LISTED",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            SupervisionLevel::Normal => "常规",
            SupervisionLevel::Urged => "催办",
            SupervisionLevel::Supervised => "督办",
            SupervisionLevel::Listed => "挂牌督办",
        }
    }
}

/// What an assignment asks, as its issuer wrote it: the part of `issueAssignment`'s input
/// that the item carries as given (its title and text trimmed).
#[graphql_object(name = "AssignmentBrief", feature = "graphql")]
#[graphql_input(name = "AssignmentBriefInput", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssignmentBrief {
    /// Short title, at most 200 characters.
    pub title: String,
    /// What is to be done.
    #[gql(default)]
    pub description: String,
    /// Where it comes from; a leader's instruction unless given.
    #[gql(default_with = "AssignmentSource::LeaderInstruction")]
    pub source: AssignmentSource,
    /// The instruction's or decision's own words (批示原文), where given.
    pub source_text: Option<String>,
    /// How urgent it is; 一般 unless given.
    #[serde(default)]
    pub urgency: Urgency,
    /// 配合单位: units that help the lead unit.
    #[serde(default)]
    pub cooperating_unit_ids: Vec<String>,
    /// The campaign it belongs to, where it does.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// The problem category (one of the campaign's), where it has one.
    #[serde(default)]
    pub category: Option<String>,
    /// The ledger problem it rectifies, where it does.
    #[serde(default)]
    pub problem_id: Option<String>,
    /// 文号: the number of the notice or instruction it was issued under, such as
    /// 县督字〔2026〕15号, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
}

/// A text an input carries, and the most characters it may have.
#[derive(Clone, Copy, Debug)]
pub struct BoundedText<'a> {
    /// Its name in the input (camelCase).
    pub field: &'static str,
    /// What it is, in Chinese.
    pub label: &'static str,
    /// The text, where given.
    pub text: Option<&'a str>,
    /// Most characters.
    pub max_chars: usize,
}

impl AssignmentBrief {
    /// The most characters of a title.
    pub const TITLE_MAX_CHARS: usize = 200;

    /// A brief with a title, text and source, the rest as left out.
    pub fn new(
        title: impl Into<String>,
        description: impl Into<String>,
        source: AssignmentSource,
    ) -> Self {
        Self {
            title: title.into(),
            description: description.into(),
            source,
            source_text: None,
            urgency: Urgency::default(),
            cooperating_unit_ids: vec![],
            campaign_id: None,
            category: None,
            problem_id: None,
            document_number: None,
        }
    }

    /// Its texts with their bounds.
    pub fn bounded_texts(&self) -> Vec<BoundedText<'_>> {
        let text = |field, label, text, max_chars| BoundedText {
            field,
            label,
            text,
            max_chars,
        };
        vec![
            text(
                "title",
                "标题",
                Some(self.title.as_str()),
                Self::TITLE_MAX_CHARS,
            ),
            text(
                "description",
                "事项内容",
                Some(self.description.as_str()),
                5000,
            ),
            text("sourceText", "批示原文", self.source_text.as_deref(), 5000),
            text("category", "类别", self.category.as_deref(), 50),
            text(
                "documentNumber",
                "文号",
                self.document_number.as_deref(),
                50,
            ),
        ]
    }
}

/// An assignment (交办事项).
#[graphql_object(name = "AssignmentSnapshot", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssignmentSnapshot {
    /// Assignment id.
    pub id: String,
    /// What it asks, as the issuer wrote it.
    #[serde(flatten)]
    pub brief: AssignmentBrief,
    /// Supervisor who issued it.
    pub issuer_id: String,
    /// The issuer's unit.
    #[gql(skip)]
    pub issuer_unit_id: String,
    /// 承办单位.
    pub lead_unit_id: String,
    /// The lead unit's path, for scoping.
    #[gql(skip)]
    pub lead_unit_path: String,
    /// The lead unit's name.
    pub lead_unit_name: String,
    /// 责任人 in the lead unit.
    pub responsible_person_id: String,
    /// Current state.
    pub state: AssignmentState,
    /// Time limit in working days, when given that way.
    pub time_limit_days: Option<i32>,
    /// When it was issued.
    pub issued_at: DateTime<FixedOffset>,
    /// Last day to finish it (办结时限), on the working calendar.
    pub due_on: NaiveDate,
    /// Latest reported progress, 0–100.
    pub progress_percent: i32,
    /// Version after this change, raised by every change; pass it as `expectedVersion` to
    /// change the item.
    pub version: i64,
    /// Supervision level.
    #[serde(default)]
    pub supervision_level: SupervisionLevel,
    /// Day the item was suspended, while it is.
    #[serde(default)]
    pub suspended_on: Option<NaiveDate>,
    /// Working days of an extension the lead unit asked for and the issuer has not decided.
    #[serde(default)]
    pub pending_extension_days: Option<i32>,
    /// Extensions granted so far.
    #[serde(default)]
    pub extension_count: i32,
    /// Unit the lead unit asked to transfer the item to, not yet decided.
    #[serde(default)]
    pub pending_transfer_unit_id: Option<String>,
    /// Transfers approved so far.
    #[serde(default)]
    pub transfer_count: i32,
    /// Sent back to the issuer by a wrong lead unit (回退): it waits for the issuer to name
    /// the right one, and the old unit can no longer act on it.
    #[gql(skip)]
    #[serde(default)]
    pub returned_to_issuer: bool,
    /// The person who answers for each cooperating unit's part, told of the item and of
    /// every change of its time limit.
    #[gql(skip)]
    #[serde(default)]
    pub cooperating_person_ids: Vec<String>,
    /// Last day to sign for it (签收时限), on the working calendar.
    #[serde(default)]
    pub ack_due_on: Option<NaiveDate>,
    /// The recurring duty rule that created it, where one did.
    #[serde(default)]
    pub duty_id: Option<String>,
}

impl AssignmentSnapshot {
    /// A just-issued item of 青石镇党政办 due on 2026-03-31, for tests and examples.
    pub fn example(id: &str) -> Self {
        let issued_at =
            chrono::DateTime::parse_from_rfc3339("2026-03-10T09:00:00+08:00").unwrap_or_default();
        Self {
            id: id.into(),
            brief: AssignmentBrief::new(
                format!("事项{id}"),
                "按期完成整改",
                AssignmentSource::KeyTask,
            ),
            issuer_id: "p-county-supervisor".into(),
            issuer_unit_id: "county-dcs".into(),
            lead_unit_id: "qingshi-dzb".into(),
            lead_unit_path: "/qs/qingshi/qingshi-dzb".into(),
            lead_unit_name: "青石镇党政办".into(),
            responsible_person_id: "p-qingshi-clerk".into(),
            state: AssignmentState::Issued,
            time_limit_days: Some(15),
            issued_at,
            due_on: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default(),
            progress_percent: 0,
            version: 1,
            supervision_level: SupervisionLevel::Normal,
            suspended_on: None,
            pending_extension_days: None,
            extension_count: 0,
            pending_transfer_unit_id: None,
            transfer_count: 0,
            returned_to_issuer: false,
            cooperating_person_ids: vec![],
            ack_due_on: None,
            duty_id: None,
        }
    }

    /// Two or more transfers: the item is being passed around (推诿, 击鼓传花).
    pub fn buck_passing(&self) -> bool {
        self.transfer_count >= 2
    }
}

/// One progress report (进度报送).
#[graphql_object(name = "ProgressReport", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProgressReportSnapshot {
    /// Report id.
    pub id: String,
    /// Progress, 0–100.
    pub percent: i32,
    /// What was done.
    pub text: String,
    /// Who reported.
    #[gql(id)]
    pub reported_by: String,
    /// When.
    pub reported_at: DateTime<FixedOffset>,
    /// Evidence references (file numbers, photo ids, links).
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// How a problem came to light: the seeds' 自己找、群众提、上级点、组织查, plus 巡察反馈 and 信访.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProblemSource {
    /// 自己找
    SelfFound,
    /// 群众提
    PublicRaised,
    /// 上级点
    SuperiorPointed,
    /// 组织查
    OrganisationCheck,
    /// 巡视巡察反馈
    InspectionFeedback,
    /// 信访举报
    Petition,
}

impl ProblemSource {
    /// Every source, in the seeds' order.
    pub const ALL: [ProblemSource; 6] = [
        ProblemSource::SelfFound,
        ProblemSource::PublicRaised,
        ProblemSource::SuperiorPointed,
        ProblemSource::OrganisationCheck,
        ProblemSource::InspectionFeedback,
        ProblemSource::Petition,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemSource::SelfFound => "SELF_FOUND",
            ProblemSource::PublicRaised => "PUBLIC_RAISED",
            ProblemSource::SuperiorPointed => "SUPERIOR_POINTED",
            ProblemSource::OrganisationCheck => "ORGANISATION_CHECK",
            ProblemSource::InspectionFeedback => "INSPECTION_FEEDBACK",
            ProblemSource::Petition => "PETITION",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The Chinese label, as in the ledger's 来源 column.
    pub fn label(self) -> &'static str {
        match self {
            ProblemSource::SelfFound => "自己找",
            ProblemSource::PublicRaised => "群众提",
            ProblemSource::SuperiorPointed => "上级点",
            ProblemSource::OrganisationCheck => "组织查",
            ProblemSource::InspectionFeedback => "巡察反馈",
            ProblemSource::Petition => "信访举报",
        }
    }

    /// Parses the Chinese label or the wire name.
    pub fn from_label(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|v| v.label() == s || v.as_str() == s)
    }
}

/// Where a ledger problem stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProblemState {
    /// 整改中
    Rectifying,
    /// 申请销号, awaiting the supervisor
    CloseOutRequested,
    /// 已销号
    Closed,
}

impl ProblemState {
    /// Every state, in lifecycle order.
    pub const ALL: [ProblemState; 3] = [
        ProblemState::Rectifying,
        ProblemState::CloseOutRequested,
        ProblemState::Closed,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemState::Rectifying => "RECTIFYING",
            ProblemState::CloseOutRequested => "CLOSE_OUT_REQUESTED",
            ProblemState::Closed => "CLOSED",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            ProblemState::Rectifying => "整改中",
            ProblemState::CloseOutRequested => "申请销号",
            ProblemState::Closed => "已销号",
        }
    }
}

/// One problem in a unit's ledger (问题清单台账).
#[graphql_object(name = "ProblemSnapshot", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProblemSnapshot {
    /// Problem id.
    pub id: String,
    /// The campaign it was found in, where it was.
    pub campaign_id: Option<String>,
    /// Category, e.g. 担当作为方面.
    pub category: String,
    /// How it came to light.
    pub source: ProblemSource,
    /// 问题表现.
    pub description: String,
    /// 原因剖析.
    pub cause_analysis: String,
    /// 整改措施, in order.
    pub measures: Vec<String>,
    /// The unit whose ledger it is in.
    pub unit_id: String,
    /// That unit's path, for scoping.
    #[gql(skip)]
    pub unit_path: String,
    /// That unit's name.
    pub unit_name: String,
    /// 责任人.
    pub responsible_person_id: String,
    /// 责任领导, where named.
    pub responsible_leader_id: Option<String>,
    /// Who entered it.
    #[gql(id)]
    pub registered_by: String,
    /// When.
    pub registered_at: DateTime<FixedOffset>,
    /// 整改时限.
    pub due_on: NaiveDate,
    /// Where it stands.
    pub state: ProblemState,
    /// Version after this change; pass as `expectedVersion` to change it.
    pub version: i64,
    /// Times a close-out was refused.
    pub return_count: i32,
    /// Times a follow-up review (回头看) reopened it.
    pub reopen_count: i32,
}

/// A county's change to one day of its working calendar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CalendarDaySnapshot {
    /// The day.
    pub date: NaiveDate,
    /// Whether it is now a working day.
    pub workday: bool,
    /// Holiday name, or the holiday a worked day belongs to.
    pub name: Option<String>,
    /// Why, e.g. 县委决定.
    pub reason: String,
}
