//! The services' internal HTTP API: one POST endpoint per service carrying the call enum
//! that `#[service]` generates from its trait, signed with the service key; the same
//! traits on both sides, so the gateway cannot tell an in-process service from a remote
//! one. A stream call's items come back as newline-delimited JSON.

use crate::signing::{ServiceKey, SignatureError};
use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use duban_api::rpc::{Answer, Call, Transport};
use duban_api::ApiError;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// Path of a service's internal endpoint.
pub fn endpoint(service: &str) -> String {
    format!("/internal/v1/{service}")
}

/// Runs `f` in the caller's trace, when the request names one.
async fn traced<F: std::future::Future<Output = HttpResponse>>(
    req: &actix_web::HttpRequest,
    op: &'static str,
    f: F,
) -> HttpResponse {
    let header = req
        .headers()
        .get(duban_api::trace::HEADER)
        .and_then(|v| v.to_str().ok());
    match duban_api::trace::parse(header) {
        Some(id) => {
            let span = tracing::info_span!("service.call", trace_id = %id, path = %req.path(), op);
            duban_transport::trace::join(&span, id, None);
            duban_api::trace::scope(id, tracing::Instrument::instrument(f, span)).await
        }
        None => f.await,
    }
}

/// The largest internal call body a service reads, in bytes.
pub const MAX_CALL_BYTES: usize = 32 << 20;

/// The 401 for a call the service key does not sign.
fn refused(e: SignatureError) -> HttpResponse {
    tracing::warn!(error = %e, "internal call refused");
    HttpResponse::Unauthorized()
        .json(serde_json::json!({"code": "UNAUTHENTICATED", "message": e.to_string()}))
}

/// Checks a call's signature, then decodes its body.
fn signed_call<C: DeserializeOwned>(
    key: &ServiceKey,
    req: &actix_web::HttpRequest,
    body: &[u8],
) -> Result<C, Box<HttpResponse>> {
    key.check(req.method().as_str(), req.path(), req.headers(), body)
        .map_err(|e| Box::new(refused(e)))?;
    serde_json::from_slice(body).map_err(|e| {
        Box::new(
            HttpResponse::BadRequest()
                .json(serde_json::json!({"code": "VALIDATION", "message": e.to_string()})),
        )
    })
}

/// The routes of one service's internal endpoint: a signed call, dispatched to `api`;
/// a stream call's items follow as newline-delimited JSON after a first empty line that
/// tells the client the stream is open.
pub fn routes<C: Call>(
    api: Arc<C::Api>,
    key: ServiceKey,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + Sync + 'static {
    move |cfg| {
        let (api, key) = (api.clone(), key.clone());
        cfg.route(
            &endpoint(C::SERVICE),
            web::post().to(move |req: actix_web::HttpRequest, body: web::Bytes| {
                let (api, key) = (api.clone(), key.clone());
                async move {
                    let call = match signed_call::<C>(&key, &req, &body) {
                        Ok(call) => call,
                        Err(refusal) => return *refusal,
                    };
                    let op = call.op();
                    let run = async move {
                        match call.dispatch(api.as_ref()).await {
                            Answer::Value(r) => HttpResponse::Ok().json(r),
                            Answer::Stream(items) => {
                                let lines = items.map(|mut line| {
                                    line.push(b'\n');
                                    Ok::<_, actix_web::Error>(web::Bytes::from(line))
                                });
                                let hello = futures::stream::once(async {
                                    Ok::<_, actix_web::Error>(web::Bytes::from_static(b"\n"))
                                });
                                HttpResponse::Ok()
                                    .content_type("application/x-ndjson")
                                    .streaming(hello.chain(lines))
                            }
                        }
                    };
                    let keyed = req
                        .headers()
                        .get(duban_api::idempotency::INTERNAL_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    match keyed {
                        // Unsigned, and harmless so: a changed key can only return an
                        // answer of the same caller to the same request.
                        Some(k) => traced(&req, op, duban_api::idempotency::scope(k, run)).await,
                        None => traced(&req, op, run).await,
                    }
                }
            }),
        )
        .app_data(web::PayloadConfig::new(MAX_CALL_BYTES));
    }
}

/// The HTTP transport to one service's internal API; `Remote(HttpClient::new(…))` is the
/// service's client.
#[derive(Clone)]
pub struct HttpClient {
    base: String,
    service: &'static str,
    http: reqwest::Client,
    key: ServiceKey,
}

impl HttpClient {
    /// A client for `service` at `base` (e.g. `http://127.0.0.1:8081`), signing with `key`.
    pub fn new(base: &str, service: &'static str, key: ServiceKey) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(2))
            .pool_max_idle_per_host(32)
            .build()
            .unwrap_or_default();
        Self {
            base: base.trim_end_matches('/').to_string(),
            service,
            http,
            key,
        }
    }

    /// A signed POST of `body` to the service's endpoint, carrying the trace id and
    /// Idempotency-Key of the request being served.
    fn post(&self, body: &[u8]) -> reqwest::RequestBuilder {
        let path = endpoint(self.service);
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in self.key.sign("POST", &path, body) {
            req = req.header(name, value);
        }
        if let Some(t) = duban_api::trace::current() {
            req = req.header(duban_api::trace::HEADER, t.to_string());
        }
        if let Some(k) = duban_api::idempotency::current() {
            req = req.header(duban_api::idempotency::INTERNAL_HEADER, k);
        }
        req
    }

    fn unavailable(&self, op: &str, e: reqwest::Error) -> ApiError {
        tracing::warn!(service = self.service, op, error = %e, "internal call failed");
        ApiError::Internal(format!("{} unavailable: {e}", self.service))
    }
}

#[async_trait]
impl Transport for HttpClient {
    async fn call(&self, op: &'static str, body: Vec<u8>) -> Result<Value, ApiError> {
        let resp = self
            .post(&body)
            .timeout(std::time::Duration::from_secs(30))
            .body(body)
            .send()
            .await
            .map_err(|e| self.unavailable(op, e))?;
        if resp.status() == reqwest::StatusCode::UNAUTHORIZED {
            tracing::error!(
                service = self.service,
                op,
                "internal call refused: check DUBAN_SERVICE_KEY"
            );
            return Err(ApiError::Unauthenticated(format!(
                "{} 拒绝了内部调用（服务密钥不符）",
                self.service
            )));
        }
        let result: Result<Value, ApiError> =
            resp.json().await.map_err(|e| self.unavailable(op, e))?;
        result
    }

    fn open(&self, op: &'static str, body: Vec<u8>) -> BoxStream<'static, Vec<u8>> {
        let req = self.post(&body).body(body);
        let this = self.clone();
        futures::stream::once(async move { req.send().await })
            .filter_map(move |r| {
                let this = this.clone();
                async move {
                    match r {
                        Ok(resp) if resp.status().is_success() => Some(resp.bytes_stream()),
                        Ok(resp) => {
                            tracing::warn!(service = this.service, op, status = %resp.status(), "stream refused");
                            None
                        }
                        Err(e) => {
                            this.unavailable(op, e);
                            None
                        }
                    }
                }
            })
            .flatten()
            .scan((Vec::new(), 0), |(buf, seen), chunk| {
                let mut out = Vec::new();
                let Ok(bytes) = chunk else {
                    return futures::future::ready(None);
                };
                buf.extend_from_slice(&bytes);
                // Each line one item; the first, empty, says the stream is open. A long
                // line arrives in many chunks: only the new bytes are searched.
                while let Some(pos) = buf[*seen..].iter().position(|b| *b == b'\n') {
                    let mut line: Vec<u8> = buf.drain(..=*seen + pos).collect();
                    *seen = 0;
                    line.pop();
                    if !line.is_empty() {
                        out.push(line);
                    }
                }
                *seen = buf.len();
                futures::future::ready(Some(out))
            })
            .flat_map(futures::stream::iter)
            .boxed()
    }
}
