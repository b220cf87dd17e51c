//! The county board (`board`) over the generated county: its cost is a few tally rows per
//! unit, so it should not grow with the items. The tallies are counted once from the
//! generated assignments (the load generator writes rows, not events), as the consumer
//! would have counted them; the as-of board reads the same figures kept as a day closed.

use crate::report::*;
use duban_tests::TestApp;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use std::time::Instant;

const BOARD: &str = "query($d: Date) { board(asOf: $d, orderBy: OVERDUE) {
  total { issued open overdue red yellow blue onTimeRate }
  rows { unit { id name } rank issued open overdue red yellow blue onTimeRate ackOnTimeRate } } }";

/// Writes evaluation's tallies of every generated assignment, per lead unit, and keeps
/// them as `yesterday` closed.
async fn tally(app: &TestApp, yesterday: chrono::NaiveDate) {
    let per_unit = app
        .databases
        .assignments
        .query_all(sea_orm::Statement::from_string(
            app.databases.assignments.get_database_backend(),
            "SELECT lead_unit_path, count(*) FROM assignment WHERE id LIKE 'lg-a%' \
             GROUP BY lead_unit_path"
                .to_string(),
        ))
        .await
        .unwrap();
    let eval: &DatabaseConnection = &app.databases.evaluation;
    let rows: Vec<String> = per_unit
        .iter()
        .map(|r| {
            let path: String = r.try_get_by_index(0).unwrap();
            let n: i64 = r.try_get_by_index(1).unwrap();
            format!("('{path}', '', 'ASSIGNMENT', {n}, {n}, {n})")
        })
        .collect();
    for chunk in rows.chunks(500) {
        eval.execute_unprepared(&format!(
            "INSERT INTO unit_tally (unit_path, campaign_id, kind, issued, open, blue) VALUES {} \
             ON CONFLICT (unit_path, campaign_id, kind) DO UPDATE SET issued = excluded.issued, \
             open = excluded.open, blue = excluded.blue",
            chunk.join(", ")
        ))
        .await
        .unwrap();
    }
    eval.execute_unprepared(&format!(
        "DELETE FROM unit_tally_day WHERE day = '{yesterday}'"
    ))
    .await
    .unwrap();
    let cols = "unit_path, campaign_id, kind, issued, open, blue";
    eval.execute_unprepared(&format!(
        "INSERT INTO unit_tally_day (day, {cols}) SELECT '{yesterday}', {cols} FROM unit_tally"
    ))
    .await
    .unwrap();
}

/// Board p99 for the county supervisor, live and as of yesterday, at `items` items, with
/// every unit under `county` (after the mutations part, the simulated year's too);
/// `first` holds the p99 at the first size measured.
pub(crate) async fn board(
    app: &TestApp,
    report: &mut Report,
    section: &str,
    items: usize,
    county: &str,
    first: &mut Option<f64>,
) {
    let units = duban_tests::count_rows(
        &app.databases.assignments,
        &format!("SELECT count(*) FROM org_unit WHERE path LIKE '{county}/%'"),
    )
    .await
    .unwrap();
    let yesterday = app.clock.today() - chrono::Days::new(1);
    // Today is live and yesterday kept, as the tick leaves them; then the generated
    // county's figures are put in both.
    if let Some(running) = app.running.as_ref() {
        running.evaluation.reassess().await.unwrap();
    }
    tally(app, yesterday).await;
    let token = app.token("county-supervisor").await.unwrap();
    let http = awc::Client::default();
    let measure = |as_of: Option<String>| {
        let (http, url, token) = (http.clone(), app.url.clone(), token.clone());
        async move {
            let mut v = Vec::new();
            for i in 0..550 {
                let t0 = Instant::now();
                let b = crate::gql(&http, &url, &token, BOARD, json!({ "d": as_of }))
                    .await
                    .expect("board");
                if i >= 50 {
                    v.push(t0.elapsed().as_secs_f64() * 1e3);
                }
                assert!(b["data"]["board"]["total"]["issued"].as_i64() >= Some(items as i64));
            }
            v
        }
    };
    let live = measure(None).await;
    let past = measure(Some(yesterday.to_string())).await;
    let p99 = pct(&live, 0.99);
    let flat = *first.get_or_insert(p99);
    report.add(
        section,
        &format!("board of the county ({units} units), {items} items, 500 queries: p50 / p99"),
        format!("{} / {} ms", f1(pct(&live, 0.5)), f1(p99)),
        format!("{}× p99 at 10k", f2(p99 / flat)),
        "p99 ≤ 20 ms, flat",
    );
    report.add(
        section,
        &format!("board as of yesterday, {items} items: p50 / p99"),
        format!("{} / {} ms", f1(pct(&past, 0.5)), f1(pct(&past, 0.99))),
        format!("{}× the live board's p99", f2(pct(&past, 0.99) / p99)),
        "p99 ≤ 20 ms",
    );
}
