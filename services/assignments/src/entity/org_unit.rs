//! Org units (the directory tree).

use sea_orm::entity::prelude::*;

/// One unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_unit")]
pub struct Model {
    /// Unit id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Parent id.
    pub parent_id: Option<String>,
    /// COUNTY, TOWNSHIP, DEPARTMENT or OFFICE.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Division code.
    pub division_code: Option<String>,
    /// Path from the county.
    pub path: String,
    pub version: i64,
}

/// A unit's people: read with the unit when a command picks its 责任人.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The people whose unit it is.
    #[sea_orm(has_many = "super::person::Entity")]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
