//! Opening a service database: SQLite files for the embedded default, PostgreSQL
//! (one schema per service) for the distributed deployment.
//!
//! The bundled SQLite (3.46, from libsqlite3-sys 0.30) predates the 3.51.3 fix of the
//! WAL-reset corruption bug, so every SQLite access goes through one connection:
//! no two connections can ever write or checkpoint at once.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Prepared statements a SQLite connection keeps, each by its text; with sqlx's default
/// of 100 an issue cost about a tenth more CPU (docs/performance-log.md, «Group commit on SQLite»).
const STATEMENTS_KEPT: usize = 1000;

/// Opens the database at `url` for `service`, creating the SQLite file or the
/// PostgreSQL schema when missing.
pub async fn connect(url: &str, service: &str) -> Result<DatabaseConnection, DbErr> {
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_path(url) {
            if let Some(dir) = std::path::Path::new(path).parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        let mut opts = ConnectOptions::new(url.to_string());
        // A file does not go away between statements: no ping before each one.
        opts.max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false)
            .sqlx_logging(false)
            // On every connection the pool opens, not only the first: one closed midway
            // (`together::alone`) is replaced by one set up the same.
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
                    .statement_cache_capacity(STATEMENTS_KEPT)
            });
        Database::connect(opts).await
    } else {
        let schema = format!("duban_{service}");
        {
            let mut opts = ConnectOptions::new(url.to_string());
            opts.max_connections(1).sqlx_logging(false);
            let admin = Database::connect(opts).await?;
            // Two processes creating one schema at once can both fail; one at a time.
            let txn = admin.begin().await?;
            lock(&txn, service).await?;
            txn.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await?;
            txn.commit().await?;
            admin.close().await?;
        }
        postgres_pool(url, &schema).await
    }
}

/// A pool of connections to `schema`. A connection idle for more than a second is pinged
/// before it is handed out (the server may have restarted meanwhile); one in steady use
/// is not, which would cost a round trip per statement.
async fn postgres_pool(url: &str, schema: &str) -> Result<DatabaseConnection, DbErr> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
    let conn_err = |e: sea_orm::sqlx::Error| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e));
    let connect = url
        .parse::<PgConnectOptions>()
        .map_err(conn_err)?
        .options([("search_path", schema)])
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(1) {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(connect)
        .await
        .map_err(conn_err)?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        pool,
    ))
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Rows whose org path `column` is `root` or below it (whole path segments);
/// every row when `root` is empty.
pub fn in_subtree<C: sea_orm::ColumnTrait>(column: C, root: &str) -> sea_orm::Condition {
    use sea_orm::sea_query::LikeExpr;
    let root = root.trim_end_matches('/');
    if root.is_empty() {
        return sea_orm::Condition::all();
    }
    let escaped = root
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sea_orm::Condition::any()
        .add(column.eq(root))
        .add(column.like(LikeExpr::new(format!("{escaped}/%")).escape('\\')))
}

/// Runs `query`, a statement on `txn`, planned for its own values on PostgreSQL; the
/// transaction's other statements keep the plans PostgreSQL caches. For a lookup of a list
/// of ids in a table that grows under it: a plan cached while the table was small
/// (a sequential scan) is otherwise run over every row it has gained until the next
/// ANALYZE (docs/performance-log.md, «A plan cached from a small table»).
pub async fn planned_for_values<T>(
    txn: &DatabaseTransaction,
    query: impl std::future::Future<Output = Result<T, DbErr>>,
) -> Result<T, DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return query.await;
    }
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
        .await?;
    let out = query.await?;
    txn.execute_unprepared("SET LOCAL plan_cache_mode TO DEFAULT")
        .await?;
    Ok(out)
}

/// Rows from which a batch goes to PostgreSQL as arrays ([`pg_array`]) rather than a
/// `VALUES` list: a 1,000-row list costs milliseconds to parse and plan, while a small
/// one is planned for its own values each time (docs/performance-log.md,
/// «The color tick: large batches as arrays»).
pub const ARRAYS_FROM: usize = 200;

/// A PostgreSQL array literal of `items`, each quoted and `None` as NULL: one column of
/// a batch, sent as a single `unnest($n::type[])` parameter so that the statement's text
/// and plan are the same whatever the batch's size.
pub fn pg_array<S: AsRef<str>>(items: impl IntoIterator<Item = Option<S>>) -> String {
    let mut out = String::from("{");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Some(s) => {
                out.push('"');
                for c in s.as_ref().chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            None => out.push_str("NULL"),
        }
    }
    out.push('}');
    out
}

/// The PostgreSQL statement `sql` whose parameters `$1`, `$2`, … are the array literals
/// `columns` ([`pg_array`]), in that order.
pub fn with_arrays(sql: impl Into<String>, columns: Vec<String>) -> Statement {
    let values: Vec<sea_orm::Value> = columns.into_iter().map(Into::into).collect();
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Whether the database answers; for readiness probes.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// How many connections may use this database at once; 1 for SQLite by design.
pub fn max_connections(db: &DatabaseConnection) -> u32 {
    match db.get_database_backend() {
        DbBackend::Sqlite => db
            .get_sqlite_connection_pool()
            .options()
            .get_max_connections(),
        DbBackend::Postgres => db
            .get_postgres_connection_pool()
            .options()
            .get_max_connections(),
        _ => 0,
    }
}

/// The SQLite library version in use, e.g. `3.46.0`.
pub async fn sqlite_version(db: &DatabaseConnection) -> Result<String, DbErr> {
    let row = db
        .query_one(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "SELECT sqlite_version() AS v",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no version".into()))?;
    row.try_get("", "v")
}

/// Runs `M`'s pending migrations. On PostgreSQL one process at a time (a transaction
/// holding an advisory lock per service), so processes started together do not race.
pub async fn migrate<M: MigratorTrait>(
    db: &DatabaseConnection,
    service: &str,
) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return M::up(db, None).await;
    }
    let txn = db.begin().await?;
    lock(&txn, service).await?;
    M::up(&txn, None).await?;
    txn.commit().await
}

/// Refuses a database whose migrations have not all run, changing nothing: commands
/// other than `serve` and `migrate` never migrate.
pub async fn ensure_migrated<M: MigratorTrait>(
    db: &DatabaseConnection,
    service: &str,
) -> Result<(), DbErr> {
    // Asking may create the bookkeeping table; that is rolled back.
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        lock(&txn, service).await?;
    }
    let pending = M::get_pending_migrations(&txn).await?.len();
    txn.rollback().await?;
    if pending > 0 {
        return Err(DbErr::Custom(format!(
            "{service} 数据库尚未迁移（{pending} 项待执行）：先运行 `duban migrate`，或启动服务"
        )));
    }
    Ok(())
}

/// Takes the per-service migration lock until the transaction ends.
async fn lock(txn: &sea_orm::DatabaseTransaction, service: &str) -> Result<(), DbErr> {
    take_turns(txn, &format!("duban-migrate-{service}")).await
}

/// Makes transactions that call this with the same `name` take turns until each ends
/// (a transaction advisory lock on PostgreSQL; SQLite has one writer already).
pub async fn take_turns(txn: &sea_orm::DatabaseTransaction, name: &str) -> Result<(), DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    txn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [crate::lease::lock_key(name).into()],
    ))
    .await?;
    Ok(())
}

/// Inserts `rows`, or, where a row with the same `key` is there already, sets its
/// `replace` columns to the new row's; nothing is read back.
pub async fn upsert<A, C>(
    conn: &C,
    rows: impl IntoIterator<Item = A>,
    key: impl IntoIterator<Item = <A::Entity as EntityTrait>::Column>,
    replace: impl IntoIterator<Item = <A::Entity as EntityTrait>::Column>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let on = OnConflict::columns(key).update_columns(replace).to_owned();
    insert_or(conn, rows, on).await.map(|_| ())
}

/// Inserts those of `rows` whose `key` is not there yet and leaves the others; how many
/// it inserted.
pub async fn insert_new<A, C>(
    conn: &C,
    rows: impl IntoIterator<Item = A>,
    key: impl IntoIterator<Item = <A::Entity as EntityTrait>::Column>,
) -> Result<u64, DbErr>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let on = OnConflict::columns(key).do_nothing().to_owned();
    insert_or(conn, rows, on).await
}

/// Inserts `rows` (none is no statement) with `on` for those that meet a kept row; how
/// many it inserted or changed.
async fn insert_or<A, C>(
    conn: &C,
    rows: impl IntoIterator<Item = A>,
    on: OnConflict,
) -> Result<u64, DbErr>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let rows: Vec<A> = rows.into_iter().collect();
    if rows.is_empty() {
        return Ok(0);
    }
    A::Entity::insert_many(rows)
        .on_conflict(on)
        .exec_without_returning(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_literal_quotes_every_element_and_keeps_null_apart() {
        let items = [Some(r#"a "b" \c {d}, e"#), None, Some("NULL"), Some("")];
        assert_eq!(pg_array(items), r#"{"a \"b\" \\c {d}, e",NULL,"NULL",""}"#);
        assert_eq!(pg_array(Vec::<Option<&str>>::new()), "{}");
    }

    fn parse(v: &str) -> (u32, u32, u32) {
        let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        (
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
        )
    }

    #[tokio::test]
    async fn sqlite_older_than_3_51_3_is_only_ever_used_through_one_connection() {
        let dir = tempdir();
        let url = format!("sqlite://{}/x.db?mode=rwc", dir.display());
        let db = connect(&url, "x").await.unwrap();
        let version = sqlite_version(&db).await.unwrap();
        if parse(&version) < (3, 51, 3) {
            assert_eq!(
                max_connections(&db),
                1,
                "SQLite {version} has the WAL-reset bug: writes must go through one connection"
            );
        }
        let mode: String = db
            .query_one(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA journal_mode",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(mode, "wal");
    }

    fn tempdir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("duban-db-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn sqlite_paths_are_read_from_urls() {
        assert_eq!(
            sqlite_path("sqlite://data/a.db?mode=rwc"),
            Some("data/a.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
