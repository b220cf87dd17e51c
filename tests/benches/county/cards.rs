//! The color tick at scale: evaluation holding `items` open items, of which 1,000 are due
//! to be judged again today; the tick reads only those (the index on `next_check_on`).

use crate::report::*;
use duban_tests::TestApp;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::time::Instant;

/// Rows a statement inserts.
const BATCH: usize = 500;
/// Items due to be judged again in each measured tick.
pub(crate) const CHANGING: usize = 1_000;

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap();
}

/// Puts `items` open items into evaluation's table: every one due in 60 days and next
/// judged in 40, except the first `CHANGING`, which lag far behind and are due today.
async fn generate(db: &DatabaseConnection, items: usize, today: chrono::NaiveDate) {
    let issued = today - chrono::Days::new(20);
    let due = today + chrono::Days::new(60);
    let later = today + chrono::Days::new(40);
    for start in (0..items).step_by(BATCH) {
        let values: Vec<String> = (start..(start + BATCH).min(items))
            .map(|i| {
                let next = if i < CHANGING { today } else { later };
                format!(
                    "('ct-{i:07}', 'ct-u{u}', '/bench/ct-u{u}', 'IN_PROGRESS', '{issued}', '{due}', 0, 1, \
                     'BLUE', '正常推进', '2026-01-01T00:00:00+08:00', 'ASSIGNMENT', '色牌{i}', 'NORMAL', NULL, \
                     NULL, 0, NULL, false, 'BLUE_ON_TRACK', '{next}', 'p-x', 'p-y')",
                    u = i % 500
                )
            })
            .collect();
        exec(
            db,
            &format!(
                "INSERT INTO tracked_item (id, unit_id, org_path, state, issued_on, due_on, percent, \
                 version, color, reason, color_since, kind, title, urgency, campaign_id, \
                 last_report_on, returns, late_days, returned_to_issuer, rule, next_check_on, \
                 responsible_person_id, issuer_id) VALUES {}",
                values.join(",")
            ),
        )
        .await;
    }
}

/// Measures the color tick on `app` with `items` open items, 1,000 of them due.
pub(crate) async fn color_tick(app: &TestApp, report: &mut Report, section: &str, items: usize) {
    let Some(running) = app.running.as_ref() else {
        return;
    };
    let evaluation = &running.evaluation;
    let db = app.databases.evaluation.clone();
    let today = app.clock.today();
    let t0 = Instant::now();
    generate(&db, items, today).await;
    let gen = t0.elapsed().as_secs_f64();
    // Steady state, as for the ledger: statistics up to date, and the load's dirty pages
    // written now, not by a checkpoint in the middle of the ticks.
    let _ = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let _ = db.execute_unprepared("VACUUM ANALYZE tracked_item").await;
            db.execute_unprepared("CHECKPOINT").await
        }
        _ => db.execute_unprepared("ANALYZE").await,
    };
    // Anything else due today (the demo county's items) is judged once first.
    evaluation.reassess().await.unwrap();
    let rearm = format!(
        "UPDATE tracked_item SET next_check_on = '{today}', color = 'BLUE', rule = 'BLUE_ON_TRACK' \
         WHERE id < 'ct-{CHANGING:07}' AND id LIKE 'ct-%'"
    );
    let (mut idle, mut busy) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        // The consumers of the last busy tick's cards finish first: the tick is measured
        // on its own (what they cost is the consumer rows).
        app.settle().await.unwrap();
        let t0 = Instant::now();
        evaluation.reassess().await.unwrap();
        idle.push(t0.elapsed().as_secs_f64() * 1e3);
        exec(&db, &rearm).await;
        let t0 = Instant::now();
        let changed = evaluation.reassess().await.unwrap();
        busy.push(t0.elapsed().as_secs_f64() * 1e3);
        assert_eq!(changed, CHANGING, "every lagging item changes its card");
    }
    report.add(
        section,
        &format!("color tick, {items} open items (generated in {gen:.0} s), none due: p50 / p99"),
        format!("{} / {} ms", f2(pct(&idle, 0.5)), f2(pct(&idle, 0.99))),
        "1.00".into(),
        "",
    );
    report.add(
        section,
        &format!("color tick, {items} open items, {CHANGING} changing their card: p50 / p99"),
        format!("{} / {} ms", f1(pct(&busy, 0.5)), f1(pct(&busy, 0.99))),
        format!(
            "{}× the idle tick",
            f1(pct(&busy, 0.5) / pct(&idle, 0.5).max(0.01))
        ),
        "≤ 50 ms",
    );
}

/// Events fed to evaluation's handler to measure what it costs.
const FED: usize = 5_000;

/// The CPU evaluation's consumer adds per issued assignment: its handler fed `FED`
/// AssignmentIssued events in batches of 100, each batch in one transaction as the
/// consumer runs it (the inbox row, the same for every consumer, not included). Each item
/// is issued now with its time limit ahead, so it arrives blue and announces nothing, as
/// a newly issued assignment does under load.
pub(crate) async fn consumer_cost(app: &TestApp, report: &mut Report, section: &str) {
    use duban_outbox::Handler;
    use sea_orm::TransactionTrait;
    let Some(running) = app.running.as_ref() else {
        return;
    };
    let fixture: serde_json::Value = serde_json::from_str(include_str!(
        "../../../schema/tests/fixtures/assignment_issued.json"
    ))
    .unwrap();
    let now = app.clock.now();
    let today = now.date_naive();
    let events: Vec<_> = (0..FED)
        .map(|i| {
            let mut v = fixture.clone();
            let id = format!("cc-{i:06}");
            v["id"] = serde_json::json!(duban_outbox::new_event_id(now));
            v["occurred_at"] = serde_json::json!(now.to_rfc3339());
            v["aggregate_id"] = serde_json::json!(id);
            let a = &mut v["data"]["assignment"];
            a["id"] = serde_json::json!(id);
            a["issued_at"] = serde_json::json!(now.to_rfc3339());
            a["due_on"] = serde_json::json!(today + chrono::Days::new(30));
            a["ack_due_on"] = serde_json::json!(today + chrono::Days::new(3));
            let raw: duban_schema::RawEnvelope = serde_json::from_value(v).unwrap();
            (raw, tracing::Span::none())
        })
        .collect();
    let db = &app.databases.evaluation;
    let before = crate::cpu::cpu_now();
    for batch in events.chunks(100) {
        let txn = db.begin().await.unwrap();
        let after = running.evaluation.handle_all(&txn, batch).await.unwrap();
        txn.commit().await.unwrap();
        for f in after {
            f();
        }
    }
    let split = crate::cpu::cpu_split(before, FED as f64);
    let blue = "SELECT COUNT(*) FROM tracked_item WHERE id LIKE 'cc-%' AND color = 'BLUE'";
    let blue = duban_tests::count_rows(db, blue).await.unwrap();
    assert_eq!(blue, FED as i64, "every item fed arrives blue");
    let announced = "SELECT COUNT(*) FROM outbox WHERE key LIKE 'cc-%'";
    let announced = duban_tests::count_rows(db, announced).await.unwrap();
    assert_eq!(announced, 0, "no item fed is announced");
    report.add(
        section,
        &format!("evaluation's consumer per issued assignment ({FED} events, batches of 100)"),
        split.to_string(),
        "".into(),
        "",
    );
}

/// Every weekly bulletin of a county of 500 units over the items the color tick left
/// (`items`, 1,000 of them carded): one run of the Monday job.
pub(crate) async fn bulletins(app: &TestApp, report: &mut Report, section: &str, items: usize) {
    let Some(running) = app.running.as_ref() else {
        return;
    };
    let db = app.databases.evaluation.clone();
    let mut values = vec!["('bench', NULL, '/bench', '压测县')".to_string()];
    values
        .extend((0..500).map(|u| format!("('ct-u{u}', 'bench', '/bench/ct-u{u}', '压测单位{u}')")));
    exec(
        &db,
        &format!(
            "INSERT INTO org_unit_copy (id, parent_id, path, name) VALUES {} ON CONFLICT (id) DO NOTHING",
            values.join(",")
        ),
    )
    .await;
    let today = app.clock.today();
    let monday = today
        - chrono::Days::new(
            u64::from(chrono::Datelike::weekday(&today).num_days_from_monday()) + 14,
        );
    let t0 = Instant::now();
    let written = running.evaluation.publish_week(monday).await.unwrap();
    let secs = t0.elapsed().as_secs_f64();
    report.add(
        section,
        &format!("every weekly bulletin of a county of {written} units over {items} items (one Monday run, stored with its events)"),
        format!("{secs:.2} s ({:.1} ms per bulletin)", secs * 1e3 / written.max(1) as f64),
        String::new(),
        "",
    );
}
