//! 追责问责 kept: DISCIPLINE records a decision on a person or a unit of its county, with its
//! event (the person and the unit's leaders are told); nothing is edited or deleted — a
//! correction is a new record that supersedes one, once; each county may set its forms.

use crate::accountability::{self as rules, Draft, DEFAULT_FORMS};
use crate::entity::{accountability_form, accountability_record, org_unit_copy, person_copy};
use crate::service::{county_of, internal, under, EvaluationService};
use duban_api::{AccountabilityView, ApiError, RecordAccountabilityInput};
use duban_auth::{in_subtree, Actor};
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;

const PERSON: &str = "PERSON";
const UNIT: &str = "UNIT";

fn view(
    r: accountability_record::Model,
    unit_name: String,
    by: Option<String>,
) -> AccountabilityView {
    AccountabilityView {
        item_ids: serde_json::from_str(&r.item_ids).unwrap_or_default(),
        id: r.id,
        subject_kind: r.subject_kind,
        subject_id: r.subject_id,
        unit_id: r.unit_id,
        unit_name,
        form: r.form,
        grounds: r.grounds,
        referral_id: r.referral_id,
        decided_on: r.decided_on,
        decided_by: r.decided_by,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
        supersedes: r.supersedes,
        superseded_by: by,
        document_number: r.document_number,
    }
}

impl EvaluationService {
    /// The forms of the county of `path`: its own list, or the default.
    async fn forms_of(&self, path: &str) -> Result<Vec<String>, ApiError> {
        let stored = accountability_form::Entity::find_by_id(county_of(path).to_string())
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(match stored {
            Some(s) => serde_json::from_str(&s.forms).map_err(internal)?,
            None => DEFAULT_FORMS.map(String::from).into(),
        })
    }

    pub(crate) async fn forms(&self, actor: &Actor) -> Result<Vec<String>, ApiError> {
        self.forms_of(&actor.unit_path).await
    }

    pub(crate) async fn set_forms(
        &self,
        actor: &Actor,
        forms: Vec<String>,
    ) -> Result<Vec<String>, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Discipline, Role::Admin]),
            "只有纪检监察或系统管理员可以设置问责形式",
        )?;
        let forms: Vec<String> = forms.into_iter().map(|f| f.trim().to_string()).collect();
        rules::check_forms(&forms).map_err(ApiError::from)?;
        let row = accountability_form::Model {
            county: county_of(&actor.unit_path).to_string(),
            forms: serde_json::to_string(&forms).map_err(internal)?,
            changed_by: actor.person_id.clone(),
        };
        duban_outbox::db::upsert(
            &self.db,
            [row.into_active_model()],
            [accountability_form::Column::County],
            [
                accountability_form::Column::Forms,
                accountability_form::Column::ChangedBy,
            ],
        )
        .await
        .map_err(internal)?;
        Ok(forms)
    }

    /// The unit a record is on: the unit itself, or the person's.
    pub(crate) async fn subject_unit(
        &self,
        kind: &str,
        id: &str,
    ) -> Result<Option<org_unit_copy::Model>, ApiError> {
        let unit_id = match kind {
            UNIT => Some(id.to_string()),
            PERSON => person_copy::Entity::find_by_id(id.to_string())
                .one(&self.db)
                .await
                .map_err(internal)?
                .map(|p| p.unit_id),
            _ => {
                return Err(ApiError::validation(
                    "subjectKind",
                    "问责对象须为 PERSON（个人）或 UNIT（单位）",
                ))
            }
        };
        let Some(unit_id) = unit_id else {
            return Ok(None);
        };
        org_unit_copy::Entity::find_by_id(unit_id)
            .one(&self.db)
            .await
            .map_err(internal)
    }

    pub(crate) async fn record(
        &self,
        actor: &Actor,
        input: RecordAccountabilityInput,
    ) -> Result<AccountabilityView, ApiError> {
        ApiError::forbidden_unless(
            actor.has(Role::Discipline),
            "只有纪检监察机关可以记录追责问责",
        )?;
        let unit = self
            .subject_unit(&input.subject_kind, &input.subject_id)
            .await?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| {
                ApiError::validation("subjectId", "问责对象不存在或不在您的监督范围内")
            })?;
        let forms = self.forms_of(&unit.path).await?;
        let draft = Draft {
            form: input.form.trim(),
            grounds: &input.grounds,
            decided_by: &input.decided_by,
            decided_on: input.decided_on,
            item_ids: &input.item_ids,
            document_number: input.document_number.as_deref(),
        };
        rules::check(&draft, &forms, self.clock.today()).map_err(ApiError::from)?;
        let txn = self.db.begin().await.map_err(internal)?;
        if let Some(old) = &input.supersedes {
            let stands = accountability_record::Entity::find_by_id(old.clone())
                .one(&txn)
                .await
                .map_err(internal)?
                .filter(|o| {
                    o.subject_kind == input.subject_kind && o.subject_id == input.subject_id
                });
            if stands.is_none() {
                return Err(ApiError::validation(
                    "supersedes",
                    "被更正的记录不存在，或不是同一问责对象的记录",
                ));
            }
            let corrected = accountability_record::Entity::find()
                .filter(accountability_record::Column::Supersedes.eq(old.clone()))
                .count(&txn)
                .await
                .map_err(internal)?;
            if corrected > 0 {
                return Err(ApiError::validation(
                    "supersedes",
                    "该记录已被更正，请更正最新的记录",
                ));
            }
        }
        let now = self.clock.now();
        let id = duban_outbox::new_event_id(now).to_string();
        let row = accountability_record::Model {
            id: id.clone(),
            subject_kind: input.subject_kind.clone(),
            subject_id: input.subject_id.clone(),
            unit_id: unit.id.clone(),
            unit_path: unit.path.clone(),
            form: draft.form.to_string(),
            grounds: input.grounds.trim().to_string(),
            item_ids: serde_json::to_string(&input.item_ids).map_err(internal)?,
            referral_id: input.referral_id.clone(),
            decided_on: input.decided_on,
            decided_by: input.decided_by.trim().to_string(),
            recorded_by: actor.person_id.clone(),
            recorded_at: now,
            supersedes: input.supersedes.clone(),
            document_number: input
                .document_number
                .as_deref()
                .map(|n| n.trim().to_string()),
        };
        row.clone()
            .into_active_model()
            .insert(&txn)
            .await
            .map_err(internal)?;
        let event = EvaluationEvent::AccountabilityRecorded {
            record_id: id.clone(),
            subject_kind: row.subject_kind.clone(),
            subject_id: row.subject_id.clone(),
            unit_id: row.unit_id.clone(),
            form: row.form.clone(),
            grounds: row.grounds.clone(),
            decided_on: row.decided_on,
            decided_by: row.decided_by.clone(),
            supersedes: row.supersedes.clone(),
            document_number: row.document_number.clone(),
        };
        self.envelope_out(
            &txn,
            &actor.person_id,
            &unit.path,
            &format!("accountability:{id}"),
            1,
            vec![event],
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(view(row, unit.name, None))
    }

    /// Whether the actor may read a record on `subject` in the unit at `path`.
    fn may_read(actor: &Actor, kind: &str, subject: &str, path: &str) -> bool {
        (actor.has_any(&[Role::Discipline, Role::Supervisor, Role::Admin]) && actor.can_see(path))
            || (kind == PERSON && subject == actor.person_id)
            || (actor.has(Role::UnitLeader) && in_subtree(path, &actor.unit_path))
    }

    pub(crate) async fn records(
        &self,
        actor: &Actor,
        subject_id: Option<String>,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<Vec<AccountabilityView>, ApiError> {
        let county = county_of(&actor.unit_path).to_string();
        let mut q = accountability_record::Entity::find().filter(under(
            accountability_record::Column::UnitPath,
            &format!("/{county}"),
        ));
        if let Some(s) = &subject_id {
            q = q.filter(accountability_record::Column::SubjectId.eq(s.clone()));
        }
        if !actor.has_any(&[Role::Discipline, Role::Supervisor, Role::Admin]) {
            // Only their own, and as a unit leader those of their unit, in the query itself
            // (the 500 newest of the county may all be someone else's).
            let mut mine = sea_orm::Condition::any().add(
                sea_orm::Condition::all()
                    .add(accountability_record::Column::SubjectKind.eq(PERSON))
                    .add(accountability_record::Column::SubjectId.eq(actor.person_id.clone())),
            );
            if actor.has(Role::UnitLeader) {
                mine = mine.add(under(
                    accountability_record::Column::UnitPath,
                    &actor.unit_path,
                ));
            }
            q = q.filter(mine);
        }
        if let Some(f) = from {
            q = q.filter(accountability_record::Column::DecidedOn.gte(f));
        }
        if let Some(t) = to {
            q = q.filter(accountability_record::Column::DecidedOn.lte(t));
        }
        let rows: Vec<accountability_record::Model> = q
            .order_by_desc(accountability_record::Column::RecordedAt)
            .limit(500)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|r| Self::may_read(actor, &r.subject_kind, &r.subject_id, &r.unit_path))
            .collect();
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let corrected: HashMap<String, String> = accountability_record::Entity::find()
            .filter(accountability_record::Column::Supersedes.is_in(ids))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter_map(|r| r.supersedes.map(|s| (s, r.id)))
            .collect();
        let units: Vec<String> = rows.iter().map(|r| r.unit_id.clone()).collect();
        let names = self.unit_names(&units).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let by = corrected.get(&r.id).cloned();
                let name = names.get(&r.unit_id).cloned().unwrap_or_default();
                view(r, name, by)
            })
            .collect())
    }
}
