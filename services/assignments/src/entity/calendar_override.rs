//! A county's changes to its working calendar.

use sea_orm::entity::prelude::*;

/// One changed day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_override")]
pub struct Model {
    /// The day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub date: Date,
    /// Whether it is a working day.
    pub workday: bool,
    /// Holiday name, or the holiday a worked day belongs to.
    pub name: Option<String>,
    /// Why.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Who.
    pub set_by: String,
    /// When.
    pub set_at: ChronoDateTimeWithTimeZone,
    /// Changes of this day so far.
    pub version: i64,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
