//! Pending deadline reminders (DueSoon, Overdue), indexed by the day they fire.

use sea_orm::entity::prelude::*;

/// One pending reminder.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_schedule")]
pub struct Model {
    /// Assignment.
    #[sea_orm(primary_key, auto_increment = false)]
    pub assignment_id: String,
    /// `DUE_SOON` or `OVERDUE`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The time limit it is for.
    #[sea_orm(primary_key, auto_increment = false)]
    pub due_on: Date,
    /// The first day it fires.
    pub fire_on: Date,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
