//! A county's notice rules: who a kind reaches (DISCIPLINE among them) and whether it must
//! be acknowledged, how long before an unanswered one climbs, set only by its supervisors
//! and admins, checked, versioned and audited; a campaign's new phase reaches the leaders
//! of every unit it covers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::ISSUE;
use duban_tests::{at_nine, count_rows, error_code, query_pairs, TestApp};
use serde_json::{json, Value};

const RULE: &str = "mutation($i: SetNotificationRuleInput!) { setNotificationRule(input: $i) { version kinds { kind audiences requiresAck } } }";
const SETTINGS: &str = "mutation($i: SetNotificationSettingsInput!) { setNotificationSettings(input: $i) { version escalateAfterWorkingHours digestThreshold quietFrom } }";

/// (recipient, requires ack) of the notices of `kind` about `id`.
async fn told(app: &TestApp, kind: &str, id: &str) -> Vec<(String, bool)> {
    app.settle().await.unwrap();
    let sql = format!(
        "SELECT recipient_id, requires_ack FROM notification WHERE kind = '{kind}' AND assignment_id = '{id}' ORDER BY recipient_id"
    );
    query_pairs(&app.databases.notifications, &sql)
        .await
        .unwrap()
}

async fn issue(app: &TestApp, sup: &str, title: &str) -> String {
    let input = json!({"title": title, "description": "对照清单落实", "source": "LEADER_INSTRUCTION",
        "leadUnitId": "qingshi-dzb", "responsiblePersonId": "p-qingshi-clerk", "timeLimitDays": 10});
    let b = app.ask(sup, ISSUE, json!({ "input": input })).await;
    b["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{b}"))
        .to_string()
}

fn settings(hours: i32, version: Value) -> Value {
    json!({"i": {"escalateAfterWorkingHours": hours, "digestThreshold": 5, "digestMinutes": 10,
        "quietFrom": "20:00", "quietUntil": "08:00", "expectedVersion": version}})
}

#[actix_web::test]
async fn a_county_sends_a_kind_where_it_chooses_and_decides_whether_it_is_answered() {
    let (clock, app) = at_nine(2026, 11, 30).await; // Monday 09:00
    let ttl = 31 * 86_400;
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let clerk = app.token_with_ttl("qingshi-clerk", ttl).await.unwrap();

    // By default the 督办通知 reaches the 责任人 (to answer) and his office's leader.
    let before = issue(&app, &sup, "默认规则").await;
    assert_eq!(
        told(&app, "SUPERVISION_NOTICE", &before).await,
        [
            ("p-qingshi-clerk".to_string(), true),
            ("p-qingshi-leader".to_string(), false)
        ]
    );

    // Only supervisors and admins set rules; a bad one is named.
    // Audiences named twice are kept once.
    let rule = json!({"i": {"kind": "SUPERVISION_NOTICE", "audiences": ["RESPONSIBLE", "ISSUER", "DISCIPLINE", "RESPONSIBLE", "ISSUER"], "requiresAck": false}});
    let b = app.ask(&clerk, RULE, rule.clone()).await;
    assert_eq!(error_code(&b), Some("FORBIDDEN"), "{b}");
    let bad = json!({"i": {"kind": "SUPERVISION_NOTICE", "audiences": ["UNIT_LEADERS"], "requiresAck": true}});
    let b = app.ask(&sup, RULE, bad).await;
    assert_eq!(b["errors"][0]["extensions"]["field"], "requiresAck", "{b}");
    let b = app.ask(&sup, RULE, rule).await;
    assert_eq!(b["data"]["setNotificationRule"]["version"], 1, "{b}");
    assert_eq!(
        b["data"]["setNotificationRule"]["kinds"][0]["audiences"],
        json!(["RESPONSIBLE", "ISSUER", "DISCIPLINE"]),
        "{b}"
    );

    // Now it reaches the 责任人 (not to answer), the issuer and the county's 纪委, and not
    // the office's leader.
    let after = issue(&app, &sup, "县定规则").await;
    assert_eq!(
        told(&app, "SUPERVISION_NOTICE", &after).await,
        [
            ("p-county-discipline".to_string(), false),
            ("p-county-supervisor".to_string(), false),
            ("p-qingshi-clerk".to_string(), false)
        ]
    );
    // Nothing to answer, so nothing climbs.
    clock.advance(chrono::Duration::days(3));
    app.escalate().await.unwrap();
    let climbed = count_rows(
        &app.databases.notifications,
        &format!("SELECT count(*) FROM notification WHERE kind = 'ESCALATION_NOTICE' AND assignment_id = '{after}'"),
    )
    .await
    .unwrap();
    assert_eq!(climbed, 0);
    let audited = app.audited("NotificationRulesChanged").await.unwrap();
    assert_eq!(audited, ["duban.notifications.v1"]);
}

#[actix_web::test]
async fn a_county_that_waits_two_office_hours_escalates_after_two() {
    let (clock, app) = at_nine(2026, 11, 30).await; // Monday 09:00
    let ttl = 31 * 86_400;
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let b = app.ask(&sup, SETTINGS, settings(0, json!(0))).await;
    assert_eq!(
        b["errors"][0]["extensions"]["field"], "escalateAfterWorkingHours",
        "{b}"
    );
    let b = app.ask(&sup, SETTINGS, settings(2, json!(0))).await;
    assert_eq!(
        b["data"]["setNotificationSettings"]["escalateAfterWorkingHours"], 2,
        "{b}"
    );
    let stale = app.ask(&sup, SETTINGS, settings(3, json!(0))).await;
    assert_eq!(error_code(&stale), Some("VERSION_CONFLICT"), "{stale}");

    let id = issue(&app, &sup, "两小时未回复").await;
    app.settle().await.unwrap();
    let escalate = || async {
        app.escalate().await.unwrap();
        count_rows(
            &app.databases.notifications,
            &format!("SELECT count(*) FROM notification WHERE kind = 'ESCALATION_NOTICE' AND assignment_id = '{id}'"),
        )
        .await
        .unwrap()
    };
    clock.advance(chrono::Duration::minutes(119)); // 10:59
    assert_eq!(escalate().await, 0);
    clock.advance(chrono::Duration::minutes(1)); // 11:00: two office hours
    assert_eq!(escalate().await, 1);
}

#[actix_web::test]
async fn a_campaigns_new_phase_reaches_the_leaders_of_every_unit_it_covers() {
    let (_clock, app) = at_nine(2026, 11, 30).await;
    app.settle().await.unwrap();
    // The seeds' campaign covers the county and is in its third phase (6/10–12/10).
    assert_eq!(app.assignments.campaign_tick().await.unwrap(), 1);
    app.settle().await.unwrap();
    let leaders = count_rows(
        &app.databases.notifications,
        "SELECT count(*) FROM directory_person WHERE unit_leader AND active",
    )
    .await
    .unwrap();
    let told = count_rows(
        &app.databases.notifications,
        "SELECT count(*) FROM notification WHERE kind = 'CAMPAIGN_PHASE'",
    )
    .await
    .unwrap();
    assert!(leaders > 1);
    assert_eq!(told, leaders, "one notice to each unit's leader");
    let body = count_rows(
        &app.databases.notifications,
        "SELECT count(*) FROM notification WHERE kind = 'CAMPAIGN_PHASE' AND recipient_id = 'p-qingshi-leader' AND body LIKE '%2026年12月10日前报送%'",
    )
    .await
    .unwrap();
    assert_eq!(body, 1, "with its report deadline");
}

#[actix_web::test]
async fn a_campaigns_report_is_reminded_two_working_days_before_it_is_due_once() {
    // The seeds' campaign wants its 专项整治工作总结 by Thursday 10 December 2026.
    let (clock, app) = at_nine(2026, 12, 7).await; // Monday: three working days left
    app.settle().await.unwrap();
    let remind = || async {
        app.running
            .as_ref()
            .unwrap()
            .notifications
            .remind_campaign_reports()
            .await
            .unwrap();
        app.settle().await.unwrap();
        count_rows(
            &app.databases.notifications,
            "SELECT count(*) FROM notification WHERE kind = 'CAMPAIGN_REPORT_DUE' AND recipient_id = 'p-qingshi-leader'",
        )
        .await
        .unwrap()
    };
    assert_eq!(remind().await, 0);
    clock.advance(chrono::Duration::days(1)); // Tuesday: two left
    assert_eq!(remind().await, 1);
    assert_eq!(remind().await, 1, "once");
    clock.advance(chrono::Duration::days(1));
    assert_eq!(remind().await, 1, "once per report, not once a day");
    let body = count_rows(
        &app.databases.notifications,
        "SELECT count(*) FROM notification WHERE kind = 'CAMPAIGN_REPORT_DUE' AND body LIKE '%专项整治工作总结%还剩2个工作日%'",
    )
    .await
    .unwrap();
    assert!(body >= 1);
}
