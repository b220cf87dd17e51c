//! 年度考核 / 评先评优 as callers see it: an assessment year of a scope, each person's and
//! unit's figures from recorded outcomes with the 考评组's entries beside them, quotas,
//! exclusions after 甄别, and the published result.

use chrono::{DateTime, FixedOffset};
use duban_api_macros::{graphql_input, graphql_object};
use serde::{Deserialize, Serialize};

/// One indicator's weight.
#[graphql_object(name = "IndicatorWeight")]
#[graphql_input(name = "IndicatorWeightInput")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndicatorWeight {
    /// The indicator.
    #[gql(into = "duban_schema::evaluation::AssessmentIndicator")]
    pub indicator: String,
    /// 0–100 (0 leaves it out).
    pub weight: u32,
}

/// A county's assessment rules.
#[graphql_object(name = "AssessmentSettings")]
#[graphql_input(name = "AssessmentSettingsInput")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AssessmentSettings {
    /// Weights (default 按时办结率 30, 督办牌 10, 作风体检 15, 满意度评议 15, 好差评 10, 述职 20).
    pub weights: Vec<IndicatorWeight>,
    /// 先进工作者: percent of the people assessed (default 30).
    pub person_quota_pct: u32,
    /// 先进科室: percent of the units assessed (default 40).
    pub unit_quota_pct: u32,
    /// How a fractional quota rounds: `DOWN` (default), `HALF_UP` or `UP`.
    pub quota_rounding: String,
    /// Ties straddling the last place: `PANEL` (default: the 考评组 chooses and its choice is
    /// recorded), `INCLUDE_ALL` or `EXCLUDE_ALL`.
    pub tie_rule: String,
    /// Points off 督办牌 per yellow card (default 2).
    pub yellow_card_points: u32,
    /// Points off per red card (default 5).
    pub red_card_points: u32,
    /// Composites cut 四舍五入 instead of GB/T 8170 (default false).
    pub half_up: bool,
}

/// Opens an assessment year.
#[graphql_input(name = "OpenAssessmentInput")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenAssessmentInput {
    /// The scope: its units (default: those directly under it) and their people.
    pub scope_unit_id: String,
    /// The year.
    pub year: i32,
    /// The 考评组.
    pub panel_ids: Vec<String>,
    /// The units assessed, when not those directly under the scope.
    pub unit_ids: Option<Vec<String>>,
}

/// An entry of the 考评组.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AssessmentEntryInput {
    /// The assessment.
    pub assessment_id: String,
    /// `REPORT` (述职), `OVERRIDE`, `BONUS`, `PENALTY`, `SCREENING` (甄别) or `TIE`.
    pub kind: String,
    /// `PERSON` or `UNIT`.
    pub subject_kind: String,
    /// The person or unit (none for `TIE`).
    pub subject_id: Option<String>,
    /// For `OVERRIDE`: the indicator.
    pub indicator: Option<String>,
    /// Points, 0–100, two decimals at most.
    pub value: Option<String>,
    /// For `SCREENING`: whether the fault was the person's (or unit's) own.
    pub own_fault: Option<bool>,
    /// For `TIE`: those chosen among the tied.
    pub chosen_ids: Vec<String>,
    /// Why.
    pub reason: String,
}

/// One indicator of one person or unit: as computed, and as used.
#[graphql_object(name = "AssessmentFigure")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FigureView {
    /// The indicator.
    #[gql(into = "duban_schema::evaluation::AssessmentIndicator")]
    pub indicator: String,
    /// As computed from what was recorded, two decimals (absent: nothing recorded).
    pub computed: Option<String>,
    /// As used: the 考评组's override where there is one.
    pub value: Option<String>,
    /// Why it was overridden.
    pub override_reason: Option<String>,
}

/// A bonus (positive) or penalty (negative).
#[graphql_object(name = "AssessmentAdjustment")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AdjustmentView {
    /// Signed points.
    pub points: String,
    /// Why.
    pub reason: String,
    /// Entered by.
    #[gql(id)]
    pub entered_by: String,
}

/// One person or unit of an assessment.
#[graphql_object(name = "Assessed")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AssessedView {
    /// Person or unit.
    #[gql(into = "duban_schema::evaluation::AccountabilitySubject")]
    pub subject_kind: String,
    /// The person or unit.
    pub subject_id: String,
    /// The unit assessed it belongs to (itself for a unit).
    pub unit_id: String,
    /// Figures.
    pub figures: Vec<FigureView>,
    /// Bonus and penalty entries (the 考评组 and overseers only).
    pub adjustments: Vec<AdjustmentView>,
    /// Weighted composite plus adjustments, two decimals.
    pub composite: Option<String>,
    /// Competition rank among all assessed of its kind.
    pub rank: Option<u32>,
    /// Where it stands for 评先.
    #[gql(into = "duban_schema::evaluation::Eligibility")]
    pub eligibility: String,
    /// The records and 甄别 behind it (the 考评组 and overseers only).
    pub grounds: Vec<String>,
    /// Taken as 先进工作者 or 先进科室.
    pub selected: bool,
    /// 推荐使用: flagged for the organisation department (a 先进工作者).
    pub recommended: bool,
}

/// A tie at the last place waiting for the 考评组.
#[graphql_object(name = "AssessmentTie")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TieView {
    /// Person or unit.
    #[gql(into = "duban_schema::evaluation::AccountabilitySubject")]
    pub subject_kind: String,
    /// The tied.
    pub tied_ids: Vec<String>,
    /// Places left for them.
    pub places: u32,
}

/// An assessment year (年度考核).
#[graphql_object(name = "Assessment")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AssessmentView {
    /// Id.
    pub id: String,
    /// Scope unit.
    pub scope_unit_id: String,
    /// Its name.
    pub scope_name: String,
    /// The year.
    pub year: i32,
    /// `OPEN` or `PUBLISHED`.
    pub status: String,
    /// The 考评组.
    pub panel_ids: Vec<String>,
    /// The rules (the county's; frozen at publication).
    pub settings: AssessmentSettings,
    /// Places for 先进工作者.
    pub person_places: u32,
    /// Places for 先进科室.
    pub unit_places: u32,
    /// People, by rank (empty in a list).
    pub people: Vec<AssessedView>,
    /// Units, by rank (empty in a list).
    pub units: Vec<AssessedView>,
    /// Ties waiting for the 考评组.
    pub ties: Vec<TieView>,
    /// What still stands before publication.
    pub pending: Vec<String>,
    /// When published.
    pub published_at: Option<DateTime<FixedOffset>>,
}

/// A unit's mark in the latest published assessment covering it.
#[graphql_object(name = "AssessmentMark")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AssessmentMarkView {
    /// The unit's path asked for.
    #[gql(skip)]
    pub path: String,
    /// The year.
    pub year: i32,
    /// Composite.
    pub composite: Option<String>,
    /// Rank.
    pub rank: Option<u32>,
    /// 先进科室.
    pub selected: bool,
    /// Excluded after 甄别.
    pub excluded: bool,
}
