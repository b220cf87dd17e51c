//! 追责问责: only DISCIPLINE writes a record (the matrix of who may), the person and their
//! unit's leaders are told, a correction supersedes once and nothing is edited, a higher
//! level's 通报批评 carries its document number, who reads which record, and the county's
//! own list of forms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::inbox;
use duban_tests::{at_nine, count_rows, error_code, query_rows, TestApp};
use serde_json::{json, Value};

const RECORD: &str = "mutation($i: RecordAccountabilityInput!) { recordAccountability(input: $i) {
  id form unitName supersedes documentNumber } }";

const RECORDS: &str =
    "{ accountabilityRecords { id subjectId form grounds supersedes supersededBy } }";

fn input(kind: &str, subject: &str, form: &str) -> Value {
    json!({"subjectKind": kind, "subjectId": subject, "form": form,
           "grounds": "落实群众诉求办理不力，超期未办结且未说明理由", "decidedOn": "2026-03-02",
           "decidedBy": "青山县纪委监委"})
}

async fn record(app: &TestApp, who: &str, i: Value) -> Value {
    let t = app.token(who).await.unwrap();
    app.ask(&t, RECORD, json!({"i": i})).await
}

async fn ids_seen(app: &TestApp, who: &str) -> Vec<String> {
    let t = app.token(who).await.unwrap();
    let v = app.read(&t, RECORDS).await;
    assert!(v["errors"].is_null(), "{v}");
    v["data"]["accountabilityRecords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn id(v: &Value) -> String {
    assert!(v["errors"].is_null(), "{v}");
    v["data"]["recordAccountability"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn notices(app: &TestApp, who: &str) -> usize {
    let t = app.token(who).await.unwrap();
    inbox(app, &t, "kind")
        .await
        .iter()
        .filter(|n| n["kind"] == "ACCOUNTABILITY_NOTICE")
        .count()
}

#[actix_web::test]
async fn only_discipline_records_accountability_and_a_correction_supersedes() {
    let (_clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();

    // Who may write: DISCIPLINE, and no one else.
    for who in [
        "county-supervisor",
        "county-admin",
        "qingshi-leader",
        "qingshi-clerk",
        "fgj-leader",
    ] {
        let v = record(&app, who, input("PERSON", "p-qingshi-clerk", "诫勉谈话")).await;
        assert_eq!(error_code(&v), Some("FORBIDDEN"), "{who}: {v}");
    }
    let first = id(&record(
        &app,
        "county-discipline",
        input("PERSON", "p-qingshi-clerk", "诫勉谈话"),
    )
    .await);

    // Bad input is named.
    let v = record(
        &app,
        "county-discipline",
        input("PERSON", "p-qingshi-clerk", "记大过"),
    )
    .await;
    assert_eq!(error_code(&v), Some("VALIDATION"));
    assert_eq!(v["errors"][0]["extensions"]["field"], "form", "{v}");
    let mut with_number = input("PERSON", "p-qingshi-clerk", "诫勉谈话");
    with_number["documentNumber"] = json!("市纪办〔2026〕3号");
    let v = record(&app, "county-discipline", with_number).await;
    assert_eq!(v["errors"][0]["extensions"]["field"], "documentNumber");
    let v = record(
        &app,
        "county-discipline",
        input("PERSON", "p-nobody", "诫勉谈话"),
    )
    .await;
    assert_eq!(v["errors"][0]["extensions"]["field"], "subjectId");

    // A higher level's 通报批评 on the township, with its document number.
    let mut criticism = input("UNIT", "qingshi", "通报批评");
    criticism["documentNumber"] = json!("市纪办〔2026〕3号");
    criticism["decidedBy"] = json!("市纪委监委");
    let unit_record = record(&app, "county-discipline", criticism).await;
    assert_eq!(
        unit_record["data"]["recordAccountability"]["documentNumber"],
        "市纪办〔2026〕3号"
    );
    let unit_record = id(&unit_record);

    // A correction is a new record; the old one stays as it was, superseded once.
    let mut fix = input("PERSON", "p-qingshi-clerk", "批评教育");
    fix["supersedes"] = json!(first);
    let second = id(&record(&app, "county-discipline", fix.clone()).await);
    let again = record(&app, "county-discipline", fix).await;
    assert_eq!(
        again["errors"][0]["extensions"]["field"], "supersedes",
        "{again}"
    );
    let mut other = input("PERSON", "p-baisha-clerk", "批评教育");
    other["supersedes"] = json!(second);
    let v = record(&app, "county-discipline", other).await;
    assert_eq!(
        v["errors"][0]["extensions"]["field"], "supersedes",
        "only a record of the same subject"
    );
    let rows = query_rows(
        &app.databases.evaluation,
        &format!("SELECT form, grounds FROM accountability_record WHERE id = '{first}'"),
    )
    .await
    .unwrap();
    assert_eq!(
        rows[0].try_get::<String>("", "form").unwrap(),
        "诫勉谈话",
        "the first record is not edited"
    );
    assert_eq!(
        count_rows(
            &app.databases.evaluation,
            "SELECT COUNT(*) FROM accountability_record"
        )
        .await
        .unwrap(),
        3
    );
    let sup = app.token("county-supervisor").await.unwrap();
    let all = app.read(&sup, RECORDS).await;
    let first_seen = all["data"]["accountabilityRecords"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == first.as_str())
        .cloned()
        .unwrap();
    assert_eq!(first_seen["supersededBy"], json!(second));

    // Told: the person and their unit's leaders; no one else.
    app.settle().await.unwrap();
    assert_eq!(notices(&app, "qingshi-clerk").await, 2);
    assert!(notices(&app, "qingshi-leader").await >= 2);
    assert_eq!(notices(&app, "baisha-clerk").await, 0);

    // Who reads what: the person their own; the office's leader the office's people's;
    // supervisors and DISCIPLINE of the county everything; another township nothing.
    let mut own = ids_seen(&app, "qingshi-clerk").await;
    own.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(own, expected);
    assert!(ids_seen(&app, "baisha-clerk").await.is_empty());
    assert_eq!(ids_seen(&app, "county-discipline").await.len(), 3);
    assert_eq!(ids_seen(&app, "county-supervisor").await.len(), 3);
    assert!(ids_seen(&app, "qingshi-leader").await.contains(&second));
    assert!(!ids_seen(&app, "baisha-leader").await.contains(&unit_record));

    // The county's forms: set by DISCIPLINE or ADMIN, always with 通报批评.
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let set = "mutation($f: [String!]!) { setAccountabilityForms(forms: $f) }";
    let v = app
        .ask(&clerk, set, json!({"f": ["约谈", "通报批评"]}))
        .await;
    assert_eq!(error_code(&v), Some("FORBIDDEN"));
    let admin = app.token("county-admin").await.unwrap();
    let v = app.ask(&admin, set, json!({"f": ["约谈"]})).await;
    assert_eq!(error_code(&v), Some("VALIDATION"));
    app.ok(&admin, set, json!({"f": ["约谈", "通报批评", "纪律处分"]}))
        .await;
    id(&record(
        &app,
        "county-discipline",
        input("PERSON", "p-qingshi-clerk", "约谈"),
    )
    .await);
    let v = record(
        &app,
        "county-discipline",
        input("PERSON", "p-qingshi-clerk", "诫勉谈话"),
    )
    .await;
    assert_eq!(error_code(&v), Some("VALIDATION"), "no longer a form here");
}
