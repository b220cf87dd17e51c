//! 线索移送 on a manual clock: who may refer and who may handle a referral; a referral by
//! hand left unsigned past its time limit (reminded before and after, late on record); an
//! item red for more than ten working days referred once by the rule, signed for, disposed
//! under the county's own time limit and concluded within it, linked to the accountability
//! record it led to; the referrer seeing the state and never the commission's notes; the
//! evidence — the item's history — verified against the signed audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::{inbox, ISSUE};
use duban_tests::{at_nine, error_code, TestApp};
use serde_json::{json, Value};

const REFER: &str = "mutation($i: ReferClueInput!) { referClue(input: $i) { id stage cause } }";
const ONE: &str = "query($id: ID!) { referral(id: $id) { id cause stage dueOn overdue
  receivedLate concludedLate disposition notes accountabilityRecordId itemIds } }";

fn ok(v: &Value) {
    assert!(v["errors"].is_null(), "{v}");
}

async fn one(app: &TestApp, token: &str, id: &str) -> Value {
    let v = app.ask(token, ONE, json!({"id": id})).await;
    ok(&v);
    v["data"]["referral"].clone()
}

async fn step(app: &TestApp, token: &str, mutation: &str, vars: Value) -> Value {
    app.ask(token, mutation, vars).await
}

const RECEIVE: &str =
    "mutation($id: ID!, $n: String!) { receiveReferral(id: $id, note: $n) { stage receivedLate dueOn } }";
const DISPOSE: &str = "mutation($id: ID!, $d: Disposition!, $n: String!) {
  disposeReferral(id: $id, disposition: $d, note: $n) { stage disposition dueOn } }";
const CONCLUDE: &str = "mutation($id: ID!, $r: ID) {
  concludeReferral(id: $id, note: \"已办结\", accountabilityRecordId: $r) { stage concludedLate accountabilityRecordId } }";

async fn tick(app: &TestApp) -> (usize, usize) {
    let evaluation = &app.running.as_ref().unwrap().evaluation;
    evaluation.reassess().await.unwrap();
    let referred = evaluation.refer_by_rules().await.unwrap();
    let reminded = evaluation.remind_referrals().await.unwrap();
    app.settle().await.unwrap();
    (referred, reminded)
}

async fn notices(app: &TestApp, who: &str, kind: &str) -> usize {
    let t = app.token(who).await.unwrap();
    inbox(app, &t, "kind")
        .await
        .iter()
        .filter(|n| n["kind"] == kind)
        .count()
}

#[actix_web::test]
async fn a_red_item_aging_past_the_rule_is_referred_once_and_handled_in_time() {
    let (clock, app) = at_nine(2026, 3, 2).await;
    referral_end_to_end(clock, app).await;
}

#[actix_web::test]
async fn the_same_referral_on_postgresql_and_kafka() {
    let (clock, app) = duban_tests::on_postgres_and_kafka_at_nine(2026, 3, 2)
        .await
        .unwrap();
    referral_end_to_end(clock, app).await;
}

async fn referral_end_to_end(clock: duban_clock::ManualClock, app: TestApp) {
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let disc = app.token("county-discipline").await.unwrap();

    // Monday 2 March: an item due Wednesday, left to run past its limit.
    let issued = app
        .ask(
            &sup,
            ISSUE,
            json!({"input": {"title": "清理积压审批件", "description": "按要求办理",
                             "source": "LEADER_INSTRUCTION", "leadUnitId": "qingshi-dzb",
                             "timeLimitDays": 2}}),
        )
        .await;
    ok(&issued);
    let item = issued["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.settle().await.unwrap();

    // Who may refer: a supervisor of the scope; nobody else.
    let by_hand = json!({"i": {"subjectKind": "PERSON", "subjectId": "p-qingshi-leader",
        "itemIds": [item], "grounds": "多次催办仍未落实，疑似敷衍塞责"}});
    for who in [
        "county-discipline",
        "county-admin",
        "qingshi-leader",
        "qingshi-clerk",
    ] {
        let t = app.token(who).await.unwrap();
        let v = app.ask(&t, REFER, by_hand.clone()).await;
        assert_eq!(error_code(&v), Some("FORBIDDEN"), "{who}: {v}");
    }
    let bad = app
        .ask(
            &sup,
            REFER,
            json!({"i": {"subjectKind": "PERSON", "subjectId": "p-qingshi-leader",
                "itemIds": [], "grounds": "x"}}),
        )
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"), "{bad}");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "itemIds", "{bad}");
    let manual = app.ask(&sup, REFER, by_hand).await;
    ok(&manual);
    let manual = manual["data"]["referClue"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.settle().await.unwrap();
    assert_eq!(
        notices(&app, "county-discipline", "REFERRAL_NOTICE").await,
        1
    );
    // Who may handle it: the commission; nobody else.
    for who in ["county-supervisor", "county-admin", "qingshi-leader"] {
        let t = app.token(who).await.unwrap();
        let v = step(&app, &t, RECEIVE, json!({"id": manual, "n": ""})).await;
        assert_eq!(error_code(&v), Some("FORBIDDEN"), "{who}: {v}");
    }
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let v = app.read(&clerk, "{ referrals { id } }").await;
    assert_eq!(error_code(&v), Some("FORBIDDEN"), "{v}");
    let r = one(&app, &disc, &manual).await;
    assert_eq!(r["dueOn"], "2026-03-05", "签收 within three working days");

    // Wednesday: due tomorrow, the commission is reminded once.
    clock.advance(chrono::Duration::days(2));
    let (_, reminded) = tick(&app).await;
    assert_eq!(reminded, 1);
    assert_eq!(tick(&app).await.1, 0, "reminded once");
    // Its item ran behind its time: red, since Tuesday (when its lag crossed the line).
    let color = app
        .gql(
            Some(&app.token("county-supervisor").await.unwrap()),
            "query($id: ID!) { assignment(id: $id) { color } }",
            json!({"id": item}),
        )
        .await
        .unwrap();
    assert_eq!(color["data"]["assignment"]["color"], "RED", "{color}");
    // Friday: late, reminded again; the referrer never sees the lateness.
    clock.advance(chrono::Duration::days(2));
    assert_eq!(tick(&app).await.1, 1);
    let disc = app.token("county-discipline").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    assert_eq!(notices(&app, "county-discipline", "REFERRAL_DUE").await, 2);
    assert_eq!(one(&app, &disc, &manual).await["overdue"], true);
    assert_eq!(one(&app, &sup, &manual).await["overdue"], false);
    let late = step(&app, &disc, RECEIVE, json!({"id": manual, "n": "逾期签收"})).await;
    ok(&late);
    assert_eq!(late["data"]["receiveReferral"]["receivedLate"], true);
    let closed = step(
        &app,
        &disc,
        DISPOSE,
        json!({"id": manual, "d": "CLOSED", "n": "经分析，已由督查部门督促整改"}),
    )
    .await;
    ok(&closed);
    assert_eq!(closed["data"]["disposeReferral"]["dueOn"], "2026-03-13");
    let again = step(
        &app,
        &disc,
        DISPOSE,
        json!({"id": manual, "d": "TALK_OR_LETTER", "n": ""}),
    )
    .await;
    assert_eq!(
        error_code(&again),
        Some("VALIDATION"),
        "one disposition: {again}"
    );

    // Tuesday 17 March: red since 3 March for ten working days — not yet referred; the
    // 予以了结 is past its limit and shows on the board.
    clock.advance(chrono::Duration::days(11));
    tick(&app).await;
    let disc = app.token("county-discipline").await.unwrap();
    let long_red = |list: &Value| -> Vec<Value> {
        list["data"]["referrals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["cause"] == "LONG_RED" && r["itemIds"][0] == item.as_str())
            .cloned()
            .collect()
    };
    let all = "{ referrals { id cause itemIds stage grounds } }";
    let list = app.read(&disc, all).await;
    assert!(
        long_red(&list).is_empty(),
        "ten working days are not more than ten: {:?}",
        long_red(&list)
    );
    let board = app
        .read(
            &disc,
            "{ board(scope: \"qs\") { rows { unit { id } referrals { open overdue concluded } } } }",
        )
        .await;
    ok(&board);
    let qingshi = board["data"]["board"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"]["id"] == "qingshi")
        .unwrap()["referrals"]
        .clone();
    assert!(qingshi["overdue"].as_i64().unwrap() >= 1, "{qingshi}");
    let done = step(&app, &disc, CONCLUDE, json!({"id": manual, "r": null})).await;
    ok(&done);
    assert_eq!(done["data"]["concludeReferral"]["concludedLate"], true);

    // Wednesday 18 March: more than ten working days red — referred by the rule, once.
    clock.advance(chrono::Duration::days(1));
    tick(&app).await;
    tick(&app).await;
    let disc = app.token("county-discipline").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let list = app.read(&disc, all).await;
    let referred = long_red(&list);
    assert_eq!(referred.len(), 1, "referred once: {list}");
    let rid = referred[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        referred[0]["grounds"],
        "「清理积压审批件」自2026年03月03日起红牌督办，超过10个工作日仍未办结"
    );

    // The county sets 初步核实 to five working days; received and disposed within limits.
    let settings = app
        .read(
            &disc,
            "{ referralSettings { redDays falsificationCategory badRatingsPerQuarter
            buckPassingPerQuarter receiptDays talkDays checkDays shelvedDays closingDays } }",
        )
        .await;
    let mut s = settings["data"]["referralSettings"].clone();
    assert_eq!(s["redDays"], 10);
    s["checkDays"] = json!(5);
    let set = app
        .ask(
            &sup,
            "mutation($s: ReferralSettingsInput!) { setReferralSettings(settings: $s) { checkDays } }",
            json!({"s": s}),
        )
        .await;
    assert_eq!(error_code(&set), Some("FORBIDDEN"), "{set}");
    let set = app
        .ask(
            &disc,
            "mutation($s: ReferralSettingsInput!) { setReferralSettings(settings: $s) { checkDays } }",
            json!({"s": s}),
        )
        .await;
    ok(&set);
    ok(&step(&app, &disc, RECEIVE, json!({"id": rid, "n": "已签收"})).await);
    let checked = step(
        &app,
        &disc,
        DISPOSE,
        json!({"id": rid, "d": "PRELIMINARY_CHECK", "n": "内部：拟约谈党政办主任"}),
    )
    .await;
    ok(&checked);
    assert_eq!(checked["data"]["disposeReferral"]["dueOn"], "2026-03-25");

    // The check leads to accountability; 办结 within the limit links the record.
    clock.advance(chrono::Duration::days(5));
    let disc = app.token("county-discipline").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let record = app
        .ask(
            &disc,
            "mutation($i: RecordAccountabilityInput!) { recordAccountability(input: $i) { id } }",
            json!({"i": {"subjectKind": "PERSON", "subjectId": "p-qingshi-leader",
                "form": "提醒谈话", "grounds": "红牌事项超期未办", "decidedOn": "2026-03-23",
                "decidedBy": "县纪委监委", "referralId": rid, "itemIds": [item]}}),
        )
        .await;
    ok(&record);
    let record_id = record["data"]["recordAccountability"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = step(
        &app,
        &disc,
        CONCLUDE,
        json!({"id": rid, "r": "nonexistent"}),
    )
    .await;
    assert_eq!(error_code(&wrong), Some("VALIDATION"), "{wrong}");
    let done = step(&app, &disc, CONCLUDE, json!({"id": rid, "r": record_id})).await;
    ok(&done);
    assert_eq!(done["data"]["concludeReferral"]["concludedLate"], false);
    let full = one(&app, &disc, &rid).await;
    assert_eq!(full["receivedLate"], false);
    assert_eq!(full["disposition"], "PRELIMINARY_CHECK");
    assert_eq!(
        full["notes"],
        json!(["已签收", "内部：拟约谈党政办主任", "已办结"])
    );
    assert_eq!(full["accountabilityRecordId"], record_id.as_str());
    // The referrer reads the state and nothing of the commission's.
    let seen = one(&app, &sup, &rid).await;
    assert_eq!(seen["stage"], "CONCLUDED");
    assert_eq!(seen["notes"], json!([]));
    assert!(seen["disposition"].is_null() && seen["accountabilityRecordId"].is_null());

    // The evidence: the item's history up to the referral, proven in the signed log.
    app.settle().await.unwrap();
    let ev = app
        .ask(
            &disc,
            "query($id: ID!) { referral(id: $id) { evidence { treeSize bundle
               entries { eventType aggregateId } } } }",
            json!({"id": rid}),
        )
        .await;
    ok(&ev);
    let e = &ev["data"]["referral"]["evidence"];
    let types: Vec<&str> = e["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types.first(), Some(&"AssignmentIssued"), "{types:?}");
    assert_eq!(types.last(), Some(&"ClueReferred"), "{types:?}");
    assert!(types.contains(&"ColorChanged"), "the red card: {types:?}");
    assert!(
        !types.contains(&"ReferralReceived"),
        "sealed at the referral: {types:?}"
    );
    let bundle: duban_audit::bundle::Bundle =
        serde_json::from_str(e["bundle"].as_str().unwrap()).unwrap();
    assert_eq!(
        duban_audit::bundle::verify(&bundle, None).unwrap(),
        types.len()
    );
    let hidden = app
        .ask(
            &sup,
            "query($id: ID!) { referral(id: $id) { evidence { treeSize } } }",
            json!({"id": rid}),
        )
        .await;
    assert_eq!(error_code(&hidden), Some("FORBIDDEN"), "{hidden}");
}
