//! 作风体检 end to end on a manual clock: a round over the three townships, 自评 by each
//! office head, 点评 by the 分管领导, 互评 by cadres of the other townships; one township
//! without its 自评; a score of one's own unit and a late one refused; the close at the
//! deadline with two-decimal totals checked by hand, a tie sharing the first rank, the
//! parts shown only to the unit itself, and the 谈心谈话 issued once to the lowest's
//! 分管领导.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::update_person;
use duban_tests::{at_nine, count_rows, error_code, TestApp};
use serde_json::{json, Value};

const SUBMIT: &str = "mutation($input: SubmitConductScoresInput!) {
  submitConductScores(input: $input) { id status myTasks { unitId source } } }";

const ROUND: &str = "query($id: ID!) { conductReview(id: $id) {
  status units { unitId selfAssessed commented peers }
  results { unitId name total rank missing dimensions { dimension mean } sources { source mean count } } } }";

async fn score(app: &TestApp, who: &str, round: &str, unit: &str, v: i32) -> Value {
    let token = app.token(who).await.unwrap();
    let scores: Vec<Value> = ["工作态度", "办事效率", "廉洁自律"]
        .iter()
        .map(|d| json!({"dimension": d, "score": v}))
        .collect();
    app.ask(
        &token,
        SUBMIT,
        json!({"input": {"roundId": round, "unitId": unit, "scores": scores}}),
    )
    .await
}

fn ok(v: &Value) {
    assert!(v["errors"].is_null(), "{v}");
}

#[actix_web::test]
async fn a_conduct_review_round_from_opening_to_the_talk_with_the_lowest() {
    let (clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    round_end_to_end(clock, app).await;
}

#[actix_web::test]
async fn the_same_round_on_postgresql_and_kafka() {
    let (clock, app) = duban_tests::on_postgres_and_kafka_at_nine(2026, 3, 2)
        .await
        .unwrap();
    app.load_demo().await.unwrap();
    round_end_to_end(clock, app).await;
}

async fn round_end_to_end(clock: duban_clock::ManualClock, app: TestApp) {
    let admin = app.token("county-admin").await.unwrap();
    // Each township office head's 分管领导 is the township's supervisor.
    for t in ["qingshi", "baisha", "liuhe"] {
        let set = update_person(
            &app,
            &admin,
            &format!("p-{t}-leader"),
            json!({"supervisingLeaderId": format!("p-{t}-supervisor")}),
        )
        .await;
        ok(&set);
    }
    app.settle().await.unwrap();

    let sup = app.token("county-supervisor").await.unwrap();
    let opened = app
        .read(
            &sup,
            "mutation { openConductReview(input: {scopeUnitId: \"qs\", month: \"2026-02\",
               deadline: \"2026-03-06\", unitIds: [\"qingshi\", \"baisha\", \"liuhe\"]}) {
               id status dimensions weights { selfAssessment leaderComment peer } lowest } }",
        )
        .await;
    ok(&opened);
    let round = opened["data"]["openConductReview"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        opened["data"]["openConductReview"]["weights"],
        json!({"selfAssessment": 20, "leaderComment": 40, "peer": 40})
    );
    let again = app
        .read(
            &sup,
            "mutation { openConductReview(input: {scopeUnitId: \"qs\", month: \"2026-02\",
               deadline: \"2026-03-06\"}) { id } }",
        )
        .await;
    assert_eq!(
        error_code(&again),
        Some("VALIDATION"),
        "one round a month: {again}"
    );

    // 青石镇: 自评 90, 点评 80, 互评 70 and 80 → 0.2·90 + 0.4·80 + 0.4·75 = 80.00.
    ok(&score(&app, "qingshi-leader", &round, "qingshi", 90).await);
    ok(&score(&app, "qingshi-supervisor", &round, "qingshi", 80).await);
    ok(&score(&app, "baisha-clerk", &round, "qingshi", 60).await);
    ok(&score(&app, "baisha-clerk", &round, "qingshi", 70).await); // changed before the deadline
    ok(&score(&app, "liuhe-clerk", &round, "qingshi", 80).await);
    // 柳河镇: 自评 80, 点评 85, 互评 75 → 16 + 34 + 30 = 80.00, tied with 青石镇.
    ok(&score(&app, "liuhe-leader", &round, "liuhe", 80).await);
    ok(&score(&app, "liuhe-supervisor", &round, "liuhe", 85).await);
    ok(&score(&app, "qingshi-clerk", &round, "liuhe", 75).await);
    // 白沙乡: no 自评; 点评 70, 互评 60 → (0.4·70 + 0.4·60) / 0.8 = 65.00.
    ok(&score(&app, "baisha-supervisor", &round, "baisha", 70).await);
    ok(&score(&app, "qingshi-clerk", &round, "baisha", 60).await);
    // 白沙乡's leader gives both 互评 at the means already there (75), so only the 自评
    // is left to give.
    ok(&score(&app, "baisha-leader", &round, "qingshi", 75).await);
    ok(&score(&app, "baisha-leader", &round, "liuhe", 75).await);

    let own = score(&app, "qingshi-clerk", &round, "qingshi", 100).await;
    assert_eq!(
        error_code(&own),
        Some("VALIDATION"),
        "never one's own unit: {own}"
    );
    let wrong = app
        .gql(
            Some(&app.token("qingshi-clerk").await.unwrap()),
            SUBMIT,
            json!({"input": {"roundId": round, "unitId": "baisha",
                   "scores": [{"dimension": "工作态度", "score": 101}]}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&wrong), Some("VALIDATION"), "{wrong}");

    let seen = app.ask(&sup, ROUND, json!({"id": round})).await;
    let units = &seen["data"]["conductReview"]["units"];
    assert_eq!(
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unitId"] == "qingshi")
            .unwrap(),
        &json!({"unitId": "qingshi", "selfAssessed": true, "commented": true, "peers": 3})
    );

    // The day before the deadline, those with scores left to give are told, once: 何磊
    // (白沙乡) scored 青石镇 but not 柳河镇; 白沙乡's leader gave both 互评 but not the
    // 自评; 张伟 (青石镇) scored both others.
    clock.advance(chrono::Duration::days(3));
    let evaluation = &app.running.as_ref().unwrap().evaluation;
    assert_eq!(evaluation.remind_reviews().await.unwrap(), 1);
    assert_eq!(
        evaluation.remind_reviews().await.unwrap(),
        0,
        "reminded once"
    );
    app.settle().await.unwrap();
    let reminded = |who: &'static str| {
        let app = &app;
        async move {
            let t = app.token(who).await.unwrap();
            let inbox = app
                .read(
                    &t,
                    "{ myNotifications(first: 50) { nodes { kind title } } }",
                )
                .await;
            inbox["data"]["myNotifications"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "CONDUCT_REVIEW_DUE")
                .count()
        }
    };
    assert_eq!(reminded("baisha-clerk").await, 1);
    assert_eq!(reminded("baisha-leader").await, 1, "the 自评 is not in");
    assert_eq!(reminded("qingshi-clerk").await, 0, "nothing left to give");

    // After the deadline: a late score is refused, and the tick closes the round.
    clock.advance(chrono::Duration::days(4));
    let late = score(&app, "liuhe-clerk", &round, "baisha", 90).await;
    assert_eq!(error_code(&late), Some("ILLEGAL_TRANSITION"), "{late}");
    assert_eq!(evaluation.close_due_reviews().await.unwrap(), 1);
    assert_eq!(
        evaluation.close_due_reviews().await.unwrap(),
        0,
        "closed once"
    );
    app.settle().await.unwrap();

    let sup = app.token("county-supervisor").await.unwrap();
    let closed = app.ask(&sup, ROUND, json!({"id": round})).await;
    ok(&closed);
    let r = &closed["data"]["conductReview"];
    assert_eq!(r["status"], "CLOSED");
    let line = |id: &str| {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["unitId"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            line("qingshi")["total"].clone(),
            line("qingshi")["rank"].clone()
        ),
        (json!("80.00"), json!(1))
    );
    assert_eq!(
        (
            line("liuhe")["total"].clone(),
            line("liuhe")["rank"].clone()
        ),
        (json!("80.00"), json!(1))
    );
    assert_eq!(
        (
            line("baisha")["total"].clone(),
            line("baisha")["rank"].clone()
        ),
        (json!("65.00"), json!(3))
    );
    assert_eq!(line("baisha")["missing"], json!(["自评"]));
    assert_eq!(
        line("qingshi")["sources"],
        json!([
            {"source": "自评", "mean": "90.00", "count": 1},
            {"source": "分管领导点评", "mean": "80.00", "count": 1},
            {"source": "互评", "mean": "75.00", "count": 3}
        ])
    );

    // A cadre sees the ranking and their own unit's parts, never another's.
    let clerk = app.token("baisha-clerk").await.unwrap();
    let theirs = app.ask(&clerk, ROUND, json!({"id": round})).await;
    let results = theirs["data"]["conductReview"]["results"]
        .as_array()
        .unwrap()
        .clone();
    for x in &results {
        let own = x["unitId"] == "baisha";
        assert_eq!(x["dimensions"].as_array().unwrap().is_empty(), !own, "{x}");
        assert!(x["total"].is_string());
    }

    // The lowest's 分管领导 gets one 谈心谈话, issued by the supervisor who opened the round.
    let talks = count_rows(
        &app.databases.assignments,
        "SELECT COUNT(*) FROM assignment WHERE source = 'CONDUCT_REVIEW'",
    )
    .await
    .unwrap();
    assert_eq!(talks, 1);
    let talk = count_rows(
        &app.databases.assignments,
        "SELECT COUNT(*) FROM assignment WHERE source = 'CONDUCT_REVIEW' \
         AND responsible_person_id = 'p-baisha-supervisor' AND issuer_id = 'p-county-supervisor' \
         AND title LIKE '%白沙乡%'",
    )
    .await
    .unwrap();
    assert_eq!(talk, 1, "to 白沙乡's 分管领导");
}
