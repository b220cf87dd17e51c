//! Schema of the audit database.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string, text, timestamp_with_time_zone};

/// The migrator: outbox/inbox, then `audit_leaf`, then the stored tree, then the leaves'
/// topics set right.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(duban_outbox::migration::CreateOutboxInbox),
            Box::new(CreateTables),
            Box::new(StoredTree),
            Box::new(LeafTopics),
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

#[derive(DeriveIden)]
enum AuditCheckpoint {
    Table,
    Size,
    RootHash,
    Note,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLeaf::Table)
                .col(big_integer(AuditLeaf::Idx).primary_key())
                .col(string(AuditLeaf::EventId).unique_key())
                .col(string(AuditLeaf::Topic))
                .col(string(AuditLeaf::EventType))
                .col(string(AuditLeaf::AggregateId))
                .col(string(AuditLeaf::OrgPath))
                .col(string(AuditLeaf::Actor))
                .col(string(AuditLeaf::CorrelationId))
                .col(timestamp_with_time_zone(AuditLeaf::OccurredAt))
                .col(text(AuditLeaf::Canonical))
                .col(string(AuditLeaf::LeafHash))
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_audit_leaf_aggregate",
            AuditLeaf::Table,
            [AuditLeaf::AggregateId, AuditLeaf::Idx],
        ))
        .await?;
        m.create_index(index_on(
            "ix_audit_leaf_correlation",
            AuditLeaf::Table,
            [AuditLeaf::CorrelationId],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(AuditCheckpoint::Table)
                .col(big_integer(AuditCheckpoint::Size).primary_key())
                .col(string(AuditCheckpoint::RootHash))
                .col(text(AuditCheckpoint::Note))
                .col(timestamp_with_time_zone(AuditCheckpoint::CreatedAt))
                .to_owned(),
        )
        .await?;
        // Nothing in the log is ever changed or deleted: the database refuses it.
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
                )
                .await?;
                for t in ["audit_leaf", "audit_checkpoint"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} \
                         FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
                    ))
                    .await?;
                }
            }
            _ => {
                for t in ["audit_leaf", "audit_checkpoint"] {
                    for op in ["UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {t}_no_{} BEFORE {op} ON {t} \
                             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                            op.to_lowercase()
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [AuditCheckpoint::Table]).await?;
        drop_tables(m, [AuditLeaf::Table]).await?;
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_append_only()")
                .await?;
        }
        Ok(())
    }
}

/// The tree kept in the database: every complete subtree's hash above the leaves, and
/// the size integrated, so that a start reads the frontier instead of every leaf.
struct StoredTree;

impl MigrationName for StoredTree {
    fn name(&self) -> &str {
        "m0003_audit_tree"
    }
}

#[derive(DeriveIden)]
enum AuditNode {
    Table,
    Level,
    Idx,
    Hash,
}

#[derive(DeriveIden)]
enum AuditTree {
    Table,
    Id,
    Size,
}

#[async_trait::async_trait]
impl MigrationTrait for StoredTree {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditNode::Table)
                .col(integer(AuditNode::Level))
                .col(big_integer(AuditNode::Idx))
                .col(string(AuditNode::Hash))
                .primary_key(Index::create().col(AuditNode::Level).col(AuditNode::Idx))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditTree::Table)
                .col(integer(AuditTree::Id).primary_key())
                .col(big_integer(AuditTree::Size))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        // Nothing integrated yet: the integrator builds the nodes of a log kept before.
        db.execute_unprepared("INSERT INTO audit_tree (id, size) VALUES (1, 0)")
            .await?;
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_node_append_only BEFORE UPDATE OR DELETE ON audit_node \
                     FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_node_no_{} BEFORE {op} ON audit_node \
                         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [AuditTree::Table]).await?;
        drop_tables(m, [AuditNode::Table]).await
    }
}

/// Sets right the topic column of leaves kept before it was read from the producers'
/// schemas: every evaluation and notifications event but four was stored under the
/// assignments topic. The column is a copy of what the hashed content implies, so no hash
/// changes; the append-only guard is lifted for this one statement and put back.
struct LeafTopics;

impl MigrationName for LeafTopics {
    fn name(&self) -> &str {
        "m0004_audit_leaf_topics"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for LeafTopics {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut cases = String::new();
        let mut wrong = Vec::new();
        for (event_type, topic) in duban_schema::topics::event_types() {
            if topic == duban_schema::topics::ASSIGNMENTS {
                continue;
            }
            if !event_type.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(DbErr::Migration(format!("event type {event_type:?}")));
            }
            cases.push_str(&format!(" WHEN '{event_type}' THEN '{topic}'"));
            wrong.push(format!("'{event_type}'"));
        }
        if wrong.is_empty() {
            return Ok(());
        }
        let update = format!(
            "UPDATE audit_leaf SET topic = CASE event_type{cases} END \
             WHERE topic = '{}' AND event_type IN ({})",
            duban_schema::topics::ASSIGNMENTS,
            wrong.join(", ")
        );
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "ALTER TABLE audit_leaf DISABLE TRIGGER audit_leaf_append_only; {update}; \
                     ALTER TABLE audit_leaf ENABLE TRIGGER audit_leaf_append_only"
                ))
                .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER audit_leaf_no_update")
                    .await?;
                db.execute_unprepared(&update).await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_leaf_no_update BEFORE UPDATE ON audit_leaf \
                     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        // The topics stored before were wrong; nothing to put back.
        Ok(())
    }
}
