//! A batch of events handed over together leaves the same notices, and announces them
//! the same way, as the same events applied one by one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use duban_clock::{ManualClock, SharedClock};
use duban_notifications::NotificationsService;
use duban_outbox::{EventBus, Handler};
use duban_schema::assignments::{AssignmentSnapshot, AssignmentsEvent};
use duban_schema::{Envelope, RawEnvelope};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;

async fn service(
    dir: &tempfile::TempDir,
    name: &str,
) -> (DatabaseConnection, NotificationsService) {
    let url = format!("sqlite://{}/{name}.db?mode=rwc", dir.path().display());
    let db = duban_outbox::db::connect(&url, "notifications")
        .await
        .unwrap();
    duban_notifications::migration::Migrator::up(&db, None)
        .await
        .unwrap();
    let clock: SharedClock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 16, 2, 0, 0).unwrap(),
    ));
    let bus = EventBus {
        transport: Arc::new(duban_transport::InProcessTransport::new()),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    (db.clone(), NotificationsService::new(db, bus, clock, "qs"))
}

fn raw(n: u128, event: AssignmentsEvent) -> RawEnvelope {
    let a = event.assignment().unwrap().clone();
    let envelope = Envelope {
        meta: duban_outbox::meta(
            DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap(),
            "qs",
            &a.lead_unit_path,
            "p-county-supervisor",
            uuid::Uuid::from_u128(n),
            None,
            &a.id,
            a.version,
        ),
        event,
    };
    serde_json::from_str(&envelope.to_json().unwrap()).unwrap()
}

/// Item a is issued, then overdue for acknowledgement (a notice to the responsible
/// person and one to the issuer); item b is issued; an event of another producer is
/// passed over.
fn events() -> Vec<RawEnvelope> {
    let (a, b) = (
        AssignmentSnapshot::example("a"),
        AssignmentSnapshot::example("b"),
    );
    let mut foreign = raw(
        4,
        AssignmentsEvent::AssignmentIssued {
            assignment: b.clone(),
        },
    );
    foreign.event_type = "ColorChanged".into();
    vec![
        raw(
            1,
            AssignmentsEvent::AssignmentIssued {
                assignment: a.clone(),
            },
        ),
        raw(
            2,
            AssignmentsEvent::AcknowledgementOverdue { assignment: a },
        ),
        foreign,
        raw(3, AssignmentsEvent::AssignmentIssued { assignment: b }),
    ]
}

async fn column(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// The notices, and what each NotificationCreated says, sorted: ids are new on each run.
async fn effects(db: &DatabaseConnection) -> (Vec<String>, Vec<String>) {
    let notices = column(
        db,
        "SELECT recipient_id || ' ' || kind || ' ' || assignment_id || ' ' || title || ' ' || body FROM notification ORDER BY 1",
    )
    .await;
    let mut said: Vec<String> = column(db, "SELECT payload FROM outbox")
        .await
        .iter()
        .map(|p| {
            let v: serde_json::Value = serde_json::from_str(p).unwrap();
            let n = &v["data"]["notification"];
            format!(
                "{} {} {} {} {}",
                v["type"],
                n["recipient_id"],
                n["title"],
                v["correlation_id"],
                v["aggregate_id"] == n["id"]
            )
        })
        .collect();
    said.sort();
    (notices, said)
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
    let after = all.handle_all(&txn, &batch).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(after.len(), 1, "one wake and live push for the batch");

    let (one_notices, one_said) = effects(&one_db).await;
    assert_eq!(one_notices.len(), 4, "{one_notices:?}");
    assert_eq!(
        one_notices
            .iter()
            .filter(|n| n.starts_with("p-county-supervisor "))
            .count(),
        1,
        "{one_notices:?}"
    );
    assert_eq!(one_said.len(), 4, "{one_said:?}");
    assert!(
        one_said.iter().all(|s| s.ends_with(" true")),
        "{one_said:?}"
    );
    assert_eq!(effects(&all_db).await, (one_notices, one_said));
}
