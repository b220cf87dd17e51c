//! 周通报 kept and published: the org tree evaluation names units by, the Monday run that
//! writes every unit's and the county's bulletin with its event, the queries and the
//! comments (一点评).

use crate::bulletin::{compose, due_weeks, Heading, Lists, UnitFigures};
use crate::entity::{bulletin, bulletin_comment, org_unit_copy, person_copy, tracked_item};
use crate::item::ASSIGNMENT;
use crate::service::{county_of, internal, open_items, EvaluationService};
use duban_api::{ApiError, BulletinComment, BulletinData, BulletinItem, BulletinView, DueByUnit};
use duban_auth::{in_subtree, Actor};
use duban_schema::assignments::{AssignmentState, OrgUnitSnapshot, PersonSnapshot};
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::{topics, Envelope, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

/// Items a bulletin names per list, at most.
const LISTED: usize = 50;
/// Bulletins a query returns, at most.
const PAGE: u64 = 200;

/// Keeps a unit of the directory (its name and place) for the bulletins.
pub(crate) async fn keep_unit<C: ConnectionTrait>(
    conn: &C,
    u: &OrgUnitSnapshot,
) -> Result<(), DbErr> {
    use org_unit_copy::Column as C;
    let row = org_unit_copy::Model {
        id: u.id.clone(),
        parent_id: u.parent_id.clone(),
        path: u.path.clone(),
        name: u.name.clone(),
    };
    duban_outbox::db::upsert(
        conn,
        [row.into_active_model()],
        [C::Id],
        [C::ParentId, C::Path, C::Name],
    )
    .await?;
    Ok(())
}

/// Keeps who is a person's 分管领导, for who may comment on their unit's bulletin.
pub(crate) async fn keep_person<C: ConnectionTrait>(
    conn: &C,
    p: &PersonSnapshot,
) -> Result<(), DbErr> {
    use person_copy::Column as C;
    let row = person_copy::Model {
        person_id: p.id.clone(),
        unit_id: p.unit_id.clone(),
        supervising_leader_id: p.supervising_leader_id.clone(),
        leads: p.roles.contains(&duban_schema::Role::UnitLeader),
    };
    duban_outbox::db::upsert(
        conn,
        [row.into_active_model()],
        [C::PersonId],
        [C::UnitId, C::SupervisingLeaderId, C::Leads],
    )
    .await?;
    Ok(())
}

/// The ancestors of `path` and itself: `/a`, `/a/b`, `/a/b/c`.
fn lineage(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        acc.push('/');
        acc.push_str(seg);
        out.push(acc.clone());
    }
    out
}

fn view(
    m: bulletin::Model,
    comments: Vec<bulletin_comment::Model>,
) -> Result<BulletinView, ApiError> {
    let data: BulletinData = serde_json::from_str(&m.data)
        .map_err(|_| ApiError::unknown_stored("bulletin", &m.id, "data"))?;
    Ok(BulletinView {
        id: m.id,
        title: m.title,
        published_at: m.published_at,
        data,
        comments: comments
            .into_iter()
            .map(|c| BulletinComment {
                author_id: c.author_id,
                author_name: c.author_name,
                text: c.text,
                at: c.at,
            })
            .collect(),
    })
}

/// Whether `actor` may read a bulletin about `path`: it lies in their scope, or it is
/// about a unit above theirs (a county's bulletin goes to all its units).
fn may_read(actor: &Actor, path: &str) -> bool {
    actor.can_see(path) || in_subtree(&actor.unit_path, path)
}

impl EvaluationService {
    /// Publishes last week's bulletins for every unit and the county when they are due
    /// (08:30 of the week's first working day; a week followed by one with no working
    /// day, then too) and not out yet; how many were written.
    pub async fn publish_bulletins(&self) -> Result<usize, ApiError> {
        let mut written = 0;
        for week_start in due_weeks(&self.calendar_now(), self.clock.now()) {
            written += self.publish_week(week_start).await?;
        }
        Ok(written)
    }

    /// Writes the bulletins of the week beginning `week_start` that are not out yet, for
    /// every unit and the county, with their events; how many.
    pub async fn publish_week(&self, week_start: chrono::NaiveDate) -> Result<usize, ApiError> {
        let now = self.clock.now();
        let units = org_unit_copy::Entity::find()
            .order_by_asc(org_unit_copy::Column::Path)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let done: Vec<String> = bulletin::Entity::find()
            .select_only()
            .column(bulletin::Column::ScopeUnitId)
            .filter(bulletin::Column::WeekStart.eq(week_start))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)?;
        let todo: Vec<&org_unit_copy::Model> =
            units.iter().filter(|u| !done.contains(&u.id)).collect();
        if todo.is_empty() {
            return Ok(0);
        }
        // Last week's days are closed (and today's colors judged) before they are read.
        self.reassess().await.map_err(internal)?;
        let week_end = week_start + chrono::Duration::days(6);
        let before = week_start - chrono::Duration::days(1);
        let paths: Vec<String> = units.iter().map(|u| u.path.clone()).collect();
        let end = self.figures_at("", Some(week_end), &paths).await?;
        let start = self.figures_at("", Some(before), &paths).await?;
        let figures = |i: usize, u: &org_unit_copy::Model| UnitFigures {
            id: u.id.clone(),
            name: u.name.clone(),
            week: end[i].0.since(start[i].0),
            week_problems: end[i].1.since(start[i].1),
            now: end[i].0,
            before: start[i].0,
        };
        let all: Vec<UnitFigures> = units
            .iter()
            .enumerate()
            .map(|(i, u)| figures(i, u))
            .collect();
        let index: HashMap<&str, usize> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.as_str(), i))
            .collect();
        let names: HashMap<&str, &str> = units
            .iter()
            .map(|u| (u.id.as_str(), u.name.as_str()))
            .collect();
        let mut lists = self.lists(&names, now.date_naive()).await?;
        let txn = self.db.begin().await.map_err(internal)?;
        let mut envelopes = Vec::new();
        for u in todo {
            let children: Vec<UnitFigures> = units
                .iter()
                .filter(|c| c.parent_id.as_deref() == Some(u.id.as_str()))
                .filter_map(|c| index.get(c.id.as_str()).map(|i| all[*i].clone()))
                .collect();
            let county = county_of(&u.path);
            let issuer = names.get(county).copied().unwrap_or(u.name.as_str());
            let dense = self
                .rules
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .governing(county, None, "")
                .dense_ranking;
            let Some(total) = index.get(u.id.as_str()).map(|i| &all[*i]) else {
                continue;
            };
            let heading = Heading {
                scope: (&u.id, &u.name, &u.path),
                issuer_name: issuer,
                week_start,
                issued_on: now.date_naive(),
                dense,
            };
            let data = compose(
                &heading,
                total,
                &children,
                lists.remove(&u.path).unwrap_or_default(),
            );
            let title = BulletinView::title_of(&data);
            let id = duban_outbox::new_event_id(now).to_string();
            let row = bulletin::Model {
                id: id.clone(),
                scope_unit_id: u.id.clone(),
                scope_path: u.path.clone(),
                week_start,
                title: title.clone(),
                data: serde_json::to_string(&data).map_err(internal)?,
                published_at: now,
            };
            row.into_active_model()
                .insert(&txn)
                .await
                .map_err(internal)?;
            envelopes.push(Envelope {
                meta: duban_outbox::command_meta(now, &self.tenant, &u.path, "system", &id, 1),
                event: EvaluationEvent::BulletinPublished {
                    bulletin_id: id,
                    scope_unit_id: u.id.clone(),
                    title,
                    week_start,
                },
            });
        }
        duban_outbox::enqueue_all(&txn, topics::EVALUATION, &envelopes)
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(envelopes.len())
    }

    /// The red, yellow and soon-due items standing now, listed under every unit above
    /// them, in one read.
    async fn lists(
        &self,
        names: &HashMap<&str, &str>,
        today: chrono::NaiveDate,
    ) -> Result<HashMap<String, Lists>, ApiError> {
        use tracked_item::Column as T;
        let monday = duban_api::Period::Week.start(today);
        let (this_end, next_end) = (
            monday + chrono::Duration::days(6),
            monday + chrono::Duration::days(13),
        );
        let waiting = [
            AssignmentState::Completed.as_str(),
            AssignmentState::Suspended.as_str(),
        ];
        let rows: Vec<(String, String, String, String, String, chrono::NaiveDate)> =
            tracked_item::Entity::find()
                .select_only()
                .columns([
                    T::UnitId,
                    T::OrgPath,
                    T::Title,
                    T::Color,
                    T::Reason,
                    T::DueOn,
                ])
                .filter(open_items())
                .filter(T::Kind.eq(ASSIGNMENT))
                .filter(T::State.is_not_in(waiting))
                .filter(
                    sea_orm::Condition::any()
                        .add(T::Color.is_in(["RED", "YELLOW"]))
                        .add(T::DueOn.between(monday, next_end)),
                )
                .order_by_asc(T::DueOn)
                .order_by_asc(T::Id)
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(internal)?;
        let mut out: HashMap<String, Lists> = HashMap::new();
        let mut due_units: HashMap<String, BTreeMap<String, (i64, i64)>> = HashMap::new();
        for (unit_id, path, title, color, reason, due_on) in rows {
            let unit_name = names
                .get(unit_id.as_str())
                .copied()
                .unwrap_or("")
                .to_string();
            for scope in lineage(&path) {
                let l = out.entry(scope.clone()).or_default();
                let item = |note: String| BulletinItem {
                    unit_name: unit_name.clone(),
                    title: title.clone(),
                    note,
                };
                match color.as_str() {
                    "RED" => {
                        l.red_total += 1;
                        if l.red.len() < LISTED {
                            l.red.push(item(reason.clone()));
                        }
                    }
                    "YELLOW" => {
                        l.yellow_total += 1;
                        if l.yellow.len() < LISTED {
                            l.yellow.push(item(reason.clone()));
                        }
                    }
                    _ => {}
                }
                if (monday..=next_end).contains(&due_on) {
                    l.due_total += 1;
                    if l.due.len() < LISTED {
                        l.due.push(item(duban_api::long_date(due_on)));
                    }
                    let n = due_units
                        .entry(scope)
                        .or_default()
                        .entry(unit_name.clone())
                        .or_default();
                    if due_on <= this_end {
                        n.0 += 1;
                    } else {
                        n.1 += 1;
                    }
                }
            }
        }
        for (scope, units) in due_units {
            out.entry(scope).or_default().due_by_unit = units
                .into_iter()
                .map(|(unit_name, (this_week, next_week))| DueByUnit {
                    unit_name,
                    this_week,
                    next_week,
                })
                .collect();
        }
        Ok(out)
    }

    async fn comments_of(
        &self,
        ids: Vec<String>,
    ) -> Result<HashMap<String, Vec<bulletin_comment::Model>>, ApiError> {
        let mut out: HashMap<String, Vec<bulletin_comment::Model>> = HashMap::new();
        for c in bulletin_comment::Entity::find()
            .filter(bulletin_comment::Column::BulletinId.is_in(ids))
            .order_by_asc(bulletin_comment::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            out.entry(c.bulletin_id.clone()).or_default().push(c);
        }
        Ok(out)
    }

    /// Bulletins of `scope_path` (default: every one the caller may read) whose week
    /// began between `from` and `to`, newest first, at most 200.
    pub(crate) async fn bulletins_of(
        &self,
        actor: &Actor,
        scope_path: Option<String>,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<Vec<BulletinView>, ApiError> {
        if let Some(p) = scope_path.as_deref().filter(|p| !may_read(actor, p)) {
            return Err(ApiError::Forbidden(format!("{p} 不在您的权限范围内")));
        }
        let mut q = bulletin::Entity::find();
        if let Some(p) = &scope_path {
            q = q.filter(bulletin::Column::ScopePath.eq(p.clone()));
        }
        if let Some(f) = from {
            q = q.filter(bulletin::Column::WeekStart.gte(f));
        }
        if let Some(t) = to {
            q = q.filter(bulletin::Column::WeekStart.lte(t));
        }
        let rows: Vec<bulletin::Model> = q
            .order_by_desc(bulletin::Column::WeekStart)
            .order_by_asc(bulletin::Column::ScopePath)
            .limit(PAGE * 4)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|b| may_read(actor, &b.scope_path))
            .take(PAGE as usize)
            .collect();
        let mut comments = self
            .comments_of(rows.iter().map(|b| b.id.clone()).collect())
            .await?;
        rows.into_iter()
            .map(|b| {
                let c = comments.remove(&b.id).unwrap_or_default();
                view(b, c)
            })
            .collect()
    }

    /// One bulletin the caller may read.
    pub(crate) async fn bulletin_by_id(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<BulletinView, ApiError> {
        let found = bulletin::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?;
        let b = match found {
            Some(b) if may_read(actor, &b.scope_path) => b,
            Some(b) if self.supervises(actor, &b.scope_unit_id).await? => b,
            _ => return Err(ApiError::not_found("通报", id)),
        };
        let c = self
            .comments_of(vec![b.id.clone()])
            .await?
            .remove(&b.id)
            .unwrap_or_default();
        view(b, c)
    }

    /// Whether `actor` is the 分管领导 of someone in `unit`.
    async fn supervises(&self, actor: &Actor, unit: &str) -> Result<bool, ApiError> {
        let found = person_copy::Entity::find()
            .filter(person_copy::Column::UnitId.eq(unit))
            .filter(person_copy::Column::SupervisingLeaderId.eq(actor.person_id.clone()))
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(found.is_some())
    }

    /// Adds a comment (一点评) under a bulletin: a SUPERVISOR whose scope covers it, or
    /// the unit's 分管领导; announced.
    pub(crate) async fn comment(
        &self,
        actor: &Actor,
        id: &str,
        text: &str,
    ) -> Result<BulletinView, ApiError> {
        let b = self.bulletin_by_id(actor, id).await?;
        let path = &b.data.scope_path;
        let supervisor = actor.has(Role::Supervisor) && actor.can_see(path);
        ApiError::forbidden_unless(
            supervisor || self.supervises(actor, &b.data.scope_unit_id).await?,
            "只有督查人员或该单位的分管领导可以点评通报",
        )?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 2000 {
            return Err(ApiError::validation(
                "text",
                "点评内容不能为空，且不超过2000字",
            ));
        }
        let now = self.clock.now();
        let txn = self.db.begin().await.map_err(internal)?;
        bulletin_comment::Model {
            id: duban_outbox::new_event_id(now).to_string(),
            bulletin_id: b.id.clone(),
            author_id: actor.person_id.clone(),
            author_name: actor.name.clone(),
            text: text.to_string(),
            at: now,
        }
        .into_active_model()
        .insert(&txn)
        .await
        .map_err(internal)?;
        let envelope = Envelope {
            meta: duban_outbox::command_meta(now, &self.tenant, path, &actor.person_id, &b.id, 1),
            event: EvaluationEvent::BulletinCommented {
                bulletin_id: b.id.clone(),
                scope_unit_id: b.data.scope_unit_id.clone(),
                title: b.title.clone(),
                author_id: actor.person_id.clone(),
                text: text.to_string(),
            },
        };
        duban_outbox::enqueue_all(&txn, topics::EVALUATION, &[envelope])
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.bulletin_by_id(actor, id).await
    }
}
