//! Campaigns (专项整治).

use sea_orm::entity::prelude::*;

/// One campaign; phases and categories are stored as JSON.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign")]
pub struct Model {
    /// Campaign id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Name.
    pub name: String,
    /// Document number (文号).
    pub document_number: String,
    /// Scope unit.
    pub scope_unit_id: String,
    /// Phases as JSON.
    #[sea_orm(column_type = "Text")]
    pub phases: String,
    /// Categories as JSON.
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    /// Last phase announced (0: none; phases + 1: ended).
    pub announced_phase: i32,
    /// Report deadlines as JSON.
    #[sea_orm(column_type = "Text")]
    pub report_deadlines: String,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
