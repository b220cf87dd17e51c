//! Group commit on SQLite: commands that arrive while another is in flight on a
//! service's connection go together in the writer's next transaction, `BEGIN IMMEDIATE`,
//! each command between its own `SAVEPOINT` and `RELEASE`, then one `COMMIT`; each is
//! answered with its own rows once that commit is done. A command that fails is rolled
//! back to its savepoint and told its own error, the others go on; if the transaction
//! itself fails, each of its commands runs again alone, for its own answer. On
//! PostgreSQL a command is one statement already and goes as in
//! [`together`](crate::together).

use crate::together::{
    self, alone, alone_on, first_row, held, in_sequence, sqlite_if_changed, Answer, Held, Open,
};
use sea_orm::sea_query::{InsertStatement, QueryStatementWriter};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// Most commands one gathered transaction holds.
const MOST: usize = 32;

/// The savepoint each command of a gathered transaction is written under.
const MARK: &str = "duban_gathered";

/// A command waiting for its transaction: its statements and where its answer goes.
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

    /// How many transactions have been made so far, gathered or alone (one more for each
    /// command run again alone after its gathered transaction failed).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// `main` (with no RETURNING) and `alongside` as one command with no transaction of its
    /// own, written whole or not at all: on PostgreSQL [`together::execute`]'s one
    /// statement; on SQLite the inserts and then `main` between `BEGIN IMMEDIATE` and
    /// `COMMIT`, alone or gathered with the commands waiting beside it.
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

    /// `main` (an UPDATE … RETURNING) and `alongside` as one command with no transaction of
    /// its own, the inserts kept only if `main` changed a row (on PostgreSQL
    /// [`together::write_if_changed`]'s one statement), alone or gathered as
    /// [`Self::execute_alone`]: what `main` returned, or `None` when it matched nothing and
    /// nothing was written.
    pub async fn write_alone_if_changed<T: FromQueryResult>(
        &self,
        main: &impl QueryStatementWriter,
        alongside: &[InsertStatement],
    ) -> Result<Option<T>, DbErr> {
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return together::write_if_changed::<T, _>(&self.db, main, alongside).await;
        }
        first_row::<T>(self.call(sqlite_if_changed(main, alongside)?).await?)
    }

    /// `stmt`'s rows once the transaction that holds it has committed. With no other command in
    /// flight it goes at once from the caller's task (no hop to the writer and back);
    /// otherwise it waits for the writer's next transaction.
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

/// The writer: once it holds the connection, takes every command waiting whose caller is
/// still there (one dropped before then is never written), runs them in one transaction
/// ([`in_one`]), answers each.
async fn write(
    db: DatabaseConnection,
    mut waiting: mpsc::UnboundedReceiver<Waiting>,
    calls: Arc<AtomicU64>,
) {
    while let Some(first) = waiting.recv().await {
        let mut conn = match held(&db).await {
            Ok(conn) => conn,
            Err(e) => {
                let _ = first.answer.send(Err(e));
                continue;
            }
        };
        let mut batch = vec![first];
        while batch.len() < MOST {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        batch.retain(|one| !one.answer.is_closed());
        if batch.len() > 1 {
            calls.fetch_add(1, Ordering::Relaxed);
            batch = match in_one(&mut conn, batch).await {
                Ok(answered) => {
                    for (one, answer) in answered {
                        let _ = one.answer.send(answer);
                    }
                    continue;
                }
                Err(batch) => batch,
            };
        }
        // Alone, or again alone after the transaction failed, for each its own answer.
        for one in batch {
            calls.fetch_add(1, Ordering::Relaxed);
            let _ = one.answer.send(alone_on(&mut conn, one.stmt).await);
        }
    }
}

/// `batch` in one transaction on `conn`: each command's answer once it has committed, a
/// command that failed rolled back to its savepoint with its own error; or the batch
/// back, nothing of it written, if the transaction itself failed.
async fn in_one(
    conn: &mut Held,
    batch: Vec<Waiting>,
) -> Result<Vec<(Waiting, Answer)>, Vec<Waiting>> {
    let mut open = Open::new(conn);
    if open.run("BEGIN IMMEDIATE", None).await.is_err() {
        open.ended();
        return Err(batch);
    }
    let mut answers = Vec::with_capacity(batch.len());
    // Whether every failed command was rolled back to its savepoint alone.
    let mut whole = true;
    for one in &batch {
        let sql = format!("SAVEPOINT {MARK};\n{};\nRELEASE {MARK}", one.stmt.sql);
        let answer = open.run(&sql, one.stmt.values.clone()).await;
        let failed = answer.is_err();
        answers.push(answer);
        let back = || format!("ROLLBACK TO {MARK};\nRELEASE {MARK}");
        if failed && open.run(&back(), None).await.is_err() {
            whole = false;
            break;
        }
    }
    if whole && open.run("COMMIT", None).await.is_ok() {
        open.ended();
        return Ok(batch.into_iter().zip(answers).collect());
    }
    if open.run("ROLLBACK", None).await.is_ok() {
        open.ended();
    }
    Err(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::together::tests::{insert, numbers, row};
    use sea_orm::sea_query::{Alias, Expr, Query, UpdateStatement};
    use sea_orm::Statement;
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
    /// rest are one gathered transaction. Each command's answer, in the order given.
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

    /// `command` on its own handle of `g`, sent as one of [`gathered_behind`]'s, its error
    /// as text.
    fn sent<F>(g: &Gathered, command: impl FnOnce(Gathered) -> F) -> Sent<Result<(), String>>
    where
        F: std::future::Future<Output = Result<(), DbErr>> + Send + 'static,
    {
        let done = command(g.clone());
        Box::pin(async move { done.await.map_err(|e| e.to_string()) })
    }

    #[tokio::test]
    async fn commands_waiting_together_are_one_transaction_and_one_failing_fails_only_itself() {
        let (db, dir) = sqlite_file().await;
        let gathered = Gathered::new(db.clone());
        let issue = |n: i32| {
            sent(&gathered, move |g| async move {
                g.execute_alone(&insert("main", &[n]), &[insert("a", &[n, n + 100])])
                    .await
            })
        };
        let answers = gathered_behind(&dir, issue(1), (2..=9).map(issue).collect()).await;
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        assert_eq!(
            gathered.calls(),
            2,
            "the first alone, the eight behind it together"
        );
        assert_eq!(numbers(&db, "main").await, (1..=9).collect::<Vec<_>>());
        // 5's key is taken: 5 alone is undone, to its savepoint, and told why; the others
        // are written once each, in the same transaction.
        let mut rest: Vec<_> = [10, 5, 11].into_iter().map(issue).collect();
        rest.push(issue(12));
        let answers = gathered_behind(&dir, issue(13), rest).await;
        let told: Vec<bool> = answers.iter().map(Result::is_ok).collect();
        assert_eq!(told, [true, true, false, true, true], "{answers:?}");
        let error = answers[2].as_ref().unwrap_err();
        assert!(error.contains("UNIQUE constraint failed"), "{error}");
        assert_eq!(gathered.calls(), 2 + 1 + 1);
        let main: Vec<i32> = (1..=13).collect();
        assert_eq!(numbers(&db, "main").await, main);
        let mut a: Vec<i32> = main.iter().flat_map(|n| [*n, n + 100]).collect();
        a.sort();
        assert_eq!(numbers(&db, "a").await, a, "no insert doubled or lost");
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_gathered_transaction_that_cannot_commit_runs_each_command_again_alone() {
        let (db, dir) = sqlite_file().await;
        // A row of `c` must name a row of `main` by the COMMIT, not before.
        db.execute_unprepared(
            "CREATE TABLE c (n INTEGER REFERENCES main (n) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await
        .unwrap();
        let gathered = Gathered::new(db.clone());
        let write = |table: &'static str, n: i32| {
            sent(&gathered, move |g| async move {
                g.execute_alone(&insert(table, &[n]), &[]).await
            })
        };
        let rest = vec![write("main", 21), write("c", 999), write("main", 22)];
        let answers = gathered_behind(&dir, write("main", 20), rest).await;
        let told: Vec<bool> = answers.iter().map(Result::is_ok).collect();
        assert_eq!(told, [true, true, false, true], "{answers:?}");
        let error = answers[2].as_ref().unwrap_err();
        assert!(error.contains("FOREIGN KEY constraint failed"), "{error}");
        assert_eq!(gathered.calls(), 1 + 1 + 3, "the three again alone");
        assert_eq!(numbers(&db, "main").await, [20, 21, 22]);
        assert!(numbers(&db, "c").await.is_empty());
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_command_that_undoes_the_whole_transaction_leaves_the_rest_to_run_alone() {
        let (db, dir) = sqlite_file().await;
        let gathered = Gathered::new(db.clone());
        let write = |sql: String| {
            sent(&gathered, move |g| async move {
                let stmt = Statement::from_string(DbBackend::Sqlite, sql);
                g.call(stmt).await.map(|_| ())
            })
        };
        let main = |n: i32| write(format!("INSERT INTO main VALUES ({n})"));
        // 40's key is taken, and OR ROLLBACK undoes the whole transaction, savepoints and
        // all: nothing after it may run outside it, and nothing before it is kept.
        let undoing = write("INSERT OR ROLLBACK INTO main VALUES (40)".into());
        let rest = vec![main(41), undoing, main(42)];
        let answers = gathered_behind(&dir, main(40), rest).await;
        let told: Vec<bool> = answers.iter().map(Result::is_ok).collect();
        assert_eq!(told, [true, true, false, true], "{answers:?}");
        assert_eq!(gathered.calls(), 1 + 1 + 3, "the three again alone");
        assert_eq!(numbers(&db, "main").await, [40, 41, 42]);
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_command_whose_caller_left_while_it_waited_is_never_written() {
        let (db, dir) = sqlite_file().await;
        let gathered = Gathered::new(db.clone());
        let issue = |n: i32| {
            let g = gathered.clone();
            tokio::spawn(async move { g.execute_alone(&insert("main", &[n]), &[]).await })
        };
        let (other, blocking) = other_writer(&dir).await;
        let first = issue(1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        // 2 waits for the writer, which waits for the connection; its caller leaves.
        let left = issue(2);
        tokio::time::sleep(Duration::from_millis(100)).await;
        left.abort();
        let third = issue(3);
        tokio::time::sleep(Duration::from_millis(100)).await;
        blocking.rollback().await.unwrap();
        first.await.unwrap().unwrap();
        third.await.unwrap().unwrap();
        assert!(left.await.unwrap_err().is_cancelled());
        assert_eq!(numbers(&db, "main").await, [1, 3]);
        assert_eq!(gathered.calls(), 2, "the first, then the third alone");
        other.close().await.unwrap();
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn guarded_writes_in_one_transaction_each_read_their_own_row() {
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
                g.write_alone_if_changed::<row::Model>(&update(from, to), &[insert("a", &[a])])
                    .await
                    .unwrap()
            }) as Sent<Option<row::Model>>
        };
        // Behind the first: 1 → 2 and a stale 1 → 3 (matches nothing once 1 is 2), then
        // 10 → 11, in one transaction.
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

    /// A SQLite file of its own, opened as the services open theirs (one connection),
    /// with `main (n PRIMARY KEY)` and `a (n)`.
    async fn sqlite_file() -> (DatabaseConnection, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("duban-gather-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
        let db = crate::db::connect(&url, "t").await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE main (n INTEGER PRIMARY KEY); CREATE TABLE a (n INTEGER NOT NULL)",
        )
        .await
        .unwrap();
        (db, dir)
    }

    /// A second connection to the file of [`sqlite_file`], holding its write lock in a
    /// transaction until the test ends it.
    async fn other_writer(
        dir: &std::path::Path,
    ) -> (DatabaseConnection, sea_orm::DatabaseTransaction) {
        let url = format!("sqlite://{}/t.db", dir.display());
        let other = crate::db::connect(&url, "t").await.unwrap();
        let blocking = sea_orm::TransactionTrait::begin(&other).await.unwrap();
        blocking
            .execute_unprepared("INSERT INTO a VALUES (0)")
            .await
            .unwrap();
        (other, blocking)
    }

    #[tokio::test]
    async fn alone_a_command_is_written_whole_or_not_at_all() {
        let (db, dir) = sqlite_file().await;
        let g = Gathered::new(db.clone());
        g.execute_alone(&insert("main", &[1]), &[insert("a", &[1, 2])])
            .await
            .unwrap();
        // The main statement fails (its key is taken): the insert before it is undone,
        // and the connection is left outside any transaction for the next command.
        let taken = g
            .execute_alone(&insert("main", &[1]), &[insert("a", &[3])])
            .await;
        let told = taken.unwrap_err().to_string();
        assert!(told.contains("UNIQUE constraint failed"), "{told}");
        g.execute_alone(&insert("main", &[2]), &[insert("a", &[4])])
            .await
            .unwrap();
        assert_eq!(numbers(&db, "main").await, [1, 2]);
        assert_eq!(numbers(&db, "a").await, [1, 2, 4]);
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn alone_a_guarded_write_keeps_its_inserts_only_when_the_row_changed() {
        let (db, dir) = sqlite_file().await;
        let g = Gathered::new(db.clone());
        g.execute_alone(&insert("main", &[1]), &[]).await.unwrap();
        let update = |from: i32, to: i32| {
            let mut q = Query::update();
            q.table(Alias::new("main"))
                .value(Alias::new("n"), to)
                .and_where(sea_orm::sea_query::Expr::col(Alias::new("n")).eq(from))
                .returning_all();
            q
        };
        let write = |from, to, alongside: Vec<InsertStatement>| {
            let (g, main) = (&g, update(from, to));
            async move {
                g.write_alone_if_changed::<row::Model>(&main, &alongside)
                    .await
                    .unwrap()
            }
        };
        let fresh = write(1, 2, vec![insert("a", &[1, 2])]).await;
        assert_eq!(fresh, Some(row::Model { n: 2 }));
        // Matched nothing: neither insert is written, the second no more than the first.
        let stale = write(1, 9, vec![insert("a", &[3]), insert("a", &[4])]).await;
        assert_eq!(stale, None);
        let next = write(2, 3, vec![insert("a", &[5]), insert("a", &[6])]).await;
        assert_eq!(next, Some(row::Model { n: 3 }), "nothing left open");
        assert_eq!(numbers(&db, "main").await, [3]);
        assert_eq!(numbers(&db, "a").await, [1, 2, 5, 6]);
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn alone_a_command_dropped_midway_leaves_nothing_open() {
        let (db, dir) = sqlite_file().await;
        let g = Gathered::new(db.clone());
        // Another writer holds the file: the call waits in its BEGIN IMMEDIATE, on the
        // connection's thread, and is dropped there.
        let (other, blocking) = other_writer(&dir).await;
        let (main, alongside) = (insert("main", &[1]), [insert("a", &[1, 1])]);
        let call = g.execute_alone(&main, &alongside);
        let dropped = tokio::time::timeout(Duration::from_millis(200), call).await;
        assert!(dropped.is_err(), "still waiting for the other writer");
        // The other writer gives way: the dropped call's BEGIN IMMEDIATE gets the file,
        // and nothing is left to send its statements or end its transaction.
        blocking.rollback().await.unwrap();
        g.execute_alone(&insert("main", &[2]), &[insert("a", &[2])])
            .await
            .unwrap();
        assert_eq!(numbers(&db, "main").await, [2]);
        assert_eq!(numbers(&db, "a").await, [2]);
        let synchronous: i32 = db
            .query_one(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA synchronous",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(
            synchronous, 1,
            "the connection opened again is NORMAL as the first"
        );
        other.close().await.unwrap();
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn alone_a_begin_that_waits_too_long_tells_why() {
        let (db, dir) = sqlite_file().await;
        let g = Gathered::new(db.clone());
        let (other, blocking) = other_writer(&dir).await;
        // Past the busy timeout: the BEGIN fails, and no transaction is there to undo.
        let refused = g
            .execute_alone(&insert("main", &[1]), &[insert("a", &[1])])
            .await;
        let told = refused.unwrap_err().to_string();
        assert!(told.contains("database is locked"), "{told}");
        blocking.rollback().await.unwrap();
        g.execute_alone(&insert("main", &[2]), &[insert("a", &[2])])
            .await
            .unwrap();
        assert_eq!(numbers(&db, "main").await, [2]);
        other.close().await.unwrap();
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
