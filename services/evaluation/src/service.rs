//! Evaluation's state, the judging of one item, the scheduled tick and the queries.

use crate::color::{assess, late_days, next_change, Stage};
use crate::entity::tracked_item;
use crate::item::facts;
use crate::rulebook::RuleBook;
use duban_api::ApiError;
use duban_clock::workdays::Calendar;
use duban_clock::SharedClock;
use duban_outbox::EventBus;
use duban_schema::assignments::{AssignmentState, ProblemState};
use duban_schema::evaluation::{ColorRules, EvaluationEvent};
use duban_schema::{topics, Color, Envelope};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, Statement, TransactionTrait, Value,
};
use std::sync::{Arc, RwLock};

/// The evaluation service over its own database.
#[derive(Clone)]
pub struct EvaluationService {
    pub(crate) db: DatabaseConnection,
    pub(crate) bus: EventBus,
    pub(crate) clock: SharedClock,
    pub(crate) tenant: String,
    pub(crate) calendar: duban_outbox::calendar::Running,
    pub(crate) rules: Arc<RwLock<RuleBook>>,
    /// Unit paths whose figures changed, for the boards' live signal.
    pub(crate) changes: tokio::sync::broadcast::Sender<String>,
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "evaluation: internal error");
    ApiError::Internal(e.to_string())
}

/// The row `id` of `E`, or NOT_FOUND naming it as `what`.
pub(crate) async fn found<E, C>(conn: &C, what: &str, id: &str) -> Result<E::Model, ApiError>
where
    E: EntityTrait,
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = String>,
    C: ConnectionTrait,
{
    E::find_by_id(id.to_string())
        .one(conn)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found(what, id))
}

/// A rule's refusal is a VALIDATION error naming the field.
impl From<crate::review::Refusal> for ApiError {
    fn from(r: crate::review::Refusal) -> Self {
        ApiError::validation(r.field, r.message)
    }
}

pub(crate) use duban_auth::county_of;

/// Rows whose `col` is the unit path `path` or a path under it.
pub(crate) fn under<C: sea_orm::ColumnTrait>(col: C, path: &str) -> Condition {
    Condition::any()
        .add(col.eq(path.to_string()))
        .add(col.starts_with(format!("{path}/")))
}

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
        duban_outbox::db::upsert(
            conn,
            chunk.to_vec(),
            [tracked_item::Column::Id],
            tracked_columns(),
        )
        .await?;
    }
    Ok(())
}

/// Rows a PostgreSQL statement of judged items carries, one array per column.
const ARRAY_ROWS: usize = 5_000;

/// The columns judging sets, from the batch `v`.
const JUDGED_SET: &str = "color = v.color, reason = v.reason, color_since = v.color_since, \
     rule = v.rule, next_check_on = v.next_check_on, overdue = v.overdue, ack_missed = v.ack_missed";

/// PostgreSQL: the judged columns of `chunk` as one UPDATE over eight array parameters,
/// the same text and plan for any number of rows (for a tick of 1,000 items, two 500-row
/// `VALUES` lists took about 3 ms more to parse and plan).
fn judged_as_arrays(chunk: &[(Option<tracked_item::Model>, tracked_item::Model)]) -> Statement {
    use duban_outbox::db::pg_array;
    let column = |f: &dyn Fn(&tracked_item::Model) -> Option<String>| {
        pg_array(chunk.iter().map(|(_, m)| f(m)))
    };
    let values = vec![
        column(&|m| Some(m.id.clone())),
        column(&|m| Some(m.color.clone())),
        column(&|m| Some(m.reason.clone())),
        column(&|m| Some(m.color_since.to_rfc3339())),
        column(&|m| Some(m.rule.clone())),
        column(&|m| m.next_check_on.map(|d| d.to_string())),
        column(&|m| Some(m.overdue.to_string())),
        column(&|m| Some(m.ack_missed.to_string())),
    ];
    let sql = format!(
        "UPDATE tracked_item SET {JUDGED_SET} FROM unnest($1::text[], $2::text[], $3::text[], \
         $4::timestamptz[], $5::text[], $6::date[], $7::bool[], $8::bool[]) \
         AS v (id, color, reason, color_since, rule, next_check_on, overdue, ack_missed) \
         WHERE tracked_item.id = v.id"
    );
    duban_outbox::db::with_arrays(sql, values)
}

/// Writes the columns judging sets on each judged row that changed (its color, rule,
/// reason and schedule, its overdue and missed sign-for flags), and moves its unit's
/// figures with it: one narrow UPDATE per batch rather than rewriting every column.
pub(crate) async fn save_judged<C: ConnectionTrait>(
    conn: &C,
    changes: Vec<(Option<tracked_item::Model>, tracked_item::Model)>,
) -> Result<(), sea_orm::DbErr> {
    crate::tally::apply(conn, &changes).await?;
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres && changes.len() >= duban_outbox::db::ARRAYS_FROM {
        for chunk in changes.chunks(ARRAY_ROWS) {
            conn.execute(judged_as_arrays(chunk)).await?;
        }
        return Ok(());
    }
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
             AS (VALUES {}) UPDATE tracked_item SET {JUDGED_SET} FROM v WHERE tracked_item.id = v.id",
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
            calendar: Default::default(),
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
        let changed = self.calendar.load(&self.db).await?;
        self.load_rules().await?;
        let counted = crate::tally::backfill(&self.db, self.clock.today()).await?;
        if counted > 0 {
            tracing::info!(counted, "unit figures counted from the items kept so far");
        }
        Ok(changed)
    }

    /// The working calendar as this replica holds it now.
    pub fn calendar_now(&self) -> std::sync::Arc<Calendar> {
        self.calendar.now()
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
            tracing::debug!(day = %live, "figures kept as the day closed");
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
            // As every writer of items does: a consumer's batch in flight finishes first,
            // and the items are read as it left them, not judged from what it replaced.
            crate::tally::lock_live_day(&txn).await?;
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
    /// The figures of each of `paths` with its subtree (assignments, problems) in
    /// `campaign`, live (`None`) or as a past day closed. Before the first day evaluation
    /// saw, nothing had happened yet: all zero.
    pub(crate) async fn figures_at(
        &self,
        campaign: &str,
        day: Option<chrono::NaiveDate>,
        paths: &[String],
    ) -> Result<Vec<(duban_api::Figures, duban_api::Figures)>, ApiError> {
        if let Some(d) = day {
            if !crate::tally::kept(&self.db, d).await.map_err(internal)? {
                let first = crate::tally::first_kept(&self.db).await.map_err(internal)?;
                let live = crate::tally::live_day(&self.db).await.map_err(internal)?;
                if first.or(live).is_none_or(|f| d < f) {
                    return Ok(vec![Default::default(); paths.len()]);
                }
                return Err(ApiError::validation(
                    "asOf",
                    format!("{d} 没有留存的日终数据"),
                ));
            }
        }
        crate::tally::sums(&self.db, campaign, day, paths)
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

/// The working days late of an item reported done on `done_on`.
pub(crate) fn late(
    m: &tracked_item::Model,
    done_on: chrono::NaiveDate,
    cal: &Calendar,
) -> Option<i64> {
    late_days(m.due_on, done_on, cal)
}
