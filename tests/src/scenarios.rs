//! Scenarios shared by the test binaries, run against any deployment.

use crate::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;

pub mod assessment;
mod board;
mod directory;
mod events;
mod export;
mod kept;
mod ledger;
pub use board::*;
pub use directory::*;
pub use events::*;
pub use export::*;
pub use kept::*;
pub use ledger::*;

/// The issueAssignment mutation.
pub const ISSUE: &str = r#"mutation($input: IssueAssignmentInput!) {
  issueAssignment(input: $input) { assignment { id state version dueOn leadUnitName responsiblePersonId color } }
}"#;

/// A rating by the public through the one-time link `token`: the status and body
/// answered.
pub async fn rate(
    app: &TestApp,
    token: &Value,
    level: &str,
    comment: Option<&str>,
) -> (u16, Value) {
    let mut body = json!({"token": token, "level": level});
    if let Some(c) = comment {
        body["comment"] = json!(c);
    }
    app.post_public("/public/v1/rating/rate", &body)
        .await
        .expect("the public rating endpoint answers")
}

/// The newest 100 notices in the inbox of the holder of `token`, each with `fields`.
pub async fn inbox(app: &TestApp, token: &str, fields: &str) -> Vec<Value> {
    let b = app
        .gql(
            Some(token),
            &format!("{{ myNotifications(first: 100) {{ edges {{ node {{ {fields} }} }} }} }}"),
            json!({}),
        )
        .await
        .unwrap();
    b["data"]["myNotifications"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{b}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Runs the assignment mutation `op` with `input` (of GraphQL type `input_type`) as the
/// holder of `token`, which must succeed; the assignment after it: id, version, dueOn.
pub async fn command(
    app: &TestApp,
    token: &str,
    op: &str,
    input_type: &str,
    input: Value,
) -> Value {
    let b = app
        .gql(
            Some(token),
            &format!(
                "mutation($i: {input_type}!) {{ {op}(input: $i) {{ assignment {{ id version dueOn }} }} }}"
            ),
            json!({ "i": input }),
        )
        .await
        .unwrap();
    assert!(b["errors"].is_null(), "{op}: {b}");
    b["data"][op]["assignment"].clone()
}

/// Signs for the item `id` (at version 1) and completes it as the holder of `token`; the
/// assignment after it.
pub async fn acknowledge_and_complete(app: &TestApp, token: &str, id: &str) -> Value {
    let a = command(
        app,
        token,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": id, "expectedVersion": 1}),
    )
    .await;
    command(
        app,
        token,
        "completeAssignment",
        "CompleteAssignmentInput",
        json!({"id": id, "expectedVersion": a["version"], "result": "已办结"}),
    )
    .await
}

/// Issues `title` to Qingshi's 党政办 as the county supervisor and signs for it as its
/// clerk; the clerk's token, the item's id and its version after signing.
pub async fn signed_for(app: &TestApp, title: &str) -> (String, String, Value) {
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let id = issue(app, &sup, "qingshi-dzb", title).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let acked = command(
        app,
        &clerk,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": id, "expectedVersion": 1}),
    )
    .await;
    (clerk, id, acked["version"].clone())
}

/// One assignment with its color and progress.
pub const ASSIGNMENT: &str = r#"query($id: ID!) {
  assignment(id: $id) { id state stateLabel version color colorReason progressPercent
    progressReports { percent text reportedBy } }
}"#;

/// How many events of `kind` assignments wrote about the item `id`.
pub async fn fired(app: &TestApp, id: &str, kind: &str) -> i64 {
    crate::count_rows(
        &app.databases.assignments,
        &format!("SELECT count(*) FROM outbox WHERE key = '{id}' AND payload LIKE '%\"{kind}\"%'"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Issues an assignment and returns it.
pub async fn issue(app: &TestApp, token: &str, unit: &str, title: &str) -> Value {
    let body = app
        .ok(
            token,
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
        .await;
    body["data"]["issueAssignment"]["assignment"].clone()
}

/// Issues `n` assignments titled `{prefix}0…` to `unit` with a time limit of `days`
/// working days, each of which must succeed; their ids in order.
pub async fn issue_numbered(
    app: &TestApp,
    token: &str,
    unit: &str,
    prefix: &str,
    n: usize,
    days: u32,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let body = app
            .ask(
                token,
                ISSUE,
                json!({"input": {"title": format!("{prefix}{i}"), "leadUnitId": unit, "timeLimitDays": days}}),
            )
            .await;
        assert!(body["errors"].is_null(), "issue {i}: {body}");
        ids.push(
            body["data"]["issueAssignment"]["assignment"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    ids
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
    let body = app.ask(&supervisor, ASSIGNMENT, json!({"id": id})).await;
    assert_eq!(body["data"]["assignment"]["color"], "BLUE", "{body}");
    assert_eq!(body["data"]["assignment"]["colorReason"], "正常推进");

    // Notifications put a 督办通知 into the responsible person's inbox.
    let notices = inbox(app, &leader, "kind title body assignmentId").await;
    let notice = notices
        .iter()
        .find(|n| n["assignmentId"] == id.as_str())
        .unwrap_or_else(|| panic!("no notice for {id}: {notices:?}"));
    assert_eq!(notice["kind"], "SUPERVISION_NOTICE");
    assert_eq!(notice["title"], "督办通知：落实首问负责制试点");
    assert!(notice["body"].as_str().unwrap().contains("5个工作日"));

    // The office acknowledges and reports progress.
    let ack = app
        .ask(
            &clerk,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state version } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        ack["data"]["acknowledgeAssignment"]["assignment"]["state"], "ACKNOWLEDGED",
        "{ack}"
    );
    let rep = app
        .ask(
            &clerk,
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { state version progressPercent progressReports { text } } } }",
            json!({"i": {"id": id, "expectedVersion": 2, "percent": 40, "text": "已召开部署会，明确责任人"}}),
        )
        .await;
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
    let seen = app.ask(&supervisor, ASSIGNMENT, json!({"id": id})).await;
    let s = &seen["data"]["assignment"];
    assert_eq!(s["progressPercent"], 40);
    assert_eq!(s["progressReports"][0]["text"], "已召开部署会，明确责任人");
    assert_eq!(s["progressReports"][0]["reportedBy"], "p-qingshi-clerk");
    let list = app
        .read(
            &supervisor,
            r#"query { assignments(filter: {scope: "qingshi", text: "首问负责制试点"}, first: 10) {
                totalCount edges { node { id state color progressReports { text } } } } }"#,
        )
        .await;
    let edges = list["data"]["assignments"]["edges"].as_array().unwrap();
    assert_eq!(list["data"]["assignments"]["totalCount"], 1, "{list}");
    assert_eq!(edges[0]["node"]["state"], "IN_PROGRESS");
    assert_eq!(edges[0]["node"]["color"], "BLUE");
    assert_eq!(
        edges[0]["node"]["progressReports"][0]["text"], "已召开部署会，明确责任人",
        "a list that asks for the reports gets them"
    );

    // The supervisor got the receipt and the progress notice.
    let kinds: Vec<_> = inbox(app, &supervisor, "kind assignmentId")
        .await
        .iter()
        .filter(|n| n["assignmentId"] == id.as_str())
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(
        kinds.contains(&"ACKNOWLEDGEMENT_RECEIPT".to_string()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"PROGRESS_UPDATE".to_string()), "{kinds:?}");

    // Audit appended every event about the item, in order.
    let audit = app
        .ask(
            &discipline,
            r#"query($id: ID!) { auditEntries(filter: {aggregateId: $id}, first: 100) {
                edges { node { index eventType actor leafHash } } } }"#,
            json!({"id": id}),
        )
        .await;
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
    // On track, it is blue from its first row: no card, so no ColorChanged.
    assert!(!types.contains(&"ColorChanged".to_string()), "{types:?}");
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
pub async fn subscribe(
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

/// The next text message on `conn` (pings skipped); fails after 10 s.
pub async fn next_text(conn: &mut actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>) -> Value {
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
        .ask(
            &discipline,
            r#"query($t: ID!) { auditEntries(filter: {correlationId: $t}, first: 100) {
                edges { node { eventType correlationId } } } }"#,
            json!({"t": trace}),
        )
        .await;
    let mut types: Vec<String> = audit["data"]["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["eventType"].as_str().unwrap().to_string())
        .collect();
    types.sort();
    // Issued on track, it is blue from its first row: evaluation has no card to announce.
    assert_eq!(
        types,
        ["AssignmentIssued", "NotificationsCreated"],
        "{audit}"
    );
}

/// The first error's `extensions.field`, if any.
pub(crate) fn error_field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}
