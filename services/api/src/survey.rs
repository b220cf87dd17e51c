//! 满意度评议 as callers see it: a survey, its one-time links, the answers, and the results
//! per unit and indicator.

use crate::graphql::{tuple_object, GraphqlForm};
use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::graphql_object;
use serde::{Deserialize, Serialize};

/// Defines a survey (SUPERVISOR of the scope).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateSurveyInput {
    /// The unit whose units are surveyed.
    pub scope_unit_id: String,
    /// The title, e.g. 2026年度机关效能万人评议.
    pub title: String,
    /// The last day answers are taken.
    pub deadline: NaiveDate,
    /// The units surveyed (default: every child unit of the scope).
    pub unit_ids: Option<Vec<String>>,
    /// Indicators (default the six of the 机关效能评议).
    pub indicators: Option<Vec<String>>,
    /// Respondent groups, `CADRE`, `PUBLIC`, `DEPUTY` (default all three).
    pub groups: Option<Vec<String>>,
    /// Respondents a unit needs for a representative result (default 30).
    pub min_sample: Option<u32>,
    /// 中国式排名 instead of competition ranking (default: the county's setting).
    pub dense_ranking: Option<bool>,
    /// Half-up rounding instead of GB/T 8170.
    pub half_up: Option<bool>,
}

/// Asks for one-time links of one group.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssueSurveyLinksInput {
    /// The survey.
    pub survey_id: String,
    /// `PUBLIC` or `DEPUTY`.
    pub group: String,
    /// How many (1–1,000).
    pub count: u32,
    /// Optional names of the invited (两代表一委员), one per link, kept with the link only.
    pub labels: Option<Vec<String>>,
}

/// A one-time link, shown once.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SurveyLinkView {
    /// The token (the link is `/p/#s=<token>`).
    pub token: String,
    /// Whom it is for, if named.
    pub label: Option<String>,
}

/// One unit's scores in an answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SurveyAnswer {
    /// The unit.
    pub unit_id: String,
    /// Score per indicator, 0–100.
    pub scores: Vec<(String, u32)>,
}

/// A unit of a survey.
#[graphql_object(name = "SurveyUnit")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SurveyUnitView {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub name: String,
}

/// One indicator of one unit.
#[graphql_object(name = "IndicatorResult")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SurveyIndicatorView {
    /// The indicator.
    pub indicator: String,
    /// Two-decimal mean, as text (decimal arithmetic).
    pub mean: Option<String>,
    /// Scores it is the mean of.
    pub count: u64,
    /// Rank among the units surveyed; ties share one.
    pub rank: Option<u32>,
}

/// One unit's result.
#[graphql_object(name = "SurveyResult")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SurveyResultView {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub name: String,
    /// Per indicator.
    pub indicators: Vec<SurveyIndicatorView>,
    /// Mean of the indicator means, two decimals.
    pub overall: Option<String>,
    /// Rank by the overall mean.
    pub rank: Option<u32>,
    /// Respondents who scored it.
    pub respondents: u64,
    /// Whether they reach the minimum sample (otherwise: 样本不足，不具代表性).
    pub representative: bool,
}

/// A 满意度评议.
#[graphql_object(name = "Survey")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SurveyView {
    /// Id.
    pub id: String,
    /// The scope unit.
    pub scope_unit_id: String,
    /// Its name.
    pub scope_name: String,
    /// Title.
    pub title: String,
    /// The last day answers are taken.
    pub deadline: NaiveDate,
    /// `OPEN` or `CLOSED`.
    pub status: String,
    /// Indicators, each 0–100.
    pub indicators: Vec<String>,
    /// Groups asked.
    #[gql(into = "Vec<duban_schema::evaluation::RespondentGroup>")]
    pub groups: Vec<String>,
    /// The units surveyed.
    pub units: Vec<SurveyUnitView>,
    /// Respondents a unit needs for a representative result.
    pub min_sample: u32,
    /// Responses per group.
    #[gql(into = "Vec<GroupResponses>")]
    pub responses: Vec<(String, u64)>,
    /// Links issued and used (overseers only).
    #[gql(into = "Option<LinkCounts>")]
    pub links: Option<(u64, u64)>,
    /// Whether the caller may still answer as a cadre.
    pub may_answer: bool,
    /// Units the caller may score (all but their own).
    pub answerable_unit_ids: Vec<String>,
    /// Results: live for overseers, for everyone in scope once closed.
    pub results: Vec<SurveyResultView>,
    /// The ranking's rule.
    pub ranking_note: String,
    /// The rounding rule.
    pub rounding_note: String,
    /// When it closed.
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// Version.
    pub version: i64,
}

/// Responses of one group.
#[derive(async_graphql::SimpleObject)]
pub struct GroupResponses {
    /// The group.
    pub group: duban_schema::evaluation::RespondentGroup,
    /// How many answered.
    pub count: u64,
}

impl GraphqlForm<GroupResponses> for (String, u64) {
    fn to_graphql(self) -> GroupResponses {
        GroupResponses {
            group: self.0.to_graphql(),
            count: self.1,
        }
    }
    fn from_graphql(g: GroupResponses) -> Self {
        (String::from_graphql(g.group), g.count)
    }
}

tuple_object! {
    /// One-time links issued and spent.
    LinkCounts {
        /// Issued.
        issued: u64,
        /// Used.
        used: u64,
    }
}

/// What a public link shows: the one survey, nothing else.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PublicSurveyForm {
    /// Title.
    pub title: String,
    /// The scope's name.
    pub scope_name: String,
    /// The last day answers are taken.
    pub deadline: NaiveDate,
    /// Indicators.
    pub indicators: Vec<String>,
    /// The units to score.
    pub units: Vec<SurveyUnitView>,
    /// The respondent group, in Chinese.
    pub group: String,
}
