//! 满意度评议 kept: surveys defined by a supervisor, one-time links for the public and for
//! 两代表一委员 (kept as hashes), answers stored apart from who gave them, and the close —
//! by hand or by the tick after the deadline — that stores the results with their event.

use crate::entity::{survey, survey_link, survey_participant, survey_response, survey_score};
use crate::review::Rounding;
use crate::reviews::Standing;
use crate::service::{found, internal, EvaluationService};
use crate::survey::{self as rules, Answer, Group, Settings, Tally};
use duban_api::{
    ApiError, CreateSurveyInput, IssueSurveyLinksInput, PublicSurveyForm, SurveyAnswer,
    SurveyIndicatorView, SurveyLinkView, SurveyResultView, SurveyUnitView, SurveyView,
};
use duban_auth::secret::{digest, new_secret, well_formed};
use duban_auth::{in_subtree, Actor};
use duban_schema::evaluation::{EvaluationEvent, SurveyUnitResult};
use duban_schema::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

const OPEN: &str = "OPEN";
const CLOSED: &str = "CLOSED";

/// A link that opens nothing: unknown, spent, or of a closed survey — one answer for all.
fn dead_link() -> ApiError {
    ApiError::not_found("评议链接", "")
}

struct Survey {
    row: survey::Model,
    settings: Settings,
    unit_ids: Vec<String>,
}

impl Survey {
    fn of(row: survey::Model) -> Result<Self, ApiError> {
        Ok(Self {
            settings: serde_json::from_str(&row.settings).map_err(internal)?,
            unit_ids: serde_json::from_str(&row.unit_ids).map_err(internal)?,
            row,
        })
    }

    fn open_on(&self, today: chrono::NaiveDate) -> bool {
        self.row.status == OPEN && today <= self.row.deadline
    }
}

fn standing(actor: &Actor, s: &Survey) -> Result<Standing, ApiError> {
    let path = &s.row.scope_path;
    if actor.has_any(&[Role::Supervisor, Role::Admin, Role::Discipline]) && actor.can_see(path) {
        return Ok(Standing::Overseer);
    }
    if in_subtree(&actor.unit_path, path) {
        return Ok(Standing::Participant);
    }
    Err(ApiError::not_found("满意度评议", &s.row.id))
}

/// The answers as the rules read them: scores by indicator, each indicator named once.
fn answers_of(input: Vec<SurveyAnswer>) -> Result<Vec<Answer>, ApiError> {
    if input.len() > 500 {
        return Err(ApiError::validation("answers", "一次评议不超过500个单位"));
    }
    input
        .into_iter()
        .map(|a| {
            let mut scores = BTreeMap::new();
            for (i, v) in a.scores {
                let name = i.trim().to_string();
                if scores.insert(name, v).is_some() {
                    return Err(ApiError::validation("answers", format!("「{i}」重复评分")));
                }
            }
            Ok(Answer {
                unit_id: a.unit_id,
                scores,
            })
        })
        .collect()
}

impl EvaluationService {
    async fn survey_row(&self, id: &str) -> Result<Survey, ApiError> {
        let row = found::<survey::Entity, _>(&self.db, "满意度评议", id).await?;
        Survey::of(row)
    }

    fn must_oversee(actor: &Actor, s: &Survey, what: &str) -> Result<(), ApiError> {
        if standing(actor, s)? != Standing::Overseer || !actor.has(Role::Supervisor) {
            return Err(ApiError::Forbidden(format!("只有督查人员可以{what}")));
        }
        Ok(())
    }

    pub(crate) async fn define_survey(
        &self,
        actor: &Actor,
        input: CreateSurveyInput,
    ) -> Result<SurveyView, ApiError> {
        ApiError::forbidden_unless(
            actor.has(Role::Supervisor),
            "只有督查人员可以发起满意度评议",
        )?;
        let (scope, unit_ids) = self
            .scope_units(actor, &input.scope_unit_id, input.unit_ids.as_deref())
            .await?;
        let title = input.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(ApiError::validation("title", "标题须为 1 至 100 个字"));
        }
        self.check_deadline(input.deadline)?;
        let mut groups = Vec::new();
        for (i, g) in input
            .groups
            .unwrap_or_else(|| Group::ALL.map(|g| g.as_str().to_string()).into())
            .iter()
            .enumerate()
        {
            let g = Group::parse(g).ok_or_else(|| {
                ApiError::validation(
                    &format!("groups[{i}]"),
                    "评议对象须为 CADRE、PUBLIC 或 DEPUTY",
                )
            })?;
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        let settings = Settings {
            indicators: input
                .indicators
                .unwrap_or_else(|| rules::DEFAULT_INDICATORS.map(String::from).into())
                .into_iter()
                .map(|i| i.trim().to_string())
                .collect(),
            groups,
            min_sample: input.min_sample.unwrap_or(rules::DEFAULT_MIN_SAMPLE),
            rounding: if input.half_up == Some(true) {
                Rounding::HalfUp
            } else {
                Rounding::Gbt8170
            },
            dense_ranking: input
                .dense_ranking
                .unwrap_or_else(|| self.dense_ranking_of(&scope.path)),
        };
        rules::check_settings(&settings).map_err(ApiError::from)?;
        let now = self.clock.now();
        let id = duban_outbox::new_event_id(now).to_string();
        let txn = self.db.begin().await.map_err(internal)?;
        survey::Model {
            id: id.clone(),
            scope_unit_id: scope.id.clone(),
            scope_path: scope.path.clone(),
            title: title.clone(),
            deadline: input.deadline,
            settings: serde_json::to_string(&settings).map_err(internal)?,
            unit_ids: serde_json::to_string(&unit_ids).map_err(internal)?,
            status: OPEN.into(),
            opened_by: actor.person_id.clone(),
            opened_at: now,
            closed_at: None,
            results: None,
            version: 1,
        }
        .into_active_model()
        .insert(&txn)
        .await
        .map_err(internal)?;
        let event = EvaluationEvent::SurveyCreated {
            survey_id: id.clone(),
            scope_unit_id: scope.id.clone(),
            title,
            deadline: input.deadline,
            unit_ids,
            groups: settings.groups.iter().map(|g| g.as_str().into()).collect(),
        };
        self.envelope_out(&txn, &actor.person_id, &scope.path, &id, 1, vec![event])
            .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.survey_view(actor, self.survey_row(&id).await?).await
    }

    pub(crate) async fn issue_links(
        &self,
        actor: &Actor,
        input: IssueSurveyLinksInput,
    ) -> Result<Vec<SurveyLinkView>, ApiError> {
        let s = self.survey_row(&input.survey_id).await?;
        Self::must_oversee(actor, &s, "发放评议链接")?;
        let group = Group::parse(&input.group)
            .filter(|g| g.by_link() && s.settings.groups.contains(g))
            .ok_or_else(|| {
                ApiError::validation("group", "本次评议未邀请该类对象，或该类对象须登录评议")
            })?;
        if !s.open_on(self.clock.today()) {
            return Err(ApiError::IllegalTransition {
                from: s.row.status.clone(),
                from_label: "已截止".into(),
                action: "发放评议链接".into(),
            });
        }
        let labels = input.labels.unwrap_or_default();
        let count = if labels.is_empty() {
            input.count as usize
        } else {
            labels.len()
        };
        if !(1..=1000).contains(&count) {
            return Err(ApiError::validation("count", "每次发放 1 至 1000 个链接"));
        }
        if labels
            .iter()
            .any(|l| l.trim().is_empty() || l.chars().count() > 50)
        {
            return Err(ApiError::validation(
                "labels",
                "受邀人姓名须为 1 至 50 个字",
            ));
        }
        let mut links = Vec::with_capacity(count);
        let mut rows = Vec::with_capacity(count);
        for i in 0..count {
            let token = new_secret().map_err(internal)?;
            let label = labels.get(i).map(|l| l.trim().to_string());
            rows.push(survey_link::ActiveModel {
                token_hash: Set(digest(&token)),
                survey_id: Set(s.row.id.clone()),
                grp: Set(group.as_str().into()),
                label: Set(label.clone()),
                used: Set(false),
            });
            links.push(SurveyLinkView { token, label });
        }
        let version = s.row.version + 1;
        let txn = self.db.begin().await.map_err(internal)?;
        survey_link::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
        self.bump(&txn, &s, version).await?;
        let event = EvaluationEvent::SurveyLinksIssued {
            survey_id: s.row.id.clone(),
            group: group.as_str().into(),
            count: count as u32,
        };
        self.envelope_out(
            &txn,
            &actor.person_id,
            &s.row.scope_path,
            &s.row.id,
            version,
            vec![event],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(links)
    }

    /// Moves a survey's version on, refusing if another command moved it first.
    async fn bump<C: ConnectionTrait>(
        &self,
        conn: &C,
        s: &Survey,
        version: i64,
    ) -> Result<(), ApiError> {
        let r = survey::Entity::update_many()
            .col_expr(survey::Column::Version, Expr::value(version))
            .filter(survey::Column::Id.eq(s.row.id.clone()))
            .filter(survey::Column::Version.eq(s.row.version))
            .exec(conn)
            .await
            .map_err(internal)?;
        if r.rows_affected == 0 {
            return Err(ApiError::VersionConflict {
                expected: s.row.version,
                actual: s.row.version + 1,
            });
        }
        Ok(())
    }

    /// Stores one response: a random id, the group and the day; the scores by unit and
    /// indicator; nothing that names the respondent.
    async fn store_response<C: ConnectionTrait>(
        &self,
        conn: &C,
        s: &Survey,
        group: Group,
        answers: &[Answer],
    ) -> Result<(), ApiError> {
        let id = new_secret().map_err(internal)?;
        survey_response::ActiveModel {
            id: Set(id.clone()),
            survey_id: Set(s.row.id.clone()),
            grp: Set(group.as_str().into()),
            answered_on: Set(self.clock.today()),
        }
        .insert(conn)
        .await
        .map_err(internal)?;
        let rows: Vec<survey_score::ActiveModel> = answers
            .iter()
            .flat_map(|a| {
                s.settings
                    .indicators
                    .iter()
                    .enumerate()
                    .map(|(i, name)| survey_score::ActiveModel {
                        response_id: Set(id.clone()),
                        unit_id: Set(a.unit_id.clone()),
                        indicator: Set(i as i32),
                        survey_id: Set(s.row.id.clone()),
                        score: Set(a.scores.get(name).copied().unwrap_or(0) as i32),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        survey_score::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Units of the survey the actor works in (or under): never scored by them.
    async fn own_units(&self, actor: &Actor, s: &Survey) -> Result<Vec<String>, ApiError> {
        Ok(self
            .units(&s.unit_ids)
            .await?
            .into_values()
            .filter(|u| in_subtree(&actor.unit_path, &u.path))
            .map(|u| u.id)
            .collect())
    }

    pub(crate) async fn answer_as_cadre(
        &self,
        actor: &Actor,
        id: &str,
        answers: Vec<SurveyAnswer>,
    ) -> Result<SurveyView, ApiError> {
        let s = self.survey_row(id).await?;
        standing(actor, &s)?;
        ApiError::forbidden_unless(
            s.settings.groups.contains(&Group::Cadre)
                && in_subtree(&actor.unit_path, &s.row.scope_path),
            "本次评议不由您所在单位的干部参加",
        )?;
        if !s.open_on(self.clock.today()) {
            return Err(ApiError::IllegalTransition {
                from: s.row.status.clone(),
                from_label: "已截止".into(),
                action: "提交评议".into(),
            });
        }
        let answers = answers_of(answers)?;
        let own = self.own_units(actor, &s).await?;
        rules::check_response(&s.settings, &s.unit_ids, &own, &answers).map_err(ApiError::from)?;
        let txn = self.db.begin().await.map_err(internal)?;
        let first = duban_outbox::db::insert_new(
            &txn,
            [survey_participant::ActiveModel {
                survey_id: Set(s.row.id.clone()),
                person_id: Set(actor.person_id.clone()),
            }],
            [
                survey_participant::Column::SurveyId,
                survey_participant::Column::PersonId,
            ],
        )
        .await
        .map_err(internal)?;
        if first == 0 {
            return Err(ApiError::validation(
                "answers",
                "您已提交过本次评议，每人一次",
            ));
        }
        self.store_response(&txn, &s, Group::Cadre, &answers)
            .await?;
        txn.commit().await.map_err(internal)?;
        self.survey_view(actor, self.survey_row(id).await?).await
    }

    /// The survey behind an unspent link of an open survey, and the link's group.
    async fn linked(&self, token: &str) -> Result<(Survey, Group), ApiError> {
        if !well_formed(token) {
            return Err(dead_link());
        }
        let link = survey_link::Entity::find_by_id(digest(token))
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|l| !l.used)
            .ok_or_else(dead_link)?;
        let s = self.survey_row(&link.survey_id).await?;
        let group = Group::parse(&link.grp).ok_or_else(dead_link)?;
        if !s.open_on(self.clock.today()) {
            return Err(dead_link());
        }
        Ok((s, group))
    }

    pub(crate) async fn public_form(&self, token: &str) -> Result<PublicSurveyForm, ApiError> {
        let (s, group) = self.linked(token).await?;
        let mut ids = s.unit_ids.clone();
        ids.push(s.row.scope_unit_id.clone());
        let names = self.unit_names(&ids).await?;
        Ok(PublicSurveyForm {
            title: s.row.title.clone(),
            scope_name: names.get(&s.row.scope_unit_id).cloned().unwrap_or_default(),
            deadline: s.row.deadline,
            indicators: s.settings.indicators.clone(),
            units: s
                .unit_ids
                .iter()
                .map(|u| SurveyUnitView {
                    unit_id: u.clone(),
                    name: names.get(u).cloned().unwrap_or_default(),
                })
                .collect(),
            group: group.label().into(),
        })
    }

    pub(crate) async fn answer_by_link(
        &self,
        token: &str,
        answers: Vec<SurveyAnswer>,
    ) -> Result<(), ApiError> {
        let (s, group) = self.linked(token).await?;
        let answers = answers_of(answers)?;
        rules::check_response(&s.settings, &s.unit_ids, &[], &answers).map_err(ApiError::from)?;
        let txn = self.db.begin().await.map_err(internal)?;
        let spent = survey_link::Entity::update_many()
            .col_expr(survey_link::Column::Used, Expr::value(true))
            .filter(survey_link::Column::TokenHash.eq(digest(token)))
            .filter(survey_link::Column::Used.eq(false))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if spent.rows_affected == 0 {
            return Err(dead_link());
        }
        self.store_response(&txn, &s, group, &answers).await?;
        txn.commit().await.map_err(internal)
    }

    /// Sums and counts per unit and indicator (the database adds exact integers), then the
    /// results by the rules.
    async fn tally_survey<C: ConnectionTrait>(
        &self,
        conn: &C,
        s: &Survey,
    ) -> Result<Vec<rules::UnitResult>, ApiError> {
        let rows: Vec<(String, i32, i64, i64)> = survey_score::Entity::find()
            .select_only()
            .column(survey_score::Column::UnitId)
            .column(survey_score::Column::Indicator)
            .column_as(
                Expr::col(survey_score::Column::Score)
                    .sum()
                    .cast_as("bigint"),
                "sum",
            )
            .column_as(survey_score::Column::Score.count(), "count")
            .filter(survey_score::Column::SurveyId.eq(s.row.id.clone()))
            .group_by(survey_score::Column::UnitId)
            .group_by(survey_score::Column::Indicator)
            .into_tuple()
            .all(conn)
            .await
            .map_err(internal)?;
        let mut respondents: HashMap<String, u64> = HashMap::new();
        let tallies: Vec<Tally> = rows
            .into_iter()
            .map(|(unit_id, indicator, sum, count)| {
                let n = respondents.entry(unit_id.clone()).or_default();
                *n = (*n).max(count.max(0) as u64);
                Tally {
                    unit_id,
                    indicator: indicator.max(0) as usize,
                    sum,
                    count,
                }
            })
            .collect();
        Ok(rules::results(
            &s.unit_ids,
            &s.settings,
            &tallies,
            &respondents,
        ))
    }

    pub(crate) async fn end_survey(&self, actor: &Actor, id: &str) -> Result<SurveyView, ApiError> {
        let s = self.survey_row(id).await?;
        Self::must_oversee(actor, &s, "结束满意度评议")?;
        if s.row.status != OPEN {
            return Err(ApiError::IllegalTransition {
                from: s.row.status.clone(),
                from_label: "已结束".into(),
                action: "结束评议".into(),
            });
        }
        self.close_one_survey(s, &actor.person_id).await?;
        self.survey_view(actor, self.survey_row(id).await?).await
    }

    /// Closes every open survey whose deadline has passed; returns how many.
    pub async fn close_due_surveys(&self) -> Result<usize, ApiError> {
        let due = survey::Entity::find()
            .filter(survey::Column::Status.eq(OPEN))
            .filter(survey::Column::Deadline.lt(self.clock.today()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let n = due.len();
        for row in due {
            self.close_one_survey(Survey::of(row)?, "system").await?;
        }
        Ok(n)
    }

    /// Computes and stores a survey's results with their event, in one transaction; a
    /// survey closed meanwhile is left as it is.
    async fn close_one_survey(&self, s: Survey, by: &str) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let results = self.tally_survey(&txn, &s).await?;
        let version = s.row.version + 1;
        let moved = survey::Entity::update_many()
            .col_expr(survey::Column::Status, Expr::value(CLOSED))
            .col_expr(survey::Column::ClosedAt, Expr::value(self.clock.now()))
            .col_expr(
                survey::Column::Results,
                Expr::value(serde_json::to_string(&results).map_err(internal)?),
            )
            .col_expr(survey::Column::Version, Expr::value(version))
            .filter(survey::Column::Id.eq(s.row.id.clone()))
            .filter(survey::Column::Status.eq(OPEN))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if moved.rows_affected == 0 {
            return Ok(());
        }
        let event = EvaluationEvent::SurveyClosed {
            survey_id: s.row.id.clone(),
            scope_unit_id: s.row.scope_unit_id.clone(),
            results: results
                .iter()
                .map(|u| SurveyUnitResult {
                    unit_id: u.unit_id.clone(),
                    overall: u.overall.map(|d| d.to_string()),
                    rank: u.rank,
                    respondents: u.respondents,
                    representative: u.representative,
                })
                .collect(),
        };
        self.envelope_out(&txn, by, &s.row.scope_path, &s.row.id, version, vec![event])
            .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(())
    }

    /// A survey as the caller may see it.
    async fn survey_view(&self, actor: &Actor, s: Survey) -> Result<SurveyView, ApiError> {
        let standing = standing(actor, &s)?;
        let mut ids = s.unit_ids.clone();
        ids.push(s.row.scope_unit_id.clone());
        let names = self.unit_names(&ids).await?;
        let name = |u: &str| names.get(u).cloned().unwrap_or_default();
        let responses: Vec<(String, i64)> = survey_response::Entity::find()
            .select_only()
            .column(survey_response::Column::Grp)
            .column_as(survey_response::Column::Id.count(), "n")
            .filter(survey_response::Column::SurveyId.eq(s.row.id.clone()))
            .group_by(survey_response::Column::Grp)
            .order_by_asc(survey_response::Column::Grp)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)?;
        let links = if standing == Standing::Overseer {
            let rows: Vec<(bool, i64)> = survey_link::Entity::find()
                .select_only()
                .column(survey_link::Column::Used)
                .column_as(survey_link::Column::TokenHash.count(), "n")
                .filter(survey_link::Column::SurveyId.eq(s.row.id.clone()))
                .group_by(survey_link::Column::Used)
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(internal)?;
            let total = rows.iter().map(|r| r.1.max(0) as u64).sum();
            let used = rows.iter().filter(|r| r.0).map(|r| r.1.max(0) as u64).sum();
            Some((total, used))
        } else {
            None
        };
        let cadre = s.settings.groups.contains(&Group::Cadre)
            && in_subtree(&actor.unit_path, &s.row.scope_path);
        let answered =
            survey_participant::Entity::find_by_id((s.row.id.clone(), actor.person_id.clone()))
                .one(&self.db)
                .await
                .map_err(internal)?
                .is_some();
        let may_answer = cadre && !answered && s.open_on(self.clock.today());
        let answerable_unit_ids = if may_answer {
            let own = self.own_units(actor, &s).await?;
            s.unit_ids
                .iter()
                .filter(|u| !own.contains(u))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let results = match (&s.row.results, standing) {
            (Some(stored), _) => serde_json::from_str(stored).map_err(internal)?,
            (None, Standing::Overseer) => self.tally_survey(&self.db, &s).await?,
            (None, Standing::Participant) => Vec::new(),
        };
        Ok(SurveyView {
            id: s.row.id.clone(),
            scope_unit_id: s.row.scope_unit_id.clone(),
            scope_name: name(&s.row.scope_unit_id),
            title: s.row.title.clone(),
            deadline: s.row.deadline,
            status: s.row.status.clone(),
            indicators: s.settings.indicators.clone(),
            groups: s
                .settings
                .groups
                .iter()
                .map(|g| g.as_str().into())
                .collect(),
            units: s
                .unit_ids
                .iter()
                .map(|u| SurveyUnitView {
                    unit_id: u.clone(),
                    name: name(u),
                })
                .collect(),
            min_sample: s.settings.min_sample,
            responses: responses
                .into_iter()
                .map(|(g, n)| (g, n.max(0) as u64))
                .collect(),
            links,
            may_answer,
            answerable_unit_ids,
            results: results
                .into_iter()
                .map(|u: rules::UnitResult| SurveyResultView {
                    name: name(&u.unit_id),
                    indicators: u
                        .indicators
                        .into_iter()
                        .map(|i| SurveyIndicatorView {
                            indicator: i.indicator,
                            mean: i.mean.map(|m| m.to_string()),
                            count: i.count,
                            rank: i.rank,
                        })
                        .collect(),
                    overall: u.overall.map(|m| m.to_string()),
                    rank: u.rank,
                    respondents: u.respondents,
                    representative: u.representative,
                    unit_id: u.unit_id,
                })
                .collect(),
            ranking_note: duban_api::ranking_note(s.settings.dense_ranking).to_string(),
            rounding_note: match s.settings.rounding {
                Rounding::Gbt8170 => "按GB/T 8170数值修约（四舍六入五成双）保留两位小数",
                Rounding::HalfUp => "四舍五入保留两位小数",
            }
            .into(),
            closed_at: s.row.closed_at,
            version: s.row.version,
        })
    }

    pub(crate) async fn survey_one(&self, actor: &Actor, id: &str) -> Result<SurveyView, ApiError> {
        self.survey_view(actor, self.survey_row(id).await?).await
    }

    /// The surveys the caller answers or oversees, newest first, at most 100.
    pub(crate) async fn survey_list(&self, actor: &Actor) -> Result<Vec<SurveyView>, ApiError> {
        let rows = survey::Entity::find()
            .order_by_desc(survey::Column::OpenedAt)
            .limit(400)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut out = Vec::new();
        for r in rows {
            if out.len() >= 100 {
                break;
            }
            let s = Survey::of(r)?;
            if standing(actor, &s).is_ok() {
                out.push(self.survey_view(actor, s).await?);
            }
        }
        Ok(out)
    }
}
