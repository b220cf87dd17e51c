//! People.

use sea_orm::entity::prelude::*;

/// One person.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    /// Person id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Login account.
    #[sea_orm(unique)]
    pub account: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Unit id.
    pub unit_id: String,
    /// Unit path.
    pub unit_path: String,
    /// Roles, comma-separated wire names.
    pub roles: String,
    /// Supervising leader (分管领导).
    pub supervising_leader_id: Option<String>,
    /// Left the post.
    pub deactivated: bool,
    pub version: i64,
    pub generation: i64,
}

/// The unit a person works in.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The person's unit.
    #[sea_orm(
        belongs_to = "super::org_unit::Entity",
        from = "Column::UnitId",
        to = "super::org_unit::Column::Id"
    )]
    OrgUnit,
}

impl Related<super::org_unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgUnit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
