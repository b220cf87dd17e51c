//! 作风体检 — the monthly conduct review as callers see it: a round, the scores one gives,
//! and the results once it closes.

use crate::graphql::{tuple_object, GraphqlForm};
use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::graphql_object;
use serde::{Deserialize, Serialize};

/// Opens a round (SUPERVISOR of the scope).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenConductReviewInput {
    /// The unit whose child units are reviewed.
    pub scope_unit_id: String,
    /// The month reviewed, `YYYY-MM`.
    pub month: String,
    /// The last day scores are taken.
    pub deadline: NaiveDate,
    /// The units reviewed (default: every child unit of the scope).
    pub unit_ids: Option<Vec<String>>,
    /// Dimensions (default 工作态度, 办事效率, 廉洁自律).
    pub dimensions: Option<Vec<String>>,
    /// Weights of 自评, 点评, 互评 in percent (default 20, 40, 40).
    pub weights: Option<[u32; 3]>,
    /// How many of the lowest get a 谈心谈话 (default 1).
    pub lowest: Option<u32>,
    /// Working days the 分管领导 has for the talk (default 5).
    pub talk_days: Option<u32>,
    /// 中国式排名 instead of competition ranking (default: the county's setting).
    pub dense_ranking: Option<bool>,
    /// Half-up rounding instead of GB/T 8170.
    pub half_up: Option<bool>,
}

/// One person's scores of one unit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubmitConductScoresInput {
    /// The round.
    pub round_id: String,
    /// The unit scored.
    pub unit_id: String,
    /// Score per dimension, 0–100.
    pub scores: Vec<(String, u32)>,
    /// A comment (点评 text, or a remark).
    pub comment: Option<String>,
}

/// One unit of a round and what has come in for it (counts, never who gave what).
#[graphql_object(name = "ReviewUnit")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReviewUnitView {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub name: String,
    /// Whether its 自评 is in.
    pub self_assessed: bool,
    /// Whether its 分管领导's 点评 is in.
    pub commented: bool,
    /// How many 互评 are in.
    pub peers: usize,
}

/// A unit the caller is to score, and from which source.
#[graphql_object(name = "ReviewTask")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReviewTaskView {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub name: String,
    /// From which source the caller scores it.
    #[gql(into = "duban_schema::evaluation::ReviewSource")]
    pub source: String,
    /// The caller's scores so far (changeable until the round closes).
    #[gql(into = "Option<Vec<DimensionScore>>")]
    pub scores: Option<Vec<(String, u32)>>,
}

/// One unit's result: every unit's total and rank; the parts only for one's own unit and
/// supervisors.
#[graphql_object(name = "ReviewResult")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReviewResultView {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub name: String,
    /// Weighted total, two decimals, as text (decimal, never binary floating point).
    pub total: Option<String>,
    /// Rank among the round's units.
    pub rank: Option<u32>,
    /// Per dimension, two decimals (only for the caller's own unit and supervisors).
    #[gql(into = "Vec<DimensionMean>")]
    pub dimensions: Vec<(String, String)>,
    /// Per source mean and count (only for the caller's own unit and supervisors).
    #[gql(into = "Vec<SourceMean>")]
    pub sources: Vec<(String, Option<String>, usize)>,
    /// Sources with no submission, in Chinese.
    pub missing: Vec<String>,
}

/// A 作风体检 round as the caller may see it.
#[graphql_object(name = "ConductReview")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConductReviewView {
    /// Id.
    pub id: String,
    /// The scope unit.
    pub scope_unit_id: String,
    /// Its name.
    pub scope_name: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The last day scores are taken.
    pub deadline: NaiveDate,
    /// `OPEN` or `CLOSED`.
    pub status: String,
    /// Dimensions, each scored 0–100.
    pub dimensions: Vec<String>,
    /// Weights of 自评, 点评, 互评.
    #[gql(into = "ReviewWeights")]
    pub weights: [u32; 3],
    /// How many of the lowest get a 谈心谈话.
    pub lowest: u32,
    /// The units and what has come in.
    pub units: Vec<ReviewUnitView>,
    /// What the caller is to score.
    pub my_tasks: Vec<ReviewTaskView>,
    /// Results, once closed.
    pub results: Vec<ReviewResultView>,
    /// The ranking's rule, as a bulletin states it.
    pub ranking_note: String,
    /// When it closed.
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// Version.
    pub version: i64,
}

/// Weights of the three sources, in percent.
#[derive(async_graphql::SimpleObject)]
pub struct ReviewWeights {
    /// 自评.
    pub self_assessment: u32,
    /// 分管领导点评.
    pub leader_comment: u32,
    /// 互评.
    pub peer: u32,
}

impl GraphqlForm<ReviewWeights> for [u32; 3] {
    fn to_graphql(self) -> ReviewWeights {
        let [self_assessment, leader_comment, peer] = self;
        ReviewWeights {
            self_assessment,
            leader_comment,
            peer,
        }
    }
    fn from_graphql(g: ReviewWeights) -> Self {
        [g.self_assessment, g.leader_comment, g.peer]
    }
}

tuple_object! {
    /// A score of one dimension.
    DimensionScore {
        /// The dimension, e.g. 工作态度.
        dimension: String,
        /// 0–100.
        score: u32,
    }
}

tuple_object! {
    /// A mean, two decimals as text (computed in decimal).
    DimensionMean {
        /// The dimension.
        dimension: String,
        /// The mean.
        mean: String,
    }
}

tuple_object! {
    /// One source's mean and how many scored.
    SourceMean {
        /// 自评, 分管领导点评 or 互评.
        source: String,
        /// The mean over dimensions and scorers (none: nothing came in).
        mean: Option<String>,
        /// Scorers.
        count: usize,
    }
}
