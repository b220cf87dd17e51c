//! One command's writes sent in one round trip: on PostgreSQL its INSERTs ride as
//! data-modifying WITHs ahead of the main INSERT or UPDATE; SQLite has no data-modifying
//! WITH, so there they go as one call of several statements, the main one last (first,
//! when the inserts are kept only if it changed a row).

use sea_orm::sea_query::{
    InsertStatement, PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement};
use std::fmt::Write;

/// Runs `main` (an INSERT or UPDATE whose RETURNING gives a `T`) and `alongside` in
/// `conn`'s transaction, in one round trip: on PostgreSQL as one statement
/// ([`with_inserts`]), on SQLite as one call of several ([`in_sequence`]). What `main`
/// returned, if anything; every insert runs either way, and the caller's transaction makes
/// the whole succeed or fail together.
pub async fn write<T: FromQueryResult, C: ConnectionTrait>(
    conn: &C,
    main: &impl QueryStatementWriter,
    alongside: &[InsertStatement],
) -> Result<Option<T>, DbErr> {
    T::find_by_statement(statement(conn, main, alongside))
        .one(conn)
        .await
}

/// As [`write`], for a `main` without RETURNING: the caller already holds the row it
/// writes, so nothing is sent back. The number of rows `main` changed is not told.
pub async fn execute<C: ConnectionTrait>(
    conn: &C,
    main: &impl QueryStatementWriter,
    alongside: &[InsertStatement],
) -> Result<(), DbErr> {
    conn.execute(statement(conn, main, alongside)).await?;
    Ok(())
}

/// `main` (an UPDATE … RETURNING) and then `alongside` as one text of SQLite statements,
/// each insert kept only if the statement before it changed a row.
pub(crate) fn sqlite_if_changed(
    main: &impl QueryStatementWriter,
    alongside: &[InsertStatement],
) -> Result<Statement, DbErr> {
    let (text, vals) = main.build(SqliteQueryBuilder);
    let mut sql = text;
    let mut values = vals.0;
    for insert in alongside {
        let (text, vals) = insert.build(SqliteQueryBuilder);
        sql.push_str(";\n");
        sql.push_str(&guarded(&text, "changes() > 0")?);
        values.extend(vals.0);
    }
    Ok(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        values,
    ))
}

/// A `T` from the first of `rows`, if any.
pub(crate) fn first_row<T: FromQueryResult>(
    rows: Vec<sea_orm::sqlx::sqlite::SqliteRow>,
) -> Result<Option<T>, DbErr> {
    let row = rows.into_iter().next();
    row.map(|r| T::from_query_result(&sea_orm::QueryResult::from(r), ""))
        .transpose()
}

/// `stmt` (statements for SQLite) between `BEGIN IMMEDIATE` and `COMMIT`, as one call on a
/// connection held from the pool until it is done; the rows it returned.
pub(crate) async fn alone(db: &DatabaseConnection, stmt: Statement) -> Answer {
    alone_on(&mut held(db).await?, stmt).await
}

/// Rows of a SQLite call, or the error that stopped it.
pub(crate) type Answer = Result<Vec<sea_orm::sqlx::sqlite::SqliteRow>, DbErr>;

/// `db`'s SQLite connection, held from its pool until dropped.
pub(crate) async fn held(db: &DatabaseConnection) -> Result<Held, DbErr> {
    let pool = db.get_sqlite_connection_pool();
    pool.acquire().await.map_err(sqlx_err)
}

/// As [`alone`], on a connection already held; if the call is dropped midway, the
/// connection is closed (which rolls it back) instead of going back to the pool.
pub(crate) async fn alone_on(conn: &mut Held, stmt: Statement) -> Answer {
    let sql = format!("BEGIN IMMEDIATE;\n{};\nCOMMIT", stmt.sql);
    let mut open = Open::new(conn);
    let done = open.run(&sql, stmt.values).await;
    // A failed statement leaves its transaction open (unless it was the BEGIN): rolled
    // back here or, if that fails too, by closing the connection; the first error is told.
    if done.is_err() && open.run("ROLLBACK", None).await.is_err() {
        return done;
    }
    open.ended();
    done
}

/// A SQLite connection held from a service's pool.
pub(crate) type Held = sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>;

/// A held connection whose transaction may be open: closed if dropped before
/// [`Open::ended`] says it is not, so that no open transaction goes back to the pool.
pub(crate) struct Open<'a>(&'a mut Held, bool);

impl<'a> Open<'a> {
    /// `conn`, about to open a transaction.
    pub(crate) fn new(conn: &'a mut Held) -> Self {
        Self(conn, true)
    }

    /// `sql` (one statement or several) with `values`; the rows it returned.
    pub(crate) async fn run(&mut self, sql: &str, values: Option<sea_orm::Values>) -> Answer {
        let values = sea_query_binder::SqlxValues(values.unwrap_or(sea_orm::Values(Vec::new())));
        sea_orm::sqlx::query_with(sql, values)
            .fetch_all(&mut **self.0)
            .await
            .map_err(sqlx_err)
    }

    /// Its transaction is over: the connection may go back to the pool.
    pub(crate) fn ended(mut self) {
        self.1 = false;
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.close_on_drop();
        }
    }
}

/// A sqlx error as sea-orm's.
fn sqlx_err(e: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
}

fn statement<C: ConnectionTrait>(
    conn: &C,
    main: &impl QueryStatementWriter,
    alongside: &[InsertStatement],
) -> Statement {
    match conn.get_database_backend() {
        DbBackend::Postgres => with_inserts(alongside, main),
        backend => in_sequence(backend, alongside, main),
    }
}

/// `before` and then `main` as one text of statements with positional `?` placeholders,
/// their values in that order: SQLite's driver binds each statement's placeholders from
/// where the previous one's ended. `main` comes last, so that its RETURNING is the call's
/// first row and everything ahead of it has run by then.
pub(crate) fn in_sequence(
    backend: DbBackend,
    before: &[InsertStatement],
    main: &impl QueryStatementWriter,
) -> Statement {
    let builder = backend.get_query_builder();
    let mut sql = String::new();
    let mut values = Vec::new();
    for insert in before {
        let (text, vals) = insert.build_any(&*builder);
        sql.push_str(&text);
        sql.push_str(";\n");
        values.extend(vals.0);
    }
    let (text, vals) = main.build_any(&*builder);
    sql.push_str(&text);
    values.extend(vals.0);
    Statement::from_sql_and_values(backend, sql, values)
}

/// `main` with each of `before` written ahead of it in the same PostgreSQL statement.
/// All run on one snapshot and commit or fail together; `main`'s RETURNING, if any, is
/// what the statement returns.
fn with_inserts(before: &[InsertStatement], main: &impl QueryStatementWriter) -> Statement {
    let mut sql = String::new();
    let mut values = Vec::new();
    for (n, insert) in before.iter().enumerate() {
        let (text, vals) = insert.build(PostgresQueryBuilder);
        sql.push_str(if n == 0 { "WITH " } else { ", " });
        let _ = write!(sql, "w{n} AS ({})", shifted(&text, values.len()));
        values.extend(vals.0);
    }
    let (text, vals) = main.build(PostgresQueryBuilder);
    if !before.is_empty() {
        sql.push(' ');
    }
    sql.push_str(&shifted(&text, values.len()));
    values.extend(vals.0);
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// On PostgreSQL, `main` (an UPDATE whose RETURNING gives a `T`) with `alongside`
/// written only if it changed a row, in one statement: a whole command with no
/// transaction around it. What it returned, or `None` when `main` matched nothing and
/// nothing was written.
pub async fn write_if_changed<T: FromQueryResult, C: ConnectionTrait>(
    conn: &C,
    main: &impl QueryStatementWriter,
    alongside: &[InsertStatement],
) -> Result<Option<T>, DbErr> {
    T::find_by_statement(if_changed(main, alongside)?)
        .one(conn)
        .await
}

/// `WITH m AS (main), w0 AS (INSERT … SELECT … WHERE EXISTS (SELECT 1 FROM m)), … SELECT
/// * FROM m`: each insert's rows are kept only if `main` returned one.
fn if_changed(
    main: &impl QueryStatementWriter,
    alongside: &[InsertStatement],
) -> Result<Statement, DbErr> {
    let (text, vals) = main.build(PostgresQueryBuilder);
    let mut sql = format!("WITH m AS ({text})");
    let mut values = vals.0;
    for (n, insert) in alongside.iter().enumerate() {
        let (text, vals) = insert.build(PostgresQueryBuilder);
        let text = shifted(&text, values.len());
        let _ = write!(
            sql,
            ", w{n} AS ({})",
            guarded(&text, "EXISTS (SELECT 1 FROM m)")?
        );
        values.extend(vals.0);
    }
    sql.push_str(" SELECT * FROM m");
    Ok(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
}

/// The plain `INSERT … VALUES …` `text` as `INSERT … SELECT * FROM (VALUES …) AS v WHERE
/// condition`: its rows kept only when `condition` holds.
fn guarded(text: &str, condition: &str) -> Result<String, DbErr> {
    match text.split_once(" VALUES ") {
        Some((head, rows)) if !rows.contains(" ON CONFLICT ") && !rows.contains(" RETURNING ") => {
            Ok(format!(
                "{head} SELECT * FROM (VALUES {rows}) AS v WHERE {condition}"
            ))
        }
        _ => Err(DbErr::Custom(format!(
            "not a plain INSERT … VALUES: {text}"
        ))),
    }
}

/// `sql` with every `$n` placeholder outside quotes moved on by `by`.
fn shifted(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                let _ = write!(out, "${}", n + by);
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, Query};

    pub(crate) fn insert(table: &str, values: &[i32]) -> InsertStatement {
        let mut q = Query::insert();
        q.into_table(Alias::new(table)).columns([Alias::new("n")]);
        for v in values {
            q.values_panic([(*v).into()]);
        }
        q
    }

    #[test]
    fn placeholders_move_past_the_earlier_statements_values() {
        let mut main = insert("main", &[7]);
        main.returning_all();
        let s = with_inserts(&[insert("a", &[1, 2]), insert("b", &[3])], &main);
        assert_eq!(
            s.sql,
            r#"WITH w0 AS (INSERT INTO "a" ("n") VALUES ($1), ($2)), w1 AS (INSERT INTO "b" ("n") VALUES ($3)) INSERT INTO "main" ("n") VALUES ($4) RETURNING *"#
        );
        let values: Vec<i32> = s
            .values
            .unwrap()
            .0
            .into_iter()
            .map(|v| v.unwrap())
            .collect();
        assert_eq!(values, [1, 2, 3, 7]);
    }

    #[test]
    fn guarded_inserts_read_the_main_statements_row() {
        let mut main = Query::update();
        main.table(Alias::new("main"))
            .value(Alias::new("n"), 8)
            .and_where(sea_orm::sea_query::Expr::col(Alias::new("n")).eq(7))
            .returning_all();
        let s = if_changed(&main, &[insert("a", &[1, 2])]).unwrap();
        assert_eq!(
            s.sql,
            r#"WITH m AS (UPDATE "main" SET "n" = $1 WHERE "n" = $2 RETURNING *), w0 AS (INSERT INTO "a" ("n") SELECT * FROM (VALUES ($3), ($4)) AS v WHERE EXISTS (SELECT 1 FROM m)) SELECT * FROM m"#
        );
        let mut upsert = insert("b", &[3]);
        upsert.on_conflict(
            sea_orm::sea_query::OnConflict::column(Alias::new("n"))
                .do_nothing()
                .to_owned(),
        );
        assert!(if_changed(&main, &[upsert]).is_err());
    }

    #[test]
    fn quoted_dollars_and_two_digit_placeholders() {
        assert_eq!(
            shifted(r#"SELECT '$1', "a$2", $1, $12"#, 10),
            r#"SELECT '$1', "a$2", $11, $22"#
        );
        assert_eq!(
            with_inserts(&[], &insert("m", &[1])).sql,
            r#"INSERT INTO "m" ("n") VALUES ($1)"#
        );
    }

    pub(crate) mod row {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "main")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub n: i32,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub(crate) async fn numbers(db: &impl ConnectionTrait, table: &str) -> Vec<i32> {
        db.query_all(Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT n FROM {table} ORDER BY n"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect()
    }

    #[tokio::test]
    async fn on_sqlite_every_insert_runs_and_the_main_statement_gives_its_row() {
        use sea_orm::TransactionTrait;
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        for t in ["main", "a", "b"] {
            db.execute_unprepared(&format!("CREATE TABLE {t} (n INTEGER NOT NULL)"))
                .await
                .unwrap();
        }
        let txn = db.begin().await.unwrap();
        let mut main = insert("main", &[7]);
        main.returning_all();
        let alongside = [insert("a", &[1, 2]), insert("b", &[3])];
        let row = write::<row::Model, _>(&txn, &main, &alongside)
            .await
            .unwrap();
        assert_eq!(row, Some(row::Model { n: 7 }));
        // An UPDATE that matches nothing gives no row; its inserts still ran.
        let mut none = Query::update();
        none.table(Alias::new("main"))
            .value(Alias::new("n"), 8)
            .and_where(sea_orm::sea_query::Expr::col(Alias::new("n")).eq(99))
            .returning_all();
        let row = write::<row::Model, _>(&txn, &none, &[insert("b", &[4])])
            .await
            .unwrap();
        assert_eq!(row, None);
        // Without RETURNING, every statement runs and nothing comes back.
        execute(&txn, &insert("main", &[9]), &[insert("a", &[5])])
            .await
            .unwrap();
        txn.commit().await.unwrap();
        assert_eq!(numbers(&db, "main").await, [7, 9]);
        assert_eq!(numbers(&db, "a").await, [1, 2, 5]);
        assert_eq!(numbers(&db, "b").await, [3, 4]);
    }
}
