//! Schema of the audit database.

use sea_orm_migration::prelude::*;

/// The migrator: outbox/inbox, then `audit_leaf`.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(duban_outbox::migration::CreateOutboxInbox),
            Box::new(CreateTables),
        ]
    }
}

struct CreateTables;

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m0002_audit"
    }
}

#[derive(DeriveIden)]
enum AuditLeaf {
    Table,
    Idx,
    EventId,
    Topic,
    EventType,
    AggregateId,
    OrgPath,
    Actor,
    CorrelationId,
    OccurredAt,
    Canonical,
    LeafHash,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLeaf::Table)
                .col(
                    ColumnDef::new(AuditLeaf::Idx)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AuditLeaf::EventId)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(AuditLeaf::Topic).string().not_null())
                .col(ColumnDef::new(AuditLeaf::EventType).string().not_null())
                .col(ColumnDef::new(AuditLeaf::AggregateId).string().not_null())
                .col(ColumnDef::new(AuditLeaf::OrgPath).string().not_null())
                .col(ColumnDef::new(AuditLeaf::Actor).string().not_null())
                .col(ColumnDef::new(AuditLeaf::CorrelationId).string().not_null())
                .col(
                    ColumnDef::new(AuditLeaf::OccurredAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(AuditLeaf::Canonical).text().not_null())
                .col(ColumnDef::new(AuditLeaf::LeafHash).string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_leaf_aggregate")
                .table(AuditLeaf::Table)
                .col(AuditLeaf::AggregateId)
                .col(AuditLeaf::Idx)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_leaf_correlation")
                .table(AuditLeaf::Table)
                .col(AuditLeaf::CorrelationId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditLeaf::Table).to_owned())
            .await
    }
}
