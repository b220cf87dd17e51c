//! Migration creating the outbox, inbox and relay-mark tables; every service's migrator lists it first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string, text, timestamp_with_time_zone};

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
                .col(big_integer(Outbox::Seq).auto_increment().primary_key())
                .col(string(Outbox::EventId).unique_key())
                .col(string(Outbox::Topic))
                .col(string(Outbox::Key))
                .col(text(Outbox::Payload))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
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
                .col(string(Inbox::EventId).primary_key())
                .col(string(Inbox::Topic))
                .col(string(Inbox::EventType))
                .col(timestamp_with_time_zone(Inbox::HandledAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RelayMark::Table)
                .col(integer(RelayMark::Id).primary_key())
                .col(big_integer(RelayMark::SafeSeq))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Outbox::Table.into_iden(),
            Inbox::Table.into_iden(),
            RelayMark::Table.into_iden(),
        ];
        drop_tables(m, tables).await
    }
}

/// The index `name` on `table`'s `cols`, in that order.
pub fn index_on<T: IntoIden + 'static, C: IntoIden + 'static>(
    name: &str,
    table: T,
    cols: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for c in cols {
        index.col(c);
    }
    index
}

/// Drops `tables`, in that order.
pub async fn drop_tables<T: IntoIden + 'static>(
    m: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = T>,
) -> Result<(), DbErr> {
    for t in tables {
        m.drop_table(Table::drop().table(t).to_owned()).await?;
    }
    Ok(())
}
