//! Scenarios shared by the test binaries, run against any deployment.

use crate::TestApp;
use serde_json::{json, Value};

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

    let a = issue(&app, &supervisor, "qingshi-dzb", "落实首问负责制试点").await;
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
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { state version progressPercent } } }",
            json!({"i": {"id": id, "expectedVersion": 2, "percent": 40, "text": "已召开部署会，明确责任人"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        rep["data"]["reportProgress"]["assignment"]["state"], "IN_PROGRESS",
        "{rep}"
    );
    assert_eq!(rep["data"]["reportProgress"]["assignment"]["version"], 3);
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
                totalCount edges { node { id state color } } } }"#,
            json!({}),
        )
        .await
        .unwrap();
    let edges = list["data"]["assignments"]["edges"].as_array().unwrap();
    assert_eq!(list["data"]["assignments"]["totalCount"], 1, "{list}");
    assert_eq!(edges[0]["node"]["state"], "IN_PROGRESS");
    assert_eq!(edges[0]["node"]["color"], "BLUE");

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

