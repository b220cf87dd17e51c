//! Properties over generated input (proptest): whatever GraphQL variables, ledger files or
//! event payloads arrive, nothing panics, nothing is half-written, and every refusal is a
//! coded error with a Chinese message.

use duban_tests::{count_rows, spawn_app, TestApp};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

/// The codes API.md lists.
const CODES: &[&str] = &[
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "VALIDATION",
    "ILLEGAL_TRANSITION",
    "VERSION_CONFLICT",
    "RATE_LIMITED",
    "QUERY_TOO_COMPLEX",
    "UNTRUSTED_OPERATION",
    "PERSISTED_QUERY_NOT_FOUND",
    "INTERNAL",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z0-9 ]{0,12}",
        "\\PC{0,40}",
        any::<String>().prop_map(|s| s.chars().take(60).collect()),
        Just("\u{202E}反转".to_string()),
        Just("\u{200B}\u{200B}".to_string()),
        Just("=HYPERLINK(\"http://x\")".to_string()),
        "[一-龥]{1,20}",
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::from),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An `issueAssignment` input: each field well-formed, malformed or missing.
fn issue_input() -> impl Strategy<Value = Value> {
    let unit = prop_oneof![
        3 => Just(json!("qingshi-dzb")),
        2 => Just(json!("baisha-dzb")),
        1 => Just(json!("nope")),
        1 => json_leaf(),
    ];
    let limit = prop_oneof![
        4 => (1i64..30).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => json_leaf()
    ];
    let title = prop_oneof![4 => "[一-龥]{2,20}", 1 => text()];
    let urgency = prop_oneof![Just(json!("URGENT")), Just(json!("NORMAL")), json_leaf()];
    let coop = prop_oneof![
        4 => Just(Vec::new()),
        1 => prop::collection::vec(json_leaf(), 1..3)
    ];
    let due = prop_oneof![
        Just(json!("2027-02-30")),
        Just(json!("9999-12-31")),
        Just(json!("2027-01-15")),
        json_leaf()
    ];
    (
        title,
        text(),
        unit,
        prop::option::weighted(0.9, limit),
        prop::option::weighted(0.2, due),
        prop::option::weighted(0.3, urgency),
        coop,
    )
        .prop_map(|(title, description, unit, limit, due, urgency, coop)| {
            let mut o = serde_json::Map::new();
            o.insert("title".into(), json!(title));
            o.insert("description".into(), json!(description));
            o.insert("leadUnitId".into(), unit);
            if let Some(l) = limit {
                o.insert("timeLimitDays".into(), l);
            }
            if let Some(d) = due {
                o.insert("dueOn".into(), d);
            }
            if let Some(u) = urgency {
                o.insert("urgency".into(), u);
            }
            o.insert("cooperatingUnitIds".into(), Value::from(coop));
            Value::Object(o)
        })
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Checks one answer: data, or coded Chinese errors; returns whether it wrote.
fn coded(answer: &Value) -> bool {
    if let Some(errors) = answer["errors"].as_array() {
        assert!(!errors.is_empty(), "{answer}");
        for e in errors {
            let code = e["extensions"]["code"].as_str().unwrap_or("");
            assert!(CODES.contains(&code), "an uncoded refusal: {e}");
            let message = e["message"].as_str().unwrap_or("");
            assert!(has_chinese(message), "not a Chinese message: {e}");
        }
    }
    !answer["data"]["issueAssignment"].is_null()
}

async fn counts(app: &TestApp) -> (i64, i64) {
    let db = &app.databases.assignments;
    (
        count_rows(db, "SELECT COUNT(*) FROM assignment")
            .await
            .unwrap(),
        count_rows(db, "SELECT COUNT(*) FROM outbox").await.unwrap(),
    )
}

#[actix_web::test]
async fn any_variables_give_an_assignment_or_a_coded_refusal_and_nothing_half_written() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 96,
        ..Config::default()
    });
    let inputs = prop_oneof![3 => issue_input(), 1 => any_json()];
    let mut wrote = 0;
    for _ in 0..96 {
        let input = inputs.new_tree(&mut runner).unwrap().current();
        let before = counts(&app).await;
        let answer = app
            .ask(
                &sup,
                "mutation($input: IssueAssignmentInput!) { issueAssignment(input: $input) { assignment { id } } }",
                json!({ "input": input }),
            )
            .await;
        let after = counts(&app).await;
        if coded(&answer) {
            wrote += 1;
            assert_eq!(after.0, before.0 + 1, "one item for {input}");
            assert!(after.1 > before.1, "its event in the same commit: {input}");
        } else {
            assert_eq!(
                after, before,
                "a refusal wrote something: {input} → {answer}"
            );
        }
    }
    assert!(wrote > 0, "some generated inputs are good ones");
}

fn csv_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        Just("青石镇党政办公室".to_string()),
        Just("文山会海".to_string()),
        Just("2027-06-30".to_string()),
        Just("10个工作日".to_string()),
        Just("\"引号,逗号\n换行\"".to_string()),
        Just("=1+1".to_string()),
    ]
}

#[actix_web::test]
async fn any_ledger_file_is_imported_whole_or_not_at_all_with_coded_issues() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let mut runner = TestRunner::new(Config::default());
    let header = "序号,单位,问题,类别,整改措施,责任人,时限,进展,状态,来源,原因剖析\n";
    let files = prop_oneof![
        prop::collection::vec(prop::collection::vec(csv_cell(), 0..12), 0..5).prop_map(
            move |rows| {
                let body: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
                format!("{header}{}", body.join("\n")).into_bytes()
            }
        ),
        prop::collection::vec(any::<u8>(), 0..400),
        Just(b"PK\x03\x04not really a workbook".to_vec()),
    ];
    let db = &app.databases.assignments;
    for _ in 0..64 {
        let file = files.new_tree(&mut runner).unwrap().current();
        let before = count_rows(db, "SELECT COUNT(*) FROM problem")
            .await
            .unwrap();
        let (status, report) = app
            .post_bytes("/ledger/v1/problems/import", &sup, file.clone())
            .await
            .unwrap();
        let after = count_rows(db, "SELECT COUNT(*) FROM problem")
            .await
            .unwrap();
        let imported = report["imported"].as_array().map_or(0, Vec::len) as i64;
        match status {
            200 => {
                assert_eq!(report["issues"], json!([]), "{report}");
                assert_eq!(after, before + imported);
            }
            _ => {
                assert!((400..500).contains(&status), "{status}: {report}");
                assert_eq!(after, before, "a refused file wrote rows: {report}");
                let coded_issues = report["issues"].as_array().is_some_and(|i| {
                    !i.is_empty()
                        && i.iter()
                            .all(|x| has_chinese(x["message"].as_str().unwrap_or("")))
                });
                let coded_error = report["errors"][0]["extensions"]["code"]
                    .as_str()
                    .is_some_and(|c| CODES.contains(&c))
                    || report["code"].as_str().is_some_and(|c| CODES.contains(&c));
                assert!(coded_issues || coded_error, "{status}: {report}");
            }
        }
    }
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    /// Whatever bytes arrive on a topic, decoding refuses them without panicking; a
    /// valid envelope whose event is damaged is refused at the event, not the envelope.
    #[test]
    fn any_payload_decodes_or_is_refused(bytes in prop::collection::vec(any::<u8>(), 0..300),
                                         value in any_json()) {
        for payload in [bytes, serde_json::to_vec(&value).unwrap()] {
            if let Ok(raw) = serde_json::from_slice::<duban_schema::RawEnvelope>(&payload) {
                let _ = raw.typed::<duban_schema::assignments::AssignmentsEvent>();
                let _ = raw.typed::<duban_schema::evaluation::EvaluationEvent>();
                let _ = raw.typed::<duban_schema::notifications::NotificationsEvent>();
            }
        }
    }
}
