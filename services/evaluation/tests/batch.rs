//! A batch of events handed over together leaves the same colors and announces the same
//! changes as the same events applied one by one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use duban_clock::{ManualClock, SharedClock};
use duban_evaluation::EvaluationService;
use duban_outbox::{EventBus, Handler};
use duban_schema::assignments::{
    AssignmentSnapshot, AssignmentState, AssignmentsEvent, SupervisionLevel,
};
use duban_schema::{Envelope, RawEnvelope};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;

async fn service(dir: &tempfile::TempDir, name: &str) -> (DatabaseConnection, EvaluationService) {
    let url = format!("sqlite://{}/{name}.db?mode=rwc", dir.path().display());
    let db = duban_outbox::db::connect(&url, "evaluation").await.unwrap();
    duban_evaluation::migration::Migrator::up(&db, None)
        .await
        .unwrap();
    let clock: SharedClock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 16, 2, 0, 0).unwrap(),
    ));
    let bus = EventBus {
        transport: Arc::new(duban_transport::InProcessTransport::new()),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    let svc = EvaluationService::new(db.clone(), bus, clock, "qs", 2);
    (db, svc)
}

fn snapshot(id: &str, version: i64, due_day: u32, percent: i32) -> AssignmentSnapshot {
    AssignmentSnapshot {
        state: if version == 1 {
            AssignmentState::Issued
        } else {
            AssignmentState::InProgress
        },
        due_on: chrono::NaiveDate::from_ymd_opt(2026, 3, due_day).unwrap(),
        progress_percent: percent,
        version,
        ..AssignmentSnapshot::example(id)
    }
}

fn raw(n: u128, a: AssignmentSnapshot) -> RawEnvelope {
    let at = DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap();
    let version = a.version;
    let event = if version == 1 {
        AssignmentsEvent::AssignmentIssued {
            assignment: a.clone(),
        }
    } else {
        AssignmentsEvent::SupervisionRaised {
            assignment: a.clone(),
            from: SupervisionLevel::Normal,
        }
    };
    let envelope = Envelope {
        meta: duban_outbox::meta(
            at,
            "qs",
            &a.lead_unit_path,
            "p-sup",
            uuid::Uuid::from_u128(n),
            None,
            &a.id,
            version,
        ),
        event,
    };
    serde_json::from_str(&envelope.to_json().unwrap()).unwrap()
}

/// Item a: issued far from its limit, then moved close to it, then past it, with a stale
/// redelivery of its first version in between; item b: issued already late, moved once.
fn events() -> Vec<RawEnvelope> {
    vec![
        raw(1, snapshot("a", 1, 31, 0)),
        raw(2, snapshot("b", 1, 12, 0)),
        raw(3, snapshot("a", 2, 17, 20)),
        raw(4, snapshot("a", 1, 31, 0)),
        raw(5, snapshot("b", 2, 31, 50)),
        raw(6, snapshot("a", 3, 13, 40)),
    ]
}

async fn items(db: &DatabaseConnection) -> Vec<String> {
    let sql = "SELECT id || ' v' || version || ' ' || color || ' ' || percent || ' ' || reason FROM tracked_item ORDER BY id";
    column(db, sql).await
}

async fn announced(db: &DatabaseConnection) -> Vec<String> {
    // Event ids are new on each run; the correlation id names the cause.
    let rows = column(db, "SELECT payload FROM outbox ORDER BY seq").await;
    rows.iter()
        .map(|p| {
            let v: serde_json::Value = serde_json::from_str(p).unwrap();
            format!(
                "{} {} {} → {} cause {}",
                v["type"],
                v["data"]["item_id"],
                v["data"]["from"],
                v["data"]["to"],
                v["correlation_id"]
            )
        })
        .collect()
}

async fn column(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

#[tokio::test]
async fn a_batch_has_the_effects_of_its_events_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let (one_db, one) = service(&dir, "one").await;
    for e in events() {
        let txn = one_db.begin().await.unwrap();
        drop(one.handle(&txn, &e).await.unwrap());
        txn.commit().await.unwrap();
    }
    let (all_db, all) = service(&dir, "all").await;
    let txn = all_db.begin().await.unwrap();
    let batch: Vec<_> = events()
        .into_iter()
        .map(|e| (e, tracing::Span::none()))
        .collect();
    drop(all.handle_all(&txn, &batch).await.unwrap());
    txn.commit().await.unwrap();

    let (one_items, all_items) = (items(&one_db).await, items(&all_db).await);
    assert_eq!(one_items.len(), 2, "{one_items:?}");
    assert!(one_items[0].starts_with("a v3 RED 40"), "{one_items:?}");
    assert!(one_items[1].starts_with("b v2 BLUE 50"), "{one_items:?}");
    assert_eq!(all_items, one_items);

    let (one_said, all_said) = (announced(&one_db).await, announced(&all_db).await);
    // a: none → blue → yellow → red; b: none → red → blue; the stale copy says nothing.
    assert_eq!(one_said.len(), 5, "{one_said:?}");
    assert_eq!(all_said, one_said);
}
