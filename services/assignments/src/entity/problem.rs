//! Ledger problems (问题清单台账).

use sea_orm::entity::prelude::*;

/// One problem, current state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem")]
pub struct Model {
    /// Problem id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Campaign.
    pub campaign_id: Option<String>,
    /// Category.
    pub category: String,
    /// Source wire name.
    pub source: String,
    /// 问题表现.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// 原因剖析.
    #[sea_orm(column_type = "Text")]
    pub cause_analysis: String,
    /// Measures as JSON.
    #[sea_orm(column_type = "Text")]
    pub measures: String,
    /// Unit.
    pub unit_id: String,
    /// Unit path.
    pub unit_path: String,
    /// Unit name.
    pub unit_name: String,
    /// 责任人.
    pub responsible_person_id: String,
    /// 责任领导.
    pub responsible_leader_id: Option<String>,
    /// Who entered it.
    pub registered_by: String,
    /// When.
    pub registered_at: ChronoDateTimeWithTimeZone,
    /// 整改时限.
    pub due_on: Date,
    /// State wire name.
    pub state: String,
    /// Version.
    pub version: i64,
    /// Close-outs refused.
    pub return_count: i32,
    /// Reopenings.
    pub reopen_count: i32,
    pub last_sequence: i64,
    /// The card evaluation last announced (BLUE, YELLOW, RED), if any.
    pub color: Option<String>,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
