//! Cards by the county's rules (红黄蓝三色管理), on a clock the test moves: who may set the
//! rules and what they may be; a rule change recolors at once exactly the items it
//! governs, audited; a card shown reaches the 责任人, their 分管领导 and the issuer once
//! each; the tick judges only what is due.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::ISSUE;
use duban_tests::{at_nine, count_rows, error_code, TestApp};
use serde_json::{json, Value};

async fn issue(app: &TestApp, token: &str, input: Value) -> String {
    let body = app.ask(token, ISSUE, json!({ "input": input })).await;
    body["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

async fn card(app: &TestApp, token: &str, id: &str) -> (String, String) {
    let b = app
        .ask(
            token,
            "query($id: ID!) { assignment(id: $id) { color colorRule colorReason } }",
            json!({"id": id}),
        )
        .await;
    let a = &b["data"]["assignment"];
    (
        a["color"]
            .as_str()
            .unwrap_or_else(|| panic!("{b}"))
            .to_string(),
        a["colorRule"].as_str().unwrap_or_default().to_string(),
    )
}

async fn tick(app: &TestApp) -> usize {
    app.color_tick().await.unwrap()
}

/// Notices of `kind` to `person` about the items `ids` (the demo county has cards of its own).
async fn notices(app: &TestApp, kind: &str, person: &str, ids: &[&str]) -> i64 {
    let ids = ids
        .iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    count_rows(
        &app.databases.notifications,
        &format!(
            "SELECT count(*) FROM notification WHERE kind = '{kind}' AND recipient_id = '{person}' AND assignment_id IN ({ids})"
        ),
    )
    .await
    .unwrap()
}

const SET: &str = "mutation($i: SetColorRulesInput!) { setColorRules(input: $i) { colorRules { countyId sets { scope campaignId urgency version changedBy rules { yellowLagPoints redLagPoints } } } } }";

fn rules(yellow_lag: i64, red_lag: i64) -> Value {
    json!({"yellowLagPoints": yellow_lag, "staleDays": 5, "yellowDaysBeforeDue": 1,
           "redLagPoints": red_lag, "redOverdueDays": 0, "redReturns": 2, "raiseOnRed": false})
}

#[actix_web::test]
async fn cards_follow_the_county_rules_and_reach_three_people_once() {
    // Monday 9 March 2026.
    let (clock, app) = at_nine(2026, 3, 9).await;
    // Tokens that outlive the month the clock moves through.
    let month = 31 * 86_400;
    let (admin, sup, clerk) = (
        app.token_with_ttl("county-admin", month).await.unwrap(),
        app.token_with_ttl("county-supervisor", month)
            .await
            .unwrap(),
        app.token_with_ttl("qingshi-clerk", month).await.unwrap(),
    );
    app
        .ok(
            &admin,
            "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { person { id } } }",
            json!({"i": {"id": "p-qingshi-clerk", "expectedVersion": 1, "supervisingLeaderId": "p-qingshi-leader"}}),
        ).await;
    let first = issue(
        &app,
        &sup,
        json!({"title": "红黄牌测试一", "leadUnitId": "qingshi-dzb", "timeLimitDays": 10,
               "responsiblePersonId": "p-qingshi-clerk"}),
    )
    .await;
    let urgent = issue(
        &app,
        &sup,
        json!({"title": "红黄牌测试二", "leadUnitId": "qingshi-dzb", "timeLimitDays": 10,
               "urgency": "VERY_URGENT", "responsiblePersonId": "p-qingshi-clerk"}),
    )
    .await;
    let problem = app
        .ask(
            &sup,
            "mutation($i: RegisterProblemInput!) { registerProblem(input: $i) { problem { id } } }",
            json!({"i": {"category": "慢作为", "source": "SELF_FOUND", "description": "红黄牌测试问题",
                "causeAnalysis": "担当不足", "measures": ["限时办结"], "unitId": "qingshi-dzb", "timeLimitDays": 3}}),
        )
        .await;
    let problem = problem["data"]["registerProblem"]["problem"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{problem}"))
        .to_string();
    app.settle().await.unwrap();
    assert_eq!(
        card(&app, &sup, &first).await,
        ("BLUE".into(), "BLUE_ON_TRACK".into())
    );

    // The defaults stand until the county sets its own.
    let read = app
        .read(
            &sup,
            "{ colorRules { sets { scope version rules { yellowLagPoints redLagPoints staleDays } } } }",
        )
        .await;
    let county = &read["data"]["colorRules"]["sets"][0];
    assert_eq!(
        (
            county["scope"].as_str(),
            county["version"].as_i64(),
            county["rules"]["yellowLagPoints"].as_i64()
        ),
        (Some("COUNTY"), Some(0), Some(10)),
        "{read}"
    );
    // A clerk may not set them; a red threshold below the yellow one is refused by field.
    let refused = app
        .ask(
            &clerk,
            SET,
            json!({"i": {"scope": "COUNTY", "rules": rules(20, 40), "expectedVersion": 0}}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let bad = app
        .ask(
            &sup,
            SET,
            json!({"i": {"scope": "COUNTY", "rules": rules(20, 15), "expectedVersion": 0}}),
        )
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"), "{bad}");
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "rules.redLagPoints",
        "{bad}"
    );

    // Tuesday 10 March: 1 of 10 working days gone, no progress → 10 points behind: yellow.
    clock.advance(chrono::Duration::days(1));
    assert_eq!(tick(&app).await, 2);
    assert_eq!(
        card(&app, &sup, &first).await,
        ("YELLOW".into(), "YELLOW_LAG".into())
    );
    for person in ["p-qingshi-clerk", "p-qingshi-leader", "p-county-supervisor"] {
        // Two items, one yellow card each, to each of the three.
        assert_eq!(
            notices(&app, "YELLOW_CARD", person, &[&first, &urgent]).await,
            2,
            "{person}"
        );
    }
    assert_eq!(
        notices(
            &app,
            "YELLOW_CARD",
            "p-qingshi-supervisor",
            &[&first, &urgent]
        )
        .await,
        0
    );
    assert_eq!(tick(&app).await, 0, "nothing more is due today");

    // The county allows 20 points: both go back to blue at once, each saying why.
    app.ok(
        &sup,
        SET,
        json!({"i": {"scope": "COUNTY", "rules": rules(20, 40), "expectedVersion": 0}}),
    )
    .await;
    app.settle().await.unwrap();
    assert_eq!(card(&app, &sup, &first).await.0, "BLUE");
    assert_eq!(card(&app, &sup, &urgent).await.0, "BLUE");
    let stale = app
        .ask(
            &sup,
            SET,
            json!({"i": {"scope": "COUNTY", "rules": rules(25, 40), "expectedVersion": 0}}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("VERSION_CONFLICT"), "{stale}");

    // Very urgent items of the county get 5 points, and a red card raises their level:
    // only the second one turns yellow.
    let mut urgent_rules = rules(5, 40);
    urgent_rules["raiseOnRed"] = json!(true);
    let set = app
        .ok(
            &sup,
            SET,
            json!({"i": {"scope": "URGENCY", "urgency": "VERY_URGENT", "rules": urgent_rules, "expectedVersion": 0}}),
        ).await;
    let me = app.read(&sup, "{ me { personId } }").await;
    let urgency_set = &set["data"]["setColorRules"]["colorRules"]["sets"][1];
    assert_eq!(
        (
            &urgency_set["scope"],
            &urgency_set["urgency"],
            &urgency_set["campaignId"],
            &urgency_set["changedBy"]
        ),
        (
            &json!("URGENCY"),
            &json!("VERY_URGENT"),
            &Value::Null,
            &me["data"]["me"]["personId"]
        ),
        "{set}"
    );
    app.settle().await.unwrap();
    assert_eq!(card(&app, &sup, &first).await.0, "BLUE");
    assert_eq!(
        card(&app, &sup, &urgent).await,
        ("YELLOW".into(), "YELLOW_LAG".into())
    );
    let audited = app.audited("ColorRulesChanged").await.unwrap();
    assert_eq!(audited.len(), 2, "every rule change is in the audit log");

    // Tuesday 17 March: 5 of 10 days gone, 50 points behind: red, told once to each.
    clock.advance(chrono::Duration::days(7));
    tick(&app).await;
    assert_eq!(
        card(&app, &sup, &first).await,
        ("RED".into(), "RED_LAG".into())
    );
    for person in ["p-qingshi-clerk", "p-qingshi-leader", "p-county-supervisor"] {
        assert_eq!(
            notices(&app, "RED_CARD", person, &[&first, &urgent]).await,
            2,
            "{person}"
        );
    }
    tick(&app).await;
    assert_eq!(
        notices(&app, "RED_CARD", "p-qingshi-leader", &[&first, &urgent]).await,
        2,
        "once"
    );

    // The problem's 整改时限 (Thursday 12 March) has passed: red by the same rules.
    let p = app
        .ask(
            &sup,
            "query($id: ID!) { problem(id: $id) { color } }",
            json!({"id": problem}),
        )
        .await;
    assert_eq!(p["data"]["problem"]["color"], "RED", "{p}");

    // The very urgent item's red card raised its level, by the rule; the other's did not.
    let level = |id: String| {
        let (app, sup) = (&app, &sup);
        async move {
            let b = app
                .ask(
                    sup,
                    "query($id: ID!) { assignment(id: $id) { supervisionLevel } }",
                    json!({"id": id}),
                )
                .await;
            b["data"]["assignment"]["supervisionLevel"]
                .as_str()
                .unwrap_or_else(|| panic!("{b}"))
                .to_string()
        }
    };
    assert_eq!(level(first.clone()).await, "NORMAL");
    assert_eq!(level(urgent.clone()).await, "URGED");
    let by_rule = count_rows(
        &app.databases.assignments,
        &format!("SELECT count(*) FROM outbox WHERE key = '{urgent}' AND payload LIKE '%SupervisionRaised%' AND payload LIKE '%rule:RED_LAG%'"),
    )
    .await
    .unwrap();
    assert_eq!(by_rule, 1, "raised once, and marked as done by the rule");

    // The color filter pages in the assignments database.
    let of_color = |color: &'static str| {
        let (app, sup) = (&app, &sup);
        async move {
            let b = app
                .ask(
                    sup,
                    "query($c: Color!) { assignments(filter: {color: $c, text: \"红黄牌测试\"}, first: 10) { totalCount nodes { id } } }",
                    json!({"c": color}),
                )
                .await;
            let mut ids: Vec<String> = b["data"]["assignments"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{b}"))
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_string())
                .collect();
            ids.sort();
            ids
        }
    };
    let mut both = vec![first.clone(), urgent.clone()];
    both.sort();
    assert_eq!(of_color("RED").await, both);
    assert!(of_color("BLUE").await.is_empty());
    app.shutdown().await.unwrap();
}
