//! 年度考核 / 评先评优 over GraphQL: `openAssessment` and `publishAssessment` (SUPERVISOR),
//! the 考评组's `enterReportScore`, `overrideAssessmentFigure`, `adjustAssessment`,
//! `screenAssessment`, `decideAssessmentTie`; `assessments`, `assessment`, and the county's
//! `assessmentSettings`.

use crate::accountability::AccountabilitySubject;
use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use async_graphql::{Context, InputObject, Object, ID};
use duban_api::AssessmentEntryInput;
use duban_schema::WireName;

pub use duban_schema::evaluation::AssessmentIndicator;

pub use duban_api::AssessmentSettings;
pub use duban_api::AssessmentView as Assessment;

/// Input of `overrideAssessmentFigure`.
#[derive(InputObject)]
pub struct OverrideFigureInput {
    /// The assessment.
    pub assessment_id: ID,
    /// Person or unit.
    pub subject_kind: AccountabilitySubject,
    /// The person or unit.
    pub subject_id: ID,
    /// The indicator.
    pub indicator: AssessmentIndicator,
    /// The value used instead, 0–100.
    pub value: String,
    /// Why: kept beside the computed value.
    pub reason: String,
}

/// 年度考核 queries.
#[derive(Default)]
pub struct AssessmentQuery;

#[Object]
impl AssessmentQuery {
    /// Assessments the caller may read, newest first, without their rows.
    async fn assessments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Assessment>> {
        let a = actor(ctx)?;
        let v = services(ctx)?.evaluation.assessments(a).await.gql()?;
        Ok(v.into_iter().collect())
    }

    /// One assessment, computed now until published, frozen after.
    async fn assessment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Assessment> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.assessment(a, &id).await.gql()
    }

    /// The county's assessment rules.
    async fn assessment_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<AssessmentSettings> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.assessment_settings(a).await.gql()
    }
}

/// 年度考核 mutations.
#[derive(Default)]
pub struct AssessmentMutation;

/// An entry of the 考评组 on `subject`.
struct Entry<'a> {
    kind: &'a str,
    subject_kind: AccountabilitySubject,
    subject_id: Option<ID>,
    indicator: Option<AssessmentIndicator>,
    value: Option<String>,
    own_fault: Option<bool>,
    chosen_ids: Vec<ID>,
    reason: String,
}

impl AssessmentMutation {
    async fn enter(
        ctx: &Context<'_>,
        assessment_id: ID,
        e: Entry<'_>,
    ) -> async_graphql::Result<Assessment> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .assessment_entry(
                a,
                AssessmentEntryInput {
                    assessment_id: assessment_id.0,
                    kind: e.kind.into(),
                    subject_kind: e.subject_kind.as_str().into(),
                    subject_id: e.subject_id.map(|s| s.0),
                    indicator: e.indicator.map(|i| i.as_str().into()),
                    value: e.value,
                    own_fault: e.own_fault,
                    chosen_ids: e.chosen_ids.into_iter().map(|c| c.0).collect(),
                    reason: e.reason,
                },
            )
            .await
            .gql()
    }
}

#[Object]
impl AssessmentMutation {
    /// Opens an assessment year of a scope (SUPERVISOR of the scope) with its 考评组.
    async fn open_assessment(
        &self,
        ctx: &Context<'_>,
        input: duban_api::OpenAssessmentInput,
    ) -> async_graphql::Result<Assessment> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .open_assessment(a, input)
            .await
            .gql()
    }

    /// The 考评组's 述职 score of a person or unit, 0–100.
    async fn enter_report_score(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        subject_kind: AccountabilitySubject,
        subject_id: ID,
        score: String,
    ) -> async_graphql::Result<Assessment> {
        let e = Entry {
            kind: "REPORT",
            subject_kind,
            subject_id: Some(subject_id),
            indicator: None,
            value: Some(score),
            own_fault: None,
            chosen_ids: Vec::new(),
            reason: String::new(),
        };
        Self::enter(ctx, assessment_id, e).await
    }

    /// Overrides one computed figure, with the reason; the computed value stays beside it.
    async fn override_assessment_figure(
        &self,
        ctx: &Context<'_>,
        input: OverrideFigureInput,
    ) -> async_graphql::Result<Assessment> {
        let e = Entry {
            kind: "OVERRIDE",
            subject_kind: input.subject_kind,
            subject_id: Some(input.subject_id),
            indicator: Some(input.indicator),
            value: Some(input.value),
            own_fault: None,
            chosen_ids: Vec::new(),
            reason: input.reason,
        };
        Self::enter(ctx, input.assessment_id, e).await
    }

    /// A bonus (positive `points`) or penalty (negative) with its reason, at most 100.
    async fn adjust_assessment(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        subject_kind: AccountabilitySubject,
        subject_id: ID,
        points: String,
        reason: String,
    ) -> async_graphql::Result<Assessment> {
        let (kind, value) = match points.trim().strip_prefix('-') {
            Some(v) => ("PENALTY", v.trim().to_string()),
            None => ("BONUS", points.trim().trim_start_matches('+').to_string()),
        };
        let e = Entry {
            kind,
            subject_kind,
            subject_id: Some(subject_id),
            indicator: None,
            value: Some(value),
            own_fault: None,
            chosen_ids: Vec::new(),
            reason,
        };
        Self::enter(ctx, assessment_id, e).await
    }

    /// 甄别: whether the fault behind this year's records was the person's (or unit's) own.
    async fn screen_assessment(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        subject_kind: AccountabilitySubject,
        subject_id: ID,
        own_fault: bool,
        reason: String,
    ) -> async_graphql::Result<Assessment> {
        let e = Entry {
            kind: "SCREENING",
            subject_kind,
            subject_id: Some(subject_id),
            indicator: None,
            value: None,
            own_fault: Some(own_fault),
            chosen_ids: Vec::new(),
            reason,
        };
        Self::enter(ctx, assessment_id, e).await
    }

    /// The 考评组's choice among those tied at the last place, with its reason.
    async fn decide_assessment_tie(
        &self,
        ctx: &Context<'_>,
        assessment_id: ID,
        subject_kind: AccountabilitySubject,
        chosen_ids: Vec<ID>,
        reason: String,
    ) -> async_graphql::Result<Assessment> {
        let e = Entry {
            kind: "TIE",
            subject_kind,
            subject_id: None,
            indicator: None,
            value: None,
            own_fault: None,
            chosen_ids,
            reason,
        };
        Self::enter(ctx, assessment_id, e).await
    }

    /// Publishes the result (SUPERVISOR of the scope) once nothing is pending.
    async fn publish_assessment(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Assessment> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .publish_assessment(a, &id)
            .await
            .gql()
    }

    /// Sets the county's assessment rules (SUPERVISOR or ADMIN).
    async fn set_assessment_settings(
        &self,
        ctx: &Context<'_>,
        settings: AssessmentSettings,
    ) -> async_graphql::Result<AssessmentSettings> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .set_assessment_settings(a, settings)
            .await
            .gql()
    }
}
