//! Migration creating the outbox, inbox and relay-mark tables; every service's migrator lists it first.

use sea_orm_migration::prelude::*;

/// Creates `outbox`, `inbox` and `relay_mark`.
pub struct CreateOutboxInbox;

impl MigrationName for CreateOutboxInbox {
    fn name(&self) -> &str {
        "m0001_outbox_inbox"
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Seq,
    EventId,
    Topic,
    Key,
    Payload,
    CreatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Inbox {
    Table,
    EventId,
    Topic,
    EventType,
    HandledAt,
}

#[derive(DeriveIden)]
enum RelayMark {
    Table,
    Id,
    SafeSeq,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutboxInbox {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(
                    ColumnDef::new(Outbox::Seq)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Outbox::EventId)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Outbox::Topic).string().not_null())
                .col(ColumnDef::new(Outbox::Key).string().not_null())
                .col(ColumnDef::new(Outbox::Payload).text().not_null())
                .col(
                    ColumnDef::new(Outbox::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(Outbox::PublishedAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await?;
        // The relay's query; the same partial-index syntax on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_outbox_unpublished ON outbox (seq) WHERE published_at IS NULL",
            )
            .await?;
        m.create_table(
            Table::create()
                .table(Inbox::Table)
                .col(
                    ColumnDef::new(Inbox::EventId)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Inbox::Topic).string().not_null())
                .col(ColumnDef::new(Inbox::EventType).string().not_null())
                .col(
                    ColumnDef::new(Inbox::HandledAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RelayMark::Table)
                .col(
                    ColumnDef::new(RelayMark::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(RelayMark::SafeSeq).big_integer().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Outbox::Table.into_iden(),
            Inbox::Table.into_iden(),
            RelayMark::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
