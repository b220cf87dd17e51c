//! 好差评 end to end: a 群众诉求 completed by 青石镇 opens to rating; its link reaches that
//! one item; a 差评 brings a 整改 for the one who handled it and a 回访 for the issuer,
//! once; the person may rate again only after the 整改 is verified; an appeal upheld takes a
//! 差评 out of the figures, one refused leaves it; the board shows 好评率 and 差评整改率.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::command;
use duban_tests::{at_nine, count_rows, error_code, TestApp};
use serde_json::{json, Value};

fn ok(v: &Value) {
    assert!(v["errors"].is_null(), "{v}");
}

/// Issues an assignment of `source` to 青石镇党政办公室 and has it reported done.
async fn completed(app: &TestApp, source: &str, title: &str) -> String {
    let sup = app.token("county-supervisor").await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    let issued = app
        .gql(
            Some(&sup),
            duban_tests::scenarios::ISSUE,
            json!({"input": {"title": title, "description": "12345热线转办", "source": source,
                             "leadUnitId": "qingshi-dzb", "timeLimitDays": 5}}),
        )
        .await
        .unwrap();
    ok(&issued);
    let id = issued["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    finish(app, &leader, &id, 1).await;
    id
}

/// Acknowledges and completes assignment `id` at `version` as the holder of `token`.
async fn finish(app: &TestApp, token: &str, id: &str, version: i64) -> i64 {
    let a = command(
        app,
        token,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": id, "expectedVersion": version}),
    )
    .await;
    let a = command(
        app,
        token,
        "completeAssignment",
        "CompleteAssignmentInput",
        json!({"id": id, "expectedVersion": a["version"], "result": "已办结并答复"}),
    )
    .await;
    app.settle().await.unwrap();
    a["version"].as_i64().unwrap()
}

async fn link(app: &TestApp, who: &str, item: &str) -> Value {
    let token = app.token(who).await.unwrap();
    app.ask(
        &token,
        "mutation($id: ID!) { ratingLink(itemId: $id) { token path } }",
        json!({"id": item}),
    )
    .await
}

async fn rate(app: &TestApp, token: &str, level: &str, comment: &str) -> (u16, Value) {
    let r = duban_tests::scenarios::rate(app, &json!(token), level, Some(comment)).await;
    app.settle().await.unwrap();
    r
}

async fn form(app: &TestApp, token: &str) -> (u16, Value) {
    app.post_public("/public/v1/rating", &json!({"token": token}))
        .await
        .unwrap()
}

async fn rated_link(app: &TestApp, item: &str) -> String {
    let l = link(app, "qingshi-leader", item).await;
    ok(&l);
    l["data"]["ratingLink"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn appeal(app: &TestApp, who: &str, rating: &str) -> Value {
    let token = app.token(who).await.unwrap();
    app.ask(
        &token,
        "mutation($i: AppealRatingInput!) { appealRating(input: $i) { appeal { status } } }",
        json!({"i": {"ratingId": rating, "reasons": "当事人所诉事项不属本单位职责，已当场解释并转交",
                     "evidence": "通话录音、转办单"}}),
    )
    .await
}

async fn decide(app: &TestApp, rating: &str, upheld: bool) -> Value {
    let sup = app.token("county-supervisor").await.unwrap();
    app.ask(
        &sup,
        "mutation($i: DecideRatingAppealInput!) { decideRatingAppeal(input: $i) { appeal { status decidedBy } } }",
        json!({"i": {"ratingId": rating, "upheld": upheld, "note": "经核查"}}),
    )
    .await
}

async fn current_rating(app: &TestApp, item: &str) -> Value {
    let sup = app.token("county-supervisor").await.unwrap();
    let list = app
        .read(
            &sup,
            "{ ratings { id itemId level levelLabel bad current rectified comment unitName
                         rectificationId appeal { status } } }",
        )
        .await;
    ok(&list);
    list["data"]["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["itemId"] == item && r["current"] == true)
        .cloned()
        .unwrap_or_else(|| panic!("no current rating of {item}: {list}"))
}

#[actix_web::test]
async fn a_public_rating_rectified_rated_again_and_appeals_upheld_and_refused() {
    let (_clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    ratings_end_to_end(app).await;
}

#[actix_web::test]
async fn the_same_ratings_on_postgresql_and_kafka() {
    let (_clock, app) = duban_tests::on_postgres_and_kafka_at_nine(2026, 3, 2)
        .await
        .unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    ratings_end_to_end(app).await;
}

async fn ratings_end_to_end(app: TestApp) {
    // Only items that serve the public open to rating, once completed.
    let internal = completed(&app, "LEADER_INSTRUCTION", "报送一季度工作总结").await;
    assert_eq!(
        error_code(&link(&app, "qingshi-leader", &internal).await),
        Some("NOT_FOUND")
    );
    let first = completed(&app, "PUBLIC_REQUEST", "答复群众反映的路灯不亮问题").await;
    assert_eq!(
        error_code(&link(&app, "baisha-clerk", &first).await),
        Some("NOT_FOUND"),
        "another township cannot reach it"
    );
    let token = rated_link(&app, &first).await;

    // The link shows its one item and takes one rating.
    let (status, f) = form(&app, &token).await;
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["title"], "答复群众反映的路灯不亮问题");
    assert_eq!(f["unitName"], "青石镇党政办公室");
    assert_eq!(f["mayRate"], true);
    let (status, body) = rate(&app, &token, "GOOD", "").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("VALIDATION")));
    let (status, body) = rate(&app, &token, "DISSATISFIED", "拖了一周才答复").await;
    assert_eq!(status, 200, "{body}");

    // The 差评 brings one 整改 to the one who handled it and one 回访 to the issuer.
    let db = &app.databases.assignments;
    let rectification = |extra: &str| {
        format!(
            "SELECT COUNT(*) FROM assignment WHERE source = 'RATING_RECTIFICATION' \
             AND source_text = '好差评事项 {first}' {extra}"
        )
    };
    assert_eq!(count_rows(db, &rectification("")).await.unwrap(), 1);
    assert_eq!(
        count_rows(
            db,
            &rectification(
                "AND responsible_person_id = 'p-qingshi-leader' AND lead_unit_id = 'qingshi-dzb' \
                 AND issuer_id = 'p-county-supervisor'"
            )
        )
        .await
        .unwrap(),
        1
    );
    assert_eq!(
        count_rows(
            db,
            "SELECT COUNT(*) FROM assignment WHERE source = 'RATING_FOLLOW_UP' \
             AND responsible_person_id = 'p-county-supervisor'"
        )
        .await
        .unwrap(),
        1
    );

    // Not again until the 整改 is verified; no new link for a rated item.
    let (status, body) = rate(&app, &token, "SATISFIED", "").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("ILLEGAL_TRANSITION"))
    );
    let (_, f) = form(&app, &token).await;
    assert_eq!(f["mayRate"], false);
    assert!(f["note"].as_str().unwrap().contains("整改"));
    assert_eq!(f["previous"]["label"], "不满意");
    assert_eq!(
        error_code(&link(&app, "qingshi-leader", &first).await),
        Some("ILLEGAL_TRANSITION")
    );

    let r = current_rating(&app, &first).await;
    let fix = r["rectificationId"].as_str().unwrap().to_string();
    let leader = app.token("qingshi-leader").await.unwrap();
    let v = finish(&app, &leader, &fix, 1).await;
    let (_, f) = form(&app, &token).await;
    assert_eq!(f["mayRate"], false, "reported done is not yet rectified");
    let sup = app.token("county-supervisor").await.unwrap();
    command(
        &app,
        &sup,
        "verifyAssignment",
        "AssignmentVersionInput",
        json!({"id": fix, "expectedVersion": v}),
    )
    .await;
    app.settle().await.unwrap();
    let (_, f) = form(&app, &token).await;
    assert_eq!(f["mayRate"], true, "{f}");
    let (status, body) = rate(&app, &token, "SATISFIED", "整改后很满意").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        count_rows(db, &rectification("")).await.unwrap(),
        1,
        "a good rating again asks for nothing"
    );
    assert_eq!(current_rating(&app, &first).await["level"], "SATISFIED");

    // An appeal upheld, one refused; only the unit's leader appeals, only a 差评.
    let second = completed(&app, "PUBLIC_REQUEST", "答复群众咨询低保政策").await;
    let t2 = rated_link(&app, &second).await;
    assert_eq!(rate(&app, &t2, "VERY_DISSATISFIED", "态度差").await.0, 200);
    let r2 = current_rating(&app, &second).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        error_code(&appeal(&app, "qingshi-clerk", &r2).await),
        Some("FORBIDDEN")
    );
    assert_eq!(
        error_code(&decide(&app, &r2, true).await),
        Some("ILLEGAL_TRANSITION"),
        "nothing to decide before an appeal"
    );
    ok(&appeal(&app, "qingshi-leader", &r2).await);
    assert_eq!(
        error_code(&appeal(&app, "qingshi-leader", &r2).await),
        Some("VALIDATION"),
        "once"
    );
    let upheld = decide(&app, &r2, true).await;
    ok(&upheld);
    assert_eq!(
        upheld["data"]["decideRatingAppeal"]["appeal"]["status"],
        "UPHELD"
    );

    let third = completed(&app, "PUBLIC_REQUEST", "答复群众反映的噪音扰民问题").await;
    let t3 = rated_link(&app, &third).await;
    assert_eq!(rate(&app, &t3, "DISSATISFIED", "没有解决").await.0, 200);
    let r3 = current_rating(&app, &third).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&appeal(&app, "qingshi-leader", &r3).await);
    ok(&decide(&app, &r3, false).await);
    // The refused one's 整改 is done and verified.
    let fix3 = current_rating(&app, &third).await["rectificationId"]
        .as_str()
        .unwrap()
        .to_string();
    let leader = app.token("qingshi-leader").await.unwrap();
    let v = finish(&app, &leader, &fix3, 1).await;
    command(
        &app,
        &sup,
        "verifyAssignment",
        "AssignmentVersionInput",
        json!({"id": fix3, "expectedVersion": v}),
    )
    .await;
    app.settle().await.unwrap();
    let good = current_rating(&app, &first).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        error_code(&appeal(&app, "qingshi-leader", &good).await),
        Some("VALIDATION"),
        "a good rating is not appealed"
    );

    // By hand, 青石镇: current ratings counted — the first item's 满意 and the third's
    // 不满意 (the second's upheld 差评 left out): 好评率 1/2 = 50.00; 差评 received —
    // the first item's 不满意 and the third's, both rectified (the second's, never
    // rectified, left out): 差评整改率 2/2 = 100.00.
    let board = app
        .read(
            &sup,
            "{ board(scope: \"qs\") { total { ratings { rated good bad rectified appealedAway goodRate rectificationRate } }
                 rows { unit { id } ratings { rated goodRate rectificationRate appealedAway } } } }",
        )
        .await;
    ok(&board);
    assert_eq!(
        board["data"]["board"]["total"]["ratings"],
        json!({"rated": 2, "good": 1, "bad": 2, "rectified": 2, "appealedAway": 1,
               "goodRate": "50.00", "rectificationRate": "100.00"})
    );
    let rows = board["data"]["board"]["rows"].as_array().unwrap();
    let qingshi = rows.iter().find(|r| r["unit"]["id"] == "qingshi").unwrap();
    assert_eq!(qingshi["ratings"]["goodRate"], "50.00");
    let baisha = rows.iter().find(|r| r["unit"]["id"] == "baisha").unwrap();
    assert_eq!(
        baisha["ratings"],
        json!({"rated": 0, "goodRate": null, "rectificationRate": null, "appealedAway": 0})
    );

    // The 责任人's 作风表现台账 leaves the upheld 差评 out and keeps the refused one.
    let held = app
        .read(
            &sup,
            &format!("{{ assignment(id: \"{second}\") {{ responsiblePersonId }} }}"),
        )
        .await;
    let person = held["data"]["assignment"]["responsiblePersonId"].clone();
    let v = app
        .ask(
            &sup,
            "query($p: ID!) { conductLedger(personId: $p, from: \"2026-03-01\", to: \"2026-03-31\") { lines { what itemId } } }",
            json!({"p": person}),
        )
        .await;
    ok(&v);
    let bad: Vec<&str> = v["data"]["conductLedger"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["what"] == "群众差评")
        .filter_map(|l| l["itemId"].as_str())
        .collect();
    assert!(
        bad.contains(&third.as_str()) && !bad.contains(&second.as_str()),
        "{v}"
    );

    // A rating link reaches its item and nothing else.
    let (status, _) = app
        .post_public("/public/v1/survey", &json!({"token": token}))
        .await
        .unwrap();
    assert_eq!(status, 404, "not a survey link");
    let as_bearer = app.read(&token, "{ ratings { id } }").await;
    assert_eq!(error_code(&as_bearer), Some("UNAUTHENTICATED"));
    let (status, _) = form(&app, &first).await;
    assert_eq!(status, 404, "an item id is not a token");
}

/// A problem raised by the public (群众提) opens to rating when its unit asks to close it;
/// a 差评 brings the 整改 to its 责任人, issued by the supervisor who registered it.
#[actix_web::test]
async fn a_problem_raised_by_the_public_is_rated_and_its_bad_rating_rectified() {
    let (_clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let register = |source: &'static str, description: &'static str| {
        let input = json!({"category": "服务群众", "source": source, "description": description,
            "causeAnalysis": "窗口人手不足", "measures": ["增设导办"], "unitId": "qingshi-dzb",
            "responsiblePersonId": "p-qingshi-clerk", "timeLimitDays": 5});
        duban_tests::scenarios::registered_problem(&app, &sup, input)
    };
    let raised = register("PUBLIC_RAISED", "群众反映办证排队时间长").await;
    let found = register("SELF_FOUND", "台账资料归档不及时").await;
    for id in [&raised, &found] {
        let ask = app
            .ask(
                &clerk,
                "mutation($i: RequestProblemCloseOutInput!) { requestProblemCloseOut(input: $i) { problem { version } } }",
                json!({"i": {"id": id, "expectedVersion": 1, "summary": "已增设导办台", "evidence": ["照片"]}}),
            )
            .await;
        ok(&ask);
    }
    app.settle().await.unwrap();
    assert_eq!(
        error_code(&link(&app, "qingshi-leader", &found).await),
        Some("NOT_FOUND"),
        "a problem the unit found itself does not serve the public"
    );
    let token = rated_link(&app, &raised).await;
    let (_, f) = form(&app, &token).await;
    assert_eq!(f["title"], "群众反映办证排队时间长");
    assert_eq!(
        rate(&app, &token, "VERY_DISSATISFIED", "还是要排两小时")
            .await
            .0,
        200
    );
    assert_eq!(
        count_rows(
            &app.databases.assignments,
            &format!(
                "SELECT COUNT(*) FROM assignment WHERE source = 'RATING_RECTIFICATION' \
                 AND source_text = '好差评事项 {raised}' AND responsible_person_id = 'p-qingshi-clerk' \
                 AND issuer_id = 'p-county-supervisor' AND lead_unit_id = 'qingshi-dzb'"
            )
        )
        .await
        .unwrap(),
        1
    );
    assert_eq!(
        current_rating(&app, &raised).await["levelLabel"],
        "非常不满意"
    );
}

/// The BAD_RATINGS referrals of 青石镇党政办公室, as the commission reads them.
async fn rating_referrals(app: &TestApp) -> Vec<Value> {
    let disc = app.token("county-discipline").await.unwrap();
    let v = app
        .read(
            &disc,
            "{ referrals { cause subjectKind subjectId itemIds } }",
        )
        .await;
    ok(&v);
    v["data"]["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["cause"] == "BAD_RATINGS" && r["subjectId"] == "qingshi-dzb")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn two_standing_bad_ratings_in_a_quarter_refer_the_unit_once_and_an_upheld_appeal_leaves_it()
{
    let (_clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let evaluation = &app.running.as_ref().unwrap().evaluation;
    let first = completed(&app, "PUBLIC_REQUEST", "答复噪音扰民投诉").await;
    let second = completed(&app, "PUBLIC_REQUEST", "答复路灯维修诉求").await;

    // One 差评 is not yet a pattern.
    let (status, _) = rate(
        &app,
        &rated_link(&app, &first).await,
        "DISSATISFIED",
        "推来推去",
    )
    .await;
    assert_eq!(status, 200);
    evaluation.refer_by_rules().await.unwrap();
    assert!(rating_referrals(&app).await.is_empty());

    // The second in the same quarter refers the unit, once.
    let (status, _) = rate(
        &app,
        &rated_link(&app, &second).await,
        "VERY_DISSATISFIED",
        "无人答复",
    )
    .await;
    assert_eq!(status, 200);
    evaluation.refer_by_rules().await.unwrap();
    evaluation.refer_by_rules().await.unwrap();
    let referred = rating_referrals(&app).await;
    assert_eq!(referred.len(), 1, "{referred:?}");
    assert_eq!(referred[0]["subjectKind"], "UNIT");
    let mut items: Vec<&str> = referred[0]["itemIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    items.sort();
    let mut want = [first.as_str(), second.as_str()];
    want.sort();
    assert_eq!(items, want);

    // An appeal upheld later takes the 差评 out of the figures; the referral stays for the
    // commission to close, and no second one is made.
    let rating = current_rating(&app, &first).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&appeal(&app, "qingshi-leader", &rating).await);
    ok(&decide(&app, &rating, true).await);
    app.settle().await.unwrap();
    evaluation.refer_by_rules().await.unwrap();
    assert_eq!(rating_referrals(&app).await.len(), 1);
}
