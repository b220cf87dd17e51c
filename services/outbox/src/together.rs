//! One command's writes sent as one statement on PostgreSQL: its INSERTs ride as
//! data-modifying WITHs ahead of the main INSERT or UPDATE, one round trip instead of
//! several. SQLite has no data-modifying WITH; there they go one by one.

use sea_orm::sea_query::{InsertStatement, PostgresQueryBuilder, QueryStatementWriter};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement};
use std::fmt::Write;

/// Runs `main` (an INSERT or UPDATE whose RETURNING gives `E`'s row) and `alongside` in
/// `conn`'s transaction: on PostgreSQL as one statement ([`with_inserts`]), elsewhere
/// `main` first and then each of `alongside`. The row `main` returned, if any; the
/// caller's transaction makes the whole succeed or fail together either way.
pub async fn write<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    main: &impl QueryStatementWriter,
    alongside: &[InsertStatement],
) -> Result<Option<E::Model>, DbErr> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        return E::find()
            .from_raw_sql(with_inserts(alongside, main))
            .one(conn)
            .await;
    }
    let (sql, values) = main.build_any(&*backend.get_query_builder());
    let row = E::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values.0))
        .one(conn)
        .await?;
    for insert in alongside {
        conn.execute(backend.build(insert)).await?;
    }
    Ok(row)
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
mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, Query};

    fn insert(table: &str, values: &[i32]) -> InsertStatement {
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
}
