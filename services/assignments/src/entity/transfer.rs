//! The transfer chain of an assignment (转办), every request kept with its decision.

use sea_orm::entity::prelude::*;

/// One decided transfer request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Assignment.
    pub assignment_id: String,
    /// Lead unit that asked.
    pub from_unit_id: String,
    /// Unit asked for.
    pub to_unit_id: String,
    /// Why.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Whether the issuer approved.
    pub approved: bool,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: ChronoDateTimeWithTimeZone,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
