//! Recurring duty rules (工作动态清单).

use sea_orm::entity::prelude::*;

/// One rule and the next day it falls due.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duty_rule")]
pub struct Model {
    /// Rule id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Title of each assignment.
    pub title: String,
    /// Description.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Recurrence as JSON.
    #[sea_orm(column_type = "Text")]
    pub recurrence: String,
    /// Unit.
    pub unit_id: String,
    /// Unit path.
    pub unit_path: String,
    /// Person, if one.
    pub person_id: Option<String>,
    /// Working days to the time limit.
    pub time_limit_days: i32,
    /// Move rest days to the next working day.
    pub working_days_only: bool,
    /// First day.
    pub starts_on: Date,
    /// Who made it.
    pub created_by: String,
    /// Next day it falls due (not yet issued).
    pub next_on: Date,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
