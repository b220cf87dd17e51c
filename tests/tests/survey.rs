//! 满意度评议 end to end on a manual clock: a survey of the three townships on two
//! indicators; cadres answer signed in (never their own unit, once each), the public and a
//! 两代表一委员 through one-time links; a spent, unknown or misused link opens nothing; the
//! answers are stored without anyone's identity; the tick closes the survey at its deadline
//! and the means, ranks (a tie sharing the first) and the sample flag match a hand
//! computation; the results export as .xlsx.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{at_nine, count_rows, error_code, query_rows, TestApp};
use serde_json::{json, Value};

const INDICATORS: [&str; 2] = ["业务工作", "办事效率"];

const SURVEY: &str = "query($id: ID!) { survey(id: $id) {
  status mayAnswer answerableUnitIds responses { group count } links { issued used }
  results { unitId name overall rank respondents representative
            indicators { indicator mean count rank } } } }";

fn ok(v: &Value) {
    assert!(v["errors"].is_null(), "{v}");
}

/// Scores per unit: `(unit, [业务工作, 办事效率])`.
fn answers(scores: &[(&str, [i32; 2])]) -> Value {
    scores
        .iter()
        .map(|(u, s)| {
            json!({"unitId": u, "scores": INDICATORS.iter().zip(s)
                .map(|(i, v)| json!({"indicator": i, "score": v})).collect::<Vec<_>>()})
        })
        .collect()
}

async fn answer(app: &TestApp, who: &str, survey: &str, scores: &[(&str, [i32; 2])]) -> Value {
    let token = app.token(who).await.unwrap();
    app.ask(
        &token,
        "mutation($id: ID!, $a: [SurveyAnswerInput!]!) {
           answerSurvey(surveyId: $id, answers: $a) { mayAnswer } }",
        json!({"id": survey, "a": answers(scores)}),
    )
    .await
}

async fn links(app: &TestApp, token: &str, survey: &str, group: &str, n: i32) -> Value {
    app.ask(
        token,
        "mutation($i: IssueSurveyLinksInput!) { issueSurveyLinks(input: $i) { token path label } }",
        json!({"i": {"surveyId": survey, "group": group, "count": n,
                     "labels": if group == "DEPUTY" { json!(["县人大代表 李明"]) } else { json!(null) }}}),
    )
    .await
}

#[actix_web::test]
async fn a_survey_from_its_links_to_ranked_results_with_ties() {
    let (clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    survey_end_to_end(clock, app).await;
}

#[actix_web::test]
async fn the_same_survey_on_postgresql_and_kafka() {
    let (clock, app) = duban_tests::on_postgres_and_kafka_at_nine(2026, 3, 2)
        .await
        .unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    survey_end_to_end(clock, app).await;
}

async fn survey_end_to_end(clock: duban_clock::ManualClock, app: TestApp) {
    let sup = app.token("county-supervisor").await.unwrap();
    let created = app
        .ask(
            &sup,
            "mutation($i: CreateSurveyInput!) { createSurvey(input: $i) {
               id status indicators groups minSample rankingNote } }",
            json!({"i": {"scopeUnitId": "qs", "title": "2026年一季度机关效能评议",
                         "deadline": "2026-03-06", "unitIds": ["qingshi", "baisha", "liuhe"],
                         "indicators": INDICATORS, "minSample": 3}}),
        )
        .await;
    ok(&created);
    let s = &created["data"]["createSurvey"];
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["groups"], json!(["CADRE", "PUBLIC", "DEPUTY"]));

    // A clerk may neither define a survey nor mint links.
    let clerk = app.token("baisha-clerk").await.unwrap();
    let refused = links(&app, &clerk, &id, "PUBLIC", 5).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");

    // Cadres: 周敏 of the county office scores all three; 白沙乡's clerk may not score
    // 白沙乡, scores the other two; each answers once.
    ok(&answer(
        &app,
        "fgj-clerk",
        &id,
        &[
            ("qingshi", [80, 90]),
            ("baisha", [70, 70]),
            ("liuhe", [85, 85]),
        ],
    )
    .await);
    let twice = answer(&app, "fgj-clerk", &id, &[("liuhe", [1, 1])]).await;
    assert_eq!(error_code(&twice), Some("VALIDATION"), "once each: {twice}");
    let own = answer(&app, "baisha-clerk", &id, &[("baisha", [100, 100])]).await;
    assert_eq!(
        error_code(&own),
        Some("VALIDATION"),
        "never one's own: {own}"
    );
    let mine = app.ask(&clerk, SURVEY, json!({"id": id})).await;
    ok(&mine);
    assert_eq!(
        mine["data"]["survey"]["answerableUnitIds"],
        json!(["qingshi", "liuhe"])
    );
    assert_eq!(
        mine["data"]["survey"]["results"],
        json!([]),
        "a cadre sees no results before the close"
    );
    ok(&answer(
        &app,
        "baisha-clerk",
        &id,
        &[("qingshi", [90, 80]), ("liuhe", [85, 85])],
    )
    .await);

    // Links: three for the public, one for a named deputy.
    let public = links(&app, &sup, &id, "PUBLIC", 3).await;
    ok(&public);
    let tokens: Vec<String> = public["data"]["issueSurveyLinks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["token"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tokens.len(), 3);
    assert!(public["data"]["issueSurveyLinks"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("/p/#s="));
    let deputy = links(&app, &sup, &id, "DEPUTY", 1).await;
    ok(&deputy);
    assert_eq!(
        deputy["data"]["issueSurveyLinks"][0]["label"],
        "县人大代表 李明"
    );
    let deputy = deputy["data"]["issueSurveyLinks"][0]["token"]
        .as_str()
        .unwrap()
        .to_string();

    // A link shows its one survey, and takes one answer.
    let (status, form) = app
        .post_public("/public/v1/survey", &json!({"token": tokens[0]}))
        .await
        .unwrap();
    assert_eq!(status, 200, "{form}");
    assert_eq!(form["title"], "2026年一季度机关效能评议");
    assert_eq!(form["indicators"], json!(INDICATORS));
    assert_eq!(form["units"].as_array().unwrap().len(), 3);
    assert_eq!(form["group"], "服务对象");
    assert!(form.get("results").is_none());
    let public_answer = |token: &str, scores: &[(&str, [i32; 2])]| json!({"token": token, "answers": answers(scores)});
    let (status, body) = app
        .post_public(
            "/public/v1/survey/answer",
            &public_answer(
                &tokens[0],
                &[
                    ("qingshi", [85, 85]),
                    ("baisha", [60, 65]),
                    ("liuhe", [85, 85]),
                ],
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post_public(
            "/public/v1/survey/answer",
            &public_answer(&tokens[0], &[("qingshi", [0, 0])]),
        )
        .await
        .unwrap();
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("NOT_FOUND")),
        "spent"
    );
    let (status, _) = app
        .post_public("/public/v1/survey", &json!({"token": tokens[0]}))
        .await
        .unwrap();
    assert_eq!(status, 404, "a spent link opens nothing");
    // A bad answer leaves the link unspent.
    let (status, body) = app
        .post_public(
            "/public/v1/survey/answer",
            &public_answer(&tokens[1], &[("qs-dcs", [90, 90])]),
        )
        .await
        .unwrap();
    assert_eq!((status, body["code"].as_str()), (400, Some("VALIDATION")));
    let (status, _) = app
        .post_public("/public/v1/survey", &json!({"token": tokens[1]}))
        .await
        .unwrap();
    assert_eq!(status, 200, "still unspent");
    let (status, body) = app
        .post_public(
            "/public/v1/survey/answer",
            &public_answer(&deputy, &[("liuhe", [85, 85])]),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");

    // A link reaches nothing else: not as a token, not as an id, not GraphQL.
    let last = if tokens[2].ends_with('A') { 'B' } else { 'A' };
    let altered = format!("{}{last}", &tokens[2][..42]);
    for wrong in [id.clone(), "x".repeat(43), altered] {
        let (status, _) = app
            .post_public("/public/v1/survey", &json!({"token": wrong}))
            .await
            .unwrap();
        assert_eq!(status, 404);
    }
    let as_bearer = app
        .gql(Some(&tokens[2]), SURVEY, json!({"id": id}))
        .await
        .unwrap();
    assert_eq!(
        error_code(&as_bearer),
        Some("UNAUTHENTICATED"),
        "{as_bearer}"
    );
    let (status, _) = app
        .post_public("/public/v1/survey", &json!({"surveyId": id}))
        .await
        .unwrap();
    assert_eq!(status, 400);

    // Stored without identity: no response or score names a person or a link.
    let db = &app.databases.evaluation;
    let stored = format!(
        "{:?}{:?}",
        query_rows(db, "SELECT * FROM survey_response")
            .await
            .unwrap(),
        query_rows(db, "SELECT * FROM survey_score").await.unwrap()
    );
    assert!(!stored.contains("p-"), "no person id with the scores");
    for t in &tokens {
        assert!(!stored.contains(t.as_str()));
        assert!(!stored.contains(&duban_auth::secret::digest(t)));
    }
    assert_eq!(
        count_rows(db, "SELECT COUNT(*) FROM survey_response")
            .await
            .unwrap(),
        4
    );

    // The supervisor sees the counts live.
    let live = app.ask(&sup, SURVEY, json!({"id": id})).await;
    ok(&live);
    assert_eq!(
        live["data"]["survey"]["responses"],
        json!([{"group": "CADRE", "count": 2}, {"group": "DEPUTY", "count": 1},
               {"group": "PUBLIC", "count": 1}])
    );
    assert_eq!(
        live["data"]["survey"]["links"],
        json!({"issued": 4, "used": 2})
    );

    // After the deadline nothing more is taken; the tick closes it, once.
    clock.advance(chrono::Duration::days(5));
    let late = answer(&app, "liuhe-clerk", &id, &[("qingshi", [60, 60])]).await;
    assert_eq!(error_code(&late), Some("ILLEGAL_TRANSITION"), "{late}");
    let (status, _) = app
        .post_public("/public/v1/survey", &json!({"token": tokens[2]}))
        .await
        .unwrap();
    assert_eq!(status, 404, "a closed survey's link opens nothing");
    let evaluation = &app.running.as_ref().unwrap().evaluation;
    assert_eq!(evaluation.close_due_surveys().await.unwrap(), 1);
    assert_eq!(evaluation.close_due_surveys().await.unwrap(), 0);
    app.settle().await.unwrap();

    // By hand:
    // 青石镇 业务 (80, 90, 85) = 85, 效率 (90, 80, 85) = 85 → 85.00, 3 respondents.
    // 柳河镇 业务 (85, 85, 85, 85) = 85, 效率 the same → 85.00, 4 respondents.
    // 白沙乡 业务 (70, 60) = 65, 效率 (70, 65) = 67.5 → 66.25, 2 respondents, below 3.
    // Overall ranks 1, 1, 3 (competition ranking, the county's default).
    let clerk = app.token("baisha-clerk").await.unwrap();
    let done = app.ask(&clerk, SURVEY, json!({"id": id})).await;
    ok(&done);
    let r = &done["data"]["survey"];
    assert_eq!(r["status"], "CLOSED");
    let by: std::collections::HashMap<&str, &Value> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["unitId"].as_str().unwrap(), u))
        .collect();
    let line = |u: &str| {
        let x = by[u];
        (
            x["overall"].as_str().unwrap().to_string(),
            x["rank"].as_i64().unwrap(),
            x["respondents"].as_i64().unwrap(),
            x["representative"].as_bool().unwrap(),
        )
    };
    assert_eq!(line("qingshi"), ("85.00".into(), 1, 3, true));
    assert_eq!(line("liuhe"), ("85.00".into(), 1, 4, true));
    assert_eq!(line("baisha"), ("66.25".into(), 3, 2, false));
    assert_eq!(
        by["baisha"]["indicators"],
        json!([{"indicator": "业务工作", "mean": "65.00", "count": 2, "rank": 3},
               {"indicator": "办事效率", "mean": "67.50", "count": 2, "rank": 3}])
    );

    // The workbook holds the same figures.
    let sup = app.token("county-supervisor").await.unwrap();
    let (status, bytes) = app
        .get_bytes(&format!("/survey/v1/{id}.xlsx"), &sup)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let cells = duban_tests::scenarios::first_sheet_cells(bytes);
    for want in [
        "66.25",
        "85.00",
        "67.50",
        "样本不足，不具代表性",
        "综合排名",
    ] {
        assert!(cells.iter().any(|c| c == want), "{want} in {cells:?}");
    }
    let (status, _) = app
        .get_bytes(&format!("/survey/v1/{id}.xlsx"), "not-a-token")
        .await
        .unwrap();
    assert_eq!(status, 401);
}
