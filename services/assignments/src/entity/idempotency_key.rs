//! The first answer to each (caller, Idempotency-Key) of the last 24 hours.

use sea_orm::entity::prelude::*;

/// One keyed mutation: recorded in the command's own transaction, its answer just after.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    /// The caller.
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: String,
    /// The client's key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of the operation and its input, so a key is not reused for another request.
    pub request_hash: String,
    /// The first answer, as JSON; none while it is being written.
    #[sea_orm(column_type = "Text", nullable)]
    pub response: Option<String>,
    /// When the command committed.
    pub created_at: ChronoDateTimeWithTimeZone,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
