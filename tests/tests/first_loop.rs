//! The first loop of «Spine», end to end against the real server: issue → evaluate →
//! notify → audit, acknowledge, report progress; tokens, roles and scopes; the
//! WebSocket subscription; a graceful restart that loses no event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{count_rows, error_code, spawn_app, spawn_in};
use serde_json::json;

use duban_tests::scenarios::{self, issue, ASSIGNMENT, ISSUE};

#[actix_web::test]
async fn the_first_loop_runs_from_issue_to_progress_through_graphql() {
    let app = spawn_app().await.unwrap();
    scenarios::first_loop(&app).await;
    scenarios::one_trace_from_gateway_to_every_consumer(&app).await;
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn missing_bad_and_expired_tokens_are_unauthenticated() {
    let app = spawn_app().await.unwrap();
    let q = "{ me { name } }";
    let none = app.gql(None, q, json!({})).await.unwrap();
    assert_eq!(error_code(&none), Some("UNAUTHENTICATED"), "{none}");
    let bad = app.gql(Some("not-a-token"), q, json!({})).await.unwrap();
    assert_eq!(error_code(&bad), Some("UNAUTHENTICATED"));
    let expired = app.token_with_ttl("county-supervisor", -10).await.unwrap();
    let old = app.gql(Some(&expired), q, json!({})).await.unwrap();
    assert_eq!(error_code(&old), Some("UNAUTHENTICATED"));
    let forged = {
        let keys = duban_auth::TokenKeys::new(b"somebody-elses-secret-key");
        let good = app.token("county-supervisor").await.unwrap();
        let claims: duban_auth::Claims = {
            let payload = good.split('.').nth(1).unwrap();
            let bytes = base64_decode(payload);
            serde_json::from_slice(&bytes).unwrap()
        };
        keys.sign(&claims).unwrap()
    };
    let f = app.gql(Some(&forged), q, json!({})).await.unwrap();
    assert_eq!(error_code(&f), Some("UNAUTHENTICATED"));
    let ok = app
        .gql(
            Some(&app.token("county-supervisor").await.unwrap()),
            q,
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(ok["data"]["me"]["name"], "王建国");
    app.shutdown().await.unwrap();
}

fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

#[actix_web::test]
async fn a_township_cannot_see_another_townships_assignment_and_roles_are_enforced() {
    let app = spawn_app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    let baisha = app.token("baisha-clerk").await.unwrap();
    let baisha_sup = app.token("baisha-supervisor").await.unwrap();
    let qingshi = app.token("qingshi-clerk").await.unwrap();
    let a = issue(&app, &supervisor, "qingshi-dzb", "青石镇专属事项").await;
    let id = a["id"].as_str().unwrap();

    for token in [&baisha, &baisha_sup] {
        let one = app
            .gql(Some(token), ASSIGNMENT, json!({"id": id}))
            .await
            .unwrap();
        assert_eq!(error_code(&one), Some("NOT_FOUND"), "{one}");
        let list = app
            .gql(
                Some(token),
                "{ assignments(first: 100) { edges { node { id leadUnitName } } } }",
                json!({}),
            )
            .await
            .unwrap();
        let edges = list["data"]["assignments"]["edges"].as_array().unwrap();
        assert!(!edges.is_empty(), "白沙乡 has items of its own: {list}");
        for e in edges {
            assert_ne!(e["node"]["id"], id);
            assert!(
                e["node"]["leadUnitName"]
                    .as_str()
                    .unwrap()
                    .starts_with("白沙乡"),
                "{e}"
            );
        }
        let ack = app
            .gql(
                Some(token),
                "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { id } } }",
                json!({"i": {"id": id, "expectedVersion": 1}}),
            )
            .await
            .unwrap();
        assert_eq!(error_code(&ack), Some("NOT_FOUND"), "{ack}");
    }
    // A township supervisor cannot issue to another township.
    let cross = app
        .gql(
            Some(&baisha_sup),
            ISSUE,
            json!({"input": {"title": "越权交办", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}}),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            error_code(&cross),
            cross["errors"][0]["extensions"]["field"].as_str()
        ),
        (Some("VALIDATION"), Some("leadUnitId")),
        "the same answer as for a unit that does not exist: {cross}"
    );
    // A clerk cannot issue at all.
    let clerk_issue = app
        .gql(
            Some(&qingshi),
            ISSUE,
            json!({"input": {"title": "x", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&clerk_issue), Some("FORBIDDEN"));
    // The supervisor cannot acknowledge for the office.
    let sup_ack = app
        .gql(
            Some(&supervisor),
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { id } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&sup_ack), Some("FORBIDDEN"));
    // Only discipline and admin read the audit log.
    let audit = app
        .gql(Some(&qingshi), "{ auditEntries { totalCount } }", json!({}))
        .await
        .unwrap();
    assert_eq!(error_code(&audit), Some("FORBIDDEN"));
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn bad_input_stale_versions_and_illegal_transitions_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("liuhe-clerk").await.unwrap();

    let v = app
        .gql(
            Some(&supervisor),
            ISSUE,
            json!({"input": {"title": "x", "leadUnitId": "liuhe-dzb", "timeLimitDays": 0}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&v), Some("VALIDATION"));
    assert_eq!(v["errors"][0]["extensions"]["field"], "timeLimitDays");
    let u = app
        .gql(
            Some(&supervisor),
            ISSUE,
            json!({"input": {"title": "x", "leadUnitId": "nowhere", "timeLimitDays": 3}}),
        )
        .await
        .unwrap();
    assert_eq!(u["errors"][0]["extensions"]["field"], "leadUnitId", "{u}");

    let a = issue(&app, &supervisor, "liuhe-dzb", "柳河镇测试事项").await;
    let id = a["id"].as_str().unwrap();
    let ack = "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }";
    let stale = app
        .gql(
            Some(&clerk),
            ack,
            json!({"i": {"id": id, "expectedVersion": 7}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&stale), Some("VERSION_CONFLICT"), "{stale}");
    let ok = app
        .gql(
            Some(&clerk),
            ack,
            json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(
        ok["data"]["acknowledgeAssignment"]["assignment"]["version"],
        2
    );
    let twice = app
        .gql(
            Some(&clerk),
            ack,
            json!({"i": {"id": id, "expectedVersion": 2}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&twice), Some("ILLEGAL_TRANSITION"), "{twice}");
    assert_eq!(
        twice["errors"][0]["message"],
        "当前状态为「已签收」，不能签收"
    );
    assert_eq!(
        twice["errors"][0]["extensions"]["currentState"],
        "ACKNOWLEDGED"
    );
    let report = app
        .gql(
            Some(&clerk),
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": 2, "percent": 140, "text": "x"}}),
        )
        .await
        .unwrap();
    assert_eq!(report["errors"][0]["extensions"]["field"], "percent");
    app.settle().await.unwrap();

    // Nothing half-written: still version 2, no progress, and only two events for the item.
    let now = app
        .gql(Some(&supervisor), ASSIGNMENT, json!({"id": id}))
        .await
        .unwrap();
    assert_eq!(now["data"]["assignment"]["version"], 2);
    assert_eq!(
        now["data"]["assignment"]["progressReports"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let discipline = app.token("county-discipline").await.unwrap();
    let audit = app
        .gql(
            Some(&discipline),
            r#"query($id: ID!) { auditEntries(filter: {aggregateId: $id}) { edges { node { eventType } } } }"#,
            json!({"id": id}),
        )
        .await
        .unwrap();
    let types: Vec<_> = audit["data"]["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["eventType"].as_str().unwrap())
        .filter(|t| *t != "ColorChanged")
        .collect();
    assert_eq!(types, ["AssignmentIssued", "AssignmentAcknowledged"]);
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn the_notice_arrives_over_the_websocket_subscription() {
    let app = spawn_app().await.unwrap();
    scenarios::notice_over_websocket(&app).await;
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_graceful_restart_loses_no_event_and_keeps_the_data() {
    let app = spawn_app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        let a = issue(&app, &supervisor, "baisha-dzb", &format!("重启测试事项{i}")).await;
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    // Stop at once, without waiting for the consumers: shutdown must drain.
    let dir = app.shutdown().await.unwrap();

    let again = spawn_in(dir).await.unwrap();
    let discipline = again.token("county-discipline").await.unwrap();
    let leader = again.token("baisha-leader").await.unwrap();
    for id in &ids {
        let audit = again
            .gql(
                Some(&discipline),
                r#"query($id: ID!) { auditEntries(filter: {aggregateId: $id}) { edges { node { eventType } } } }"#,
                json!({"id": id}),
            )
            .await
            .unwrap();
        let issued = audit["data"]["auditEntries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["eventType"] == "AssignmentIssued")
            .count();
        assert_eq!(issued, 1, "audit for {id}: {audit}");
    }
    let inbox = again
        .gql(
            Some(&leader),
            "{ myNotifications(first: 100) { edges { node { assignmentId } } } }",
            json!({}),
        )
        .await
        .unwrap();
    let got: Vec<_> = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["assignmentId"].as_str())
        .collect();
    for id in &ids {
        assert_eq!(
            got.iter().filter(|g| *g == id).count(),
            1,
            "notice for {id}"
        );
    }
    // The demo is loaded once: still eight demo items plus ours in the county.
    let all = again
        .gql(
            Some(&again.token("county-supervisor").await.unwrap()),
            "{ assignments { totalCount } }",
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(all["data"]["assignments"]["totalCount"], 28, "{all}");
    again.shutdown().await.unwrap();
}

#[actix_web::test]
async fn health_readiness_and_graphiql_are_served() {
    let app = spawn_app().await.unwrap();
    assert_eq!(app.get("/healthz").await.unwrap(), (200, "ok".to_string()));
    let (code, body) = app.get("/readyz").await.unwrap();
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        app.get("/metrics").await.unwrap().0,
        401,
        "/metrics wants its token"
    );
    let (code, metrics) = app.metrics(None).await.unwrap();
    assert_eq!(code, 200);
    assert!(
        metrics.contains("duban_events_handled_total{service=\"audit\"}"),
        "{metrics}"
    );
    let (code, page) = app.get("/graphql").await.unwrap();
    assert_eq!(code, 200);
    assert!(page.contains("id=\"graphiql\""), "GraphiQL page expected");
    assert!(!page.contains("//"), "nothing from the internet: {page}");
    let wanted = [
        "react.production",
        "react-dom.production",
        "graphiql.min.js",
        "graphiql.min.css",
        "start.js",
    ];
    let linked: Vec<&str> = page
        .split(['"', '\''])
        .filter(|s| s.starts_with("/graphiql/"))
        .collect();
    for name in wanted {
        assert!(
            linked.iter().any(|l| l.contains(name)),
            "{name} linked: {page}"
        );
    }
    for path in linked {
        let (code, body) = app.get_bytes(path, "").await.unwrap();
        assert_eq!(code, 200, "{path}");
        let text = String::from_utf8(body).expect("served decoded");
        assert!(text.len() > 100, "{path}: {text}");
    }
    let (_, graphiql) = app
        .get_bytes("/graphiql/graphiql.min.js", "")
        .await
        .unwrap();
    let graphiql = String::from_utf8(graphiql).unwrap();
    assert!(
        graphiql.contains("createFetcher"),
        "the GraphiQL bundle itself"
    );
    assert_eq!(app.get("/graphiql/nothing.js").await.unwrap().0, 404);
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn the_working_calendar_follows_the_official_notices() {
    let app = spawn_app().await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let body = app
        .gql(
            Some(&clerk),
            r#"{ workCalendar(year: 2026) { date workday holiday makeupFor }
                 a: addWorkingDays(from: "2026-02-13", days: 2)
                 b: addWorkingDays(from: "2026-09-30", days: 1)
                 c: addWorkingDays(from: "2025-01-24", days: 1) }"#,
            json!({}),
        )
        .await
        .unwrap();
    let days = body["data"]["workCalendar"].as_array().unwrap();
    assert_eq!(days.len(), 365);
    assert_eq!(days.iter().filter(|d| d["workday"] == true).count(), 248);
    let feb14 = days.iter().find(|d| d["date"] == "2026-02-14").unwrap();
    assert_eq!(
        (feb14["workday"].as_bool(), feb14["makeupFor"].as_str()),
        (Some(true), Some("春节"))
    );
    let feb16 = days.iter().find(|d| d["date"] == "2026-02-16").unwrap();
    assert_eq!(feb16["holiday"], "春节");
    assert_eq!(body["data"]["a"], "2026-02-24");
    assert_eq!(body["data"]["b"], "2026-10-08");
    assert_eq!(body["data"]["c"], "2025-01-26");
    let bad = app
        .gql(
            Some(&clerk),
            r#"{ addWorkingDays(from: "2026-02-30", days: 1) }"#,
            json!({}),
        )
        .await
        .unwrap();
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD"),
        "{bad}"
    );
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn changing_the_calendar_moves_open_time_limits_and_says_why() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    let issued = issue(&app, &sup, "qingshi-dzb", "日历调整测试事项").await;
    let id = issued["id"].as_str().unwrap().to_string();
    let before = app
        .gql(
            Some(&sup),
            "query($id: ID!) { assignment(id: $id) { dueOn issuedAt version } }",
            json!({"id": id}),
        )
        .await
        .unwrap();
    let due = before["data"]["assignment"]["dueOn"]
        .as_str()
        .unwrap()
        .to_string();
    let issued_on = before["data"]["assignment"]["issuedAt"].as_str().unwrap()[..10].to_string();
    let next = app
        .gql(
            Some(&sup),
            "query($d: Date!) { addWorkingDays(from: $d, days: 1) }",
            json!({"d": issued_on}),
        )
        .await
        .unwrap()["data"]["addWorkingDays"]
        .as_str()
        .unwrap()
        .to_string();

    let set = r#"mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { day { date workday holiday } movedAssignments } }"#;
    let input =
        json!({"i": {"date": next, "workday": false, "name": "县庆活动", "reason": "县委决定"}});
    let denied = app.gql(Some(&sup), set, input.clone()).await.unwrap();
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));
    let changed = app.gql(Some(&admin), set, input).await.unwrap();
    let p = &changed["data"]["setCalendarDay"];
    assert_eq!(
        (p["day"]["workday"].as_bool(), p["day"]["holiday"].as_str()),
        (Some(false), Some("县庆活动")),
        "{changed}"
    );
    assert!(p["movedAssignments"].as_i64().unwrap() >= 1);

    let expected = app
        .gql(
            Some(&sup),
            "query($d: Date!) { addWorkingDays(from: $d, days: 5) }",
            json!({"d": issued_on}),
        )
        .await
        .unwrap()["data"]["addWorkingDays"]
        .clone();
    let after = app
        .gql(
            Some(&sup),
            "query($id: ID!) { assignment(id: $id) { dueOn version deadlineChanges { from to reason } } }",
            json!({"id": id}),
        )
        .await
        .unwrap();
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
        .gql(
            Some(&leader),
            "{ myNotifications(first: 100) { edges { node { kind assignmentId } } } }",
            json!({}),
        )
        .await
        .unwrap();
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
        .gql(
            Some(&sup),
            "query($y: Int!) { workCalendar(year: $y) { date holiday } }",
            json!({"y": year}),
        )
        .await
        .unwrap();
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
    let app = spawn_app().await.unwrap();
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
            app.gql(Some(&token), &q, json!({ "i": input }))
                .await
                .unwrap()
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
        .gql(
            Some(&clerk),
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { state } } }",
            json!({"i": {"id": id, "expectedVersion": 4, "percent": 10, "text": "x"}}),
        )
        .await
        .unwrap();
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
        .gql(
            Some(&clerk_leader),
            "{ myNotifications(first: 100) { edges { node { title assignmentId } } } }",
            json!({}),
        )
        .await
        .unwrap();
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
    app.gql(
        Some(&clerk),
        "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }",
        json!({"i": {"id": id, "expectedVersion": 1}}),
    )
    .await
    .unwrap();
    let too_long = app
        .gql(
            Some(&clerk),
            &m("requestExtension", "RequestExtensionInput"),
            json!({"i": {"id": id, "expectedVersion": 2, "days": 11, "reason": "需协调"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        too_long["errors"][0]["extensions"]["field"], "days",
        "{too_long}"
    );
    let asked = app
        .gql(Some(&clerk), &m("requestExtension", "RequestExtensionInput"), json!({"i": {"id": id, "expectedVersion": 2, "days": 3, "reason": "需协调县直部门会签"}}))
        .await
        .unwrap();
    assert_eq!(
        asked["data"]["requestExtension"]["assignment"]["pendingExtensionDays"], 3,
        "{asked}"
    );
    let by_sup = app
        .gql(
            Some(&sup),
            &m("requestExtension", "RequestExtensionInput"),
            json!({"i": {"id": id, "expectedVersion": 3, "days": 1, "reason": "x"}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&by_sup), Some("FORBIDDEN"));
    let granted = app
        .gql(
            Some(&sup),
            &m("decideExtension", "DecideExtensionInput"),
            json!({"i": {"id": id, "expectedVersion": 3, "approve": true, "note": "同意"}}),
        )
        .await
        .unwrap();
    let g = &granted["data"]["decideExtension"]["assignment"];
    let expected = app
        .gql(
            Some(&sup),
            "query($d: Date!) { addWorkingDays(from: $d, days: 3) }",
            json!({"d": due}),
        )
        .await
        .unwrap()["data"]["addWorkingDays"]
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
        .gql(
            Some(&clerk),
            &m("returnToIssuer", "AssignmentReasonInput"),
            json!({"i": {"id": b["id"], "expectedVersion": 1, "reason": "属县发改局职责，非本单位事项"}}),
        )
        .await
        .unwrap();
    let r = &back["data"]["returnToIssuer"]["assignment"];
    assert_eq!(r["state"], "RETURNED", "{back}");
    assert_eq!(r["returnReason"], "属县发改局职责，非本单位事项");
    // Sent back, the item is no longer the old unit's to work on.
    let progress =
        "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { state } } }";
    let late = app
        .gql(
            Some(&clerk),
            progress,
            json!({"i": {"id": b["id"], "expectedVersion": 2, "percent": 10, "text": "仍在办"}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&late), Some("ILLEGAL_TRANSITION"), "{late}");
    // The issuer names the right unit, with a new time limit.
    let reassign = "mutation($i: ReassignAssignmentInput!) { reassignAssignment(input: $i) { assignment { state version leadUnitId dueOn ackDueOn deadlineChanges { reason } } } }";
    let missing = app
        .gql(
            Some(&sup),
            reassign,
            json!({"i": {"id": b["id"], "expectedVersion": 2, "leadUnitId": "qs-fgj-bgs", "reason": "属发改局职责"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        error_code(&missing),
        Some("VALIDATION"),
        "a new time limit is needed: {missing}"
    );
    let moved = app
        .gql(
            Some(&sup),
            reassign,
            json!({"i": {"id": b["id"], "expectedVersion": 2, "leadUnitId": "qs-fgj-bgs", "reason": "属发改局职责", "timeLimitDays": 5}}),
        )
        .await
        .unwrap();
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
        .gql(
            Some(&clerk),
            progress,
            json!({"i": {"id": b["id"], "expectedVersion": 3, "percent": 10, "text": "仍在办"}}),
        )
        .await
        .unwrap();
    assert!(
        matches!(error_code(&gone), Some("NOT_FOUND" | "FORBIDDEN")),
        "the old unit cannot act on it: {gone}"
    );
    let fgj = app.token("fgj-clerk").await.unwrap();
    let ack = app
        .gql(
            Some(&fgj),
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state } } }",
            json!({"i": {"id": b["id"], "expectedVersion": 3}}),
        )
        .await
        .unwrap();
    assert_eq!(
        ack["data"]["acknowledgeAssignment"]["assignment"]["state"], "ACKNOWLEDGED",
        "{ack}"
    );
    app.settle().await.unwrap();
    let inbox = app
        .gql(
            Some(&sup),
            "{ myNotifications(first: 100) { edges { node { title } } } }",
            json!({}),
        )
        .await
        .unwrap();
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
    let app = spawn_app().await.unwrap();
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
        .gql(Some(&qingshi), &request, json!({"i": {"id": id, "expectedVersion": 1, "toUnitId": "baisha-dzb", "reason": "涉及白沙乡辖区"}}))
        .await
        .unwrap();
    assert_eq!(
        asked["data"]["requestTransfer"]["assignment"]["pendingTransferUnitId"], "baisha-dzb",
        "{asked}"
    );
    let once = app
        .gql(
            Some(&sup),
            &decide,
            json!({"i": {"id": id, "expectedVersion": 2, "approve": true}}),
        )
        .await
        .unwrap();
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
    let gone = app
        .gql(Some(&qingshi), ASSIGNMENT, json!({"id": id}))
        .await
        .unwrap();
    assert_eq!(
        error_code(&gone),
        Some("NOT_FOUND"),
        "the old lead unit no longer sees it"
    );

    app.gql(Some(&baisha), &request, json!({"i": {"id": id, "expectedVersion": 3, "toUnitId": "liuhe-dzb", "reason": "涉及柳河镇"}}))
        .await
        .unwrap();
    let twice = app
        .gql(
            Some(&sup),
            &decide,
            json!({"i": {"id": id, "expectedVersion": 4, "approve": true}}),
        )
        .await
        .unwrap();
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
        .gql(
            Some(&leader),
            "{ myNotifications(first: 100) { edges { node { title body assignmentId } } } }",
            json!({}),
        )
        .await
        .unwrap();
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
        .gql(Some(&sup), r#"{ assignments(filter: {scope: "liuhe", text: "转办测试"}) { totalCount edges { node { color transfers { reason } } } } }"#, json!({}))
        .await
        .unwrap();
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

#[actix_web::test]
async fn an_admin_adds_a_township_with_its_division_code_and_its_people_can_sign_in() {
    let app = spawn_app().await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let unit = "mutation($i: RegisterOrgUnitInput!) { registerOrgUnit(input: $i) { orgUnit { id path divisionCode kind } } }";
    let bad = app
        .gql(Some(&admin), unit, json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇", "divisionCode": "360124102"}}))
        .await
        .unwrap();
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "divisionCode",
        "{bad}"
    );
    let short = app
        .gql(Some(&admin), unit, json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇", "divisionCode": "3601231"}}))
        .await
        .unwrap();
    assert_eq!(short["errors"][0]["extensions"]["field"], "divisionCode");
    let denied = app
        .gql(
            Some(&sup),
            unit,
            json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇"}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));
    let town = app
        .gql(Some(&admin), unit, json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇", "divisionCode": "360123102"}}))
        .await
        .unwrap();
    assert_eq!(
        town["data"]["registerOrgUnit"]["orgUnit"]["path"], "/qs/shanxi",
        "{town}"
    );
    let office = app
        .gql(Some(&admin), unit, json!({"i": {"id": "shanxi-dzb", "parentId": "shanxi", "kind": "OFFICE", "name": "山溪镇党政办公室"}}))
        .await
        .unwrap();
    assert_eq!(
        office["data"]["registerOrgUnit"]["orgUnit"]["path"],
        "/qs/shanxi/shanxi-dzb"
    );
    // No one works there yet: nobody can be made 责任人.
    let empty = app
        .gql(
            Some(&sup),
            scenarios::ISSUE,
            json!({"input": {"title": "无人单位", "leadUnitId": "shanxi-dzb", "timeLimitDays": 5}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&empty), Some("VALIDATION"), "{empty}");
    assert_eq!(empty["errors"][0]["extensions"]["field"], "leadUnitId");
    assert!(
        empty["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("尚无人员")),
        "{empty}"
    );
    let person = "mutation($i: RegisterPersonInput!) { registerPerson(input: $i) { person { id account roles } } }";
    let p = app
        .gql(Some(&admin), person, json!({"i": {"account": "shanxi-leader", "name": "周山", "title": "山溪镇党政办公室主任", "unitId": "shanxi-dzb", "roles": ["UNIT_LEADER"]}}))
        .await
        .unwrap();
    assert_eq!(
        p["data"]["registerPerson"]["person"]["id"], "p-shanxi-leader",
        "{p}"
    );
    let dup = app
        .gql(Some(&admin), person, json!({"i": {"account": "shanxi-leader", "name": "周山", "unitId": "shanxi-dzb", "roles": ["CLERK"]}}))
        .await
        .unwrap();
    assert_eq!(dup["errors"][0]["extensions"]["field"], "account");

    // The new unit can be given work at once, and its leader gets the notice.
    let a = issue(&app, &sup, "shanxi-dzb", "新设乡镇的第一件交办事项").await;
    assert_eq!(a["responsiblePersonId"], "p-shanxi-leader");
    app.settle().await.unwrap();
    let leader = app.token("shanxi-leader").await.unwrap();
    let inbox = app
        .gql(
            Some(&leader),
            "{ myNotifications { totalCount } }",
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(inbox["data"]["myNotifications"]["totalCount"], 1, "{inbox}");
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn the_ledger_pages_with_cursors_and_filters_by_due_range_and_responsible_person() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    for i in 0..5 {
        issue(&app, &sup, "qingshi-dzb", &format!("分页测试{i}")).await;
    }
    let page = r#"query($after: String) { assignments(first: 3, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id dueOn responsiblePersonId } } } }"#;
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    let mut last_due = String::new();
    loop {
        let body = app
            .gql(Some(&sup), page, json!({ "after": after }))
            .await
            .unwrap();
        let conn = &body["data"]["assignments"];
        assert_eq!(conn["totalCount"], 13, "{body}");
        for e in conn["edges"].as_array().unwrap() {
            let due = e["node"]["dueOn"].as_str().unwrap().to_string();
            assert!(due >= last_due, "ordered by time limit");
            last_due = due;
            seen.push(e["node"]["id"].as_str().unwrap().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(
        (seen.len(), unique.len()),
        (13, 13),
        "every item once across pages"
    );

    let mine = app
        .gql(
            Some(&sup),
            r#"{ assignments(filter: {responsiblePersonId: "p-qingshi-leader"}, first: 100) { totalCount edges { node { responsiblePersonId } } } }"#,
            json!({}),
        )
        .await
        .unwrap();
    let edges = mine["data"]["assignments"]["edges"].as_array().unwrap();
    assert_eq!(
        edges.len(),
        7,
        "two demo items and the five just issued: {mine}"
    );
    assert!(edges
        .iter()
        .all(|e| e["node"]["responsiblePersonId"] == "p-qingshi-leader"));

    let ranged = app
        .gql(
            Some(&sup),
            r#"query($d: Date!) { assignments(filter: {dueFrom: $d, dueTo: $d}, first: 100) { edges { node { dueOn } } } }"#,
            json!({"d": last_due}),
        )
        .await
        .unwrap();
    let r = ranged["data"]["assignments"]["edges"].as_array().unwrap();
    assert!(
        !r.is_empty() && r.iter().all(|e| e["node"]["dueOn"] == last_due.as_str()),
        "{ranged}"
    );

    let too_many = app
        .gql(
            Some(&sup),
            "{ assignments(first: 101) { totalCount } }",
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "first");
    let bad_cursor = app
        .gql(
            Some(&sup),
            r#"{ assignments(after: "not-a-cursor") { totalCount } }"#,
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(bad_cursor["errors"][0]["extensions"]["field"], "after");
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_township_launches_its_own_campaign_with_ordered_phases() {
    let app = spawn_app().await.unwrap();
    let township_sup = app.token("baisha-supervisor").await.unwrap();
    let clerk = app.token("baisha-clerk").await.unwrap();
    let launch = "mutation($i: LaunchCampaignInput!) { launchCampaign(input: $i) { campaign { id name documentNumber phases { ordinal name startsOn endsOn } categories reportDeadlines { name dueOn } } } }";
    let phases = json!([
        {"name": "自查自纠", "startsOn": "2026-12-01", "endsOn": "2026-12-15"},
        {"name": "整改落实", "startsOn": "2026-12-15", "endsOn": "2027-03-31"}
    ]);
    let input = json!({"i": {"name": "文山会海专项整治", "documentNumber": "白办发〔2026〕9号", "scopeUnitId": "baisha", "phases": phases,
        "reportDeadlines": [{"name": "整改落实情况报告", "dueOn": "2027-03-31"}, {"name": "自查报告", "dueOn": "2026-12-15"}]}});
    let denied = app.gql(Some(&clerk), launch, input.clone()).await.unwrap();
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));
    let other = app
        .gql(
            Some(&township_sup),
            launch,
            json!({"i": {"name": "x", "scopeUnitId": "qingshi", "phases": phases}}),
        )
        .await
        .unwrap();
    assert_eq!(
        other["errors"][0]["extensions"]["field"], "scopeUnitId",
        "another township is out of scope"
    );
    let overlap = app
        .gql(
            Some(&township_sup),
            launch,
            json!({"i": {"name": "x", "scopeUnitId": "baisha", "phases": [
                {"name": "一", "startsOn": "2026-12-01", "endsOn": "2026-12-15"},
                {"name": "二", "startsOn": "2026-12-10", "endsOn": "2026-12-31"}]}}),
        )
        .await
        .unwrap();
    assert_eq!(overlap["errors"][0]["extensions"]["field"], "phases");
    let ok = app.gql(Some(&township_sup), launch, input).await.unwrap();
    let c = &ok["data"]["launchCampaign"]["campaign"];
    assert_eq!(c["phases"][1]["ordinal"], 2, "{ok}");
    assert_eq!(c["categories"].as_array().unwrap().len(), 6);
    assert_eq!(
        c["reportDeadlines"][0],
        json!({"name": "自查报告", "dueOn": "2026-12-15"}),
        "in date order"
    );
    let seen = app
        .gql(Some(&clerk), "{ campaigns { name } }", json!({}))
        .await
        .unwrap();
    let names: Vec<&str> = seen["data"]["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"文山会海专项整治") && names.contains(&"改进作风、狠抓落实"),
        "{names:?}"
    );
    let qingshi = app.token("qingshi-clerk").await.unwrap();
    let not_there = app
        .gql(Some(&qingshi), "{ campaigns { name } }", json!({}))
        .await
        .unwrap();
    assert!(!not_there.to_string().contains("文山会海专项整治"));
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn the_color_filter_lists_only_that_color_within_the_callers_scope() {
    let app = spawn_app().await.unwrap();
    app.settle().await.unwrap();
    let q = r#"query($c: Color!) { assignments(first: 100, filter: {color: $c}) {
        totalCount edges { node { id color leadUnitName } } } }"#;
    let list = |token: String, color: &'static str| {
        let app = &app;
        async move {
            let body = app.gql(Some(&token), q, json!({"c": color})).await.unwrap();
            assert!(body["errors"].is_null(), "{body}");
            let conn = body["data"]["assignments"].clone();
            let nodes: Vec<serde_json::Value> = conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone())
                .collect();
            assert_eq!(conn["totalCount"].as_u64(), Some(nodes.len() as u64));
            for n in &nodes {
                assert_eq!(n["color"], color, "{n}");
            }
            nodes
        }
    };
    let county = app.token("county-supervisor").await.unwrap();
    let qingshi = app.token("qingshi-leader").await.unwrap();
    let (mut seen, mut own) = (0, 0);
    for color in ["BLUE", "YELLOW", "RED"] {
        let all = list(county.clone(), color).await;
        seen += all.len();
        let mine = list(qingshi.clone(), color).await;
        own += mine.len();
        for n in &mine {
            assert!(
                n["leadUnitName"].as_str().unwrap().starts_with("青石镇"),
                "only the township's own items: {n}"
            );
            assert!(all.contains(n), "a township's items are among the county's");
        }
        assert!(mine.len() <= all.len());
    }
    assert!(seen >= 3, "the demo has items of every color");
    assert!(own > 0 && own < seen, "the township sees some, not all");
    let red = list(county.clone(), "RED").await;
    assert!(!red.is_empty(), "the demo has a red item");
}

/// A stored value this version does not know is an INTERNAL error, logged, never a guess:
/// not ISSUED for an unknown state, not KEY_TASK for an unknown source, not a 督办通知 for
/// an unknown notice kind, not BLUE for an unknown color.
#[actix_web::test]
async fn unknown_stored_values_are_errors_not_guesses() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let leader = app.token("liuhe-leader").await.unwrap();
    let a = issue(&app, &sup, "liuhe-dzb", "存储值测试").await;
    let id = a["id"].as_str().unwrap().to_string();
    app.settle().await.unwrap();
    let read = |q: &'static str| {
        let (app, sup, id) = (&app, sup.clone(), id.clone());
        async move { app.gql(Some(&sup), q, json!({"id": id})).await.unwrap() }
    };
    let one = "query($id: ID!) { assignment(id: $id) { state source } }";
    assert!(read(one).await["errors"].is_null());
    for (column, forged) in [("state", "ARCHIVED"), ("source", "RUMOUR")] {
        app.databases
            .assignments
            .execute_unprepared(&format!(
                "UPDATE assignment SET {column} = '{forged}' WHERE id = '{id}'"
            ))
            .await
            .unwrap();
        let b = read(one).await;
        assert_eq!(error_code(&b), Some("INTERNAL"), "{column}: {b}");
        let back = if column == "state" {
            "ISSUED"
        } else {
            "KEY_TASK"
        };
        app.databases
            .assignments
            .execute_unprepared(&format!(
                "UPDATE assignment SET {column} = '{back}' WHERE id = '{id}'"
            ))
            .await
            .unwrap();
    }
    app.databases
        .evaluation
        .execute_unprepared(&format!(
            "UPDATE tracked_item SET color = 'PURPLE' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    let b = read("query($id: ID!) { assignment(id: $id) { color } }").await;
    assert_eq!(error_code(&b), Some("INTERNAL"), "{b}");
    app.databases
        .notifications
        .execute_unprepared(&format!(
            "UPDATE notification SET kind = 'GOSSIP' WHERE assignment_id = '{id}'"
        ))
        .await
        .unwrap();
    let b = app
        .gql(
            Some(&leader),
            "{ myNotifications(first: 50) { edges { node { kind } } } }",
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&b), Some("INTERNAL"), "{b}");
    app.shutdown().await.unwrap();
}

/// 退回 through GraphQL: the verifier sends a completed item back with a reason; the
/// office cannot send it back itself.
#[actix_web::test]
async fn a_verifier_returns_a_completed_item_with_its_reason() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("baisha-clerk").await.unwrap();
    let a = issue(&app, &sup, "baisha-dzb", "退回测试事项").await;
    let id = a["id"].as_str().unwrap().to_string();
    let step = |token: &str, q: &str, input: serde_json::Value| {
        let (app, token, q) = (&app, token.to_string(), q.to_string());
        async move {
            app.gql(Some(&token), &q, json!({ "i": input }))
                .await
                .unwrap()
        }
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
        .gql(
            Some(&sup),
            ISSUE,
            json!({"input": {"title": "联合整治占道经营", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5,
                "cooperatingUnitIds": ["liuhe-dzb"]}}),
        )
        .await
        .unwrap();
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
