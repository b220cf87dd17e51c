//! 作风体检 kept: rounds opened by a supervisor, scores given until the deadline (secret
//! to other units), and the close — by hand or by the tick after the deadline — that
//! stores the results and asks for a 谈心谈话 with the lowest, each with its event.

use crate::entity::{org_unit_copy, person_copy, review_round, review_submission};
use crate::review::{self, Reviewer, Rounding, Scored, Settings, Source, Weights};
use crate::service::{county_of, found, internal, EvaluationService};
use duban_api::{
    ApiError, ConductReviewView, OpenConductReviewInput, ReviewResultView, ReviewTaskView,
    ReviewUnitView, SubmitConductScoresInput,
};
use duban_auth::{in_subtree, Actor};
use duban_schema::evaluation::{ConductResult, EvaluationEvent};
use duban_schema::{topics, Envelope, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

const OPEN: &str = "OPEN";
const CLOSED: &str = "CLOSED";

fn source_name(s: Source) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn source_of(name: &str) -> Option<Source> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

fn closed_already(round: &review_round::Model) -> ApiError {
    ApiError::IllegalTransition {
        from: round.status.clone(),
        from_label: if round.status == CLOSED {
            "已结束".into()
        } else {
            "评议中".into()
        },
        action: "再提交或结束评议".into(),
    }
}

/// How the caller stands to a round.
#[derive(PartialEq, Eq)]
pub(crate) enum Standing {
    /// Supervisors, admins and discipline of the scope: everything but who gave what.
    Overseer,
    /// A cadre of the scope, or a 分管领导 of one of its units.
    Participant,
}

struct Round {
    row: review_round::Model,
    settings: Settings,
    unit_ids: Vec<String>,
}

impl Round {
    fn of(row: review_round::Model) -> Result<Self, ApiError> {
        let settings = serde_json::from_str(&row.settings).map_err(internal)?;
        let unit_ids = serde_json::from_str(&row.unit_ids).map_err(internal)?;
        Ok(Self {
            row,
            settings,
            unit_ids,
        })
    }
}

impl EvaluationService {
    pub(crate) async fn envelope_out(
        &self,
        txn: &DatabaseTransaction,
        actor: &str,
        path: &str,
        aggregate: &str,
        sequence: i64,
        events: Vec<EvaluationEvent>,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        let correlation =
            duban_api::trace::current().unwrap_or_else(|| duban_outbox::new_event_id(now));
        let envelopes: Vec<Envelope<EvaluationEvent>> = events
            .into_iter()
            .map(|event| Envelope {
                meta: duban_outbox::meta(
                    now,
                    &self.tenant,
                    path,
                    actor,
                    correlation,
                    None,
                    aggregate,
                    sequence,
                ),
                event,
            })
            .collect();
        duban_outbox::enqueue_all(txn, topics::EVALUATION, &envelopes)
            .await
            .map_err(internal)
    }

    /// The units of `ids` evaluation knows, by id.
    pub(crate) async fn units(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, org_unit_copy::Model>, ApiError> {
        Ok(org_unit_copy::Entity::find()
            .filter(org_unit_copy::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect())
    }

    pub(crate) async fn unit_names(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, String>, ApiError> {
        Ok(self
            .units(ids)
            .await?
            .into_iter()
            .map(|(id, u)| (id, u.name))
            .collect())
    }

    /// The paths of the units of the people whose 分管领导 the actor is.
    async fn supervised_paths(&self, actor: &Actor) -> Result<Vec<String>, ApiError> {
        let units: Vec<String> = person_copy::Entity::find()
            .filter(person_copy::Column::SupervisingLeaderId.eq(actor.person_id.clone()))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|p| p.unit_id)
            .collect();
        Ok(org_unit_copy::Entity::find()
            .filter(org_unit_copy::Column::Id.is_in(units))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| u.path)
            .collect())
    }

    /// Who the actor is to each unit of a round.
    async fn reviewer(
        &self,
        actor: &Actor,
        round: &Round,
    ) -> Result<HashMap<String, Reviewer>, ApiError> {
        let supervised = self.supervised_paths(actor).await?;
        let paths: HashMap<String, String> = self
            .units(&round.unit_ids)
            .await?
            .into_iter()
            .map(|(id, u)| (id, u.path))
            .collect();
        Ok(round
            .unit_ids
            .iter()
            .map(|u| {
                let path = paths.get(u).cloned().unwrap_or_default();
                let r = Reviewer {
                    in_target: !path.is_empty() && in_subtree(&actor.unit_path, &path),
                    leads: actor.has(Role::UnitLeader),
                    supervises_target: supervised.iter().any(|p| in_subtree(p, &path)),
                };
                (u.clone(), r)
            })
            .collect())
    }

    /// How the caller stands to a round, given who they are to each of its units.
    fn standing(
        actor: &Actor,
        round: &Round,
        reviewers: &HashMap<String, Reviewer>,
    ) -> Result<Standing, ApiError> {
        let path = &round.row.scope_path;
        if actor.has_any(&[Role::Supervisor, Role::Admin, Role::Discipline]) && actor.can_see(path)
        {
            return Ok(Standing::Overseer);
        }
        if in_subtree(&actor.unit_path, path) {
            return Ok(Standing::Participant);
        }
        if reviewers.values().any(|r| r.supervises_target) {
            return Ok(Standing::Participant);
        }
        Err(ApiError::not_found("作风体检", &round.row.id))
    }

    /// The scope unit (which the actor must oversee) and the units evaluated under it:
    /// those given (each under the scope), or every child unit; at least two.
    pub(crate) async fn scope_units(
        &self,
        actor: &Actor,
        scope_unit_id: &str,
        unit_ids: Option<&[String]>,
    ) -> Result<(org_unit_copy::Model, Vec<String>), ApiError> {
        let scope = org_unit_copy::Entity::find_by_id(scope_unit_id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| {
                ApiError::validation("scopeUnitId", "评议范围单位不存在或不在您的督查范围内")
            })?;
        let children: Vec<org_unit_copy::Model> = org_unit_copy::Entity::find()
            .filter(org_unit_copy::Column::Path.starts_with(format!("{}/", scope.path)))
            .order_by_asc(org_unit_copy::Column::Path)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let unit_ids: Vec<String> = match unit_ids {
            None => children
                .iter()
                .filter(|u| u.parent_id.as_deref() == Some(scope.id.as_str()))
                .map(|u| u.id.clone())
                .collect(),
            Some(ids) => {
                if ids.len() > 500 {
                    return Err(ApiError::validation("unitIds", "被评议单位不超过500个"));
                }
                for (i, id) in ids.iter().enumerate() {
                    if !children.iter().any(|u| &u.id == id) {
                        return Err(ApiError::validation(
                            &format!("unitIds[{i}]"),
                            "被评议单位须在评议范围之内",
                        ));
                    }
                }
                let mut v: Vec<String> = Vec::with_capacity(ids.len());
                for id in ids {
                    if !v.contains(id) {
                        v.push(id.clone());
                    }
                }
                v
            }
        };
        if unit_ids.len() < 2 {
            return Err(ApiError::validation("unitIds", "至少要有两个被评议单位"));
        }
        Ok((scope, unit_ids))
    }

    /// Whether the county of `path` ranks 中国式 (its color rules say so).
    pub(crate) fn dense_ranking_of(&self, path: &str) -> bool {
        self.rules_view(county_of(path))
            .sets
            .first()
            .is_some_and(|c| c.rules.dense_ranking)
    }

    /// A deadline from today to three months ahead.
    pub(crate) fn check_deadline(&self, deadline: chrono::NaiveDate) -> Result<(), ApiError> {
        let today = self.clock.today();
        if deadline < today || deadline > today + chrono::Days::new(92) {
            return Err(ApiError::validation(
                "deadline",
                "截止日期须在今天至三个月内",
            ));
        }
        Ok(())
    }

    async fn round(&self, id: &str) -> Result<Round, ApiError> {
        let row = found::<review_round::Entity, _>(&self.db, "作风体检", id).await?;
        Round::of(row)
    }

    pub(crate) async fn open_review(
        &self,
        actor: &Actor,
        input: OpenConductReviewInput,
    ) -> Result<ConductReviewView, ApiError> {
        ApiError::forbidden_unless(actor.has(Role::Supervisor), "只有督查人员可以开展作风体检")?;
        let (scope, unit_ids) = self
            .scope_units(actor, &input.scope_unit_id, input.unit_ids.as_deref())
            .await?;
        let month_ok =
            chrono::NaiveDate::parse_from_str(&format!("{}-01", input.month), "%Y-%m-%d").is_ok()
                && input.month.len() == 7;
        if !month_ok {
            return Err(ApiError::validation(
                "month",
                "月份格式应为 YYYY-MM，如 2026-03",
            ));
        }
        self.check_deadline(input.deadline)?;
        let [s, l, p] = input.weights.unwrap_or([20, 40, 40]);
        let county_dense = self.dense_ranking_of(&scope.path);
        let settings = Settings {
            dimensions: input
                .dimensions
                .unwrap_or_else(|| review::DEFAULT_DIMENSIONS.map(String::from).into())
                .into_iter()
                .map(|d| d.trim().to_string())
                .collect(),
            weights: Weights {
                self_assessment: s,
                leader_comment: l,
                peer: p,
            },
            rounding: if input.half_up == Some(true) {
                Rounding::HalfUp
            } else {
                Rounding::Gbt8170
            },
            dense_ranking: input.dense_ranking.unwrap_or(county_dense),
        };
        review::check_settings(&settings).map_err(ApiError::from)?;
        let lowest = input.lowest.unwrap_or(1).min(unit_ids.len() as u32);
        let talk_days = input.talk_days.unwrap_or(5);
        if !(1..=30).contains(&talk_days) {
            return Err(ApiError::validation(
                "talkDays",
                "谈心谈话时限须为 1 至 30 个工作日",
            ));
        }
        let exists = review_round::Entity::find()
            .filter(review_round::Column::ScopeUnitId.eq(scope.id.clone()))
            .filter(review_round::Column::Month.eq(input.month.clone()))
            .one(&self.db)
            .await
            .map_err(internal)?;
        if exists.is_some() {
            return Err(ApiError::validation("month", "该范围本月的作风体检已开展"));
        }
        let now = self.clock.now();
        let id = duban_outbox::new_event_id(now).to_string();
        let txn = self.db.begin().await.map_err(internal)?;
        review_round::Model {
            id: id.clone(),
            scope_unit_id: scope.id.clone(),
            scope_path: scope.path.clone(),
            month: input.month.clone(),
            deadline: input.deadline,
            settings: serde_json::to_string(&settings).map_err(internal)?,
            unit_ids: serde_json::to_string(&unit_ids).map_err(internal)?,
            lowest: lowest as i32,
            talk_days: talk_days as i32,
            status: OPEN.into(),
            opened_by: actor.person_id.clone(),
            opened_at: now,
            closed_at: None,
            results: None,
            version: 1,
            reminded: false,
        }
        .into_active_model()
        .insert(&txn)
        .await
        .map_err(internal)?;
        self.envelope_out(
            &txn,
            &actor.person_id,
            &scope.path,
            &id,
            1,
            vec![EvaluationEvent::ConductReviewOpened {
                round_id: id.clone(),
                scope_unit_id: scope.id.clone(),
                month: input.month,
                deadline: input.deadline,
                unit_ids,
            }],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.review_view(actor, &id).await
    }

    pub(crate) async fn submit_scores(
        &self,
        actor: &Actor,
        input: SubmitConductScoresInput,
    ) -> Result<ConductReviewView, ApiError> {
        let round = self.round(&input.round_id).await?;
        let reviewers = self.reviewer(actor, &round).await?;
        Self::standing(actor, &round, &reviewers)?;
        if round.row.status != OPEN || self.clock.today() > round.row.deadline {
            return Err(ApiError::IllegalTransition {
                from: round.row.status.clone(),
                from_label: "已截止".into(),
                action: "提交评分（评议已于截止日结束）".into(),
            });
        }
        if !round.unit_ids.contains(&input.unit_id) {
            return Err(ApiError::validation("unitId", "该单位不在本次作风体检之内"));
        }
        let reviewer = reviewers[&input.unit_id];
        let source = review::source_for(&reviewer).map_err(ApiError::from)?;
        ApiError::forbidden_unless(
            source != Source::Peer || in_subtree(&actor.unit_path, &round.row.scope_path),
            "只有评议范围内的干部可以参加互评",
        )?;
        let mut scores = BTreeMap::new();
        for (d, v) in &input.scores {
            if scores.insert(d.trim().to_string(), *v).is_some() {
                return Err(ApiError::validation("scores", format!("「{d}」重复打分")));
            }
        }
        review::check_scores(&round.settings.dimensions, &scores).map_err(ApiError::from)?;
        let comment = input.comment.unwrap_or_default();
        if comment.chars().count() > 2000 {
            return Err(ApiError::validation("comment", "评语不超过2000字"));
        }
        let now = self.clock.now();
        let txn = self.db.begin().await.map_err(internal)?;
        let row = review_submission::ActiveModel {
            round_id: Set(round.row.id.clone()),
            unit_id: Set(input.unit_id.clone()),
            person_id: Set(actor.person_id.clone()),
            source: Set(source_name(source)),
            scores: Set(serde_json::to_string(&scores).map_err(internal)?),
            comment: Set(comment),
            submitted_at: Set(now),
        };
        duban_outbox::db::upsert(
            &txn,
            [row],
            [
                review_submission::Column::RoundId,
                review_submission::Column::UnitId,
                review_submission::Column::PersonId,
            ],
            [
                review_submission::Column::Source,
                review_submission::Column::Scores,
                review_submission::Column::Comment,
                review_submission::Column::SubmittedAt,
            ],
        )
        .await
        .map_err(internal)?;
        self.envelope_out(
            &txn,
            &actor.person_id,
            &round.row.scope_path,
            &round.row.id,
            round.row.version,
            vec![EvaluationEvent::ConductScoresSubmitted {
                round_id: round.row.id.clone(),
                unit_id: input.unit_id,
                source: source_name(source),
            }],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.review_view(actor, &round.row.id).await
    }

    pub(crate) async fn close_review(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<ConductReviewView, ApiError> {
        let round = self.round(id).await?;
        let reviewers = self.reviewer(actor, &round).await?;
        ApiError::forbidden_unless(
            Self::standing(actor, &round, &reviewers)? == Standing::Overseer
                && actor.has(Role::Supervisor),
            "只有督查人员可以结束作风体检",
        )?;
        if round.row.status != OPEN {
            return Err(closed_already(&round.row));
        }
        self.close(round, &actor.person_id).await?;
        self.review_view(actor, id).await
    }

    /// Closes every open round whose deadline has passed; returns how many.
    pub async fn close_due_reviews(&self) -> Result<usize, ApiError> {
        let due = review_round::Entity::find()
            .filter(review_round::Column::Status.eq(OPEN))
            .filter(review_round::Column::Deadline.lt(self.clock.today()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let n = due.len();
        for row in due {
            self.close(Round::of(row)?, "system").await?;
        }
        Ok(n)
    }

    /// Computes and stores a round's results, with its events, in one transaction; a
    /// round closed meanwhile is left as it is.
    async fn close(&self, round: Round, by: &str) -> Result<(), ApiError> {
        let names = self.unit_names(&round.unit_ids).await?;
        let txn = self.db.begin().await.map_err(internal)?;
        let subs = review_submission::Entity::find()
            .filter(review_submission::Column::RoundId.eq(round.row.id.clone()))
            .all(&txn)
            .await
            .map_err(internal)?;
        let scored: Vec<Scored> = subs
            .iter()
            .filter_map(|s| {
                Some(Scored {
                    target: s.unit_id.clone(),
                    source: source_of(&s.source)?,
                    scores: serde_json::from_str(&s.scores).ok()?,
                })
            })
            .collect();
        let results = review::results(&round.unit_ids, &round.settings, &scored);
        let now = self.clock.now();
        let moved = review_round::Entity::update_many()
            .col_expr(review_round::Column::Status, CLOSED.into())
            .col_expr(review_round::Column::ClosedAt, now.into())
            .col_expr(
                review_round::Column::Results,
                Some(serde_json::to_string(&results).map_err(internal)?).into(),
            )
            .col_expr(
                review_round::Column::Version,
                (round.row.version + 1).into(),
            )
            .filter(review_round::Column::Id.eq(round.row.id.clone()))
            .filter(review_round::Column::Status.eq(OPEN))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if moved.rows_affected == 0 {
            return Ok(());
        }
        let mut events = vec![EvaluationEvent::ConductReviewClosed {
            round_id: round.row.id.clone(),
            scope_unit_id: round.row.scope_unit_id.clone(),
            month: round.row.month.clone(),
            results: results
                .iter()
                .map(|u| ConductResult {
                    unit_id: u.unit_id.clone(),
                    total: u.total.map(|t| t.to_string()),
                    rank: u.rank,
                    missing: u.missing.iter().map(|s| s.label().to_string()).collect(),
                })
                .collect(),
        }];
        for u in review::lowest(&results, round.row.lowest.max(0) as usize) {
            let Some(leader) = self.leader_of(&txn, &u.unit_id).await? else {
                tracing::warn!(unit = %u.unit_id, "conduct review: no 分管领导 to hold the talk");
                continue;
            };
            events.push(EvaluationEvent::TalkRequested {
                round_id: round.row.id.clone(),
                unit_id: u.unit_id.clone(),
                unit_name: names.get(&u.unit_id).cloned().unwrap_or_default(),
                leader_id: leader,
                issuer_id: round.row.opened_by.clone(),
                month: round.row.month.clone(),
                total: u.total.map(|t| t.to_string()).unwrap_or_default(),
                rank: u.rank.unwrap_or_default(),
                time_limit_days: round.row.talk_days.max(1) as u32,
            });
        }
        self.envelope_out(
            &txn,
            by,
            &round.row.scope_path,
            &round.row.id,
            round.row.version + 1,
            events,
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(())
    }

    /// A unit's 分管领导: the one most of its people (those of the units below it too)
    /// name.
    pub(crate) async fn leader_of(
        &self,
        txn: &DatabaseTransaction,
        unit_id: &str,
    ) -> Result<Option<String>, ApiError> {
        let Some(unit) = org_unit_copy::Entity::find_by_id(unit_id.to_string())
            .one(txn)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let under: Vec<String> = org_unit_copy::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(org_unit_copy::Column::Id.eq(unit_id))
                    .add(org_unit_copy::Column::Path.starts_with(format!("{}/", unit.path))),
            )
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| u.id)
            .collect();
        let mut count: HashMap<String, usize> = HashMap::new();
        for p in person_copy::Entity::find()
            .filter(person_copy::Column::UnitId.is_in(under))
            .all(txn)
            .await
            .map_err(internal)?
        {
            if let Some(l) = p.supervising_leader_id {
                *count.entry(l).or_default() += 1;
            }
        }
        Ok(count
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(l, _)| l))
    }

    pub(crate) async fn review_view(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<ConductReviewView, ApiError> {
        self.view_of(actor, self.round(id).await?).await
    }

    /// A round already read, as the caller may see it.
    async fn view_of(&self, actor: &Actor, round: Round) -> Result<ConductReviewView, ApiError> {
        let reviewers = self.reviewer(actor, &round).await?;
        let standing = Self::standing(actor, &round, &reviewers)?;
        let subs = review_submission::Entity::find()
            .filter(review_submission::Column::RoundId.eq(round.row.id.clone()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut ids = round.unit_ids.clone();
        ids.push(round.row.scope_unit_id.clone());
        let names = self.unit_names(&ids).await?;
        let name = |u: &str| names.get(u).cloned().unwrap_or_default();
        let units = round
            .unit_ids
            .iter()
            .map(|u| {
                let of = |s: &str| {
                    subs.iter()
                        .filter(|x| &x.unit_id == u && x.source == s)
                        .count()
                };
                ReviewUnitView {
                    unit_id: u.clone(),
                    name: name(u),
                    self_assessed: of("SELF_ASSESSMENT") > 0,
                    commented: of("LEADER_COMMENT") > 0,
                    peers: of("PEER"),
                }
            })
            .collect();
        let my_tasks = if round.row.status == OPEN {
            round
                .unit_ids
                .iter()
                .filter_map(|u| {
                    let source = review::source_for(reviewers.get(u)?).ok()?;
                    if source == Source::Peer
                        && !in_subtree(&actor.unit_path, &round.row.scope_path)
                    {
                        return None;
                    }
                    let mine = subs
                        .iter()
                        .find(|x| &x.unit_id == u && x.person_id == actor.person_id)
                        .and_then(|x| serde_json::from_str::<BTreeMap<String, u32>>(&x.scores).ok())
                        .map(|m| m.into_iter().collect());
                    Some(ReviewTaskView {
                        unit_id: u.clone(),
                        name: name(u),
                        source: source_name(source),
                        scores: mine,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let stored: Vec<review::UnitResult> = round
            .row
            .results
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(internal)?
            .unwrap_or_default();
        let results = stored
            .into_iter()
            .map(|u| {
                let detailed = standing == Standing::Overseer
                    || reviewers.get(&u.unit_id).is_some_and(|r| r.in_target);
                ReviewResultView {
                    name: name(&u.unit_id),
                    total: u.total.map(|t| t.to_string()),
                    rank: u.rank,
                    dimensions: if detailed {
                        u.dimensions
                            .iter()
                            .map(|(d, v)| (d.clone(), v.to_string()))
                            .collect()
                    } else {
                        Vec::new()
                    },
                    sources: if detailed {
                        u.sources
                            .iter()
                            .zip(&u.counts)
                            .map(|((s, m), (_, n))| {
                                (s.label().to_string(), m.map(|m| m.to_string()), *n)
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                    missing: u.missing.iter().map(|s| s.label().to_string()).collect(),
                    unit_id: u.unit_id,
                }
            })
            .collect();
        let w = round.settings.weights;
        Ok(ConductReviewView {
            id: round.row.id.clone(),
            scope_unit_id: round.row.scope_unit_id.clone(),
            scope_name: name(&round.row.scope_unit_id),
            month: round.row.month.clone(),
            deadline: round.row.deadline,
            status: round.row.status.clone(),
            dimensions: round.settings.dimensions.clone(),
            weights: [w.self_assessment, w.leader_comment, w.peer],
            lowest: round.row.lowest.max(0) as u32,
            units,
            my_tasks,
            results,
            ranking_note: duban_api::ranking_note(round.settings.dense_ranking).to_string(),
            closed_at: round.row.closed_at,
            version: round.row.version,
        })
    }

    pub(crate) async fn review_list(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ConductReviewView>, ApiError> {
        let rows = review_round::Entity::find()
            .order_by_desc(review_round::Column::OpenedAt)
            .limit(400)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut out = Vec::new();
        for r in rows {
            if out.len() >= 100 {
                break;
            }
            match self.view_of(actor, Round::of(r)?).await {
                Ok(v) => out.push(v),
                Err(ApiError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}
