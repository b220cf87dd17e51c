//! The layout of the ledgers offices send upward (序号, 单位, 问题/事项, 类别, 整改措施/要求,
//! 责任人, 时限, 进展, 状态), shared by export and import.

/// The columns of each ledger, as exported; the first name is the one written, the rest
/// are accepted on import.
pub mod columns {
    /// 序号.
    pub const SEQ: &[&str] = &["序号"];
    /// The unit.
    pub const UNIT: &[&str] = &["单位", "责任单位", "承办单位"];
    /// The problem (problem ledger).
    pub const PROBLEM: &[&str] = &["问题", "问题表现", "问题/事项"];
    /// The item (assignment ledger).
    pub const ITEM: &[&str] = &["事项", "交办事项", "问题/事项"];
    /// The category.
    pub const CATEGORY: &[&str] = &["类别", "问题类别"];
    /// Measures (problem ledger).
    pub const MEASURES: &[&str] = &["整改措施", "整改措施/要求"];
    /// Requirements (assignment ledger).
    pub const REQUIREMENTS: &[&str] = &["工作要求", "要求", "整改措施/要求"];
    /// The responsible person.
    pub const PERSON: &[&str] = &["责任人"];
    /// The time limit.
    pub const DUE: &[&str] = &["时限", "整改时限", "办结时限"];
    /// Progress.
    pub const PROGRESS: &[&str] = &["进展", "进展情况"];
    /// State.
    pub const STATE: &[&str] = &["状态"];
    /// Source (problem ledger).
    pub const SOURCE: &[&str] = &["来源", "问题来源"];
    /// Cause analysis (problem ledger).
    pub const CAUSE: &[&str] = &["原因剖析", "原因分析"];
    /// Urgency (assignment ledger).
    pub const URGENCY: &[&str] = &["紧急程度"];
    /// Cooperating units (assignment ledger).
    pub const COOPERATING: &[&str] = &["配合单位"];

    /// The item's id in duban: a row that carries it names that item, so importing an
    /// exported ledger again never duplicates it.
    pub const ID: &[&str] = &["编号"];

    /// Every column of the problem ledger, in order.
    pub const PROBLEM_LEDGER: &[&[&str]] = &[
        SEQ, UNIT, PROBLEM, CATEGORY, MEASURES, PERSON, DUE, PROGRESS, STATE, SOURCE, CAUSE, ID,
    ];
    /// Every column of the assignment ledger, in order.
    pub const ASSIGNMENT_LEDGER: &[&[&str]] = &[
        SEQ,
        UNIT,
        ITEM,
        CATEGORY,
        REQUIREMENTS,
        PERSON,
        DUE,
        PROGRESS,
        STATE,
        URGENCY,
        COOPERATING,
        ID,
    ];
}

/// Which ledger an export reads, with its filter.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum LedgerQuery {
    /// 问题清单台账.
    Problems(crate::ProblemFilter),
    /// 交办事项清单.
    Assignments(crate::AssignmentFilter),
}

impl LedgerQuery {
    /// The columns this ledger is written in.
    pub fn columns(&self) -> &'static [&'static [&'static str]] {
        match self {
            LedgerQuery::Problems(_) => columns::PROBLEM_LEDGER,
            LedgerQuery::Assignments(_) => columns::ASSIGNMENT_LEDGER,
        }
    }
}

/// One part of a ledger streamed out for export: `Start`, then `Rows` in order, then
/// `End`; a stream that stops before `End` was cut and its rows are not a ledger.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum LedgerPart {
    /// How many rows follow, counted in the snapshot the rows are read from.
    Start {
        /// The number of rows.
        rows: u64,
    },
    /// Rows in ledger order, each its cells after 序号 (时限 as `YYYY-MM-DD`).
    Rows(Vec<Vec<String>>),
    /// Every row was sent.
    End,
    /// The export stopped: why (before `Start`, a refusal of the request).
    Failed(crate::ApiError),
}
