//! The deadline scheduler on a clock the test moves: DueSoon and Overdue fire exactly once
//! per item and time limit, across ticks and restarts, and reach the inboxes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use duban_clock::{ManualClock, SharedClock};
use duban_tests::scenarios::ISSUE;
use duban_tests::{count_rows, spawn_with_clock, test_config, TestApp};
use serde_json::json;
use std::sync::Arc;

async fn fired(app: &TestApp, id: &str, kind: &str) -> i64 {
    count_rows(
        &app.databases.assignments,
        &format!("SELECT count(*) FROM outbox WHERE key = '{id}' AND payload LIKE '%\"{kind}\"%'"),
    )
    .await
    .unwrap()
}

#[actix_web::test]
async fn reminders_fire_once_per_time_limit_across_ticks_and_restarts() {
    // Monday 9 March 2026, 09:00 in Shanghai.
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap());
    let shared: SharedClock = Arc::new(clock.clone());
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        ..test_config()
    };
    let app = spawn_with_clock(config.clone(), dir.clone(), shared.clone())
        .await
        .unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let body = app
        .gql(
            Some(&sup),
            ISSUE,
            json!({"input": {"title": "到期提醒测试", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}}),
        )
        .await
        .unwrap();
    let a = &body["data"]["issueAssignment"]["assignment"];
    assert_eq!(a["dueOn"], "2026-03-12");
    let id = a["id"].as_str().unwrap().to_string();

    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(
        fired(&app, &id, "AssignmentDueSoon").await,
        0,
        "three working days left on Monday"
    );

    clock.advance(chrono::Duration::days(1)); // Tuesday: Wed and Thu left.
    app.assignments.deadline_tick().await.unwrap();
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&app, &id, "AssignmentDueSoon").await, 1);
    assert_eq!(fired(&app, &id, "AssignmentOverdue").await, 0);

    assert_eq!(
        fired(&app, &id, "AcknowledgementOverdue").await,
        0,
        "Tuesday is the last day to sign for it"
    );

    clock.advance(chrono::Duration::days(2)); // Thursday, the last day: not yet overdue.
    app.assignments.deadline_tick().await.unwrap();
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&app, &id, "AssignmentOverdue").await, 0);
    assert_eq!(
        fired(&app, &id, "AcknowledgementOverdue").await,
        1,
        "never signed for: once"
    );

    clock.advance(chrono::Duration::days(1)); // Friday.
    app.assignments.deadline_tick().await.unwrap();
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&app, &id, "AssignmentOverdue").await, 1);
    app.settle().await.unwrap();
    let dir = app.shutdown().await.unwrap();

    // A jump of a month and a restart fire nothing twice.
    clock.advance(chrono::Duration::days(30));
    let again = spawn_with_clock(config, dir, shared).await.unwrap();
    again.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&again, &id, "AssignmentDueSoon").await, 1);
    assert_eq!(fired(&again, &id, "AssignmentOverdue").await, 1);
    again.settle().await.unwrap();

    let leader = again.token("qingshi-leader").await.unwrap();
    let inbox = again
        .gql(
            Some(&leader),
            "{ myNotifications(first: 100) { edges { node { kind assignmentId title } } } }",
            json!({}),
        )
        .await
        .unwrap();
    let kinds: Vec<_> = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["assignmentId"] == id.as_str())
        .map(|e| e["node"]["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "DUE_SOON_REMINDER").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "OVERDUE_NOTICE").count(),
        2,
        "签收超时 and 超期督办: {kinds:?}"
    );
    again.shutdown().await.unwrap();
}
