//! Notices leave the inbox: through a signed webhook to a county platform (retried with
//! back-off and jitter from the database, dead-lettered after the last try, replayed once),
//! through 钉钉 and 企业微信 group robots in their own formats and signatures, and by
//! e-mail, each checked by a real receiver on loopback. Quiet hours hold what can wait;
//! a burst to one person becomes one digest; each channel keeps its concurrency limit;
//! the queue survives a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use chrono::{DateTime, FixedOffset};
use duban_clock::Clock as _;
use duban_tests::receivers::{HttpReceiver, SmtpReceiver};
use duban_tests::scenarios::ISSUE;
use duban_tests::{at_nine, error_code, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::time::Duration;

const CREATE: &str = "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id url kinds scopePath channel maxConcurrency } secret } }";
const DELIVERIES: &str = "query($w: ID!) { webhookDeliveries(webhookId: $w) { id status attempts nextAttemptAt lastError lastStatus held notificationId recipientId } }";
const REPLAY: &str =
    "mutation($i: PushIdInput!) { replayDelivery(input: $i) { delivery { id status attempts } } }";

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Runs the push queue once on the app's clock.
async fn deliver(app: &TestApp) {
    let n = &app.running.as_ref().unwrap().notifications;
    n.deliver_due().await.unwrap();
}

/// Runs the queue until `done` holds (the background sender may get there first).
async fn until(app: &TestApp, what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        app.settle().await.unwrap();
        deliver(app).await;
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Lets any push the background sender could make happen, then checks `still` holds.
async fn stays(app: &TestApp, what: &str, still: impl Fn() -> bool) {
    app.settle().await.unwrap();
    for _ in 0..3 {
        deliver(app).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(still(), "{what}");
}

async fn create(app: &TestApp, admin: &str, input: Value) -> Value {
    let b = app.ok(admin, CREATE, json!({ "i": input })).await;
    b["data"]["createWebhook"].clone()
}

async fn deliveries(app: &TestApp, admin: &str, webhook: &str) -> Vec<Value> {
    let b = app.ask(admin, DELIVERIES, json!({ "w": webhook })).await;
    b["data"]["webhookDeliveries"]
        .as_array()
        .unwrap_or_else(|| panic!("{b}"))
        .clone()
}

/// Issues an item to 青石镇党政办 with its leader 李明 as 责任人 (he leads the office and
/// has no 分管领导 set, so one 督办通知 goes out).
async fn issue(app: &TestApp, sup: &str, title: &str, urgency: &str) -> String {
    let input = json!({"title": title, "description": "对照清单落实",
        "source": "LEADER_INSTRUCTION", "leadUnitId": "qingshi-dzb", "urgency": urgency,
        "responsiblePersonId": "p-qingshi-leader", "timeLimitDays": 10});
    let b = app.ask(sup, ISSUE, json!({ "input": input })).await;
    b["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{b}"))
        .to_string()
}

fn at(v: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

#[actix_web::test]
async fn a_webhook_is_signed_retried_with_spaced_backoff_dead_lettered_and_replayed_once() {
    let (clock, app) = at_nine(2026, 11, 30).await; // Monday 09:00
    let ttl = 31 * 86_400;
    let admin = app.token_with_ttl("county-admin", ttl).await.unwrap();
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let clerk = app.token_with_ttl("qingshi-clerk", ttl).await.unwrap();
    let platform = HttpReceiver::start((500, "{}"), Duration::ZERO).await;

    // Only an admin adds channels, and a bad endpoint is named.
    let input = json!({"name": "县政务平台", "channel": "WEBHOOK", "url": format!("{}/hook", platform.url),
        "kinds": ["SUPERVISION_NOTICE"], "scopeUnitId": "qingshi-dzb"});
    let refused = app.ask(&clerk, CREATE, json!({"i": input})).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let mut bad = input.clone();
    bad["url"] = json!("ftp://127.0.0.1/hook");
    let refused = app.ask(&admin, CREATE, json!({"i": bad})).await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "url");

    let made = create(&app, &admin, input).await;
    let hook = made["webhook"]["id"].as_str().unwrap().to_string();
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() > 40);
    let listed = app.read(&admin, "{ webhooks { id name url } }").await;
    assert_eq!(
        listed["data"]["webhooks"][0]["id"],
        hook.as_str(),
        "{listed}"
    );
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once"
    );

    issue(&app, &sup, "推送测试事项", "NORMAL").await;
    until(&app, "the first try", || platform.received().len() == 1).await;

    // Tries 2 to 8 come when the back-off says, not a second before.
    let schedule = [10i64, 60, 300, 1800, 7200, 21600, 43200];
    for (i, base) in schedule.iter().enumerate() {
        let list = deliveries(&app, &admin, &hook).await;
        assert_eq!(list.len(), 1, "{list:?}");
        let d = &list[0];
        assert_eq!(d["status"], "PENDING");
        assert_eq!(d["attempts"], (i + 1) as i64);
        assert_eq!(d["lastStatus"], 500);
        let wait = (at(&d["nextAttemptAt"]) - clock.now()).num_milliseconds();
        assert!(
            wait >= base * 800 - 1000 && wait <= base * 1200,
            "try {}: waits {wait} ms for a base of {base} s",
            i + 2
        );
        let next = at(&d["nextAttemptAt"]).with_timezone(&chrono::Utc);
        clock.set(next - chrono::Duration::seconds(1));
        stays(&app, "not before its time", || {
            platform.received().len() == i + 1
        })
        .await;
        // Shown to the second: the next try is due within the second after.
        clock.set(next + chrono::Duration::seconds(1));
        until(&app, "the next try", || platform.received().len() == i + 2).await;
    }
    let d = &deliveries(&app, &admin, &hook).await[0];
    assert_eq!(d["status"], "DEAD", "{d}");
    assert_eq!(d["attempts"], 8);
    assert!(
        d["lastError"].as_str().unwrap().contains("已重试8次"),
        "{d}"
    );
    clock.advance(chrono::Duration::days(3));
    stays(&app, "a dead letter is not tried again", || {
        platform.received().len() == 8
    })
    .await;

    // Every try: the same delivery id, a fresh timestamp, a valid signature over both.
    let id = d["id"].as_str().unwrap();
    for r in platform.received() {
        assert_eq!(r.headers["x-duban-delivery"], id);
        let ts = &r.headers["x-duban-timestamp"];
        let mut signed = format!("{ts}.").into_bytes();
        signed.extend_from_slice(&r.body);
        let expected = format!(
            "sha256={}",
            hex::encode(hmac_sha256(secret.as_bytes(), &signed))
        );
        assert_eq!(r.headers["x-duban-signature"], expected);
        let body = r.json();
        assert_eq!(body["type"], "duban.notifications");
        assert_eq!(body["deliveryId"], id);
        assert_eq!(body["digest"], false);
        assert_eq!(body["notices"][0]["kind"], "SUPERVISION_NOTICE");
        assert_eq!(body["notices"][0]["kindLabel"], "督办通知");
        assert_eq!(body["notices"][0]["recipientId"], "p-qingshi-leader");
        assert_eq!(body["notices"][0]["requiresAck"], true);
    }

    // A clerk cannot replay; the admin's replay delivers once.
    let refused = app.ask(&clerk, REPLAY, json!({"i": {"id": id}})).await;
    assert!(
        matches!(error_code(&refused), Some("FORBIDDEN" | "NOT_FOUND")),
        "{refused}"
    );
    platform.answer(204, "");
    let replayed = app.ask(&admin, REPLAY, json!({"i": {"id": id}})).await;
    assert_eq!(
        replayed["data"]["replayDelivery"]["delivery"]["status"], "PENDING",
        "{replayed}"
    );
    until(&app, "the replay", || platform.received().len() == 9).await;
    stays(&app, "a replay delivers once", || {
        platform.received().len() == 9
    })
    .await;
    let d = &deliveries(&app, &admin, &hook).await[0];
    assert_eq!(d["status"], "DELIVERED", "{d}");
    assert_eq!(d["attempts"], 1);
}

#[actix_web::test]
async fn robots_and_email_carry_their_own_format_signature_and_mentions() {
    let (_clock, app) = at_nine(2026, 11, 30).await;
    let ttl = 31 * 86_400;
    let admin = app.token_with_ttl("county-admin", ttl).await.unwrap();
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let clerk = app.token_with_ttl("qingshi-clerk", ttl).await.unwrap();
    let ok = r#"{"errcode":0,"errmsg":"ok"}"#;
    let ding = HttpReceiver::start((200, ok), Duration::ZERO).await;
    let wecom = HttpReceiver::start((200, ok), Duration::ZERO).await;
    let smtp = SmtpReceiver::start().await;
    let kinds = json!(["SUPERVISION_NOTICE"]);
    let d = create(&app, &admin, json!({"name": "青石镇督办群", "channel": "DINGTALK",
        "url": format!("{}/robot/send?access_token=tok123", ding.url), "secret": "SEC0123456789abcdef",
        "kinds": kinds, "scopeUnitId": "qingshi"})).await;
    assert_eq!(
        d["webhook"]["url"],
        format!("{}/robot/send?access_token=***", ding.url),
        "the token is masked"
    );
    create(&app, &admin, json!({"name": "青石镇企业微信群", "channel": "WECOM",
        "url": format!("{}/cgi-bin/webhook/send?key=k1", wecom.url), "kinds": kinds, "scopeUnitId": "qingshi"})).await;
    create(
        &app,
        &admin,
        json!({"name": "邮件", "channel": "EMAIL", "url": smtp.url,
        "sender": "duban@qingshi.gov.cn", "kinds": kinds, "scopeUnitId": "qingshi"}),
    )
    .await;

    // 张伟 gives his own contacts; he cannot set someone else's.
    let set = "mutation($i: SetPushContactInput!) { setPushContact(input: $i) { personId mobile email } }";
    let mine = json!({"personId": "p-qingshi-clerk", "mobile": "13800000001", "email": "zhangwei@qingshi.gov.cn"});
    let b = app.ask(&clerk, set, json!({"i": mine})).await;
    assert_eq!(b["data"]["setPushContact"]["mobile"], "13800000001", "{b}");
    let theirs = json!({"personId": "p-qingshi-leader", "mobile": "13800000002"});
    let b = app.ask(&clerk, set, json!({"i": theirs})).await;
    assert!(
        matches!(error_code(&b), Some("FORBIDDEN" | "NOT_FOUND")),
        "{b}"
    );
    let mine = app.read(&clerk, "{ myPushContact { mobile email } }").await;
    assert_eq!(
        mine["data"]["myPushContact"]["email"], "zhangwei@qingshi.gov.cn",
        "{mine}"
    );
    let bad = json!({"personId": "p-qingshi-clerk", "mobile": "1380000"});
    let b = app.ask(&clerk, set, json!({"i": bad})).await;
    assert_eq!(b["errors"][0]["extensions"]["field"], "mobile", "{b}");

    let input = json!({"title": "机器人推送测试", "description": "对照清单落实",
        "source": "LEADER_INSTRUCTION", "leadUnitId": "qingshi-dzb",
        "responsiblePersonId": "p-qingshi-clerk", "timeLimitDays": 10});
    app.ok(&sup, ISSUE, json!({ "input": input })).await;
    let for_clerk =
        |r: &duban_tests::receivers::Received| r.body.windows(11).any(|w| w == b"13800000001");
    until(&app, "the robots and the mail", || {
        ding.received().iter().any(for_clerk)
            && wecom.received().iter().any(for_clerk)
            && !smtp.mails().is_empty()
    })
    .await;

    // 钉钉: 加签 over the millisecond timestamp, markdown, @ by mobile.
    let r = ding.received().into_iter().find(for_clerk).unwrap();
    assert_eq!(r.query("access_token").as_deref(), Some("tok123"));
    let ts = r.query("timestamp").unwrap();
    assert_eq!(ts.len(), 13, "milliseconds");
    let secret = "SEC0123456789abcdef";
    let b64 = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(
        secret.as_bytes(),
        format!("{ts}\n{secret}").as_bytes(),
    ));
    let encoded = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    assert_eq!(r.query("sign").unwrap(), encoded);
    let body = r.json();
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(body["at"]["atMobiles"], json!(["13800000001"]));
    let text = body["markdown"]["text"].as_str().unwrap();
    assert!(
        text.contains("督办通知") && text.contains("@13800000001"),
        "{text}"
    );

    // 企业微信: the key stays in the URL; text with the mention list.
    let r = wecom.received().into_iter().find(for_clerk).unwrap();
    assert_eq!(r.query("key").as_deref(), Some("k1"));
    let body = r.json();
    assert_eq!(body["msgtype"], "text");
    assert_eq!(
        body["text"]["mentioned_mobile_list"],
        json!(["13800000001"])
    );
    assert!(body["text"]["content"]
        .as_str()
        .unwrap()
        .contains("机器人推送测试"));

    // E-mail: to his address only (the leader gave none), from the channel's sender.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].from, "duban@qingshi.gov.cn");
    assert_eq!(mails[0].to, ["zhangwei@qingshi.gov.cn"]);
    let text = decoded_body(&mails[0].data);
    assert!(
        text.contains("机器人推送测试") && text.contains("签收"),
        "{text}"
    );
}

/// The text of a single-part message, whatever transfer encoding it came in.
fn decoded_body(data: &str) -> String {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let head = head.to_ascii_lowercase();
    if head.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap(),
        )
        .unwrap()
    } else if head.contains("content-transfer-encoding: quoted-printable") {
        let mut out = Vec::new();
        let soft = body.replace("=\r\n", "");
        let bytes = soft.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&soft[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    } else {
        body.to_string()
    }
}

#[actix_web::test]
async fn quiet_hours_hold_what_can_wait_a_burst_becomes_a_digest_and_the_queue_survives_a_restart()
{
    // Friday 2026-12-04, 21:00: quiet.
    let (clock, app) = at_nine(2026, 12, 4).await;
    clock.advance(chrono::Duration::hours(12));
    let ttl = 31 * 86_400;
    let admin = app.token_with_ttl("county-admin", ttl).await.unwrap();
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let platform = HttpReceiver::start((200, "{}"), Duration::from_millis(150)).await;
    let made = create(
        &app,
        &admin,
        json!({"name": "县政务平台", "channel": "WEBHOOK",
        "url": format!("{}/hook", platform.url), "kinds": ["SUPERVISION_NOTICE"],
        "scopeUnitId": "qingshi-dzb", "maxConcurrency": 2}),
    )
    .await;
    let hook = made["webhook"]["id"].as_str().unwrap().to_string();

    // A 特急 item goes at once; five ordinary ones wait for Monday morning.
    issue(&app, &sup, "特急事项", "VERY_URGENT").await;
    until(&app, "the urgent push", || platform.received().len() == 1).await;
    for i in 0..5 {
        issue(&app, &sup, &format!("普通事项{i}"), "NORMAL").await;
    }
    stays(&app, "quiet hours hold", || platform.received().len() == 1).await;
    let held = deliveries(&app, &admin, &hook).await;
    let waiting: Vec<_> = held.iter().filter(|d| d["status"] == "PENDING").collect();
    assert_eq!(waiting.len(), 5);
    assert!(waiting.iter().all(|d| d["held"] == "QUIET"));
    assert!(waiting.iter().all(|d| d["nextAttemptAt"]
        .as_str()
        .unwrap()
        .starts_with("2026-12-07T08:00:00")));

    // The queue is in the database: a restart loses nothing.
    let config = app.config.clone();
    let dir = app.dir.clone();
    let shared = app.clock.clone();
    app.shutdown().await.unwrap();
    let app = duban_tests::spawn_with_clock(config, dir, shared)
        .await
        .unwrap();

    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-07T07:59:00+08:00")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    stays(&app, "not before the morning", || {
        platform.received().len() == 1
    })
    .await;
    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-07T08:00:00+08:00")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    until(&app, "the morning's pushes", || {
        platform.received().len() == 6
    })
    .await;
    assert!(
        platform.max_in_flight() <= 2,
        "at most two in flight, saw {}",
        platform.max_in_flight()
    );
    assert_eq!(platform.max_in_flight(), 2, "the five went two at a time");

    // A burst: the first five to one person go singly, the rest become one digest.
    clock.advance(chrono::Duration::hours(2)); // 10:00
    for i in 0..7 {
        issue(&app, &sup, &format!("集中交办{i}"), "NORMAL").await;
    }
    until(&app, "five single pushes", || {
        platform.received().len() == 11
    })
    .await;
    stays(&app, "the rest wait for the digest", || {
        platform.received().len() == 11
    })
    .await;
    clock.advance(chrono::Duration::minutes(10));
    until(&app, "one digest", || platform.received().len() == 12).await;
    let digest = platform.received()[11].json();
    assert_eq!(digest["digest"], true, "{digest}");
    assert_eq!(digest["notices"].as_array().unwrap().len(), 2, "{digest}");
    stays(&app, "nothing sent twice", || {
        platform.received().len() == 12
    })
    .await;
    let all = deliveries(&app, &admin, &hook).await;
    assert_eq!(all.len(), 13);
    assert!(all.iter().all(|d| d["status"] == "DELIVERED"), "{all:?}");
}

#[actix_web::test]
async fn a_removed_channel_sends_nothing_more_and_is_audited() {
    let (clock, app) = at_nine(2026, 11, 30).await;
    let ttl = 31 * 86_400;
    let admin = app.token_with_ttl("county-admin", ttl).await.unwrap();
    let sup = app.token_with_ttl("county-supervisor", ttl).await.unwrap();
    let platform = HttpReceiver::start((503, "{}"), Duration::ZERO).await;
    let made = create(&app, &admin, json!({"name": "县政务平台", "channel": "WEBHOOK",
        "url": format!("{}/hook", platform.url), "kinds": ["SUPERVISION_NOTICE"], "scopeUnitId": "qingshi-dzb"})).await;
    let hook = made["webhook"]["id"].as_str().unwrap().to_string();
    issue(&app, &sup, "删除通道测试", "NORMAL").await;
    until(&app, "the first try", || platform.received().len() == 1).await;
    let d = &deliveries(&app, &admin, &hook).await[0];
    assert_eq!(d["status"], "PENDING", "{d}");
    let del = "mutation($i: PushIdInput!) { deleteWebhook(input: $i) { webhook { id } } }";
    let b = app.ask(&sup, del, json!({"i": {"id": hook}})).await;
    assert_eq!(error_code(&b), Some("FORBIDDEN"), "{b}");
    app.ok(&admin, del, json!({"i": {"id": hook}})).await;
    clock.advance(chrono::Duration::hours(1));
    stays(&app, "nothing more through a removed channel", || {
        platform.received().len() == 1
    })
    .await;
    let listed = app.read(&admin, "{ webhooks { id } }").await;
    assert_eq!(listed["data"]["webhooks"], json!([]), "{listed}");
    let audited = duban_tests::count_rows(
        &app.databases.audit,
        "SELECT count(*) FROM audit_leaf WHERE event_type IN ('WebhookCreated', 'WebhookDeleted')",
    )
    .await
    .unwrap();
    assert_eq!(audited, 2);
    let dead = duban_tests::count_rows(
        &app.databases.notifications,
        &format!("SELECT count(*) FROM delivery WHERE channel_id = '{hook}' AND status = 'DEAD' AND last_error = '通道已删除'"),
    )
    .await
    .unwrap();
    assert_eq!(dead, 1);
}
