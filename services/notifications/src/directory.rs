//! The part of the directory notices need, kept from the directory's events: who leads
//! each unit (科室负责人负直接责任) and who is each person's 分管领导 (分管领导负领导责任).

use crate::compose::To;
use duban_schema::assignments::{AssignmentsEvent, PersonSnapshot};
use duban_schema::{RawEnvelope, Role};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, QueryFilter};
use std::collections::HashMap;

/// The directory table.
pub mod directory_person {
    use sea_orm::entity::prelude::*;

    /// One person.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "directory_person")]
    pub struct Model {
        /// The person.
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: String,
        /// Their unit.
        pub unit_id: String,
        /// That unit's path (who may see and set their push contacts).
        pub unit_path: String,
        /// Whether they lead it (UNIT_LEADER).
        pub unit_leader: bool,
        /// Their 分管领导.
        pub supervising_leader_id: Option<String>,
        /// Not deactivated.
        pub active: bool,
        /// Holds the DISCIPLINE role.
        pub discipline: bool,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn row(p: &PersonSnapshot) -> directory_person::Model {
    directory_person::Model {
        person_id: p.id.clone(),
        unit_id: p.unit_id.clone(),
        unit_path: p.unit_path.clone(),
        unit_leader: p.roles.contains(&Role::UnitLeader),
        supervising_leader_id: p.supervising_leader_id.clone(),
        active: !p.deactivated,
        discipline: p.roles.contains(&Role::Discipline),
    }
}

/// Keeps every person the directory events among `events` describe.
pub(crate) async fn keep(
    txn: &DatabaseTransaction,
    events: &[(&RawEnvelope, &AssignmentsEvent)],
) -> Result<(), DbErr> {
    use directory_person::Column as C;
    for (_, typed) in events {
        let person = match typed {
            AssignmentsEvent::PersonRegistered { person }
            | AssignmentsEvent::PersonUpdated { person } => person,
            _ => continue,
        };
        duban_outbox::db::upsert(
            txn,
            [row(person).into_active_model()],
            [C::PersonId],
            [
                C::UnitId,
                C::UnitPath,
                C::UnitLeader,
                C::SupervisingLeaderId,
                C::Active,
                C::Discipline,
            ],
        )
        .await?;
    }
    Ok(())
}

/// The persons each of `audiences` names now, two queries for all.
pub(crate) async fn resolve(
    txn: &DatabaseTransaction,
    audiences: &[&To],
) -> Result<HashMap<To, Vec<String>>, DbErr> {
    use directory_person::Column as C;
    let (mut units, mut people) = (Vec::new(), Vec::new());
    let mut out: HashMap<To, Vec<String>> = HashMap::new();
    for a in audiences {
        match a {
            To::LeadersOf(u) => units.push(u.clone()),
            To::SupervisorOf(p) => people.push(p.clone()),
            To::Person(_) => {}
            To::DisciplineOf(county) => {
                let found = directory_person::Entity::find()
                    .filter(C::Discipline.eq(true))
                    .filter(C::Active.eq(true))
                    .filter(
                        sea_orm::Condition::any()
                            .add(C::UnitPath.eq(format!("/{county}")))
                            .add(C::UnitPath.starts_with(format!("/{county}/"))),
                    )
                    .all(txn)
                    .await?;
                out.insert(
                    (*a).clone(),
                    found.into_iter().map(|p| p.person_id).collect(),
                );
            }
            To::LeadersUnder(path) => {
                let found = directory_person::Entity::find()
                    .filter(C::UnitLeader.eq(true))
                    .filter(C::Active.eq(true))
                    .filter(
                        sea_orm::Condition::any()
                            .add(C::UnitPath.eq(path.clone()))
                            .add(C::UnitPath.starts_with(format!("{path}/"))),
                    )
                    .all(txn)
                    .await?;
                out.insert(
                    (*a).clone(),
                    found.into_iter().map(|p| p.person_id).collect(),
                );
            }
        }
    }
    if !units.is_empty() {
        let leaders = directory_person::Entity::find()
            .filter(C::UnitId.is_in(units))
            .filter(C::UnitLeader.eq(true))
            .filter(C::Active.eq(true))
            .all(txn)
            .await?;
        for l in leaders {
            out.entry(To::LeadersOf(l.unit_id))
                .or_default()
                .push(l.person_id);
        }
    }
    if !people.is_empty() {
        let found = directory_person::Entity::find()
            .filter(C::PersonId.is_in(people))
            .all(txn)
            .await?;
        for p in found {
            if let Some(l) = p.supervising_leader_id {
                out.insert(To::SupervisorOf(p.person_id), vec![l]);
            }
        }
    }
    for a in audiences {
        if let To::Person(p) = a {
            out.insert((*a).clone(), vec![p.clone()]);
        }
    }
    Ok(out)
}
