//! 事事有回音: a 督办通知 left unanswered moves one rung up every four office hours on the
//! working calendar (the weekend does not count): the unit's leader, then the 分管领导,
//! then the issuer, one notice per rung, recorded as events; an answered one stops, and
//! running the escalation again changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::{command, inbox, update_person, ISSUE};
use duban_tests::{at_nine, count_rows, query_pairs, TestApp};
use serde_json::{json, Value};

/// Escalation notices about `id`: (recipient, rung), in order of rung.
async fn rungs(app: &TestApp, id: &str) -> Vec<(String, i32)> {
    app.settle().await.unwrap();
    let sql = format!(
        "SELECT recipient_id, rung FROM notification WHERE kind = 'ESCALATION_NOTICE' \
         AND assignment_id = '{id}' ORDER BY rung, recipient_id"
    );
    query_pairs(&app.databases.notifications, &sql)
        .await
        .unwrap()
}

/// Runs the escalation on the app's clock (the demo county's own notices climb too).
async fn escalate(app: &TestApp) {
    app.escalate().await.unwrap();
}

/// Issues `title` to 青石镇党政办公室 with `responsible` as its 责任人 (its notice asks
/// for an answer), as the holder of `token`; the item as issued.
async fn issue_to(app: &TestApp, token: &str, title: &str, responsible: &str) -> Value {
    let input = json!({"title": title, "description": "对照清单落实",
        "source": "LEADER_INSTRUCTION", "leadUnitId": "qingshi-dzb",
        "responsiblePersonId": responsible, "timeLimitDays": 10});
    let b = app.ask(token, ISSUE, json!({ "input": input })).await;
    let item = &b["data"]["issueAssignment"]["assignment"];
    assert!(item["id"].is_string(), "{b}");
    item.clone()
}

/// The id of an item as issued.
fn id_of(item: &Value) -> String {
    item["id"].as_str().unwrap_or_default().to_string()
}

#[actix_web::test]
async fn an_unanswered_notice_climbs_one_rung_per_four_office_hours_across_the_weekend() {
    // Friday 2026-12-04, 09:00.
    let (clock, app) = at_nine(2026, 12, 4).await;
    let ttl = 31 * 86_400;
    let admin = app.token_with_ttl("county-admin", ttl).await.unwrap();
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let clerk = app.token_with_ttl("qingshi-clerk", ttl).await.unwrap();
    // 张伟 answers to 陈志远 as 分管领导; 李明 leads his office; 王建国 issues.
    let change = json!({"supervisingLeaderId": "p-qingshi-supervisor"});
    let up = update_person(&app, &admin, "p-qingshi-clerk", change).await;
    assert!(up["errors"].is_null(), "{up}");
    clock.advance(chrono::Duration::hours(6)); // Friday 15:00
    let silent = id_of(&issue_to(&app, &sup, "逾时不回复的事项", "p-qingshi-clerk").await);
    let answered = id_of(&issue_to(&app, &sup, "及时回复的事项", "p-qingshi-clerk").await);
    app.settle().await.unwrap();

    // The clerk answers the second one at once.
    let clerk_inbox = inbox(&app, &clerk, "id assignmentId requiresAck").await;
    let notice = clerk_inbox
        .iter()
        .find(|n| n["assignmentId"] == answered.as_str() && n["requiresAck"] == true)
        .unwrap_or_else(|| panic!("{clerk_inbox:?}"))["id"]
        .clone();
    let ack = "mutation($i: MarkNotificationReadInput!) { acknowledgeNotification(input: $i) { notification { acknowledgedAt } } }";
    app.ok(&clerk, ack, json!({"i": {"id": notice}})).await;

    // 15:00 Friday + 4 office hours: 2.5 h on Friday, 1.5 h from 08:30 on Monday = 10:00.
    clock.advance(chrono::Duration::minutes(2 * 60 + 29)); // Friday 17:29
    escalate(&app).await;
    assert!(rungs(&app, &silent).await.is_empty());
    clock.advance(chrono::Duration::minutes(2 * 24 * 60 + 16 * 60 + 30)); // Monday 09:59
    escalate(&app).await;
    assert!(
        rungs(&app, &silent).await.is_empty(),
        "the weekend does not count"
    );
    clock.advance(chrono::Duration::minutes(1)); // Monday 10:00
    escalate(&app).await;
    escalate(&app).await;
    assert_eq!(
        rungs(&app, &silent).await,
        [("p-qingshi-leader".to_string(), 1)],
        "once per rung"
    );
    // Next: 10:00–12:00 and 14:00–16:00 on Monday.
    clock.advance(chrono::Duration::minutes(5 * 60 + 59)); // 15:59
    escalate(&app).await;
    assert_eq!(rungs(&app, &silent).await.len(), 1, "lunch does not count");
    clock.advance(chrono::Duration::minutes(1)); // 16:00
    escalate(&app).await;
    assert_eq!(rungs(&app, &silent).await.len(), 2);
    // Then 16:00–17:30 and 08:30–11:00 on Tuesday: the issuer.
    clock.advance(chrono::Duration::minutes(18 * 60 + 59)); // Tuesday 10:59
    escalate(&app).await;
    assert_eq!(rungs(&app, &silent).await.len(), 2);
    clock.advance(chrono::Duration::minutes(1)); // Tuesday 11:00
    escalate(&app).await;
    clock.advance(chrono::Duration::days(7));
    escalate(&app).await;
    assert_eq!(
        rungs(&app, &silent).await,
        [
            ("p-qingshi-leader".to_string(), 1),
            ("p-qingshi-supervisor".to_string(), 2),
            ("p-county-supervisor".to_string(), 3)
        ]
    );
    assert!(
        rungs(&app, &answered).await.is_empty(),
        "an answered notice stays put"
    );

    // Each rung is an event (audited), and the sender sees the ladder on the item.
    let recorded = count_rows(
        &app.databases.audit,
        &format!(
            "SELECT count(*) FROM audit_leaf WHERE event_type = 'NotificationsCreated' AND canonical LIKE '%ESCALATION_NOTICE%' AND canonical LIKE '%{silent}%'"
        ),
    )
    .await;
    assert_eq!(recorded.unwrap(), 3);
    let seen = app
        .ask(
            &sup,
            "query($id: ID!) { assignment(id: $id) { notices { recipientId kind rung escalatedFrom } } }",
            json!({"id": silent}),
        )
        .await;
    let climbs: Vec<_> = seen["data"]["assignment"]["notices"]
        .as_array()
        .unwrap_or_else(|| panic!("{seen}"))
        .iter()
        .filter(|n| n["kind"] == "ESCALATION_NOTICE")
        .collect();
    assert_eq!(climbs.len(), 3, "{seen}");
    assert!(climbs.iter().all(|n| n["escalatedFrom"].is_string()));
}

#[actix_web::test]
async fn a_rung_with_nobody_else_to_tell_is_skipped() {
    // Monday 2026-11-30, 09:00: the unit's leader is the 责任人 and has no 分管领导 set,
    // so the first rung to reach anyone is the issuer.
    let (clock, app) = at_nine(2026, 11, 30).await;
    let sup = app
        .token_with_ttl("county-supervisor", 31 * 86_400)
        .await
        .unwrap();
    let id = id_of(&issue_to(&app, &sup, "负责人本人承办", "p-qingshi-leader").await);
    app.settle().await.unwrap();
    clock.advance(chrono::Duration::hours(5)); // 14:00: 3 h counted so far
    escalate(&app).await;
    assert!(rungs(&app, &id).await.is_empty());
    clock.advance(chrono::Duration::hours(1)); // 15:00: 4 h
    escalate(&app).await;
    assert_eq!(
        rungs(&app, &id).await,
        [("p-county-supervisor".to_string(), 3)]
    );
}

#[actix_web::test]
async fn a_suspended_or_withdrawn_item_stops_its_notices_climbing() {
    // Monday 2026-11-30, 09:00: three items to 张伟, none answered.
    let (clock, app) = at_nine(2026, 11, 30).await;
    let sup = app
        .token_with_ttl("county-supervisor", 31 * 86_400)
        .await
        .unwrap();
    let issue = |title: &'static str| issue_to(&app, &sup, title, "p-qingshi-clerk");
    let (kept, stopped, withdrawn) = (
        issue("照常").await,
        issue("中止").await,
        issue("撤销").await,
    );
    let reason = |a: &serde_json::Value| json!({"id": a["id"], "expectedVersion": a["version"], "reason": "任务调整"});
    // Only an item signed for can be suspended; signing for it is not answering its notice.
    let clerk = app
        .token_with_ttl("qingshi-clerk", 31 * 86_400)
        .await
        .unwrap();
    let signed = json!({"id": stopped["id"], "expectedVersion": stopped["version"]});
    let stopped = command(
        &app,
        &clerk,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        signed,
    )
    .await;
    command(
        &app,
        &sup,
        "suspendAssignment",
        "AssignmentReasonInput",
        reason(&stopped),
    )
    .await;
    command(
        &app,
        &sup,
        "cancelAssignment",
        "AssignmentReasonInput",
        reason(&withdrawn),
    )
    .await;
    app.settle().await.unwrap();
    clock.advance(chrono::Duration::hours(6)); // 15:00: four office hours
    escalate(&app).await;
    assert_eq!(
        rungs(&app, &id_of(&kept)).await,
        [("p-qingshi-leader".to_string(), 1)]
    );
    assert!(
        rungs(&app, &id_of(&stopped)).await.is_empty(),
        "suspended: nothing climbs"
    );
    assert!(
        rungs(&app, &id_of(&withdrawn)).await.is_empty(),
        "withdrawn: nothing climbs"
    );
}

/// At 16:00 on `day` (a working day), a supervisor issues an item to 张伟 (its notice asks
/// for an answer); then the county makes `changed` a holiday or a working day. The item.
async fn notice_at_four_then_calendar_change(
    day: (i32, u32, u32),
    changed: (&str, bool, &str),
) -> (duban_clock::ManualClock, TestApp, String) {
    let (clock, app) = at_nine(day.0, day.1, day.2).await;
    let ttl = 31 * 86_400;
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let admin = app.token_with_ttl("county-admin", ttl).await.unwrap();
    clock.advance(chrono::Duration::hours(7));
    let id = id_of(&issue_to(&app, &sup, "日历调整期间的督办事项", "p-qingshi-clerk").await);
    app.settle().await.unwrap();
    let (date, workday, name) = changed;
    app.ok(
        &admin,
        "mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { movedAssignments } }",
        json!({"i": {"date": date, "workday": workday, "name": name, "reason": "县委决定"}}),
    )
    .await;
    app.settle().await.unwrap();
    (clock, app, id)
}

#[actix_web::test]
async fn a_day_made_a_holiday_while_running_does_not_count_toward_the_next_rung() {
    // Monday 2026-11-30: a notice sent at 16:00 reaches four office hours at 11:00 on
    // Tuesday (1.5 h on Monday, 2.5 h from 08:30). Tuesday becomes a holiday meanwhile,
    // with no restart: it reaches them at 11:00 on Wednesday instead.
    let holiday = ("2026-12-01", false, "防汛");
    let (clock, app, id) = notice_at_four_then_calendar_change((2026, 11, 30), holiday).await;
    clock.advance(chrono::Duration::hours(19)); // Tuesday 11:00, now a holiday
    escalate(&app).await;
    assert!(
        rungs(&app, &id).await.is_empty(),
        "the holiday does not count"
    );
    clock.advance(chrono::Duration::minutes(24 * 60 - 1)); // Wednesday 10:59
    escalate(&app).await;
    assert!(rungs(&app, &id).await.is_empty());
    clock.advance(chrono::Duration::minutes(1)); // Wednesday 11:00
    escalate(&app).await;
    assert_eq!(
        rungs(&app, &id).await,
        [("p-qingshi-leader".to_string(), 1)]
    );
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_saturday_made_a_working_day_brings_the_next_rung_forward() {
    // Friday 2026-12-04: a notice sent at 16:00 would reach four office hours at 11:00 on
    // Monday; with Saturday made a working day (调休上班), at 11:00 on Saturday.
    let worked = ("2026-12-05", true, "调休上班");
    let (clock, app, id) = notice_at_four_then_calendar_change((2026, 12, 4), worked).await;
    clock.advance(chrono::Duration::minutes(18 * 60 + 59)); // Saturday 10:59
    escalate(&app).await;
    assert!(rungs(&app, &id).await.is_empty());
    clock.advance(chrono::Duration::minutes(1)); // Saturday 11:00
    escalate(&app).await;
    assert_eq!(
        rungs(&app, &id).await,
        [("p-qingshi-leader".to_string(), 1)]
    );
    app.shutdown().await.unwrap();
}
