//! An item's life beyond the first loop: the calendar moving its limit, raise, suspend, resume,
//! cancel and reopen, extensions and 回退, transfers, a verifier's return, 配合单位.

use duban_tests::scenarios::{issue, ASSIGNMENT, ISSUE};
use duban_tests::{count_rows, error_code, spawn_app, spawn_in};
use serde_json::json;

#[actix_web::test]
async fn changing_the_calendar_moves_open_time_limits_and_says_why() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    let issued = issue(&app, &sup, "qingshi-dzb", "日历调整测试事项").await;
    let id = issued["id"].as_str().unwrap().to_string();
    let before = app
        .ask(
            &sup,
            "query($id: ID!) { assignment(id: $id) { dueOn issuedAt version } }",
            json!({"id": id}),
        )
        .await;
    let due = before["data"]["assignment"]["dueOn"]
        .as_str()
        .unwrap()
        .to_string();
    let issued_on = before["data"]["assignment"]["issuedAt"].as_str().unwrap()[..10].to_string();
    let next = app
        .ask(
            &sup,
            "query($d: Date!) { addWorkingDays(from: $d, days: 1) }",
            json!({"d": issued_on}),
        )
        .await["data"]["addWorkingDays"]
        .as_str()
        .unwrap()
        .to_string();

    let set = r#"mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { day { date workday holiday } movedAssignments } }"#;
    let input =
        json!({"i": {"date": next, "workday": false, "name": "县庆活动", "reason": "县委决定"}});
    let denied = app.ask(&sup, set, input.clone()).await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));
    let changed = app.ask(&admin, set, input).await;
    let p = &changed["data"]["setCalendarDay"];
    assert_eq!(
        (p["day"]["workday"].as_bool(), p["day"]["holiday"].as_str()),
        (Some(false), Some("县庆活动")),
        "{changed}"
    );
    assert!(p["movedAssignments"].as_i64().unwrap() >= 1);

    let expected = app
        .ask(
            &sup,
            "query($d: Date!) { addWorkingDays(from: $d, days: 5) }",
            json!({"d": issued_on}),
        )
        .await["data"]["addWorkingDays"]
        .clone();
    let after = app
        .ask(
            &sup,
            "query($id: ID!) { assignment(id: $id) { dueOn version deadlineChanges { from to reason } } }",
            json!({"id": id}),
        )
        .await;
    let a = &after["data"]["assignment"];
    assert_eq!(a["dueOn"], expected);
    assert_ne!(a["dueOn"].as_str().unwrap(), due);
    assert_eq!(a["version"], 2);
    assert_eq!(a["deadlineChanges"][0]["from"], due.as_str());
    assert_eq!(a["deadlineChanges"][0]["to"], expected);
    assert!(a["deadlineChanges"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("县委决定"));

    app.settle().await.unwrap();
    let inbox = app
        .read(
            &leader,
            "{ myNotifications(first: 100) { edges { node { kind assignmentId } } } }",
        )
        .await;
    assert!(
        inbox["data"]["myNotifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["kind"] == "DEADLINE_CHANGED"
                && e["node"]["assignmentId"] == id.as_str()),
        "{inbox}"
    );

    // The change survives a restart, in assignments and in evaluation's copy.
    let dir = app.shutdown().await.unwrap();
    let again = spawn_in(dir).await.unwrap();
    let sup = again.token("county-supervisor").await.unwrap();
    let year: i32 = next[..4].parse().unwrap();
    let cal = again
        .ask(
            &sup,
            "query($y: Int!) { workCalendar(year: $y) { date holiday } }",
            json!({"y": year}),
        )
        .await;
    let day = cal["data"]["workCalendar"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == next.as_str())
        .unwrap()
        .clone();
    assert_eq!(day["holiday"], "县庆活动");
    let evaluation_days = count_rows(
        &again.databases.evaluation,
        "SELECT count(*) FROM calendar_override",
    )
    .await
    .unwrap();
    assert_eq!(evaluation_days, 1);
    again.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_supervisor_raises_suspends_resumes_cancels_and_reopens() {
    // On PostgreSQL a transition is one statement; on SQLite, one transaction.
    duban_tests::on_both(a_supervisor_raises_suspends_resumes_cancels_and_reopens_on).await;
}

async fn a_supervisor_raises_suspends_resumes_cancels_and_reopens_on(app: duban_tests::TestApp) {
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("baisha-clerk").await.unwrap();
    let run = |token: String, m: &'static str, input: serde_json::Value| {
        let app = &app;
        async move {
            let q = format!(
                "mutation($i: {}) {{ {m}(input: $i) {{ assignment {{ state version supervisionLevel suspendedOn dueOn deadlineChanges {{ reason }} }} }} }}",
                match m {
                    "raiseSupervision" => "RaiseSupervisionInput!",
                    "resumeAssignment" | "acknowledgeAssignment" | "verifyAssignment" => "AssignmentVersionInput!",
                    "completeAssignment" => "CompleteAssignmentInput!",
                    "reopenAssignment" => "ReopenAssignmentInput!",
                    _ => "AssignmentReasonInput!",
                }
            );
            app.ask(&token, &q, json!({ "i": input })).await
        }
    };
    let a = issue(&app, &sup, "baisha-dzb", "挂牌督办测试事项").await;
    let id = a["id"].as_str().unwrap().to_string();
    let due = a["dueOn"].clone();
    run(
        clerk.clone(),
        "acknowledgeAssignment",
        json!({"id": id, "expectedVersion": 1}),
    )
    .await;

    let raised = run(
        sup.clone(),
        "raiseSupervision",
        json!({"id": id, "expectedVersion": 2, "level": "LISTED"}),
    )
    .await;
    assert_eq!(
        raised["data"]["raiseSupervision"]["assignment"]["supervisionLevel"], "LISTED",
        "{raised}"
    );
    let lower = run(
        sup.clone(),
        "raiseSupervision",
        json!({"id": id, "expectedVersion": 3, "level": "URGED"}),
    )
    .await;
    assert_eq!(lower["errors"][0]["extensions"]["field"], "level");
    let by_clerk = run(
        clerk.clone(),
        "cancelAssignment",
        json!({"id": id, "expectedVersion": 3, "reason": "x"}),
    )
    .await;
    assert_eq!(error_code(&by_clerk), Some("FORBIDDEN"));

    let suspended = run(
        sup.clone(),
        "suspendAssignment",
        json!({"id": id, "expectedVersion": 3, "reason": "等待县自然资源局出具意见"}),
    )
    .await;
    let s = &suspended["data"]["suspendAssignment"]["assignment"];
    assert_eq!(s["state"], "SUSPENDED", "{suspended}");
    assert!(s["suspendedOn"].is_string());
    let report = app
        .ask(
            &clerk,
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { state } } }",
            json!({"i": {"id": id, "expectedVersion": 4, "percent": 10, "text": "x"}}),
        )
        .await;
    assert_eq!(error_code(&report), Some("ILLEGAL_TRANSITION"));
    let resumed = run(
        sup.clone(),
        "resumeAssignment",
        json!({"id": id, "expectedVersion": 4}),
    )
    .await;
    let r = &resumed["data"]["resumeAssignment"]["assignment"];
    assert_eq!(r["state"], "ACKNOWLEDGED");
    assert_eq!(
        r["dueOn"], due,
        "suspended and resumed the same day: no working day lost"
    );
    assert!(r["suspendedOn"].is_null());

    let cancelled = run(
        sup.clone(),
        "cancelAssignment",
        json!({"id": id, "expectedVersion": 5, "reason": "任务调整，并入其他事项"}),
    )
    .await;
    assert_eq!(
        cancelled["data"]["cancelAssignment"]["assignment"]["state"],
        "CANCELLED"
    );
    let again = run(
        sup.clone(),
        "reopenAssignment",
        json!({"id": id, "expectedVersion": 6, "reason": "x"}),
    )
    .await;
    assert_eq!(error_code(&again), Some("ILLEGAL_TRANSITION"));

    let b = issue(&app, &sup, "baisha-dzb", "回头看测试事项").await;
    let bid = b["id"].as_str().unwrap().to_string();
    run(
        clerk.clone(),
        "acknowledgeAssignment",
        json!({"id": bid, "expectedVersion": 1}),
    )
    .await;
    run(
        clerk.clone(),
        "completeAssignment",
        json!({"id": bid, "expectedVersion": 2, "result": "已整改到位"}),
    )
    .await;
    run(
        sup.clone(),
        "verifyAssignment",
        json!({"id": bid, "expectedVersion": 3}),
    )
    .await;
    let without_limit = run(
        sup.clone(),
        "reopenAssignment",
        json!({"id": bid, "expectedVersion": 4, "reason": "回头看发现问题反弹"}),
    )
    .await;
    assert_eq!(
        (
            error_code(&without_limit),
            without_limit["errors"][0]["extensions"]["field"].as_str()
        ),
        (Some("VALIDATION"), Some("timeLimitDays")),
        "reopening takes a new time limit: {without_limit}"
    );
    let reopened = run(
        sup.clone(),
        "reopenAssignment",
        json!({"id": bid, "expectedVersion": 4, "reason": "回头看发现问题反弹", "timeLimitDays": 5}),
    )
    .await;
    let r = &reopened["data"]["reopenAssignment"]["assignment"];
    assert_eq!(r["state"], "IN_PROGRESS", "{reopened}");
    let expected_due = app
        .assignments
        .calendar_now()
        .add_working_days(app.clock.today(), 5)
        .to_string();
    assert_eq!(r["dueOn"], expected_due.as_str(), "{reopened}");
    assert!(
        r["deadlineChanges"].to_string().contains("回头看重新打开"),
        "{reopened}"
    );
    let scheduled = duban_tests::count_rows(
        &app.databases.assignments,
        &format!("SELECT count(*) FROM deadline_schedule WHERE assignment_id = '{bid}' AND due_on = '{expected_due}'"),
    )
    .await
    .unwrap();
    assert_eq!(scheduled, 2, "DueSoon and Overdue for the new limit");
    app.settle().await.unwrap();
    let clerk_leader = app.token("baisha-leader").await.unwrap();
    let inbox = app
        .read(
            &clerk_leader,
            "{ myNotifications(first: 100) { edges { node { title assignmentId } } } }",
        )
        .await;
    let titles: Vec<String> = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["node"]["assignmentId"] == id.as_str() || e["node"]["assignmentId"] == bid.as_str()
        })
        .map(|e| e["node"]["title"].as_str().unwrap().to_string())
        .collect();
    for t in [
        "挂牌督办：挂牌督办测试事项",
        "已撤销：挂牌督办测试事项",
        "回头看重新打开：回头看测试事项",
    ] {
        assert!(titles.iter().any(|x| x == t), "{t} missing from {titles:?}");
    }
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn extensions_are_capped_and_decided_and_a_wrong_lead_unit_returns_the_item() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("liuhe-clerk").await.unwrap();
    let a = issue(&app, &sup, "liuhe-dzb", "延期测试事项").await;
    let id = a["id"].as_str().unwrap().to_string();
    let due = a["dueOn"].as_str().unwrap().to_string();
    let fields = "assignment { state version dueOn pendingExtensionDays extensionCount returnReason deadlineChanges { reason } }";
    let m = |name: &str, ty: &str| {
        format!("mutation($i: {ty}!) {{ {name}(input: $i) {{ {fields} }} }}")
    };
    app.ask(
        &clerk,
        "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }",
        json!({"i": {"id": id, "expectedVersion": 1}}),
    )
    .await;
    let too_long = app
        .ask(
            &clerk,
            &m("requestExtension", "RequestExtensionInput"),
            json!({"i": {"id": id, "expectedVersion": 2, "days": 11, "reason": "需协调"}}),
        )
        .await;
    assert_eq!(
        too_long["errors"][0]["extensions"]["field"], "days",
        "{too_long}"
    );
    let asked = app
        .ask(
            &clerk,
            &m("requestExtension", "RequestExtensionInput"),
            json!({"i": {"id": id, "expectedVersion": 2, "days": 3, "reason": "需协调县直部门会签"}}),
        )
        .await;
    assert_eq!(
        asked["data"]["requestExtension"]["assignment"]["pendingExtensionDays"], 3,
        "{asked}"
    );
    let by_sup = app
        .ask(
            &sup,
            &m("requestExtension", "RequestExtensionInput"),
            json!({"i": {"id": id, "expectedVersion": 3, "days": 1, "reason": "x"}}),
        )
        .await;
    assert_eq!(error_code(&by_sup), Some("FORBIDDEN"));
    let granted = app
        .ask(
            &sup,
            &m("decideExtension", "DecideExtensionInput"),
            json!({"i": {"id": id, "expectedVersion": 3, "approve": true, "note": "同意"}}),
        )
        .await;
    let g = &granted["data"]["decideExtension"]["assignment"];
    let expected = app
        .ask(
            &sup,
            "query($d: Date!) { addWorkingDays(from: $d, days: 3) }",
            json!({"d": due}),
        )
        .await["data"]["addWorkingDays"]
        .clone();
    assert_eq!(g["dueOn"], expected, "{granted}");
    assert_eq!(
        (
            g["extensionCount"].as_i64(),
            g["pendingExtensionDays"].is_null()
        ),
        (Some(1), true)
    );
    assert!(
        g["deadlineChanges"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("批准延期3个工作日"),
        "{g}"
    );

    let b = issue(&app, &sup, "liuhe-dzb", "错派事项").await;
    let back = app
        .ask(
            &clerk,
            &m("returnToIssuer", "AssignmentReasonInput"),
            json!({"i": {"id": b["id"], "expectedVersion": 1, "reason": "属县发改局职责，非本单位事项"}}),
        )
        .await;
    let r = &back["data"]["returnToIssuer"]["assignment"];
    assert_eq!(r["state"], "RETURNED", "{back}");
    assert_eq!(r["returnReason"], "属县发改局职责，非本单位事项");
    // Sent back, the item is no longer the old unit's to work on.
    let progress =
        "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { state } } }";
    let late = app
        .ask(
            &clerk,
            progress,
            json!({"i": {"id": b["id"], "expectedVersion": 2, "percent": 10, "text": "仍在办"}}),
        )
        .await;
    assert_eq!(error_code(&late), Some("ILLEGAL_TRANSITION"), "{late}");
    // The issuer names the right unit, with a new time limit.
    let reassign = "mutation($i: ReassignAssignmentInput!) { reassignAssignment(input: $i) { assignment { state version leadUnitId dueOn ackDueOn deadlineChanges { reason } } } }";
    let missing = app
        .ask(
            &sup,
            reassign,
            json!({"i": {"id": b["id"], "expectedVersion": 2, "leadUnitId": "qs-fgj-bgs", "reason": "属发改局职责"}}),
        )
        .await;
    assert_eq!(
        error_code(&missing),
        Some("VALIDATION"),
        "a new time limit is needed: {missing}"
    );
    let moved = app
        .ask(
            &sup,
            reassign,
            json!({"i": {"id": b["id"], "expectedVersion": 2, "leadUnitId": "qs-fgj-bgs", "reason": "属发改局职责", "timeLimitDays": 5}}),
        )
        .await;
    let n = &moved["data"]["reassignAssignment"]["assignment"];
    let due = app
        .assignments
        .calendar_now()
        .add_working_days(app.clock.today(), 5)
        .to_string();
    assert_eq!(
        (&n["state"], &n["leadUnitId"], &n["dueOn"]),
        (&json!("ISSUED"), &json!("qs-fgj-bgs"), &json!(due)),
        "{moved}"
    );
    assert!(
        n["deadlineChanges"]
            .to_string()
            .contains("重新确定承办单位"),
        "{moved}"
    );
    let gone = app
        .ask(
            &clerk,
            progress,
            json!({"i": {"id": b["id"], "expectedVersion": 3, "percent": 10, "text": "仍在办"}}),
        )
        .await;
    assert!(
        matches!(error_code(&gone), Some("NOT_FOUND" | "FORBIDDEN")),
        "the old unit cannot act on it: {gone}"
    );
    let fgj = app.token("fgj-clerk").await.unwrap();
    let ack = app
        .ask(
            &fgj,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state } } }",
            json!({"i": {"id": b["id"], "expectedVersion": 3}}),
        )
        .await;
    assert_eq!(
        ack["data"]["acknowledgeAssignment"]["assignment"]["state"], "ACKNOWLEDGED",
        "{ack}"
    );
    app.settle().await.unwrap();
    let inbox = app
        .read(
            &sup,
            "{ myNotifications(first: 100) { edges { node { title } } } }",
        )
        .await;
    let titles: Vec<&str> = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"延期申请：延期测试事项"), "{titles:?}");
    assert!(titles.contains(&"事项回退：错派事项"), "{titles:?}");
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn two_approved_transfers_keep_the_chain_and_flag_passing_the_buck() {
    // On PostgreSQL a transition is one statement; on SQLite, one transaction.
    duban_tests::on_both(two_approved_transfers_keep_the_chain_and_flag_passing_the_buck_on).await;
}

async fn two_approved_transfers_keep_the_chain_and_flag_passing_the_buck_on(
    app: duban_tests::TestApp,
) {
    let sup = app.token("county-supervisor").await.unwrap();
    let qingshi = app.token("qingshi-clerk").await.unwrap();
    let baisha = app.token("baisha-clerk").await.unwrap();
    let fields = "assignment { state version leadUnitId leadUnitName pendingTransferUnitId transferCount buckPassing transfers { fromUnitId toUnitId reason approved } }";
    let request = format!(
        "mutation($i: RequestTransferInput!) {{ requestTransfer(input: $i) {{ {fields} }} }}"
    );
    let decide = format!(
        "mutation($i: DecideTransferInput!) {{ decideTransfer(input: $i) {{ {fields} }} }}"
    );
    let a = issue(&app, &sup, "qingshi-dzb", "转办测试事项").await;
    let id = a["id"].as_str().unwrap().to_string();

    let asked = app
        .ask(
            &qingshi,
            &request,
            json!({"i": {"id": id, "expectedVersion": 1, "toUnitId": "baisha-dzb", "reason": "涉及白沙乡辖区"}}),
        )
        .await;
    assert_eq!(
        asked["data"]["requestTransfer"]["assignment"]["pendingTransferUnitId"], "baisha-dzb",
        "{asked}"
    );
    let once = app
        .ask(
            &sup,
            &decide,
            json!({"i": {"id": id, "expectedVersion": 2, "approve": true}}),
        )
        .await;
    let o = &once["data"]["decideTransfer"]["assignment"];
    assert_eq!(o["leadUnitName"], "白沙乡党政办公室", "{once}");
    assert_eq!(
        (
            o["state"].as_str(),
            o["transferCount"].as_i64(),
            o["buckPassing"].as_bool()
        ),
        (Some("ISSUED"), Some(1), Some(false))
    );
    assert_eq!(o["transfers"][0]["fromUnitId"], "qingshi-dzb");
    let gone = app.ask(&qingshi, ASSIGNMENT, json!({"id": id})).await;
    assert_eq!(
        error_code(&gone),
        Some("NOT_FOUND"),
        "the old lead unit no longer sees it"
    );

    app.ask(
        &baisha,
        &request,
        json!({"i": {"id": id, "expectedVersion": 3, "toUnitId": "liuhe-dzb", "reason": "涉及柳河镇"}}),
    )
    .await;
    let twice = app
        .ask(
            &sup,
            &decide,
            json!({"i": {"id": id, "expectedVersion": 4, "approve": true}}),
        )
        .await;
    let t = &twice["data"]["decideTransfer"]["assignment"];
    assert_eq!(
        (
            t["leadUnitId"].as_str(),
            t["transferCount"].as_i64(),
            t["buckPassing"].as_bool()
        ),
        (Some("liuhe-dzb"), Some(2), Some(true)),
        "{twice}"
    );
    assert_eq!(t["transfers"].as_array().unwrap().len(), 2);

    app.settle().await.unwrap();
    let leader = app.token("liuhe-leader").await.unwrap();
    let inbox = app
        .read(
            &leader,
            "{ myNotifications(first: 100) { edges { node { title body assignmentId } } } }",
        )
        .await;
    let notice = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["assignmentId"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(notice["title"], "督办通知（转办）：转办测试事项");
    assert!(notice["body"].as_str().unwrap().contains("不得再推诿"));
    let listed = app
        .read(
            &sup,
            r#"{ assignments(filter: {scope: "liuhe", text: "转办测试"}) { totalCount edges { node { color transfers { reason } } } } }"#,
        )
        .await;
    assert_eq!(listed["data"]["assignments"]["totalCount"], 1);
    assert_eq!(
        listed["data"]["assignments"]["edges"][0]["node"]["transfers"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "a list that asks for the transfer chain gets it"
    );
    assert_eq!(
        listed["data"]["assignments"]["edges"][0]["node"]["color"],
        "BLUE"
    );
    app.shutdown().await.unwrap();
}

/// 退回 through GraphQL: the verifier sends a completed item back with a reason; the
/// office cannot send it back itself.
#[actix_web::test]
async fn a_verifier_returns_a_completed_item_with_its_reason() {
    // On PostgreSQL a transition is one statement; on SQLite, one transaction.
    duban_tests::on_both(a_verifier_returns_a_completed_item_with_its_reason_on).await;
}

async fn a_verifier_returns_a_completed_item_with_its_reason_on(app: duban_tests::TestApp) {
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("baisha-clerk").await.unwrap();
    let a = issue(&app, &sup, "baisha-dzb", "退回测试事项").await;
    let id = a["id"].as_str().unwrap().to_string();
    let step = |token: &str, q: &str, input: serde_json::Value| {
        let (app, token, q) = (&app, token.to_string(), q.to_string());
        async move { app.ask(&token, &q, json!({ "i": input })).await }
    };
    step(
        &clerk,
        "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state } } }",
        json!({"id": id, "expectedVersion": 1}),
    )
    .await;
    step(
        &clerk,
        "mutation($i: CompleteAssignmentInput!) { completeAssignment(input: $i) { assignment { state } } }",
        json!({"id": id, "expectedVersion": 2, "result": "已办结"}),
    )
    .await;
    let back = "mutation($i: ReturnAssignmentInput!) { returnAssignment(input: $i) { assignment { state version returnReason } } }";
    let b = step(
        &clerk,
        back,
        json!({"id": id, "expectedVersion": 3, "reason": "自行退回"}),
    )
    .await;
    assert_eq!(error_code(&b), Some("FORBIDDEN"), "{b}");
    let b = step(
        &sup,
        back,
        json!({"id": id, "expectedVersion": 3, "reason": "佐证材料不全，请补充"}),
    )
    .await;
    let r = &b["data"]["returnAssignment"]["assignment"];
    assert_eq!(
        (&r["state"], &r["version"], &r["returnReason"]),
        (
            &json!("RETURNED"),
            &json!(4),
            &json!("佐证材料不全，请补充")
        ),
        "{b}"
    );
    app.shutdown().await.unwrap();
}

/// 配合单位 are told: the person answering for a cooperating unit gets the 配合督办通知.
#[actix_web::test]
async fn a_cooperating_unit_is_told_of_the_item_it_helps_with() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let b = app
        .ask(
            &sup,
            ISSUE,
            json!({"input": {"title": "联合整治占道经营", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5,
                "cooperatingUnitIds": ["liuhe-dzb"]}}),
        )
        .await;
    let id = b["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.settle().await.unwrap();
    let told = count_rows(
        &app.databases.notifications,
        &format!(
            "SELECT count(*) FROM notification WHERE assignment_id = '{id}' \
             AND recipient_id IN ('p-liuhe-leader', 'p-liuhe-clerk') AND title LIKE '配合督办通知%'"
        ),
    )
    .await
    .unwrap();
    assert_eq!(told, 1, "one person answers for the cooperating unit");
    app.shutdown().await.unwrap();
}

/// On SQLite too, a command on an item written last decides on the row kept of it, in
/// one guarded call, and a row moved meanwhile is never written over.
#[actix_web::test]
async fn a_kept_row_saves_the_read_and_a_moved_one_is_never_written_over() {
    let app = spawn_app().await.unwrap();
    duban_tests::scenarios::kept_row_and_a_moved_one(&app).await;
    app.shutdown().await.unwrap();
}
