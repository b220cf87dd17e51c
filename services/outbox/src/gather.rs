//! Group commit on SQLite: the commands that arrive while another is in flight on a
//! service's connection go together in the writer's next call, between one `BEGIN
//! IMMEDIATE` and one `COMMIT`, each answered with its own rows once that commit is done. If the gathered
//! call fails, it is rolled back whole and each of its commands runs again alone, so
//! each gets its own answer (its own error) as it would have by itself. On PostgreSQL a
//! command is one statement already and goes as in [`together`](crate::together).

use crate::together::{self, alone, first_row, in_sequence, sqlite_if_changed};
use sea_orm::sea_query::{InsertStatement, QueryStatementWriter};
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::sqlx::{Column, Row};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Statement};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// Most commands one gathered call holds.
const MOST: usize = 32;

/// The column of the row that opens each command's share of a gathered call's rows.
const MARK: &str = "duban_gathered";

/// Rows, or the error that stopped them.
type Answer = Result<Vec<SqliteRow>, DbErr>;

/// A command waiting for its call: its statements and where its answer goes.
struct Waiting {
    stmt: Statement,
    answer: oneshot::Sender<Answer>,
}

/// One service's gathering of commands on its database. Clones share it; its writer
/// task starts with the first command and ends when the last clone is gone.
#[derive(Clone)]
pub struct Gathered {
    db: DatabaseConnection,
    writer: Arc<OnceLock<mpsc::UnboundedSender<Waiting>>>,
    calls: Arc<AtomicU64>,
    /// Commands begun and not yet answered.
    in_flight: Arc<AtomicUsize>,
}

impl Gathered {
    /// Commands on `db` gathered.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            writer: Arc::default(),
            calls: Arc::default(),
            in_flight: Arc::default(),
        }
    }

    /// How many calls have been made to the database so far, a call gathered or not (one
    /// more for each command run again alone).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// As [`together::execute_alone`], gathered with the commands waiting beside it.
    pub async fn execute_alone(
        &self,
        main: &impl QueryStatementWriter,
        alongside: &[InsertStatement],
    ) -> Result<(), DbErr> {
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return together::execute(&self.db, main, alongside).await;
        }
        self.call(in_sequence(DbBackend::Sqlite, alongside, main))
            .await?;
        Ok(())
    }

    /// As [`together::write_alone_if_changed`], gathered with the commands waiting beside
    /// it: the row, or `None` when `main` matched nothing and nothing was written.
    pub async fn write_alone_if_changed<E: EntityTrait>(
        &self,
        main: &impl QueryStatementWriter,
        alongside: &[InsertStatement],
    ) -> Result<Option<E::Model>, DbErr> {
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return together::write_if_changed::<E, _>(&self.db, main, alongside).await;
        }
        first_row::<E>(self.call(sqlite_if_changed(main, alongside)?).await?)
    }

    /// `stmt`'s rows once the call that holds it has committed. With no other command in
    /// flight it goes at once from the caller's task (no hop to the writer and back);
    /// otherwise it waits for the writer's next call.
    async fn call(&self, stmt: Statement) -> Answer {
        /// One command fewer in flight when dropped, answered or not.
        struct Flying<'a>(&'a AtomicUsize);
        impl Drop for Flying<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let others = self.in_flight.fetch_add(1, Ordering::Relaxed);
        let _flying = Flying(&self.in_flight);
        if others == 0 {
            self.calls.fetch_add(1, Ordering::Relaxed);
            return alone(&self.db, stmt).await;
        }
        let writer = self.writer.get_or_init(|| {
            let (send, receive) = mpsc::unbounded_channel();
            tokio::spawn(write(self.db.clone(), receive, self.calls.clone()));
            send
        });
        let (answer, answered) = oneshot::channel();
        let gone = || DbErr::Custom("数据库写入任务已停止".into());
        writer.send(Waiting { stmt, answer }).map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }
}

/// The writer: takes every command waiting, runs them as one call, answers each.
async fn write(
    db: DatabaseConnection,
    mut waiting: mpsc::UnboundedReceiver<Waiting>,
    calls: Arc<AtomicU64>,
) {
    let run = |stmt| {
        calls.fetch_add(1, Ordering::Relaxed);
        alone(&db, stmt)
    };
    while let Some(first) = waiting.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if batch.len() == 1 {
            let one = batch.remove(0);
            let _ = one.answer.send(run(one.stmt).await);
            continue;
        }
        let count = batch.len();
        match run(gathered(&batch)).await.map(|rows| shares(rows, count)) {
            Ok(Some(shares)) => {
                for (one, rows) in batch.into_iter().zip(shares) {
                    let _ = one.answer.send(Ok(rows));
                }
            }
            // Committed, but its rows could not be told apart: told, never written again.
            Ok(None) => {
                for one in batch {
                    let _ = one.answer.send(Err(DbErr::Custom(
                        "合并写入的结果无法分辨（已写入）".into(),
                    )));
                }
            }
            // Rolled back whole: each again by itself, for its own answer.
            Err(_) => {
                for one in batch {
                    let _ = one.answer.send(run(one.stmt).await);
                }
            }
        }
    }
}

/// The batch's statements as one text, each command's opened by a row of [`MARK`]
/// giving its place, their values in that order.
fn gathered(batch: &[Waiting]) -> Statement {
    let mut sql = String::new();
    let mut values = Vec::new();
    for (n, one) in batch.iter().enumerate() {
        if n > 0 {
            sql.push_str(";\n");
        }
        sql.push_str(&format!("SELECT {n} AS {MARK};\n"));
        sql.push_str(&one.stmt.sql);
        if let Some(v) = &one.stmt.values {
            values.extend(v.0.iter().cloned());
        }
    }
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

/// `rows` of a gathered call of `count` commands, split into each command's own; `None`
/// if the marks are not all there in order.
fn shares(rows: Vec<SqliteRow>, count: usize) -> Option<Vec<Vec<SqliteRow>>> {
    let mut shares: Vec<Vec<SqliteRow>> = Vec::with_capacity(count);
    for row in rows {
        let is_mark = row.columns().len() == 1 && row.column(0).name() == MARK;
        if is_mark {
            let place: i64 = row.try_get(0).ok()?;
            if usize::try_from(place).ok()? != shares.len() {
                return None;
            }
            shares.push(Vec::new());
        } else {
            shares.last_mut()?.push(row);
        }
    }
    (shares.len() == count).then_some(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::together::tests::{insert, numbers, other_writer, row, sqlite_file};
    use sea_orm::sea_query::{Alias, Expr, Query, UpdateStatement};
    use std::time::Duration;

    fn update(from: i32, to: i32) -> UpdateStatement {
        let mut q = Query::update();
        q.table(Alias::new("main"))
            .value(Alias::new("n"), to)
            .and_where(Expr::col(Alias::new("n")).eq(from))
            .returning_all();
        q
    }

    /// Holds the file with another writer, sends `first` (which waits in its BEGIN on the
    /// connection's thread), then `rest` (which wait for the writer), and lets go: the
    /// rest are one gathered call. Each command's answer, in the order given.
    async fn gathered_behind<T: Send + 'static>(
        dir: &std::path::Path,
        first: impl std::future::Future<Output = T> + Send + 'static,
        rest: Vec<Sent<T>>,
    ) -> Vec<T> {
        let (other, blocking) = other_writer(dir).await;
        let first = tokio::spawn(first);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let rest: Vec<_> = rest.into_iter().map(tokio::spawn).collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        blocking.rollback().await.unwrap();
        let mut answers = vec![first.await.unwrap()];
        for one in rest {
            answers.push(one.await.unwrap());
        }
        other.close().await.unwrap();
        answers
    }

    /// A command to run in [`gathered_behind`].
    type Sent<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

    #[tokio::test]
    async fn commands_waiting_together_are_one_call_and_one_failing_fails_only_itself() {
        let (db, dir) = sqlite_file().await;
        let gathered = Gathered::new(db.clone());
        let issue = |n: i32| {
            let g = gathered.clone();
            Box::pin(async move {
                g.execute_alone(&insert("main", &[n]), &[insert("a", &[n, n + 100])])
                    .await
                    .map_err(|e| e.to_string())
            }) as Sent<Result<(), String>>
        };
        let answers = gathered_behind(&dir, issue(1), (2..=9).map(issue).collect()).await;
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        assert_eq!(
            gathered.calls(),
            2,
            "the first alone, the eight behind it together"
        );
        assert_eq!(numbers(&db, "main").await, (1..=9).collect::<Vec<_>>());
        // 5's key is taken: the gathered call is undone, each of the others runs again
        // alone and is written once, and 5 alone is told why.
        let mut rest: Vec<_> = [10, 5, 11].into_iter().map(issue).collect();
        rest.push(issue(12));
        let answers = gathered_behind(&dir, issue(13), rest).await;
        let told: Vec<bool> = answers.iter().map(Result::is_ok).collect();
        assert_eq!(told, [true, true, false, true, true], "{answers:?}");
        let error = answers[2].as_ref().unwrap_err();
        assert!(error.contains("UNIQUE constraint failed"), "{error}");
        assert_eq!(gathered.calls(), 2 + 1 + 1 + 4);
        let main: Vec<i32> = (1..=13).collect();
        assert_eq!(numbers(&db, "main").await, main);
        let mut a: Vec<i32> = main.iter().flat_map(|n| [*n, n + 100]).collect();
        a.sort();
        assert_eq!(numbers(&db, "a").await, a, "no insert doubled or lost");
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn guarded_writes_in_one_call_each_read_their_own_row() {
        let (db, dir) = sqlite_file().await;
        let gathered = Gathered::new(db.clone());
        gathered
            .execute_alone(&insert("main", &[1]), &[])
            .await
            .unwrap();
        gathered
            .execute_alone(&insert("main", &[10]), &[])
            .await
            .unwrap();
        let write = |from: i32, to: i32, a: i32| {
            let g = gathered.clone();
            Box::pin(async move {
                g.write_alone_if_changed::<row::Entity>(&update(from, to), &[insert("a", &[a])])
                    .await
                    .unwrap()
            }) as Sent<Option<row::Model>>
        };
        // Behind the first: 1 → 2 and a stale 1 → 3 (matches nothing once 1 is 2), then
        // 10 → 11, in one call.
        let rest = vec![write(1, 2, 2), write(1, 3, 3), write(10, 11, 11)];
        let answers = gathered_behind(&dir, write(99, 98, 99), rest).await;
        let n = |n| Some(row::Model { n });
        assert_eq!(answers, [None, n(2), None, n(11)]);
        assert_eq!(gathered.calls(), 2 + 2);
        assert_eq!(numbers(&db, "main").await, [2, 11]);
        assert_eq!(
            numbers(&db, "a").await,
            [2, 11],
            "a stale write's insert is not kept"
        );
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
