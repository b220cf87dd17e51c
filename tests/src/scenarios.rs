//! Scenarios shared by the test binaries, run against any deployment.

use crate::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;

/// The issueAssignment mutation.
pub const ISSUE: &str = r#"mutation($input: IssueAssignmentInput!) {
  issueAssignment(input: $input) { assignment { id state version dueOn leadUnitName responsiblePersonId color } }
}"#;

/// One assignment with its color and progress.
pub const ASSIGNMENT: &str = r#"query($id: ID!) {
  assignment(id: $id) { id state stateLabel version color colorReason progressPercent
    progressReports { percent text reportedBy } }
}"#;

/// Issues an assignment and returns it.
pub async fn issue(app: &TestApp, token: &str, unit: &str, title: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            ISSUE,
            json!({"input": {
                "title": title,
                "description": "对照整改清单逐项落实",
                "source": "LEADER_INSTRUCTION",
                "sourceText": "请抓紧落实，按期报送。",
                "leadUnitId": unit,
                "timeLimitDays": 5
            }}),
        )
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["issueAssignment"]["assignment"].clone()
}

/// Issue → evaluate → notify → audit, acknowledge, report progress, all through GraphQL.
pub async fn first_loop(app: &TestApp) {
    let supervisor = app.token("county-supervisor").await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let discipline = app.token("county-discipline").await.unwrap();

    let a = issue(app, &supervisor, "qingshi-dzb", "落实首问负责制试点").await;
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["state"], "ISSUED");
    assert_eq!(a["version"], 1);
    assert_eq!(a["leadUnitName"], "青石镇党政办公室");
    assert_eq!(a["responsiblePersonId"], "p-qingshi-leader");
    app.settle().await.unwrap();

    // Evaluation recorded the item as blue.
    let body = app
        .gql(Some(&supervisor), ASSIGNMENT, json!({"id": id}))
        .await
        .unwrap();
    assert_eq!(body["data"]["assignment"]["color"], "BLUE", "{body}");
    assert_eq!(body["data"]["assignment"]["colorReason"], "正常推进");

    // Notifications put a 督办通知 into the responsible person's inbox.
    let inbox = app
        .gql(
            Some(&leader),
            "{ myNotifications(first: 50) { totalCount edges { node { kind title body assignmentId } } } }",
            json!({}),
        )
        .await
        .unwrap();
    let notices = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap();
    let notice = notices
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["assignmentId"] == id.as_str())
        .unwrap_or_else(|| panic!("no notice for {id}: {inbox}"));
    assert_eq!(notice["kind"], "SUPERVISION_NOTICE");
    assert_eq!(notice["title"], "督办通知：落实首问负责制试点");
    assert!(notice["body"].as_str().unwrap().contains("5个工作日"));

    // The office acknowledges and reports progress.
    let ack = app
        .gql(
            Some(&clerk),
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state version } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(
        ack["data"]["acknowledgeAssignment"]["assignment"]["state"], "ACKNOWLEDGED",
        "{ack}"
    );
    let rep = app
        .gql(
            Some(&clerk),
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { state version progressPercent progressReports { text } } } }",
            json!({"i": {"id": id, "expectedVersion": 2, "percent": 40, "text": "已召开部署会，明确责任人"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        rep["data"]["reportProgress"]["assignment"]["state"], "IN_PROGRESS",
        "{rep}"
    );
    assert_eq!(rep["data"]["reportProgress"]["assignment"]["version"], 3);
    // Asked for, the answer carries the item's history, this report included.
    assert_eq!(
        rep["data"]["reportProgress"]["assignment"]["progressReports"][0]["text"],
        "已召开部署会，明确责任人",
        "{rep}"
    );
    app.settle().await.unwrap();

    // The supervisor sees the progress and the list shows state and color.
    let seen = app
        .gql(Some(&supervisor), ASSIGNMENT, json!({"id": id}))
        .await
        .unwrap();
    let s = &seen["data"]["assignment"];
    assert_eq!(s["progressPercent"], 40);
    assert_eq!(s["progressReports"][0]["text"], "已召开部署会，明确责任人");
    assert_eq!(s["progressReports"][0]["reportedBy"], "p-qingshi-clerk");
    let list = app
        .gql(
            Some(&supervisor),
            r#"query { assignments(filter: {scope: "qingshi", text: "首问负责制试点"}, first: 10) {
                totalCount edges { node { id state color progressReports { text } } } } }"#,
            json!({}),
        )
        .await
        .unwrap();
    let edges = list["data"]["assignments"]["edges"].as_array().unwrap();
    assert_eq!(list["data"]["assignments"]["totalCount"], 1, "{list}");
    assert_eq!(edges[0]["node"]["state"], "IN_PROGRESS");
    assert_eq!(edges[0]["node"]["color"], "BLUE");
    assert_eq!(
        edges[0]["node"]["progressReports"][0]["text"], "已召开部署会，明确责任人",
        "a list that asks for the reports gets them"
    );

    // The supervisor got the receipt and the progress notice.
    let sup_inbox = app
        .gql(
            Some(&supervisor),
            "{ myNotifications(first: 100) { edges { node { kind assignmentId } } } }",
            json!({}),
        )
        .await
        .unwrap();
    let kinds: Vec<_> = sup_inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["assignmentId"] == id.as_str())
        .map(|e| e["node"]["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(
        kinds.contains(&"ACKNOWLEDGEMENT_RECEIPT".to_string()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"PROGRESS_UPDATE".to_string()), "{kinds:?}");

    // Audit appended every event about the item, in order.
    let audit = app
        .gql(
            Some(&discipline),
            r#"query($id: ID!) { auditEntries(filter: {aggregateId: $id}, first: 100) {
                edges { node { index eventType actor leafHash } } } }"#,
            json!({"id": id}),
        )
        .await
        .unwrap();
    let types: Vec<_> = audit["data"]["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["eventType"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| t.starts_with("Assignment") || *t == "ProgressReported")
            .collect::<Vec<_>>(),
        [
            "AssignmentIssued",
            "AssignmentAcknowledged",
            "ProgressReported"
        ],
        "{audit}"
    );
    assert!(types.contains(&"ColorChanged".to_string()), "{types:?}");
}

/// A notice reaches its recipient over `graphql-transport-ws`; a connection without a token is refused.
pub async fn notice_over_websocket(app: &TestApp) {
    let supervisor = app.token("county-supervisor").await.unwrap();
    let leader = app.token("liuhe-leader").await.unwrap();
    let ws_url = app.url.replace("http://", "ws://") + "/graphql/ws";
    // Let the demo's own notices pass first, so the next one is ours.
    app.settle().await.unwrap();

    // A connection without a token is refused.
    let (_r, mut anon) = awc::Client::new()
        .ws(&ws_url)
        .protocols(["graphql-transport-ws"])
        .connect()
        .await
        .unwrap();
    anon.send(awc::ws::Message::Text(
        json!({"type": "connection_init", "payload": {}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let refused = tokio::time::timeout(Duration::from_secs(5), anon.next())
        .await
        .unwrap();
    assert!(
        matches!(refused, Some(Ok(awc::ws::Frame::Close(_))) | None),
        "expected close, got {refused:?}"
    );

    let mut conn = subscribe(
        app,
        &leader,
        "subscription { notificationReceived { kind title assignmentId } }",
    )
    .await;
    // Give the server a moment to register the subscription before the event.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let a = issue(app, &supervisor, "liuhe-dzb", "订阅测试事项").await;
    let msg = next_text(&mut conn).await;
    assert_eq!(msg["type"], "next", "{msg}");
    let n = &msg["payload"]["data"]["notificationReceived"];
    assert_eq!(n["kind"], "SUPERVISION_NOTICE");
    assert_eq!(n["assignmentId"], a["id"]);
    assert_eq!(n["title"], "督办通知：订阅测试事项");
}

/// A `graphql-transport-ws` connection signed in with `token`, subscribed (as id "1") to
/// `query`.
async fn subscribe(
    app: &TestApp,
    token: &str,
    query: &str,
) -> actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec> {
    let ws_url = app.url.replace("http://", "ws://") + "/graphql/ws";
    let (_r, mut conn) = awc::Client::new()
        .ws(&ws_url)
        .protocols(["graphql-transport-ws"])
        .connect()
        .await
        .unwrap();
    let send = |v: Value| awc::ws::Message::Text(v.to_string().into());
    conn.send(send(
        json!({"type": "connection_init", "payload": {"token": token}}),
    ))
    .await
    .unwrap();
    let ack = next_text(&mut conn).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    conn.send(send(
        json!({"id": "1", "type": "subscribe", "payload": {"query": query}}),
    ))
    .await
    .unwrap();
    conn
}

async fn next_text(conn: &mut actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), conn.next())
            .await
            .expect("no message within 10 s")
            .expect("connection closed")
            .expect("bad frame");
        match frame {
            awc::ws::Frame::Text(b) => return serde_json::from_slice(&b).unwrap(),
            awc::ws::Frame::Ping(_) | awc::ws::Frame::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// One trace id follows a mutation from the gateway through the services and the
/// transport into every consumer and the events they cause.
pub async fn one_trace_from_gateway_to_every_consumer(app: &TestApp) {
    let supervisor = app.token("county-supervisor").await.unwrap();
    let discipline = app.token("county-discipline").await.unwrap();
    let trace = uuid::Uuid::now_v7().to_string();
    let body = app
        .gql_traced(
            Some(&supervisor),
            ISSUE,
            json!({"input": {"title": "追踪测试事项", "leadUnitId": "liuhe-dzb", "timeLimitDays": 4}}),
            Some(&trace),
        )
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["extensions"]["traceId"], trace.as_str());
    app.settle().await.unwrap();
    let audit = app
        .gql(
            Some(&discipline),
            r#"query($t: ID!) { auditEntries(filter: {correlationId: $t}, first: 100) {
                edges { node { eventType correlationId } } } }"#,
            json!({"t": trace}),
        )
        .await
        .unwrap();
    let mut types: Vec<String> = audit["data"]["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["eventType"].as_str().unwrap().to_string())
        .collect();
    types.sort();
    assert_eq!(
        types,
        ["AssignmentIssued", "ColorChanged", "NotificationCreated"],
        "{audit}"
    );
}

/// Registers a problem and returns it.
pub const REGISTER_PROBLEM: &str = r#"mutation($input: RegisterProblemInput!) {
  registerProblem(input: $input) { problem { id state stateLabel version sourceLabel measures dueOn
    responsiblePersonId unitName returnCount reopenCount history { action text evidence } } }
}"#;

const PROBLEM_FIELDS: &str =
    "problem { id state version dueOn returnCount reopenCount history { action text evidence } }";

fn error_field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

/// A whole ledger lifecycle through GraphQL, as a township office and the county's
/// supervisor live it: register (with bad input refused), ask for close-out with evidence,
/// be returned, ask again, be closed (销号), reopened after 回头看; every illegal step, a
/// stale version and a wrong party refused with their codes; the ledger query and the
/// inbox reflect it. Runs on either deployment.
pub async fn ledger_lifecycle(app: &TestApp) -> anyhow::Result<()> {
    let clerk = app.token("qingshi-clerk").await?;
    let sup = app.token("county-supervisor").await?;
    let mut input = json!({
        "category": "慢作为",
        "source": "PUBLIC_RAISED",
        "description": "群众反映办理宅基地审批材料多次往返",
        "causeAnalysis": "一次性告知制度落实不到位",
        "measures": [],
        "unitId": "qingshi-dzb",
        "timeLimitDays": 10
    });
    let bad = app
        .gql(Some(&clerk), REGISTER_PROBLEM, json!({"input": input}))
        .await?;
    anyhow::ensure!(crate::error_code(&bad) == Some("VALIDATION"), "{bad}");
    anyhow::ensure!(error_field(&bad) == Some("measures"), "{bad}");
    input["measures"] = json!(["推行一次性告知清单", "每月公开办理时限"]);
    let outsider = app.token("fgj-clerk").await?;
    let denied = app
        .gql(Some(&outsider), REGISTER_PROBLEM, json!({"input": input}))
        .await?;
    anyhow::ensure!(
        crate::error_code(&denied) == Some("VALIDATION"),
        "another unit's ledger: {denied}"
    );
    let body = app
        .gql(Some(&clerk), REGISTER_PROBLEM, json!({"input": input}))
        .await?;
    let p = &body["data"]["registerProblem"]["problem"];
    anyhow::ensure!(
        p["state"] == "RECTIFYING" && p["stateLabel"] == "整改中",
        "{body}"
    );
    anyhow::ensure!(
        p["sourceLabel"] == "群众提" && p["unitName"] == "青石镇党政办公室",
        "{body}"
    );
    let id = p["id"].as_str().unwrap_or_default().to_string();

    let cmd = |name: &str, extra: Value, version: i64| {
        let mut i = json!({"id": id, "expectedVersion": version});
        if let (Some(o), Some(e)) = (i.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        let arg = match name {
            "requestProblemCloseOut" => "RequestProblemCloseOutInput",
            "closeProblem" => "ProblemVersionInput",
            "reopenProblem" => "ReopenProblemInput",
            _ => "ProblemReasonInput",
        };
        (
            format!("mutation($input: {arg}!) {{ {name}(input: $input) {{ {PROBLEM_FIELDS} }} }}"),
            json!({"input": i}),
        )
    };
    let run = |token: String, name: &'static str, extra: Value, version: i64| {
        let (q, v) = cmd(name, extra, version);
        async move { app.gql(Some(&token), &q, v).await }
    };
    // Closing what nobody asked to close is illegal, and says where the item stands.
    let b = run(sup.clone(), "closeProblem", json!({}), 1).await?;
    anyhow::ensure!(crate::error_code(&b) == Some("ILLEGAL_TRANSITION"), "{b}");
    anyhow::ensure!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("整改中"),
        "{b}"
    );
    let b = run(
        clerk.clone(),
        "requestProblemCloseOut",
        json!({"summary": "已建立清单", "evidence": []}),
        1,
    )
    .await?;
    anyhow::ensure!(
        error_field(&b) == Some("evidence"),
        "close-out needs evidence: {b}"
    );
    let ask = json!({"summary": "已建立一次性告知清单并公示", "evidence": ["青石镇〔2026〕12号文", "公示照片"]});
    let b = run(clerk.clone(), "requestProblemCloseOut", ask.clone(), 1).await?;
    anyhow::ensure!(
        b["data"]["requestProblemCloseOut"]["problem"]["state"] == "CLOSE_OUT_REQUESTED",
        "{b}"
    );
    let b = run(clerk.clone(), "requestProblemCloseOut", ask.clone(), 1).await?;
    anyhow::ensure!(crate::error_code(&b) == Some("VERSION_CONFLICT"), "{b}");
    let b = run(clerk.clone(), "closeProblem", json!({}), 2).await?;
    anyhow::ensure!(
        crate::error_code(&b) == Some("FORBIDDEN"),
        "the office cannot close its own problem: {b}"
    );
    let b = run(
        sup.clone(),
        "returnProblem",
        json!({"reason": "缺少群众满意度回访记录"}),
        2,
    )
    .await?;
    let p = &b["data"]["returnProblem"]["problem"];
    anyhow::ensure!(p["state"] == "RECTIFYING" && p["returnCount"] == 1, "{b}");
    run(clerk.clone(), "requestProblemCloseOut", ask.clone(), 3).await?;
    let b = run(sup.clone(), "closeProblem", json!({}), 4).await?;
    anyhow::ensure!(
        b["data"]["closeProblem"]["problem"]["state"] == "CLOSED",
        "{b}"
    );
    let b = run(sup.clone(), "returnProblem", json!({"reason": "x"}), 5).await?;
    anyhow::ensure!(crate::error_code(&b) == Some("ILLEGAL_TRANSITION"), "{b}");
    let b = run(
        sup.clone(),
        "reopenProblem",
        json!({"reason": "回头看发现仍需多次往返", "timeLimitDays": 10}),
        5,
    )
    .await?;
    let p = &b["data"]["reopenProblem"]["problem"];
    anyhow::ensure!(
        p["state"] == "RECTIFYING" && p["reopenCount"] == 1 && p["version"] == 6,
        "{b}"
    );
    let new_limit = app
        .assignments
        .calendar_now()
        .add_working_days(app.clock.today(), 10)
        .to_string();
    anyhow::ensure!(p["dueOn"] == new_limit.as_str(), "a new 整改时限: {b}");
    let actions: Vec<&str> = p["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    anyhow::ensure!(
        actions
            == [
                "ProblemRegistered",
                "ProblemCloseOutRequested",
                "ProblemReturned",
                "ProblemCloseOutRequested",
                "ProblemClosed",
                "ProblemReopened"
            ],
        "the history starts with the registration: {actions:?}"
    );
    anyhow::ensure!(
        p["history"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("登记")),
        "{b}"
    );
    anyhow::ensure!(p["history"][1]["evidence"][1] == "公示照片", "{b}");

    let list = app
        .gql(
            Some(&sup),
            r#"{ problems(filter: {category: "慢作为", states: [RECTIFYING], source: PUBLIC_RAISED, text: "宅基地"}) { totalCount edges { node { id } } } }"#,
            json!({}),
        )
        .await?;
    anyhow::ensure!(list["data"]["problems"]["totalCount"] == 1, "{list}");
    anyhow::ensure!(
        list["data"]["problems"]["edges"][0]["node"]["id"] == id.as_str(),
        "{list}"
    );
    let other = app
        .gql(Some(&outsider), "{ problems { totalCount } }", json!({}))
        .await?;
    anyhow::ensure!(
        other["data"]["problems"]["totalCount"] == 0,
        "scoped: {other}"
    );

    app.settle().await?;
    let leader = app.token("qingshi-leader").await?;
    let inbox = app
        .gql(
            Some(&leader),
            "{ myNotifications(first: 50) { edges { node { kind title problemId } } } }",
            json!({}),
        )
        .await?;
    let kinds: Vec<&str> = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|n| n["node"]["problemId"] == id.as_str())
                .filter_map(|n| n["node"]["title"].as_str())
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(
        kinds.len() == 4,
        "registered, returned, closed, reopened reach the responsible leader: {kinds:?}"
    );
    Ok(())
}

/// Every id and the total of one filtered ledger, paged through `first` at a time, checking
/// the order of the time limits on the way.
async fn whole_ledger(
    app: &TestApp,
    token: &str,
    scope: Option<&str>,
    states: &Value,
    sort: &str,
    first: i64,
) -> (Vec<String>, i64) {
    let q = r#"query($f: AssignmentFilter, $after: String, $first: Int) {
      assignments(first: $first, after: $after, filter: $f) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id dueOn } } } }"#;
    let (mut ids, mut total, mut after, mut last) = (Vec::new(), -1, Value::Null, None::<String>);
    loop {
        let f = json!({"scope": scope, "states": states, "sort": sort});
        let body = app
            .gql(
                Some(token),
                q,
                json!({"f": f, "after": after, "first": first}),
            )
            .await
            .unwrap();
        let conn = &body["data"]["assignments"];
        assert!(conn.is_object(), "{body}");
        let t = conn["totalCount"].as_i64().unwrap();
        assert!(
            total == -1 || total == t,
            "the total does not change between pages"
        );
        total = t;
        for e in conn["edges"].as_array().unwrap() {
            let due = e["node"]["dueOn"].as_str().unwrap().to_string();
            match (sort, &last) {
                ("DUE_ASC", Some(l)) => assert!(&due >= l, "{sort}: {due} after {l}"),
                ("DUE_DESC", Some(l)) => assert!(&due <= l, "{sort}: {due} after {l}"),
                _ => {}
            }
            last = Some(due);
            ids.push(e["node"]["id"].as_str().unwrap().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            return (ids, total);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// The ledger read by time limit (each unit's index walked from the cursor, the total from
/// running counts) lists exactly what a plain filtered query lists, for the county (too
/// many units to walk one by one) and a township, before and after state changes.
pub async fn ledger_pages_match_a_plain_query(app: &TestApp) {
    use duban_assignments::loadgen::{self, CountySpec};
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.databases.assignments.clone();
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, path FROM org_unit WHERE kind = 'COUNTY' ORDER BY id LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap();
    let (cid, cpath): (String, String) = (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
    );
    let spec = CountySpec {
        prefix: "pg".into(),
        townships: 4,
        offices: 24,
    };
    loadgen::directory(&db, &cid, &cpath, &spec).await.unwrap();
    loadgen::assignments(&db, &spec, &cpath, 0, 3000, app.clock.today(), 3)
        .await
        .unwrap();
    let county = app.token("county-supervisor").await.unwrap();
    let township = app.token(&spec.supervisor(1)).await.unwrap();
    let qingshi = app.token("qingshi-leader").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let township_scope = spec.township(1);
    // Small pages from a township make some of its 75 walks stop before the page's end,
    // so they are read again with a larger share.
    let compare = |token: String, scope: Option<String>, states: Value| async move {
        let first = if scope.is_some() { 10 } else { 100 };
        let scope = scope.as_deref();
        let (mut plain, n) = whole_ledger(app, &token, scope, &states, "ISSUED_DESC", 100).await;
        assert_eq!(
            plain.len() as i64,
            n,
            "{scope:?} {states}: total of the plain query"
        );
        plain.sort();
        for sort in ["DUE_ASC", "DUE_DESC"] {
            let (mut ids, total) = whole_ledger(app, &token, scope, &states, sort, first).await;
            assert_eq!(total, n, "{scope:?} {states} {sort}: total");
            ids.sort();
            assert_eq!(
                ids, plain,
                "{scope:?} {states} {sort}: the same items once each"
            );
        }
        n
    };
    let open = json!(["ISSUED", "ACKNOWLEDGED", "IN_PROGRESS"]);
    for states in [open.clone(), json!(["CLOSED"]), Value::Null] {
        let n = compare(county.clone(), None, states.clone()).await;
        assert!(n > 0, "the county has items in {states}");
        let n = compare(
            township.clone(),
            Some(township_scope.clone()),
            states.clone(),
        )
        .await;
        assert!(n > 0, "the township has items in {states}");
    }

    // The counts follow a new item and its acknowledgement.
    let issued = compare(qingshi.clone(), None, json!(["ISSUED"])).await;
    let acked = compare(qingshi.clone(), None, json!(["ACKNOWLEDGED"])).await;
    let supervisor = app.token("county-supervisor").await.unwrap();
    let a = issue(app, &supervisor, "qingshi-dzb", "台账计数核对").await;
    assert_eq!(
        compare(qingshi.clone(), None, json!(["ISSUED"])).await,
        issued + 1
    );
    let body = app
        .gql(
            Some(&clerk),
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state } } }",
            json!({"i": {"id": a["id"], "expectedVersion": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(
        body["data"]["acknowledgeAssignment"]["assignment"]["state"], "ACKNOWLEDGED",
        "{body}"
    );
    assert_eq!(
        compare(qingshi.clone(), None, json!(["ISSUED"])).await,
        issued
    );
    assert_eq!(
        compare(qingshi, None, json!(["ACKNOWLEDGED"])).await,
        acked + 1
    );
}

/// A ledger's scope must be a unit the caller may see: another township or an unknown
/// unit is refused with the field named, whichever order the page is in; a unit inside
/// the caller's scope lists what the caller's whole scope lists there.
pub async fn ledger_scope_is_checked(app: &TestApp) {
    let leader = app.token("qingshi-leader").await.unwrap();
    let county = app.token("county-supervisor").await.unwrap();
    let q = "query($s: ID!, $o: AssignmentSort) { assignments(first: 5, filter: {scope: $s, sort: $o}) { totalCount } }";
    for sort in ["DUE_ASC", "DUE_DESC", "ISSUED_DESC"] {
        for scope in ["baisha", "no-such-unit"] {
            let b = app
                .gql(Some(&leader), q, json!({"s": scope, "o": sort}))
                .await
                .unwrap();
            assert_eq!(
                crate::error_code(&b),
                Some("VALIDATION"),
                "{scope} {sort}: {b}"
            );
            assert_eq!(b["errors"][0]["extensions"]["field"], "filter.scope", "{b}");
        }
        let mine = app
            .gql(Some(&leader), q, json!({"s": "qingshi-dzb", "o": sort}))
            .await
            .unwrap();
        let theirs = app
            .gql(Some(&county), q, json!({"s": "qingshi-dzb", "o": sort}))
            .await
            .unwrap();
        let n = mine["data"]["assignments"]["totalCount"].as_i64();
        assert!(n.is_some_and(|n| n > 0), "{sort}: {mine}");
        assert_eq!(
            n,
            theirs["data"]["assignments"]["totalCount"].as_i64(),
            "{sort}"
        );
    }
}

/// The updatePerson mutation, returning the person's new version.
pub const UPDATE_PERSON: &str = r#"mutation($input: UpdatePersonInput!) {
  updatePerson(input: $input) { person { id roles deactivated version } }
}"#;

/// Changes a person through GraphQL as `admin`, at the version read just before.
pub async fn update_person(app: &TestApp, admin: &str, id: &str, change: Value) -> Value {
    let read = app
        .gql(
            Some(admin),
            "query($id: ID!) { person(id: $id) { version } }",
            json!({"id": id}),
        )
        .await
        .unwrap();
    let mut input = change;
    input["id"] = json!(id);
    input["expectedVersion"] = read["data"]["person"]["version"].clone();
    app.gql(Some(admin), UPDATE_PERSON, json!({ "input": input }))
        .await
        .unwrap()
}

/// Authority comes from the directory on each request: a well-signed token for someone the
/// directory does not know reads and writes nothing; a role change and a deactivation take
/// effect on the next request, end open subscriptions, and old tokens stay dead after a
/// reactivation; no token is signed for a deactivated person.
pub async fn identity_comes_from_the_directory(app: &TestApp) {
    let admin = app.token("county-admin").await.unwrap();
    let me = "{ me { name scope roles } }";
    let issue_as = |token: String| async move {
        app.gql(
            Some(&token),
            ISSUE,
            json!({"input": {"title": "令牌测试", "description": "按期办结", "leadUnitId": "liuhe-dzb", "timeLimitDays": 5}}),
        )
        .await
        .unwrap()
    };

    // A stranger: signed with the right key, claiming a person the directory lacks.
    let mut ghost = app
        .assignments
        .claims_for("county-supervisor", 600)
        .await
        .unwrap();
    ghost.sub = "p-nobody".into();
    let ghost = app.sign(&ghost).unwrap();
    let body = app.gql(Some(&ghost), me, json!({})).await.unwrap();
    assert_eq!(crate::error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let body = issue_as(ghost).await;
    assert_eq!(crate::error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // A role taken away holds from the next request on, with the same token.
    let sup = app.token("liuhe-supervisor").await.unwrap();
    assert!(issue_as(sup.clone()).await["errors"].is_null());
    let changed = update_person(
        app,
        &admin,
        "p-liuhe-supervisor",
        json!({"roles": ["CLERK"]}),
    )
    .await;
    assert!(changed["errors"].is_null(), "{changed}");
    let body = issue_as(sup.clone()).await;
    assert_eq!(crate::error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.gql(Some(&sup), me, json!({})).await.unwrap();
    assert_eq!(body["data"]["me"]["roles"], json!(["CLERK"]), "{body}");

    // Deactivation: the next request, and an open subscription, end.
    let clerk = app.token("liuhe-clerk").await.unwrap();
    let mut conn = subscribe(
        app,
        &clerk,
        "subscription { notificationReceived { title } }",
    )
    .await;
    assert!(app.gql(Some(&clerk), me, json!({})).await.unwrap()["errors"].is_null());
    let off = update_person(app, &admin, "p-liuhe-clerk", json!({"deactivated": true})).await;
    assert!(off["errors"].is_null(), "{off}");
    let body = app.gql(Some(&clerk), me, json!({})).await.unwrap();
    assert_eq!(crate::error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let done = next_text(&mut conn).await;
    assert_eq!(done["type"], "complete", "{done}");
    assert!(app
        .assignments
        .claims_for("liuhe-clerk", 600)
        .await
        .is_err());

    // Back at work: the token signed before the deactivation stays dead, a new one works.
    let on = update_person(app, &admin, "p-liuhe-clerk", json!({"deactivated": false})).await;
    assert!(on["errors"].is_null(), "{on}");
    let body = app.gql(Some(&clerk), me, json!({})).await.unwrap();
    assert_eq!(crate::error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let fresh = app.token("liuhe-clerk").await.unwrap();
    assert!(app.gql(Some(&fresh), me, json!({})).await.unwrap()["errors"].is_null());
}

/// The gateway's own bounds, wherever it runs: a body over the limit is refused before it
/// is read, strangers get no introspection, a thousand aliases are refused, each with its
/// code.
pub async fn the_gateway_refuses_what_it_bounds(app: &TestApp) {
    let r = awc::Client::default()
        .post(format!("{}/graphql", app.url))
        .insert_header(("content-type", "application/json"))
        .send_body(vec![b' '; 2 << 20])
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let b = app
        .gql(None, "{ __schema { types { name } } }", json!({}))
        .await
        .unwrap();
    assert_eq!(crate::error_code(&b), Some("UNAUTHENTICATED"), "{b}");
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let many: String = (0..1000)
        .map(|i| format!("a{i}: assignments(first: 100) {{ edges {{ node {{ id }} }} }} "))
        .collect();
    let b = app
        .gql(Some(&clerk), &format!("{{ {many} }}"), json!({}))
        .await
        .unwrap();
    assert_eq!(crate::error_code(&b), Some("QUERY_TOO_COMPLEX"), "{b}");
}

/// How many assignments titled `title` the caller sees.
pub async fn titled(app: &TestApp, token: &str, title: &str) -> i64 {
    let body = app
        .gql(
            Some(token),
            "query($q: String) { assignments(filter: {text: $q}, first: 50) { edges { node { title } } } }",
            json!({"q": title}),
        )
        .await
        .unwrap();
    let edges = body["data"]["assignments"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    edges.iter().filter(|e| e["node"]["title"] == title).count() as i64
}

/// Retries are safe: a repeat of a caller's `Idempotency-Key` returns the first answer
/// and changes nothing; the key cannot be reused for another request; concurrent
/// repeats make one item; without a key two sends make two.
pub async fn retries_with_a_key_are_answered_once(app: &TestApp) {
    let sup = app.token("county-supervisor").await.unwrap();
    let input = |title: &str| {
        json!({"input": {
            "title": title, "description": "对照整改清单逐项落实", "source": "LEADER_INSTRUCTION",
            "leadUnitId": "qingshi-dzb", "timeLimitDays": 5
        }})
    };
    let key = uuid::Uuid::now_v7().to_string();
    let first = app
        .gql_keyed(&sup, &key, ISSUE, input("幂等重试事项"))
        .await
        .unwrap();
    assert!(first["errors"].is_null(), "{first}");
    let again = app
        .gql_keyed(&sup, &key, ISSUE, input("幂等重试事项"))
        .await
        .unwrap();
    // The color is the evaluation service's, read at answer time, not part of the answer kept.
    let own = |v: &Value| {
        let mut a = v["data"]["issueAssignment"]["assignment"].clone();
        a.as_object_mut().map(|o| o.remove("color"));
        a
    };
    assert!(own(&first)["id"].is_string(), "{first}");
    assert_eq!(own(&again), own(&first), "the first answer");
    assert_eq!(titled(app, &sup, "幂等重试事项").await, 1);

    let other = app
        .gql_keyed(&sup, &key, ISSUE, input("另一事项"))
        .await
        .unwrap();
    assert_eq!(
        other["errors"][0]["extensions"]["code"], "VALIDATION",
        "{other}"
    );
    assert_eq!(
        other["errors"][0]["extensions"]["field"], "Idempotency-Key",
        "{other}"
    );
    assert_eq!(titled(app, &sup, "另一事项").await, 0);

    let bad = app
        .gql_keyed(&sup, "a b", ISSUE, input("坏键事项"))
        .await
        .unwrap();
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "Idempotency-Key",
        "{bad}"
    );

    let key = uuid::Uuid::now_v7().to_string();
    let racers = (0..4).map(|_| app.gql_keyed(&sup, &key, ISSUE, input("并发重试事项")));
    let answers = futures::future::join_all(racers).await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|a| {
            let a = a.as_ref().unwrap();
            a["data"]["issueAssignment"]["assignment"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{a}"))
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(titled(app, &sup, "并发重试事项").await, 1);

    for _ in 0..2 {
        let plain = app.gql(Some(&sup), ISSUE, input("无键事项")).await.unwrap();
        assert!(plain["errors"].is_null(), "{plain}");
    }
    assert_eq!(titled(app, &sup, "无键事项").await, 2);
}

const CHANGE_RESPONSIBLE: &str = r#"mutation($input: ChangeResponsiblePersonInput!) {
  changeResponsiblePerson(input: $input) { assignment { responsiblePersonId version } }
}"#;

/// What `account` holds: the responsible person of assignment `item` and problem `problem`.
async fn holders(app: &TestApp, token: &str, item: &str, problem: &str) -> (Value, Value) {
    let body = app
        .gql(
            Some(token),
            "query($a: ID!, $p: ID!) { assignment(id: $a) { responsiblePersonId version }
               problem(id: $p) { responsiblePersonId history { action text } } }",
            json!({"a": item, "p": problem}),
        )
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    (
        body["data"]["assignment"].clone(),
        body["data"]["problem"].clone(),
    )
}

/// Notices in `token`'s inbox whose title mentions `text`.
async fn notices_about(app: &TestApp, token: &str, text: &str) -> usize {
    let body = app
        .gql(
            Some(token),
            "{ myNotifications(first: 50) { edges { node { title body } } } }",
            json!({}),
        )
        .await
        .unwrap();
    body["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|e| e["node"]["body"].as_str().unwrap_or("").contains(text))
        .count()
}

/// 新官要理旧账: a supervisor changes an item's 责任人 (to a person of the lead unit only,
/// and only a supervisor); deactivating a person hands their open items and problems to the
/// unit's leader, each noticed and in the problem's history; a leader with nobody to take
/// over is refused unless a successor is named, and then the named one takes everything.
pub async fn open_work_passes_to_a_successor(app: &TestApp) {
    let sup = app.token("county-supervisor").await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    let item = issue(app, &sup, "qingshi-dzb", "新官理旧账事项").await;
    let id = item["id"].as_str().unwrap().to_string();
    assert_eq!(item["responsiblePersonId"], "p-qingshi-leader", "{item}");
    let change = |person: &str, version: &Value| {
        json!({"input": {"id": id, "expectedVersion": version, "personId": person,
                          "reason": "工作分工调整"}})
    };
    let v = item["version"].clone();
    let denied = app
        .gql(
            Some(&clerk),
            CHANGE_RESPONSIBLE,
            change("p-qingshi-clerk", &v),
        )
        .await
        .unwrap();
    assert_eq!(crate::error_code(&denied), Some("FORBIDDEN"), "{denied}");
    let outside = app
        .gql(Some(&sup), CHANGE_RESPONSIBLE, change("p-baisha-clerk", &v))
        .await
        .unwrap();
    assert_eq!(error_field(&outside), Some("personId"), "{outside}");
    let changed = app
        .gql(
            Some(&sup),
            CHANGE_RESPONSIBLE,
            change("p-qingshi-clerk", &v),
        )
        .await
        .unwrap();
    let a = &changed["data"]["changeResponsiblePerson"]["assignment"];
    assert_eq!(a["responsiblePersonId"], "p-qingshi-clerk", "{changed}");

    let registered = app
        .gql(
            Some(&clerk),
            REGISTER_PROBLEM,
            json!({"input": {"category": "慢作为", "source": "SELF_FOUND",
                "description": "窗口人员离岗未报备", "causeAnalysis": "考勤制度执行不严",
                "measures": ["建立离岗报备登记"], "unitId": "qingshi-dzb",
                "responsiblePersonId": "p-qingshi-clerk", "timeLimitDays": 10}}),
        )
        .await
        .unwrap();
    let problem = registered["data"]["registerProblem"]["problem"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{registered}"))
        .to_string();
    app.settle().await.unwrap();
    let before = notices_about(app, &leader, "改由你负责").await;

    let off = update_person(app, &admin, "p-qingshi-clerk", json!({"deactivated": true})).await;
    assert!(off["errors"].is_null(), "{off}");
    let (a, p) = holders(app, &sup, &id, &problem).await;
    assert_eq!(
        a["responsiblePersonId"], "p-qingshi-leader",
        "the unit leader by default"
    );
    assert_eq!(p["responsiblePersonId"], "p-qingshi-leader");
    let history = p["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h["action"] == "ProblemResponsibleChanged"
                && h["text"].as_str().unwrap_or("").contains("张伟")),
        "{p}"
    );
    app.settle().await.unwrap();
    assert_eq!(
        notices_about(app, &leader, "改由你负责").await,
        before + 2,
        "one notice for the item, one for the problem"
    );

    let nobody = update_person(
        app,
        &admin,
        "p-qingshi-leader",
        json!({"deactivated": true}),
    )
    .await;
    assert_eq!(error_field(&nobody), Some("successorId"), "{nobody}");
    let (a, _) = holders(app, &sup, &id, &problem).await;
    assert_eq!(
        a["responsiblePersonId"], "p-qingshi-leader",
        "nothing changed"
    );
    let named = update_person(
        app,
        &admin,
        "p-qingshi-leader",
        json!({"deactivated": true, "successorId": "p-qingshi-supervisor"}),
    )
    .await;
    assert!(named["errors"].is_null(), "{named}");
    let (a, p) = holders(app, &sup, &id, &problem).await;
    assert_eq!(a["responsiblePersonId"], "p-qingshi-supervisor");
    assert_eq!(p["responsiblePersonId"], "p-qingshi-supervisor");
}
