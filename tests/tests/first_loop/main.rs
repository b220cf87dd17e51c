//! The first loop of «Spine», end to end against the real server: issue → evaluate →
//! notify → audit, acknowledge, report progress; tokens, roles and scopes; the
//! WebSocket subscription; a graceful restart that loses no event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{error_code, spawn_app, spawn_in};
use serde_json::json;

use duban_tests::scenarios::{self, issue, ASSIGNMENT, ISSUE};

mod directory;
mod item_commands;

#[actix_web::test]
async fn the_first_loop_runs_from_issue_to_progress_through_graphql() {
    let app = spawn_app().await.unwrap();
    scenarios::first_loop(&app).await;
    scenarios::one_trace_from_gateway_to_every_consumer(&app).await;
    app.shutdown().await.unwrap();
}

/// Every field of an item that issuing answers with: as a later read returns it.
const ITEM_FIELDS: &str = "id title description source sourceText urgency cooperatingUnitIds \
    campaignId category problemId documentNumber issuerId leadUnitId leadUnitName \
    responsiblePersonId state timeLimitDays issuedAt dueOn progressPercent version \
    supervisionLevel suspendedOn pendingExtensionDays extensionCount pendingTransferUnitId \
    transferCount ackDueOn dutyId acknowledgedAt completedAt result returnReason";

#[actix_web::test]
async fn issuing_answers_with_the_item_as_it_is_read_later() {
    // PostgreSQL keeps microseconds; SQLite keeps what it is given.
    duban_tests::on_both(answers_as_read).await;
}

async fn answers_as_read(app: duban_tests::TestApp) {
    let sup = app.token("county-supervisor").await.unwrap();
    let answer = app
        .gql(
            Some(&sup),
            &format!("mutation($i: IssueAssignmentInput!) {{ issueAssignment(input: $i) {{ assignment {{ {ITEM_FIELDS} }} }} }}"),
            json!({"i": {"title": "核对答复与存档一致", "description": "逐项核对", "leadUnitId": "qingshi-dzb",
                "timeLimitDays": 5, "cooperatingUnitIds": ["baisha-dzb"], "documentNumber": "县督字〔2026〕15号"}}),
        )
        .await
        .unwrap();
    let issued = &answer["data"]["issueAssignment"]["assignment"];
    assert!(issued["id"].is_string(), "{answer}");
    let read = app
        .gql(
            Some(&sup),
            &format!("query($id: ID!) {{ assignment(id: $id) {{ {ITEM_FIELDS} }} }}"),
            json!({"id": issued["id"]}),
        )
        .await
        .unwrap();
    assert_eq!(issued, &read["data"]["assignment"], "{read}");
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
    let old = app.read(&expired, q).await;
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
    let f = app.read(&forged, q).await;
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
        let one = app.ask(token, ASSIGNMENT, json!({"id": id})).await;
        assert_eq!(error_code(&one), Some("NOT_FOUND"), "{one}");
        let list = app
            .read(
                token,
                "{ assignments(first: 100) { edges { node { id leadUnitName } } } }",
            )
            .await;
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
            .ask(
                token,
                "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { id } } }",
                json!({"i": {"id": id, "expectedVersion": 1}}),
            )
            .await;
        assert_eq!(error_code(&ack), Some("NOT_FOUND"), "{ack}");
    }
    // A township supervisor cannot issue to another township.
    let cross = app
        .ask(
            &baisha_sup,
            ISSUE,
            json!({"input": {"title": "越权交办", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}}),
        )
        .await;
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
        .ask(
            &qingshi,
            ISSUE,
            json!({"input": {"title": "x", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3}}),
        )
        .await;
    assert_eq!(error_code(&clerk_issue), Some("FORBIDDEN"));
    // The supervisor cannot acknowledge for the office.
    let sup_ack = app
        .ask(
            &supervisor,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { id } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(error_code(&sup_ack), Some("FORBIDDEN"));
    // Only discipline and admin read the audit log.
    let audit = app.read(&qingshi, "{ auditEntries { totalCount } }").await;
    assert_eq!(error_code(&audit), Some("FORBIDDEN"));
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn bad_input_stale_versions_and_illegal_transitions_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("liuhe-clerk").await.unwrap();

    let v = app
        .ask(
            &supervisor,
            ISSUE,
            json!({"input": {"title": "x", "leadUnitId": "liuhe-dzb", "timeLimitDays": 0}}),
        )
        .await;
    assert_eq!(error_code(&v), Some("VALIDATION"));
    assert_eq!(v["errors"][0]["extensions"]["field"], "timeLimitDays");
    let u = app
        .ask(
            &supervisor,
            ISSUE,
            json!({"input": {"title": "x", "leadUnitId": "nowhere", "timeLimitDays": 3}}),
        )
        .await;
    assert_eq!(u["errors"][0]["extensions"]["field"], "leadUnitId", "{u}");
    // A brief's texts are bounded, each error naming its field; the 文号 is kept as given.
    for (field, over) in [
        ("documentNumber", "号".repeat(51)),
        ("description", "字".repeat(5001)),
    ] {
        let long = app
            .ask(
                &supervisor,
                ISSUE,
                json!({"input": {"title": "x", "leadUnitId": "liuhe-dzb", "timeLimitDays": 3, field: over}}),
            )
            .await;
        assert_eq!(
            (
                error_code(&long),
                long["errors"][0]["extensions"]["field"].as_str()
            ),
            (Some("VALIDATION"), Some(field)),
            "{long}"
        );
    }
    let numbered = app
        .ask(
            &supervisor,
            "mutation($input: IssueAssignmentInput!) { issueAssignment(input: $input) { assignment { id documentNumber } } }",
            json!({"input": {"title": "按文号交办", "leadUnitId": "liuhe-dzb", "timeLimitDays": 3, "documentNumber": "县督字〔2026〕15号"}}),
        )
        .await;
    let numbered_id = &numbered["data"]["issueAssignment"]["assignment"]["id"];
    assert_eq!(
        numbered["data"]["issueAssignment"]["assignment"]["documentNumber"], "县督字〔2026〕15号",
        "{numbered}"
    );
    let read = app
        .ask(
            &supervisor,
            "query($id: ID!) { assignment(id: $id) { documentNumber } }",
            json!({"id": numbered_id}),
        )
        .await;
    assert_eq!(
        read["data"]["assignment"]["documentNumber"], "县督字〔2026〕15号",
        "{read}"
    );

    let a = issue(&app, &supervisor, "liuhe-dzb", "柳河镇测试事项").await;
    let id = a["id"].as_str().unwrap();
    let ack = "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }";
    let stale = app
        .ask(&clerk, ack, json!({"i": {"id": id, "expectedVersion": 7}}))
        .await;
    assert_eq!(error_code(&stale), Some("VERSION_CONFLICT"), "{stale}");
    let ok = app
        .ask(&clerk, ack, json!({"i": {"id": id, "expectedVersion": 1}}))
        .await;
    assert_eq!(
        ok["data"]["acknowledgeAssignment"]["assignment"]["version"],
        2
    );
    let twice = app
        .ask(&clerk, ack, json!({"i": {"id": id, "expectedVersion": 2}}))
        .await;
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
        .ask(
            &clerk,
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": 2, "percent": 140, "text": "x"}}),
        )
        .await;
    assert_eq!(report["errors"][0]["extensions"]["field"], "percent");
    app.settle().await.unwrap();

    // Nothing half-written: still version 2, no progress, and only two events for the item.
    let now = app.ask(&supervisor, ASSIGNMENT, json!({"id": id})).await;
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
        .ask(
            &discipline,
            r#"query($id: ID!) { auditEntries(filter: {aggregateId: $id}) { edges { node { eventType } } } }"#,
            json!({"id": id}),
        )
        .await;
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
            .ask(
                &discipline,
                r#"query($id: ID!) { auditEntries(filter: {aggregateId: $id}) { edges { node { eventType } } } }"#,
                json!({"id": id}),
            )
            .await;
        let issued = duban_tests::audit_entries_of(&audit, "AssignmentIssued");
        assert_eq!(issued, 1, "audit for {id}: {audit}");
    }
    let inbox = again
        .read(
            &leader,
            "{ myNotifications(first: 100) { edges { node { assignmentId } } } }",
        )
        .await;
    duban_tests::assert_one_notice_each(&inbox, &ids);
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
        .read(
            &clerk,
            r#"{ workCalendar(year: 2026) { date workday holiday makeupFor }
                 a: addWorkingDays(from: "2026-02-13", days: 2)
                 b: addWorkingDays(from: "2026-09-30", days: 1)
                 c: addWorkingDays(from: "2025-01-24", days: 1) }"#,
        )
        .await;
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
        .read(&clerk, r#"{ addWorkingDays(from: "2026-02-30", days: 1) }"#)
        .await;
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD"),
        "{bad}"
    );
    // The same day inside an input object is refused with the same words, naming the input.
    let sup = app.token("county-supervisor").await.unwrap();
    let bad = app
        .ask(
            &sup,
            "mutation($i: IssueAssignmentInput!) { issueAssignment(input: $i) { assignment { id } } }",
            json!({"i": {"title": "坏日期", "leadUnitId": "qingshi-dzb", "dueOn": "2026-02-30"}}),
        )
        .await;
    let message = bad["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("YYYY-MM-DD"), "{bad}");
    assert!(message.contains("IssueAssignmentInput"), "{bad}");
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
        let body = app.ask(&sup, page, json!({ "after": after })).await;
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
        .read(
            &sup,
            r#"{ assignments(filter: {responsiblePersonId: "p-qingshi-leader"}, first: 100) { totalCount edges { node { responsiblePersonId } } } }"#,
        )
        .await;
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
        .ask(
            &sup,
            r#"query($d: Date!) { assignments(filter: {dueFrom: $d, dueTo: $d}, first: 100) { edges { node { dueOn } } } }"#,
            json!({"d": last_due}),
        )
        .await;
    let r = ranged["data"]["assignments"]["edges"].as_array().unwrap();
    assert!(
        !r.is_empty() && r.iter().all(|e| e["node"]["dueOn"] == last_due.as_str()),
        "{ranged}"
    );

    let too_many = app
        .read(&sup, "{ assignments(first: 101) { totalCount } }")
        .await;
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "first");
    let bad_cursor = app
        .read(
            &sup,
            r#"{ assignments(after: "not-a-cursor") { totalCount } }"#,
        )
        .await;
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
    let denied = app.ask(&clerk, launch, input.clone()).await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));
    let other = app
        .ask(
            &township_sup,
            launch,
            json!({"i": {"name": "x", "scopeUnitId": "qingshi", "phases": phases}}),
        )
        .await;
    assert_eq!(
        other["errors"][0]["extensions"]["field"], "scopeUnitId",
        "another township is out of scope"
    );
    let overlap = app
        .ask(
            &township_sup,
            launch,
            json!({"i": {"name": "x", "scopeUnitId": "baisha", "phases": [
                {"name": "一", "startsOn": "2026-12-01", "endsOn": "2026-12-15"},
                {"name": "二", "startsOn": "2026-12-10", "endsOn": "2026-12-31"}]}}),
        )
        .await;
    assert_eq!(overlap["errors"][0]["extensions"]["field"], "phases");
    let ok = app.ask(&township_sup, launch, input).await;
    let c = &ok["data"]["launchCampaign"]["campaign"];
    assert_eq!(c["phases"][1]["ordinal"], 2, "{ok}");
    assert_eq!(c["categories"].as_array().unwrap().len(), 6);
    assert_eq!(
        c["reportDeadlines"][0],
        json!({"name": "自查报告", "dueOn": "2026-12-15"}),
        "in date order"
    );
    let seen = app.read(&clerk, "{ campaigns { name } }").await;
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
    let not_there = app.read(&qingshi, "{ campaigns { name } }").await;
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
            let body = app.ok(&token, q, json!({"c": color})).await;
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
