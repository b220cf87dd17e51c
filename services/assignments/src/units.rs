//! The directory's rows: units and people registered, read and scoped, and the responsible
//! person of a unit.

use crate::access::{may_maintain_directory, refuse_new_root, sees_person, sees_unit};
use crate::directory_cache::UnitWithPeople;
use crate::domain::directory::{self as rules, Person};
use crate::entity::{org_unit, person};
use crate::rows::{
    domain_err, internal, parse_kind, person_snapshot, scope_refused, stored, unit_snapshot,
};
use crate::service::AssignmentsService;
use duban_api::{ApiError, RegisterOrgUnitInput, RegisterPersonInput};
use duban_auth::{Actor, Role};
use duban_schema::assignments::{AssignmentsEvent, OrgUnitSnapshot, PersonSnapshot, UnitKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Statement, TransactionTrait,
};

impl AssignmentsService {
    /// A unit with its people in post by account: the unit's check and the choice of its
    /// 责任人 together, from memory when the directory has not changed since it was read
    /// ([`crate::directory_cache`]), else in one read through `conn`. Not for a transaction
    /// that writes the directory (what it reads may not commit).
    pub(crate) async fn unit_with_people<C: ConnectionTrait>(
        &self,
        conn: &C,
        unit_id: &str,
    ) -> Result<Option<UnitWithPeople>, ApiError> {
        let (epoch, kept) = self.kept.unit(unit_id);
        if kept.is_some() {
            return Ok(kept);
        }
        let read = read_unit_with_people(conn, unit_id).await?;
        if let Some(found) = &read {
            self.kept.keep_unit(epoch, found);
        }
        Ok(read)
    }
}

/// A unit with its people in post by account, in one read.
async fn read_unit_with_people<C: ConnectionTrait>(
    conn: &C,
    unit_id: &str,
) -> Result<Option<UnitWithPeople>, ApiError> {
    let found = org_unit::Entity::find_by_id(unit_id.to_string())
        .find_with_related(person::Entity)
        .order_by_asc(person::Column::Account)
        .all(conn)
        .await
        .map_err(internal)?;
    Ok(found.into_iter().next().map(|(unit, people)| {
        let people = people
            .into_iter()
            .filter(|p| !p.deactivated)
            .map(person_snapshot)
            .collect();
        (unit, people)
    }))
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
        org_unit::ActiveModel::from(&unit)
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
        self.commit_directory(txn).await?;
        Ok(())
    }

    /// Adds a person to the directory (admin and demo loading).
    pub async fn register_person(&self, p: PersonSnapshot) -> Result<(), ApiError> {
        let p = Person {
            snapshot: p,
            generation: 0,
        };
        let txn = self.db.begin().await.map_err(internal)?;
        person::ActiveModel::from(&p)
            .insert(&txn)
            .await
            .map_err(internal)?;
        let (id, path) = (p.snapshot.id.clone(), p.snapshot.unit_path.clone());
        self.emit(
            &txn,
            "system",
            &path,
            &id,
            1,
            AssignmentsEvent::PersonRegistered { person: p.snapshot },
        )
        .await?;
        self.commit_directory(txn).await?;
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
        let parent = match &input.parent_id {
            Some(p) => org_unit::Entity::find_by_id(p.clone())
                .one(&self.db)
                .await
                .map_err(internal)?
                .filter(|u| actor.can_see(&u.path))
                .map(unit_snapshot)
                .transpose()?
                .ok_or_else(|| {
                    ApiError::validation("parentId", "上级单位不存在或不在您的管理范围内")
                })?,
            None if input.kind == UnitKind::County => return Err(refuse_new_root()),
            None => return Err(ApiError::validation("parentId", "请选择上级单位")),
        };
        let fresh = duban_outbox::new_event_id(self.clock.now()).to_string();
        let unit = rules::register_unit(&input, &parent, fresh).map_err(domain_err)?;
        if org_unit::Entity::find_by_id(unit.id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .is_some()
        {
            return Err(ApiError::validation("id", "单位编号已存在或含有“/”"));
        }
        self.register_unit(unit.clone()).await?;
        Ok(unit)
    }

    pub(crate) async fn register_person_as(
        &self,
        actor: &Actor,
        input: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        may_maintain_directory(actor)?;
        let unit = org_unit::Entity::find_by_id(input.unit_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .map(unit_snapshot)
            .transpose()?
            .ok_or_else(|| ApiError::validation("unitId", "所在单位不存在或不在您的管理范围内"))?;
        let p = rules::register_person(&input, &unit)
            .map_err(domain_err)?
            .snapshot;
        if person::Entity::find()
            .filter(person::Column::Account.eq(p.account.clone()))
            .one(&self.db)
            .await
            .map_err(internal)?
            .is_some()
        {
            return Err(ApiError::validation("account", "账号已存在"));
        }
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
            .filter(|u| sees_unit(actor, &u.path))
            .map(unit_snapshot)
            .collect()
    }

    pub(crate) async fn board_units(
        &self,
        actor: &Actor,
        scope: Option<String>,
    ) -> Result<Vec<OrgUnitSnapshot>, ApiError> {
        let root = match scope {
            Some(id) => org_unit::Entity::find_by_id(id).one(&self.db).await,
            None if actor.scope.trim_end_matches('/').is_empty() => {
                org_unit::Entity::find()
                    .filter(org_unit::Column::ParentId.is_null())
                    .order_by_asc(org_unit::Column::Path)
                    .one(&self.db)
                    .await
            }
            None => {
                org_unit::Entity::find()
                    .filter(org_unit::Column::Path.eq(actor.scope.trim_end_matches('/')))
                    .one(&self.db)
                    .await
            }
        }
        .map_err(internal)?
        .filter(|u| actor.can_see(&u.path))
        .ok_or_else(|| ApiError::validation("scope", "范围单位不存在或不在您的权限范围内"))?;
        let children = org_unit::Entity::find()
            .filter(org_unit::Column::ParentId.eq(root.id.clone()))
            .order_by_asc(org_unit::Column::Path)
            .all(&self.db)
            .await
            .map_err(internal)?;
        std::iter::once(root)
            .chain(children)
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
            .filter(|u| sees_unit(actor, &u.path))
            .map(unit_snapshot)
            .ok_or_else(|| ApiError::not_found("单位", id))?
    }

    pub(crate) async fn person(&self, actor: &Actor, id: &str) -> Result<PersonSnapshot, ApiError> {
        person::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|p| sees_person(actor, &p.id, &p.unit_path))
            .map(person_snapshot)
            .ok_or_else(|| ApiError::not_found("人员", id))
    }

    /// The caller a person becomes when signed in: supervisors, discipline staff and
    /// admins oversee their jurisdiction; everyone else their own unit.
    pub async fn actor_for(&self, p: &PersonSnapshot) -> Result<Actor, ApiError> {
        self.actor_in(&self.db, p).await
    }

    /// [`Self::actor_for`] read inside `conn` (a consumer's or a command's transaction).
    pub(crate) async fn actor_in<C: sea_orm::ConnectionTrait>(
        &self,
        conn: &C,
        p: &PersonSnapshot,
    ) -> Result<Actor, ApiError> {
        let oversees = p
            .roles
            .iter()
            .any(|r| matches!(r, Role::Supervisor | Role::Discipline | Role::Admin));
        let scope = if oversees {
            jurisdiction_in(conn, &p.unit_id).await?
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
