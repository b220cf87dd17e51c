//! 好差评 kept: a public-serving item opens to rating when completed; the unit hands the
//! person served a link (kept as a hash); a rating comes in through it — a 差评 asks the
//! assignments service for a 整改 and a 回访, and once the 整改 is verified the person may
//! rate again; the unit may appeal a 差评, a supervisor decides; the figures count it all.

use crate::entity::{rating, rating_item};
use crate::item::{ASSIGNMENT, PROBLEM};
use crate::rating::{self as rules, Appeal, Counted, Figures, Level, Stage};
use crate::review::Rounding;
use crate::service::{county_of, found, internal, EvaluationService};
use duban_api::{
    ApiError, PublicRatingForm, RatingAppealView, RatingFiguresView, RatingLinkView, RatingView,
};
use duban_auth::secret::{digest, new_secret, well_formed};
use duban_auth::{in_subtree, Actor};
use duban_schema::assignments::{AssignmentSource, AssignmentsEvent, ProblemSource};
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

/// What an assignments event means for 好差评.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// A public-serving item was completed: it opens to rating.
    Open(rating_item::Model),
    /// The 整改 of a rated item was issued.
    Linked {
        /// The rated item.
        item_id: String,
        /// The 整改 assignment.
        rectification_id: String,
    },
    /// The 整改 of a rated item was verified: the person may rate again.
    Rectified {
        /// The rated item.
        item_id: String,
    },
}

/// The effect of one event, if any: only items that serve the public (群众诉求; problems
/// raised by the public or by petition) open to rating.
pub(crate) fn effect_of(e: &AssignmentsEvent, on: chrono::NaiveDate) -> Option<Effect> {
    match e {
        AssignmentsEvent::AssignmentCompleted { assignment: a, .. }
            if a.brief.source == AssignmentSource::PublicRequest =>
        {
            Some(Effect::Open(rating_item::Model {
                item_id: a.id.clone(),
                kind: ASSIGNMENT.into(),
                title: a.brief.title.clone(),
                unit_id: a.lead_unit_id.clone(),
                org_path: a.lead_unit_path.clone(),
                completed_on: on,
                token_hash: None,
                stage: Stage::Awaiting.as_str().into(),
                rectification_id: None,
                version: 0,
            }))
        }
        AssignmentsEvent::ProblemCloseOutRequested { problem: p, .. }
            if matches!(
                p.source,
                ProblemSource::PublicRaised | ProblemSource::Petition
            ) =>
        {
            Some(Effect::Open(rating_item::Model {
                item_id: p.id.clone(),
                kind: PROBLEM.into(),
                title: p.description.chars().take(100).collect(),
                unit_id: p.unit_id.clone(),
                org_path: p.unit_path.clone(),
                completed_on: on,
                token_hash: None,
                stage: Stage::Awaiting.as_str().into(),
                rectification_id: None,
                version: 0,
            }))
        }
        AssignmentsEvent::AssignmentIssued { assignment: a }
            if a.brief.source == AssignmentSource::RatingRectification =>
        {
            Some(Effect::Linked {
                item_id: AssignmentSource::rated_item(a.brief.source_text.as_deref()?)?.to_string(),
                rectification_id: a.id.clone(),
            })
        }
        AssignmentsEvent::AssignmentVerified { assignment: a }
            if a.brief.source == AssignmentSource::RatingRectification =>
        {
            Some(Effect::Rectified {
                item_id: AssignmentSource::rated_item(a.brief.source_text.as_deref()?)?.to_string(),
            })
        }
        _ => None,
    }
}

/// Applies effects in the tracking transaction; each is idempotent.
pub(crate) async fn apply(
    txn: &DatabaseTransaction,
    effects: Vec<Effect>,
) -> Result<(), sea_orm::DbErr> {
    for e in effects {
        match e {
            Effect::Open(m) => {
                let am: rating_item::ActiveModel = m.into();
                duban_outbox::db::insert_new(txn, [am], [rating_item::Column::ItemId]).await?;
            }
            Effect::Linked {
                item_id,
                rectification_id,
            } => {
                rating_item::Entity::update_many()
                    .col_expr(
                        rating_item::Column::RectificationId,
                        Expr::value(rectification_id),
                    )
                    .filter(rating_item::Column::ItemId.eq(item_id))
                    .exec(txn)
                    .await?;
            }
            Effect::Rectified { item_id } => {
                let moved = rating_item::Entity::update_many()
                    .col_expr(
                        rating_item::Column::Stage,
                        Expr::value(Stage::Rectified.as_str()),
                    )
                    .filter(rating_item::Column::ItemId.eq(item_id.clone()))
                    .filter(rating_item::Column::Stage.eq(Stage::Rectifying.as_str()))
                    .exec(txn)
                    .await?;
                if moved.rows_affected > 0 {
                    rating::Entity::update_many()
                        .col_expr(rating::Column::Rectified, Expr::value(true))
                        .filter(rating::Column::ItemId.eq(item_id))
                        .filter(rating::Column::Current.eq(true))
                        .exec(txn)
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// A link that opens nothing: unknown or malformed — one answer for all.
fn dead_link() -> ApiError {
    ApiError::not_found("评价链接", "")
}

fn subtree(col: impl ColumnTrait, path: &str) -> Condition {
    Condition::any()
        .add(col.eq(path))
        .add(col.starts_with(format!("{path}/")))
}

fn level_of(m: &rating::Model) -> Result<Level, ApiError> {
    Level::of_value(m.level)
        .ok_or_else(|| ApiError::unknown_stored("level", &m.id, &m.level.to_string()))
}

impl EvaluationService {
    pub(crate) async fn make_rating_link(
        &self,
        actor: &Actor,
        item_id: &str,
    ) -> Result<RatingLinkView, ApiError> {
        let item = found::<rating_item::Entity, _>(&self.db, "可评价事项", item_id)
            .await
            .ok()
            .filter(|i| actor.can_see(&i.org_path))
            .ok_or_else(|| {
                ApiError::not_found(
                    "可评价事项（群众诉求或群众反映问题，办结后可评价）",
                    item_id,
                )
            })?;
        if Stage::parse(&item.stage) != Some(Stage::Awaiting) {
            return Err(ApiError::IllegalTransition {
                from: item.stage.clone(),
                from_label: "已评价".into(),
                action: "重新生成评价链接".into(),
            });
        }
        let token = new_secret().map_err(internal)?;
        rating_item::Entity::update_many()
            .col_expr(rating_item::Column::TokenHash, Expr::value(digest(&token)))
            .filter(rating_item::Column::ItemId.eq(item_id))
            .filter(rating_item::Column::Stage.eq(Stage::Awaiting.as_str()))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(RatingLinkView {
            token,
            item_id: item_id.into(),
        })
    }

    async fn linked_item<C: ConnectionTrait>(
        &self,
        conn: &C,
        token: &str,
    ) -> Result<rating_item::Model, ApiError> {
        if !well_formed(token) {
            return Err(dead_link());
        }
        rating_item::Entity::find()
            .filter(rating_item::Column::TokenHash.eq(digest(token)))
            .one(conn)
            .await
            .map_err(internal)?
            .ok_or_else(dead_link)
    }

    pub(crate) async fn rating_form(&self, token: &str) -> Result<PublicRatingForm, ApiError> {
        let item = self.linked_item(&self.db, token).await?;
        let stage = Stage::parse(&item.stage)
            .ok_or_else(|| ApiError::unknown_stored("stage", &item.item_id, &item.stage))?;
        let previous = rating::Entity::find()
            .filter(rating::Column::ItemId.eq(item.item_id.clone()))
            .filter(rating::Column::Current.eq(true))
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(|r| level_of(&r))
            .transpose()?
            .map(|l| (l.as_str().to_string(), l.label().to_string()));
        let allowed = rules::may_rate(stage);
        let names = self.unit_names(std::slice::from_ref(&item.unit_id)).await?;
        Ok(PublicRatingForm {
            title: item.title,
            unit_name: names.get(&item.unit_id).cloned().unwrap_or_default(),
            completed_on: item.completed_on,
            may_rate: allowed.is_ok(),
            note: allowed.err().map(|r| r.message),
            previous,
        })
    }

    pub(crate) async fn rate_by_link(
        &self,
        token: &str,
        level: &str,
        comment: &str,
    ) -> Result<(), ApiError> {
        let level =
            Level::parse(level).ok_or_else(|| ApiError::validation("level", "请选择满意程度"))?;
        let comment = comment.trim();
        rules::check_comment(comment).map_err(ApiError::from)?;
        let txn = self.db.begin().await.map_err(internal)?;
        let item = self.linked_item(&txn, token).await?;
        let stage = Stage::parse(&item.stage)
            .ok_or_else(|| ApiError::unknown_stored("stage", &item.item_id, &item.stage))?;
        let again = rules::may_rate(stage).map_err(|r| ApiError::IllegalTransition {
            from: item.stage.clone(),
            from_label: r.message,
            action: "评价".into(),
        })?;
        let next = rules::after_rating(level);
        let mut events = vec![];
        let now = self.clock.now();
        let rating_id = duban_outbox::new_event_id(now).to_string();
        events.push(EvaluationEvent::Rated {
            rating_id: rating_id.clone(),
            item_id: item.item_id.clone(),
            unit_id: item.unit_id.clone(),
            level: level.value(),
            bad: level.is_bad(),
            again,
        });
        if level.is_bad() {
            let days = self
                .rules_view(county_of(&item.org_path))
                .sets
                .first()
                .map_or(5, |c| c.rules.rectification_days);
            events.push(EvaluationEvent::RectificationRequested {
                rating_id: rating_id.clone(),
                item_id: item.item_id.clone(),
                item_kind: item.kind.clone(),
                title: item.title.clone(),
                unit_id: item.unit_id.clone(),
                level_label: level.label().into(),
                comment: comment.into(),
                time_limit_days: days.max(1) as u32,
            });
        }
        self.bump_item(&txn, &item, events.len() as i64, Some(next.as_str()))
            .await?;
        rating::Entity::update_many()
            .col_expr(rating::Column::Current, Expr::value(false))
            .filter(rating::Column::ItemId.eq(item.item_id.clone()))
            .exec(&txn)
            .await
            .map_err(internal)?;
        rating::ActiveModel {
            id: Set(rating_id.clone()),
            item_id: Set(item.item_id.clone()),
            unit_id: Set(item.unit_id.clone()),
            org_path: Set(item.org_path.clone()),
            level: Set(i32::from(level.value())),
            comment: Set(comment.into()),
            rated_at: Set(now),
            current: Set(true),
            rectified: Set(false),
            appeal: Set(Appeal::None.as_str().into()),
            appeal_reasons: Set(None),
            appeal_evidence: Set(None),
            appealed_by: Set(None),
            appealed_at: Set(None),
            decided_by: Set(None),
            decided_at: Set(None),
            decision_note: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let fact = if level.is_good() {
            Some(crate::conduct::Fact::GoodRating)
        } else if level.is_bad() {
            Some(crate::conduct::Fact::BadRating)
        } else {
            None
        };
        let handled = crate::entity::tracked_item::Entity::find_by_id(item.item_id.clone())
            .one(&txn)
            .await
            .map_err(internal)?;
        if let (Some(fact), Some(t)) = (fact, handled) {
            let e = crate::conduct_facts::entry(
                &rating_id,
                fact,
                &t.responsible_person_id,
                now.date_naive(),
                &t,
                level.label(),
            );
            crate::conduct_facts::record(&txn, vec![e])
                .await
                .map_err(internal)?;
        }
        self.rating_events(&txn, "public", &item, events).await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.figures_moved(vec![item.org_path]);
        Ok(())
    }

    /// Writes `events` of a rated item at the positions after `item.version`.
    async fn rating_events(
        &self,
        txn: &DatabaseTransaction,
        actor: &str,
        item: &rating_item::Model,
        events: Vec<EvaluationEvent>,
    ) -> Result<(), ApiError> {
        let aggregate = format!("rating:{}", item.item_id);
        for (i, e) in events.into_iter().enumerate() {
            self.envelope_out(
                txn,
                actor,
                &item.org_path,
                &aggregate,
                item.version + 1 + i as i64,
                vec![e],
            )
            .await?;
        }
        Ok(())
    }

    pub(crate) async fn appeal(
        &self,
        actor: &Actor,
        rating_id: &str,
        reasons: &str,
        evidence: Option<String>,
    ) -> Result<RatingView, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let r = found::<rating::Entity, _>(&txn, "评价", rating_id).await?;
        if !actor.can_see(&r.org_path) && !actor.works_in(&r.org_path) {
            return Err(ApiError::not_found("评价", rating_id));
        }
        ApiError::forbidden_unless(
            actor.has(Role::UnitLeader) && in_subtree(&r.org_path, &actor.unit_path),
            "只有被评价单位的负责人可以申诉",
        )?;
        let appeal = Appeal::parse(&r.appeal)
            .ok_or_else(|| ApiError::unknown_stored("appeal", &r.id, &r.appeal))?;
        rules::may_appeal(level_of(&r)?, appeal, reasons).map_err(ApiError::from)?;
        let evidence = evidence
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty());
        if evidence.as_ref().is_some_and(|e| e.chars().count() > 2000) {
            return Err(ApiError::validation("evidence", "佐证材料说明不超过2000字"));
        }
        let mut m: rating::ActiveModel = r.clone().into();
        m.appeal = Set(Appeal::Pending.as_str().into());
        m.appeal_reasons = Set(Some(reasons.trim().into()));
        m.appeal_evidence = Set(evidence);
        m.appealed_by = Set(Some(actor.person_id.clone()));
        m.appealed_at = Set(Some(self.clock.now()));
        let event = EvaluationEvent::RatingAppealed {
            rating_id: r.id.clone(),
            item_id: r.item_id.clone(),
            unit_id: r.unit_id.clone(),
        };
        self.store_appeal(txn, actor, &r, m, event).await
    }

    /// Stores a changed appeal with its event at the item's next position, commits, and
    /// answers the rating as it now stands.
    async fn store_appeal(
        &self,
        txn: DatabaseTransaction,
        actor: &Actor,
        r: &rating::Model,
        m: rating::ActiveModel,
        event: EvaluationEvent,
    ) -> Result<RatingView, ApiError> {
        let item = found::<rating_item::Entity, _>(&txn, "可评价事项", &r.item_id).await?;
        m.update(&txn).await.map_err(internal)?;
        self.bump_item(&txn, &item, 1, None).await?;
        self.rating_events(&txn, &actor.person_id, &item, vec![event])
            .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.figures_moved(vec![r.org_path.clone()]);
        self.rating_view(&r.id).await
    }

    /// Moves the item on by `by` versions, and to `stage` when one is given, if no one
    /// moved it since it was read.
    async fn bump_item(
        &self,
        txn: &DatabaseTransaction,
        item: &rating_item::Model,
        by: i64,
        stage: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut update = rating_item::Entity::update_many()
            .col_expr(rating_item::Column::Version, Expr::value(item.version + by));
        if let Some(stage) = stage {
            update = update.col_expr(rating_item::Column::Stage, Expr::value(stage));
        }
        let moved = update
            .filter(rating_item::Column::ItemId.eq(item.item_id.clone()))
            .filter(rating_item::Column::Version.eq(item.version))
            .exec(txn)
            .await
            .map_err(internal)?;
        if moved.rows_affected == 0 {
            return Err(ApiError::VersionConflict {
                expected: item.version,
                actual: item.version + 1,
            });
        }
        Ok(())
    }

    pub(crate) async fn decide_appeal(
        &self,
        actor: &Actor,
        rating_id: &str,
        upheld: bool,
        note: &str,
    ) -> Result<RatingView, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let r = found::<rating::Entity, _>(&txn, "评价", rating_id).await?;
        if !actor.can_see(&r.org_path) {
            return Err(ApiError::not_found("评价", rating_id));
        }
        ApiError::forbidden_unless(actor.has(Role::Supervisor), "只有督查人员可以裁定申诉")?;
        if r.appeal != Appeal::Pending.as_str() {
            return Err(ApiError::IllegalTransition {
                from: r.appeal.clone(),
                from_label: if r.appeal == Appeal::None.as_str() {
                    "未申诉".into()
                } else {
                    "已裁定".into()
                },
                action: "裁定申诉".into(),
            });
        }
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 2000 {
            return Err(ApiError::validation(
                "note",
                "请写明裁定理由（不超过2000字）",
            ));
        }
        let mut m: rating::ActiveModel = r.clone().into();
        m.appeal = Set(if upheld {
            Appeal::Upheld
        } else {
            Appeal::Refused
        }
        .as_str()
        .into());
        m.decided_by = Set(Some(actor.person_id.clone()));
        m.decided_at = Set(Some(self.clock.now()));
        m.decision_note = Set(Some(note.into()));
        let event = EvaluationEvent::RatingAppealDecided {
            rating_id: r.id.clone(),
            item_id: r.item_id.clone(),
            unit_id: r.unit_id.clone(),
            upheld,
        };
        self.store_appeal(txn, actor, &r, m, event).await
    }

    async fn rating_view(&self, id: &str) -> Result<RatingView, ApiError> {
        let r = found::<rating::Entity, _>(&self.db, "评价", id).await?;
        self.views(vec![r])
            .await?
            .pop()
            .ok_or_else(|| ApiError::not_found("评价", id))
    }

    /// Ratings as views, each with its item and unit.
    async fn views(&self, rows: Vec<rating::Model>) -> Result<Vec<RatingView>, ApiError> {
        let item_ids: Vec<String> = rows.iter().map(|r| r.item_id.clone()).collect();
        let items: std::collections::HashMap<String, rating_item::Model> =
            rating_item::Entity::find()
                .filter(rating_item::Column::ItemId.is_in(item_ids))
                .all(&self.db)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|i| (i.item_id.clone(), i))
                .collect();
        let unit_ids: Vec<String> = rows.iter().map(|r| r.unit_id.clone()).collect();
        let names = self.unit_names(&unit_ids).await?;
        rows.into_iter()
            .map(|r| {
                let level = level_of(&r)?;
                let item = items.get(&r.item_id);
                let appeal = match (&r.appealed_by, r.appealed_at) {
                    (Some(by), Some(at)) => Some(RatingAppealView {
                        status: r.appeal.clone(),
                        reasons: r.appeal_reasons.clone().unwrap_or_default(),
                        evidence: r.appeal_evidence.clone(),
                        appealed_by: by.clone(),
                        appealed_at: at,
                        decided_by: r.decided_by.clone(),
                        decided_at: r.decided_at,
                        decision_note: r.decision_note.clone(),
                    }),
                    _ => None,
                };
                Ok(RatingView {
                    item_kind: item.map(|i| i.kind.clone()).unwrap_or_default(),
                    title: item.map(|i| i.title.clone()).unwrap_or_default(),
                    rectification_id: item.and_then(|i| i.rectification_id.clone()),
                    unit_name: names.get(&r.unit_id).cloned().unwrap_or_default(),
                    level: level.as_str().into(),
                    level_label: level.label().into(),
                    bad: level.is_bad(),
                    appeal,
                    id: r.id,
                    item_id: r.item_id,
                    unit_id: r.unit_id,
                    comment: r.comment,
                    rated_at: r.rated_at,
                    current: r.current,
                    rectified: r.rectified,
                })
            })
            .collect()
    }

    pub(crate) async fn rating_list(
        &self,
        actor: &Actor,
        scope_path: Option<String>,
        bad_only: bool,
    ) -> Result<Vec<RatingView>, ApiError> {
        let path = scope_path.unwrap_or_else(|| actor.scope.clone());
        if !actor.can_see(&path) {
            return Err(ApiError::validation(
                "scopePath",
                "该单位不在您的查看范围内",
            ));
        }
        let mut q = rating::Entity::find().filter(subtree(rating::Column::OrgPath, &path));
        if bad_only {
            q = q.filter(rating::Column::Level.lte(2));
        }
        let rows = q
            .order_by_desc(rating::Column::RatedAt)
            .limit(200)
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.views(rows).await
    }

    pub(crate) async fn figures_of_ratings(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<RatingFiguresView>, ApiError> {
        if paths.len() > 500 {
            return Err(ApiError::validation("paths", "一次最多查询500个单位"));
        }
        let mut any = Condition::any();
        for (i, path) in paths.iter().enumerate() {
            if !actor.can_see(path) {
                return Err(ApiError::validation(
                    &format!("paths[{i}]"),
                    "该单位不在您的查看范围内",
                ));
            }
            any = any.add(subtree(rating::Column::OrgPath, path));
        }
        let rows: Vec<(String, i32, bool, String, bool)> = rating::Entity::find()
            .select_only()
            .column(rating::Column::OrgPath)
            .column(rating::Column::Level)
            .column(rating::Column::Current)
            .column(rating::Column::Appeal)
            .column(rating::Column::Rectified)
            .filter(any)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)?;
        let counted: Vec<(String, Counted)> = rows
            .into_iter()
            .filter_map(|(path, level, current, appeal, rectified)| {
                Some((
                    path,
                    Counted {
                        level: Level::of_value(level)?,
                        current,
                        appeal: Appeal::parse(&appeal)?,
                        rectified,
                    },
                ))
            })
            .collect();
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            let mine: Vec<Counted> = counted
                .iter()
                .filter(|(p, _)| in_subtree(p, &path))
                .map(|(_, c)| *c)
                .collect();
            let f = Figures::of(&mine);
            out.push(RatingFiguresView {
                path,
                rated: f.rated,
                good: f.good,
                bad: f.bad,
                rectified: f.rectified,
                appealed_away: f.appealed_away,
                good_rate: f.good_rate(Rounding::Gbt8170).map(|d| d.to_string()),
                rectification_rate: f
                    .rectification_rate(Rounding::Gbt8170)
                    .map(|d| d.to_string()),
            });
        }
        Ok(out)
    }
}
