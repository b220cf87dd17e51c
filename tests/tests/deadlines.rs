//! The deadline scheduler on a clock the test moves: DueSoon and Overdue fire exactly once
//! per item and time limit, across ticks and restarts, and reach the inboxes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use duban_clock::{ManualClock, SharedClock};
use duban_tests::scenarios::{fired, positions, ISSUE};
use duban_tests::{at_nine, count_rows, spawn_with_clock, test_config, TestApp};
use serde_json::json;
use std::sync::Arc;

/// Issues an assignment from `input` as the county supervisor; its id.
async fn issued_id(app: &TestApp, input: serde_json::Value) -> String {
    let sup = app.token("county-supervisor").await.unwrap();
    let body = app.ask(&sup, ISSUE, json!({ "input": input })).await;
    body["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
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
        .ask(
            &sup,
            ISSUE,
            json!({"input": {"title": "到期提醒测试", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}}),
        )
        .await;
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
        .read(
            &leader,
            "{ myNotifications(first: 100) { edges { node { kind assignmentId title } } } }",
        )
        .await;
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

/// Suspension × reminders: a suspended item's clock stands still, so no DueSoon or Overdue
/// reaches it; its resume moves the time limit by the working days it stood still and
/// schedules one reminder of each kind for the new limit.
#[actix_web::test]
async fn a_suspended_item_is_not_reminded_and_its_resume_reminds_once_for_the_new_limit() {
    // Monday 9 March 2026, 09:00 in Shanghai.
    let (clock, app) = at_nine(2026, 3, 9).await;
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let id = issued_id(
        &app,
        json!({"title": "中止提醒测试", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}),
    )
    .await;
    let version = |b: &serde_json::Value, m: &str| b["data"][m]["assignment"]["version"].clone();
    let ack = app
        .ask(
            &clerk,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await;
    let suspended = app
        .ask(
            &sup,
            "mutation($i: AssignmentReasonInput!) { suspendAssignment(input: $i) { assignment { version state } } }",
            json!({"i": {"id": id, "expectedVersion": version(&ack, "acknowledgeAssignment"), "reason": "等待上级政策"}}),
        )
        .await;
    assert_eq!(
        suspended["data"]["suspendAssignment"]["assignment"]["state"], "SUSPENDED",
        "{suspended}"
    );
    // Tuesday to the Monday after (the old limit, Thursday 12th, long past): nothing fires.
    for _ in 0..6 {
        clock.advance(chrono::Duration::days(1));
        app.assignments.deadline_tick().await.unwrap();
    }
    assert_eq!(
        fired(&app, &id, "AssignmentDueSoon").await,
        0,
        "no reminder while suspended"
    );
    assert_eq!(
        fired(&app, &id, "AssignmentOverdue").await,
        0,
        "no overdue while suspended"
    );
    // Resumed on Sunday 15th after four working days stood still: Thursday 12th becomes
    // Wednesday 18th.
    let sup = app.token("county-supervisor").await.unwrap();
    let resumed = app
        .ask(
            &sup,
            "mutation($i: AssignmentVersionInput!) { resumeAssignment(input: $i) { assignment { dueOn state } } }",
            json!({"i": {"id": id, "expectedVersion": version(&suspended, "suspendAssignment")}}),
        )
        .await;
    assert_eq!(
        resumed["data"]["resumeAssignment"]["assignment"]["dueOn"], "2026-03-18",
        "{resumed}"
    );
    for _ in 0..5 {
        app.assignments.deadline_tick().await.unwrap();
        clock.advance(chrono::Duration::days(1));
    }
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(
        fired(&app, &id, "AssignmentDueSoon").await,
        1,
        "once for the new limit"
    );
    assert_eq!(
        fired(&app, &id, "AssignmentOverdue").await,
        1,
        "once, after the new limit"
    );
    app.shutdown().await.unwrap();
}

/// A suspension that spans no working day leaves the limit where it was; the reminder that
/// fell due while suspended still comes, once, after the resume.
#[actix_web::test]
async fn a_resume_over_a_weekend_keeps_the_limit_and_still_reminds_once() {
    // Friday 13 March 2026, 09:00 in Shanghai; due Tuesday 17th, reminded from Saturday.
    let (clock, app) = at_nine(2026, 3, 13).await;
    let id = issued_id(
        &app,
        json!({"title": "周末中止测试", "leadUnitId": "qingshi-dzb", "dueOn": "2026-03-17"}),
    )
    .await;
    let step = |m: &'static str, input: &'static str, extra: serde_json::Value| {
        let (app, id) = (&app, id.clone());
        async move {
            // Signed afresh: the clock moves past a token's hour.
            let sup = app.token("county-supervisor").await.unwrap();
            let v = app
                .ask(
                    &sup,
                    "query($id: ID!) { assignment(id: $id) { version } }",
                    json!({"id": id}),
                )
                .await["data"]["assignment"]["version"]
                .clone();
            let mut i = extra;
            i["id"] = json!(id);
            i["expectedVersion"] = v;
            let q = format!(
                "mutation($i: {input}!) {{ {m}(input: $i) {{ assignment {{ state dueOn }} }} }}"
            );
            app.ask(&sup, &q, json!({ "i": i })).await
        }
    };
    let clerk = app.token("qingshi-clerk").await.unwrap();
    app
        .ok(
            &clerk,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
        ).await;
    let b = step(
        "suspendAssignment",
        "AssignmentReasonInput",
        json!({"reason": "等待会商"}),
    )
    .await;
    assert_eq!(
        b["data"]["suspendAssignment"]["assignment"]["state"], "SUSPENDED",
        "{b}"
    );
    clock.advance(chrono::Duration::days(1)); // Saturday: the reminder's day, while suspended.
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&app, &id, "AssignmentDueSoon").await, 0);
    let b = step("resumeAssignment", "AssignmentVersionInput", json!({})).await;
    assert_eq!(
        b["data"]["resumeAssignment"]["assignment"]["dueOn"], "2026-03-17",
        "{b}"
    );
    app.assignments.deadline_tick().await.unwrap();
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(
        fired(&app, &id, "AssignmentDueSoon").await,
        1,
        "once, after the resume"
    );
    app.shutdown().await.unwrap();
}

/// Transfer × acknowledgement: the unit an item is transferred to gets its own time to sign
/// for it, counted from the day of the transfer, and its own missed-acknowledgement reminder.
#[actix_web::test]
async fn a_transferred_item_gives_the_new_unit_its_own_acknowledgement_limit() {
    // Monday 9 March 2026: issued with one working day to sign for it (Tuesday 10th).
    let (clock, app) = at_nine(2026, 3, 9).await;
    let id = issued_id(
        &app,
        json!({"title": "转办签收测试", "leadUnitId": "qingshi-dzb", "timeLimitDays": 10}),
    )
    .await;
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let asked = app
        .ok(
            &clerk,
            "mutation($i: RequestTransferInput!) { requestTransfer(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": 1, "toUnitId": "baisha-dzb", "reason": "属白沙乡职责"}}),
        ).await;
    // Wednesday 11th: the first unit's time to sign has passed; the issuer approves.
    clock.advance(chrono::Duration::days(2));
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&app, &id, "AcknowledgementOverdue").await, 1);
    let sup = app.token("county-supervisor").await.unwrap();
    let moved = app
        .ask(
            &sup,
            "mutation($i: DecideTransferInput!) { decideTransfer(input: $i) { assignment { state leadUnitId ackDueOn } } }",
            json!({"i": {"id": id, "expectedVersion": asked["data"]["requestTransfer"]["assignment"]["version"], "approve": true}}),
        )
        .await;
    let a = &moved["data"]["decideTransfer"]["assignment"];
    assert_eq!(
        (&a["state"], &a["leadUnitId"], &a["ackDueOn"]),
        (&json!("ISSUED"), &json!("baisha-dzb"), &json!("2026-03-12")),
        "{moved}"
    );
    // Thursday 12th is the new unit's last day; on Friday its reminder comes, once.
    clock.advance(chrono::Duration::days(1));
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&app, &id, "AcknowledgementOverdue").await, 1);
    clock.advance(chrono::Duration::days(1));
    app.assignments.deadline_tick().await.unwrap();
    app.assignments.deadline_tick().await.unwrap();
    assert_eq!(fired(&app, &id, "AcknowledgementOverdue").await, 2);
    let last = count_rows(
        &app.databases.assignments,
        &format!("SELECT count(*) FROM outbox WHERE key = '{id}' AND payload LIKE '%AcknowledgementOverdue%' AND payload LIKE '%/qs/baisha/baisha-dzb%'"),
    )
    .await
    .unwrap();
    assert_eq!(last, 1, "the second reminder is the new unit's");
    app.shutdown().await.unwrap();
}

/// Calendar × extension × suspension: a day made a holiday moves each open limit that
/// counts it by one working day, keeping the working days an extension granted and a
/// suspension added.
#[actix_web::test]
async fn a_calendar_change_keeps_extensions_and_suspensions() {
    // Monday 9 March 2026: two items of five working days, due Monday 16th.
    let (clock, app) = at_nine(2026, 3, 9).await;
    let run = |account: &'static str, q: &'static str, input: serde_json::Value| {
        let app = &app;
        async move {
            let token = app.token(account).await.unwrap();
            let b = app.ok(&token, q, json!({ "i": input })).await;
            b
        }
    };
    let issue = |title: &'static str| {
        run(
            "county-supervisor",
            "mutation($i: IssueAssignmentInput!) { issueAssignment(input: $i) { assignment { id dueOn } } }",
            json!({"title": title, "leadUnitId": "qingshi-dzb", "timeLimitDays": 5}),
        )
    };
    let version = |id: String| {
        let app = &app;
        async move {
            let t = app.token("county-supervisor").await.unwrap();
            app.ask(
                &t,
                "query($id: ID!) { assignment(id: $id) { version } }",
                json!({"id": id}),
            )
            .await["data"]["assignment"]["version"]
                .clone()
        }
    };
    let extended = issue("延期后调整日历").await["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let suspended = issue("中止后调整日历").await["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [&extended, &suspended] {
        run(
            "qingshi-clerk",
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { id } } }",
            json!({"id": id, "expectedVersion": 1}),
        )
        .await;
    }
    run(
        "qingshi-clerk",
        "mutation($i: RequestExtensionInput!) { requestExtension(input: $i) { assignment { id } } }",
        json!({"id": extended, "expectedVersion": version(extended.clone()).await, "days": 3, "reason": "需会商"}),
    )
    .await;
    let b = run(
        "county-supervisor",
        "mutation($i: DecideExtensionInput!) { decideExtension(input: $i) { assignment { dueOn } } }",
        json!({"id": extended, "expectedVersion": version(extended.clone()).await, "approve": true}),
    )
    .await;
    assert_eq!(
        b["data"]["decideExtension"]["assignment"]["dueOn"],
        "2026-03-19"
    );
    run(
        "county-supervisor",
        "mutation($i: AssignmentReasonInput!) { suspendAssignment(input: $i) { assignment { id } } }",
        json!({"id": suspended, "expectedVersion": version(suspended.clone()).await, "reason": "等待批复"}),
    )
    .await;
    clock.advance(chrono::Duration::days(2)); // Wednesday 11th: two working days stood still.
    let b = run(
        "county-supervisor",
        "mutation($i: AssignmentVersionInput!) { resumeAssignment(input: $i) { assignment { dueOn } } }",
        json!({"id": suspended, "expectedVersion": version(suspended.clone()).await}),
    )
    .await;
    assert_eq!(
        b["data"]["resumeAssignment"]["assignment"]["dueOn"],
        "2026-03-18"
    );
    // Friday 13th becomes a holiday: each limit moves one working day, no more.
    let b = run(
        "county-admin",
        "mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { movedAssignments } }",
        json!({"date": "2026-03-13", "workday": false, "name": "县庆", "reason": "县委决定"}),
    )
    .await;
    assert!(
        b["data"]["setCalendarDay"]["movedAssignments"]
            .as_i64()
            .unwrap()
            >= 2,
        "{b}"
    );
    let due = |id: String| {
        let app = &app;
        async move {
            let t = app.token("county-supervisor").await.unwrap();
            app.ask(
                &t,
                "query($id: ID!) { assignment(id: $id) { dueOn deadlineChanges { reason } } }",
                json!({"id": id}),
            )
            .await["data"]["assignment"]
                .clone()
        }
    };
    let e = due(extended).await;
    assert_eq!(
        e["dueOn"], "2026-03-20",
        "the extension's three days stay: {e}"
    );
    assert!(
        e["deadlineChanges"].to_string().contains("工作日历调整"),
        "{e}"
    );
    assert_eq!(
        due(suspended).await["dueOn"],
        "2026-03-19",
        "the suspension's two days stay"
    );
    app.shutdown().await.unwrap();
}

/// 整改时限 is enforced: a ledger problem is reminded before its time limit and told when
/// it passed, once each; a problem closed in time, or awaiting its 销号 decision, is not.
#[actix_web::test]
async fn problems_are_reminded_of_their_time_limit_once_and_closed_ones_not_at_all() {
    // Monday 9 March 2026; three working days to rectify: due Thursday 12th.
    let (clock, app) = at_nine(2026, 3, 9).await;
    let register = |description: &'static str| {
        let app = &app;
        async move {
            let sup = app.token("county-supervisor").await.unwrap();
            let b = app
                .gql(
                    Some(&sup),
                    duban_tests::scenarios::REGISTER_PROBLEM,
                    json!({"input": {"category": "慢作为", "source": "SELF_FOUND", "description": description,
                        "causeAnalysis": "担当不足", "measures": ["限时办结"], "unitId": "qingshi-dzb", "timeLimitDays": 3}}),
                )
                .await
                .unwrap();
            assert_eq!(
                b["data"]["registerProblem"]["problem"]["dueOn"], "2026-03-12",
                "{b}"
            );
            b["data"]["registerProblem"]["problem"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let late = register("群众办事多头跑").await;
    let done = register("会议通知层层转发").await;
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    app
        .ok(
            &clerk,
            "mutation($i: RequestProblemCloseOutInput!) { requestProblemCloseOut(input: $i) { problem { version } } }",
            json!({"i": {"id": done, "expectedVersion": 1, "summary": "已合并发文", "evidence": ["发文清单"]}}),
        ).await;
    let closed = app
        .ask(
            &sup,
            "mutation($i: ProblemVersionInput!) { closeProblem(input: $i) { problem { state } } }",
            json!({"i": {"id": done, "expectedVersion": 2}}),
        )
        .await;
    assert_eq!(
        closed["data"]["closeProblem"]["problem"]["state"], "CLOSED",
        "{closed}"
    );
    for _ in 0..5 {
        clock.advance(chrono::Duration::days(1));
        app.assignments.deadline_tick().await.unwrap();
        app.assignments.deadline_tick().await.unwrap();
    }
    assert_eq!(fired(&app, &late, "ProblemDueSoon").await, 1);
    assert_eq!(fired(&app, &late, "ProblemOverdue").await, 1);
    assert_eq!(
        fired(&app, &done, "ProblemDueSoon").await,
        0,
        "closed in time"
    );
    assert_eq!(
        fired(&app, &done, "ProblemOverdue").await,
        0,
        "closed in time"
    );
    app.settle().await.unwrap();
    let notices = count_rows(
        &app.databases.notifications,
        &format!("SELECT count(*) FROM notification WHERE problem_id = '{late}' AND kind IN ('DUE_SOON_REMINDER', 'OVERDUE_NOTICE')"),
    )
    .await
    .unwrap();
    assert!(notices >= 2, "the reminders reached the inboxes: {notices}");
    app.shutdown().await.unwrap();
}

/// Every event of an aggregate takes the next position, reminders and directory changes
/// included: an item's are 1, 2, 3, … in the order written, a person's follow its version.
#[actix_web::test]
async fn every_event_of_an_aggregate_takes_the_next_position() {
    let (clock, app) = at_nine(2026, 3, 9).await;
    let id = issued_id(
        &app,
        json!({"title": "序号测试", "leadUnitId": "qingshi-dzb", "timeLimitDays": 2}),
    )
    .await;
    app.assignments.deadline_tick().await.unwrap(); // DueSoon fires on the day of issue.
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let ack = app
        .ask(
            &clerk,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        ack["data"]["acknowledgeAssignment"]["assignment"]["version"], 2,
        "{ack}"
    );
    clock.advance(chrono::Duration::days(3));
    app.assignments.deadline_tick().await.unwrap(); // Overdue.
    let item = positions(&app.databases.assignments, &id).await;
    let kinds: Vec<&str> = item.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "AssignmentIssued",
            "AssignmentDueSoon",
            "AssignmentAcknowledged",
            "AssignmentOverdue"
        ],
        "{item:?}"
    );
    let seqs: Vec<i64> = item.iter().map(|(_, n)| *n).collect();
    assert_eq!(seqs, [1, 2, 3, 4], "{item:?}");

    let admin = app.token("county-admin").await.unwrap();
    let changed = duban_tests::scenarios::update_person(
        &app,
        &admin,
        "p-qingshi-clerk",
        json!({"title": "科员"}),
    )
    .await;
    assert!(changed["errors"].is_null(), "{changed}");
    let person = positions(&app.databases.assignments, "p-qingshi-clerk").await;
    assert_eq!(
        person,
        [
            ("PersonRegistered".to_string(), 1),
            ("PersonUpdated".to_string(), 2)
        ],
        "not a timestamp"
    );
    app.shutdown().await.unwrap();
}

/// A morning with more reminders than one batch of the tick holds: each item's
/// acknowledgement, due-soon and overdue reminders, all due at once, fire once each and
/// take the item's next positions in turn, across the batches' boundary.
#[actix_web::test]
async fn a_morning_of_many_reminders_fires_each_once_in_position() {
    let (clock, app) = at_nine(2026, 3, 9).await;
    let sup = app.token("county-supervisor").await.unwrap();
    let n = duban_assignments::TICK_BATCH as usize / 3 + 5;
    let ids =
        duban_tests::scenarios::issue_numbered(&app, &sup, "qingshi-dzb", "一早多提醒", n, 3).await;
    // Due Thursday, unacknowledged: on Friday all three are due.
    clock.advance(chrono::Duration::days(4));
    let fired = app.assignments.deadline_tick().await.unwrap();
    assert!(fired as usize >= 3 * n, "{fired}");
    assert_eq!(app.assignments.deadline_tick().await.unwrap(), 0);
    for id in &ids {
        let item = positions(&app.databases.assignments, id).await;
        let mut kinds: Vec<&str> = item[1..].iter().map(|(t, _)| t.as_str()).collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                "AcknowledgementOverdue",
                "AssignmentDueSoon",
                "AssignmentOverdue"
            ],
            "{item:?}"
        );
        let seqs: Vec<i64> = item.iter().map(|(_, n)| *n).collect();
        assert_eq!(seqs, [1, 2, 3, 4], "{item:?}");
    }
    app.shutdown().await.unwrap();
}

/// Change of 责任人 × reminders: after a supervisor hands an item to another person, the
/// 到期提醒 reaches the new one, not the one who had it before.
#[actix_web::test]
async fn a_reminder_after_a_change_of_responsible_person_reaches_the_new_one() {
    let (clock, app) = at_nine(2026, 3, 9).await;
    let id = issued_id(
        &app,
        json!({"title": "换人后的到期提醒", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}),
    )
    .await;
    let sup = app.token("county-supervisor").await.unwrap();
    app
        .ok(
            &sup,
            "mutation($i: ChangeResponsiblePersonInput!) { changeResponsiblePerson(input: $i) { assignment { responsiblePersonId } } }",
            json!({"i": {"id": id, "expectedVersion": 1, "personId": "p-qingshi-clerk", "reason": "分工调整"}}),
        ).await;
    clock.advance(chrono::Duration::days(1));
    app.assignments.deadline_tick().await.unwrap();
    app.settle().await.unwrap();
    let due_soon = |person: &str| {
        format!(
            "SELECT count(*) FROM notification WHERE recipient_id = '{person}' \
             AND assignment_id = '{id}' AND kind = 'DUE_SOON_REMINDER'"
        )
    };
    let n = &app.databases.notifications;
    assert_eq!(
        count_rows(n, &due_soon("p-qingshi-clerk")).await.unwrap(),
        1
    );
    assert_eq!(
        count_rows(n, &due_soon("p-qingshi-leader")).await.unwrap(),
        0
    );
}
