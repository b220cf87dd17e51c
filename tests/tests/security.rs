//! The doors an attacker holding a clerk's or a township admin's account, or network
//! access to the services, would try, on the embedded default.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{error_code, scenarios, spawn_app, spawn_on_postgres_and_kafka, TestApp};
use serde_json::{json, Value};

/// One scenario as two tests: on the embedded default and on PostgreSQL + Kafka.
macro_rules! on_both {
    ($scenario:ident, $embedded:ident, $postgres:ident) => {
        #[actix_web::test]
        async fn $embedded() {
            $scenario(spawn_app().await.unwrap()).await;
        }

        #[actix_web::test]
        async fn $postgres() {
            $scenario(spawn_on_postgres_and_kafka().await.unwrap()).await;
        }
    };
}

#[actix_web::test]
async fn identity_comes_from_the_directory_on_each_request() {
    let app = spawn_app().await.unwrap();
    scenarios::identity_comes_from_the_directory(&app).await;
    app.shutdown().await.unwrap();
}

on_both!(
    imports_are_allowed_to_exactly_whom_the_mutations_allow_on,
    imports_are_allowed_to_exactly_whom_the_mutations_allow,
    imports_are_allowed_to_exactly_whom_the_mutations_allow_on_postgresql_and_kafka
);

/// Every import route runs exactly the checks of the mutation it stands for: for each
/// role, importing a one-row ledger and the mutation for that row agree.
async fn imports_are_allowed_to_exactly_whom_the_mutations_allow_on(app: TestApp) {
    let accounts = [
        "qingshi-clerk",
        "qingshi-leader",
        "county-supervisor",
        "county-discipline",
        "county-admin",
    ];
    for account in accounts {
        // Each account's own row: a row repeating a registered one is refused as a copy.
        let problems_csv = format!(
            "序号,单位,问题,类别,整改措施,时限,来源,原因剖析\n\
             1,青石镇党政办公室,会议多、文件多（{account}）,文山会海,合并同类会议,10,自己找,统筹不够\n"
        );
        let assignments_csv = format!(
            "序号,单位,事项,工作要求,时限\n1,青石镇党政办公室,整治文山会海（{account}）,合并同类会议,10\n"
        );
        let token = app.token(account).await.unwrap();
        for (kind, csv) in [
            ("problems", &problems_csv),
            ("assignments", &assignments_csv),
        ] {
            let (code, report) = app
                .post_bytes(
                    &format!("/ledger/v1/{kind}/import"),
                    &token,
                    csv.as_bytes().to_vec(),
                )
                .await
                .unwrap();
            let mutation = if kind == "problems" {
                app.ask(
                    &token,
                    "mutation($i: RegisterProblemInput!) { registerProblem(input: $i) { problem { id } } }",
                    json!({"i": {"category": "文山会海", "source": "SELF_FOUND", "description": "会议多",
                        "causeAnalysis": "统筹不够", "measures": ["合并同类会议"], "unitId": "qingshi-dzb", "timeLimitDays": 10}}),
                )
                .await
            } else {
                app.gql(
                    Some(&token),
                    duban_tests::scenarios::ISSUE,
                    json!({"input": {"title": "整治文山会海", "leadUnitId": "qingshi-dzb", "timeLimitDays": 10}}),
                )
                .await
                .unwrap()
            };
            let mutation_allowed = mutation["errors"].is_null();
            assert_eq!(
                code == 200,
                mutation_allowed,
                "{account} {kind}: import {code} {report}, mutation {mutation}"
            );
            if !mutation_allowed {
                assert_eq!(error_code(&mutation), Some("FORBIDDEN"), "{mutation}");
                assert_eq!(
                    (code, report["code"].as_str()),
                    (403, Some("FORBIDDEN")),
                    "{account} {kind}: {report}"
                );
            }
        }
    }
}

async fn admin_of(app: &TestApp, unit: &str, account: &str) -> String {
    let county_admin = app.token("county-admin").await.unwrap();
    app
        .ok(
            &county_admin,
            "mutation($i: RegisterPersonInput!) { registerPerson(input: $i) { person { id } } }",
            json!({"i": {"account": account, "name": "乡镇管理员", "unitId": unit, "roles": ["ADMIN"]}}),
        ).await;
    app.token(account).await.unwrap()
}

const SET_DAY: &str =
    "mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { movedAssignments } }";
const REGISTER_UNIT: &str =
    "mutation($i: RegisterOrgUnitInput!) { registerOrgUnit(input: $i) { orgUnit { id path } } }";

on_both!(
    a_township_admin_changes_neither_the_calendar_nor_the_directory_roots_on,
    a_township_admin_changes_neither_the_calendar_nor_the_directory_roots,
    a_township_admin_changes_neither_the_calendar_nor_the_directory_roots_on_postgresql_and_kafka
);

/// A township admin keeps to the township: the calendar is the county's, new counties the
/// operator's.
async fn a_township_admin_changes_neither_the_calendar_nor_the_directory_roots_on(app: TestApp) {
    let township = admin_of(&app, "baisha-dzb", "baisha-admin").await;
    let day = json!({"i": {"date": "2026-12-07", "workday": false, "reason": "乡镇自定休息"}});
    let b = app.ask(&township, SET_DAY, day.clone()).await;
    assert_eq!(error_code(&b), Some("FORBIDDEN"), "{b}");
    let root = json!({"i": {"id": "fake-county", "kind": "COUNTY", "name": "假县"}});
    let b = app.ask(&township, REGISTER_UNIT, root.clone()).await;
    assert_eq!(error_code(&b), Some("FORBIDDEN"), "{b}");
    let county = app.token("county-admin").await.unwrap();
    let b = app.ask(&county, REGISTER_UNIT, root).await;
    assert_eq!(
        error_code(&b),
        Some("FORBIDDEN"),
        "not even a county admin: {b}"
    );
    // Inside the township the admin still works, and the county admin sets the calendar.
    let office = json!({"i": {"id": "baisha-xfb", "parentId": "baisha", "kind": "OFFICE", "name": "白沙镇信访办"}});
    let b = app.ask(&township, REGISTER_UNIT, office).await;
    assert_eq!(
        b["data"]["registerOrgUnit"]["orgUnit"]["path"], "/qs/baisha/baisha-xfb",
        "{b}"
    );
    app.ok(&county, SET_DAY, day).await;
}

async fn version_of(app: &TestApp, token: &str, id: &str) -> Value {
    let b = app
        .ask(
            token,
            "query($id: ID!) { assignment(id: $id) { version } }",
            json!({"id": id}),
        )
        .await;
    b["data"]["assignment"]["version"].clone()
}

on_both!(
    a_township_supervisor_does_not_take_the_county_issuers_decisions_on,
    a_township_supervisor_does_not_take_the_county_issuers_decisions,
    a_township_supervisor_does_not_take_the_county_issuers_decisions_on_postgresql_and_kafka
);

/// Decisions that belong to the issuer: a township supervisor urges the county's item
/// to its own office, but does not cancel it, suspend it, or decide its extension.
async fn a_township_supervisor_does_not_take_the_county_issuers_decisions_on(app: TestApp) {
    let county = app.token("county-supervisor").await.unwrap();
    let township = app.token("liuhe-supervisor").await.unwrap();
    let clerk = app.token("liuhe-clerk").await.unwrap();
    let item = duban_tests::scenarios::issue(&app, &county, "liuhe-dzb", "县里交办的事项").await;
    let id = item["id"].as_str().unwrap();
    app
        .ok(
            &clerk,
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": version_of(&app, &clerk, id).await}}),
        ).await;
    app
        .ok(
            &clerk,
            "mutation($i: RequestExtensionInput!) { requestExtension(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": version_of(&app, &clerk, id).await, "days": 3, "reason": "需协调"}}),
        ).await;
    for (mutation, input) in [
        ("decideExtension", json!({"approve": true})),
        ("cancelAssignment", json!({"reason": "乡镇自行撤销"})),
        ("suspendAssignment", json!({"reason": "乡镇自行中止"})),
    ] {
        let mut i = input;
        i["id"] = json!(id);
        i["expectedVersion"] = version_of(&app, &township, id).await;
        let kind = match mutation {
            "decideExtension" => "DecideExtensionInput",
            _ => "AssignmentReasonInput",
        };
        let q = format!(
            "mutation($i: {kind}!) {{ {mutation}(input: $i) {{ assignment {{ state }} }} }}"
        );
        let b = app.ask(&township, &q, json!({ "i": i.clone() })).await;
        assert_eq!(error_code(&b), Some("FORBIDDEN"), "{mutation}: {b}");
    }
    let urge = "mutation($i: RaiseSupervisionInput!) { raiseSupervision(input: $i) { assignment { supervisionLevel } } }";
    let b = app
        .ask(
            &township,
            urge,
            json!({"i": {"id": id, "expectedVersion": version_of(&app, &township, id).await, "level": "URGED"}}),
        )
        .await;
    assert_eq!(
        b["data"]["raiseSupervision"]["assignment"]["supervisionLevel"], "URGED",
        "{b}"
    );
    let decide = "mutation($i: DecideExtensionInput!) { decideExtension(input: $i) { assignment { state } } }";
    let b = app
        .ask(
            &county,
            decide,
            json!({"i": {"id": id, "expectedVersion": version_of(&app, &county, id).await, "approve": true}}),
        )
        .await;
    assert!(b["errors"].is_null(), "the issuer decides: {b}");
    // The other way round: the township's own item may be decided from above its
    // issuer's unit, by a supervisor who did not issue it.
    let own = duban_tests::scenarios::issue(&app, &township, "liuhe-dzb", "乡镇交办的事项").await;
    let cancel = "mutation($i: AssignmentReasonInput!) { cancelAssignment(input: $i) { assignment { state } } }";
    let b = app
        .ask(
            &county,
            cancel,
            json!({"i": {"id": own["id"], "expectedVersion": own["version"], "reason": "县里统筹撤销"}}),
        )
        .await;
    assert_eq!(
        b["data"]["cancelAssignment"]["assignment"]["state"], "CANCELLED",
        "above the issuer's unit: {b}"
    );
}

on_both!(
    references_outside_the_scope_get_the_same_answer_as_missing_ones_on,
    references_outside_the_scope_get_the_same_answer_as_missing_ones,
    references_outside_the_scope_get_the_same_answer_as_missing_ones_on_postgresql_and_kafka
);

/// A reference outside the caller's scope is refused with the same answer as one that
/// does not exist, so a caller cannot probe the directory.
async fn references_outside_the_scope_get_the_same_answer_as_missing_ones_on(app: TestApp) {
    let township = app.token("liuhe-supervisor").await.unwrap();
    let answer = |b: &Value| {
        (
            b["errors"][0]["extensions"]["code"].clone(),
            b["errors"][0]["extensions"]["field"].clone(),
            b["errors"][0]["message"].clone(),
        )
    };
    let issue = |extra: Value| {
        let mut input = json!({"title": "越权引用", "leadUnitId": "liuhe-dzb", "timeLimitDays": 5});
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        let (app, token) = (&app, township.clone());
        async move {
            app.gql(
                Some(&token),
                duban_tests::scenarios::ISSUE,
                json!({ "input": input }),
            )
            .await
            .unwrap()
        }
    };
    for (outside, missing) in [
        (
            json!({"leadUnitId": "baisha-dzb"}),
            json!({"leadUnitId": "no-such-unit"}),
        ),
        (
            json!({"cooperatingUnitIds": ["baisha-dzb"]}),
            json!({"cooperatingUnitIds": ["no-such-unit"]}),
        ),
    ] {
        let (o, m) = (issue(outside).await, issue(missing).await);
        assert_eq!(error_code(&o), Some("VALIDATION"), "{o}");
        assert_eq!(answer(&o), answer(&m), "{o} vs {m}");
    }
    let problem = |leader: &str| {
        let (app, token) = (&app, township.clone());
        let leader = leader.to_string();
        async move {
            app.ask(
                &token,
                "mutation($i: RegisterProblemInput!) { registerProblem(input: $i) { problem { id } } }",
                json!({"i": {"category": "慢作为", "source": "SELF_FOUND", "description": "拖延",
                    "causeAnalysis": "担当不足", "measures": ["限时办结"], "unitId": "liuhe-dzb",
                    "responsibleLeaderId": leader, "timeLimitDays": 10}}),
            )
            .await
        }
    };
    let (o, m) = (problem("p-baisha-leader").await, problem("p-nobody").await);
    assert_eq!(error_code(&o), Some("VALIDATION"), "{o}");
    assert_eq!(answer(&o), answer(&m), "{o} vs {m}");
    let township_admin = admin_of(&app, "liuhe-dzb", "liuhe-admin").await;
    let (o, m) = (
        duban_tests::scenarios::update_person(
            &app,
            &township_admin,
            "p-liuhe-clerk",
            json!({"supervisingLeaderId": "p-baisha-leader"}),
        )
        .await,
        duban_tests::scenarios::update_person(
            &app,
            &township_admin,
            "p-liuhe-clerk",
            json!({"supervisingLeaderId": "p-nobody"}),
        )
        .await,
    );
    assert_eq!(error_code(&o), Some("VALIDATION"), "{o}");
    assert_eq!(answer(&o), answer(&m), "{o} vs {m}");
}

/// Bodies are bounded before they are read: a GraphQL body over the limit (declared or
/// streamed), a multipart upload, and a ledger file from a caller without a token are
/// refused, each with a code and a Chinese message.
#[actix_web::test]
async fn request_bodies_are_bounded_and_files_wait_for_the_token() {
    let app = spawn_app().await.unwrap();
    let client = awc::Client::default();
    let huge = format!(
        "{{\"query\": \"{{ me {{ name }} }}\", \"variables\": {{\"pad\": \"{}\"}}}}",
        "x".repeat(2 << 20)
    );
    let mut r = client
        .post(format!("{}/graphql", app.url))
        .insert_header(("content-type", "application/json"))
        .send_body(huge.clone())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["extensions"]["code"], "VALIDATION", "{b}");
    assert!(
        b["errors"][0]["message"].as_str().unwrap().contains("上限"),
        "{b}"
    );

    // The same without a declared length, streamed in chunks.
    let chunks = futures::stream::iter(
        huge.into_bytes()
            .chunks(64 << 10)
            .map(|c| Ok::<_, std::io::Error>(actix_web::web::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let r = client
        .post(format!("{}/graphql", app.url))
        .insert_header(("content-type", "application/json"))
        .send_stream(chunks)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);

    let r = client
        .post(format!("{}/graphql", app.url))
        .insert_header(("content-type", "multipart/form-data; boundary=x"))
        .send_body("--x\r\n\r\n--x--\r\n")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);

    // A ledger file from nobody: refused for the missing token, whatever its size.
    let r = client
        .post(format!("{}/ledger/v1/problems/import", app.url))
        .send_body(vec![b'a'; 20 << 20])
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let sup = app.token("county-supervisor").await.unwrap();
    let (code, body) = app
        .post_bytes("/ledger/v1/problems/import", &sup, vec![b'a'; 11 << 20])
        .await
        .unwrap();
    assert_eq!(code, 413, "{body}");
    // A normal request still works.
    let ok = app.read(&sup, "{ me { name } }").await;
    assert_eq!(ok["data"]["me"]["name"], "王建国");
}

on_both!(
    dates_far_from_today_are_refused_everywhere_on,
    dates_far_from_today_are_refused_everywhere,
    dates_far_from_today_are_refused_everywhere_on_postgresql_and_kafka
);

/// Dates are bounded to five years around today, by every entry point: a far time limit
/// is refused by the mutation, by an import row, for a problem, and for the calendar.
async fn dates_far_from_today_are_refused_everywhere_on(app: TestApp) {
    let sup = app.token("county-supervisor").await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let field = |b: &Value| {
        (
            error_code(b).map(str::to_string),
            b["errors"][0]["extensions"]["field"]
                .as_str()
                .map(str::to_string),
        )
    };
    let far = "+262142-12-31";
    let b = app
        .gql(
            Some(&sup),
            duban_tests::scenarios::ISSUE,
            json!({"input": {"title": "远期事项", "leadUnitId": "liuhe-dzb", "dueOn": far}}),
        )
        .await
        .unwrap();
    assert_eq!(
        field(&b),
        (Some("VALIDATION".into()), Some("dueOn".into())),
        "{b}"
    );
    let b = app
        .ask(
            &sup,
            "mutation($i: RegisterProblemInput!) { registerProblem(input: $i) { problem { id } } }",
            json!({"i": {"category": "慢作为", "source": "SELF_FOUND", "description": "拖延",
                "causeAnalysis": "担当不足", "measures": ["限时办结"], "unitId": "liuhe-dzb", "dueOn": "2199-01-01"}}),
        )
        .await;
    assert_eq!(
        field(&b),
        (Some("VALIDATION".into()), Some("dueOn".into())),
        "{b}"
    );
    let b = app
        .ask(
            &admin,
            SET_DAY,
            json!({"i": {"date": "9999-12-31", "workday": false, "reason": "远期"}}),
        )
        .await;
    assert_eq!(
        field(&b),
        (Some("VALIDATION".into()), Some("date".into())),
        "{b}"
    );
    let csv = "序号,单位,事项,工作要求,时限\n1,柳河镇党政办公室,远期事项,按期办结,262142-12-31\n";
    let (code, report) = app
        .post_bytes(
            "/ledger/v1/assignments/import",
            &sup,
            csv.as_bytes().to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(code, 422, "{report}");
    assert_eq!(report["issues"][0]["column"], "时限", "{report}");
    let listed = app
        .read(&sup, "{ assignments(filter: {}) { totalCount } }")
        .await;
    let n = listed["data"]["assignments"]["totalCount"]
        .as_i64()
        .unwrap();
    let within = app
        .read(
            &sup,
            "{ assignments(filter: {}, first: 100) { edges { node { dueOn } } } }",
        )
        .await;
    assert!(n > 0);
    for e in within["data"]["assignments"]["edges"].as_array().unwrap() {
        assert!(e["node"]["dueOn"].as_str().unwrap() < "2100", "{e}");
    }
}

/// graphql-js `getIntrospectionQuery()` with every option, as GraphiQL sends it.
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema { description queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } } }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } } }"#;

fn code_and_message(b: &Value) -> (String, String) {
    (
        b["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        b["errors"][0]["message"].as_str().unwrap_or("").to_string(),
    )
}

/// Tools get introspection once signed in; strangers get neither it nor suggestions; every
/// refusal (aliases, cost, depth, syntax, directives) is coded and Chinese, and the error
/// list is capped.
#[actix_web::test]
async fn introspection_for_tools_and_coded_refusals_for_abuse() {
    let app = spawn_app().await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let b = app.read(&clerk, INTROSPECTION).await;
    assert!(b["errors"].is_null(), "{b}");
    assert!(b["data"]["__schema"]["types"].as_array().unwrap().len() > 50);
    let b = app.gql(None, INTROSPECTION, json!({})).await.unwrap();
    assert!(
        b["data"].is_null() || b["data"]["__schema"].is_null(),
        "{b}"
    );
    assert_eq!(code_and_message(&b).0, "UNAUTHENTICATED", "{b}");
    let b = app.gql(None, "{ mee { name } }", json!({})).await.unwrap();
    assert!(!b.to_string().contains("Did you mean"), "{b}");
    let b = app.read(&clerk, "{ mee { name } }").await;
    assert_eq!(code_and_message(&b).0, "VALIDATION", "{b}");

    let chinese = |m: &str| m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    // A thousand aliases of a full page.
    let many: String = (0..1000)
        .map(|i| format!("a{i}: assignments(first: 100) {{ edges {{ node {{ id title }} }} }} "))
        .collect();
    let b = app.read(&clerk, &format!("{{ {many} }}")).await;
    let (code, message) = code_and_message(&b);
    assert_eq!(code, "QUERY_TOO_COMPLEX", "{b}");
    assert!(chinese(&message), "{message}");
    // Within the alias cap, the pages' cost is still weighed by `first`.
    let pages: String = (0..20)
        .map(|i| {
            format!(
                "a{i}: assignments(first: 100) {{ edges {{ node {{ id title dueOn state }} }} }} "
            )
        })
        .collect();
    let b = app.read(&clerk, &format!("{{ {pages} }}")).await;
    let (code, message) = code_and_message(&b);
    assert_eq!(code, "QUERY_TOO_COMPLEX", "{b}");
    assert!(chinese(&message), "{message}");
    let one =
        "{ assignments(first: 100) { totalCount edges { node { id title dueOn state color } } } }";
    assert!(app.read(&clerk, one).await["errors"].is_null());
    // Too deep, bad syntax, repeated directives.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} kind {} }} }} }} }} }}",
        "ofType {".repeat(14),
        "}".repeat(14)
    );
    let b = app.read(&clerk, &deep).await;
    let (code, message) = code_and_message(&b);
    assert_eq!(code, "QUERY_TOO_COMPLEX", "{b}");
    assert!(chinese(&message), "{message}");
    let b = app.read(&clerk, "{ me { ").await;
    let (code, message) = code_and_message(&b);
    assert_eq!(code, "VALIDATION", "{b}");
    assert!(chinese(&message), "{message}");
    let directives = "@skip(if: false) ".repeat(20_000);
    let b = app
        .read(&clerk, &format!("{{ me {directives} {{ name }} }}"))
        .await;
    let (code, _) = code_and_message(&b);
    assert!(!code.is_empty(), "{}", &b.to_string()[..500]);
    assert!(b["errors"].as_array().unwrap().len() <= 21);
    assert!(
        b.to_string().len() < 64 << 10,
        "{} bytes of errors",
        b.to_string().len()
    );
}

/// A caller over their budget waits, told how long; others are not held up.
#[actix_web::test]
async fn a_caller_over_the_rate_limit_is_told_when_to_retry() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        rate_limit_per_second: 1,
        rate_limit_burst: 3,
        response_limit: 1024,
        ..duban_tests::test_config()
    };
    let app = duban_tests::spawn_with(config, dir).await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let other = app.token("baisha-clerk").await.unwrap();
    let me = "{ me { name } }";
    for _ in 0..3 {
        assert!(app.read(&clerk, me).await["errors"].is_null());
    }
    let b = app.read(&clerk, me).await;
    assert_eq!(code_and_message(&b).0, "RATE_LIMITED", "{b}");
    assert!(
        b["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            >= 1,
        "{b}"
    );
    assert!(app.read(&other, me).await["errors"].is_null());
    // A response over the bound is refused, not sent.
    let big = "{ orgUnits { id name path divisionCode kind parentId } }";
    let sup = app.token("county-supervisor").await.unwrap();
    let b = app.read(&sup, big).await;
    assert_eq!(code_and_message(&b).0, "QUERY_TOO_COMPLEX", "{b}");
}

/// Text hygiene: control and direction characters are refused and invisible-only titles are
/// empty on the way in; formula-like cells are marked as text on the way out; a text past
/// the spreadsheet cell limit (stored before the limit) is cut, not a failed export.
#[actix_web::test]
async fn text_is_clean_on_the_way_in_and_safe_on_the_way_out() {
    use sea_orm::sea_query::{Alias, Expr, Query};
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let issue = |title: &str, description: &str| {
        let vars = json!({"input": {"title": title, "description": description, "leadUnitId": "liuhe-dzb", "timeLimitDays": 5}});
        let (app, sup) = (&app, sup.clone());
        async move {
            app.gql(Some(&sup), duban_tests::scenarios::ISSUE, vars)
                .await
                .unwrap()
        }
    };
    let field = |b: &Value| {
        b["errors"][0]["extensions"]["field"]
            .as_str()
            .map(str::to_string)
    };
    let b = issue("\u{200B}\u{200C}\u{FEFF}", "按期办结").await;
    assert_eq!(
        (error_code(&b), field(&b).as_deref()),
        (Some("VALIDATION"), Some("title")),
        "{b}"
    );
    for bad in ["整改\u{0}落实", "付款通知\u{202E}txt.exe", "响铃\u{7}"] {
        let b = issue(bad, "按期办结").await;
        assert_eq!(
            (error_code(&b), field(&b).as_deref()),
            (Some("VALIDATION"), Some("input.title")),
            "{b}"
        );
    }
    let b = issue("会议\u{200B}多", "按期办结").await;
    assert!(b["errors"].is_null(), "{b}");
    let b = issue("@SUM(A1)", "=HYPERLINK(\"http://evil.example\",\"点击\")").await;
    assert!(b["errors"].is_null(), "{b}");
    // A description longer than a cell, stored before the bound: the export still works.
    let long = issue("超长说明的事项", "按期办结").await;
    let long_id = long["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap();
    let stored_before = Query::update()
        .table(Alias::new("assignment"))
        .value(Alias::new("description"), "长".repeat(40_000))
        .and_where(Expr::col(Alias::new("id")).eq(long_id))
        .to_owned();
    let db = app.assignments.db();
    db.execute(db.get_database_backend().build(&stored_before))
        .await
        .unwrap();
    let (code, csv) = app
        .get_bytes("/ledger/v1/assignments.csv?scope=liuhe-dzb", &sup)
        .await
        .unwrap();
    assert_eq!(code, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("'@SUM(A1)"), "{}", &csv[..300.min(csv.len())]);
    assert!(csv.contains("\"'=HYPERLINK") || csv.contains("'=HYPERLINK"));
    assert!(csv.contains("会议多"));
    let (code, xlsx) = app
        .get_bytes("/ledger/v1/assignments.xlsx?scope=liuhe-dzb", &sup)
        .await
        .unwrap();
    assert_eq!(code, 200, "one long row does not break the export");
    assert!(
        zip_styles(&xlsx).contains("quotePrefix=\"1\""),
        "formula-like cells are marked as text"
    );
    let cut = duban_tests::scenarios::first_sheet(xlsx)
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .find(|c| c.starts_with("长长长"))
        .unwrap();
    assert!(cut.ends_with("已截断）") && cut.chars().count() <= 32_767);
}

fn zip_styles(xlsx: &[u8]) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut s = String::new();
    z.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    s
}

async fn retries_with_a_key_are_answered_once_on(app: TestApp) {
    scenarios::retries_with_a_key_are_answered_once(&app).await;
}

on_both!(
    retries_with_a_key_are_answered_once_on,
    retries_with_a_key_are_answered_once,
    retries_with_a_key_are_answered_once_on_postgresql_and_kafka
);
