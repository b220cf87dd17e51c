//! The first loop on the production parts, PostgreSQL and a real Kafka broker, and a
//! shutdown when the database has gone away.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{scenarios, spawn_on_postgres_and_kafka};

#[actix_web::test]
async fn the_first_loop_runs_on_postgresql_and_kafka() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    scenarios::first_loop(&app).await;
    scenarios::one_trace_from_gateway_to_every_consumer(&app).await;
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let today = app.clock.today().format("%Y-%m-%d").to_string();
    // The board stands as of the last tick: the demo's history ends before today, and
    // today's dawn is judged by the tick (every minute in a deployment).
    app.color_tick().await.unwrap();
    app.settle().await.unwrap();
    scenarios::board_matches_the_tables(&app, &sup, &today).await;
    app.shutdown().await.unwrap();
}

/// A county's first real PostgreSQL gets no demo county unless one is asked for.
#[actix_web::test]
async fn an_empty_postgresql_database_gets_no_demo_data_unless_asked() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let config = duban_tests::on_postgres_and_kafka_in(&dir).await.unwrap();
    let app = duban_tests::spawn_with(config, dir).await.unwrap();
    assert!(app.assignments.is_empty().await.unwrap());
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn identity_comes_from_the_directory_on_postgresql_and_kafka() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    scenarios::identity_comes_from_the_directory(&app).await;
    app.shutdown().await.unwrap();
}

/// A database that goes away (here dropped; in production lost) must not keep a stopping
/// duban alive: the relays and consumers waiting to retry stop when told, and what was
/// not delivered stays in the outboxes for the next start.
#[actix_web::test]
async fn shutdown_stops_every_worker_when_the_database_is_gone() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let issued = app
        .gql(Some(&sup), scenarios::ISSUE, serde_json::json!({"input": {"title": "数据库离线前交办", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5}}))
        .await
        .unwrap();
    assert!(issued["errors"].is_null(), "{issued}");
    app.settle().await.unwrap();
    let name = duban_tests::database_name(&app.databases.assignments)
        .await
        .unwrap();
    duban_tests::drop_database(&name).await.unwrap();
    // Let the relays find the database gone and start retrying.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(60), app.shutdown()).await;
    let result = stopped.expect("shutdown hung after the database went away");
    result.expect("shutdown stops even when events cannot be counted");
}

/// A table of numbers for the one-statement write below.
mod number {
    use sea_orm::entity::prelude::*;

    /// One number and its value.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "number")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub n: i32,
        pub v: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A command written as one statement on PostgreSQL (a transition with its event and
/// lines) writes its inserts only when its update changed the row: a stale version leaves
/// no event behind. Typed values (a time, a missing text) pass through the guard.
#[actix_web::test]
async fn a_one_statement_write_keeps_its_inserts_only_when_the_row_changed() {
    use sea_orm::sea_query::{Alias, Expr, Query};
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait};
    let url = duban_tests::fresh_database().await.unwrap();
    let db = sea_orm::Database::connect(&url).await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE number (n int PRIMARY KEY, v int NOT NULL); \
         CREATE TABLE line (n int NOT NULL, at timestamptz NOT NULL, note text); \
         INSERT INTO number VALUES (7, 1);",
    )
    .await
    .unwrap();
    let line = |n: i32, note: Option<&str>| {
        let mut q = Query::insert();
        q.into_table(Alias::new("line"))
            .columns([Alias::new("n"), Alias::new("at"), Alias::new("note")])
            .values_panic([
                n.into(),
                chrono::Utc::now().into(),
                note.map(str::to_string).into(),
            ]);
        q
    };
    let update = |version: i32| {
        let mut q = number::Entity::update_many()
            .col_expr(number::Column::V, Expr::value(version + 1))
            .filter(number::Column::N.eq(7))
            .filter(number::Column::V.eq(version))
            .into_query();
        q.returning_all();
        q
    };
    let lines = || async {
        duban_tests::count_rows(&db, "SELECT count(*) FROM line")
            .await
            .unwrap()
    };
    // The row at `version`, with two lines, the second saying `text`.
    let write = |version: i32, text: &'static str| {
        let (db, update) = (&db, update(version));
        async move {
            let lines = [line(1, None), line(2, Some(text))];
            duban_outbox::together::write_if_changed::<number::Model, _>(db, &update, &lines)
                .await
                .unwrap()
        }
    };
    let stale = write(5, "过期").await;
    assert_eq!((stale, lines().await), (None, 0));
    let fresh = write(1, "办结").await;
    assert_eq!(fresh, Some(number::Model { n: 7, v: 2 }));
    assert_eq!(lines().await, 2);
    db.close().await.unwrap();
    duban_tests::drop_database(url.rsplit('/').next().unwrap())
        .await
        .unwrap();
}

/// A reminder that takes an item's next event position while a command on it is on its
/// way (read, not yet written) sends the command round again under the row's lock: its
/// event takes the position after, and no position is used twice.
#[actix_web::test]
async fn a_position_taken_meanwhile_sends_a_command_round_under_the_lock() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    let (clerk, id, acked) = scenarios::signed_for(&app, "提醒与报送同时到达").await;
    // As the scheduler does: the row held, its next position (3) taken, then committed.
    let db = &app.databases.assignments;
    let reminder = db.begin().await.unwrap();
    reminder
        .execute_unprepared(&format!(
            "SELECT 1 FROM assignment WHERE id = '{id}' FOR UPDATE"
        ))
        .await
        .unwrap();
    let report = serde_json::json!({"id": id, "expectedVersion": acked, "percent": 50, "text": "已完成一半"});
    let (reported, ()) = tokio::join!(
        scenarios::command(
            &app,
            &clerk,
            "reportProgress",
            "ReportProgressInput",
            report
        ),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            reminder
                .execute_unprepared(&format!(
                    "UPDATE assignment SET last_sequence = last_sequence + 1 WHERE id = '{id}'"
                ))
                .await
                .unwrap();
            reminder.commit().await.unwrap();
        }
    );
    assert_eq!(reported["version"], 3, "{reported}");
    let payloads = duban_tests::query_rows(
        db,
        &format!("SELECT payload FROM outbox WHERE key = '{id}' ORDER BY seq"),
    )
    .await
    .unwrap();
    let positions: Vec<i64> = payloads
        .iter()
        .map(|p| {
            let p: String = p.try_get_by_index(0).unwrap();
            serde_json::from_str::<serde_json::Value>(&p).unwrap()["aggregate_sequence"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        positions,
        [1, 2, 4],
        "issued, signed for, then after the reminder's 3"
    );
    app.shutdown().await.unwrap();
}

/// A command on an item this replica wrote last decides on the row it kept; a moved one
/// is never written over (`scenarios::kept_row_and_a_moved_one`).
#[actix_web::test]
async fn a_kept_row_saves_the_read_and_a_moved_one_is_never_written_over() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    scenarios::kept_row_and_a_moved_one(&app).await;
    app.shutdown().await.unwrap();
}

/// A reminder moves its item's event position, not its version; the tick leaves the row
/// it fired on as the one kept, so the item's next command decides on it without reading
/// the row again, and its events still take the next positions.
#[actix_web::test]
async fn after_a_reminder_the_next_command_decides_on_the_row_the_tick_left() {
    use sea_orm::ConnectionTrait;
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    // One working day: its due-soon reminder is due at once, whatever today is.
    let issued = app
        .ask(
            &sup,
            scenarios::ISSUE,
            serde_json::json!({"input": {"title": "提醒后的报送", "leadUnitId": "qingshi-dzb", "timeLimitDays": 1}}),
        )
        .await;
    let id = issued["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{issued}"))
        .to_string();
    let ack = app
        .ask(
            &clerk,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }",
            serde_json::json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        ack["data"]["acknowledgeAssignment"]["assignment"]["version"], 2,
        "{ack}"
    );
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(scenarios::fired(&app, &id, "AssignmentDueSoon").await, 1);
    // A change no writer of duban makes (each moves the version or the event position):
    // only a command that did not read the row again answers with the old title (and,
    // writing only the columns it moved, leaves the stored one).
    let db = &app.databases.assignments;
    db.execute_unprepared(&format!(
        "UPDATE assignment SET title = '库里改过' WHERE id = '{id}'"
    ))
    .await
    .unwrap();
    let report = app
        .ask(
            &clerk,
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { version title } } }",
            serde_json::json!({"i": {"id": id, "expectedVersion": 2, "percent": 40, "text": "提醒后报送"}}),
        )
        .await;
    let answered = &report["data"]["reportProgress"]["assignment"];
    assert_eq!(
        (&answered["version"], &answered["title"]),
        (&3.into(), &"提醒后的报送".into()),
        "decided on the tick's row: {report}"
    );
    let title = duban_tests::query_pairs::<String, i64>(
        db,
        &format!("SELECT title, last_sequence FROM assignment WHERE id = '{id}'"),
    )
    .await
    .unwrap();
    assert_eq!(
        title,
        [("库里改过".to_string(), 4)],
        "only what the report moved is written"
    );
    let kinds: Vec<String> = scenarios::positions(db, &id)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        kinds,
        [
            "AssignmentIssued",
            "AssignmentAcknowledged",
            "AssignmentDueSoon",
            "ProgressReported"
        ]
    );
    app.shutdown().await.unwrap();
}

/// Connections the request workers opened under load die with those workers at shutdown;
/// the relays' last mark after the drain must still be written (it once failed with
/// "a Tokio context … being shutdown" when it drew such a connection from the pool).
#[actix_web::test]
async fn shutdown_after_a_burst_marks_what_the_relays_sent() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    issue_at_once(&app, "关停前并发交办").await;
    let db = app.databases.assignments.clone();
    app.shutdown().await.unwrap();
    let (published, marked) = duban_tests::query_pairs::<i64, i64>(
        &db,
        "SELECT (SELECT max(seq) FROM outbox WHERE published_at IS NOT NULL), \
         (SELECT safe_seq FROM relay_mark WHERE id = 1)",
    )
    .await
    .unwrap()[0];
    assert_eq!(marked, published, "the mark covers every published event");
}

/// The harness's wait for the consumers (what every test and the benchmark's catch-up
/// times rely on) returns only once every event of a burst through Kafka is handled, and
/// says when that was first seen: after the burst, and not later than its return.
#[actix_web::test]
async fn settling_after_a_burst_waits_for_every_consumer_and_says_when_it_first_saw_them_done() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    issue_at_once(&app, "等待处理完毕").await;
    let sent = std::time::Instant::now();
    let first = app.settle().await.unwrap();
    let returned = std::time::Instant::now();
    assert!(app.databases.settled().await.unwrap());
    assert!(sent < first && first <= returned);
    let c = app.databases.counts().await.unwrap();
    let audited = c.handled.iter().find(|(g, _)| *g == "audit").unwrap().1;
    assert_eq!(audited, c.written.iter().map(|(_, n)| n).sum::<u64>());
}

/// 48 assignments issued at once by the county supervisor, titled `title` and a number.
async fn issue_at_once(app: &duban_tests::TestApp, title: &str) {
    let sup = app.token("county-supervisor").await.unwrap();
    let burst = (0..48).map(|n| {
        let sup = &sup;
        async move {
            scenarios::issue(app, sup, "qingshi-dzb", &format!("{title}{n}")).await;
        }
    });
    futures::future::join_all(burst).await;
}
