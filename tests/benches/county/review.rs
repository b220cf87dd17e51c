//! Closing a 作风体检 round at a county's size: 41 units and 10,000 scores (written as
//! rows), against a plain aggregate query over the same scores in the same database.

use crate::report::*;
use duban_evaluation::review::{Rounding, Settings, Weights, DEFAULT_DIMENSIONS};
use duban_tests::TestApp;
use sea_orm::ConnectionTrait;
use std::time::Instant;

/// The units of the county the evaluation benches write.
pub(crate) const UNITS: usize = 41;
const SCORES: usize = 10_000;

/// Writes the round and its scores, times the aggregate 20 times and the close once.
pub(crate) async fn close_round(app: &TestApp, report: &mut Report, section: &str) {
    let Some(running) = app.running.as_ref() else {
        return;
    };
    let db = app.databases.evaluation.clone();
    let exec = |sql: String| exec(&db, sql);
    let ids = county_units(&db, "rv").await;
    let settings = serde_json::to_string(&Settings {
        dimensions: DEFAULT_DIMENSIONS.map(String::from).into(),
        weights: Weights::default(),
        rounding: Rounding::Gbt8170,
        dense_ranking: false,
    })
    .unwrap();
    let round = format!("bench-round-{}", uuid::Uuid::now_v7().simple());
    let today = app.clock.today();
    exec(format!(
        "INSERT INTO review_round (id, scope_unit_id, scope_path, month, deadline, settings, unit_ids, \
         lowest, talk_days, status, opened_by, opened_at, closed_at, results, version, reminded) VALUES \
         ('{round}', 'rv', '/rv', '{round}', '{today}', '{settings}', '{}', 0, 5, 'OPEN', 'p-x', \
         '2026-01-01T00:00:00+08:00', NULL, NULL, 1, true)",
        serde_json::to_string(&ids).unwrap()
    ))
    .await;
    for start in (0..SCORES).step_by(500) {
        let values: Vec<String> = (start..(start + 500).min(SCORES))
            .map(|i| {
                let v = 60 + (i * 7) % 41;
                format!(
                    "('{round}', 'rv-u{}', 'rv-p{i}', 'PEER', '{{\"工作态度\":{v},\"办事效率\":{},\"廉洁自律\":{}}}', '', \
                     '2026-01-01T00:00:00+08:00')",
                    i % UNITS,
                    100 - v / 2,
                    v
                )
            })
            .collect();
        exec(format!(
            "INSERT INTO review_submission (round_id, unit_id, person_id, source, scores, comment, submitted_at) VALUES {}",
            values.join(",")
        ))
        .await;
    }
    let base = median_ms(
        &db,
        &format!(
            "SELECT unit_id, COUNT(*), MIN(scores), MAX(scores) FROM review_submission \
             WHERE round_id = '{round}' GROUP BY unit_id"
        ),
    )
    .await;
    due_since_yesterday(&db, "review_round", &round, today).await;
    let closing = running.evaluation.close_due_reviews();
    let what = format!("closing a 作风体检 round: {UNITS} units, {SCORES} scores (means in decimal, results stored with their event)");
    timed_close(report, section, &what, ("GROUP BY", base), closing).await;
}

/// Times `closing` (which must close something) and reports it against `base`, the
/// median of the plain aggregate (named) over the same scores.
pub(crate) async fn timed_close<E: std::fmt::Debug>(
    report: &mut Report,
    section: &str,
    what: &str,
    (aggregate, base): (&str, f64),
    closing: impl std::future::Future<Output = Result<usize, E>>,
) {
    let t0 = Instant::now();
    let closed = closing.await.unwrap();
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    assert!(closed >= 1, "{what}: nothing closed");
    report.add(
        section,
        what,
        format!(
            "{} ms (plain {aggregate} over the scores: {} ms)",
            f1(ms),
            f2(base)
        ),
        format!("{}× the aggregate", f1(ms / base.max(1e-3))),
        "",
    );
}

/// Runs `sql` on `db`; a bench's write, which must not fail.
pub(crate) async fn exec(db: &sea_orm::DatabaseConnection, sql: String) {
    db.execute_unprepared(&sql).await.unwrap();
}

/// Moves row `id` of `table`, written due `today`, to due since yesterday: done just
/// before its close is timed, since a row written due already could be closed first by
/// the app's own minute tick.
pub(crate) async fn due_since_yesterday(
    db: &sea_orm::DatabaseConnection,
    table: &str,
    id: &str,
    today: chrono::NaiveDate,
) {
    let yesterday = today - chrono::Days::new(1);
    db.execute_unprepared(&format!(
        "UPDATE {table} SET deadline = '{yesterday}' WHERE id = '{id}'"
    ))
    .await
    .unwrap();
}

/// Writes a county `prefix` of [`UNITS`] units into evaluation's copy of the directory;
/// the units' ids.
pub(crate) async fn county_units(db: &sea_orm::DatabaseConnection, prefix: &str) -> Vec<String> {
    let ids: Vec<String> = (0..UNITS).map(|u| format!("{prefix}-u{u}")).collect();
    let mut rows = vec![format!("('{prefix}', NULL, '/{prefix}', '评议县')")];
    rows.extend(
        ids.iter()
            .enumerate()
            .map(|(u, id)| format!("('{id}', '{prefix}', '/{prefix}/{id}', '评议单位{u}')")),
    );
    db.execute_unprepared(&format!(
        "INSERT INTO org_unit_copy (id, parent_id, path, name) VALUES {} ON CONFLICT (id) DO NOTHING",
        rows.join(",")
    ))
    .await
    .unwrap();
    ids
}

/// The median of 20 runs of `sql`, in milliseconds.
pub(crate) async fn median_ms(db: &sea_orm::DatabaseConnection, sql: &str) -> f64 {
    let mut runs = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        db.query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap();
        runs.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    pct(&runs, 0.5)
}
