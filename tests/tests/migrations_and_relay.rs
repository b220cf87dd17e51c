//! Migrations go up, down and up again on SQLite and PostgreSQL; the relay publishes
//! an outbox row that commits after a later one, and under a stream of commits lets rows
//! gather between its batches (PostgreSQL); audit leaves kept under a wrong topic are set right.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_clock::{SharedClock, SystemClock};
use duban_outbox::entity::outbox;
use duban_outbox::Relay;
use duban_transport::{InProcessTransport, Transport};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;
use std::time::Duration;

async fn up_down_up(db: &DatabaseConnection) {
    macro_rules! cycle {
        ($m:ty) => {
            <$m>::up(db, None).await.unwrap();
            <$m>::down(db, None).await.unwrap();
            <$m>::up(db, None).await.unwrap();
            assert!(<$m>::get_pending_migrations(db).await.unwrap().is_empty());
            <$m>::down(db, None).await.unwrap();
        };
    }
    cycle!(duban_assignments::migration::Migrator);
    cycle!(duban_evaluation::migration::Migrator);
    cycle!(duban_notifications::migration::Migrator);
    cycle!(duban_audit::migration::Migrator);
}

#[tokio::test]
async fn every_migration_goes_up_down_and_up_again_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/m.db?mode=rwc", dir.path().display());
    let db = duban_outbox::db::connect(&url, "m").await.unwrap();
    up_down_up(&db).await;
}

#[tokio::test]
async fn every_migration_goes_up_down_and_up_again_on_postgresql() {
    let url = duban_tests::fresh_database().await.unwrap();
    let db = duban_outbox::db::connect(&url, "m").await.unwrap();
    up_down_up(&db).await;
}

fn row(event: &str) -> outbox::ActiveModel {
    outbox::ActiveModel {
        event_id: Set(event.into()),
        topic: Set("duban.test.v1".into()),
        key: Set(event.into()),
        payload: Set(format!("{{\"e\":\"{event}\"}}")),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
}

/// A running relay over a fresh PostgreSQL database's outbox, publishing in-process.
struct RelayRig {
    db: DatabaseConnection,
    transport: InProcessTransport,
    wake: Arc<tokio::sync::Notify>,
    stop: tokio::sync::watch::Sender<bool>,
    relay: Relay,
    task: tokio::task::JoinHandle<Result<(), sea_orm::DbErr>>,
}

async fn relay_on_postgres() -> RelayRig {
    let url = duban_tests::fresh_database().await.unwrap();
    let db = duban_outbox::db::connect(&url, "relaytest").await.unwrap();
    duban_evaluation::migration::Migrator::up(&db, None)
        .await
        .unwrap();
    let transport = InProcessTransport::new();
    let shared: Arc<dyn Transport> = Arc::new(transport.clone());
    let wake = Arc::new(tokio::sync::Notify::new());
    let clock: SharedClock = Arc::new(SystemClock);
    let (stop, rx) = tokio::sync::watch::channel(false);
    let relay = Relay::new("test", db.clone(), shared, wake.clone(), clock);
    let task = tokio::spawn(relay.clone().run(rx));
    RelayRig {
        db,
        transport,
        wake,
        stop,
        relay,
        task,
    }
}

#[tokio::test]
async fn a_row_committed_after_a_later_sequence_is_still_published() {
    let rig = relay_on_postgres().await;

    // A takes the lower sequence number but commits last.
    let slow = rig.db.begin().await.unwrap();
    row("early-seq").insert(&slow).await.unwrap();
    row("late-seq").insert(&rig.db).await.unwrap();
    rig.wake.notify_one();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rig.transport.len("duban.test.v1") < 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        rig.transport.len("duban.test.v1"),
        1,
        "the committed row goes first"
    );
    slow.commit().await.unwrap();
    rig.wake.notify_one();
    while rig.transport.len("duban.test.v1") < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        rig.transport.len("duban.test.v1"),
        2,
        "the late commit is published too"
    );
    assert_eq!(rig.relay.backlog().await.unwrap(), 0);
    assert_eq!(outbox::Entity::find().count(&rig.db).await.unwrap(), 2);
    rig.stop.send(true).unwrap();
    rig.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_busy_relay_lets_rows_gather_between_batches_and_publishes_all_in_order() {
    let rig = relay_on_postgres().await;

    // A commit every millisecond or so, each waking the relay as a command does.
    let n = 200;
    for i in 0..n {
        row(&format!("e{i:03}")).insert(&rig.db).await.unwrap();
        rig.wake.notify_one();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rig.transport.len("duban.test.v1") < n && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    rig.stop.send(true).unwrap();
    rig.task.await.unwrap().unwrap();

    let rows = outbox::Entity::find().all(&rig.db).await.unwrap();
    assert_eq!(
        rig.transport.len("duban.test.v1"),
        n,
        "every row is published"
    );
    let mut sub = rig
        .transport
        .subscribe("reader", &["duban.test.v1"])
        .await
        .unwrap();
    let mut keys = Vec::new();
    for _ in 0..n {
        keys.push(sub.next().await.unwrap().record.key);
    }
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "in commit order");
    // Each batch is marked once, after it was handed over: the marks are the batches.
    let mut marks: Vec<_> = rows.iter().filter_map(|r| r.published_at).collect();
    marks.sort();
    marks.dedup();
    let gather = chrono::Duration::from_std(duban_outbox::relay::GATHER).unwrap();
    for pair in marks.windows(2) {
        assert!(
            pair[1] - pair[0] >= gather,
            "two batches were marked {} µs apart",
            (pair[1] - pair[0]).num_microseconds().unwrap_or(0)
        );
    }
    assert!(marks.len() < n, "{} batches for {n} rows", marks.len());
}

/// Leaves kept while the audit stored most evaluation and notifications events under the
/// assignments topic get their producer's topic, and the log stays append-only.
async fn leaf_topics_are_set_right(db: &DatabaseConnection) {
    use duban_audit::migration::Migrator as Audit;
    use sea_orm::ConnectionTrait;
    // Outbox and inbox, the leaves, the stored tree: the log as it was kept before.
    Audit::up(db, Some(3)).await.unwrap();
    for (idx, event_type, topic) in [
        (0, "AssignmentIssued", "duban.assignments.v1"),
        (1, "BulletinPublished", "duban.assignments.v1"),
        (2, "ColorChanged", "duban.evaluation.v1"),
        (3, "WebhookCreated", "duban.assignments.v1"),
    ] {
        db.execute_unprepared(&format!(
            "INSERT INTO audit_leaf (idx, event_id, topic, event_type, aggregate_id, org_path, \
             actor, correlation_id, occurred_at, canonical, leaf_hash) VALUES ({idx}, 'e{idx}', \
             '{topic}', '{event_type}', 'a', '/qs', 'p', 'c', '2026-11-30T09:00:00+08:00', '{{}}', 'h{idx}')"
        ))
        .await
        .unwrap();
    }
    Audit::up(db, None).await.unwrap();
    let got: Vec<(String, String)> =
        duban_tests::query_pairs(db, "SELECT event_type, topic FROM audit_leaf ORDER BY idx")
            .await
            .unwrap();
    let want = [
        ("AssignmentIssued", "duban.assignments.v1"),
        ("BulletinPublished", "duban.evaluation.v1"),
        ("ColorChanged", "duban.evaluation.v1"),
        ("WebhookCreated", "duban.notifications.v1"),
    ];
    assert_eq!(
        got,
        want.map(|(e, t)| (e.to_string(), t.to_string())).to_vec()
    );
    assert!(
        db.execute_unprepared("UPDATE audit_leaf SET topic = 'x'")
            .await
            .is_err(),
        "the log is append-only again"
    );
    Audit::down(db, None).await.unwrap();
}

#[tokio::test]
async fn leaf_topics_are_set_right_on_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/m.db?mode=rwc", dir.path().display());
    leaf_topics_are_set_right(&duban_outbox::db::connect(&url, "m").await.unwrap()).await;
    let url = duban_tests::fresh_database().await.unwrap();
    leaf_topics_are_set_right(&duban_outbox::db::connect(&url, "m").await.unwrap()).await;
}
