//! The discipline commission's bounds: DISCIPLINE writes accountability records and handles
//! referrals and nothing else (every other write below is FORBIDDEN with a valid input),
//! and reads everything in its county; a problem of the 弄虚作假 category goes to it by
//! the rule, once, and only to the commission.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::{inbox, registered_problem, ISSUE, REGISTER_PROBLEM};
use duban_tests::{at_nine, error_code};
use serde_json::{json, Value};

fn ok(v: &Value) {
    assert!(v["errors"].is_null(), "{v}");
}

#[actix_web::test]
async fn discipline_writes_only_accountability_and_referrals_and_reads_its_county() {
    let (_clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let disc = app.token("county-discipline").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();

    let writes: Vec<(&str, Value)> = vec![
        (
            ISSUE,
            json!({"input": {"title": "纪委交办", "description": "x", "source": "LEADER_INSTRUCTION",
                             "leadUnitId": "qingshi-dzb", "timeLimitDays": 5}}),
        ),
        (
            REGISTER_PROBLEM,
            json!({"input": {"category": "慢作为", "source": "PUBLIC_RAISED", "description": "x",
                             "causeAnalysis": "x", "measures": ["x"], "unitId": "qingshi-dzb",
                             "timeLimitDays": 10}}),
        ),
        (
            "mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }",
            json!({"i": {"scopeUnitId": "qs", "title": "评议", "deadline": "2026-03-06",
                         "unitIds": ["qingshi", "baisha"]}}),
        ),
        (
            "mutation { openConductReview(input: {scopeUnitId: \"qs\", month: \"2026-02\",
               deadline: \"2026-03-06\", unitIds: [\"qingshi\", \"baisha\"]}) { id } }",
            json!({}),
        ),
        (
            "mutation($i: OpenAssessmentInput!) { openAssessment(input: $i) { id } }",
            json!({"i": {"scopeUnitId": "qs", "year": 2026, "panelIds": ["p-county-supervisor"]}}),
        ),
        (
            "mutation($i: ReferClueInput!) { referClue(input: $i) { id } }",
            json!({"i": {"subjectKind": "UNIT", "subjectId": "qingshi", "itemIds": ["x"],
                         "grounds": "x"}}),
        ),
        (
            "mutation($i: SetColorRulesInput!) { setColorRules(input: $i) { colorRules { countyId } } }",
            json!({"i": {"scope": "COUNTY", "expectedVersion": 0, "rules": {"yellowLagPoints": 20,
                "staleDays": 5, "yellowDaysBeforeDue": 1, "redLagPoints": 40,
                "redOverdueDays": 0, "redReturns": 2, "raiseOnRed": false}}}),
        ),
        (
            "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { person { id } } }",
            json!({"i": {"id": "p-qingshi-clerk", "supervisingLeaderId": "p-qingshi-leader", "expectedVersion": 1}}),
        ),
        (
            "mutation($s: AssessmentSettingsInput!) { setAssessmentSettings(settings: $s) { personQuotaPct } }",
            json!({"s": {"weights": [{"indicator": "REPORT", "weight": 100}],
                "personQuotaPct": 30, "unitQuotaPct": 40, "quotaRounding": "DOWN",
                "tieRule": "PANEL", "yellowCardPoints": 2, "redCardPoints": 5, "halfUp": false}}),
        ),
    ];
    for (mutation, vars) in &writes {
        let v = app.ask(&disc, mutation, vars.clone()).await;
        assert_eq!(error_code(&v), Some("FORBIDDEN"), "{mutation}\n{vars}\n{v}");
    }
    // The same writes go through for those whose job they are (so the inputs are valid).
    let issued = app
        .gql(Some(&sup), writes[0].0, writes[0].1.clone())
        .await
        .unwrap();
    ok(&issued);

    // It reads everything in its county: the same items as the county's supervisor.
    let count = |t: &str| {
        let t = t.to_string();
        let app = &app;
        async move {
            let v = app
                .read(
                    &t,
                    "{ assignments(first: 100) { totalCount } problems(first: 100) { totalCount } }",
                )
                .await;
            ok(&v);
            (
                v["data"]["assignments"]["totalCount"].clone(),
                v["data"]["problems"]["totalCount"].clone(),
            )
        }
    };
    assert_eq!(count(&disc).await, count(&sup).await);
    let ledger = app
        .read(
            &disc,
            "{ conductLedger(personId: \"p-liuhe-clerk\", from: \"2026-01-01\", to: \"2026-03-31\") { unitName } }",
        )
        .await;
    ok(&ledger);
}

#[actix_web::test]
async fn a_falsified_record_goes_to_the_commission_by_the_rule_once() {
    let (_clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let input = json!({"category": "弄虚作假", "source": "SUPERIOR_POINTED",
        "description": "上报的整改台账与实际不符，照片系摆拍", "causeAnalysis": "应付检查",
        "measures": ["如实重报台账"], "unitId": "qingshi-dzb", "timeLimitDays": 10});
    let id = registered_problem(&app, &clerk, input).await;
    app.settle().await.unwrap();
    let evaluation = &app.running.as_ref().unwrap().evaluation;
    assert!(evaluation.refer_by_rules().await.unwrap() >= 1);
    assert_eq!(evaluation.refer_by_rules().await.unwrap(), 0, "once");
    app.settle().await.unwrap();
    let disc = app.token("county-discipline").await.unwrap();
    let list = app
        .read(&disc, "{ referrals { cause subjectId itemIds grounds } }")
        .await;
    ok(&list);
    let ours: Vec<&Value> = list["data"]["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["itemIds"][0] == id.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{list}");
    assert_eq!(ours[0]["cause"], "FALSIFICATION");
    assert!(ours[0]["grounds"].as_str().unwrap().contains("弄虚作假"));
    // The commission is told; the unit and the clerk who registered it are not.
    let told = |who: &'static str| {
        let app = &app;
        async move {
            let t = app.token(who).await.unwrap();
            inbox(app, &t, "kind")
                .await
                .iter()
                .filter(|n| n["kind"] == "REFERRAL_NOTICE")
                .count()
        }
    };
    assert_eq!(told("county-discipline").await, 1);
    assert_eq!(told("qingshi-leader").await, 0);
    assert_eq!(told("qingshi-clerk").await, 0);
}
