//! What the audit log's tests share: a migrated log on SQLite and numbered events.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use duban_audit::checkpoint::Suite;
use duban_audit::{AuditService, AuditSettings};
use duban_clock::{SharedClock, SystemClock};
use duban_outbox::Handler;
use duban_schema::RawEnvelope;
use sea_orm::{DatabaseConnection, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;

/// The log settings every test uses, with a fixed signing seed.
pub fn settings(suite: Suite) -> AuditSettings {
    AuditSettings {
        suite,
        origin: "duban/test".into(),
        seed: [9u8; 32],
    }
}

/// A fresh log on SQLite: its directory (kept while alive), database and service.
pub async fn setup(suite: Suite) -> (tempfile::TempDir, DatabaseConnection, AuditService) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/audit.db?mode=rwc", dir.path().display());
    let db = duban_outbox::db::connect(&url, "audit").await.unwrap();
    duban_audit::migration::Migrator::up(&db, None)
        .await
        .unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let svc = AuditService::open(db.clone(), settings(suite), clock)
        .await
        .unwrap();
    (dir, db, svc)
}

/// Event `n`: an AssignmentIssued with its own id, date, unit and title.
pub fn event(n: u32) -> RawEnvelope {
    serde_json::from_value(serde_json::json!({
        "id": uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + n as u128).to_string(),
        "schema_version": 1,
        "occurred_at": format!("2026-03-{:02}T09:00:00+08:00", 1 + n % 28),
        "tenant": "qs",
        "org_path": if n.is_multiple_of(2) { "/qs/qingshi/qingshi-dzb" } else { "/qs/baisha/baisha-dzb" },
        "actor": "p-county-supervisor",
        "correlation_id": uuid::Uuid::from_u128(n as u128).to_string(),
        "causation_id": null,
        "aggregate_id": format!("a-{n}"),
        "aggregate_sequence": 1,
        "type": "AssignmentIssued",
        "data": {"n": n, "title": format!("事项{n}")}
    }))
    .unwrap()
}

/// Appends the events one alone, then in batches of three, as the consumer hands them over.
pub async fn append(db: &DatabaseConnection, svc: &AuditService, range: std::ops::Range<u32>) {
    let events: Vec<u32> = range.collect();
    for chunk in std::iter::once(&events[..1.min(events.len())])
        .chain(events.get(1..).unwrap_or_default().chunks(3))
    {
        let txn = db.begin().await.unwrap();
        let batch: Vec<_> = chunk
            .iter()
            .map(|&n| (event(n), tracing::Span::none()))
            .collect();
        let after = svc.handle_all(&txn, &batch).await.unwrap();
        drop(after);
        txn.commit().await.unwrap();
    }
    svc.integrate().await.unwrap();
}

/// Throws the stored tree away, as a log from before it was stored (or a forger who
/// rebuilds it from rewritten rows) would have it: no nodes, nothing integrated.
pub async fn forget_stored_tree(db: &DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    for t in ["audit_node_no_delete", "audit_node_no_update"] {
        db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {t}"))
            .await
            .unwrap();
    }
    db.execute_unprepared("DELETE FROM audit_node; UPDATE audit_tree SET size = 0")
        .await
        .unwrap();
}
