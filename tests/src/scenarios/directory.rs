//! Directory and request scenarios: identity from the directory, the gateway's bounds, keyed
//! retries, open work passing to a successor.

use super::*;
use crate::TestApp;
use serde_json::{json, Value};

/// The updatePerson mutation, returning the person's new version.
pub const UPDATE_PERSON: &str = r#"mutation($input: UpdatePersonInput!) {
  updatePerson(input: $input) { person { id roles deactivated version } }
}"#;

/// Changes a person through GraphQL as `admin`, at the version read just before.
pub async fn update_person(app: &TestApp, admin: &str, id: &str, change: Value) -> Value {
    let read = app
        .ask(
            admin,
            "query($id: ID!) { person(id: $id) { version } }",
            json!({"id": id}),
        )
        .await;
    let mut input = change;
    input["id"] = json!(id);
    input["expectedVersion"] = read["data"]["person"]["version"].clone();
    app.ask(admin, UPDATE_PERSON, json!({ "input": input }))
        .await
}

/// Authority comes from the directory on each request: a well-signed token for someone the
/// directory does not know reads and writes nothing; a role change and a deactivation take
/// effect on the next request, end open subscriptions, and old tokens stay dead after a
/// reactivation; no token is signed for a deactivated person.
pub async fn identity_comes_from_the_directory(app: &TestApp) {
    let admin = app.token("county-admin").await.unwrap();
    let me = "{ me { name scope roles } }";
    let issue_as = |token: String| async move {
        app.ask(
            &token,
            ISSUE,
            json!({"input": {"title": "令牌测试", "description": "按期办结", "leadUnitId": "liuhe-dzb", "timeLimitDays": 5}}),
        )
        .await
    };

    // A stranger: signed with the right key, claiming a person the directory lacks.
    let mut ghost = app
        .assignments
        .claims_for("county-supervisor", 600)
        .await
        .unwrap();
    ghost.sub = "p-nobody".into();
    let ghost = app.sign(&ghost).unwrap();
    let body = app.read(&ghost, me).await;
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
    let body = app.read(&sup, me).await;
    assert_eq!(body["data"]["me"]["roles"], json!(["CLERK"]), "{body}");

    // Deactivation: the next request, and an open subscription, end.
    let clerk = app.token("liuhe-clerk").await.unwrap();
    let mut conn = subscribe(
        app,
        &clerk,
        "subscription { notificationReceived { title } }",
    )
    .await;
    assert!(app.read(&clerk, me).await["errors"].is_null());
    let off = update_person(app, &admin, "p-liuhe-clerk", json!({"deactivated": true})).await;
    assert!(off["errors"].is_null(), "{off}");
    let body = app.read(&clerk, me).await;
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
    let body = app.read(&clerk, me).await;
    assert_eq!(crate::error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let fresh = app.token("liuhe-clerk").await.unwrap();
    assert!(app.read(&fresh, me).await["errors"].is_null());
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
    let b = app.read(&clerk, &format!("{{ {many} }}")).await;
    assert_eq!(crate::error_code(&b), Some("QUERY_TOO_COMPLEX"), "{b}");
}

/// How many assignments titled `title` the caller sees.
pub async fn titled(app: &TestApp, token: &str, title: &str) -> i64 {
    let body = app
        .ask(
            token,
            "query($q: String) { assignments(filter: {text: $q}, first: 50) { edges { node { title } } } }",
            json!({"q": title}),
        )
        .await;
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
        app.ok(&sup, ISSUE, input("无键事项")).await;
    }
    assert_eq!(titled(app, &sup, "无键事项").await, 2);

    // A process that dies just after its commit never writes anything more: a trigger
    // refusing every later write of a kept answer stands in for that death. The answer
    // went with the key in the command's transaction, so the retry still gets it.
    use sea_orm::ConnectionTrait;
    let db = &app.databases.assignments;
    let (refuse, allow) = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => (
            "CREATE FUNCTION answer_lost() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the process died'; END $$; \
             CREATE TRIGGER answer_lost BEFORE UPDATE ON idempotency_key \
             FOR EACH ROW EXECUTE FUNCTION answer_lost()",
            "DROP TRIGGER answer_lost ON idempotency_key; DROP FUNCTION answer_lost()",
        ),
        _ => (
            "CREATE TRIGGER answer_lost BEFORE UPDATE ON idempotency_key \
             BEGIN SELECT RAISE(ABORT, 'the process died'); END",
            "DROP TRIGGER answer_lost",
        ),
    };
    db.execute_unprepared(refuse).await.unwrap();
    let key = uuid::Uuid::now_v7().to_string();
    let _ = app
        .gql_keyed(&sup, &key, ISSUE, input("提交后失联事项"))
        .await;
    let retry = app
        .gql_keyed(&sup, &key, ISSUE, input("提交后失联事项"))
        .await
        .unwrap();
    db.execute_unprepared(allow).await.unwrap();
    assert!(
        retry["data"]["issueAssignment"]["assignment"]["id"].is_string(),
        "{retry}"
    );
    assert_eq!(titled(app, &sup, "提交后失联事项").await, 1);
}

const CHANGE_RESPONSIBLE: &str = r#"mutation($input: ChangeResponsiblePersonInput!) {
  changeResponsiblePerson(input: $input) { assignment { responsiblePersonId version } }
}"#;

/// What `account` holds: the responsible person of assignment `item` and problem `problem`.
async fn holders(app: &TestApp, token: &str, item: &str, problem: &str) -> (Value, Value) {
    let body = app
        .ok(
            token,
            "query($a: ID!, $p: ID!) { assignment(id: $a) { responsiblePersonId version }
               problem(id: $p) { responsiblePersonId history { action text } } }",
            json!({"a": item, "p": problem}),
        )
        .await;
    (
        body["data"]["assignment"].clone(),
        body["data"]["problem"].clone(),
    )
}

/// Notices in `token`'s inbox whose title mentions `text`.
async fn notices_about(app: &TestApp, token: &str, text: &str) -> usize {
    let body = app
        .read(
            token,
            "{ myNotifications(first: 50) { edges { node { title body } } } }",
        )
        .await;
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
        .ask(&clerk, CHANGE_RESPONSIBLE, change("p-qingshi-clerk", &v))
        .await;
    assert_eq!(crate::error_code(&denied), Some("FORBIDDEN"), "{denied}");
    let outside = app
        .ask(&sup, CHANGE_RESPONSIBLE, change("p-baisha-clerk", &v))
        .await;
    assert_eq!(error_field(&outside), Some("personId"), "{outside}");
    let changed = app
        .ask(&sup, CHANGE_RESPONSIBLE, change("p-qingshi-clerk", &v))
        .await;
    let a = &changed["data"]["changeResponsiblePerson"]["assignment"];
    assert_eq!(a["responsiblePersonId"], "p-qingshi-clerk", "{changed}");

    let input = json!({"category": "慢作为", "source": "SELF_FOUND",
        "description": "窗口人员离岗未报备", "causeAnalysis": "考勤制度执行不严",
        "measures": ["建立离岗报备登记"], "unitId": "qingshi-dzb",
        "responsiblePersonId": "p-qingshi-clerk", "timeLimitDays": 10});
    let problem = registered_problem(app, &clerk, input).await;
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
