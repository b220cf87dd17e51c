//! 年度考核 kept: a supervisor opens a year of a scope naming the 考评组; its members enter
//! 述职 scores, overrides and bonus/penalty points with reasons, 甄别 and tie choices (each
//! an event, never edited); the supervisor publishes once nothing is pending, and the
//! result is frozen. Each county sets its weights, quotas and tie rule.

use crate::assessment::{self as rules, Indicator, QuotaRounding, Settings, TieRule};
use crate::assessment_figures::EXCLUDED;
use crate::entity::{assessment, assessment_entry, assessment_setting, person_copy};
use crate::review::Rounding;
use crate::service::{county_of, internal, under, EvaluationService};
use duban_api::{
    ApiError, AssessmentEntryInput, AssessmentMarkView, AssessmentSettings, AssessmentView,
    IndicatorWeight, OpenAssessmentInput,
};
use duban_auth::{in_subtree, Actor};
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::Role;
use duban_schema::WireName;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

const OPEN: &str = "OPEN";
const PUBLISHED: &str = "PUBLISHED";

fn wire<T: serde::Serialize>(t: &T) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn parse<T: serde::de::DeserializeOwned>(field: &'static str, s: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| ApiError::validation(field, format!("不支持的取值：{s}")))
}

impl From<&Settings> for AssessmentSettings {
    fn from(s: &Settings) -> Self {
        Self {
            weights: s
                .weights
                .iter()
                .map(|(i, w)| IndicatorWeight {
                    indicator: i.as_str().into(),
                    weight: *w,
                })
                .collect(),
            person_quota_pct: s.person_quota_pct,
            unit_quota_pct: s.unit_quota_pct,
            quota_rounding: wire(&s.quota_rounding),
            tie_rule: wire(&s.tie_rule),
            yellow_card_points: s.yellow_card_points,
            red_card_points: s.red_card_points,
            half_up: s.rounding == Rounding::HalfUp,
        }
    }
}

fn settings_of(v: AssessmentSettings) -> Result<Settings, ApiError> {
    let mut weights = Vec::new();
    for w in v.weights {
        let i = Indicator::parse(&w.indicator)
            .ok_or_else(|| ApiError::validation("weights", "未知的考核指标"))?;
        weights.push((i, w.weight));
    }
    let s = Settings {
        weights,
        person_quota_pct: v.person_quota_pct,
        unit_quota_pct: v.unit_quota_pct,
        quota_rounding: parse::<QuotaRounding>("quotaRounding", &v.quota_rounding)?,
        tie_rule: parse::<TieRule>("tieRule", &v.tie_rule)?,
        yellow_card_points: v.yellow_card_points,
        red_card_points: v.red_card_points,
        rounding: if v.half_up {
            Rounding::HalfUp
        } else {
            Rounding::Gbt8170
        },
    };
    rules::check_settings(&s).map_err(ApiError::from)?;
    Ok(s)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("年度考核", id)
}

fn ids(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

impl EvaluationService {
    async fn assessment_rules(&self, path: &str) -> Result<Settings, ApiError> {
        let stored = assessment_setting::Entity::find_by_id(county_of(path).to_string())
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(match stored {
            Some(s) => serde_json::from_str(&s.settings).map_err(internal)?,
            None => Settings::default(),
        })
    }

    pub(crate) async fn assessment_settings_for(
        &self,
        actor: &Actor,
    ) -> Result<AssessmentSettings, ApiError> {
        Ok((&self.assessment_rules(&actor.unit_path).await?).into())
    }

    pub(crate) async fn set_assessment_rules(
        &self,
        actor: &Actor,
        settings: AssessmentSettings,
    ) -> Result<AssessmentSettings, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Supervisor, Role::Admin]),
            "只有督查部门或系统管理员可以设置年度考核规则",
        )?;
        let s = settings_of(settings)?;
        let row = assessment_setting::Model {
            county: county_of(&actor.unit_path).to_string(),
            settings: serde_json::to_string(&s).map_err(internal)?,
            changed_by: actor.person_id.clone(),
        };
        duban_outbox::db::upsert(
            &self.db,
            [row.into_active_model()],
            [assessment_setting::Column::County],
            [
                assessment_setting::Column::Settings,
                assessment_setting::Column::ChangedBy,
            ],
        )
        .await
        .map_err(internal)?;
        Ok((&s).into())
    }

    pub(crate) async fn open_year(
        &self,
        actor: &Actor,
        input: OpenAssessmentInput,
    ) -> Result<AssessmentView, ApiError> {
        ApiError::forbidden_unless(
            actor.has(Role::Supervisor) && !actor.has(Role::Discipline),
            "只有督查部门可以组织年度考核",
        )?;
        let scope = self
            .units(std::slice::from_ref(&input.scope_unit_id))
            .await?
            .remove(&input.scope_unit_id)
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| {
                ApiError::validation("scopeUnitId", "考核范围不存在或不在您的督查范围内")
            })?;
        let today = self.clock.today();
        if input.year < chrono::Datelike::year(&today) - 1
            || input.year > chrono::Datelike::year(&today)
        {
            return Err(ApiError::validation("year", "只能组织今年或上一年度的考核"));
        }
        let unit_ids = match input.unit_ids {
            Some(u) => u,
            None => crate::entity::org_unit_copy::Entity::find()
                .filter(crate::entity::org_unit_copy::Column::ParentId.eq(scope.id.clone()))
                .order_by_asc(crate::entity::org_unit_copy::Column::Path)
                .all(&self.db)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|u| u.id)
                .collect(),
        };
        let known = self.units(&unit_ids).await?;
        if unit_ids.is_empty()
            || unit_ids.len() > 200
            || unit_ids.iter().any(|u| {
                !known
                    .get(u)
                    .is_some_and(|k| in_subtree(&k.path, &scope.path) && k.path != scope.path)
            })
        {
            return Err(ApiError::validation(
                "unitIds",
                "参评科室须为考核范围内的 1 至 200 个下级单位",
            ));
        }
        let mut panel = input.panel_ids.clone();
        panel.sort();
        panel.dedup();
        let members = person_copy::Entity::find()
            .filter(person_copy::Column::PersonId.is_in(panel.clone()))
            .count(&self.db)
            .await
            .map_err(internal)? as usize;
        if panel.is_empty() || panel.len() > 30 || members != panel.len() {
            return Err(ApiError::validation(
                "panelIds",
                "考评组须由 1 至 30 名本县干部组成",
            ));
        }
        let now = self.clock.now();
        let id = duban_outbox::new_event_id(now).to_string();
        let row = assessment::Model {
            id: id.clone(),
            scope_unit_id: scope.id.clone(),
            scope_path: scope.path.clone(),
            year: input.year,
            unit_ids: serde_json::to_string(&unit_ids).map_err(internal)?,
            panel_ids: serde_json::to_string(&panel).map_err(internal)?,
            status: OPEN.into(),
            opened_by: actor.person_id.clone(),
            opened_at: now,
            published_at: None,
            result: None,
            version: 1,
        };
        let txn = self.db.begin().await.map_err(internal)?;
        let taken = assessment::Entity::find()
            .filter(assessment::Column::ScopeUnitId.eq(scope.id.clone()))
            .filter(assessment::Column::Year.eq(input.year))
            .count(&txn)
            .await
            .map_err(internal)?;
        if taken > 0 {
            return Err(ApiError::validation("year", "该范围本年度的考核已经组织"));
        }
        row.clone()
            .into_active_model()
            .insert(&txn)
            .await
            .map_err(internal)?;
        self.envelope_out(
            &txn,
            &actor.person_id,
            &scope.path,
            &format!("assessment:{id}"),
            1,
            vec![EvaluationEvent::AssessmentOpened {
                assessment_id: id.clone(),
                scope_unit_id: scope.id.clone(),
                year: input.year,
                unit_ids,
                panel_ids: panel,
            }],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.assessment_view(actor, row).await
    }

    async fn load_assessment(&self, id: &str) -> Result<assessment::Model, ApiError> {
        assessment::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found(id))
    }

    pub(crate) async fn enter(
        &self,
        actor: &Actor,
        input: AssessmentEntryInput,
    ) -> Result<AssessmentView, ApiError> {
        let a = self.load_assessment(&input.assessment_id).await?;
        ApiError::forbidden_unless(
            ids(&a.panel_ids).contains(&actor.person_id) && !actor.has(Role::Discipline),
            "只有考评组成员可以录入考核意见",
        )?;
        if a.status != OPEN {
            return Err(ApiError::validation(
                "assessmentId",
                "考核结果已经公布，不能再录入",
            ));
        }
        let kind = input.kind.as_str();
        if !["PERSON", "UNIT"].contains(&input.subject_kind.as_str()) {
            return Err(ApiError::validation(
                "subjectKind",
                "对象须为 PERSON 或 UNIT",
            ));
        }
        let value = match (kind, input.value.as_deref()) {
            ("REPORT" | "OVERRIDE" | "BONUS" | "PENALTY", Some(v)) => {
                let d: Decimal = v
                    .parse()
                    .map_err(|_| ApiError::validation("value", "分值须为数字"))?;
                rules::check_entry(d, &input.reason, kind != "REPORT").map_err(ApiError::from)?;
                Some(d)
            }
            ("REPORT" | "OVERRIDE" | "BONUS" | "PENALTY", None) => {
                return Err(ApiError::validation("value", "请填写分值"));
            }
            ("SCREENING" | "TIE", _) => {
                rules::check_entry(Decimal::ZERO, &input.reason, true).map_err(ApiError::from)?;
                None
            }
            _ => return Err(ApiError::validation("kind", "未知的录入类型")),
        };
        if kind == "OVERRIDE"
            && input
                .indicator
                .as_deref()
                .and_then(Indicator::parse)
                .is_none()
        {
            return Err(ApiError::validation("indicator", "请指明调整的考核指标"));
        }
        if kind == "SCREENING" && input.own_fault.is_none() {
            return Err(ApiError::validation(
                "ownFault",
                "请写明甄别结论：是否属本人责任",
            ));
        }
        let s = self.assessment_rules(&a.scope_path).await?;
        let computed = self.compute_assessment(&a, &s).await?;
        let rows = if input.subject_kind == "PERSON" {
            &computed.people
        } else {
            &computed.units
        };
        let subject = input.subject_id.clone().unwrap_or_default();
        if kind == "TIE" {
            let Some(tie) = computed
                .ties
                .iter()
                .find(|t| t.subject_kind == input.subject_kind)
            else {
                return Err(ApiError::validation("chosenIds", "当前没有待定的并列名次"));
            };
            let chosen = &input.chosen_ids;
            if chosen.len() != tie.places as usize
                || chosen.iter().any(|c| !tie.tied_ids.contains(c))
            {
                return Err(ApiError::validation(
                    "chosenIds",
                    format!(
                        "请从并列的 {} 个中确定 {} 个名额",
                        tie.tied_ids.len(),
                        tie.places
                    ),
                ));
            }
        } else {
            let row = rows
                .iter()
                .find(|r| r.subject_id == subject)
                .ok_or_else(|| ApiError::validation("subjectId", "该对象不在本次考核范围内"))?;
            if kind == "SCREENING" && row.grounds.is_empty() {
                return Err(ApiError::validation(
                    "subjectId",
                    "该对象本年度没有问责或通报记录，无需甄别",
                ));
            }
        }
        let now = self.clock.now();
        let entry = assessment_entry::Model {
            id: duban_outbox::new_event_id(now).to_string(),
            assessment_id: a.id.clone(),
            kind: kind.into(),
            subject_kind: input.subject_kind.clone(),
            subject_id: subject.clone(),
            indicator: input.indicator.clone().filter(|_| kind == "OVERRIDE"),
            value: value.map(|v| v.to_string()),
            own_fault: input.own_fault.filter(|_| kind == "SCREENING"),
            chosen_ids: serde_json::to_string(&input.chosen_ids).map_err(internal)?,
            reason: input.reason.trim().to_string(),
            entered_by: actor.person_id.clone(),
            entered_at: now,
        };
        let txn = self.db.begin().await.map_err(internal)?;
        let bumped = assessment::Entity::update_many()
            .col_expr(assessment::Column::Version, (a.version + 1).into())
            .filter(assessment::Column::Id.eq(a.id.clone()))
            .filter(assessment::Column::Version.eq(a.version))
            .filter(assessment::Column::Status.eq(OPEN))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if bumped.rows_affected == 0 {
            return Err(ApiError::VersionConflict {
                expected: a.version,
                actual: a.version + 1,
            });
        }
        entry
            .clone()
            .into_active_model()
            .insert(&txn)
            .await
            .map_err(internal)?;
        self.envelope_out(
            &txn,
            &actor.person_id,
            &a.scope_path,
            &format!("assessment:{}", a.id),
            a.version + 1,
            vec![EvaluationEvent::AssessmentEntered {
                assessment_id: a.id.clone(),
                kind: entry.kind,
                subject_kind: entry.subject_kind,
                subject_id: entry.subject_id,
                indicator: entry.indicator,
                value: entry.value,
                own_fault: entry.own_fault,
                chosen_ids: input.chosen_ids,
                reason: entry.reason,
            }],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        let a = self.load_assessment(&a.id).await?;
        self.assessment_view(actor, a).await
    }

    pub(crate) async fn publish(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<AssessmentView, ApiError> {
        let a = self.load_assessment(id).await?;
        ApiError::forbidden_unless(
            actor.has(Role::Supervisor)
                && !actor.has(Role::Discipline)
                && actor.can_see(&a.scope_path),
            "只有本范围的督查部门可以公布考核结果",
        )?;
        if a.status != OPEN {
            return Err(ApiError::validation("id", "考核结果已经公布"));
        }
        let s = self.assessment_rules(&a.scope_path).await?;
        let c = self.compute_assessment(&a, &s).await?;
        if !c.pending.is_empty() {
            return Err(ApiError::validation(
                "id",
                format!("尚有事项待考评组办理：{}", c.pending.join("；")),
            ));
        }
        let mut view = self.assessed_view(&a, &s, c).await?;
        let now = self.clock.now();
        view.status = PUBLISHED.into();
        view.published_at = Some(now);
        let exclusions = view
            .people
            .iter()
            .chain(&view.units)
            .filter(|r| r.eligibility == EXCLUDED)
            .map(|r| {
                (
                    r.subject_kind.clone(),
                    r.subject_id.clone(),
                    r.grounds.join("；"),
                )
            })
            .collect();
        let chosen = |rows: &[duban_api::AssessedView]| -> Vec<String> {
            rows.iter()
                .filter(|r| r.selected)
                .map(|r| r.subject_id.clone())
                .collect()
        };
        let txn = self.db.begin().await.map_err(internal)?;
        let done = assessment::Entity::update_many()
            .col_expr(assessment::Column::Status, PUBLISHED.into())
            .col_expr(assessment::Column::PublishedAt, now.into())
            .col_expr(
                assessment::Column::Result,
                Some(serde_json::to_string(&view).map_err(internal)?).into(),
            )
            .col_expr(assessment::Column::Version, (a.version + 1).into())
            .filter(assessment::Column::Id.eq(a.id.clone()))
            .filter(assessment::Column::Version.eq(a.version))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if done.rows_affected == 0 {
            return Err(ApiError::VersionConflict {
                expected: a.version,
                actual: a.version + 1,
            });
        }
        self.envelope_out(
            &txn,
            &actor.person_id,
            &a.scope_path,
            &format!("assessment:{}", a.id),
            a.version + 1,
            vec![EvaluationEvent::AssessmentPublished {
                assessment_id: a.id.clone(),
                scope_unit_id: a.scope_unit_id.clone(),
                year: a.year,
                advanced_people: chosen(&view.people),
                advanced_units: chosen(&view.units),
                exclusions,
            }],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(view)
    }

    /// Whether the actor oversees `a` (reads it whole at any time).
    fn oversees(actor: &Actor, a: &assessment::Model) -> bool {
        ids(&a.panel_ids).contains(&actor.person_id)
            || (actor.has_any(&[Role::Supervisor, Role::Discipline, Role::Admin])
                && actor.can_see(&a.scope_path))
    }

    async fn assessed_view(
        &self,
        a: &assessment::Model,
        s: &Settings,
        c: crate::assessment_figures::Computed,
    ) -> Result<AssessmentView, ApiError> {
        let scope_name = self
            .unit_names(std::slice::from_ref(&a.scope_unit_id))
            .await?
            .remove(&a.scope_unit_id)
            .unwrap_or_default();
        Ok(AssessmentView {
            id: a.id.clone(),
            scope_unit_id: a.scope_unit_id.clone(),
            scope_name,
            year: a.year,
            status: a.status.clone(),
            panel_ids: ids(&a.panel_ids),
            settings: s.into(),
            person_places: c.person_places as u32,
            unit_places: c.unit_places as u32,
            people: c.people,
            units: c.units,
            ties: c.ties,
            pending: c.pending,
            published_at: a.published_at,
        })
    }

    async fn assessment_view(
        &self,
        actor: &Actor,
        a: assessment::Model,
    ) -> Result<AssessmentView, ApiError> {
        let whole = Self::oversees(actor, &a);
        if let Some(result) = &a.result {
            if !whole
                && !actor.can_see(&a.scope_path)
                && !in_subtree(&actor.unit_path, &a.scope_path)
            {
                return Err(not_found(&a.id));
            }
            let mut v: AssessmentView = serde_json::from_str(result).map_err(internal)?;
            if !whole {
                for r in v.people.iter_mut().chain(v.units.iter_mut()) {
                    r.grounds.clear();
                    r.adjustments.clear();
                }
            }
            return Ok(v);
        }
        ApiError::forbidden_unless(
            whole,
            "考核结果公布前，只有考评组和督查、纪检、管理人员可以查看",
        )?;
        let s = self.assessment_rules(&a.scope_path).await?;
        let c = self.compute_assessment(&a, &s).await?;
        self.assessed_view(&a, &s, c).await
    }

    pub(crate) async fn assessment_one(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<AssessmentView, ApiError> {
        let a = self.load_assessment(id).await?;
        self.assessment_view(actor, a).await
    }

    pub(crate) async fn assessment_list(
        &self,
        actor: &Actor,
    ) -> Result<Vec<AssessmentView>, ApiError> {
        let county = county_of(&actor.unit_path).to_string();
        let rows = assessment::Entity::find()
            .filter(under(assessment::Column::ScopePath, &format!("/{county}")))
            .order_by_desc(assessment::Column::OpenedAt)
            .limit(50)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|a| {
                Self::oversees(actor, a)
                    || (a.status == PUBLISHED
                        && (actor.can_see(&a.scope_path)
                            || in_subtree(&actor.unit_path, &a.scope_path)))
            })
            .collect();
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // One county's years: its rules and the scopes' names are read once for all.
        let s = self.assessment_rules(&format!("/{county}")).await?;
        let scopes: Vec<String> = rows.iter().map(|a| a.scope_unit_id.clone()).collect();
        let names = self.unit_names(&scopes).await?;
        let mut out = Vec::new();
        for a in rows {
            let scope_name = names.get(&a.scope_unit_id).cloned().unwrap_or_default();
            out.push(AssessmentView {
                id: a.id.clone(),
                scope_unit_id: a.scope_unit_id.clone(),
                scope_name,
                year: a.year,
                status: a.status.clone(),
                panel_ids: ids(&a.panel_ids),
                settings: (&s).into(),
                person_places: 0,
                unit_places: 0,
                people: Vec::new(),
                units: Vec::new(),
                ties: Vec::new(),
                pending: Vec::new(),
                published_at: a.published_at,
            });
        }
        Ok(out)
    }

    pub(crate) async fn marks(
        &self,
        actor: &Actor,
        paths: Vec<String>,
    ) -> Result<Vec<Option<AssessmentMarkView>>, ApiError> {
        ApiError::forbidden_unless(
            paths.iter().all(|p| actor.can_see(p)),
            "只能查看本范围的考核结果",
        )?;
        let county = county_of(&actor.unit_path).to_string();
        let published: Vec<AssessmentView> = assessment::Entity::find()
            .filter(assessment::Column::Status.eq(PUBLISHED))
            .filter(under(assessment::Column::ScopePath, &format!("/{county}")))
            .order_by_desc(assessment::Column::Year)
            .order_by_desc(assessment::Column::PublishedAt)
            .limit(20)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter_map(|a| a.result.and_then(|r| serde_json::from_str(&r).ok()))
            .collect();
        let units = self.unit_paths(&county).await?;
        Ok(paths
            .into_iter()
            .map(|path| {
                published.iter().find_map(|v| {
                    let row = v
                        .units
                        .iter()
                        .find(|u| units.get(&u.subject_id) == Some(&path))?;
                    Some(AssessmentMarkView {
                        path: path.clone(),
                        year: v.year,
                        composite: row.composite.clone(),
                        rank: row.rank,
                        selected: row.selected,
                        excluded: row.eligibility == EXCLUDED,
                    })
                })
            })
            .collect())
    }

    /// Every unit's path, by id.
    async fn unit_paths(
        &self,
        county: &str,
    ) -> Result<std::collections::HashMap<String, String>, ApiError> {
        use crate::entity::org_unit_copy::Column;
        Ok(crate::entity::org_unit_copy::Entity::find()
            .filter(under(Column::Path, &format!("/{county}")))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| (u.id, u.path))
            .collect())
    }
}
