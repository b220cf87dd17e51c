//! 满意度评议 over GraphQL: `surveys`, `survey`, `createSurvey`, `issueSurveyLinks`,
//! `answerSurvey`, `closeSurvey`. The public answers through `/public/v1`.

use crate::caller::{actor, services};
use crate::conduct_review::non_negative;
use crate::error::ApiResultExt;
use crate::types::Date;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use duban_schema::WireName;

pub use duban_schema::evaluation::RespondentGroup;

pub use duban_api::SurveyView as Survey;

/// A one-time link, shown once.
#[derive(SimpleObject)]
pub struct SurveyLink {
    /// The token.
    pub token: String,
    /// The path to open (token in the fragment, never sent to a server log).
    pub path: String,
    /// Whom it is for.
    pub label: Option<String>,
}

/// Input of `createSurvey`.
#[derive(InputObject)]
pub struct CreateSurveyInput {
    /// The unit whose units are surveyed.
    pub scope_unit_id: ID,
    /// Title, e.g. 2026年度机关效能万人评议.
    pub title: String,
    /// The last day answers are taken.
    pub deadline: Date,
    /// The units surveyed (default: every child unit of the scope).
    pub unit_ids: Option<Vec<ID>>,
    /// Indicators (default the six of the 机关效能评议).
    pub indicators: Option<Vec<String>>,
    /// Groups asked (default all three).
    pub groups: Option<Vec<RespondentGroup>>,
    /// Respondents a unit needs for a representative result (default 30).
    pub min_sample: Option<i32>,
    /// 中国式排名 (default: the county's setting).
    pub dense_ranking: Option<bool>,
    /// 四舍五入 instead of GB/T 8170 (default false).
    pub half_up: Option<bool>,
}

/// Input of `issueSurveyLinks`.
#[derive(InputObject)]
pub struct IssueSurveyLinksInput {
    /// The survey.
    pub survey_id: ID,
    /// `PUBLIC` or `DEPUTY`.
    pub group: RespondentGroup,
    /// How many (1–1,000); ignored when `labels` are given.
    pub count: Option<i32>,
    /// Names of the invited, one link each.
    pub labels: Option<Vec<String>>,
}

/// A score of one indicator.
#[derive(InputObject)]
pub struct IndicatorScoreInput {
    /// The indicator.
    pub indicator: String,
    /// 0–100.
    pub score: i32,
}

/// One unit's scores.
#[derive(InputObject)]
pub struct SurveyAnswerInput {
    /// The unit.
    pub unit_id: ID,
    /// One score per indicator.
    pub scores: Vec<IndicatorScoreInput>,
}

/// The answers in the service's terms, scores checked non-negative.
pub(crate) fn answers(
    input: Vec<SurveyAnswerInput>,
) -> async_graphql::Result<Vec<duban_api::SurveyAnswer>> {
    let mut out = Vec::with_capacity(input.len());
    for (i, a) in input.into_iter().enumerate() {
        let mut scores = Vec::with_capacity(a.scores.len());
        for (j, s) in a.scores.into_iter().enumerate() {
            scores.push((
                s.indicator,
                non_negative(s.score, &format!("answers[{i}].scores[{j}].score"))?,
            ));
        }
        out.push(duban_api::SurveyAnswer {
            unit_id: a.unit_id.0,
            scores,
        });
    }
    Ok(out)
}

/// 满意度评议 queries.
#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// The surveys the caller answers or oversees, newest first.
    async fn surveys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Survey>> {
        let a = actor(ctx)?;
        let v = services(ctx)?.evaluation.surveys(a).await.gql()?;
        Ok(v.into_iter().collect())
    }

    /// One survey.
    async fn survey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Survey> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.survey(a, &id).await.gql()
    }
}

/// 满意度评议 mutations.
#[derive(Default)]
pub struct SurveyMutation;

#[Object]
impl SurveyMutation {
    /// Defines a survey over units of a scope (SUPERVISOR of the scope).
    async fn create_survey(
        &self,
        ctx: &Context<'_>,
        input: CreateSurveyInput,
    ) -> async_graphql::Result<Survey> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .evaluation
            .create_survey(
                a,
                duban_api::CreateSurveyInput {
                    scope_unit_id: input.scope_unit_id.0,
                    title: input.title,
                    deadline: input.deadline.0,
                    unit_ids: input.unit_ids.map(|v| v.into_iter().map(|i| i.0).collect()),
                    indicators: input.indicators,
                    groups: input
                        .groups
                        .map(|g| g.into_iter().map(|g| g.as_str().to_string()).collect()),
                    min_sample: input
                        .min_sample
                        .map(|n| non_negative(n, "minSample"))
                        .transpose()?,
                    dense_ranking: input.dense_ranking,
                    half_up: input.half_up,
                },
            )
            .await
            .gql()?;
        Ok(v)
    }

    /// One-time links for the public or 两代表一委员 (SUPERVISOR of the scope); the tokens
    /// are shown this once.
    async fn issue_survey_links(
        &self,
        ctx: &Context<'_>,
        input: IssueSurveyLinksInput,
    ) -> async_graphql::Result<Vec<SurveyLink>> {
        let a = actor(ctx)?;
        let links = services(ctx)?
            .evaluation
            .issue_survey_links(
                a,
                duban_api::IssueSurveyLinksInput {
                    survey_id: input.survey_id.0,
                    group: input.group.as_str().into(),
                    count: non_negative(input.count.unwrap_or(1), "count")?,
                    labels: input.labels,
                },
            )
            .await
            .gql()?;
        Ok(links
            .into_iter()
            .map(|l| SurveyLink {
                path: format!("/p/#s={}", l.token),
                token: l.token,
                label: l.label,
            })
            .collect())
    }

    /// The caller's answer as a cadre of the scope, once, never of their own unit.
    async fn answer_survey(
        &self,
        ctx: &Context<'_>,
        survey_id: ID,
        answers: Vec<SurveyAnswerInput>,
    ) -> async_graphql::Result<Survey> {
        let a = actor(ctx)?;
        let answers = self::answers(answers)?;
        services(ctx)?
            .evaluation
            .answer_survey(a, &survey_id, answers)
            .await
            .gql()
    }

    /// Closes a survey now (SUPERVISOR of the scope).
    async fn close_survey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Survey> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.close_survey(a, &id).await.gql()
    }
}
