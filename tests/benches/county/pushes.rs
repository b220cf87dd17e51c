//! From an issue's commit to its notice delivered to a webhook on loopback.

use duban_tests::scenarios::ISSUE;
use duban_tests::TestApp;
use serde_json::json;
use std::time::Duration;

/// From an issue's commit to its 督办通知 delivered to a webhook on loopback (the
/// receiver's 200 recorded): `n` 特急 items (not held by quiet hours), the county's digest
/// threshold raised so none is gathered.
pub(crate) async fn webhook_latency(app: &TestApp, n: usize) -> Vec<f64> {
    let sup = app.token("county-supervisor").await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let http = awc::Client::default();
    let receiver = duban_tests::receivers::HttpReceiver::start((200, "{}"), Duration::ZERO).await;
    let settings = json!({"i": {"escalateAfterWorkingHours": 4, "digestThreshold": 100,
        "digestMinutes": 1, "quietFrom": "20:00", "quietUntil": "08:00"}});
    crate::gql(&http, &app.url, &sup, "mutation($i: SetNotificationSettingsInput!) { setNotificationSettings(input: $i) { version } }", settings).await.unwrap();
    let made = crate::gql(
        &http,
        &app.url,
        &admin,
        "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }",
        json!({"i": {"name": "时延", "channel": "WEBHOOK", "url": format!("{}/hook", receiver.url),
            "kinds": ["SUPERVISION_NOTICE"], "scopeUnitId": "qingshi-dzb"}}),
    )
    .await
    .unwrap();
    let hook = made["data"]["createWebhook"]["webhook"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tag = format!("推送{}", uuid::Uuid::now_v7().simple());
    for i in 0..n {
        crate::gql(
            &http,
            &app.url,
            &sup,
            ISSUE,
            json!({"input": {"title": format!("{tag}-{i}"), "leadUnitId": "qingshi-dzb",
            "urgency": "VERY_URGENT", "timeLimitDays": 10}}),
        )
        .await
        .unwrap();
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    app.settle().await.unwrap();
    let delivered = format!(
        "SELECT count(*) FROM delivery WHERE channel_id = '{hook}' AND status = 'DELIVERED'"
    );
    for _ in 0..600 {
        if duban_tests::count_rows(&app.databases.notifications, &delivered)
            .await
            .unwrap()
            >= n as i64
        {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let v = crate::since_issue(
        app,
        &tag,
        &format!("SELECT n.assignment_id, d.delivered_at FROM delivery d JOIN notification n ON n.id = d.notification_id WHERE d.channel_id = '{hook}' AND d.status = 'DELIVERED'"),
    )
    .await;
    assert_eq!(v.len(), n, "every push delivered");
    crate::gql(
        &http,
        &app.url,
        &admin,
        "mutation($i: PushIdInput!) { deleteWebhook(input: $i) { webhook { id } } }",
        json!({"i": {"id": hook}}),
    )
    .await
    .unwrap();
    v
}
