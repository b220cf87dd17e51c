//! The gateway's own bounds on a request: body size (checked before the body is read,
//! and after the caller is known), response size, and the coded Chinese refusals for them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The bounds, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Requests a second each caller (person, or address when anonymous) may send on
    /// average; 0 turns the limit off.
    pub per_second: u32,
    /// Requests a caller may send at once before the average applies.
    pub burst: u32,
    /// Largest `/graphql` request body, in bytes.
    pub graphql_body: usize,
    /// Largest ledger file an import reads, in bytes.
    pub import_body: usize,
    /// Largest `/graphql` response body, in bytes.
    pub response: usize,
    /// Most rows one ledger export serves; a longer one is refused, never cut.
    pub export_rows: usize,
    /// Most rows of an exported workbook, which is built in memory.
    pub workbook_rows: usize,
    /// Run only the compiled-in GraphQL operations (trusted documents).
    pub trusted_documents: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_second: 20,
            burst: 60,
            graphql_body: 1 << 20,
            import_body: 10 << 20,
            response: 8 << 20,
            export_rows: 2_000_000,
            workbook_rows: 50_000,
            trusted_documents: false,
        }
    }
}

/// A refusal in GraphQL's error shape, with its code (and field) from API.md's table.
pub fn refusal(status: StatusCode, code: &str, field: Option<&str>, message: &str) -> HttpResponse {
    let mut ext = serde_json::json!({ "code": code });
    if let Some(f) = field {
        ext["field"] = serde_json::json!(f);
    }
    HttpResponse::build(status).json(serde_json::json!({
        "data": null,
        "errors": [{ "message": message, "extensions": ext }],
    }))
}

fn megabytes(n: usize) -> String {
    format!("{:.1} MB", n as f64 / (1 << 20) as f64)
}

fn too_large(limit: usize) -> HttpResponse {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        "VALIDATION",
        Some("body"),
        &format!("请求体超过 {} 的上限，请拆分后再提交", megabytes(limit)),
    )
}

/// Reads a body of at most `limit` bytes: refused by its declared length before a byte is
/// read, or as soon as the bytes received pass the limit.
pub async fn read_body(
    req: &actix_web::HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, HttpResponse> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            refusal(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                Some("body"),
                &format!("请求体读取失败：{e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The refusal of a response over `limit` bytes.
pub fn response_too_large(limit: usize) -> HttpResponse {
    refusal(
        StatusCode::OK,
        "QUERY_TOO_COMPLEX",
        None,
        &format!(
            "查询结果超过 {} 的上限，请减少每页条数、别名或字段后分页查询",
            megabytes(limit)
        ),
    )
}

type Keyed = governor::RateLimiter<
    String,
    governor::state::keyed::DefaultKeyedStateStore<String>,
    governor::clock::DefaultClock,
>;

/// A token bucket per caller.
#[derive(Clone)]
pub struct RateLimit {
    limiter: Option<std::sync::Arc<Keyed>>,
    checks: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RateLimit {
    /// Buckets of `limits.burst` refilled at `limits.per_second`; none when that is 0.
    pub fn new(limits: &Limits) -> Self {
        let quota = std::num::NonZeroU32::new(limits.per_second).map(|rate| {
            let burst =
                std::num::NonZeroU32::new(limits.burst.max(limits.per_second)).unwrap_or(rate);
            governor::Quota::per_second(rate).allow_burst(burst)
        });
        Self {
            limiter: quota.map(|q| std::sync::Arc::new(governor::RateLimiter::keyed(q))),
            checks: Default::default(),
        }
    }

    /// Takes one request from `caller`'s bucket; when it is empty, the refusal saying when
    /// to retry.
    pub fn refusal(&self, caller: &str) -> Option<HttpResponse> {
        let limiter = self.limiter.as_ref()?;
        // Forget idle callers now and then, so the table stays as small as the callers.
        if self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % 4096
            == 4095
        {
            limiter.retain_recent();
        }
        match limiter.check_key(&caller.to_string()) {
            Ok(()) => None,
            Err(not_until) => {
                use governor::clock::Clock as _;
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Some(
                    HttpResponse::TooManyRequests()
                        .insert_header((actix_web::http::header::RETRY_AFTER, secs))
                        .json(serde_json::json!({
                            "data": null,
                            "errors": [{
                                "message": format!("请求过于频繁，请{secs}秒后再试"),
                                "extensions": { "code": "RATE_LIMITED", "retryAfterSeconds": secs },
                            }],
                        })),
                )
            }
        }
    }
}

/// The ledger exports under way: at most a few at once, and one for each caller, each
/// holding a database connection of the assignments service for its length.
#[derive(Clone)]
pub struct Exports {
    at_once: Arc<tokio::sync::Semaphore>,
    callers: Arc<Mutex<HashSet<String>>>,
}

/// One export's place, given back when dropped.
pub struct ExportPlace {
    _permit: tokio::sync::OwnedSemaphorePermit,
    caller: String,
    callers: Arc<Mutex<HashSet<String>>>,
}

impl Drop for ExportPlace {
    fn drop(&mut self) {
        if let Ok(mut c) = self.callers.lock() {
            c.remove(&self.caller);
        }
    }
}

impl Exports {
    /// Room for `at_once` exports.
    pub fn new(at_once: usize) -> Self {
        Self {
            at_once: Arc::new(tokio::sync::Semaphore::new(at_once)),
            callers: Default::default(),
        }
    }

    /// A place for `caller`'s export, unless the caller has one under way or all are
    /// taken.
    pub fn take(&self, caller: &str) -> Option<ExportPlace> {
        let mut callers = self.callers.lock().ok()?;
        if callers.contains(caller) {
            return None;
        }
        let permit = self.at_once.clone().try_acquire_owned().ok()?;
        callers.insert(caller.to_string());
        Some(ExportPlace {
            _permit: permit,
            caller: caller.to_string(),
            callers: self.callers.clone(),
        })
    }
}

#[cfg(test)]
mod export_tests {
    use super::Exports;

    #[test]
    fn one_export_for_each_caller_and_a_few_at_once() {
        let e = Exports::new(2);
        let a = e.take("p-a").expect("a first export");
        assert!(e.take("p-a").is_none(), "a second one of the same caller");
        let b = e.take("p-b").expect("another caller's");
        assert!(e.take("p-c").is_none(), "past the number at once");
        drop(a);
        assert!(e.take("p-c").is_some(), "a place given back is taken again");
        drop(b);
        assert!(
            e.take("p-b").is_some(),
            "a caller whose export ended may export again"
        );
    }
}
