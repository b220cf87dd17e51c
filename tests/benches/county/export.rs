//! The county's whole assignment ledger exported as CSV through the gateway, against a
//! plain `COPY (the export's own SELECT) TO STDOUT` of the same rows, with the memory the
//! process held while it streamed.

use crate::report::{f1, memory_kib, Report};
use duban_tests::TestApp;
use futures::StreamExt;
use sea_orm::ConnectionTrait;
use std::time::Instant;

/// Resident memory of this process now, in KiB.
fn rss() -> u64 {
    memory_kib("self", "VmRSS:").unwrap_or(0)
}

/// Rows and bytes of a plain COPY of the export's statement, and its seconds.
async fn copy(app: &TestApp, county_path: &str) -> (u64, u64, f64) {
    use sea_orm::sqlx::postgres::PgPoolCopyExt;
    let sql = duban_assignments::ledger_export::county_ledger_statement(county_path);
    let pool = app.databases.assignments.get_postgres_connection_pool();
    let t0 = Instant::now();
    let mut out = pool
        .copy_out_raw(&format!("COPY ({sql}) TO STDOUT WITH (FORMAT csv)"))
        .await
        .unwrap();
    let (mut rows, mut bytes) = (0u64, 0u64);
    while let Some(chunk) = out.next().await {
        let chunk = chunk.unwrap();
        bytes += chunk.len() as u64;
        rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    (rows, bytes, t0.elapsed().as_secs_f64())
}

/// Rows and bytes of the county supervisor's CSV export, its seconds and the most this
/// process's resident memory grew while it streamed (KiB), the body read as it came.
async fn export(app: &TestApp) -> (u64, u64, f64, u64) {
    let token = app.token("county-supervisor").await.unwrap();
    let before = rss();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let watch = {
        let peak = peak.clone();
        actix_web::rt::spawn(async move {
            loop {
                peak.fetch_max(rss(), std::sync::atomic::Ordering::Relaxed);
                actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };
    let t0 = Instant::now();
    let resp = duban_tests::scenarios::csv_export(app, &token).await;
    let got = duban_tests::scenarios::read_along(resp).await;
    assert!(
        got.error.is_none(),
        "the export arrives whole: {:?}",
        got.error
    );
    let (lines, bytes) = (got.lines, got.bytes);
    let secs = t0.elapsed().as_secs_f64();
    watch.abort();
    let grew = peak.load(std::sync::atomic::Ordering::Relaxed) - before;
    // The header is a line; a cell with a line break inside adds lines in both files.
    (lines - 1, bytes, secs, grew)
}

/// The export of the county's `made` generated items (and the demo's) on `app`, with the
/// COPY baseline on PostgreSQL.
pub async fn whole_ledger(
    app: &TestApp,
    report: &mut Report,
    section: &str,
    county_path: &str,
    made: usize,
) {
    let (rows, bytes, secs, grew) = export(app).await;
    let rate = rows as f64 / secs;
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let versus = if app.databases.assignments.get_database_backend() == sea_orm::DbBackend::Postgres
    {
        let (copied, copy_bytes, copy_secs) = copy(app, county_path).await;
        let copy_rate = copied as f64 / copy_secs;
        report.add(
            section,
            &format!("baseline: `COPY (the export's SELECT) TO STDOUT` as CSV, {copied} lines ({:.0} MiB)", mib(copy_bytes)),
            format!("{copy_rate:.0} rows/s ({copy_secs:.2} s)"),
            "1.00".into(),
            "",
        );
        format!("{:.2} of COPY", rate / copy_rate)
    } else {
        String::new()
    };
    report.add(
        section,
        &format!("ledger export as CSV through the gateway, {rows} rows ({made} generated; {:.0} MiB), streamed", mib(bytes)),
        format!("{rate:.0} rows/s ({secs:.2} s); memory grew {} MiB", f1(grew as f64 / 1024.0)),
        versus,
        "≥ 0.5 of COPY, flat memory",
    );
}

/// The export alone (`DUBAN_BENCH_PARTS=export`): a county of `items` generated items,
/// then [`whole_ledger`].
pub async fn alone(app: &TestApp, report: &mut Report, section: &str, items: usize) {
    let spec = duban_assignments::loadgen::CountySpec {
        prefix: "lg".into(),
        townships: 20,
        offices: 24,
    };
    let cpath = duban_tests::scenarios::generated_county(app, &spec, items).await;
    let db = &app.databases.assignments;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await.unwrap();
    }
    whole_ledger(app, report, section, &cpath, items).await;
}
