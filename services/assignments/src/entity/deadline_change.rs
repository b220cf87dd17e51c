//! Why an assignment's time limit moved: the ledger of deadline changes.

use sea_orm::entity::prelude::*;

/// One move of a deadline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_change")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Assignment.
    pub assignment_id: String,
    /// Last day before.
    pub from_date: Date,
    /// Last day after.
    pub to_date: Date,
    /// Why.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// When.
    pub changed_at: ChronoDateTimeWithTimeZone,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
