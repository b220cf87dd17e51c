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
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
