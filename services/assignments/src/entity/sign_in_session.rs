//! Sign-in sessions: what a refresh token names, and what signing out ends.

use sea_orm::entity::prelude::*;

/// One session opened by a password sign-in.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_session")]
pub struct Model {
    /// Session id, carried in its access tokens.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Who signed in.
    pub person_id: String,
    /// SHA-256 of the current refresh secret; each refresh replaces it.
    pub refresh_hash: String,
    /// When the session was opened.
    pub created_at: ChronoDateTimeWithTimeZone,
    /// When it ends, refreshed or not.
    pub expires_at: ChronoDateTimeWithTimeZone,
    /// When it was ended by signing out, a password change or reset, or a replayed
    /// refresh token.
    pub revoked_at: Option<ChronoDateTimeWithTimeZone>,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
