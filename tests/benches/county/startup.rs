//! Start-up with a long history (issue 24): the PostgreSQL county's items, a million audit
//! leaves integrated into the stored tree, then the whole process started again, against
//! the same start on an empty county in the same run.

use super::report::Report;
use duban_tests::TestApp;
use sea_orm::ConnectionTrait;
use std::sync::Arc;
use std::time::Instant;

/// Leaves written straight into the audit log (start-up reads none of them; the
/// integration before it hashes and stores their tree).
const LEAVES: u64 = 1_000_000;

/// How long `duban::start` takes to listen on `app`'s databases after a clean stop: the
/// median of three restarts (the first after a large write meets a busy database).
async fn restart(mut app: TestApp) -> (f64, TestApp) {
    let mut took = Vec::new();
    for _ in 0..3 {
        let config = app.config.clone();
        let dir = app.shutdown().await.unwrap();
        let t0 = Instant::now();
        app = duban_tests::spawn_with(config, dir).await.unwrap();
        took.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    took.sort_by(f64::total_cmp);
    (took[1], app)
}

/// Adds LEAVES audit leaves to `app`'s log and integrates them; restarts it; reports both
/// starts. Hands the restarted app back.
pub async fn startup(app: TestApp, report: &mut Report, items: usize) -> TestApp {
    let empty = duban_tests::spawn_on_postgres_and_kafka().await.unwrap();
    empty.settle().await.unwrap();
    let (empty_ms, empty) = restart(empty).await;
    let _ = empty.shutdown().await;

    let audit = app.databases.audit.clone();
    audit
        .execute_unprepared(&format!(
            "INSERT INTO audit_leaf (idx, event_id, topic, event_type, aggregate_id, org_path, \
             actor, correlation_id, occurred_at, canonical, leaf_hash) \
             SELECT s.m + n, 'bench-' || n, 'bench', 'AssignmentIssued', 'bench-' || n, \
             '/bench', 'bench', 'bench', now(), '{{}}', md5(n::text) || md5((n + 1)::text) \
             FROM generate_series(0, {} - 1) n, \
             (SELECT coalesce(max(idx) + 1, 0) AS m FROM audit_leaf) s",
            LEAVES
        ))
        .await
        .unwrap();
    let config = &app.config;
    let log = duban_audit::AuditService::open(
        audit,
        duban_audit::AuditSettings {
            suite: duban_audit::checkpoint::Suite::parse(&config.audit_suite).unwrap(),
            origin: config.audit_origin(),
            seed: config.audit_seed(),
        },
        Arc::new(duban_clock::SystemClock),
    )
    .await
    .unwrap();
    let t0 = Instant::now();
    let mut size = 0;
    while size < LEAVES {
        size = log.integrate().await.unwrap();
    }
    let integrate = t0.elapsed().as_secs_f64();
    report.add(
        "PG+Kafka",
        &format!("integrating {size} audit leaves into the stored tree (hashing and storing every subtree)"),
        format!("{integrate:.1} s"),
        format!("{:.0} leaves/s", size as f64 / integrate),
        "",
    );
    let (long_ms, app) = restart(app).await;
    report.add(
        "PG+Kafka",
        "start (every service and the gateway, to listening) on an empty county, median of 3",
        format!("{empty_ms:.0} ms"),
        "1.00".into(),
        "",
    );
    report.add(
        "PG+Kafka",
        &format!("start with {items} items and {size} audit leaves, median of 3"),
        format!("{long_ms:.0} ms"),
        format!("{:.2}× empty", long_ms / empty_ms),
        "≤ 1 s, independent of history",
    );
    app
}
