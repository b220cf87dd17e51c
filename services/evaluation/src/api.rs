//! The evaluation service's side of its contract: each operation of `EvaluationApi`, most
//! handing over to the module of its concern.

use crate::color::assess;
use crate::entity::tracked_item;
use crate::item::facts;
use crate::service::{county_of, internal, EvaluationService};
use async_trait::async_trait;
use duban_api::{
    ApiError, ColorRulesView, ColorView, EvaluationApi, SetColorRulesInput, UnitFiguresView,
};
use duban_auth::Actor;
use duban_schema::Color;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

#[async_trait]
impl EvaluationApi for EvaluationService {
    async fn colors(&self, ids: &[String]) -> Result<HashMap<String, ColorView>, ApiError> {
        let rows = tracked_item::Entity::find()
            .filter(tracked_item::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let (cal, today) = (self.calendar_now(), self.clock.today());
        rows.into_iter()
            .map(|m| {
                let color = Color::parse(&m.color)
                    .ok_or_else(|| ApiError::unknown_stored("color", &m.id, &m.color))?;
                // The reason's counts are of today; the color is the card as shown.
                let fresh = assess(&facts(&m)?, today, &self.rules_for(&m), &cal);
                let reason = if fresh.color == color {
                    fresh.reason
                } else {
                    m.reason.clone()
                };
                Ok((
                    m.id.clone(),
                    ColorView {
                        color,
                        reason,
                        since: m.color_since,
                        rule: m.rule,
                    },
                ))
            })
            .collect()
    }

    async fn unit_figures(
        &self,
        actor: &Actor,
        paths: Vec<String>,
        campaign_id: Option<String>,
        as_of: Option<chrono::NaiveDate>,
        period: Option<duban_api::Period>,
    ) -> Result<Vec<UnitFiguresView>, ApiError> {
        if paths.len() > 1000 {
            return Err(ApiError::validation("paths", "一次最多查询1000个单位"));
        }
        if let Some(p) = paths.iter().find(|p| !actor.can_see(p)) {
            return Err(ApiError::Forbidden(format!("{p} 不在您的权限范围内")));
        }
        let today = self.clock.today();
        if as_of.is_some_and(|d| d > today) {
            return Err(ApiError::validation("asOf", "不能查询今天以后的数据"));
        }
        let to = as_of.unwrap_or(today);
        let since = period.map(|p| p.start(to));
        let campaign = campaign_id.unwrap_or_default();
        let end = self
            .figures_at(&campaign, as_of.filter(|d| *d < today), &paths)
            .await?;
        let start = match since.and_then(|s| s.pred_opt()) {
            Some(before) => Some(self.figures_at(&campaign, Some(before), &paths).await?),
            None => None,
        };
        Ok(paths
            .into_iter()
            .enumerate()
            .map(|(i, path)| {
                let (mut assignments, mut problems) = end[i];
                if let Some(s) = &start {
                    assignments = assignments.since(s[i].0);
                    problems = problems.since(s[i].1);
                }
                UnitFiguresView {
                    path,
                    from: since,
                    to,
                    assignments,
                    problems,
                }
            })
            .collect())
    }

    fn figure_changes(&self) -> futures::stream::BoxStream<'static, String> {
        use futures::StreamExt;
        futures::stream::unfold(self.changes.subscribe(), |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(path) => return Some((path, rx)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    }

    async fn color_rules(&self, actor: &Actor) -> Result<ColorRulesView, ApiError> {
        Ok(self.rules_view(county_of(&actor.unit_path)))
    }

    async fn set_color_rules(
        &self,
        actor: &Actor,
        input: SetColorRulesInput,
    ) -> Result<ColorRulesView, ApiError> {
        self.set_rules(actor, input).await
    }

    async fn bulletins(
        &self,
        actor: &Actor,
        scope_path: Option<String>,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<Vec<duban_api::BulletinView>, ApiError> {
        self.bulletins_of(actor, scope_path, from, to).await
    }

    async fn bulletin(&self, actor: &Actor, id: &str) -> Result<duban_api::BulletinView, ApiError> {
        self.bulletin_by_id(actor, id).await
    }

    async fn open_conduct_review(
        &self,
        actor: &Actor,
        input: duban_api::OpenConductReviewInput,
    ) -> Result<duban_api::ConductReviewView, ApiError> {
        self.open_review(actor, input).await
    }

    async fn submit_conduct_scores(
        &self,
        actor: &Actor,
        input: duban_api::SubmitConductScoresInput,
    ) -> Result<duban_api::ConductReviewView, ApiError> {
        self.submit_scores(actor, input).await
    }

    async fn close_conduct_review(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<duban_api::ConductReviewView, ApiError> {
        self.close_review(actor, id).await
    }

    async fn conduct_reviews(
        &self,
        actor: &Actor,
    ) -> Result<Vec<duban_api::ConductReviewView>, ApiError> {
        self.review_list(actor).await
    }

    async fn conduct_review(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<duban_api::ConductReviewView, ApiError> {
        self.review_view(actor, id).await
    }

    async fn create_survey(
        &self,
        actor: &Actor,
        input: duban_api::CreateSurveyInput,
    ) -> Result<duban_api::SurveyView, ApiError> {
        self.define_survey(actor, input).await
    }

    async fn issue_survey_links(
        &self,
        actor: &Actor,
        input: duban_api::IssueSurveyLinksInput,
    ) -> Result<Vec<duban_api::SurveyLinkView>, ApiError> {
        self.issue_links(actor, input).await
    }

    async fn answer_survey(
        &self,
        actor: &Actor,
        survey_id: &str,
        answers: Vec<duban_api::SurveyAnswer>,
    ) -> Result<duban_api::SurveyView, ApiError> {
        self.answer_as_cadre(actor, survey_id, answers).await
    }

    async fn close_survey(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<duban_api::SurveyView, ApiError> {
        self.end_survey(actor, id).await
    }

    async fn surveys(&self, actor: &Actor) -> Result<Vec<duban_api::SurveyView>, ApiError> {
        self.survey_list(actor).await
    }

    async fn survey(&self, actor: &Actor, id: &str) -> Result<duban_api::SurveyView, ApiError> {
        self.survey_one(actor, id).await
    }

    async fn public_survey(&self, token: &str) -> Result<duban_api::PublicSurveyForm, ApiError> {
        self.public_form(token).await
    }

    async fn answer_public_survey(
        &self,
        token: &str,
        answers: Vec<duban_api::SurveyAnswer>,
    ) -> Result<(), ApiError> {
        self.answer_by_link(token, answers).await
    }

    async fn rating_link(
        &self,
        actor: &Actor,
        item_id: &str,
    ) -> Result<duban_api::RatingLinkView, ApiError> {
        self.make_rating_link(actor, item_id).await
    }

    async fn public_rating(&self, token: &str) -> Result<duban_api::PublicRatingForm, ApiError> {
        self.rating_form(token).await
    }

    async fn rate(&self, token: &str, level: &str, comment: &str) -> Result<(), ApiError> {
        self.rate_by_link(token, level, comment).await
    }

    async fn ratings(
        &self,
        actor: &Actor,
        scope_path: Option<String>,
        bad_only: bool,
    ) -> Result<Vec<duban_api::RatingView>, ApiError> {
        self.rating_list(actor, scope_path, bad_only).await
    }

    async fn appeal_rating(
        &self,
        actor: &Actor,
        rating_id: &str,
        reasons: &str,
        evidence: Option<String>,
    ) -> Result<duban_api::RatingView, ApiError> {
        self.appeal(actor, rating_id, reasons, evidence).await
    }

    async fn decide_rating_appeal(
        &self,
        actor: &Actor,
        rating_id: &str,
        upheld: bool,
        note: &str,
    ) -> Result<duban_api::RatingView, ApiError> {
        self.decide_appeal(actor, rating_id, upheld, note).await
    }

    async fn rating_figures(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<duban_api::RatingFiguresView>, ApiError> {
        self.figures_of_ratings(actor, paths).await
    }

    async fn record_accountability(
        &self,
        actor: &Actor,
        input: duban_api::RecordAccountabilityInput,
    ) -> Result<duban_api::AccountabilityView, ApiError> {
        self.record(actor, input).await
    }

    async fn accountability_records(
        &self,
        actor: &Actor,
        subject_id: Option<String>,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<Vec<duban_api::AccountabilityView>, ApiError> {
        self.records(actor, subject_id, from, to).await
    }

    async fn accountability_forms(&self, actor: &Actor) -> Result<Vec<String>, ApiError> {
        self.forms(actor).await
    }

    async fn set_accountability_forms(
        &self,
        actor: &Actor,
        forms: Vec<String>,
    ) -> Result<Vec<String>, ApiError> {
        self.set_forms(actor, forms).await
    }

    async fn conduct_ledger(
        &self,
        actor: &Actor,
        person_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<duban_api::ConductLedgerView, ApiError> {
        self.ledger_of(actor, person_id, from, to).await
    }

    async fn conduct_categories(
        &self,
        actor: &Actor,
    ) -> Result<duban_api::ConductCategoriesView, ApiError> {
        self.conduct_categories_for(actor).await
    }

    async fn set_conduct_categories(
        &self,
        actor: &Actor,
        categories: duban_api::ConductCategoriesView,
    ) -> Result<duban_api::ConductCategoriesView, ApiError> {
        self.set_categories(actor, categories).await
    }

    async fn comment_bulletin(
        &self,
        actor: &Actor,
        id: &str,
        text: &str,
    ) -> Result<duban_api::BulletinView, ApiError> {
        self.comment(actor, id, text).await
    }

    async fn refer_clue(
        &self,
        actor: &Actor,
        input: duban_api::ReferClueInput,
    ) -> Result<duban_api::ReferralView, ApiError> {
        self.refer_by_hand(actor, input).await
    }

    async fn referral_step(
        &self,
        actor: &Actor,
        step: &str,
        input: duban_api::ReferralStepInput,
    ) -> Result<duban_api::ReferralView, ApiError> {
        self.step(actor, step, input).await
    }

    async fn referrals(
        &self,
        actor: &Actor,
        open_only: bool,
    ) -> Result<Vec<duban_api::ReferralView>, ApiError> {
        self.referral_list(actor, open_only).await
    }

    async fn referral(&self, actor: &Actor, id: &str) -> Result<duban_api::ReferralView, ApiError> {
        self.referral_one(actor, id).await
    }

    async fn referral_figures(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<duban_api::ReferralFiguresView>, ApiError> {
        self.figures_of_referrals(actor, paths).await
    }

    async fn referral_settings(
        &self,
        actor: &Actor,
    ) -> Result<duban_api::ReferralSettings, ApiError> {
        self.settings_for(actor).await
    }

    async fn set_referral_settings(
        &self,
        actor: &Actor,
        settings: duban_api::ReferralSettings,
    ) -> Result<duban_api::ReferralSettings, ApiError> {
        self.set_settings(actor, settings).await
    }

    async fn open_assessment(
        &self,
        actor: &Actor,
        input: duban_api::OpenAssessmentInput,
    ) -> Result<duban_api::AssessmentView, ApiError> {
        self.open_year(actor, input).await
    }

    async fn assessment_entry(
        &self,
        actor: &Actor,
        input: duban_api::AssessmentEntryInput,
    ) -> Result<duban_api::AssessmentView, ApiError> {
        self.enter(actor, input).await
    }

    async fn publish_assessment(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<duban_api::AssessmentView, ApiError> {
        self.publish(actor, id).await
    }

    async fn assessments(&self, actor: &Actor) -> Result<Vec<duban_api::AssessmentView>, ApiError> {
        self.assessment_list(actor).await
    }

    async fn assessment(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<duban_api::AssessmentView, ApiError> {
        self.assessment_one(actor, id).await
    }

    async fn assessment_marks(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<Option<duban_api::AssessmentMarkView>>, ApiError> {
        self.marks(actor, paths).await
    }

    async fn assessment_settings(
        &self,
        actor: &Actor,
    ) -> Result<duban_api::AssessmentSettings, ApiError> {
        self.assessment_settings_for(actor).await
    }

    async fn set_assessment_settings(
        &self,
        actor: &Actor,
        settings: duban_api::AssessmentSettings,
    ) -> Result<duban_api::AssessmentSettings, ApiError> {
        self.set_assessment_rules(actor, settings).await
    }

    async fn ready(&self) -> Result<(), ApiError> {
        duban_outbox::db::ping(&self.db).await.map_err(internal)
    }
}
