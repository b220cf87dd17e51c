//! What a push looks like on each channel, how it is signed, how a reply is judged and when
//! a failed one is tried again. Pure: `deliver.rs` does the I/O.

use base64::Engine as _;
use chrono::{DateTime, FixedOffset};
use duban_clock::office::QuietHours;
use duban_schema::notifications::{ChannelKind, NotificationKind};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// One notice as a push carries it (the documented webhook schema, `docs/webhooks.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushNotice {
    /// Notice id.
    pub id: String,
    /// Kind, e.g. `SUPERVISION_NOTICE`.
    pub kind: NotificationKind,
    /// The kind in Chinese, e.g. 督办通知.
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Recipient's person id.
    pub recipient_id: String,
    /// Recipient's mobile number, when they gave one (SMS gateways, @-mentions).
    pub recipient_mobile: Option<String>,
    /// Recipient's e-mail address, when they gave one.
    pub recipient_email: Option<String>,
    /// The assignment it is about.
    pub assignment_id: Option<String>,
    /// The ledger problem it is about.
    pub problem_id: Option<String>,
    /// When it reached the inbox.
    pub created_at: DateTime<FixedOffset>,
    /// Whether the recipient must acknowledge it in duban.
    pub requires_ack: bool,
    /// 特急 or a red card.
    pub urgent: bool,
}

/// The body of a webhook delivery: one notice, or a digest of several to one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody {
    /// Always `duban.notifications`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The delivery id, the same on every try (the receiver's idempotency key).
    pub delivery_id: String,
    /// Whether several notices to one person were gathered into this one push.
    pub digest: bool,
    /// The notices, oldest first.
    pub notices: Vec<PushNotice>,
}

/// When pushes wait and when they are gathered.
#[derive(Clone, Debug)]
pub struct PushRules {
    /// More than this many to one person within `digest_minutes` become one digest.
    pub digest_threshold: usize,
    /// The digest window.
    pub digest_minutes: i64,
    /// Quiet hours on working days (non-working days are quiet all day).
    pub quiet: QuietHours,
}

impl Default for PushRules {
    fn default() -> Self {
        Self {
            digest_threshold: 5,
            digest_minutes: 10,
            quiet: QuietHours::default(),
        }
    }
}

/// The Chinese name of a notice kind.
pub fn kind_label(k: NotificationKind) -> &'static str {
    use NotificationKind as K;
    match k {
        K::SupervisionNotice => "督办通知",
        K::AcknowledgementReceipt => "签收回执",
        K::ProgressUpdate => "进度报送",
        K::CompletionPending => "办结待审",
        K::ExtensionRequest => "延期申请",
        K::TransferRequest => "转办申请",
        K::VerificationResult => "审核结果",
        K::DeadlineChanged => "时限调整",
        K::DueSoonReminder => "到期提醒",
        K::OverdueNotice => "超期督办",
        K::ProblemNotice => "问题台账",
        K::YellowCard => "黄牌预警通知",
        K::RedCard => "红牌督办通知",
        K::SuspensionNotice => "中止通知",
        K::ResumptionNotice => "恢复办理通知",
        K::CancellationNotice => "撤销通知",
        K::ReopenNotice => "回头看通知",
        K::TransferredAway => "转出通知",
        K::EscalationNotice => "逾时未回复提醒",
        K::WeeklyBulletin => "周通报",
        K::CampaignPhase => "专项整治阶段通知",
        K::CampaignReportDue => "专项整治报送提醒",
        K::ConductReviewDue => "作风体检评分提醒",
        K::AccountabilityNotice => "追责问责通知",
        K::ReferralNotice => "线索移送通知",
        K::ReferralDue => "线索处置时限提醒",
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// `X-Duban-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the channel's
/// secret, of the `X-Duban-Timestamp` value, a dot, and the body as sent.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!("sha256={}", hex::encode(hmac(secret.as_bytes(), &message)))
}

/// 钉钉 加签: the URL-encoded Base64 HMAC-SHA256, keyed with the secret, of the
/// millisecond timestamp, a newline and the secret.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let digest = hmac(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
    percent_encoding::utf8_percent_encode(&b64, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The 钉钉 robot URL with its signature appended (unchanged without a secret).
pub fn dingtalk_url(url: &str, secret: Option<&str>, timestamp_ms: i64) -> String {
    match secret.filter(|s| !s.is_empty()) {
        Some(s) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!(
                "{url}{sep}timestamp={timestamp_ms}&sign={}",
                dingtalk_sign(s, timestamp_ms)
            )
        }
        None => url.to_string(),
    }
}

/// Markdown of the notices for a group robot, each under its title, then the mentions.
fn markdown(notices: &[PushNotice], mention: &[String]) -> (String, String) {
    let title = match notices {
        [one] => format!("【{}】{}", one.kind_label, one.title),
        many => format!("督办提醒汇总（{}条）", many.len()),
    };
    let mut text = format!("#### {title}\n\n");
    for n in notices {
        if notices.len() > 1 {
            text.push_str(&format!("**【{}】{}**\n\n", n.kind_label, n.title));
        }
        text.push_str(&format!("{}\n\n", n.body));
        if n.requires_ack {
            text.push_str("> 请登录督办系统签收回复。\n\n");
        }
    }
    for m in mention {
        text.push_str(&format!("@{m} "));
    }
    (title, text.trim_end().to_string())
}

/// Mobile numbers of the recipients, once each.
fn mobiles(notices: &[PushNotice]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in notices.iter().filter_map(|n| n.recipient_mobile.clone()) {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// A 钉钉 robot message: markdown, @-mentioning the recipients by mobile number.
pub fn dingtalk_body(notices: &[PushNotice]) -> serde_json::Value {
    let at = mobiles(notices);
    let (title, text) = markdown(notices, &at);
    serde_json::json!({
        "msgtype": "markdown",
        "markdown": {"title": title, "text": text},
        "at": {"atMobiles": at, "isAtAll": false},
    })
}

/// A 企业微信 robot message: markdown, or text when a recipient is to be @-mentioned by
/// mobile number (its markdown cannot mention by number).
pub fn wecom_body(notices: &[PushNotice]) -> serde_json::Value {
    let at = mobiles(notices);
    let (_, text) = markdown(notices, &[]);
    if at.is_empty() {
        serde_json::json!({"msgtype": "markdown", "markdown": {"content": text}})
    } else {
        let plain = text
            .replace("#### ", "")
            .replace("**", "")
            .replace("> ", "");
        serde_json::json!({
            "msgtype": "text",
            "text": {"content": plain, "mentioned_mobile_list": at},
        })
    }
}

/// Subject and plain-text body of an e-mail of the notices.
pub fn email(notices: &[PushNotice]) -> (String, String) {
    let subject = match notices {
        [one] => format!("【{}】{}", one.kind_label, one.title),
        many => format!("【督办系统】{}条提醒汇总", many.len()),
    };
    let mut body = String::new();
    for n in notices {
        body.push_str(&format!(
            "【{}】{}\n{}\n{}\n\n",
            n.kind_label,
            n.title,
            n.body,
            if n.requires_ack {
                "请登录督办系统签收回复。"
            } else {
                ""
            }
        ));
    }
    body.push_str("（本邮件由督办系统自动发送，请勿直接回复。）");
    (subject, body)
}

/// How a channel answered one try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered.
    Delivered,
    /// Failed; worth trying again later.
    Retry(String),
    /// Failed for good (credentials, format): dead at once, an admin must look.
    Dead(String),
}

/// Judges an HTTP answer: any 2xx delivers a webhook; a robot also needs `errcode` 0 in
/// its JSON (HTTP 200 alone means nothing there). 410 Gone and robots' credential and
/// length errors are final; everything else may pass.
pub fn judge(channel: ChannelKind, status: u16, body: &[u8]) -> Verdict {
    if status == 410 {
        return Verdict::Dead("HTTP 410：接收方已停用该地址".into());
    }
    if !(200..300).contains(&status) {
        return Verdict::Retry(format!("HTTP {status}"));
    }
    if channel == ChannelKind::Webhook {
        return Verdict::Delivered;
    }
    #[derive(Deserialize)]
    struct Reply {
        errcode: Option<i64>,
        errmsg: Option<String>,
    }
    let Ok(reply) = serde_json::from_slice::<Reply>(body) else {
        return Verdict::Retry("机器人应答不是JSON".into());
    };
    let code = reply.errcode.unwrap_or(-1);
    let msg = reply.errmsg.unwrap_or_default();
    match code {
        0 => Verdict::Delivered,
        // 钉钉: security setting, unknown token, too long; 企业微信: bad key, too long.
        310000 | 300001 | 460101 | 101002 | 93000 | 40058 => {
            Verdict::Dead(format!("机器人拒收（{code}）：{msg}"))
        }
        _ => Verdict::Retry(format!("机器人应答错误（{code}）：{msg}")),
    }
}

/// Tries before a delivery becomes a dead letter.
pub const MAX_ATTEMPTS: i32 = 8;

/// Pauses after the 1st, 2nd … failed try, before jitter: 10 s, 1 min, 5 min, 30 min,
/// 2 h, 6 h, 12 h (about 21 hours in all).
pub const BACKOFF_SECONDS: [i64; 7] = [10, 60, 300, 1800, 7200, 21600, 43200];

/// The pause after `attempts` failed tries, spread by `jitter` in [0, 1) over ±20%.
pub fn retry_delay(attempts: i32, jitter: f64) -> chrono::Duration {
    let i = (attempts.max(1) as usize - 1).min(BACKOFF_SECONDS.len() - 1);
    let base = BACKOFF_SECONDS[i] as f64;
    let spread = base * (0.8 + 0.4 * jitter.clamp(0.0, 1.0));
    chrono::Duration::milliseconds((spread * 1000.0) as i64)
}

/// The endpoint as shown to admins: the query (钉钉 access_token, 企业微信 key) and any
/// password masked.
pub fn mask_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match (base.split_once("://"), base.find('@')) {
        (Some((scheme, rest)), Some(_)) => {
            let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
            format!("{scheme}://***@{host}")
        }
        _ => base.to_string(),
    };
    match query {
        Some(q) => {
            let masked: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) => format!("{k}=***"),
                    None => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", masked.join("&"))
        }
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_signature_matches_the_reference_vector() {
        // REFERENCES.md §1: timestamp 1700000000000, secret SEC0123456789abcdef.
        assert_eq!(
            dingtalk_sign("SEC0123456789abcdef", 1_700_000_000_000),
            "TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D"
        );
        assert_eq!(
            dingtalk_url("http://x/robot/send?access_token=t", Some("SEC0123456789abcdef"), 1_700_000_000_000),
            "http://x/robot/send?access_token=t&timestamp=1700000000000&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D"
        );
    }

    #[test]
    fn webhook_signature_covers_the_timestamp_and_the_body() {
        // The Stripe-style vector of REFERENCES.md §3 signs "{t}.{body}" the same way.
        let sig = webhook_signature("whsec_test", 1_700_000_000, br#"{"id":"evt_test"}"#);
        assert_eq!(
            sig,
            "sha256=14c4f43763339dcb1c15f41a1ff31a94f2f09f8de278f8b4392ca0d7cbcd257e"
        );
        assert_ne!(
            sig,
            webhook_signature("whsec_test", 1_700_000_001, br#"{"id":"evt_test"}"#)
        );
    }

    #[test]
    fn robots_are_judged_by_errcode_not_by_http_200() {
        let ding = ChannelKind::Dingtalk;
        assert_eq!(
            judge(ding, 200, br#"{"errcode":0,"errmsg":"ok"}"#),
            Verdict::Delivered
        );
        assert!(matches!(
            judge(
                ding,
                200,
                br#"{"errcode":310000,"errmsg":"sign not match"}"#
            ),
            Verdict::Dead(_)
        ));
        assert!(matches!(
            judge(ding, 200, br#"{"errcode":130101,"errmsg":"send too fast"}"#),
            Verdict::Retry(_)
        ));
        assert!(matches!(judge(ding, 502, b""), Verdict::Retry(_)));
        assert_eq!(judge(ChannelKind::Webhook, 204, b""), Verdict::Delivered);
        assert!(matches!(
            judge(ChannelKind::Webhook, 410, b""),
            Verdict::Dead(_)
        ));
    }

    #[test]
    fn retries_back_off_within_a_fifth_either_way() {
        assert_eq!(retry_delay(1, 0.5), chrono::Duration::seconds(10));
        assert_eq!(retry_delay(1, 0.0), chrono::Duration::seconds(8));
        assert_eq!(retry_delay(2, 1.0), chrono::Duration::seconds(72));
        assert_eq!(retry_delay(50, 0.5), chrono::Duration::hours(12));
    }

    #[test]
    fn credentials_in_urls_are_masked() {
        assert_eq!(
            mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
        );
        assert_eq!(
            mask_url("smtp://user:pw@mail.example.cn:25"),
            "smtp://***@mail.example.cn:25"
        );
    }

    #[test]
    fn a_robot_mentions_each_recipient_by_mobile_once() {
        let n = |m: &str| PushNotice {
            id: "n".into(),
            kind: NotificationKind::RedCard,
            kind_label: "红牌督办通知".into(),
            title: "红牌督办通知：事项".into(),
            body: "已超过办结时限".into(),
            recipient_id: "p".into(),
            recipient_mobile: Some(m.into()),
            recipient_email: None,
            assignment_id: None,
            problem_id: None,
            created_at: chrono::DateTime::default(),
            requires_ack: true,
            urgent: true,
        };
        let body = dingtalk_body(&[n("13800000001"), n("13800000001")]);
        assert_eq!(body["at"]["atMobiles"], serde_json::json!(["13800000001"]));
        let text = body["markdown"]["text"].as_str().unwrap_or_default();
        assert!(text.contains("@13800000001"), "{text}");
        assert!(text.contains("督办提醒汇总（2条）"), "{text}");
        let we = wecom_body(&[n("13800000002")]);
        assert_eq!(
            we["text"]["mentioned_mobile_list"],
            serde_json::json!(["13800000002"])
        );
    }
}
