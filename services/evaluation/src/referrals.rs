//! 线索移送 kept: referrals by hand (a supervisor) and by the county's rules (the tick),
//! each rule's subject referred once; the commission's 签收, disposition and 办结 with their
//! time limits and reminders; the referrer reads the state, the commission everything.

use crate::entity::{conduct_entry, rating, referral, referral_setting, tracked_item};
use crate::referral::{self as rules, Cause, Disposition, Settings, Stage};
use crate::service::{county_of, internal, open_items, under, EvaluationService};
use duban_api::{ApiError, ReferClueInput, ReferralFiguresView, ReferralStepInput, ReferralView};
use duban_auth::{in_subtree, Actor};
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

/// What a new referral says.
struct NewReferral {
    cause: Cause,
    once_key: String,
    subject_kind: &'static str,
    subject_id: String,
    unit_id: String,
    unit_path: String,
    item_ids: Vec<String>,
    grounds: String,
    referred_by: String,
}

impl NewReferral {
    /// The system's referral of one item's 责任人 (its unit when none is named) for `cause`,
    /// once per item and cause (`key` names the cause in the once-key).
    fn of_item(cause: Cause, key: &str, item: &tracked_item::Model, grounds: String) -> Self {
        let (subject_kind, subject_id) = if item.responsible_person_id.is_empty() {
            ("UNIT", item.unit_id.clone())
        } else {
            ("PERSON", item.responsible_person_id.clone())
        };
        NewReferral {
            cause,
            once_key: format!("{key}:{}", item.id),
            subject_kind,
            subject_id,
            unit_id: item.unit_id.clone(),
            unit_path: item.org_path.clone(),
            item_ids: vec![item.id.clone()],
            grounds,
            referred_by: "system".into(),
        }
    }
}

fn stage_of(r: &referral::Model) -> Stage {
    Stage::parse(&r.stage).unwrap_or(Stage::Referred)
}

/// The step under way and its due day.
fn due_of(r: &referral::Model) -> Option<(String, chrono::NaiveDate)> {
    match stage_of(r) {
        Stage::Referred => Some(("RECEIPT".into(), r.receipt_due_on)),
        Stage::Received => r.disposition_due_on.map(|d| ("CHOOSE".into(), d)),
        Stage::Disposed => r
            .disposition_due_on
            .map(|d| (r.disposition.clone().unwrap_or_default(), d)),
        Stage::Concluded => None,
    }
}

fn view(
    r: referral::Model,
    unit_name: String,
    full: bool,
    today: chrono::NaiveDate,
) -> ReferralView {
    let due = due_of(&r).map(|(_, d)| d);
    let received_late = r.received_on.is_some_and(|d| d > r.receipt_due_on);
    let concluded_late = match (r.concluded_on, r.disposition_due_on) {
        (Some(c), Some(d)) => c > d,
        _ => false,
    };
    ReferralView {
        item_ids: serde_json::from_str(&r.item_ids).unwrap_or_default(),
        id: r.id,
        cause: r.cause,
        subject_kind: r.subject_kind,
        subject_id: r.subject_id,
        unit_id: r.unit_id,
        unit_name,
        grounds: r.grounds,
        referred_by: r.referred_by,
        referred_at: r.referred_at,
        stage: r.stage,
        received_at: r.received_at,
        concluded_at: r.concluded_at,
        full,
        due_on: due.filter(|_| full),
        overdue: full && rules::overdue(due, today),
        received_late: full && received_late,
        disposition: r.disposition.filter(|_| full),
        concluded_late: full && concluded_late,
        notes: if full {
            serde_json::from_str(&r.notes).unwrap_or_default()
        } else {
            Vec::new()
        },
        accountability_record_id: r.accountability_record_id.filter(|_| full),
    }
}

impl EvaluationService {
    /// The referral settings of the county of `path`: its own, or the defaults.
    async fn referral_settings_of<C: ConnectionTrait>(
        &self,
        conn: &C,
        path: &str,
    ) -> Result<Settings, ApiError> {
        let stored = referral_setting::Entity::find_by_id(county_of(path).to_string())
            .one(conn)
            .await
            .map_err(internal)?;
        Ok(match stored {
            Some(s) => serde_json::from_str(&s.settings).map_err(internal)?,
            None => Settings::default(),
        })
    }

    /// The settings of the county of `path`, read once per tick.
    async fn cached_settings(
        &self,
        cache: &mut HashMap<String, Settings>,
        path: &str,
    ) -> Result<Settings, ApiError> {
        let county = county_of(path).to_string();
        if let Some(s) = cache.get(&county) {
            return Ok(s.clone());
        }
        let s = self.referral_settings_of(&self.db, path).await?;
        cache.insert(county, s.clone());
        Ok(s)
    }

    pub(crate) async fn settings_for(&self, actor: &Actor) -> Result<Settings, ApiError> {
        self.referral_settings_of(&self.db, &actor.unit_path).await
    }

    pub(crate) async fn set_settings(
        &self,
        actor: &Actor,
        settings: Settings,
    ) -> Result<Settings, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Discipline, Role::Admin]),
            "只有纪检监察或系统管理员可以设置线索移送规则",
        )?;
        rules::check_settings(&settings).map_err(ApiError::from)?;
        let row = referral_setting::Model {
            county: county_of(&actor.unit_path).to_string(),
            settings: serde_json::to_string(&settings).map_err(internal)?,
            changed_by: actor.person_id.clone(),
        };
        duban_outbox::db::upsert(
            &self.db,
            [row.into_active_model()],
            [referral_setting::Column::County],
            [
                referral_setting::Column::Settings,
                referral_setting::Column::ChangedBy,
            ],
        )
        .await
        .map_err(internal)?;
        Ok(settings)
    }

    /// Writes a referral and its event, unless its `once_key` was referred before; returns
    /// the row when written.
    async fn refer(
        &self,
        txn: &DatabaseTransaction,
        new: NewReferral,
    ) -> Result<Option<referral::Model>, ApiError> {
        let settings = self.referral_settings_of(txn, &new.unit_path).await?;
        let now = self.clock.now();
        let today = self.clock.today();
        let id = duban_outbox::new_event_id(now).to_string();
        let row = referral::Model {
            id: id.clone(),
            cause: new.cause.as_str().into(),
            once_key: new.once_key,
            subject_kind: new.subject_kind.into(),
            subject_id: new.subject_id,
            unit_id: new.unit_id,
            unit_path: new.unit_path,
            item_ids: serde_json::to_string(&new.item_ids).map_err(internal)?,
            grounds: new.grounds,
            referred_by: new.referred_by,
            referred_at: now,
            stage: Stage::Referred.as_str().into(),
            version: 1,
            receipt_due_on: self
                .calendar_now()
                .add_working_days(today, settings.receipt_days),
            received_by: None,
            received_at: None,
            received_on: None,
            disposition: None,
            disposed_at: None,
            disposition_due_on: None,
            concluded_at: None,
            concluded_on: None,
            notes: "[]".into(),
            accountability_record_id: None,
            reminded: String::new(),
        };
        let written = duban_outbox::db::insert_new(
            txn,
            [row.clone().into_active_model()],
            [referral::Column::OnceKey],
        )
        .await
        .map_err(internal)?;
        if written == 0 {
            return Ok(None);
        }
        let event = EvaluationEvent::ClueReferred {
            referral_id: id.clone(),
            cause: row.cause.clone(),
            subject_kind: row.subject_kind.clone(),
            subject_id: row.subject_id.clone(),
            unit_id: row.unit_id.clone(),
            item_ids: new.item_ids,
            grounds: row.grounds.clone(),
            referred_by: row.referred_by.clone(),
            receipt_due_on: row.receipt_due_on,
        };
        let actor = row.referred_by.clone();
        self.envelope_out(
            txn,
            &actor,
            &row.unit_path,
            &format!("referral:{id}"),
            1,
            vec![event],
        )
        .await?;
        Ok(Some(row))
    }

    pub(crate) async fn refer_by_hand(
        &self,
        actor: &Actor,
        input: ReferClueInput,
    ) -> Result<ReferralView, ApiError> {
        ApiError::forbidden_unless(actor.has(Role::Supervisor), "只有督查部门可以移送问题线索")?;
        let unit = self
            .subject_unit(&input.subject_kind, &input.subject_id)
            .await?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| {
                ApiError::validation("subjectId", "移送对象不存在或不在您的督查范围内")
            })?;
        rules::check_grounds(&input.grounds).map_err(ApiError::from)?;
        if input.item_ids.is_empty() || input.item_ids.len() > 20 {
            return Err(ApiError::validation(
                "itemIds",
                "请关联 1 至 20 个事项或问题，其全部记录随线索移送",
            ));
        }
        let items = tracked_item::Entity::find()
            .filter(tracked_item::Column::Id.is_in(input.item_ids.clone()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let known = items.iter().filter(|i| actor.can_see(&i.org_path)).count();
        if known != input.item_ids.len() {
            return Err(ApiError::validation(
                "itemIds",
                "关联的事项不存在或不在您的督查范围内",
            ));
        }
        let kind = if input.subject_kind == "UNIT" {
            "UNIT"
        } else {
            "PERSON"
        };
        let id_key = duban_outbox::new_event_id(self.clock.now());
        let txn = self.db.begin().await.map_err(internal)?;
        let row = self
            .refer(
                &txn,
                NewReferral {
                    cause: Cause::Manual,
                    once_key: format!("manual:{id_key}"),
                    subject_kind: kind,
                    subject_id: input.subject_id,
                    unit_id: unit.id.clone(),
                    unit_path: unit.path.clone(),
                    item_ids: input.item_ids,
                    grounds: input.grounds.trim().to_string(),
                    referred_by: actor.person_id.clone(),
                },
            )
            .await?
            .ok_or_else(|| internal("a new referral key was taken"))?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(view(
            row,
            unit.name,
            actor.has(Role::Discipline),
            self.clock.today(),
        ))
    }

    /// Refers what the counties' rules call for, each subject once; returns how many.
    pub async fn refer_by_rules(&self) -> Result<usize, ApiError> {
        let today = self.clock.today();
        let cal = self.calendar_now();
        let quarter = rules::quarter(today);
        let since = rules::quarter_start(today);
        let mut found: Vec<NewReferral> = Vec::new();
        let mut settings: HashMap<String, Settings> = HashMap::new();
        // Only red items and the problems whose category some county refers: the tick runs
        // every minute and must not read every open problem.
        let mut wanted = Condition::any().add(tracked_item::Column::Color.eq("RED"));
        let mut needles: Vec<String> = referral_setting::Entity::find()
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter_map(|r| serde_json::from_str::<Settings>(&r.settings).ok())
            .map(|s| s.falsification_category)
            .chain([Settings::default().falsification_category])
            .filter(|n| !n.trim().is_empty())
            .collect();
        needles.sort();
        needles.dedup();
        for n in needles {
            wanted = wanted.add(tracked_item::Column::Category.contains(n.trim()));
        }
        let carded = tracked_item::Entity::find()
            .filter(open_items())
            .filter(wanted)
            .all(&self.db)
            .await
            .map_err(internal)?;
        for item in carded {
            let s = self.cached_settings(&mut settings, &item.org_path).await?;
            if item.color == "RED"
                && rules::long_red(&s, duban_clock::local_date(&item.color_since), today, &cal)
            {
                let grounds = format!(
                    "「{}」自{}起红牌督办，超过{}个工作日仍未办结",
                    item.title,
                    duban_clock::local_date(&item.color_since).format("%Y年%m月%d日"),
                    s.red_days
                );
                found.push(NewReferral::of_item(Cause::LongRed, "red", &item, grounds));
            }
            if rules::falsified(&s, &item.category) {
                let grounds = format!("台账问题「{}」属{}类问题", item.title, item.category);
                found.push(NewReferral::of_item(
                    Cause::Falsification,
                    "falsified",
                    &item,
                    grounds,
                ));
            }
        }
        let start = duban_clock::start_of(since);
        let mut bad: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for r in rating::Entity::find()
            .filter(rating::Column::Level.lte(2))
            .filter(rating::Column::Appeal.is_in(["NONE", "REFUSED"]))
            .filter(rating::Column::RatedAt.gte(start))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            bad.entry((r.unit_id, r.org_path))
                .or_default()
                .push(r.item_id);
        }
        for ((unit_id, path), items) in bad {
            let s = self.cached_settings(&mut settings, &path).await?;
            if s.bad_ratings_per_quarter == 0 || items.len() < s.bad_ratings_per_quarter as usize {
                continue;
            }
            found.push(NewReferral {
                cause: Cause::BadRatings,
                once_key: format!("ratings:{unit_id}:{quarter}"),
                subject_kind: "UNIT",
                subject_id: unit_id.clone(),
                unit_id,
                unit_path: path,
                grounds: format!("本季度{}条差评经申诉仍维持（或未申诉）", items.len()),
                item_ids: items,
                referred_by: "system".into(),
            });
        }
        let mut passed: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in conduct_entry::Entity::find()
            .filter(conduct_entry::Column::Fact.eq(crate::conduct::Fact::BuckPassing.as_str()))
            .filter(conduct_entry::Column::OnDay.gte(since))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            passed.entry(e.person_id).or_default().push(e.item_id);
        }
        for (person, items) in passed {
            let Some(unit) = self.subject_unit("PERSON", &person).await? else {
                continue;
            };
            let s = self.cached_settings(&mut settings, &unit.path).await?;
            if s.buck_passing_per_quarter == 0 || items.len() < s.buck_passing_per_quarter as usize
            {
                continue;
            }
            found.push(NewReferral {
                cause: Cause::BuckPassing,
                once_key: format!("shirk:{person}:{quarter}"),
                subject_kind: "PERSON",
                subject_id: person,
                unit_id: unit.id,
                unit_path: unit.path,
                grounds: format!("本季度{}次被认定推诿（二次以上转办）", items.len()),
                item_ids: items,
                referred_by: "system".into(),
            });
        }
        let mut n = 0;
        for new in found {
            let txn = self.db.begin().await.map_err(internal)?;
            if self.refer(&txn, new).await?.is_some() {
                n += 1;
            }
            txn.commit().await.map_err(internal)?;
        }
        if n > 0 {
            self.bus.wake.notify_one();
        }
        Ok(n)
    }

    pub(crate) async fn step(
        &self,
        actor: &Actor,
        step: &str,
        input: ReferralStepInput,
    ) -> Result<ReferralView, ApiError> {
        ApiError::forbidden_unless(
            actor.has(Role::Discipline),
            "只有纪检监察机关可以签收和处置线索",
        )?;
        rules::check_note("note", &input.note).map_err(ApiError::from)?;
        let txn = self.db.begin().await.map_err(internal)?;
        let mut r = referral::Entity::find_by_id(input.referral_id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|r| actor.can_see(&r.unit_path))
            .ok_or_else(|| ApiError::NotFound {
                what: "线索".into(),
                id: input.referral_id.clone(),
            })?;
        let settings = self.referral_settings_of(&txn, &r.unit_path).await?;
        let now = self.clock.now();
        let today = self.clock.today();
        let cal = self.calendar_now();
        let stage = stage_of(&r);
        let event = match step {
            "RECEIVE" => {
                rules::may_receive(stage).map_err(ApiError::from)?;
                r.stage = Stage::Received.as_str().into();
                r.received_by = Some(actor.person_id.clone());
                r.received_at = Some(now);
                r.received_on = Some(today);
                // The disposition is chosen within the same time as the receipt.
                r.disposition_due_on = Some(cal.add_working_days(today, settings.receipt_days));
                EvaluationEvent::ReferralReceived {
                    referral_id: r.id.clone(),
                }
            }
            "DISPOSE" => {
                rules::may_dispose(stage).map_err(ApiError::from)?;
                let d = input
                    .disposition
                    .as_deref()
                    .and_then(Disposition::parse)
                    .ok_or_else(|| {
                        ApiError::validation(
                            "disposition",
                            "处置方式须为谈话函询、初步核实、暂存待查或予以了结",
                        )
                    })?;
                let due = cal.add_working_days(today, rules::days_of(&settings, d));
                r.stage = Stage::Disposed.as_str().into();
                r.disposition = Some(d.as_str().into());
                r.disposed_at = Some(now);
                r.disposition_due_on = Some(due);
                EvaluationEvent::ReferralDisposed {
                    referral_id: r.id.clone(),
                    disposition: d.as_str().into(),
                    due_on: due,
                }
            }
            "CONCLUDE" => {
                rules::may_conclude(stage).map_err(ApiError::from)?;
                if let Some(record) = &input.accountability_record_id {
                    let linked =
                        crate::entity::accountability_record::Entity::find_by_id(record.clone())
                            .one(&txn)
                            .await
                            .map_err(internal)?
                            .is_some_and(|a| a.referral_id.as_deref() == Some(r.id.as_str()));
                    if !linked {
                        return Err(ApiError::validation(
                            "accountabilityRecordId",
                            "该问责记录不存在，或不是由此线索作出的",
                        ));
                    }
                }
                r.stage = Stage::Concluded.as_str().into();
                r.concluded_at = Some(now);
                r.concluded_on = Some(today);
                r.accountability_record_id = input.accountability_record_id.clone();
                EvaluationEvent::ReferralConcluded {
                    referral_id: r.id.clone(),
                    accountability_record_id: input.accountability_record_id.clone(),
                }
            }
            _ => return Err(ApiError::validation("step", "未知的处置步骤")),
        };
        let mut notes: Vec<String> = serde_json::from_str(&r.notes).map_err(internal)?;
        if !input.note.trim().is_empty() {
            notes.push(input.note.trim().to_string());
        }
        r.notes = serde_json::to_string(&notes).map_err(internal)?;
        r.version += 1;
        let (id, path, version) = (r.id.clone(), r.unit_path.clone(), r.version);
        let saved = r.clone().into_active_model().reset_all().update(&txn).await;
        saved.map_err(internal)?;
        self.envelope_out(
            &txn,
            &actor.person_id,
            &path,
            &format!("referral:{id}"),
            version,
            vec![event],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        let name = self.unit_names(&[r.unit_id.clone()]).await?;
        let name = name.get(&r.unit_id).cloned().unwrap_or_default();
        Ok(view(r, name, true, today))
    }

    /// Whether the actor reads referrals in `path`, and whether in full.
    fn reads(actor: &Actor, path: &str) -> Option<bool> {
        if actor.has(Role::Discipline) && actor.can_see(path) {
            Some(true)
        } else if actor.has(Role::Supervisor) && actor.can_see(path) {
            Some(false)
        } else {
            None
        }
    }

    async fn referral_views(
        &self,
        actor: &Actor,
        rows: Vec<referral::Model>,
    ) -> Result<Vec<ReferralView>, ApiError> {
        let units: Vec<String> = rows.iter().map(|r| r.unit_id.clone()).collect();
        let names = self.unit_names(&units).await?;
        let today = self.clock.today();
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let full = Self::reads(actor, &r.unit_path)?;
                let name = names.get(&r.unit_id).cloned().unwrap_or_default();
                Some(view(r, name, full, today))
            })
            .collect())
    }

    pub(crate) async fn referral_list(
        &self,
        actor: &Actor,
        open_only: bool,
    ) -> Result<Vec<ReferralView>, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Discipline, Role::Supervisor]),
            "只有纪检监察机关和督查部门可以查看移送线索",
        )?;
        let mut q =
            referral::Entity::find().filter(under(referral::Column::UnitPath, &actor.scope));
        if open_only {
            q = q.filter(referral::Column::Stage.ne(Stage::Concluded.as_str()));
        }
        let rows = q
            .order_by_desc(referral::Column::ReferredAt)
            .limit(200)
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.referral_views(actor, rows).await
    }

    pub(crate) async fn referral_one(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<ReferralView, ApiError> {
        let row = referral::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?;
        let not_found = || ApiError::NotFound {
            what: "线索".into(),
            id: id.to_string(),
        };
        let row = row.ok_or_else(not_found)?;
        self.referral_views(actor, vec![row])
            .await?
            .pop()
            .ok_or_else(not_found)
    }

    pub(crate) async fn figures_of_referrals(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<ReferralFiguresView>, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Discipline, Role::Supervisor])
                && paths.iter().all(|p| actor.can_see(p)),
            "只有本范围的纪检监察机关和督查部门可以查看线索处置情况",
        )?;
        let county = county_of(&actor.unit_path).to_string();
        let rows = referral::Entity::find()
            .filter(under(referral::Column::UnitPath, &format!("/{county}")))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let today = self.clock.today();
        Ok(paths
            .into_iter()
            .map(|path| {
                let mut f = ReferralFiguresView {
                    path,
                    open: 0,
                    overdue: 0,
                    concluded: 0,
                };
                for r in rows.iter().filter(|r| in_subtree(&r.unit_path, &f.path)) {
                    if stage_of(r) == Stage::Concluded {
                        f.concluded += 1;
                    } else {
                        f.open += 1;
                        if rules::overdue(due_of(r).map(|(_, d)| d), today) {
                            f.overdue += 1;
                        }
                    }
                }
                f
            })
            .collect())
    }

    /// Tells the commission of each step due tomorrow (or today) and of each step late,
    /// once each; returns how many reminders.
    pub async fn remind_referrals(&self) -> Result<usize, ApiError> {
        let today = self.clock.today();
        let cal = self.calendar_now();
        let tomorrow = cal.add_working_days(today, 1);
        let open = referral::Entity::find()
            .filter(referral::Column::Stage.ne(Stage::Concluded.as_str()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut n = 0;
        for r in open {
            let Some((step, due)) = due_of(&r) else {
                continue;
            };
            if due > tomorrow {
                continue;
            }
            let late = today > due;
            let key = format!("{step}:{due}:{}", if late { "late" } else { "soon" });
            if r.reminded == key {
                continue;
            }
            let txn = self.db.begin().await.map_err(internal)?;
            let marked = referral::Entity::update_many()
                .col_expr(referral::Column::Reminded, key.clone().into())
                .col_expr(referral::Column::Version, (r.version + 1).into())
                .filter(referral::Column::Id.eq(r.id.clone()))
                .filter(referral::Column::Version.eq(r.version))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if marked.rows_affected == 0 {
                continue;
            }
            self.envelope_out(
                &txn,
                "system",
                &r.unit_path,
                &format!("referral:{}", r.id),
                r.version + 1,
                vec![EvaluationEvent::ReferralDue {
                    referral_id: r.id.clone(),
                    step,
                    due_on: due,
                    overdue: late,
                }],
            )
            .await?;
            txn.commit().await.map_err(internal)?;
            n += 1;
        }
        if n > 0 {
            self.bus.wake.notify_one();
        }
        Ok(n)
    }
}
