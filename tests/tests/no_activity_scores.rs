//! No scoring of activity (the 2024 central rules against formalism forbid ranking by
//! 打卡签到、在线时长、积分): every score — the board's figures and ranks, 好评率 and
//! 差评整改率, a closed 作风体检 and a closed 满意度评议 — is read before and after a burst
//! of activity by the people of one unit (sign-ins, reading and acknowledging notices,
//! queries, exports) and must not move; the dimensions and indicators themselves refuse an
//! activity measure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::{acknowledge_and_complete, inbox, ISSUE};
use duban_tests::{at_nine, error_code, TestApp};
use serde_json::{json, Value};

fn ok(v: &Value) {
    assert!(v["errors"].is_null(), "{v}");
}

const SCORES: &str = "query($review: ID!, $survey: ID!) {
  board(scope: \"qs\") { total { ...F } rows { ...F } }
  conductReview(id: $review) { results { unitId total rank dimensions { dimension mean } } }
  survey(id: $survey) { results { unitId overall rank respondents indicators { mean count rank } } }
}
fragment F on BoardRow {
  unit { id } rank issued open completed closed overdue red yellow blue returns
  onTimeRate onTimeNumerator onTimeDenominator ackOnTimeRate ackOnTimeNumerator
  ackOnTimeDenominator meanWorkDays workDaysTotal reopens transfers buckPassing
  problemsRegistered problemsClosed problemsOverdue
  ratings { rated good bad rectified appealedAway goodRate rectificationRate }
}";

async fn issue(app: &TestApp, token: &str, unit: &str, source: &str, title: &str) -> String {
    let v = app
        .ask(
            token,
            ISSUE,
            json!({"input": {"title": title, "description": "按要求办理", "source": source,
                             "leadUnitId": unit, "timeLimitDays": 5}}),
        )
        .await;
    ok(&v);
    v["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn auth(app: &TestApp, path: &str, body: Value) -> u16 {
    awc::Client::default()
        .post(format!("{}/auth/v1/{path}", app.url))
        .send_json(&body)
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn no_score_moves_with_sign_ins_reading_notices_or_time_online() {
    let (_clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    app.settle().await.unwrap();
    let done_before = app
        .read(&sup, "{ board(scope: \"qs\") { total { completed } } }")
        .await["data"]["board"]["total"]["completed"]
        .as_i64()
        .unwrap();

    // Outcomes to score: items done, a rating, a closed review, a closed survey.
    let done = issue(
        &app,
        &sup,
        "qingshi-dzb",
        "LEADER_INSTRUCTION",
        "落实首问负责制",
    )
    .await;
    acknowledge_and_complete(&app, &leader, &done).await;
    issue(
        &app,
        &sup,
        "baisha-dzb",
        "LEADER_INSTRUCTION",
        "整改窗口服务问题",
    )
    .await;
    let public = issue(&app, &sup, "qingshi-dzb", "PUBLIC_REQUEST", "答复群众诉求").await;
    acknowledge_and_complete(&app, &leader, &public).await;
    app.settle().await.unwrap();
    let link = app
        .ask(
            &leader,
            "mutation($id: ID!) { ratingLink(itemId: $id) { token } }",
            json!({"id": public}),
        )
        .await;
    ok(&link);
    let token = &link["data"]["ratingLink"]["token"];
    let (status, _) = duban_tests::scenarios::rate(&app, token, "SATISFIED", None).await;
    assert_eq!(status, 200);
    let review = app
        .read(
            &sup,
            "mutation { openConductReview(input: {scopeUnitId: \"qs\", month: \"2026-02\",
               deadline: \"2026-03-06\", unitIds: [\"qingshi\", \"baisha\", \"liuhe\"]}) { id } }",
        )
        .await;
    ok(&review);
    let review = review["data"]["openConductReview"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let clerk = app.token("baisha-clerk").await.unwrap();
    for (unit, v) in [("qingshi", 90), ("liuhe", 80)] {
        let scores: Vec<Value> = ["工作态度", "办事效率", "廉洁自律"]
            .iter()
            .map(|d| json!({"dimension": d, "score": v}))
            .collect();
        let s = app
            .ask(
                &clerk,
                "mutation($i: SubmitConductScoresInput!) { submitConductScores(input: $i) { id } }",
                json!({"i": {"roundId": review, "unitId": unit, "scores": scores}}),
            )
            .await;
        ok(&s);
    }
    // An activity measure is not a dimension anyone may score.
    let activity = app
        .ask(
            &clerk,
            "mutation($i: SubmitConductScoresInput!) { submitConductScores(input: $i) { id } }",
            json!({"i": {"roundId": review, "unitId": "qingshi", "scores": [
                {"dimension": "工作态度", "score": 90}, {"dimension": "办事效率", "score": 90},
                {"dimension": "廉洁自律", "score": 90}, {"dimension": "登录次数", "score": 100}]}}),
        )
        .await;
    assert_eq!(error_code(&activity), Some("VALIDATION"), "{activity}");
    ok(&app
        .ask(
            &sup,
            "mutation($id: ID!) { closeConductReview(id: $id) { id } }",
            json!({"id": review}),
        )
        .await);
    let survey = app
        .read(
            &sup,
            "mutation { createSurvey(input: {scopeUnitId: \"qs\", title: \"效能评议\",
               deadline: \"2026-03-06\", unitIds: [\"qingshi\", \"baisha\", \"liuhe\"],
               indicators: [\"业务工作\"], minSample: 1}) { id } }",
        )
        .await;
    ok(&survey);
    let survey = survey["data"]["createSurvey"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&app
        .ask(
            &clerk,
            "mutation($id: ID!) { answerSurvey(surveyId: $id, answers: [
               {unitId: \"qingshi\", scores: [{indicator: \"业务工作\", score: 88}]}]) { id } }",
            json!({"id": survey}),
        )
        .await);
    ok(&app
        .ask(
            &sup,
            "mutation($id: ID!) { closeSurvey(id: $id) { id } }",
            json!({"id": survey}),
        )
        .await);
    app.settle().await.unwrap();
    let vars = json!({"review": review, "survey": survey});
    let before = app.ask(&sup, SCORES, vars.clone()).await;
    ok(&before);
    // What is scored is there before the activity: two items done, one of them rated.
    let total = &before["data"]["board"]["total"];
    assert_eq!(
        (
            total["completed"].as_i64(),
            total["ratings"]["rated"].as_i64()
        ),
        (Some(done_before + 2), Some(1)),
        "{before}"
    );

    // Activity by 青石镇's people: sign-ins, time online, notices read and acknowledged,
    // queries and exports.
    let initial = app
        .assignments
        .initial_passwords(&["qingshi-leader"])
        .await
        .unwrap()
        .remove(0)
        .password;
    let changed = auth(
        &app,
        "password",
        json!({"account": "qingshi-leader", "password": initial, "newPassword": "Qingshi2026"}),
    )
    .await;
    assert_eq!(changed, 200);
    for _ in 0..10 {
        let s = auth(
            &app,
            "login",
            json!({"account": "qingshi-leader", "password": "Qingshi2026"}),
        )
        .await;
        assert_eq!(s, 200);
    }
    let notices = inbox(&app, &leader, "id requiresAck").await;
    assert!(!notices.is_empty(), "the leader has notices to read");
    for n in &notices {
        ok(&app
            .ask(
                &leader,
                "mutation($id: ID!) { markNotificationRead(input: {id: $id}) { notification { id } } }",
                json!({"id": n["id"]}),
            )
            .await);
        if n["requiresAck"] == true {
            ok(&app
                .ask(
                    &leader,
                    "mutation($id: ID!) { acknowledgeNotification(input: {id: $id}) { notification { id } } }",
                    json!({"id": n["id"]}),
                )
                .await);
        }
    }
    for _ in 0..20 {
        ok(&app
            .read(&leader, "{ board { total { issued } } me { name } }")
            .await);
    }
    let (status, _) = app
        .get_bytes("/ledger/v1/assignments.xlsx", &leader)
        .await
        .unwrap();
    assert_eq!(status, 200);
    app.settle().await.unwrap();
    let unread = inbox(&app, &leader, "id readAt").await;
    assert!(
        unread.iter().all(|n| !n["readAt"].is_null()),
        "the activity took place"
    );

    let after = app.ask(&sup, SCORES, vars).await;
    ok(&after);
    assert_eq!(
        before["data"], after["data"],
        "no score moved with activity"
    );
}
