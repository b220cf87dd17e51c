//! The directory's rows: units and people registered, read and scoped, and the responsible
//! person of a unit.

use crate::access::{may_maintain_directory, refuse_new_root};
use crate::entity::{org_unit, person};
use crate::rows::{
    check_division_code, internal, kind_str, parse_kind, person_snapshot, scope_refused, stored,
    unit_snapshot,
};
use crate::service::AssignmentsService;
use duban_api::{ApiError, RegisterOrgUnitInput, RegisterPersonInput};
use duban_auth::{in_subtree, Actor, Role};
use duban_schema::assignments::{AssignmentsEvent, OrgUnitSnapshot, PersonSnapshot, UnitKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
};

/// A unit with its people in post by account, in one read: the unit's check and the
/// choice of its 责任人 together.
pub(crate) async fn unit_with_people<C: ConnectionTrait>(
    conn: &C,
    unit_id: &str,
) -> Result<Option<(org_unit::Model, Vec<person::Model>)>, ApiError> {
    let found = org_unit::Entity::find_by_id(unit_id.to_string())
        .find_with_related(person::Entity)
        .order_by_asc(person::Column::Account)
        .all(conn)
        .await
        .map_err(internal)?;
    Ok(found.into_iter().next().map(|(unit, mut people)| {
        people.retain(|p| !p.deactivated);
        (unit, people)
    }))
}

/// The 责任人 among a unit's people in post (ordered by account): the requested person
/// when among them, otherwise the unit's leader, or its first person.
pub(crate) fn pick_responsible(
    people: &[person::Model],
    requested: Option<&str>,
) -> Option<String> {
    match requested {
        Some(pid) => people.iter().find(|p| p.id == pid),
        None => unit_leader(people).or_else(|| people.first()),
    }
    .map(|p| p.id.clone())
}

/// The 单位负责人 among `people`, if one is in post there.
pub(crate) fn unit_leader(people: &[person::Model]) -> Option<&person::Model> {
    people
        .iter()
        .find(|p| p.roles.split(',').any(|r| r == "UNIT_LEADER"))
}

/// The path of the jurisdiction (the nearest county or township) above a unit, read
/// through `conn`.
pub(crate) async fn jurisdiction_in<C: ConnectionTrait>(
    conn: &C,
    unit_id: &str,
) -> Result<String, ApiError> {
    let mut id = unit_id.to_string();
    loop {
        let unit = org_unit::Entity::find_by_id(id.clone())
            .one(conn)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("单位", &id))?;
        match (
            stored("unit kind", &unit.id, &unit.kind, parse_kind(&unit.kind))?,
            unit.parent_id,
        ) {
            (UnitKind::County | UnitKind::Township, _) | (_, None) => return Ok(unit.path),
            (_, Some(parent)) => id = parent,
        }
    }
}

impl AssignmentsService {
    /// Adds a unit to the directory (admin and demo loading).
    pub async fn register_unit(&self, unit: OrgUnitSnapshot) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        org_unit::ActiveModel {
            id: Set(unit.id.clone()),
            parent_id: Set(unit.parent_id.clone()),
            kind: Set(kind_str(unit.kind).into()),
            name: Set(unit.name.clone()),
            division_code: Set(unit.division_code.clone()),
            path: Set(unit.path.clone()),
            version: Set(unit.version),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let (id, path) = (unit.id.clone(), unit.path.clone());
        self.emit(
            &txn,
            "system",
            &path,
            &id,
            1,
            AssignmentsEvent::OrgUnitRegistered { unit },
        )
        .await?;
        self.commit(txn).await?;
        self.identities.invalidate();
        Ok(())
    }

    /// Adds a person to the directory (admin and demo loading).
    pub async fn register_person(&self, p: PersonSnapshot) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        person::ActiveModel {
            id: Set(p.id.clone()),
            account: Set(p.account.clone()),
            name: Set(p.name.clone()),
            title: Set(p.title.clone()),
            unit_id: Set(p.unit_id.clone()),
            unit_path: Set(p.unit_path.clone()),
            roles: Set(p
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")),
            supervising_leader_id: Set(p.supervising_leader_id.clone()),
            deactivated: Set(p.deactivated),
            version: Set(p.version),
            generation: Set(0),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let (id, path) = (p.id.clone(), p.unit_path.clone());
        self.emit(
            &txn,
            "system",
            &path,
            &id,
            1,
            AssignmentsEvent::PersonRegistered { person: p },
        )
        .await?;
        self.commit(txn).await?;
        self.identities.invalidate();
        Ok(())
    }

    /// Every person, ordered by unit path then account; for `duban token --list`.
    pub async fn people(&self) -> Result<Vec<PersonSnapshot>, ApiError> {
        Ok(person::Entity::find()
            .order_by_asc(person::Column::UnitPath)
            .order_by_asc(person::Column::Account)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(person_snapshot)
            .collect())
    }

    /// A person by id or account.
    pub async fn find_person(&self, id_or_account: &str) -> Result<PersonSnapshot, ApiError> {
        person::Entity::find()
            .filter(
                Condition::any()
                    .add(person::Column::Id.eq(id_or_account))
                    .add(person::Column::Account.eq(id_or_account)),
            )
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(person_snapshot)
            .ok_or_else(|| ApiError::not_found("人员", id_or_account))
    }

    /// Whether the directory is empty (a fresh database).
    pub async fn is_empty(&self) -> Result<bool, ApiError> {
        Ok(org_unit::Entity::find()
            .count(&self.db)
            .await
            .map_err(internal)?
            == 0)
    }

    /// The path of the jurisdiction (the nearest county or township) above a unit:
    /// the scope a supervisor working there oversees.
    pub async fn jurisdiction_of(&self, unit_id: &str) -> Result<String, ApiError> {
        jurisdiction_in(&self.db, unit_id).await
    }

    /// The path whose subtree a query covers: the caller's scope, or a unit in it.
    pub(crate) async fn scope_root(
        &self,
        actor: &Actor,
        unit_id: Option<&str>,
    ) -> Result<String, ApiError> {
        match unit_id {
            Some(unit_id) => Ok(org_unit::Entity::find_by_id(unit_id.to_string())
                .one(&self.db)
                .await
                .map_err(internal)?
                .filter(|u| actor.can_see(&u.path))
                .ok_or_else(scope_refused)?
                .path),
            None => Ok(actor.scope.clone()),
        }
    }

    /// The scope's root path (as [`Self::scope_root`] checks it) with the paths of every
    /// unit in it: one read when the scope is a unit, not two after each other.
    pub(crate) async fn scope_units(
        &self,
        actor: &Actor,
        unit_id: Option<&str>,
    ) -> Result<(String, Vec<String>), ApiError> {
        let Some(unit_id) = unit_id else {
            let units = self.unit_paths(&actor.scope).await?;
            return Ok((actor.scope.clone(), units));
        };
        let backend = self.db.get_database_backend();
        let param = match backend {
            DbBackend::Postgres => "$1",
            _ => "?",
        };
        let rows = self
            .db
            .query_all(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT r.path AS root, u.path AS path FROM org_unit r \
                     JOIN org_unit u ON u.path = r.path \
                     OR substr(u.path, 1, length(r.path) + 1) = r.path || '/' \
                     WHERE r.id = {param}"
                ),
                [unit_id.into()],
            ))
            .await
            .map_err(internal)?;
        let root: Option<String> = match rows.first() {
            Some(r) => Some(r.try_get("", "root").map_err(internal)?),
            None => None,
        };
        let root = root
            .filter(|root| actor.can_see(root))
            .ok_or_else(scope_refused)?;
        let units = rows
            .iter()
            .map(|r| r.try_get::<String>("", "path"))
            .collect::<Result<_, _>>()
            .map_err(internal)?;
        Ok((root, units))
    }

    /// The paths of `root` and every unit below it.
    pub(crate) async fn unit_paths(&self, root: &str) -> Result<Vec<String>, ApiError> {
        use sea_orm::QuerySelect;
        org_unit::Entity::find()
            .select_only()
            .column(org_unit::Column::Path)
            .filter(duban_outbox::db::in_subtree(org_unit::Column::Path, root))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)
    }

    pub(crate) async fn register_org_unit(
        &self,
        actor: &Actor,
        input: RegisterOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        may_maintain_directory(actor)?;
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(ApiError::validation("name", "请填写单位名称"));
        }
        let parent = match &input.parent_id {
            Some(p) => Some(
                org_unit::Entity::find_by_id(p.clone())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .filter(|u| actor.can_see(&u.path))
                    .ok_or_else(|| {
                        ApiError::validation("parentId", "上级单位不存在或不在您的管理范围内")
                    })?,
            ),
            None => None,
        };
        match (input.kind, &parent) {
            (UnitKind::County, Some(_)) => {
                return Err(ApiError::validation("parentId", "县不能有上级单位"))
            }
            (UnitKind::County, None) => return Err(refuse_new_root()),
            (_, None) => return Err(ApiError::validation("parentId", "请选择上级单位")),
            _ => {}
        }
        let code = input
            .division_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        check_division_code(
            input.kind,
            code,
            parent.as_ref().and_then(|p| p.division_code.as_deref()),
        )?;
        let id = input
            .id
            .clone()
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| duban_outbox::new_event_id(self.clock.now()).to_string());
        if id.contains('/')
            || org_unit::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await
                .map_err(internal)?
                .is_some()
        {
            return Err(ApiError::validation("id", "单位编号已存在或含有“/”"));
        }
        let path = match &parent {
            Some(p) => format!("{}/{id}", p.path),
            None => format!("/{id}"),
        };
        let unit = OrgUnitSnapshot {
            id,
            parent_id: parent.map(|p| p.id),
            kind: input.kind,
            name,
            division_code: code.map(str::to_string),
            path,
            version: 1,
        };
        self.register_unit(unit.clone()).await?;
        Ok(unit)
    }

    pub(crate) async fn register_person_as(
        &self,
        actor: &Actor,
        input: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        may_maintain_directory(actor)?;
        let account = input.account.trim().to_string();
        if account.is_empty() || account.contains(char::is_whitespace) {
            return Err(ApiError::validation("account", "账号不能为空或含有空格"));
        }
        if input.name.trim().is_empty() {
            return Err(ApiError::validation("name", "请填写姓名"));
        }
        if input.roles.is_empty() {
            return Err(ApiError::validation("roles", "请至少选择一个角色"));
        }
        let unit = org_unit::Entity::find_by_id(input.unit_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| ApiError::validation("unitId", "所在单位不存在或不在您的管理范围内"))?;
        if person::Entity::find()
            .filter(person::Column::Account.eq(account.clone()))
            .one(&self.db)
            .await
            .map_err(internal)?
            .is_some()
        {
            return Err(ApiError::validation("account", "账号已存在"));
        }
        let p = PersonSnapshot {
            id: format!("p-{account}"),
            account,
            name: input.name.trim().to_string(),
            title: input.title.trim().to_string(),
            unit_id: unit.id,
            unit_path: unit.path,
            roles: input.roles,
            supervising_leader_id: None,
            deactivated: false,
            version: 1,
        };
        self.register_person(p.clone()).await?;
        Ok(p)
    }

    pub(crate) async fn org_units(&self, actor: &Actor) -> Result<Vec<OrgUnitSnapshot>, ApiError> {
        org_unit::Entity::find()
            .order_by_asc(org_unit::Column::Path)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|u| in_subtree(&u.path, &actor.scope) || in_subtree(&actor.scope, &u.path))
            .map(unit_snapshot)
            .collect()
    }

    pub(crate) async fn org_unit(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        org_unit::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| in_subtree(&u.path, &actor.scope) || in_subtree(&actor.scope, &u.path))
            .map(unit_snapshot)
            .ok_or_else(|| ApiError::not_found("单位", id))?
    }

    pub(crate) async fn person(&self, actor: &Actor, id: &str) -> Result<PersonSnapshot, ApiError> {
        person::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|p| {
                actor.can_see(&p.unit_path)
                    || p.id == actor.person_id
                    || in_subtree(&actor.scope, &p.unit_path)
            })
            .map(person_snapshot)
            .ok_or_else(|| ApiError::not_found("人员", id))
    }

    /// The caller a person becomes when signed in: supervisors, discipline staff and
    /// admins oversee their jurisdiction; everyone else their own unit.
    pub async fn actor_for(&self, p: &PersonSnapshot) -> Result<Actor, ApiError> {
        let oversees = p
            .roles
            .iter()
            .any(|r| matches!(r, Role::Supervisor | Role::Discipline | Role::Admin));
        let scope = if oversees {
            self.jurisdiction_of(&p.unit_id).await?
        } else {
            p.unit_path.clone()
        };
        Ok(Actor {
            person_id: p.id.clone(),
            name: p.name.clone(),
            tenant: self.tenant.clone(),
            unit_id: p.unit_id.clone(),
            unit_path: p.unit_path.clone(),
            scope,
            roles: p.roles.clone(),
        })
    }
}
