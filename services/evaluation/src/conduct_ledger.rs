//! 作风表现台账 read: a cadre's recorded facts over a period (see `conduct_facts`), with
//! their standing accountability records, their unit's 作风体检 results and their
//! commendations in published assessments, in the county's categories (which it may set).

use crate::accountability::CRITICISM;
use crate::conduct::{Categories, Fact};
use crate::entity::{
    accountability_record, assessment, conduct_category, conduct_entry, org_unit_copy, person_copy,
    rating,
};
use crate::service::{internal, EvaluationService};
use duban_api::{
    ApiError, ConductCategoriesView, ConductLedgerView, ConductLineView, KindCategory,
};
use duban_auth::{in_subtree, Actor};
use duban_schema::Role;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};

impl From<Categories> for ConductCategoriesView {
    fn from(c: Categories) -> Self {
        Self {
            categories: c.names,
            kinds: c
                .kinds
                .into_iter()
                .map(|(kind, category)| KindCategory { kind, category })
                .collect(),
        }
    }
}

impl EvaluationService {
    /// `entries` with their facts, less each 差评 an upheld appeal took out (a rating's
    /// entry id starts with the rating's id): what the ledger and the figures count.
    pub(crate) async fn standing_entries(
        &self,
        entries: Vec<conduct_entry::Model>,
    ) -> Result<Vec<(Fact, conduct_entry::Model)>, ApiError> {
        let rating_of = |e: &conduct_entry::Model| e.id.split(':').next().unwrap_or("").to_string();
        let bad: Vec<String> = entries
            .iter()
            .filter(|e| e.fact == Fact::BadRating.as_str())
            .map(rating_of)
            .collect();
        let upheld: std::collections::HashSet<String> = rating::Entity::find()
            .filter(rating::Column::Id.is_in(bad))
            .filter(rating::Column::Appeal.eq(crate::rating::Appeal::Upheld.as_str()))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|r| r.id)
            .collect();
        Ok(entries
            .into_iter()
            .filter_map(|e| Some((Fact::parse(&e.fact)?, e)))
            .filter(|(f, e)| !(*f == Fact::BadRating && upheld.contains(&rating_of(e))))
            .collect())
    }

    /// The categories of the county of `path`: its own, or seed 003's four.
    async fn categories_of(&self, path: &str) -> Result<Categories, ApiError> {
        let stored =
            conduct_category::Entity::find_by_id(crate::service::county_of(path).to_string())
                .one(&self.db)
                .await
                .map_err(internal)?;
        Ok(match stored {
            Some(s) => serde_json::from_str(&s.categories).map_err(internal)?,
            None => Categories::default(),
        })
    }

    pub(crate) async fn conduct_categories_for(
        &self,
        actor: &Actor,
    ) -> Result<ConductCategoriesView, ApiError> {
        Ok(self.categories_of(&actor.unit_path).await?.into())
    }

    pub(crate) async fn set_categories(
        &self,
        actor: &Actor,
        v: ConductCategoriesView,
    ) -> Result<ConductCategoriesView, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Supervisor, Role::Admin]),
            "只有督查部门或系统管理员可以设置台账类别",
        )?;
        let c = Categories {
            names: v
                .categories
                .into_iter()
                .map(|n| n.trim().to_string())
                .collect(),
            kinds: v
                .kinds
                .into_iter()
                .map(|k| (k.kind, k.category.trim().to_string()))
                .collect(),
        };
        c.check().map_err(ApiError::from)?;
        let row = conduct_category::Model {
            county: crate::service::county_of(&actor.unit_path).to_string(),
            categories: serde_json::to_string(&c).map_err(internal)?,
            changed_by: actor.person_id.clone(),
        };
        duban_outbox::db::upsert(
            &self.db,
            [row.into_active_model()],
            [conduct_category::Column::County],
            [
                conduct_category::Column::Categories,
                conduct_category::Column::ChangedBy,
            ],
        )
        .await
        .map_err(internal)?;
        Ok(c.into())
    }

    pub(crate) async fn ledger_of(
        &self,
        actor: &Actor,
        person_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<ConductLedgerView, ApiError> {
        if to < from || to > from + chrono::Days::new(5 * 366) {
            return Err(ApiError::validation(
                "to",
                "台账期间须在五年以内，且结束不早于开始",
            ));
        }
        let person = person_copy::Entity::find_by_id(person_id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?;
        let unit = match &person {
            Some(p) => org_unit_copy::Entity::find_by_id(p.unit_id.clone())
                .one(&self.db)
                .await
                .map_err(internal)?,
            None => None,
        };
        let (Some(person), Some(unit)) = (person, unit) else {
            return Err(ApiError::not_found("干部", person_id));
        };
        let may = actor.person_id == person.person_id
            || person.supervising_leader_id.as_deref() == Some(actor.person_id.as_str())
            || (actor.has(Role::UnitLeader) && in_subtree(&unit.path, &actor.unit_path))
            || (actor.has_any(&[Role::Discipline, Role::Supervisor, Role::Admin])
                && actor.can_see(&unit.path));
        ApiError::forbidden_unless(
            may,
            "只能查看本人、所领导单位干部或监督范围内干部的作风表现台账",
        )?;
        let cats = self.categories_of(&unit.path).await?;
        let mut lines = Vec::new();
        let entries = conduct_entry::Entity::find()
            .filter(conduct_entry::Column::PersonId.eq(person_id))
            .filter(conduct_entry::Column::OnDay.between(from, to))
            .order_by_asc(conduct_entry::Column::OnDay)
            .all(&self.db)
            .await
            .map_err(internal)?;
        for (fact, e) in self.standing_entries(entries).await? {
            lines.push(ConductLineView {
                category: cats.of(fact.as_str()).into(),
                on: e.on_day,
                what: fact.label().into(),
                text: e.text,
                item_id: Some(e.item_id),
            });
        }
        let records = accountability_record::Entity::find()
            .filter(accountability_record::Column::SubjectKind.eq("PERSON"))
            .filter(accountability_record::Column::SubjectId.eq(person_id))
            .filter(accountability_record::Column::DecidedOn.between(from, to))
            .all(&self.db)
            .await
            .map_err(internal)?;
        for r in records.iter().filter(|r| {
            !records
                .iter()
                .any(|c| c.supersedes.as_deref() == Some(r.id.as_str()))
        }) {
            let number = r
                .document_number
                .as_deref()
                .filter(|_| r.form == CRITICISM)
                .map(|n| format!("（{n}）"))
                .unwrap_or_default();
            lines.push(ConductLineView {
                category: cats.of("ACCOUNTABILITY").into(),
                on: r.decided_on,
                what: format!("{}{number}", r.form),
                text: format!("{}：{}", r.decided_by, r.grounds),
                item_id: None,
            });
        }
        let (start, end) = (
            duban_clock::start_of(from),
            duban_clock::start_of(to + chrono::Days::new(1)),
        );
        for round in self.closed_rounds(from, to).await? {
            let Some(closed) = round.closed_at.map(|c| duban_clock::local_date(&c)) else {
                continue;
            };
            let results: Vec<crate::review::UnitResult> =
                crate::assessment_figures::results_of(&round.results)?;
            let ids: Vec<String> = results.iter().map(|u| u.unit_id.clone()).collect();
            let units = self.units(&ids).await?;
            for u in &results {
                let Some(ru) = units.get(&u.unit_id) else {
                    continue;
                };
                if !in_subtree(&unit.path, &ru.path) {
                    continue;
                }
                lines.push(ConductLineView {
                    category: cats.of("REVIEW").into(),
                    on: closed,
                    what: format!("{}作风体检", round.month),
                    text: format!(
                        "{}得分{}，第{}名",
                        ru.name,
                        u.total.map(|t| t.to_string()).unwrap_or_else(|| "—".into()),
                        u.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into())
                    ),
                    item_id: None,
                });
            }
        }
        for a in assessment::Entity::find()
            .filter(assessment::Column::Status.eq("PUBLISHED"))
            .filter(assessment::Column::PublishedAt.gte(start))
            .filter(assessment::Column::PublishedAt.lt(end))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            if !in_subtree(&unit.path, &a.scope_path) {
                continue;
            }
            let (Some(result), Some(on)) = (a.result, a.published_at) else {
                continue;
            };
            let view: duban_api::AssessmentView =
                serde_json::from_str(&result).map_err(internal)?;
            let Some(me) = view
                .people
                .iter()
                .find(|p| p.subject_id == person.person_id)
            else {
                continue;
            };
            let on = duban_clock::local_date(&on);
            let category = cats.of("COMMENDATION").to_string();
            if me.selected {
                lines.push(ConductLineView {
                    category: category.clone(),
                    on,
                    what: "年度考核先进工作者".into(),
                    text: format!(
                        "{}{}年度考核，综合得分{}，第{}名",
                        view.scope_name,
                        view.year,
                        me.composite.as_deref().unwrap_or("—"),
                        me.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into())
                    ),
                    item_id: None,
                });
            }
            for adj in me.adjustments.iter().filter(|x| !x.points.starts_with('-')) {
                lines.push(ConductLineView {
                    category: category.clone(),
                    on,
                    what: "考核加分".into(),
                    text: format!("{}（加{}分）", adj.reason, adj.points),
                    item_id: None,
                });
            }
        }
        lines.sort_by_key(|l| l.on);
        let counts = cats
            .names
            .iter()
            .map(|c| {
                (
                    c.to_string(),
                    lines.iter().filter(|l| l.category == *c).count() as u64,
                )
            })
            .collect();
        Ok(ConductLedgerView {
            person_id: person.person_id,
            unit_id: unit.id,
            unit_name: unit.name,
            from,
            to,
            lines,
            counts,
        })
    }
}
