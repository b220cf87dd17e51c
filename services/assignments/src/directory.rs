//! Directory upkeep (ADMIN): renaming units and correcting their codes; moving people,
//! changing their roles and supervising leader (分管领导), marking them as having left.

use crate::access::{in_scope, may_maintain_directory};
use crate::entity::{org_unit, person};
use crate::rows::{check_division_code, internal, person_snapshot, unit_snapshot};
use crate::service::AssignmentsService;
use duban_api::{ApiError, UpdateOrgUnitInput, UpdatePersonInput};
use duban_auth::Actor;
use duban_schema::assignments::{AssignmentsEvent, OrgUnitSnapshot, PersonSnapshot};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait};

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
        let mut active = unit.clone().into_active_model();
        active.version = Set(unit.version + 1);
        if let Some(name) = &input.name {
            if name.trim().is_empty() {
                return Err(ApiError::validation("name", "请填写单位名称"));
            }
            active.name = Set(name.trim().to_string());
        }
        if let Some(code) = &input.division_code {
            let code = Some(code.trim()).filter(|c| !c.is_empty());
            let parent_code = match &unit.parent_id {
                Some(p) => org_unit::Entity::find_by_id(p.clone())
                    .one(&txn)
                    .await
                    .map_err(internal)?
                    .and_then(|p| p.division_code),
                None => None,
            };
            let current = unit_snapshot(unit.clone())?;
            check_division_code(current.kind, code, parent_code.as_deref())?;
            active.division_code = Set(code.map(str::to_string));
        }
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
        self.commit(txn).await?;
        self.identities.invalidate();
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
        let mut active = p.clone().into_active_model();
        active.version = Set(p.version + 1);
        if let Some(title) = &input.title {
            active.title = Set(title.trim().to_string());
        }
        if let Some(unit_id) = &input.unit_id {
            let unit = org_unit::Entity::find_by_id(unit_id.clone())
                .one(&txn)
                .await
                .map_err(internal)?
                .filter(|u| actor.can_see(&u.path))
                .ok_or_else(|| {
                    ApiError::validation("unitId", "所在单位不存在或不在您的管理范围内")
                })?;
            active.unit_id = Set(unit.id);
            active.unit_path = Set(unit.path);
        }
        if let Some(roles) = &input.roles {
            if roles.is_empty() {
                return Err(ApiError::validation("roles", "请至少选择一个角色"));
            }
            active.roles = Set(roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","));
        }
        if let Some(leader) = &input.supervising_leader_id {
            let leader = leader.trim();
            if leader.is_empty() {
                active.supervising_leader_id = Set(None);
            } else {
                if leader == p.id {
                    return Err(ApiError::validation(
                        "supervisingLeaderId",
                        "分管领导不能是本人",
                    ));
                }
                person::Entity::find_by_id(leader.to_string())
                    .one(&txn)
                    .await
                    .map_err(internal)?
                    .filter(|l| {
                        !l.deactivated
                            && in_scope(actor, &l.unit_path)
                            && l.roles
                                .split(',')
                                .any(|r| r == "UNIT_LEADER" || r == "SUPERVISOR")
                    })
                    .ok_or_else(|| {
                        ApiError::validation(
                            "supervisingLeaderId",
                            "分管领导须是您管理范围内在岗的单位负责人或督查领导",
                        )
                    })?;
                active.supervising_leader_id = Set(Some(leader.to_string()));
            }
        }
        if let Some(d) = input.deactivated {
            if d && p.id == actor.person_id {
                return Err(ApiError::validation("deactivated", "不能停用自己的账号"));
            }
            if d != p.deactivated {
                // Tokens signed before a deactivation stay dead after a reactivation.
                active.generation = Set(p.generation + 1);
            }
            active.deactivated = Set(d);
        }
        let leaves_post = input.deactivated == Some(true) && !p.deactivated;
        let leaves_unit = input.unit_id.as_ref().is_some_and(|u| *u != p.unit_id);
        if leaves_post || leaves_unit {
            let reason = if leaves_post {
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
        } else if input.successor_id.is_some() {
            return Err(ApiError::validation(
                "successorId",
                "只有停用或调离单位时才需指定接替人",
            ));
        }
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
        self.commit(txn).await?;
        self.identities.invalidate();
        Ok(snap)
    }
}
