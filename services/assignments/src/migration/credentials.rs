//! Passwords and sign-in sessions.

use super::{s, ts};
use sea_orm_migration::prelude::*;

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
                .col(s(Credential::PersonId).primary_key())
                .col(s(Credential::Hash))
                .col(ColumnDef::new(Credential::MustChange).boolean().not_null())
                .col(ColumnDef::new(Credential::Failures).integer().not_null())
                .col(ts(Credential::LockedUntil).null())
                .col(ts(Credential::ChangedAt).not_null())
                .col(ColumnDef::new(Credential::Resets).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SignInSession::Table)
                .col(s(SignInSession::Id).primary_key())
                .col(s(SignInSession::PersonId))
                .col(s(SignInSession::RefreshHash))
                .col(ts(SignInSession::CreatedAt).not_null())
                .col(ts(SignInSession::ExpiresAt).not_null())
                .col(ts(SignInSession::RevokedAt).null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sign_in_session_person")
                .table(SignInSession::Table)
                .col(SignInSession::PersonId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SignInSession::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Credential::Table).to_owned())
            .await
    }
}
