//! Progress reports (进度报送).

use sea_orm::entity::prelude::*;

/// One report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_report")]
pub struct Model {
    /// Report id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Assignment.
    pub assignment_id: String,
    /// Percent.
    pub percent: i32,
    /// Text.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// Reporter.
    pub reported_by: String,
    /// When.
    pub reported_at: ChronoDateTimeWithTimeZone,
    /// Evidence references as JSON.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
