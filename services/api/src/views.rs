//! What the services answer: an item with what the gateway shows of it, the ledger and import
//! reports, colors, notices and the audit proofs.

use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::graphql_object;
use duban_schema::assignments::{AssignmentSnapshot, ProgressReportSnapshot};
use duban_schema::evaluation::RuleScope;
use duban_schema::notifications::NotificationSnapshot;
use duban_schema::Color;
use serde::{Deserialize, Serialize};

/// An assignment as clients see it.
#[graphql_object(name = "AssignmentView")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AssignmentView {
    /// Current snapshot.
    #[graphql(flatten)]
    pub assignment: AssignmentSnapshot,
    /// Progress reports, oldest first.
    #[graphql(name = "progressReports")]
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

/// One decided transfer request (转办).
#[graphql_object(name = "Transfer")]
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

/// One move of a time limit (办结时限) and why.
#[graphql_object(name = "DeadlineChange")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeadlineChangeView {
    /// Last day before.
    pub from: NaiveDate,
    /// Last day after.
    pub to: NaiveDate,
    /// Why, in Chinese.
    pub reason: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// Result of `setCalendarDay`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CalendarChangeView {
    /// The day as it is now.
    pub day: CalendarDayView,
    /// Open assignments whose time limit moved.
    pub moved: u32,
}

/// One step of a problem's history.
#[graphql_object(name = "ProblemLogEntry")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ProblemLogView {
    /// Event type, e.g. `ProblemReturned`.
    pub action: String,
    /// Summary or reason.
    pub text: String,
    /// Evidence references.
    pub evidence: Vec<String>,
    /// Who.
    #[gql(id, name = "actor_id")]
    pub actor: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A ledger problem as clients see it.
#[graphql_object(name = "ProblemView")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProblemView {
    /// Current snapshot.
    #[graphql(flatten)]
    pub problem: duban_schema::assignments::ProblemSnapshot,
    /// The card evaluation last announced for it (by its 整改时限), if any yet.
    #[serde(default)]
    pub color: Option<duban_schema::Color>,
    /// What happened to it, oldest first.
    pub history: Vec<ProblemLogView>,
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

/// One day of the working calendar (工作日历).
#[graphql_object(name = "CalendarDay")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CalendarDayView {
    /// The day.
    pub date: chrono::NaiveDate,
    /// Whether it is a working day.
    pub workday: bool,
    /// The holiday's name (e.g. 春节) when it is one.
    pub holiday: Option<String>,
    /// The holiday a worked weekend day (调休上班) belongs to.
    pub makeup_for: Option<String>,
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
    /// The rule that fired (e.g. `RED_OVERDUE`).
    #[serde(default)]
    pub rule: String,
}

/// One scope's color rules as they stand.
#[graphql_object(name = "ColorRuleSet")]
#[graphql(complex)]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColorRuleSetView {
    /// Which items they are for: served as `scope` with `campaignId` or `urgency`.
    #[gql(skip)]
    pub scope: duban_schema::evaluation::RuleScope,
    /// The thresholds.
    pub rules: duban_schema::evaluation::ColorRules,
    /// Version, to send back when changing them; 0 while the defaults stand.
    pub version: i64,
    /// Who set them last.
    #[gql(id)]
    pub changed_by: Option<String>,
    /// When.
    pub changed_at: Option<DateTime<FixedOffset>>,
}

/// Which items a set of color rules is for.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum ColorRuleScope {
    /// The whole county.
    County,
    /// One campaign's items (wins over an urgency's and the county's rules).
    Campaign,
    /// The items of one urgency (wins over the county's rules).
    Urgency,
}

#[async_graphql::ComplexObject]
impl ColorRuleSetView {
    /// Which items.
    async fn scope(&self) -> ColorRuleScope {
        match self.scope {
            RuleScope::County => ColorRuleScope::County,
            RuleScope::Campaign(_) => ColorRuleScope::Campaign,
            RuleScope::Urgency(_) => ColorRuleScope::Urgency,
        }
    }
    /// The campaign, for CAMPAIGN.
    async fn campaign_id(&self) -> Option<async_graphql::ID> {
        match &self.scope {
            RuleScope::Campaign(id) => Some(async_graphql::ID(id.clone())),
            _ => None,
        }
    }
    /// The urgency, for URGENCY.
    async fn urgency(&self) -> Option<duban_schema::assignments::Urgency> {
        match self.scope {
            RuleScope::Urgency(u) => Some(u),
            _ => None,
        }
    }
}

/// A county's color rules: its own (first), then each campaign's and urgency's it set.
#[graphql_object(name = "CountyColorRules")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColorRulesView {
    /// The county (its root unit).
    pub county_id: String,
    /// The county's rules, then the overrides.
    pub sets: Vec<ColorRuleSetView>,
}

/// A notice in the caller's inbox.
#[graphql_object(name = "Notification")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NotificationView {
    /// The notice.
    #[graphql(flatten)]
    pub notification: NotificationSnapshot,
    /// When the recipient marked it read.
    pub read_at: Option<DateTime<FixedOffset>>,
}

/// One event in the tamper-evident audit log.
#[graphql_object(name = "AuditEntry")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AuditEntryView {
    /// Leaf index, from 0.
    pub index: i64,
    /// Event id.
    pub event_id: String,
    /// Event type, e.g. AssignmentIssued.
    pub event_type: String,
    /// Aggregate the event concerns.
    pub aggregate_id: String,
    /// Org path it concerns.
    pub org_path: String,
    /// Person id of who caused it, or `system`.
    pub actor: String,
    /// The trace it belongs to: one request and every event it caused.
    pub correlation_id: String,
    /// When.
    pub occurred_at: DateTime<FixedOffset>,
    /// RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// What changed: the event's data as JSON text.
    pub data: String,
}

/// A signed tree head of the audit log (C2SP checkpoint); keep the note to check later.
#[graphql_object(name = "Checkpoint")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckpointView {
    /// Events covered.
    pub size: u64,
    /// Root hash, base64.
    pub root_hash: String,
    /// Cipher suite: `sha256-ed25519` or `sm3-sm2`.
    pub suite: String,
    /// The signed note, verbatim.
    pub note: String,
    /// When it was signed.
    pub created_at: DateTime<FixedOffset>,
}

/// Proof that an event is in the log (RFC 6962 audit path).
#[graphql_object(name = "InclusionProof")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InclusionProofView {
    /// The event.
    pub event_id: String,
    /// Its leaf index.
    pub leaf_index: u64,
    /// The tree size proven against.
    pub tree_size: u64,
    /// Leaf hash, base64.
    pub leaf_hash: String,
    /// Path hashes, base64, leaf to root.
    pub hashes: Vec<String>,
    /// The signed checkpoint of that size.
    pub checkpoint: CheckpointView,
}

/// Proof that a later log extends an earlier one: nothing was rewritten.
#[graphql_object(name = "ConsistencyProof")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConsistencyProofView {
    /// Earlier size (the commission's saved checkpoint).
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

/// Running counts of a unit's items (one kind, one campaign or all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Items issued (or problems registered).
    pub issued: i64,
    /// Being worked on.
    pub open: i64,
    /// Reported done, awaiting verification.
    pub completed: i64,
    /// Closed (销号).
    pub closed: i64,
    /// Open and past their limit.
    pub overdue: i64,
    /// Not finished, showing a red card.
    pub red: i64,
    /// Not finished, showing a yellow card.
    pub yellow: i64,
    /// Not finished, showing blue.
    pub blue: i64,
    /// Reported done within their limit.
    pub done_on_time: i64,
    /// Reported done after it.
    pub done_late: i64,
    /// Times verification sent items back.
    pub returns: i64,
    /// Acknowledgements due: made, or missed past their day.
    pub ack_due: i64,
    /// Acknowledgements made by their day.
    pub ack_on_time: i64,
    /// Times done items were reopened (回头看).
    pub reopens: i64,
    /// Items this unit handed on by an approved transfer (转办).
    pub transfers: i64,
    /// Items held that were transferred twice or more (推诿).
    pub buck_passing: i64,
    /// Working days from issue to being reported done, summed over the items done.
    pub work_days: i64,
}

impl Figures {
    /// Every count as a list, in the order of [`Figures::from_list`].
    pub fn to_list(self) -> [i64; 17] {
        [
            self.issued,
            self.open,
            self.completed,
            self.closed,
            self.overdue,
            self.red,
            self.yellow,
            self.blue,
            self.done_on_time,
            self.done_late,
            self.returns,
            self.ack_due,
            self.ack_on_time,
            self.reopens,
            self.transfers,
            self.buck_passing,
            self.work_days,
        ]
    }

    /// The figures from [`Figures::to_list`]'s order.
    pub fn from_list(v: [i64; 17]) -> Self {
        let [issued, open, completed, closed, overdue, red, yellow, blue, done_on_time, done_late, returns, ack_due, ack_on_time, reopens, transfers, buck_passing, work_days] =
            v;
        Self {
            issued,
            open,
            completed,
            closed,
            overdue,
            red,
            yellow,
            blue,
            done_on_time,
            done_late,
            returns,
            ack_due,
            ack_on_time,
            reopens,
            transfers,
            buck_passing,
            work_days,
        }
    }

    /// `self − other`, count by count.
    pub fn minus(self, other: Self) -> Self {
        let (a, b) = (self.to_list(), other.to_list());
        Self::from_list(std::array::from_fn(|i| a[i] - b[i]))
    }

    /// `self + other`, count by count.
    pub fn plus(self, other: Self) -> Self {
        let (a, b) = (self.to_list(), other.to_list());
        Self::from_list(std::array::from_fn(|i| a[i] + b[i]))
    }

    /// The figures of a period that ended with `self` and began after `before`: what
    /// accumulates (issued, done, closed, returns, sign-fors, reopens, transfers, working
    /// days) as the difference; what stands (open, overdue, cards, 推诿 held) as at the end.
    pub fn since(self, before: Self) -> Self {
        let d = self.minus(before);
        Self {
            open: self.open,
            completed: self.completed,
            overdue: self.overdue,
            red: self.red,
            yellow: self.yellow,
            blue: self.blue,
            buck_passing: self.buck_passing,
            ..d
        }
    }

    /// Whether every count is zero.
    pub fn is_zero(self) -> bool {
        self.to_list().iter().all(|n| *n == 0)
    }
}

/// A reporting period, ending on the day a board stands at and beginning with the
/// week (Monday), month or year that day lies in.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum Period {
    /// 本周: from Monday.
    Week,
    /// 本月: from the 1st.
    Month,
    /// 本年: from 1 January.
    Year,
}

impl Period {
    /// The first day of the period that `end` lies in.
    pub fn start(self, end: NaiveDate) -> NaiveDate {
        use chrono::Datelike;
        match self {
            Period::Week => {
                end - chrono::Duration::days(i64::from(end.weekday().num_days_from_monday()))
            }
            Period::Month => end.with_day(1).unwrap_or(end),
            Period::Year => end.with_ordinal(1).unwrap_or(end),
        }
    }
}

/// The figures of one unit with everything under it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UnitFiguresView {
    /// The unit's path.
    pub path: String,
    /// The period's first day; none: everything so far.
    pub from: Option<NaiveDate>,
    /// The day the figures stand at (today: live).
    pub to: NaiveDate,
    /// Its assignments.
    pub assignments: Figures,
    /// Its ledger problems.
    pub problems: Figures,
}
