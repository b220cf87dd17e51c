//! Directory upkeep (ADMIN): renaming units and correcting their codes; moving people,
//! changing their roles and supervising leader (分管领导), marking them as having left.

use crate::access::{in_scope, may_maintain_directory};
use crate::domain::directory::{self as rules, Person, PersonRefs};
use crate::entity::{org_unit, person};
use crate::rows::{domain_err, internal, person_snapshot, unit_snapshot};
use crate::service::AssignmentsService;
use duban_api::{ApiError, UpdateOrgUnitInput, UpdatePersonInput};
use duban_auth::Actor;
use duban_schema::assignments::{AssignmentsEvent, OrgUnitSnapshot, PersonSnapshot};
use sea_orm::{ActiveModelTrait, EntityTrait, TransactionTrait};

fn check_version(expected: i64, actual: i64) -> Result<(), ApiError> {
    if expected == actual {
        Ok(())
    } else {
        Err(ApiError::VersionConflict { expected, actual })
    }
}

impl AssignmentsService {
    pub(crate) async fn update_org_unit(
        &self,
        actor: &Actor,
        input: UpdateOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        may_maintain_directory(actor)?;
        let txn = self.db.begin().await.map_err(internal)?;
        let unit = org_unit::Entity::find_by_id(input.id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| ApiError::not_found("单位", &input.id))?;
        check_version(input.expected_version, unit.version)?;
        let parent_code = match (&input.division_code, &unit.parent_id) {
            (Some(_), Some(p)) => org_unit::Entity::find_by_id(p.clone())
                .one(&txn)
                .await
                .map_err(internal)?
                .and_then(|p| p.division_code),
            _ => None,
        };
        let current = unit_snapshot(unit)?;
        let next =
            rules::update_unit(&current, &input, parent_code.as_deref()).map_err(domain_err)?;
        let active = org_unit::ActiveModel::from(&next);
        let saved = active.update(&txn).await.map_err(internal)?;
        let snap = unit_snapshot(saved)?;
        self.emit(
            &txn,
            &actor.person_id,
            &snap.path,
            &snap.id,
            snap.version,
            AssignmentsEvent::OrgUnitUpdated { unit: snap.clone() },
        )
        .await?;
        self.commit_directory(txn).await?;
        Ok(snap)
    }

    pub(crate) async fn update_person(
        &self,
        actor: &Actor,
        input: UpdatePersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        may_maintain_directory(actor)?;
        let txn = self.db.begin().await.map_err(internal)?;
        let p = person::Entity::find_by_id(input.id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|p| actor.can_see(&p.unit_path))
            .ok_or_else(|| ApiError::not_found("人员", &input.id))?;
        check_version(input.expected_version, p.version)?;
        let unit = match &input.unit_id {
            Some(unit_id) => org_unit::Entity::find_by_id(unit_id.clone())
                .one(&txn)
                .await
                .map_err(internal)?
                .filter(|u| actor.can_see(&u.path))
                .map(unit_snapshot)
                .transpose()?,
            None => None,
        };
        let leader = match input.supervising_leader_id.as_deref().map(str::trim) {
            Some(l) if !l.is_empty() => person::Entity::find_by_id(l.to_string())
                .one(&txn)
                .await
                .map_err(internal)?,
            _ => None,
        };
        let leader_in_post = leader.is_some_and(|l| {
            !l.deactivated
                && in_scope(actor, &l.unit_path)
                && l.roles
                    .split(',')
                    .any(|r| r == "UNIT_LEADER" || r == "SUPERVISOR")
        });
        let current = Person::from(&p);
        let refs = PersonRefs {
            unit: unit.as_ref(),
            leader_in_post,
            by: &actor.person_id,
        };
        let next = rules::update_person(&current, &input, &refs).map_err(domain_err)?;
        if rules::leaves(&current, &next) {
            let reason = if next.snapshot.deactivated && !p.deactivated {
                format!("{}离岗，由接替人承接", p.name)
            } else {
                format!("{}调离本单位，由接替人承接", p.name)
            };
            self.hand_over(
                &txn,
                &actor.person_id,
                &p,
                input.successor_id.as_deref(),
                &reason,
            )
            .await?;
        }
        let active = person::ActiveModel::from(&next);
        let saved = active.update(&txn).await.map_err(internal)?;
        let snap = person_snapshot(saved);
        self.emit(
            &txn,
            &actor.person_id,
            &snap.unit_path,
            &snap.id,
            snap.version,
            AssignmentsEvent::PersonUpdated {
                person: snap.clone(),
            },
        )
        .await?;
        self.commit_directory(txn).await?;
        Ok(snap)
    }
}
