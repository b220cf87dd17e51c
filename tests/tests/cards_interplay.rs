//! Cards where they meet the other rules, end to end on a clock the test moves: a
//! suspended item stays blue while its twin goes red, and its limit moves on resuming; a
//! transferred item's card goes on to the new unit's 责任人 (it was red before it moved); an item done late keeps
//! "办结超时" after it is closed and loses it when reopened (回头看); a calendar change turns
//! a card at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::{command, ISSUE};
use duban_tests::{at_nine, count_rows, TestApp};
use serde_json::{json, Value};

async fn card(app: &TestApp, token: &str, id: &str) -> (String, String, String) {
    app.settle().await.unwrap();
    let b = app
        .ask(
            token,
            "query($id: ID!) { assignment(id: $id) { color colorRule colorReason } }",
            json!({ "id": id }),
        )
        .await;
    let a = &b["data"]["assignment"];
    let s = |k: &str| a[k].as_str().unwrap_or_else(|| panic!("{b}")).to_string();
    (s("color"), s("colorRule"), s("colorReason"))
}

async fn red_notices(app: &TestApp, person: &str, id: &str) -> i64 {
    count_rows(
        &app.databases.notifications,
        &format!(
            "SELECT count(*) FROM notification WHERE kind = 'RED_CARD' AND recipient_id = '{person}' AND assignment_id = '{id}'"
        ),
    )
    .await
    .unwrap()
}

fn v(a: &Value) -> i64 {
    a["version"].as_i64().unwrap()
}

#[actix_web::test]
async fn cards_meet_suspension_transfer_and_reopening() {
    // Monday 9 March 2026; five working days run to Monday 16 March.
    let (clock, app) = at_nine(2026, 3, 9).await;
    let month = 31 * 86_400;
    let sup = app
        .token_with_ttl("county-supervisor", month)
        .await
        .unwrap();
    let qingshi = app.token_with_ttl("qingshi-clerk", month).await.unwrap();
    let baisha = app.token_with_ttl("baisha-clerk", month).await.unwrap();
    let issue = |unit: &'static str, title: &'static str| {
        let (app, sup) = (&app, sup.clone());
        async move {
            let b = app
                .ask(
                    &sup,
                    ISSUE,
                    json!({"input": {"title": title, "description": "对照清单落实", "source": "LEADER_INSTRUCTION",
                                     "leadUnitId": unit, "timeLimitDays": 5}}),
                )
                .await;
            b["data"]["issueAssignment"]["assignment"].clone()
        }
    };
    let held = issue("qingshi-dzb", "中止测试").await;
    let twin = issue("qingshi-dzb", "对照测试").await;
    let moved = issue("baisha-dzb", "转办测试").await;
    let late = issue("qingshi-dzb", "超时办结测试").await;
    let id = |a: &Value| a["id"].as_str().unwrap().to_string();
    let (held, twin, moved, late) = (id(&held), id(&twin), id(&moved), id(&late));
    app.settle().await.unwrap();

    // Friday 13 March: one is suspended (its clock stops); the other is not.
    clock.advance(chrono::Duration::days(4));
    let h = command(
        &app,
        &qingshi,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": held, "expectedVersion": 1}),
    )
    .await;
    let h = command(
        &app,
        &qingshi,
        "reportProgress",
        "ReportProgressInput",
        json!({"id": held, "expectedVersion": v(&h), "percent": 80, "text": "主体工作已完成"}),
    )
    .await;
    let h = command(
        &app,
        &sup,
        "suspendAssignment",
        "AssignmentReasonInput",
        json!({"id": held, "expectedVersion": v(&h), "reason": "等待上级答复"}),
    )
    .await;
    assert_eq!(card(&app, &sup, &held).await.1, "BLUE_SUSPENDED");
    // baisha hands its item on to qingshi, approved by the issuer.
    let m = command(
        &app,
        &baisha,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": moved, "expectedVersion": 1}),
    )
    .await;
    let m = command(&app, &baisha, "requestTransfer", "RequestTransferInput", json!({"id": moved, "expectedVersion": v(&m), "toUnitId": "qingshi-dzb", "reason": "属青石镇职责"})).await;
    command(
        &app,
        &sup,
        "decideTransfer",
        "DecideTransferInput",
        json!({"id": moved, "expectedVersion": v(&m), "approve": true}),
    )
    .await;
    app.settle().await.unwrap();

    // Wednesday 18 March: past the limit. The twin is red; the suspended item stays blue.
    clock.advance(chrono::Duration::days(5));
    app.color_tick().await.unwrap();
    assert_eq!(card(&app, &sup, &twin).await.0, "RED");
    let (color, rule, _) = card(&app, &sup, &held).await;
    assert_eq!((color.as_str(), rule.as_str()), ("BLUE", "BLUE_SUSPENDED"));
    assert_eq!(red_notices(&app, "p-qingshi-clerk", &held).await, 0);

    // Resumed on Friday 20 March: the limit moves by the five working days it stood
    // still, to Monday 23 March, and those days are not time elapsed: 80% done with 4 of
    // 5 working days gone is on pace. Only the near limit shows.
    clock.advance(chrono::Duration::days(2));
    let h = command(
        &app,
        &sup,
        "resumeAssignment",
        "AssignmentVersionInput",
        json!({"id": held, "expectedVersion": v(&h)}),
    )
    .await;
    assert_eq!(h["dueOn"], "2026-03-23", "{h}");
    app.color_tick().await.unwrap();
    let (color, rule, reason) = card(&app, &sup, &held).await;
    assert_eq!(
        (color.as_str(), rule.as_str()),
        ("YELLOW", "YELLOW_DUE_SOON"),
        "{reason}"
    );

    // The transferred item's red card goes to the new unit's 责任人, not the old one's.
    let (color, _, _) = card(&app, &sup, &moved).await;
    assert_eq!(color, "RED");
    let responsible = app
        .ask(
            &sup,
            "query($id: ID!) { assignment(id: $id) { responsiblePersonId } }",
            json!({"id": moved}),
        )
        .await;
    let now_responsible = responsible["data"]["assignment"]["responsiblePersonId"]
        .as_str()
        .unwrap_or_else(|| panic!("{responsible}"))
        .to_string();
    assert_ne!(now_responsible, "p-baisha-clerk", "{responsible}");
    assert_eq!(red_notices(&app, &now_responsible, &moved).await, 1);
    assert_eq!(red_notices(&app, "p-baisha-clerk", &moved).await, 0);
    // The issuer, told when the card was shown, is not told again of the handover.
    assert_eq!(red_notices(&app, "p-county-supervisor", &moved).await, 1);

    // Done two working days late, closed: blue, and the record keeps the lateness.
    let l = command(
        &app,
        &qingshi,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": late, "expectedVersion": 1}),
    )
    .await;
    let l = command(
        &app,
        &qingshi,
        "completeAssignment",
        "CompleteAssignmentInput",
        json!({"id": late, "expectedVersion": v(&l), "result": "已办结"}),
    )
    .await;
    let l = command(
        &app,
        &sup,
        "verifyAssignment",
        "AssignmentVersionInput",
        json!({"id": late, "expectedVersion": v(&l)}),
    )
    .await;
    let (color, _, reason) = card(&app, &sup, &late).await;
    assert_eq!(color, "BLUE");
    assert!(reason.contains("办结超时4个工作日"), "{reason}");
    // Reopened (回头看) with a new limit: the lateness belongs to the earlier round.
    command(&app, &sup, "reopenAssignment", "ReopenAssignmentInput", json!({"id": late, "expectedVersion": v(&l), "reason": "回头看发现问题反弹", "timeLimitDays": 5})).await;
    let (color, _, reason) = card(&app, &sup, &late).await;
    assert!(!reason.contains("办结超时"), "{color}: {reason}");
    app.shutdown().await.unwrap();
}

/// Calendar × card: a county's calendar change counts for the cards at once, without a
/// restart. An item due on a fixed day (its limit does not move with the calendar) is
/// blue three working days before it; with the two days between made holidays it has one
/// working day left, which is the default rules' yellow.
#[actix_web::test]
async fn a_calendar_change_turns_a_card_at_once() {
    // Monday 9 March 2026; the item is due on Thursday 12th.
    let (_clock, app) = at_nine(2026, 3, 9).await;
    let sup = app.token("county-supervisor").await.unwrap();
    let b = app
        .ask(
            &sup,
            ISSUE,
            json!({"input": {"title": "日历调整与黄牌", "leadUnitId": "qingshi-dzb", "dueOn": "2026-03-12"}}),
        )
        .await;
    let id = b["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{b}"))
        .to_string();
    assert_eq!(card(&app, &sup, &id).await.0, "BLUE");

    let admin = app.token("county-admin").await.unwrap();
    for date in ["2026-03-10", "2026-03-11"] {
        app.ok(
            &admin,
            "mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { movedAssignments } }",
            json!({"i": {"date": date, "workday": false, "name": "防汛", "reason": "县委决定"}}),
        )
        .await;
    }
    let (color, rule, reason) = card(&app, &sup, &id).await;
    assert_eq!(
        (color.as_str(), rule.as_str()),
        ("YELLOW", "YELLOW_DUE_SOON"),
        "{reason}"
    );
    assert!(reason.contains("仅剩1个工作日"), "{reason}");
    app.shutdown().await.unwrap();
}
