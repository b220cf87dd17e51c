//! From an event's commit to a signed audit checkpoint covering it, on the embedded
//! default (SQLite, in-process events), beside the mutation's own latency as the
//! baseline of the same run. `cargo bench -p duban-tests --bench checkpoint_latency`
//! (`DUBAN_BENCH_N` mutations, default 300).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::ISSUE;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use std::time::{Duration, Instant};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

async fn scalar(db: &sea_orm::DatabaseConnection, sql: String) -> Option<i64> {
    db.query_one(Statement::from_string(DbBackend::Sqlite, sql))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get_by_index::<Option<i64>>(0).ok().flatten())
}

fn main() {
    let n: usize = std::env::var("DUBAN_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    actix_web::rt::System::new().block_on(async move {
        let app = duban_tests::spawn_app().await.unwrap();
        app.settle().await.unwrap();
        let sup = app.token("county-supervisor").await.unwrap();
        let audit = app.databases.audit.clone();
        let (mut mutation, mut checkpoint) = (Vec::new(), Vec::new());
        for i in 0..n {
            let t0 = Instant::now();
            let body = app
                .gql(
                    Some(&sup),
                    ISSUE,
                    json!({"input": {"title": format!("检查点时延{i}"), "leadUnitId": "baisha-dzb", "timeLimitDays": 5}}),
                )
                .await
                .unwrap();
            // The response comes after the commit.
            let committed = Instant::now();
            mutation.push((committed - t0).as_secs_f64() * 1e3);
            let id = body["data"]["issueAssignment"]["assignment"]["id"].as_str().unwrap().to_string();
            let deadline = committed + Duration::from_secs(30);
            loop {
                let leaf = scalar(
                    &audit,
                    format!("SELECT idx FROM audit_leaf WHERE aggregate_id = '{id}' AND event_type = 'AssignmentIssued'"),
                )
                .await;
                let size = scalar(&audit, "SELECT max(size) FROM audit_checkpoint".into()).await;
                if let (Some(l), Some(s)) = (leaf, size) {
                    if s > l {
                        break;
                    }
                }
                assert!(Instant::now() < deadline, "no checkpoint within 30 s");
                actix_web::rt::time::sleep(Duration::from_millis(1)).await;
            }
            checkpoint.push(committed.elapsed().as_secs_f64() * 1e3);
        }
        let (m50, m99) = (pct(&mut mutation, 0.5), pct(&mut mutation, 0.99));
        let (c50, c99) = (pct(&mut checkpoint, 0.5), pct(&mut checkpoint, 0.99));
        println!("commit → signed checkpoint covering the event, {n} mutations, embedded default (one run)");
        println!("{:<40} {:>10} {:>10} {:>12}", "", "p50 ms", "p99 ms", "p99 ratio");
        println!("{:<40} {:>10.1} {:>10.1} {:>12}", "baseline: issueAssignment round trip", m50, m99, "1.00");
        println!("{:<40} {:>10.1} {:>10.1} {:>12.2}", "commit → checkpoint (target p99 ≤ 2000)", c50, c99, c99 / m99);
        app.shutdown().await.unwrap();
    });
}
