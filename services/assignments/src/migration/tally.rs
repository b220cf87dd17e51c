//! Indexes and counts that keep a unit's ledger page as fast at a million items as at ten
//! thousand: items keyed by (unit, state, time limit), and a running count per unit and
//! state kept by triggers, so `totalCount` does not count every match.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// The ledger indexes and the `assignment_tally` counts.
pub struct AddTally;

impl MigrationName for AddTally {
    fn name(&self) -> &str {
        "m0009_ledger_tally"
    }
}

const COMMON: &[&str] = &[
    "DROP INDEX IF EXISTS ix_assignment_path_due",
    "DROP INDEX IF EXISTS ix_assignment_due",
    "CREATE INDEX ix_assignment_unit_state_due ON assignment (lead_unit_path, state, due_on, id)",
    "CREATE INDEX ix_assignment_state_due ON assignment (state, due_on, id, lead_unit_path)",
    "CREATE TABLE assignment_tally (lead_unit_path VARCHAR NOT NULL, state VARCHAR NOT NULL, \
     shard INTEGER NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (lead_unit_path, state, shard))",
    "INSERT INTO assignment_tally (lead_unit_path, state, shard, n) \
     SELECT lead_unit_path, state, 0, COUNT(*) FROM assignment GROUP BY lead_unit_path, state",
];

/// Counted when the transaction commits (a deferred constraint trigger), so the counter
/// row is held only for the commit itself, in one of eight shards per (unit, state), so
/// that items issued to one unit at the same moment do not queue on one row.
const POSTGRES: &[&str] = &[
    r#"CREATE FUNCTION assignment_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k INTEGER := floor(random() * 8)::INTEGER;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.state = NEW.state AND OLD.lead_unit_path = NEW.lead_unit_path THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO assignment_tally AS t (lead_unit_path, state, shard, n)
    VALUES (OLD.lead_unit_path, OLD.state, k, -1)
    ON CONFLICT (lead_unit_path, state, shard) DO UPDATE SET n = t.n - 1;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO assignment_tally AS t (lead_unit_path, state, shard, n)
    VALUES (NEW.lead_unit_path, NEW.state, k, 1)
    ON CONFLICT (lead_unit_path, state, shard) DO UPDATE SET n = t.n + 1;
  END IF;
  RETURN NULL;
END
$$"#,
    "CREATE CONSTRAINT TRIGGER assignment_tally_count AFTER INSERT OR UPDATE OR DELETE \
     ON assignment DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
     EXECUTE FUNCTION assignment_tally_count()",
];

/// SQLite has one writer, so one shard.
const SQLITE: &[&str] = &[
    "CREATE TRIGGER assignment_tally_insert AFTER INSERT ON assignment BEGIN \
     INSERT INTO assignment_tally (lead_unit_path, state, shard, n) \
     VALUES (NEW.lead_unit_path, NEW.state, 0, 1) \
     ON CONFLICT (lead_unit_path, state, shard) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER assignment_tally_delete AFTER DELETE ON assignment BEGIN \
     INSERT INTO assignment_tally (lead_unit_path, state, shard, n) \
     VALUES (OLD.lead_unit_path, OLD.state, 0, -1) \
     ON CONFLICT (lead_unit_path, state, shard) DO UPDATE SET n = n - 1; END",
    "CREATE TRIGGER assignment_tally_update AFTER UPDATE OF state, lead_unit_path ON assignment \
     WHEN OLD.state IS NOT NEW.state OR OLD.lead_unit_path IS NOT NEW.lead_unit_path BEGIN \
     INSERT INTO assignment_tally (lead_unit_path, state, shard, n) \
     VALUES (OLD.lead_unit_path, OLD.state, 0, -1) \
     ON CONFLICT (lead_unit_path, state, shard) DO UPDATE SET n = n - 1; \
     INSERT INTO assignment_tally (lead_unit_path, state, shard, n) \
     VALUES (NEW.lead_unit_path, NEW.state, 0, 1) \
     ON CONFLICT (lead_unit_path, state, shard) DO UPDATE SET n = n + 1; END",
];

#[async_trait::async_trait]
impl MigrationTrait for AddTally {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let own = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        for sql in COMMON.iter().chain(own) {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let own: &[&str] = match db.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER assignment_tally_count ON assignment",
                "DROP FUNCTION assignment_tally_count()",
            ],
            _ => &[
                "DROP TRIGGER assignment_tally_insert",
                "DROP TRIGGER assignment_tally_delete",
                "DROP TRIGGER assignment_tally_update",
            ],
        };
        for sql in own.iter().chain(&[
            "DROP TABLE assignment_tally",
            "DROP INDEX ix_assignment_state_due",
            "DROP INDEX ix_assignment_unit_state_due",
            "CREATE INDEX ix_assignment_due ON assignment (due_on, id)",
            "CREATE INDEX ix_assignment_path_due ON assignment (lead_unit_path, due_on, id)",
        ]) {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

/// On PostgreSQL, the tally trigger runs for an UPDATE only when the item's state or unit
/// moved, as SQLite's always did: a report, a color or a reminder's position no longer
/// queues a deferred PL/pgSQL call that returns at once.
pub struct TallyOnMoves;

impl MigrationName for TallyOnMoves {
    fn name(&self) -> &str {
        "m0018_tally_on_moves"
    }
}

const COUNT_ON: &str = "CREATE CONSTRAINT TRIGGER assignment_tally_count AFTER {events} \
     ON assignment DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
     EXECUTE FUNCTION assignment_tally_count()";

#[async_trait::async_trait]
impl MigrationTrait for TallyOnMoves {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            m,
            [
                "DROP TRIGGER assignment_tally_count ON assignment".to_string(),
                COUNT_ON.replace("{events}", "INSERT OR DELETE"),
                "CREATE CONSTRAINT TRIGGER assignment_tally_move \
                 AFTER UPDATE OF state, lead_unit_path ON assignment \
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                 WHEN (OLD.state IS DISTINCT FROM NEW.state \
                 OR OLD.lead_unit_path IS DISTINCT FROM NEW.lead_unit_path) \
                 EXECUTE FUNCTION assignment_tally_count()"
                    .to_string(),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            m,
            [
                "DROP TRIGGER assignment_tally_move ON assignment".to_string(),
                "DROP TRIGGER assignment_tally_count ON assignment".to_string(),
                COUNT_ON.replace("{events}", "INSERT OR UPDATE OR DELETE"),
            ],
        )
        .await
    }
}

/// Runs `statements` in order on PostgreSQL; nothing on SQLite.
async fn on_postgres(
    m: &SchemaManager<'_>,
    statements: impl IntoIterator<Item = String>,
) -> Result<(), DbErr> {
    let db = m.get_connection();
    if db.get_database_backend() == DbBackend::Postgres {
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
    }
    Ok(())
}
