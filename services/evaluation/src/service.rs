//! Evaluation's state, the judging of one item, the scheduled tick and the queries.

use crate::color::{assess, late_days, next_change, Stage};
use crate::entity::tracked_item;
use crate::item::facts;
use crate::rulebook::RuleBook;
use async_trait::async_trait;
use duban_api::{
    ApiError, ColorRulesView, ColorView, EvaluationApi, SetColorRulesInput, UnitFiguresView,
};
use duban_auth::Actor;
use duban_clock::workdays::Calendar;
use duban_clock::SharedClock;
use duban_outbox::EventBus;
use duban_schema::assignments::{AssignmentState, ProblemState};
use duban_schema::evaluation::{ColorRules, EvaluationEvent};
use duban_schema::{topics, Color, Envelope};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, TransactionTrait,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The evaluation service over its own database.
#[derive(Clone)]
pub struct EvaluationService {
    pub(crate) db: DatabaseConnection,
    pub(crate) bus: EventBus,
    pub(crate) clock: SharedClock,
    pub(crate) tenant: String,
    pub(crate) calendar: Arc<RwLock<Calendar>>,
    pub(crate) rules: Arc<RwLock<RuleBook>>,
    /// Unit paths whose figures changed, for the boards' live signal.
    pub(crate) changes: tokio::sync::broadcast::Sender<String>,
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "evaluation: internal error");
    ApiError::Internal(e.to_string())
}

/// A rule's refusal is a VALIDATION error naming the field.
impl From<crate::review::Refusal> for ApiError {
    fn from(r: crate::review::Refusal) -> Self {
        ApiError::validation(r.field, r.message)
    }
}

pub(crate) use duban_auth::county_of;

/// Every column a judged or tracked row rewrites: all but the id.
fn tracked_columns() -> impl Iterator<Item = tracked_item::Column> {
    use sea_orm::Iterable;
    tracked_item::Column::iter().filter(|c| !matches!(c, tracked_item::Column::Id))
}

/// Writes each changed row (new, or changed from the one before it) and moves its unit's
/// figures with it, a statement per batch.
pub(crate) async fn save<C: ConnectionTrait>(
    conn: &C,
    changes: Vec<(Option<tracked_item::Model>, tracked_item::Model)>,
) -> Result<(), sea_orm::DbErr> {
    crate::tally::apply(conn, &changes).await?;
    let rows: Vec<_> = changes
        .into_iter()
        .map(|(_, after)| after.into_active_model())
        .collect();
    for chunk in rows.chunks(duban_outbox::ROWS_PER_STATEMENT / 2) {
        tracked_item::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(tracked_item::Column::Id)
                    .update_columns(tracked_columns())
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Writes the columns judging sets on each judged row that changed (its color, rule,
/// reason and schedule, its overdue and missed sign-for flags), and moves its unit's
/// figures with it: one narrow UPDATE per 500 rows rather than rewriting every column.
pub(crate) async fn save_judged<C: ConnectionTrait>(
    conn: &C,
    changes: Vec<(Option<tracked_item::Model>, tracked_item::Model)>,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{DbBackend, Statement, Value};
    crate::tally::apply(conn, &changes).await?;
    let backend = conn.get_database_backend();
    const COLUMNS: usize = 8;
    for chunk in changes.chunks(500) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, (_, m)) in chunk.iter().enumerate() {
            let marks: Vec<String> = (1..=COLUMNS)
                .map(|k| match backend {
                    DbBackend::Postgres => format!("${}", i * COLUMNS + k),
                    _ => "?".to_string(),
                })
                .collect();
            rows.push(format!("({})", marks.join(", ")));
            values.extend([
                m.id.clone().into(),
                m.color.clone().into(),
                m.reason.clone().into(),
                m.color_since.into(),
                m.rule.clone().into(),
                m.next_check_on.into(),
                m.overdue.into(),
                m.ack_missed.into(),
            ]);
        }
        let sql = format!(
            "WITH v (id, color, reason, color_since, rule, next_check_on, overdue, ack_missed) \
             AS (VALUES {}) UPDATE tracked_item SET color = v.color, reason = v.reason, \
             color_since = v.color_since, rule = v.rule, next_check_on = v.next_check_on, \
             overdue = v.overdue, ack_missed = v.ack_missed FROM v WHERE tracked_item.id = v.id",
            rows.join(", ")
        );
        conn.execute(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

impl EvaluationService {
    /// A service over `db`; where a county set no rules, items turn yellow `yellow_days`
    /// working days before their limit and the other thresholds are the defaults.
    pub fn new(
        db: DatabaseConnection,
        bus: EventBus,
        clock: SharedClock,
        tenant: &str,
        yellow_days: i64,
    ) -> Self {
        let defaults = ColorRules {
            yellow_days_before_due: yellow_days,
            ..ColorRules::default()
        };
        Self {
            db,
            bus,
            clock,
            tenant: tenant.to_string(),
            calendar: Arc::new(RwLock::new(Calendar::official())),
            rules: Arc::new(RwLock::new(RuleBook::new(defaults))),
            changes: tokio::sync::broadcast::channel(1024).0,
        }
    }

    /// The service's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies the calendar changes received so far over the official schedule and reads
    /// the counties' color rules; call at start.
    pub async fn load_calendar(&self) -> Result<usize, sea_orm::DbErr> {
        let (cal, changed) = duban_outbox::calendar::load(&self.db).await?;
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = cal;
        self.load_rules().await?;
        let counted = crate::tally::backfill(&self.db, self.clock.today()).await?;
        if counted > 0 {
            tracing::info!(counted, "unit figures counted from the items kept so far");
        }
        Ok(changed)
    }

    pub(crate) fn calendar_now(&self) -> Calendar {
        self.calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The rules that govern `m`: its campaign's, else its urgency's, else its county's.
    pub(crate) fn rules_for(&self, m: &tracked_item::Model) -> ColorRules {
        self.rules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .governing(county_of(&m.org_path), m.campaign_id.as_deref(), &m.urgency)
    }

    /// Judges `m` on `today`: its color, rule, reason and the next day time alone can
    /// change them. Returns the color it had when that changed.
    pub(crate) fn judge(
        &self,
        m: &mut tracked_item::Model,
        cal: &Calendar,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> Option<Option<Color>> {
        let Ok(f) = facts(m) else {
            // An item whose stored state is unknown keeps its color (and is logged).
            m.next_check_on = None;
            return None;
        };
        let today = now.date_naive();
        let rules = self.rules_for(m);
        let v = assess(&f, today, &rules, cal);
        m.overdue = f.stage == Stage::Open && today > m.due_on;
        m.ack_missed = crate::tally::missed_ack(m, today);
        m.next_check_on = next_change(&f, today, &rules, cal);
        m.reason = v.reason;
        m.rule = v.rule.id().to_string();
        let from = Color::parse(&m.color);
        if from == Some(v.color) {
            return None;
        }
        m.color = v.color.as_str().to_string();
        m.color_since = now;
        Some(from)
    }

    /// The ColorChanged event for `item` at `now`, caused by `cause` (none for the tick).
    pub(crate) fn color_changed(
        &self,
        item: &tracked_item::Model,
        from: Option<Color>,
        cause: Option<&duban_schema::EnvelopeMeta>,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> Envelope<EvaluationEvent> {
        let to = Color::parse(&item.color).unwrap_or(Color::Blue);
        Envelope {
            meta: duban_outbox::meta(
                now,
                &self.tenant,
                &item.org_path,
                "system",
                cause.map_or_else(|| duban_outbox::new_event_id(now), |c| c.correlation_id),
                cause.map(|c| c.id),
                &item.id,
                item.version,
            ),
            event: EvaluationEvent::ColorChanged {
                item_id: item.id.clone(),
                unit_id: item.unit_id.clone(),
                from,
                to,
                reason: item.reason.clone(),
                rule: item.rule.clone(),
                kind: item.kind.clone(),
                title: item.title.clone(),
                responsible_person_id: item.responsible_person_id.clone(),
                issuer_id: item.issuer_id.clone(),
                raise: to == Color::Red && self.rules_for(item).raise_on_red,
            },
        }
    }

    /// Judges again every open item `filter` selects (a calendar or rule change) and
    /// announces the changes as caused by `cause`; inside `txn`.
    pub(crate) async fn rejudge<C: ConnectionTrait>(
        &self,
        txn: &C,
        filter: Condition,
        cause: Option<&duban_schema::EnvelopeMeta>,
    ) -> Result<(usize, Vec<String>), sea_orm::DbErr> {
        let open = tracked_item::Entity::find()
            .filter(filter)
            .filter(open_items())
            .all(txn)
            .await?;
        self.judge_and_save(txn, open, cause, self.clock.now())
            .await
    }

    /// Judges `items` as of `now` and saves what changed (only judging's columns).
    async fn judge_and_save<C: ConnectionTrait>(
        &self,
        txn: &C,
        items: Vec<tracked_item::Model>,
        cause: Option<&duban_schema::EnvelopeMeta>,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<(usize, Vec<String>), sea_orm::DbErr> {
        let cal = self.calendar_now();
        let mut announced = Vec::new();
        let mut changed = Vec::new();
        let mut cards = Vec::new();
        for mut item in items {
            let before = item.clone();
            if let Some(from) = self.judge(&mut item, &cal, now) {
                let shown = self.color_changed(&item, from, cause, now);
                cards.extend(crate::conduct_facts::card_of(&shown, &item));
                announced.push(shown);
            }
            if item != before {
                changed.push((Some(before), item));
            }
        }
        let paths = changed.iter().map(|(_, m)| m.org_path.clone()).collect();
        save_judged(txn, changed).await?;
        crate::conduct_facts::record(txn, cards).await?;
        duban_outbox::enqueue_all(txn, topics::EVALUATION, &announced).await?;
        Ok((announced.len(), paths))
    }

    /// Tells the boards' live signal that the figures of `paths` changed (after commit).
    pub(crate) fn figures_moved(&self, mut paths: Vec<String>) {
        paths.sort();
        paths.dedup();
        for p in paths {
            // No listener is not an error: nobody has a board open.
            let _ = self.changes.send(p);
        }
    }

    /// Judges the items whose next change is due by `now`'s day (indexed on
    /// `next_check_on`), as of `now`.
    async fn judge_due<C: ConnectionTrait>(
        &self,
        txn: &C,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<(usize, Vec<String>), sea_orm::DbErr> {
        let due = tracked_item::Entity::find()
            .filter(tracked_item::Column::NextCheckOn.lte(now.date_naive()))
            .all(txn)
            .await?;
        self.judge_and_save(txn, due, None, now).await
    }

    /// Moves the live day `live` (read with its lock in `txn`, [`crate::tally::lock_live_day`])
    /// on to `to` one day at a time: each day passed is kept as it closed, then what time
    /// alone changes is judged as the next day begins. The first day seen becomes the live day. Returns the cards changed and the unit
    /// paths whose figures moved.
    pub(crate) async fn advance<C: ConnectionTrait>(
        &self,
        txn: &C,
        live: Option<chrono::NaiveDate>,
        to: chrono::NaiveDate,
    ) -> Result<(usize, Vec<String>), sea_orm::DbErr> {
        let (mut changed, mut paths) = (0, Vec::new());
        let Some(mut live) = live else {
            crate::tally::open_first_day(txn, to).await?;
            return Ok((changed, paths));
        };
        while live < to {
            crate::tally::close_day(txn, live).await?;
            tracing::info!(day = %live, "figures kept as the day closed");
            let dawn = live
                .succ_opt()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|d| d.and_local_timezone(duban_clock::shanghai()).single());
            if let Some(dawn) = dawn {
                let (c, p) = self.judge_due(txn, dawn).await?;
                changed += c;
                paths.extend(p);
            }
            live = live.succ_opt().unwrap_or(to);
        }
        Ok((changed, paths))
    }

    /// The scheduled tick: closes the days that passed, then judges again only the items
    /// whose next change is due; returns how many changed color.
    pub async fn reassess(&self) -> Result<usize, sea_orm::DbErr> {
        let now = self.clock.now();
        let today = now.date_naive();
        let mut changed = 0;
        if crate::tally::live_day(&self.db).await? != Some(today) {
            let txn = self.db.begin().await?;
            let live = crate::tally::lock_live_day(&txn).await?;
            let (c, paths) = self.advance(&txn, live, today).await?;
            txn.commit().await?;
            self.figures_moved(paths);
            changed += c;
        }
        let due =
            || tracked_item::Entity::find().filter(tracked_item::Column::NextCheckOn.lte(today));
        // Most ticks find nothing due: they read the index and take no write lock.
        if due().one(&self.db).await?.is_some() {
            let txn = self.db.begin().await?;
            let (c, paths) = self.judge_due(&txn, now).await?;
            txn.commit().await?;
            self.figures_moved(paths);
            changed += c;
        }
        if changed > 0 {
            self.bus.wake.notify_one();
        }
        Ok(changed)
    }
}

impl EvaluationService {
    /// The tally rows of `campaign`, live (`None`) or as a past day closed. Before the
    /// first day evaluation saw, nothing had happened yet: no rows.
    pub(crate) async fn tallies_at(
        &self,
        campaign: &str,
        day: Option<chrono::NaiveDate>,
    ) -> Result<Vec<(String, String, duban_api::Figures)>, ApiError> {
        if let Some(d) = day {
            if !crate::tally::kept(&self.db, d).await.map_err(internal)? {
                let first = crate::tally::first_kept(&self.db).await.map_err(internal)?;
                let live = crate::tally::live_day(&self.db).await.map_err(internal)?;
                if first.or(live).is_none_or(|f| d < f) {
                    return Ok(Vec::new());
                }
                return Err(ApiError::validation(
                    "asOf",
                    format!("{d} 没有留存的日终数据"),
                ));
            }
        }
        crate::tally::rows(&self.db, campaign, day)
            .await
            .map_err(internal)
    }
}

/// Items whose color time can still change: neither finished nor withdrawn.
pub(crate) fn open_items() -> Condition {
    let finished = [
        AssignmentState::Closed.as_str(),
        AssignmentState::Cancelled.as_str(),
        ProblemState::Closed.as_str(),
    ];
    Condition::all().add(tracked_item::Column::State.is_not_in(finished))
}

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
            .tallies_at(&campaign, as_of.filter(|d| *d < today))
            .await?;
        let start = match since.and_then(|s| s.pred_opt()) {
            Some(before) => Some(self.tallies_at(&campaign, Some(before)).await?),
            None => None,
        };
        let at = |rows: &[_], paths: &[String]| crate::tally::subtrees(rows, paths);
        let end = at(&end, &paths);
        let start = start.map(|s| at(&s, &paths));
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

/// The working days late of an item reported done on `done_on`.
pub(crate) fn late(
    m: &tracked_item::Model,
    done_on: chrono::NaiveDate,
    cal: &Calendar,
) -> Option<i64> {
    late_days(m.due_on, done_on, cal)
}
