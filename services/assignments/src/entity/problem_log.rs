//! What happened to a ledger problem: close-out requests, returns, closing, reopening.

use sea_orm::entity::prelude::*;

/// One step in a problem's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_log")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Problem.
    pub problem_id: String,
    /// Event type name.
    pub action: String,
    /// Summary or reason.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// Evidence references as JSON.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at: ChronoDateTimeWithTimeZone,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
