//! 满意度评议 over GraphQL: `surveys`, `survey`, `createSurvey`, `issueSurveyLinks`,
//! `answerSurvey`, `closeSurvey`. The public answers through `/public/v1`.

use crate::caller::{actor, services};
use crate::conduct_review::non_negative;
use crate::error::ApiResultExt;
use crate::types::{count, Date, DateTime};
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use duban_api::SurveyView;
use duban_schema::WireName;

pub use duban_schema::evaluation::RespondentGroup;

/// A unit of a survey.
#[derive(SimpleObject)]
pub struct SurveyUnit {
    /// The unit.
    pub unit_id: ID,
    /// Its name.
    pub name: String,
}

/// Responses of one group.
#[derive(SimpleObject)]
pub struct GroupResponses {
    /// The group.
    pub group: RespondentGroup,
    /// How many answered.
    pub count: i32,
}

/// One-time links issued and spent.
#[derive(SimpleObject)]
pub struct LinkCounts {
    /// Issued.
    pub issued: i32,
    /// Used.
    pub used: i32,
}

/// One indicator of one unit.
#[derive(SimpleObject)]
pub struct IndicatorResult {
    /// The indicator.
    pub indicator: String,
    /// Two-decimal mean, as text (decimal arithmetic).
    pub mean: Option<String>,
    /// Scores it is the mean of.
    pub count: i32,
    /// Rank among the units surveyed; ties share one.
    pub rank: Option<i32>,
}

/// One unit's result.
#[derive(SimpleObject)]
pub struct SurveyResult {
    /// The unit.
    pub unit_id: ID,
    /// Its name.
    pub name: String,
    /// Per indicator.
    pub indicators: Vec<IndicatorResult>,
    /// Mean of the indicator means, two decimals.
    pub overall: Option<String>,
    /// Rank by the overall mean.
    pub rank: Option<i32>,
    /// Respondents who scored it.
    pub respondents: i32,
    /// Whether they reach the minimum sample (otherwise: 样本不足，不具代表性).
    pub representative: bool,
}

/// A 满意度评议.
#[derive(SimpleObject)]
pub struct Survey {
    /// Id.
    pub id: ID,
    /// The scope unit.
    pub scope_unit_id: ID,
    /// Its name.
    pub scope_name: String,
    /// Title.
    pub title: String,
    /// The last day answers are taken.
    pub deadline: Date,
    /// `OPEN` or `CLOSED`.
    pub status: String,
    /// Indicators, each 0–100.
    pub indicators: Vec<String>,
    /// Groups asked.
    pub groups: Vec<RespondentGroup>,
    /// The units surveyed.
    pub units: Vec<SurveyUnit>,
    /// Respondents a unit needs for a representative result.
    pub min_sample: i32,
    /// Responses per group.
    pub responses: Vec<GroupResponses>,
    /// Links issued and used (overseers only).
    pub links: Option<LinkCounts>,
    /// Whether the caller may still answer as a cadre.
    pub may_answer: bool,
    /// Units the caller may score (all but their own).
    pub answerable_unit_ids: Vec<ID>,
    /// Results: live for overseers, for everyone in scope once closed.
    pub results: Vec<SurveyResult>,
    /// The ranking's rule.
    pub ranking_note: String,
    /// The rounding rule.
    pub rounding_note: String,
    /// When it closed.
    pub closed_at: Option<DateTime>,
    /// Version.
    pub version: i64,
}

impl From<SurveyView> for Survey {
    fn from(v: SurveyView) -> Self {
        Self {
            id: ID(v.id),
            scope_unit_id: ID(v.scope_unit_id),
            scope_name: v.scope_name,
            title: v.title,
            deadline: Date(v.deadline),
            status: v.status,
            indicators: v.indicators,
            groups: v.groups.iter().map(|g| crate::types::wire(g)).collect(),
            units: v
                .units
                .into_iter()
                .map(|u| SurveyUnit {
                    unit_id: ID(u.unit_id),
                    name: u.name,
                })
                .collect(),
            min_sample: count(u64::from(v.min_sample)),
            responses: v
                .responses
                .into_iter()
                .map(|(g, n)| GroupResponses {
                    group: crate::types::wire(&g),
                    count: count(n),
                })
                .collect(),
            links: v.links.map(|(issued, used)| LinkCounts {
                issued: count(issued),
                used: count(used),
            }),
            may_answer: v.may_answer,
            answerable_unit_ids: v.answerable_unit_ids.into_iter().map(ID).collect(),
            results: v
                .results
                .into_iter()
                .map(|r| SurveyResult {
                    unit_id: ID(r.unit_id),
                    name: r.name,
                    indicators: r
                        .indicators
                        .into_iter()
                        .map(|i| IndicatorResult {
                            indicator: i.indicator,
                            mean: i.mean,
                            count: count(i.count),
                            rank: i.rank.map(|x| x as i32),
                        })
                        .collect(),
                    overall: r.overall,
                    rank: r.rank.map(|x| x as i32),
                    respondents: count(r.respondents),
                    representative: r.representative,
                })
                .collect(),
            ranking_note: v.ranking_note,
            rounding_note: v.rounding_note,
            closed_at: v.closed_at.map(DateTime),
            version: v.version,
        }
    }
}

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
        Ok(v.into_iter().map(Into::into).collect())
    }

    /// One survey.
    async fn survey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Survey> {
        let a = actor(ctx)?;
        Ok(services(ctx)?.evaluation.survey(a, &id).await.gql()?.into())
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
        Ok(v.into())
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
        Ok(services(ctx)?
            .evaluation
            .answer_survey(a, &survey_id, answers)
            .await
            .gql()?
            .into())
    }

    /// Closes a survey now (SUPERVISOR of the scope).
    async fn close_survey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Survey> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .close_survey(a, &id)
            .await
            .gql()?
            .into())
    }
}
