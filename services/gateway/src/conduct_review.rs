//! 作风体检 over GraphQL: `conductReviews`, `conductReview`, `openConductReview`,
//! `submitConductScores`, `closeConductReview`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::{Date, DateTime};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use duban_api::ConductReviewView;

/// Where a score comes from.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ReviewSource {
    /// 科室自评 (the unit's leader).
    SelfAssessment,
    /// 分管领导点评.
    LeaderComment,
    /// 干部互评 (cadres of the other units).
    Peer,
}

impl ReviewSource {
    fn parse(s: &str) -> Self {
        match s {
            "SELF_ASSESSMENT" => Self::SelfAssessment,
            "LEADER_COMMENT" => Self::LeaderComment,
            _ => Self::Peer,
        }
    }
}

/// A score of one dimension.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "DimensionScoreInput")]
pub struct DimensionScore {
    /// The dimension, e.g. 工作态度.
    pub dimension: String,
    /// 0–100.
    pub score: i32,
}

/// A mean, two decimals as text (computed in decimal).
#[derive(SimpleObject)]
pub struct DimensionMean {
    /// The dimension.
    pub dimension: String,
    /// The mean.
    pub mean: String,
}

/// One source's mean and how many scored.
#[derive(SimpleObject)]
pub struct SourceMean {
    /// 自评, 分管领导点评 or 互评.
    pub source: String,
    /// The mean over dimensions and scorers (none: nothing came in).
    pub mean: Option<String>,
    /// Scorers.
    pub count: i32,
}

/// A unit of a round and what has come in for it (never who gave what).
#[derive(SimpleObject)]
pub struct ReviewUnit {
    /// The unit.
    pub unit_id: ID,
    /// Its name.
    pub name: String,
    /// Its 自评 is in.
    pub self_assessed: bool,
    /// Its 分管领导's 点评 is in.
    pub commented: bool,
    /// 互评 in.
    pub peers: i32,
}

/// A unit the caller is to score.
#[derive(SimpleObject)]
pub struct ReviewTask {
    /// The unit.
    pub unit_id: ID,
    /// Its name.
    pub name: String,
    /// From which source the caller scores it.
    pub source: ReviewSource,
    /// The caller's scores so far (changeable until the round closes).
    pub scores: Option<Vec<DimensionScore>>,
}

/// A unit's result: every unit's total and rank; the parts only for one's own unit and
/// supervisors.
#[derive(SimpleObject)]
pub struct ReviewResult {
    /// The unit.
    pub unit_id: ID,
    /// Its name.
    pub name: String,
    /// Weighted total, two decimals.
    pub total: Option<String>,
    /// Rank; ties share one.
    pub rank: Option<i32>,
    /// Per dimension.
    pub dimensions: Vec<DimensionMean>,
    /// Per source.
    pub sources: Vec<SourceMean>,
    /// Sources with nothing in: scored without them.
    pub missing: Vec<String>,
}

/// Weights of the three sources, in percent.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "ReviewWeightsInput")]
pub struct ReviewWeights {
    /// 自评.
    pub self_assessment: i32,
    /// 分管领导点评.
    pub leader_comment: i32,
    /// 互评.
    pub peer: i32,
}

/// A 作风体检 round.
#[derive(SimpleObject)]
pub struct ConductReview {
    /// Id.
    pub id: ID,
    /// The scope unit.
    pub scope_unit_id: ID,
    /// Its name.
    pub scope_name: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The last day scores are taken.
    pub deadline: Date,
    /// `OPEN` or `CLOSED`.
    pub status: String,
    /// Dimensions, each 0–100.
    pub dimensions: Vec<String>,
    /// Weights.
    pub weights: ReviewWeights,
    /// How many of the lowest get a 谈心谈话.
    pub lowest: i32,
    /// The units and what has come in.
    pub units: Vec<ReviewUnit>,
    /// What the caller is to score.
    pub my_tasks: Vec<ReviewTask>,
    /// Results, once closed.
    pub results: Vec<ReviewResult>,
    /// The ranking's rule.
    pub ranking_note: String,
    /// When it closed.
    pub closed_at: Option<DateTime>,
    /// Version.
    pub version: i64,
}

fn scores(v: Vec<(String, u32)>) -> Vec<DimensionScore> {
    v.into_iter()
        .map(|(dimension, s)| DimensionScore {
            dimension,
            score: s as i32,
        })
        .collect()
}

impl From<ConductReviewView> for ConductReview {
    fn from(v: ConductReviewView) -> Self {
        let [s, l, p] = v.weights;
        Self {
            id: ID(v.id),
            scope_unit_id: ID(v.scope_unit_id),
            scope_name: v.scope_name,
            month: v.month,
            deadline: Date(v.deadline),
            status: v.status,
            dimensions: v.dimensions,
            weights: ReviewWeights {
                self_assessment: s as i32,
                leader_comment: l as i32,
                peer: p as i32,
            },
            lowest: v.lowest as i32,
            units: v
                .units
                .into_iter()
                .map(|u| ReviewUnit {
                    unit_id: ID(u.unit_id),
                    name: u.name,
                    self_assessed: u.self_assessed,
                    commented: u.commented,
                    peers: u.peers as i32,
                })
                .collect(),
            my_tasks: v
                .my_tasks
                .into_iter()
                .map(|t| ReviewTask {
                    unit_id: ID(t.unit_id),
                    name: t.name,
                    source: ReviewSource::parse(&t.source),
                    scores: t.scores.map(scores),
                })
                .collect(),
            results: v
                .results
                .into_iter()
                .map(|r| ReviewResult {
                    unit_id: ID(r.unit_id),
                    name: r.name,
                    total: r.total,
                    rank: r.rank.map(|x| x as i32),
                    dimensions: r
                        .dimensions
                        .into_iter()
                        .map(|(dimension, mean)| DimensionMean { dimension, mean })
                        .collect(),
                    sources: r
                        .sources
                        .into_iter()
                        .map(|(source, mean, count)| SourceMean {
                            source,
                            mean,
                            count: count as i32,
                        })
                        .collect(),
                    missing: r.missing,
                })
                .collect(),
            ranking_note: v.ranking_note,
            closed_at: v.closed_at.map(DateTime),
            version: v.version,
        }
    }
}

/// Input of `openConductReview`.
#[derive(InputObject)]
pub struct OpenConductReviewInput {
    /// The unit whose child units are reviewed.
    pub scope_unit_id: ID,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The last day scores are taken.
    pub deadline: Date,
    /// The units reviewed (default: every child unit of the scope).
    pub unit_ids: Option<Vec<ID>>,
    /// Dimensions (default 工作态度, 办事效率, 廉洁自律).
    pub dimensions: Option<Vec<String>>,
    /// Weights (default 自评 20, 点评 40, 互评 40).
    pub weights: Option<ReviewWeights>,
    /// How many of the lowest get a 谈心谈话 (default 1).
    pub lowest: Option<i32>,
    /// Working days for the talk (default 5).
    pub talk_days: Option<i32>,
    /// 中国式排名 (default: the county's setting).
    pub dense_ranking: Option<bool>,
    /// 四舍五入 instead of GB/T 8170 (default false).
    pub half_up: Option<bool>,
}

/// Input of `submitConductScores`.
#[derive(InputObject)]
pub struct SubmitConductScoresInput {
    /// The round.
    pub round_id: ID,
    /// The unit scored.
    pub unit_id: ID,
    /// One score per dimension.
    pub scores: Vec<DimensionScore>,
    /// A comment.
    pub comment: Option<String>,
}

pub(crate) fn non_negative(v: i32, field: &str) -> async_graphql::Result<u32> {
    u32::try_from(v)
        .map_err(|_| crate::error::to_graphql(duban_api::ApiError::validation(field, "不能为负数")))
}

/// 作风体检 queries.
#[derive(Default)]
pub struct ConductReviewQuery;

#[Object]
impl ConductReviewQuery {
    /// The rounds the caller takes part in or oversees, newest first.
    async fn conduct_reviews(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ConductReview>> {
        let a = actor(ctx)?;
        let v = services(ctx)?.evaluation.conduct_reviews(a).await.gql()?;
        Ok(v.into_iter().map(Into::into).collect())
    }

    /// One round.
    async fn conduct_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ConductReview> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .conduct_review(a, &id)
            .await
            .gql()?
            .into())
    }
}

/// 作风体检 mutations.
#[derive(Default)]
pub struct ConductReviewMutation;

#[Object]
impl ConductReviewMutation {
    /// Opens a round over the child units of a scope (SUPERVISOR of the scope).
    async fn open_conduct_review(
        &self,
        ctx: &Context<'_>,
        input: OpenConductReviewInput,
    ) -> async_graphql::Result<ConductReview> {
        let a = actor(ctx)?;
        let weights = match input.weights {
            Some(w) => Some([
                non_negative(w.self_assessment, "weights.selfAssessment")?,
                non_negative(w.leader_comment, "weights.leaderComment")?,
                non_negative(w.peer, "weights.peer")?,
            ]),
            None => None,
        };
        let v = services(ctx)?
            .evaluation
            .open_conduct_review(
                a,
                duban_api::OpenConductReviewInput {
                    scope_unit_id: input.scope_unit_id.0,
                    month: input.month,
                    deadline: input.deadline.0,
                    unit_ids: input.unit_ids.map(|v| v.into_iter().map(|i| i.0).collect()),
                    dimensions: input.dimensions,
                    weights,
                    lowest: input
                        .lowest
                        .map(|n| non_negative(n, "lowest"))
                        .transpose()?,
                    talk_days: input
                        .talk_days
                        .map(|n| non_negative(n, "talkDays"))
                        .transpose()?,
                    dense_ranking: input.dense_ranking,
                    half_up: input.half_up,
                },
            )
            .await
            .gql()?;
        Ok(v.into())
    }

    /// Gives or changes the caller's scores of one unit until the round closes: 自评 by
    /// its leader, 点评 by its 分管领导, 互评 by a cadre of another unit.
    async fn submit_conduct_scores(
        &self,
        ctx: &Context<'_>,
        input: SubmitConductScoresInput,
    ) -> async_graphql::Result<ConductReview> {
        let a = actor(ctx)?;
        let mut scores = Vec::new();
        for (i, s) in input.scores.into_iter().enumerate() {
            let v = non_negative(s.score, &format!("scores[{i}].score"))?;
            scores.push((s.dimension, v));
        }
        let v = services(ctx)?
            .evaluation
            .submit_conduct_scores(
                a,
                duban_api::SubmitConductScoresInput {
                    round_id: input.round_id.0,
                    unit_id: input.unit_id.0,
                    scores,
                    comment: input.comment,
                },
            )
            .await
            .gql()?;
        Ok(v.into())
    }

    /// Closes a round now (SUPERVISOR of the scope); otherwise it closes after its deadline.
    async fn close_conduct_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ConductReview> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .close_conduct_review(a, &id)
            .await
            .gql()?
            .into())
    }
}
