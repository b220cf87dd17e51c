//! 年度考核 / 评先评优 over GraphQL: `openAssessment` and `publishAssessment` (SUPERVISOR),
//! the 考评组's `enterReportScore`, `overrideAssessmentFigure`, `adjustAssessment`,
//! `screenAssessment`, `decideAssessmentTie`; `assessments`, `assessment`, and the county's
//! `assessmentSettings`.

use crate::accountability::AccountabilitySubject;
use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::DateTime;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use duban_api::{AssessmentEntryInput, AssessmentView};
use duban_schema::WireName;

pub use duban_schema::evaluation::AssessmentIndicator;

pub use duban_api::AssessmentSettings;

/// One indicator of one person or unit: as computed, and as used.
#[derive(SimpleObject)]
pub struct AssessmentFigure {
    /// The indicator.
    pub indicator: AssessmentIndicator,
    /// As computed from what was recorded, two decimals (absent: nothing recorded).
    pub computed: Option<String>,
    /// As used: the 考评组's override where there is one.
    pub value: Option<String>,
    /// Why it was overridden.
    pub override_reason: Option<String>,
}

/// A bonus (positive) or penalty (negative).
#[derive(SimpleObject)]
pub struct AssessmentAdjustment {
    /// Signed points.
    pub points: String,
    /// Why.
    pub reason: String,
    /// Entered by.
    pub entered_by: ID,
}

/// Where a person or unit stands for 评先.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    /// No accountability record this year.
    Eligible,
    /// A record this year, waiting for the 考评组's 甄别.
    PendingScreening,
    /// 甄别 found the fault their own (or, for a unit, one of its people's).
    Excluded,
    /// 甄别 found the fault not their own: eligible again.
    Restored,
}

/// One person or unit of an assessment.
#[derive(SimpleObject)]
pub struct Assessed {
    /// Person or unit.
    pub subject_kind: AccountabilitySubject,
    /// The person or unit.
    pub subject_id: ID,
    /// The unit assessed it belongs to.
    pub unit_id: ID,
    /// Figures.
    pub figures: Vec<AssessmentFigure>,
    /// Bonus and penalty entries (the 考评组 and overseers only).
    pub adjustments: Vec<AssessmentAdjustment>,
    /// Weighted composite plus adjustments, two decimals.
    pub composite: Option<String>,
    /// Competition rank.
    pub rank: Option<i32>,
    /// Eligibility.
    pub eligibility: Eligibility,
    /// The records and 甄别 behind it (the 考评组 and overseers only).
    pub grounds: Vec<String>,
    /// 先进工作者 / 先进科室.
    pub selected: bool,
    /// 推荐使用, for the organisation department.
    pub recommended: bool,
}

impl From<duban_api::AssessedView> for Assessed {
    fn from(v: duban_api::AssessedView) -> Self {
        Self {
            subject_kind: AccountabilitySubject::read(&v.subject_kind),
            subject_id: ID(v.subject_id),
            unit_id: ID(v.unit_id),
            figures: v
                .figures
                .into_iter()
                .map(|f| AssessmentFigure {
                    indicator: AssessmentIndicator::read(&f.indicator),
                    computed: f.computed,
                    value: f.value,
                    override_reason: f.override_reason,
                })
                .collect(),
            adjustments: v
                .adjustments
                .into_iter()
                .map(|a| AssessmentAdjustment {
                    points: a.points,
                    reason: a.reason,
                    entered_by: ID(a.entered_by),
                })
                .collect(),
            composite: v.composite,
            rank: v.rank.map(|r| r as i32),
            eligibility: match v.eligibility.as_str() {
                "PENDING_SCREENING" => Eligibility::PendingScreening,
                "EXCLUDED" => Eligibility::Excluded,
                "RESTORED" => Eligibility::Restored,
                _ => Eligibility::Eligible,
            },
            grounds: v.grounds,
            selected: v.selected,
            recommended: v.recommended,
        }
    }
}

/// A tie at the last place waiting for the 考评组.
#[derive(SimpleObject)]
pub struct AssessmentTie {
    /// Person or unit.
    pub subject_kind: AccountabilitySubject,
    /// The tied.
    pub tied_ids: Vec<ID>,
    /// Places left for them.
    pub places: i32,
}

/// An assessment year (年度考核).
#[derive(SimpleObject)]
pub struct Assessment {
    /// Id.
    pub id: ID,
    /// Scope unit.
    pub scope_unit_id: ID,
    /// Its name.
    pub scope_name: String,
    /// The year.
    pub year: i32,
    /// `OPEN` or `PUBLISHED`.
    pub status: String,
    /// The 考评组.
    pub panel_ids: Vec<ID>,
    /// The rules (frozen at publication).
    pub settings: AssessmentSettings,
    /// Places for 先进工作者.
    pub person_places: i32,
    /// Places for 先进科室.
    pub unit_places: i32,
    /// People, by rank (empty in a list).
    pub people: Vec<Assessed>,
    /// Units, by rank (empty in a list).
    pub units: Vec<Assessed>,
    /// Ties waiting for the 考评组.
    pub ties: Vec<AssessmentTie>,
    /// What still stands before publication.
    pub pending: Vec<String>,
    /// When published.
    pub published_at: Option<DateTime>,
}

impl From<AssessmentView> for Assessment {
    fn from(v: AssessmentView) -> Self {
        Self {
            id: ID(v.id),
            scope_unit_id: ID(v.scope_unit_id),
            scope_name: v.scope_name,
            year: v.year,
            status: v.status,
            panel_ids: v.panel_ids.into_iter().map(ID).collect(),
            settings: v.settings,
            person_places: v.person_places as i32,
            unit_places: v.unit_places as i32,
            people: v.people.into_iter().map(Into::into).collect(),
            units: v.units.into_iter().map(Into::into).collect(),
            ties: v
                .ties
                .into_iter()
                .map(|t| AssessmentTie {
                    subject_kind: AccountabilitySubject::read(&t.subject_kind),
                    tied_ids: t.tied_ids.into_iter().map(ID).collect(),
                    places: t.places as i32,
                })
                .collect(),
            pending: v.pending,
            published_at: v.published_at.map(DateTime),
        }
    }
}

/// A unit's mark in the latest published assessment covering it.
#[derive(SimpleObject)]
pub struct AssessmentMark {
    /// The year.
    pub year: i32,
    /// Composite.
    pub composite: Option<String>,
    /// Rank.
    pub rank: Option<i32>,
    /// 先进科室.
    pub selected: bool,
    /// Excluded after 甄别.
    pub excluded: bool,
}

impl From<duban_api::AssessmentMarkView> for AssessmentMark {
    fn from(v: duban_api::AssessmentMarkView) -> Self {
        Self {
            year: v.year,
            composite: v.composite,
            rank: v.rank.map(|r| r as i32),
            selected: v.selected,
            excluded: v.excluded,
        }
    }
}

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
        Ok(v.into_iter().map(Into::into).collect())
    }

    /// One assessment, computed now until published, frozen after.
    async fn assessment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Assessment> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .assessment(a, &id)
            .await
            .gql()?
            .into())
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
        Ok(services(ctx)?
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
            .gql()?
            .into())
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
        Ok(services(ctx)?
            .evaluation
            .open_assessment(a, input)
            .await
            .gql()?
            .into())
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
        Ok(services(ctx)?
            .evaluation
            .publish_assessment(a, &id)
            .await
            .gql()?
            .into())
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
