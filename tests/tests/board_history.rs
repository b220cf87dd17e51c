//! A simulated month on the demo county, then every day's board as of that day checked
//! against a count made directly from the event history (the audit log's leaves): the
//! assignments' snapshots and evaluation's cards, each as it stood at the end of the day.
//! Some days have no tick, so the days are closed both by the tick catching up and by
//! events of a later day arriving first; the demo's own weeks of history, issued on a
//! clock of its own before the test starts, are the days evaluation replays.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use duban_schema::assignments::AssignmentsEvent;
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::RawEnvelope;
use duban_tests::scenarios::{command, issue};
use duban_tests::{at_nine, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use std::collections::HashMap;

const BOARD_AS_OF: &str = "query($d: Date, $p: BoardPeriod) { board(asOf: $d, period: $p) {
  from to total { unit { id } issued open completed closed overdue red yellow blue reopens transfers
  buckPassing onTimeDenominator problemsRegistered }
  rows { unit { id } issued open completed closed overdue red yellow blue reopens transfers
  buckPassing onTimeDenominator problemsRegistered } } }";

/// An item as the events say it stood.
struct Seen {
    path: String,
    state: String,
    due_on: NaiveDate,
    off_the_clock: bool,
    problem: bool,
    version: i64,
    color: Option<String>,
    reopens: i64,
    transfers: i64,
    handed_on_from: Vec<String>,
}

/// Every leaf of the audit log, in order: its day in Shanghai and the envelope.
async fn history(app: &TestApp) -> Vec<(NaiveDate, RawEnvelope)> {
    let db = &app.databases.audit;
    let rows = db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT canonical FROM audit_leaf ORDER BY idx".to_string(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let text: String = r.try_get_by_index(0).unwrap();
            let e: RawEnvelope = serde_json::from_str(&text).unwrap();
            (duban_clock::local_date(&e.meta.occurred_at), e)
        })
        .collect()
}

/// The figures of each path's subtree at the end of `day`, counted from the events.
fn counted(history: &[(NaiveDate, RawEnvelope)], day: NaiveDate, paths: &[String]) -> Vec<Value> {
    let mut items: HashMap<String, Seen> = HashMap::new();
    for (on, e) in history.iter().filter(|(on, _)| *on <= day) {
        if let Ok(ev) = e.typed::<AssignmentsEvent>() {
            let (id, path, state, due_on, off, problem, version) =
                match (ev.assignment(), ev.problem()) {
                    (Some(a), _) => (
                        a.id.clone(),
                        a.lead_unit_path.clone(),
                        a.state.as_str().to_string(),
                        a.due_on,
                        a.returned_to_issuer,
                        false,
                        a.version,
                    ),
                    (None, Some(p)) => (
                        p.id.clone(),
                        p.unit_path.clone(),
                        p.state.as_str().to_string(),
                        p.due_on,
                        false,
                        true,
                        p.version,
                    ),
                    _ => continue,
                };
            let seen = items.entry(id).or_insert(Seen {
                path: path.clone(),
                state: String::new(),
                due_on,
                off_the_clock: off,
                problem,
                version: 0,
                // Blue from its first row; a color after that is announced.
                color: Some(duban_schema::FIRST_COLOR.as_str().to_string()),
                reopens: 0,
                transfers: 0,
                handed_on_from: Vec::new(),
            });
            if version <= seen.version {
                continue;
            }
            match &ev {
                AssignmentsEvent::AssignmentReopened { .. }
                | AssignmentsEvent::ProblemReopened { .. } => seen.reopens += 1,
                AssignmentsEvent::TransferDecided { approved: true, .. } => {
                    seen.transfers += 1;
                    seen.handed_on_from.push(seen.path.clone());
                }
                _ => {}
            }
            (seen.path, seen.state, seen.due_on) = (path, state, due_on);
            (seen.off_the_clock, seen.version) = (off, version);
            let _ = on;
        } else if let Ok(EvaluationEvent::ColorChanged { item_id, to, .. }) =
            e.typed::<EvaluationEvent>()
        {
            if let Some(seen) = items.get_mut(&item_id) {
                seen.color = Some(to.as_str().to_string());
            }
        }
    }
    let under = |p: &str, root: &str| duban_auth::in_subtree(p, root);
    paths
        .iter()
        .map(|root| {
            let mut f: HashMap<&str, i64> = HashMap::new();
            for s in items.values() {
                let mut add = |k: &'static str| *f.entry(k).or_default() += 1;
                // Transfers count at the units that handed the item on.
                for from in s.handed_on_from.iter().filter(|p| under(p, root)) {
                    let _ = from;
                    add("transfers");
                }
                if !under(&s.path, root) {
                    continue;
                }
                if s.problem {
                    add("problemsRegistered");
                    continue;
                }
                add("issued");
                for _ in 0..s.reopens {
                    add("reopens");
                }
                let st = s.state.as_str();
                if s.transfers >= 2 && st != "CANCELLED" {
                    add("buckPassing");
                }
                match st {
                    "CLOSED" => add("closed"),
                    "COMPLETED" => add("completed"),
                    "CANCELLED" => {}
                    _ => add("open"),
                }
                if matches!(st, "CLOSED" | "COMPLETED") {
                    add("onTimeDenominator");
                }
                let running = matches!(st, "ISSUED" | "ACKNOWLEDGED" | "IN_PROGRESS" | "RETURNED");
                if running && !s.off_the_clock && s.due_on < day {
                    add("overdue");
                }
                if !matches!(st, "CLOSED" | "CANCELLED") {
                    match s.color.as_deref() {
                        Some("RED") => add("red"),
                        Some("YELLOW") => add("yellow"),
                        Some("BLUE") => add("blue"),
                        _ => {}
                    }
                }
            }
            let keys = [
                "issued",
                "open",
                "completed",
                "closed",
                "overdue",
                "red",
                "yellow",
                "blue",
                "reopens",
                "transfers",
                "buckPassing",
                "onTimeDenominator",
                "problemsRegistered",
            ];
            keys.iter()
                .map(|k| (k.to_string(), json!(f.get(k).copied().unwrap_or(0))))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect()
}

/// `op` with its input type, as a clerk or supervisor sends it.
async fn send(app: &TestApp, token: &str, op: &str, input: Value) -> Value {
    let input_type = match op {
        "acknowledgeAssignment" | "verifyAssignment" | "resumeAssignment" => {
            "AssignmentVersionInput"
        }
        "reportProgress" => "ReportProgressInput",
        "completeAssignment" => "CompleteAssignmentInput",
        "reopenAssignment" => "ReopenAssignmentInput",
        "suspendAssignment" => "AssignmentReasonInput",
        "requestTransfer" => "RequestTransferInput",
        "decideTransfer" => "DecideTransferInput",
        other => panic!("{other}"),
    };
    command(app, token, op, input_type, input).await
}

fn version(a: &Value) -> i64 {
    a["version"].as_i64().unwrap()
}

#[actix_web::test]
async fn every_day_of_a_simulated_month_is_the_board_the_events_give() {
    let (clock, app) = at_nine(2026, 3, 2).await;
    let ttl = 60 * 86_400;
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let clerk = |who: &'static str| app.token_with_ttl(who, ttl);
    let clerks = [
        ("qingshi-dzb", clerk("qingshi-clerk").await.unwrap()),
        ("baisha-dzb", clerk("baisha-clerk").await.unwrap()),
        ("liuhe-dzb", clerk("liuhe-clerk").await.unwrap()),
    ];
    app.settle().await.unwrap();
    let first = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    // Items in flight: (id, unit index, version, stage reached).
    let mut flight: Vec<(String, usize, i64, u8)> = Vec::new();
    for day in 0..30i64 {
        let date = first + chrono::Duration::days(day);
        let working = !matches!(
            chrono::Datelike::weekday(&date),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        );
        if working {
            let u = (day as usize) % clerks.len();
            let a = issue(&app, &sup, clerks[u].0, &format!("第{day}天交办事项")).await;
            flight.push((a["id"].as_str().unwrap().to_string(), u, version(&a), 0));
        }
        // Each item moves one step a day, some faster than others.
        for (n, (id, u, v, stage)) in flight.iter_mut().enumerate() {
            if (n + day as usize).is_multiple_of(3) || *stage >= 6 {
                continue;
            }
            let token = &clerks[*u].1;
            let next = match *stage {
                0 => send(&app, token, "acknowledgeAssignment", json!({"id": id, "expectedVersion": *v})).await,
                1 => send(&app, token, "reportProgress", json!({"id": id, "expectedVersion": *v, "percent": 60, "text": "已完成大部分整改"})).await,
                2 if n % 4 == 1 => {
                    // Handed on once to the next township, approved by the issuer.
                    let to = clerks[(*u + 1) % clerks.len()].0;
                    let r = send(&app, token, "requestTransfer", json!({"id": id, "expectedVersion": *v, "toUnitId": to, "reason": "属地不在本镇"})).await;
                    *u = (*u + 1) % clerks.len();
                    let d = send(&app, &sup, "decideTransfer", json!({"id": id, "expectedVersion": version(&r), "approve": true})).await;
                    *stage = 0;
                    *v = version(&d);
                    continue;
                }
                2 => send(&app, token, "completeAssignment", json!({"id": id, "expectedVersion": *v, "result": "已办结"})).await,
                3 => send(&app, &sup, "verifyAssignment", json!({"id": id, "expectedVersion": *v})).await,
                4 if n % 5 == 0 => send(&app, &sup, "reopenAssignment", json!({"id": id, "expectedVersion": *v, "reason": "回头看发现反弹", "timeLimitDays": 3})).await,
                _ => {
                    *stage = 6;
                    continue;
                }
            };
            *v = version(&next);
            *stage = if *stage == 4 { 1 } else { *stage + 1 };
        }
        app.settle().await.unwrap();
        // No tick on every fourth day: the next day's first event or tick closes it.
        if day % 4 != 3 {
            app.color_tick().await.unwrap();
            app.settle().await.unwrap();
        }
        clock.advance(chrono::Duration::days(1));
    }
    app.color_tick().await.unwrap();
    app.settle().await.unwrap();

    let history = history(&app).await;
    let oldest = history.iter().map(|(d, _)| *d).min().unwrap();
    assert!(oldest < first, "the demo's history comes before the month");
    let units = app.read(&sup, "{ orgUnits { id path } }").await;
    let path_of: HashMap<String, String> = units["data"]["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().to_string(),
                u["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let last = first + chrono::Duration::days(29);
    let mut checked = 0;
    let mut day = oldest - chrono::Duration::days(1);
    while day <= last {
        let b = app
            .ask(&sup, BOARD_AS_OF, json!({"d": day.to_string()}))
            .await;
        let board = &b["data"]["board"];
        assert!(b["errors"].is_null(), "{day}: {b}");
        let mut rows: Vec<&Value> = board["rows"].as_array().unwrap().iter().collect();
        rows.push(&board["total"]);
        let paths: Vec<String> = rows
            .iter()
            .map(|r| path_of[r["unit"]["id"].as_str().unwrap()].clone())
            .collect();
        for (row, want) in rows.iter().zip(counted(&history, day, &paths)) {
            for (figure, n) in want.as_object().unwrap() {
                assert_eq!(
                    &row[figure], n,
                    "{figure} of {} on {day}: {row}",
                    row["unit"]["id"]
                );
            }
            checked += 1;
        }
        day += chrono::Duration::days(1);
    }
    assert!(checked > 30 * 4, "{checked} rows checked");

    // A month's figures: what accumulates counts March only, what stands is as at its end.
    let march = app
        .ask(
            &sup,
            BOARD_AS_OF,
            json!({"d": last.to_string(), "p": "MONTH"}),
        )
        .await;
    let all = app
        .ask(&sup, BOARD_AS_OF, json!({"d": last.to_string()}))
        .await;
    let february = app.ask(&sup, BOARD_AS_OF, json!({"d": "2026-02-28"})).await;
    let (m, a, f) = (
        &march["data"]["board"],
        &all["data"]["board"],
        &february["data"]["board"],
    );
    assert_eq!(m["from"], "2026-03-01", "{march}");
    assert_eq!(m["to"], last.to_string());
    for figure in ["issued", "closed", "reopens", "transfers"] {
        let (month, to_date, before) = (
            m["total"][figure].as_i64().unwrap(),
            a["total"][figure].as_i64().unwrap(),
            f["total"][figure].as_i64().unwrap(),
        );
        assert_eq!(month, to_date - before, "{figure}: {march}");
    }
    assert!(m["total"]["transfers"].as_i64() > Some(0), "{march}");
    assert!(m["total"]["reopens"].as_i64() > Some(0), "{march}");
    for figure in ["open", "overdue", "red", "yellow", "blue"] {
        assert_eq!(m["total"][figure], a["total"][figure], "{figure}: {march}");
    }
    app.shutdown().await.unwrap();
}
