//! Password credentials of people who sign in with a password.

use sea_orm::entity::prelude::*;

/// One person's password and its lock.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credential")]
pub struct Model {
    /// The person.
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: String,
    /// The argon2id hash, in PHC form.
    pub hash: String,
    /// The password was set by an administrator and must be changed before use.
    pub must_change: bool,
    /// Failed sign-ins in a row.
    pub failures: i32,
    /// Refused until then, whatever password is given.
    pub locked_until: Option<ChronoDateTimeWithTimeZone>,
    /// When the password was last set.
    pub changed_at: ChronoDateTimeWithTimeZone,
    /// Initial passwords set so far: the position of each `PasswordReset` event of the
    /// credential.
    pub resets: i64,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
