//! Ledger scenarios: a problem's whole life, pages against a plain query, scope checks.

use super::*;
use crate::TestApp;
use serde_json::{json, Value};

/// Registers a problem and returns it.
pub const REGISTER_PROBLEM: &str = r#"mutation($input: RegisterProblemInput!) {
  registerProblem(input: $input) { problem { id state stateLabel version sourceLabel measures dueOn
    responsiblePersonId unitName returnCount reopenCount history { action text evidence } } }
}"#;

/// Registers the problem `input` as the holder of `token`; its id (the answer if refused).
pub async fn registered_problem(app: &TestApp, token: &str, input: Value) -> String {
    let v = app
        .ask(token, REGISTER_PROBLEM, json!({ "input": input }))
        .await;
    v["data"]["registerProblem"]["problem"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_string()
}

const PROBLEM_FIELDS: &str =
    "problem { id state version dueOn returnCount reopenCount history { action text evidence } }";

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
    // Blue from its first row: evaluation announces a problem's first color only as a card.
    let blue = format!("SELECT count(*) FROM problem WHERE id = '{id}' AND color = 'BLUE'");
    anyhow::ensure!(
        crate::cluster::count(&app.databases.assignments, &blue).await == 1,
        "a new problem shows blue at once"
    );

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
            .ask(token, q, json!({"f": f, "after": after, "first": first}))
            .await;
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
    use duban_assignments::loadgen::CountySpec;
    let spec = CountySpec {
        prefix: "pg".into(),
        townships: 4,
        offices: 24,
    };
    super::generated_county(app, &spec, 3000).await;
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
        .ask(
            &clerk,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state } } }",
            json!({"i": {"id": a["id"], "expectedVersion": 1}}),
        )
        .await;
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
            let b = app.ask(&leader, q, json!({"s": scope, "o": sort})).await;
            assert_eq!(
                crate::error_code(&b),
                Some("VALIDATION"),
                "{scope} {sort}: {b}"
            );
            assert_eq!(b["errors"][0]["extensions"]["field"], "filter.scope", "{b}");
        }
        let mine = app
            .ask(&leader, q, json!({"s": "qingshi-dzb", "o": sort}))
            .await;
        let theirs = app
            .ask(&county, q, json!({"s": "qingshi-dzb", "o": sort}))
            .await;
        let n = mine["data"]["assignments"]["totalCount"].as_i64();
        assert!(n.is_some_and(|n| n > 0), "{sort}: {mine}");
        assert_eq!(
            n,
            theirs["data"]["assignments"]["totalCount"].as_i64(),
            "{sort}"
        );
    }
}
