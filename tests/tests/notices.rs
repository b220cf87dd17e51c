//! Notices reach everyone the seeds make answerable (科室负责人负直接责任、分管领导负领导责任):
//! the 责任人, the lead unit's leader and the 责任人's 分管领导 each get the 督办通知, the
//! suspension and the withdrawal once, however many ways the rule reaches them; a
//! resumption tells the 责任人 the new limit; a unit that hands an item on is told it
//! is off its books. Every kind is its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::{command, inbox, update_person, ISSUE};
use duban_tests::{at_nine, count_rows, query_rows, TestApp};
use serde_json::json;

/// Notices of `kind` about `id`: recipient, in order.
async fn to(app: &TestApp, kind: &str, id: &str) -> Vec<String> {
    app.settle().await.unwrap();
    let sql = format!(
        "SELECT recipient_id FROM notification WHERE kind = '{kind}' AND assignment_id = '{id}' ORDER BY recipient_id"
    );
    let rows = query_rows(&app.databases.notifications, &sql)
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

#[actix_web::test]
async fn notices_reach_the_responsible_their_unit_leader_and_their_supervising_leader() {
    let (clock, app) = at_nine(2026, 3, 9).await;
    let admin = app
        .token_with_ttl("county-admin", 31 * 86_400)
        .await
        .unwrap();
    let sup = app
        .token_with_ttl("county-supervisor", 31 * 86_400)
        .await
        .unwrap();
    let baisha = app
        .token_with_ttl("baisha-clerk", 31 * 86_400)
        .await
        .unwrap();
    // 张伟 (p-qingshi-clerk) answers to 王建国 as 分管领导; 李明 leads his office.
    let change = json!({"supervisingLeaderId": "p-county-supervisor"});
    let up = update_person(&app, &admin, "p-qingshi-clerk", change).await;
    assert!(up["errors"].is_null(), "{up}");
    let issue = |unit: &'static str, responsible: Option<&'static str>| {
        let (app, sup) = (&app, sup.clone());
        async move {
            let mut input = json!({"title": "通知对象测试", "description": "对照清单落实",
                "source": "LEADER_INSTRUCTION", "leadUnitId": unit, "timeLimitDays": 5});
            if let Some(r) = responsible {
                input["responsiblePersonId"] = json!(r);
            }
            let b = app.ask(&sup, ISSUE, json!({ "input": input })).await;
            b["data"]["issueAssignment"]["assignment"].clone()
        }
    };
    let a = issue("qingshi-dzb", Some("p-qingshi-clerk")).await;
    let id = a["id"].as_str().unwrap().to_string();
    let answerable = ["p-county-supervisor", "p-qingshi-clerk", "p-qingshi-leader"];
    assert_eq!(to(&app, "SUPERVISION_NOTICE", &id).await, answerable);

    let clerk = app
        .token_with_ttl("qingshi-clerk", 31 * 86_400)
        .await
        .unwrap();
    let a = command(
        &app,
        &clerk,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": id, "expectedVersion": 1}),
    )
    .await;
    let a = command(
        &app,
        &sup,
        "suspendAssignment",
        "AssignmentReasonInput",
        json!({"id": id, "expectedVersion": a["version"], "reason": "等待上级答复"}),
    )
    .await;
    assert_eq!(to(&app, "SUSPENSION_NOTICE", &id).await, answerable);
    clock.advance(chrono::Duration::days(2));
    let a = command(
        &app,
        &sup,
        "resumeAssignment",
        "AssignmentVersionInput",
        json!({"id": id, "expectedVersion": a["version"]}),
    )
    .await;
    assert_eq!(
        to(&app, "RESUMPTION_NOTICE", &id).await,
        ["p-qingshi-clerk"]
    );
    let body = count_rows(
        &app.databases.notifications,
        &format!(
            "SELECT count(*) FROM notification WHERE kind = 'RESUMPTION_NOTICE' AND assignment_id = '{id}' AND body LIKE '%顺延2个工作日至2026年03月18日%'"
        ),
    )
    .await
    .unwrap();
    assert_eq!(body, 1, "the resumption names the new limit");
    command(
        &app,
        &sup,
        "cancelAssignment",
        "AssignmentReasonInput",
        json!({"id": id, "expectedVersion": a["version"], "reason": "任务调整"}),
    )
    .await;
    assert_eq!(to(&app, "CANCELLATION_NOTICE", &id).await, answerable);
    assert!(to(&app, "VERIFICATION_RESULT", &id).await.is_empty());

    // baisha hands an item on: its leader is told it is off their books.
    let b = issue("baisha-dzb", None).await;
    let bid = b["id"].as_str().unwrap().to_string();
    let m = command(
        &app,
        &baisha,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": bid, "expectedVersion": 1}),
    )
    .await;
    let m = command(&app, &baisha, "requestTransfer", "RequestTransferInput", json!({"id": bid, "expectedVersion": m["version"], "toUnitId": "qingshi-dzb", "reason": "属青石镇职责"})).await;
    command(
        &app,
        &sup,
        "decideTransfer",
        "DecideTransferInput",
        json!({"id": bid, "expectedVersion": m["version"], "approve": true}),
    )
    .await;
    assert_eq!(
        to(&app, "TRANSFERRED_AWAY", &bid).await,
        ["p-baisha-leader"]
    );
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_notice_that_asks_for_it_is_acknowledged_once_and_its_sender_sees_who() {
    let app = duban_tests::spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let other = app.token("baisha-clerk").await.unwrap();
    let b = app
        .ask(
            &sup,
            ISSUE,
            json!({"input": {"title": "回音测试", "description": "对照清单落实", "source": "LEADER_INSTRUCTION",
                             "leadUnitId": "qingshi-dzb", "timeLimitDays": 5, "responsiblePersonId": "p-qingshi-clerk"}}),
        )
        .await;
    let id = b["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.settle().await.unwrap();
    let clerk_inbox = inbox(
        &app,
        &clerk,
        "id kind assignmentId requiresAck acknowledgedAt",
    )
    .await;
    let notice = clerk_inbox
        .iter()
        .find(|n| n["assignmentId"] == id.as_str() && n["kind"] == "SUPERVISION_NOTICE")
        .unwrap_or_else(|| panic!("{clerk_inbox:?}"))
        .clone();
    assert_eq!(notice["requiresAck"], true);
    assert!(notice["acknowledgedAt"].is_null());
    let ack = "mutation($i: MarkNotificationReadInput!) { acknowledgeNotification(input: $i) { notification { acknowledgedAt readAt } } }";
    // Someone else's notice is not theirs to acknowledge.
    let stranger = app
        .ask(&other, ack, json!({"i": {"id": notice["id"]}}))
        .await;
    assert_eq!(
        stranger["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{stranger}"
    );
    let first = app
        .ask(&clerk, ack, json!({"i": {"id": notice["id"]}}))
        .await;
    let at = first["data"]["acknowledgeNotification"]["notification"]["acknowledgedAt"].clone();
    assert!(at.is_string(), "{first}");
    assert!(first["data"]["acknowledgeNotification"]["notification"]["readAt"].is_string());
    let again = app
        .ask(&clerk, ack, json!({"i": {"id": notice["id"]}}))
        .await;
    assert_eq!(
        again["data"]["acknowledgeNotification"]["notification"]["acknowledgedAt"],
        at
    );
    app.settle().await.unwrap();
    assert_eq!(
        app.audited("NotificationAcknowledged").await.unwrap().len(),
        1,
        "acknowledged once, audited once"
    );

    // The sender sees on the item who was told and who acknowledged.
    let seen = app
        .ask(
            &sup,
            "query($id: ID!) { assignment(id: $id) { notices { recipientId kind requiresAck acknowledgedAt } } }",
            json!({"id": id}),
        )
        .await;
    let notices = seen["data"]["assignment"]["notices"]
        .as_array()
        .unwrap_or_else(|| panic!("{seen}"));
    let of = |who: &str| {
        notices
            .iter()
            .find(|n| n["recipientId"] == who && n["kind"] == "SUPERVISION_NOTICE")
            .unwrap_or_else(|| panic!("{seen}"))
    };
    assert_eq!(of("p-qingshi-clerk")["acknowledgedAt"], at);
    assert!(of("p-qingshi-leader")["acknowledgedAt"].is_null());
    // The leader's is a copy (抄送): for information, not to be answered or escalated.
    assert_eq!(of("p-qingshi-leader")["requiresAck"], false);

    // A page of items cannot each ask for their notices: that costs too much.
    let wide = app
        .read(
            &sup,
            "{ assignments(first: 100) { edges { node { notices { recipientId } } } } }",
        )
        .await;
    assert_eq!(
        duban_tests::error_code(&wide),
        Some("QUERY_TOO_COMPLEX"),
        "{wide}"
    );

    // A receipt to the issuer asks for no answer.
    let sup_inbox = inbox(&app, &sup, "id kind requiresAck").await;
    let plain = sup_inbox
        .iter()
        .find(|n| n["requiresAck"] == false)
        .unwrap_or_else(|| panic!("{sup_inbox:?}"))
        .clone();
    let refused = app.ask(&sup, ack, json!({"i": {"id": plain["id"]}})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "id",
        "{refused}"
    );
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_problems_responsible_leader_hears_that_it_is_listed() {
    let app = duban_tests::spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let b = app
        .ask(
            &sup,
            "mutation($i: RegisterProblemInput!) { registerProblem(input: $i) { problem { id } } }",
            json!({"i": {"category": "慢作为", "source": "SELF_FOUND", "description": "责任领导通知测试",
                "causeAnalysis": "担当不足", "measures": ["限时办结"], "unitId": "qingshi-dzb",
                "responsiblePersonId": "p-qingshi-clerk", "responsibleLeaderId": "p-qingshi-supervisor",
                "timeLimitDays": 3}}),
        )
        .await;
    let id = b["data"]["registerProblem"]["problem"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{b}"))
        .to_string();
    app.settle().await.unwrap();
    let told = |who: &'static str| {
        let (db, id) = (app.databases.notifications.clone(), id.clone());
        async move {
            count_rows(
                &db,
                &format!("SELECT count(*) FROM notification WHERE kind = 'PROBLEM_NOTICE' AND problem_id = '{id}' AND recipient_id = '{who}'"),
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(told("p-qingshi-clerk").await, 1);
    assert_eq!(told("p-qingshi-supervisor").await, 1);
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn the_live_stream_carries_the_acknowledgement_too() {
    let (_clock, app) = at_nine(2026, 3, 9).await;
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    app.settle().await.unwrap();
    let mut conn = duban_tests::scenarios::subscribe(
        &app,
        &clerk,
        "subscription { notificationReceived { id kind requiresAck acknowledgedAt } }",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let input = json!({"input": {"title": "实时回音", "leadUnitId": "qingshi-dzb",
        "responsiblePersonId": "p-qingshi-clerk", "timeLimitDays": 5}});
    app.ok(&sup, ISSUE, input).await;
    let heard = duban_tests::scenarios::next_text(&mut conn).await;
    let notice = heard["payload"]["data"]["notificationReceived"].clone();
    assert_eq!(notice["kind"], "SUPERVISION_NOTICE", "{heard}");
    assert!(notice["acknowledgedAt"].is_null());
    let ack = "mutation($i: MarkNotificationReadInput!) { acknowledgeNotification(input: $i) { notification { id } } }";
    app.ok(&clerk, ack, json!({"i": {"id": notice["id"]}}))
        .await;
    let heard = duban_tests::scenarios::next_text(&mut conn).await;
    let again = &heard["payload"]["data"]["notificationReceived"];
    assert_eq!(again["id"], notice["id"], "{heard}");
    assert!(again["acknowledgedAt"].is_string(), "{heard}");
}
