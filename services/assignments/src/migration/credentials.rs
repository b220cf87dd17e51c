//! Passwords and sign-in sessions.

use super::ts;
use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, boolean, integer, string};

/// `credential` and `sign_in_session`.
pub struct CreateCredentials;

impl MigrationName for CreateCredentials {
    fn name(&self) -> &str {
        "m0016_credentials"
    }
}

#[derive(DeriveIden)]
enum Credential {
    Table,
    PersonId,
    Hash,
    MustChange,
    Failures,
    LockedUntil,
    ChangedAt,
    Resets,
}

#[derive(DeriveIden)]
enum SignInSession {
    Table,
    Id,
    PersonId,
    RefreshHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCredentials {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Credential::Table)
                .col(string(Credential::PersonId).primary_key())
                .col(string(Credential::Hash))
                .col(boolean(Credential::MustChange))
                .col(integer(Credential::Failures))
                .col(ts(Credential::LockedUntil).null())
                .col(ts(Credential::ChangedAt).not_null())
                .col(big_integer(Credential::Resets))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SignInSession::Table)
                .col(string(SignInSession::Id).primary_key())
                .col(string(SignInSession::PersonId))
                .col(string(SignInSession::RefreshHash))
                .col(ts(SignInSession::CreatedAt).not_null())
                .col(ts(SignInSession::ExpiresAt).not_null())
                .col(ts(SignInSession::RevokedAt).null())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_sign_in_session_person",
            SignInSession::Table,
            [SignInSession::PersonId],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [SignInSession::Table]).await?;
        drop_tables(m, [Credential::Table]).await
    }
}
