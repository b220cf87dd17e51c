//! Sending one push: the HTTP client with its per-channel concurrency limits and the
//! robots' rate, each channel's request, and how the answer is recorded.

use crate::entity::{channel_kind, delivery, push_channel, DEAD, DELIVERED, PENDING};
use crate::push::{self, PushNotice, Verdict, WebhookBody};
use chrono::{DateTime, Duration, FixedOffset};
use duban_schema::notifications::ChannelKind;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Waiting for one answer, at most.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Robots take at most 20 messages a minute (钉钉, 企业微信).
const ROBOT_PER_MINUTE: u32 = 20;

type RobotLimiter = governor::DefaultKeyedRateLimiter<String>;

/// What the sender keeps between runs: the HTTP client, one semaphore per channel (its
/// concurrency limit) and the robots' rate limiter.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    permits: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    robots: Arc<RobotLimiter>,
}

impl Default for Sender {
    fn default() -> Self {
        let quota = governor::Quota::per_minute(
            std::num::NonZeroU32::new(ROBOT_PER_MINUTE).unwrap_or(std::num::NonZeroU32::MIN),
        );
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(SEND_TIMEOUT)
                .user_agent("duban-push/1")
                .build()
                .unwrap_or_default(),
            permits: Arc::default(),
            robots: Arc::new(governor::RateLimiter::keyed(quota)),
        }
    }
}

impl Sender {
    pub(crate) fn permits(&self, channel: &push_channel::Model) -> Arc<Semaphore> {
        let mut map = self.permits.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(channel.id.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(channel.max_concurrency.max(1) as usize)))
            .clone()
    }
}

/// How one try ended, as the queue records it.
pub(crate) struct Outcome {
    pub(crate) status: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) http: Option<i32>,
    pub(crate) retry_in: Option<Duration>,
    pub(crate) verdict: Verdict,
}

impl Outcome {
    pub(crate) fn of(verdict: Verdict, http: Option<i32>) -> Self {
        Self {
            status: PENDING,
            error: None,
            http,
            retry_in: None,
            verdict,
        }
    }

    pub(crate) fn dead(error: &str, http: Option<i32>) -> Self {
        Self::of(Verdict::Dead(error.into()), http)
    }

    /// The row's state after this, its `attempts`th try.
    pub(crate) fn after(self, attempts: i32) -> Self {
        match self.verdict.clone() {
            Verdict::Delivered => Self {
                status: DELIVERED,
                ..self
            },
            Verdict::Dead(e) => Self {
                status: DEAD,
                error: Some(e),
                ..self
            },
            Verdict::Retry(e) if attempts >= push::MAX_ATTEMPTS => Self {
                status: DEAD,
                error: Some(format!("已重试{attempts}次仍失败：{e}")),
                ..self
            },
            Verdict::Retry(e) => Self {
                status: PENDING,
                error: Some(e),
                retry_in: Some(push::retry_delay(attempts, fastrand::f64())),
                ..self
            },
        }
    }
}

/// One try of one push (a notice, or a digest of several to one person); none when a
/// robot's rate leaves no room this minute.
pub(crate) async fn send(
    sender: &Sender,
    channel: &push_channel::Model,
    batch: &[delivery::Model],
    at: DateTime<FixedOffset>,
) -> Option<Outcome> {
    let kind = channel_kind(&channel.channel).unwrap_or(ChannelKind::Webhook);
    if matches!(kind, ChannelKind::Dingtalk | ChannelKind::Wecom)
        && sender.robots.check_key(&channel.id).is_err()
    {
        return None;
    }
    let notices: Vec<PushNotice> = batch
        .iter()
        .filter_map(|d| serde_json::from_str(&d.notice).ok())
        .collect();
    let permits = sender.permits(channel);
    let _permit = permits.acquire().await.ok()?;
    let secret = channel.secret.as_deref().filter(|s| !s.is_empty());
    let request = match kind {
        ChannelKind::Email => return Some(send_email(channel, &notices).await),
        ChannelKind::Webhook => {
            let body = WebhookBody {
                kind: "duban.notifications".into(),
                delivery_id: batch.first().map(|d| d.id.clone()).unwrap_or_default(),
                digest: notices.len() > 1,
                notices,
            };
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let ts = at.timestamp();
            let mut r = sender
                .http
                .post(&channel.url)
                .header("Content-Type", "application/json")
                .header("X-Duban-Timestamp", ts.to_string())
                .header("X-Duban-Delivery", body.delivery_id.clone());
            if let Some(s) = secret {
                r = r.header("X-Duban-Signature", push::webhook_signature(s, ts, &bytes));
            }
            r.body(bytes)
        }
        ChannelKind::Dingtalk => sender
            .http
            .post(push::dingtalk_url(
                &channel.url,
                secret,
                at.timestamp_millis(),
            ))
            .json(&push::dingtalk_body(&notices)),
        ChannelKind::Wecom => sender
            .http
            .post(&channel.url)
            .json(&push::wecom_body(&notices)),
    };
    Some(match request.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = read_capped(resp, 64 * 1024).await;
            Outcome::of(push::judge(kind, status, &body), Some(i32::from(status)))
        }
        Err(e) => Outcome::of(Verdict::Retry(format!("连接失败：{e}")), None),
    })
}

/// At most `cap` bytes of an answer's body.
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = cap.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= cap {
            break;
        }
    }
    out
}

async fn send_email(channel: &push_channel::Model, notices: &[PushNotice]) -> Outcome {
    use lettre::message::{header::ContentType, Mailbox};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let (subject, body) = push::email(notices);
    let Some(address) = channel.sender.clone() else {
        return Outcome::dead("邮件通道未设置发件人", None);
    };
    let from: Mailbox = match address.parse() {
        Ok(m) => m,
        Err(e) => return Outcome::dead(&format!("发件人地址无效：{e}"), None),
    };
    let Some(email) = notices.first().and_then(|n| n.recipient_email.clone()) else {
        return Outcome::dead("收件人未设置邮箱", None);
    };
    let to: Mailbox = match email.parse() {
        Ok(m) => m,
        Err(e) => return Outcome::dead(&format!("收件地址无效：{e}"), None),
    };
    let message = match Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
    {
        Ok(m) => m,
        Err(e) => return Outcome::dead(&format!("邮件无法生成：{e}"), None),
    };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&channel.url) {
        Ok(b) => b.timeout(Some(SEND_TIMEOUT)).build(),
        Err(e) => return Outcome::dead(&format!("SMTP地址无效：{e}"), None),
    };
    match transport.send(message).await {
        Ok(_) => Outcome::of(Verdict::Delivered, None),
        Err(e) if e.is_permanent() => Outcome::dead(&format!("邮件服务器拒收：{e}"), None),
        Err(e) => Outcome::of(Verdict::Retry(format!("邮件发送失败：{e}")), None),
    }
}
