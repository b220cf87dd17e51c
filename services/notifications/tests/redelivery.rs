//! An event delivered again (a broker's redelivery, a consumer restarted before its
//! commit) makes no second notice and no second push: the consumer's inbox and the
//! queue's one delivery per channel and notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_notifications::entity::push_channel;
use duban_notifications::migration::Migrator;
use duban_notifications::NotificationsService;
use duban_outbox::{Consumer, EventBus};
use duban_schema::topics;
use duban_transport::{InProcessTransport, Record, Transport};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Statement};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

#[tokio::test]
async fn a_redelivered_event_makes_no_second_notice_and_no_second_push() {
    let dir = std::env::temp_dir().join(format!("duban-redelivery-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/n.db?mode=rwc", dir.display());
    let db = duban_outbox::db::connect(&url, "n").await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let clock: duban_clock::SharedClock = Arc::new(duban_clock::SystemClock);
    push_channel::Model {
        id: "hook".into(),
        name: "县政务平台".into(),
        channel: "WEBHOOK".into(),
        url: "http://127.0.0.1:9/hook".into(),
        secret: Some("s".into()),
        kinds: "[]".into(),
        scope_path: String::new(),
        max_concurrency: 4,
        sender: None,
        created_by: "p-admin".into(),
        created_at: clock.now(),
        deleted_at: None,
    }
    .into_active_model()
    .insert(&db)
    .await
    .unwrap();
    let transport = Arc::new(InProcessTransport::new());
    let bus = EventBus {
        transport: transport.clone(),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    let service = NotificationsService::new(db.clone(), bus, clock.clone(), "t");
    let json = include_str!("../../../schema/tests/fixtures/assignment_issued.json");
    let record = Record {
        key: "a".into(),
        payload: json.as_bytes().to_vec(),
        headers: Default::default(),
    };
    // Twice in one batch, and once more later.
    transport
        .publish(topics::ASSIGNMENTS, vec![record.clone(), record.clone()])
        .await
        .unwrap();
    let consumer = Consumer {
        group: duban_notifications::SERVICE.into(),
        topics: vec![topics::ASSIGNMENTS],
        db: db.clone(),
        transport: transport.clone(),
        handler: Arc::new(service),
        clock,
        on_handled: None,
    };
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(consumer.run(rx));
    let notices = "SELECT count(*) FROM notification WHERE kind = 'SUPERVISION_NOTICE'";
    for _ in 0..200 {
        if count(&db, notices).await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    transport
        .publish(topics::ASSIGNMENTS, vec![record])
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let _ = stop.send(true);
    let _ = task.await;
    let made = count(&db, notices).await;
    assert!(made > 0, "the event was handled");
    let pushes = count(&db, "SELECT count(*) FROM delivery").await;
    let told = count(&db, "SELECT count(*) FROM notification").await;
    assert_eq!(
        pushes, told,
        "one push per notice, however often the event came"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(DISTINCT recipient_id || kind) FROM notification"
        )
        .await,
        told,
        "no notice twice"
    );
}
