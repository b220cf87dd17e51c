//! 作风体检 over GraphQL: `conductReviews`, `conductReview`, `openConductReview`,
//! `submitConductScores`, `closeConductReview`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::Date;
use async_graphql::{Context, InputObject, Object, ID};
use duban_api::ConductReviewView;

/// A score of one dimension, as given.
#[derive(InputObject)]
pub struct DimensionScoreInput {
    /// The dimension, e.g. 工作态度.
    pub dimension: String,
    /// 0–100.
    pub score: i32,
}

/// Weights of the three sources, in percent, as given.
#[derive(InputObject)]
pub struct ReviewWeightsInput {
    /// 自评.
    pub self_assessment: i32,
    /// 分管领导点评.
    pub leader_comment: i32,
    /// 互评.
    pub peer: i32,
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
    pub weights: Option<ReviewWeightsInput>,
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
    pub scores: Vec<DimensionScoreInput>,
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
    ) -> async_graphql::Result<Vec<ConductReviewView>> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.conduct_reviews(a).await.gql()
    }

    /// One round.
    async fn conduct_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ConductReviewView> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.conduct_review(a, &id).await.gql()
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
    ) -> async_graphql::Result<ConductReviewView> {
        let a = actor(ctx)?;
        let weights = match input.weights {
            Some(w) => Some([
                non_negative(w.self_assessment, "weights.selfAssessment")?,
                non_negative(w.leader_comment, "weights.leaderComment")?,
                non_negative(w.peer, "weights.peer")?,
            ]),
            None => None,
        };
        services(ctx)?
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
            .gql()
    }

    /// Gives or changes the caller's scores of one unit until the round closes: 自评 by
    /// its leader, 点评 by its 分管领导, 互评 by a cadre of another unit.
    async fn submit_conduct_scores(
        &self,
        ctx: &Context<'_>,
        input: SubmitConductScoresInput,
    ) -> async_graphql::Result<ConductReviewView> {
        let a = actor(ctx)?;
        let mut scores = Vec::new();
        for (i, s) in input.scores.into_iter().enumerate() {
            let v = non_negative(s.score, &format!("scores[{i}].score"))?;
            scores.push((s.dimension, v));
        }
        services(ctx)?
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
            .gql()
    }

    /// Closes a round now (SUPERVISOR of the scope); otherwise it closes after its deadline.
    async fn close_conduct_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ConductReviewView> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .close_conduct_review(a, &id)
            .await
            .gql()
    }
}
