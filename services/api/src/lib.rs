//! The services' client traits and data, which is all the gateway knows of them.
//! The all-in-one binary implements these in process; a distributed deployment
//! implements them over each service's internal HTTP API.

extern crate self as duban_api;

mod accountability;
mod assessment;
mod bulletin;
pub mod graphql;
pub mod idempotency;
mod inputs;
pub mod ledger;
mod page;
mod push;
mod rating;
mod referral;
mod review;
pub mod rpc;
mod sign_in;
mod survey;
pub mod trace;
mod views;

/// Every name the service traits' signatures use, for code generated from them.
pub mod prelude {
    pub use crate::*;
    pub use chrono::NaiveDate;
    pub use duban_auth::{Actor, Subject};
    pub use duban_schema::assignments::{
        CampaignSnapshot, DutyRuleSnapshot, OrgUnitSnapshot, PersonSnapshot,
    };
    pub use duban_schema::notifications::{NotificationRulesSnapshot, WebhookSnapshot};
    pub use duban_schema::Color;
    pub use futures::stream::BoxStream;
    pub use std::collections::HashMap;
}

pub use accountability::*;
pub use assessment::*;
pub use bulletin::*;
pub use inputs::*;
pub use page::*;
pub use push::*;
pub use rating::*;
pub use referral::*;
pub use review::*;
pub use sign_in::*;
pub use survey::*;
pub use views::*;

pub use duban_api_macros::service;

use chrono::NaiveDate;
use duban_auth::{Actor, Subject};
use duban_schema::assignments::{
    CampaignSnapshot, DutyRuleSnapshot, OrgUnitSnapshot, PersonSnapshot,
};
use duban_schema::notifications::{NotificationRulesSnapshot, WebhookSnapshot};
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An error a service reports to its caller; the gateway maps each to an `extensions.code`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ApiError {
    /// The caller is not known.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing with that id exists in the caller's scope.
    #[error("未找到{what}：{id}")]
    NotFound {
        /// What was looked for, in Chinese.
        what: String,
        /// The id asked for.
        id: String,
    },
    /// A field of the input is wrong.
    #[error("{message}")]
    Validation {
        /// The input field, as named in GraphQL.
        field: String,
        /// What is wrong and what to do, in Chinese.
        message: String,
    },
    /// The item is in a state that does not allow this.
    #[error("当前状态为「{from_label}」，不能{action}")]
    IllegalTransition {
        /// Current state (wire name).
        from: String,
        /// Current state, in Chinese.
        from_label: String,
        /// The attempted transition, in Chinese.
        action: String,
    },
    /// Someone else changed the item first.
    #[error("该事项已被他人修改（期望版本 {expected}，当前版本 {actual}），请刷新后重试")]
    VersionConflict {
        /// Version the caller expected.
        expected: i64,
        /// Version found.
        actual: i64,
    },
    /// Something failed inside; logged with details.
    #[error("服务内部错误，请稍后重试")]
    Internal(String),
}

impl ApiError {
    /// The stable code of the error table.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::Validation { .. } => "VALIDATION",
            ApiError::IllegalTransition { .. } => "ILLEGAL_TRANSITION",
            ApiError::VersionConflict { .. } => "VERSION_CONFLICT",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// Refused as FORBIDDEN with `message` unless `allowed`.
    pub fn forbidden_unless(allowed: bool, message: &str) -> Result<(), Self> {
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(message.to_string()))
        }
    }

    /// A validation error on `field`.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// A value read back from storage that this version does not know: logged with the row
    /// and the value, and answered INTERNAL; a stored value is never guessed at.
    pub fn unknown_stored(what: &str, id: &str, value: &str) -> Self {
        tracing::error!(
            what,
            id,
            value,
            "a stored value is unknown to this version of duban"
        );
        ApiError::Internal(format!("stored {what} of {id} is unknown: {value}"))
    }

    /// A not-found error.
    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError::NotFound {
            what: what.to_string(),
            id: id.to_string(),
        }
    }
}

/// The assignments service. Its commands answer with the item as it now stands, without
/// its progress reports, deadline changes and transfers (read those with `assignment`).
#[service("assignments")]
pub trait AssignmentsApi: Send + Sync {
    /// Every day of `year` on the working calendar.
    async fn work_calendar(
        &self,
        actor: &Actor,
        year: i32,
    ) -> Result<Vec<CalendarDayView>, ApiError>;
    /// Changes one day of the county's working calendar (ADMIN) and moves every open
    /// time limit measured on it.
    #[write]
    async fn set_calendar_day(
        &self,
        actor: &Actor,
        input: SetCalendarDayInput,
    ) -> Result<CalendarChangeView, ApiError>;
    /// Launches a campaign (SUPERVISOR or ADMIN) over a unit in the caller's scope.
    #[write]
    async fn launch_campaign_as(
        &self,
        actor: &Actor,
        input: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError>;
    /// Adds a unit to the directory (ADMIN).
    #[write]
    async fn register_org_unit(
        &self,
        actor: &Actor,
        input: RegisterOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError>;
    /// Adds a person to the directory (ADMIN).
    #[write]
    async fn register_person_as(
        &self,
        actor: &Actor,
        input: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError>;
    /// The `days`th working day after `from`.
    async fn add_working_days(
        &self,
        actor: &Actor,
        from: NaiveDate,
        days: i32,
    ) -> Result<NaiveDate, ApiError>;
    /// 交办: a supervisor issues an assignment.
    #[write]
    async fn issue_assignment(
        &self,
        actor: &Actor,
        input: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 签收.
    #[write]
    async fn acknowledge_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 进度报送.
    #[write]
    async fn report_progress(
        &self,
        actor: &Actor,
        input: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 办结, with the result.
    #[write]
    async fn complete_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 审核销号.
    #[write]
    async fn verify_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// 退回, with the reason.
    #[write]
    async fn return_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError>;
    /// The supervisor's other transitions: cancel, reopen, raise supervision, suspend, resume.
    #[write]
    async fn command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError>;
    /// One assignment in the caller's scope.
    async fn assignment(&self, actor: &Actor, id: &str) -> Result<AssignmentView, ApiError>;
    /// Assignments in the caller's scope, ordered by time limit then id.
    async fn assignments(
        &self,
        actor: &Actor,
        filter: AssignmentFilter,
        page: PageRequest,
    ) -> Result<Page<AssignmentView>, ApiError>;
    /// 登记: enters a problem in a unit's ledger; rectification starts.
    #[write]
    async fn register_problem(
        &self,
        actor: &Actor,
        input: RegisterProblemInput,
    ) -> Result<ProblemView, ApiError>;
    /// A ledger transition: request close-out, close, return, reopen.
    #[write]
    async fn problem_command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: ProblemCommand,
    ) -> Result<ProblemView, ApiError>;
    /// One problem in the caller's scope.
    async fn problem(&self, actor: &Actor, id: &str) -> Result<ProblemView, ApiError>;
    /// Problems in the caller's scope, ordered by time limit then id.
    async fn problems(
        &self,
        actor: &Actor,
        filter: ProblemFilter,
        page: PageRequest,
    ) -> Result<Page<ProblemView>, ApiError>;
    /// A whole ledger for export, streamed from one snapshot.
    fn export_ledger(
        &self,
        actor: &Actor,
        query: ledger::LedgerQuery,
    ) -> BoxStream<'static, ledger::LedgerPart>;
    /// Imports a ledger: every row is checked; nothing is written unless all are good,
    /// or, with `only_good`, the good rows are written and the rest listed.
    #[write]
    async fn import_ledger(
        &self,
        actor: &Actor,
        kind: LedgerKind,
        rows: Vec<ImportRow>,
        only_good: bool,
    ) -> Result<ImportReport, ApiError>;
    /// Changes a unit's name or code (ADMIN).
    #[write]
    async fn update_org_unit(
        &self,
        actor: &Actor,
        input: UpdateOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError>;
    /// Changes a person's post, unit, roles or supervising leader (ADMIN).
    #[write]
    async fn update_person(
        &self,
        actor: &Actor,
        input: UpdatePersonInput,
    ) -> Result<PersonSnapshot, ApiError>;
    /// Makes a recurring duty rule (SUPERVISOR, or the unit's leader for their own unit).
    #[write]
    async fn create_duty_rule(
        &self,
        actor: &Actor,
        input: CreateDutyRuleInput,
    ) -> Result<DutyRuleSnapshot, ApiError>;
    /// Duty rules for units in the caller's scope.
    async fn duty_rules(&self, actor: &Actor) -> Result<Vec<DutyRuleSnapshot>, ApiError>;
    /// Units in the caller's scope, ordered by path.
    async fn org_units(&self, actor: &Actor) -> Result<Vec<OrgUnitSnapshot>, ApiError>;
    /// One unit in the caller's scope.
    async fn org_unit(&self, actor: &Actor, id: &str) -> Result<OrgUnitSnapshot, ApiError>;
    /// The unit a board is of (`scope`, by id; none: the caller's own), then the units
    /// directly under it by path; VALIDATION on `scope` outside the caller's scope.
    async fn board_units(
        &self,
        actor: &Actor,
        scope: Option<String>,
    ) -> Result<Vec<OrgUnitSnapshot>, ApiError>;
    /// One person in the caller's scope.
    async fn person(&self, actor: &Actor, id: &str) -> Result<PersonSnapshot, ApiError>;
    /// Campaigns whose scope covers the caller.
    async fn campaigns(&self, actor: &Actor) -> Result<Vec<CampaignSnapshot>, ApiError>;
    /// Whether the service can serve (database reachable).
    async fn ready(&self) -> Result<(), ApiError>;
    /// The caller a token's subject is now, from the directory; UNAUTHENTICATED when the
    /// person is unknown, deactivated or the token's generation was revoked.
    async fn authenticate(&self, subject: &Subject) -> Result<Actor, ApiError>;
    /// Signs in with an account and password: a session, or why not (failures count
    /// toward a lock).
    async fn sign_in(&self, account: &str, password: &str) -> Result<SignInOutcome, ApiError>;
    /// Changes a password, given the current one, and signs in; how an initial password
    /// is replaced. Every other session of the person ends.
    async fn change_password(
        &self,
        account: &str,
        password: &str,
        new_password: &str,
    ) -> Result<SignInOutcome, ApiError>;
    /// A new refresh token for a session, the old one spent; a spent one presented again
    /// ends the session.
    async fn refresh_session(&self, refresh_token: &str) -> Result<SignInOutcome, ApiError>;
    /// Ends the session a refresh token names (signing out); unknown tokens are ignored.
    async fn sign_out(&self, refresh_token: &str) -> Result<(), ApiError>;
    /// Sets a new initial password for a person in the admin's scope (ADMIN), to be
    /// changed at the next sign-in; ends their sessions and is audited. Not a keyed
    /// write: its answer holds a password, which is never stored to be replayed.
    async fn reset_password(
        &self,
        actor: &Actor,
        person_id: &str,
    ) -> Result<InitialPassword, ApiError>;
}

/// The evaluation service.
#[service("evaluation")]
pub trait EvaluationApi: Send + Sync {
    /// Colors of the given items; items evaluation has not seen yet are absent.
    async fn colors(&self, ids: &[String]) -> Result<HashMap<String, ColorView>, ApiError>;
    /// The figures of each unit of `paths` with everything under it (of one campaign, or
    /// all), now or as the day `as_of` closed, from running tallies: a few rows per unit,
    /// never the items; with `period`, of that period up to the day (see
    /// [`Figures::since`]). Every path must lie in the caller's scope.
    async fn unit_figures(
        &self,
        actor: &Actor,
        paths: Vec<String>,
        campaign_id: Option<String>,
        as_of: Option<NaiveDate>,
        period: Option<Period>,
    ) -> Result<Vec<UnitFiguresView>, ApiError>;
    /// The unit paths whose figures change, as they change (the boards' live signal).
    fn figure_changes(&self) -> BoxStream<'static, String>;
    /// The color rules of the caller's county.
    async fn color_rules(&self, actor: &Actor) -> Result<ColorRulesView, ApiError>;
    /// Sets one scope's color rules (SUPERVISOR or ADMIN of the county); every open item
    /// they govern is recolored at once, each saying why.
    #[write]
    async fn set_color_rules(
        &self,
        actor: &Actor,
        input: SetColorRulesInput,
    ) -> Result<ColorRulesView, ApiError>;
    /// Bulletins (周通报) of one scope (default: every one the caller may read) whose
    /// week began between `from` and `to`, newest first, at most 200: those of units in
    /// the caller's scope and of the units above theirs.
    async fn bulletins(
        &self,
        actor: &Actor,
        scope_path: Option<String>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<BulletinView>, ApiError>;
    /// One bulletin the caller may read (its unit's 分管领导 too).
    async fn bulletin(&self, actor: &Actor, id: &str) -> Result<BulletinView, ApiError>;
    /// Adds a comment (一点评) under a bulletin: a SUPERVISOR whose scope covers it, or
    /// the unit's 分管领导.
    #[write]
    async fn comment_bulletin(
        &self,
        actor: &Actor,
        id: &str,
        text: &str,
    ) -> Result<BulletinView, ApiError>;
    /// Opens a 作风体检 round over the child units of a scope (SUPERVISOR of the scope).
    #[write]
    async fn open_conduct_review(
        &self,
        actor: &Actor,
        input: OpenConductReviewInput,
    ) -> Result<ConductReviewView, ApiError>;
    /// Gives or changes the caller's scores of one unit of an open round: 自评 by its
    /// leader, 点评 by its 分管领导, 互评 by a cadre of another unit of the scope.
    #[write]
    async fn submit_conduct_scores(
        &self,
        actor: &Actor,
        input: SubmitConductScoresInput,
    ) -> Result<ConductReviewView, ApiError>;
    /// Closes a round by hand (SUPERVISOR of the scope): results, ranks, and a 谈心谈话 for
    /// the lowest.
    #[write]
    async fn close_conduct_review(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<ConductReviewView, ApiError>;
    /// The rounds the caller takes part in or oversees, newest first, at most 100.
    async fn conduct_reviews(&self, actor: &Actor) -> Result<Vec<ConductReviewView>, ApiError>;
    /// One round the caller takes part in or oversees.
    async fn conduct_review(&self, actor: &Actor, id: &str) -> Result<ConductReviewView, ApiError>;
    /// Defines a 满意度评议 over units of a scope (SUPERVISOR of the scope).
    #[write]
    async fn create_survey(
        &self,
        actor: &Actor,
        input: CreateSurveyInput,
    ) -> Result<SurveyView, ApiError>;
    /// One-time links of a survey for the public or 两代表一委员 (SUPERVISOR of the scope),
    /// kept only as hashes. Not a keyed write: its answer holds the tokens, which are never
    /// stored to be replayed.
    async fn issue_survey_links(
        &self,
        actor: &Actor,
        input: IssueSurveyLinksInput,
    ) -> Result<Vec<SurveyLinkView>, ApiError>;
    /// The caller's answer as a cadre of the scope, once, never of their own unit; stored
    /// apart from who gave it.
    #[write]
    async fn answer_survey(
        &self,
        actor: &Actor,
        survey_id: &str,
        answers: Vec<SurveyAnswer>,
    ) -> Result<SurveyView, ApiError>;
    /// Closes a survey now (SUPERVISOR of the scope); otherwise it closes after its deadline.
    #[write]
    async fn close_survey(&self, actor: &Actor, id: &str) -> Result<SurveyView, ApiError>;
    /// The surveys the caller answers or oversees, newest first, at most 100.
    async fn surveys(&self, actor: &Actor) -> Result<Vec<SurveyView>, ApiError>;
    /// One survey the caller answers or oversees.
    async fn survey(&self, actor: &Actor, id: &str) -> Result<SurveyView, ApiError>;
    /// What an unspent link of an open survey shows: that survey and nothing else.
    async fn public_survey(&self, token: &str) -> Result<PublicSurveyForm, ApiError>;
    /// The answer through a one-time link, which it spends; stored without the link.
    async fn answer_public_survey(
        &self,
        token: &str,
        answers: Vec<SurveyAnswer>,
    ) -> Result<(), ApiError>;
    /// A rating link for a completed public-serving item the caller's scope covers, to
    /// hand to the person served; a new link replaces the last, until a rating comes in.
    /// Not a keyed write: its answer holds the token.
    async fn rating_link(&self, actor: &Actor, item_id: &str) -> Result<RatingLinkView, ApiError>;
    /// What a rating link shows: its one item.
    async fn public_rating(&self, token: &str) -> Result<PublicRatingForm, ApiError>;
    /// A rating through a link (level wire name, comment): once, and again after a 差评 is
    /// rectified; a 差评 asks for a rectification and a follow-up visit.
    async fn rate(&self, token: &str, level: &str, comment: &str) -> Result<(), ApiError>;
    /// Ratings of the units under `scope_path` (default: the caller's scope), newest first,
    /// at most 200; the rater is never recorded.
    async fn ratings(
        &self,
        actor: &Actor,
        scope_path: Option<String>,
        bad_only: bool,
    ) -> Result<Vec<RatingView>, ApiError>;
    /// The unit appeals a 差评 it thinks untrue (申诉), with reasons and evidence: its
    /// leader, once.
    #[write]
    async fn appeal_rating(
        &self,
        actor: &Actor,
        rating_id: &str,
        reasons: &str,
        evidence: Option<String>,
    ) -> Result<RatingView, ApiError>;
    /// A supervisor whose scope covers the unit decides an appeal; an upheld one takes the
    /// 差评 out of the figures and keeps it on record.
    #[write]
    async fn decide_rating_appeal(
        &self,
        actor: &Actor,
        rating_id: &str,
        upheld: bool,
        note: &str,
    ) -> Result<RatingView, ApiError>;
    /// 好评率 and 差评整改率 of each unit of `paths` with everything under it (each in the
    /// caller's scope).
    async fn rating_figures(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<RatingFiguresView>, ApiError>;
    /// Records an accountability decision (追责问责) on a person or a unit of the caller's
    /// county: DISCIPLINE only. A correction is a new record naming the one it supersedes.
    #[write]
    async fn record_accountability(
        &self,
        actor: &Actor,
        input: RecordAccountabilityInput,
    ) -> Result<AccountabilityView, ApiError>;
    /// Accountability records, newest first, at most 500: of one person or unit (each, or
    /// all the caller may see): DISCIPLINE, SUPERVISOR and ADMIN of the scope, the person
    /// themselves, and the leaders of the unit.
    async fn accountability_records(
        &self,
        actor: &Actor,
        subject_id: Option<String>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<AccountabilityView>, ApiError>;
    /// A cadre's 作风表现台账 from `from` to `to` (at most five years), built from what
    /// happened: the cadre, their unit's leaders and 分管领导, and DISCIPLINE, SUPERVISOR
    /// and ADMIN of the scope may read it.
    async fn conduct_ledger(
        &self,
        actor: &Actor,
        person_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ConductLedgerView, ApiError>;
    /// The county's 作风台账 categories and the category of each kind of line.
    async fn conduct_categories(&self, actor: &Actor) -> Result<ConductCategoriesView, ApiError>;
    /// Sets them (SUPERVISOR or ADMIN of the county).
    #[write]
    async fn set_conduct_categories(
        &self,
        actor: &Actor,
        categories: ConductCategoriesView,
    ) -> Result<ConductCategoriesView, ApiError>;
    /// The county's accountability forms, mildest first.
    async fn accountability_forms(&self, actor: &Actor) -> Result<Vec<String>, ApiError>;
    /// Sets the county's accountability forms (DISCIPLINE or ADMIN of the county).
    #[write]
    async fn set_accountability_forms(
        &self,
        actor: &Actor,
        forms: Vec<String>,
    ) -> Result<Vec<String>, ApiError>;
    /// Refers a clue to the discipline commission by hand (SUPERVISOR of the scope), with
    /// the items whose history is the evidence.
    #[write]
    async fn refer_clue(
        &self,
        actor: &Actor,
        input: ReferClueInput,
    ) -> Result<ReferralView, ApiError>;
    /// A step of the commission (DISCIPLINE of the scope): `RECEIVE` (签收), `DISPOSE`
    /// (one of the four dispositions, with its time limit) or `CONCLUDE` (办结, linking
    /// the accountability record it led to).
    #[write]
    async fn referral_step(
        &self,
        actor: &Actor,
        step: &str,
        input: ReferralStepInput,
    ) -> Result<ReferralView, ApiError>;
    /// Referrals the caller may see, newest first, at most 200: all of the county for
    /// DISCIPLINE (with its notes), the state of those in scope for SUPERVISOR.
    async fn referrals(
        &self,
        actor: &Actor,
        open_only: bool,
    ) -> Result<Vec<ReferralView>, ApiError>;
    /// One referral the caller may see.
    async fn referral(&self, actor: &Actor, id: &str) -> Result<ReferralView, ApiError>;
    /// Referrals open, late and concluded for each unit of `paths` with everything under
    /// it (DISCIPLINE and SUPERVISOR of the scope).
    async fn referral_figures(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<ReferralFiguresView>, ApiError>;
    /// The county's referral rules and time limits.
    async fn referral_settings(&self, actor: &Actor) -> Result<ReferralSettings, ApiError>;
    /// Sets them (DISCIPLINE or ADMIN of the county).
    #[write]
    async fn set_referral_settings(
        &self,
        actor: &Actor,
        settings: ReferralSettings,
    ) -> Result<ReferralSettings, ApiError>;
    /// Opens an assessment year of a scope (SUPERVISOR of the scope), naming its 考评组.
    #[write]
    async fn open_assessment(
        &self,
        actor: &Actor,
        input: OpenAssessmentInput,
    ) -> Result<AssessmentView, ApiError>;
    /// An entry of the 考评组 (a member, while open): 述职 score, override with reason,
    /// bonus or penalty with reason, 甄别, or its choice among the tied.
    #[write]
    async fn assessment_entry(
        &self,
        actor: &Actor,
        input: AssessmentEntryInput,
    ) -> Result<AssessmentView, ApiError>;
    /// Publishes the result (SUPERVISOR of the scope) once nothing is pending; it is frozen.
    #[write]
    async fn publish_assessment(&self, actor: &Actor, id: &str)
        -> Result<AssessmentView, ApiError>;
    /// Assessments the caller may read, newest first, at most 50, without their rows.
    async fn assessments(&self, actor: &Actor) -> Result<Vec<AssessmentView>, ApiError>;
    /// One assessment: the 考评组, SUPERVISOR, DISCIPLINE and ADMIN of the scope; once
    /// published, everyone in it (without the grounds of exclusions).
    async fn assessment(&self, actor: &Actor, id: &str) -> Result<AssessmentView, ApiError>;
    /// Each unit's mark in the latest published assessment covering it (absent: none).
    async fn assessment_marks(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<Option<AssessmentMarkView>>, ApiError>;
    /// The county's assessment rules.
    async fn assessment_settings(&self, actor: &Actor) -> Result<AssessmentSettings, ApiError>;
    /// Sets them (SUPERVISOR or ADMIN of the county).
    #[write]
    async fn set_assessment_settings(
        &self,
        actor: &Actor,
        settings: AssessmentSettings,
    ) -> Result<AssessmentSettings, ApiError>;
    /// Whether the service can serve.
    async fn ready(&self) -> Result<(), ApiError>;
}

/// The notifications service.
#[service("notifications")]
pub trait NotificationsApi: Send + Sync {
    /// The caller's inbox, newest first.
    async fn my_notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<NotificationView>, ApiError>;
    /// Marks one of the caller's notices read.
    #[write]
    async fn mark_read(&self, actor: &Actor, id: &str) -> Result<NotificationView, ApiError>;
    /// The first `limit` notices about one assignment (at most 500), oldest first, those
    /// in the caller's scope: who was told what, and who acknowledged.
    async fn notices_about(
        &self,
        actor: &Actor,
        assignment_id: &str,
        limit: usize,
    ) -> Result<Vec<NotificationView>, ApiError>;
    /// Acknowledges one of the caller's notices that asks for it (事事有回音), announced
    /// to its sender; a second acknowledgement changes nothing.
    #[write]
    async fn acknowledge(&self, actor: &Actor, id: &str) -> Result<NotificationView, ApiError>;
    /// Notices for `person_id` from now on, as they arrive, and again as they are
    /// acknowledged.
    fn watch(&self, person_id: &str) -> BoxStream<'static, NotificationView>;
    /// Push channels in the caller's scope (ADMIN).
    async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookSnapshot>, ApiError>;
    /// Adds a push channel for a scope the caller administers (ADMIN).
    #[write]
    async fn create_webhook(
        &self,
        actor: &Actor,
        input: CreateWebhookInput,
    ) -> Result<CreatedWebhook, ApiError>;
    /// Removes a push channel (ADMIN); what waits in its queue is not sent.
    #[write]
    async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<WebhookSnapshot, ApiError>;
    /// The newest `limit` deliveries (at most 200) through a channel, of one status or all
    /// (ADMIN).
    async fn webhook_deliveries(
        &self,
        actor: &Actor,
        webhook_id: &str,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<DeliveryView>, ApiError>;
    /// Sends a dead or delivered delivery again, once (ADMIN).
    #[write]
    async fn replay_delivery(&self, actor: &Actor, id: &str) -> Result<DeliveryView, ApiError>;
    /// The caller's county's notice rules.
    async fn notification_rules(
        &self,
        actor: &Actor,
    ) -> Result<NotificationRulesSnapshot, ApiError>;
    /// Sets who one notice kind reaches and whether it must be acknowledged (SUPERVISOR or
    /// ADMIN of the county).
    #[write]
    async fn set_notification_rule(
        &self,
        actor: &Actor,
        input: SetNotificationRuleInput,
    ) -> Result<NotificationRulesSnapshot, ApiError>;
    /// Sets the county's escalation, quiet hours and digests (SUPERVISOR or ADMIN).
    #[write]
    async fn set_notification_settings(
        &self,
        actor: &Actor,
        input: SetNotificationSettingsInput,
    ) -> Result<NotificationRulesSnapshot, ApiError>;
    /// The caller's own push contacts.
    async fn my_push_contact(&self, actor: &Actor) -> Result<PushContactView, ApiError>;
    /// Sets a person's push contacts (their own, or as ADMIN of their unit).
    #[write]
    async fn set_push_contact(
        &self,
        actor: &Actor,
        input: SetPushContactInput,
    ) -> Result<PushContactView, ApiError>;
    /// Whether the service can serve.
    async fn ready(&self) -> Result<(), ApiError>;
}

/// The audit service.
#[service("audit")]
pub trait AuditApi: Send + Sync {
    /// Entries in the caller's scope, oldest first.
    async fn entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntryView>, ApiError>;
    /// The latest signed checkpoint, signing one now when the tree has grown since.
    async fn checkpoint(&self, actor: &Actor) -> Result<CheckpointView, ApiError>;
    /// Inclusion proof of an event at `tree_size` (default: the latest checkpoint).
    async fn inclusion_proof(
        &self,
        actor: &Actor,
        event_id: &str,
        tree_size: Option<u64>,
    ) -> Result<InclusionProofView, ApiError>;
    /// Consistency proof from `from_size` to `to_size` (default: the latest checkpoint).
    async fn consistency_proof(
        &self,
        actor: &Actor,
        from_size: u64,
        to_size: Option<u64>,
    ) -> Result<ConsistencyProofView, ApiError>;
    /// The verifier key of the log's checkpoints (C2SP signed-note format).
    async fn verifier_key(&self) -> Result<String, ApiError>;
    /// The evidence sealed at a referral (DISCIPLINE or ADMIN of its scope): every event of
    /// its items up to the referral's own, proven against a checkpoint of that size.
    async fn referral_evidence(
        &self,
        actor: &Actor,
        referral_id: &str,
    ) -> Result<ReferralEvidenceView, ApiError>;
    /// Whether the service can serve.
    async fn ready(&self) -> Result<(), ApiError>;
}
