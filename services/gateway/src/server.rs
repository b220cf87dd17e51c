//! The actix-web side: `/graphql` (GraphiQL on GET), `/graphql/ws`, the audit proofs under
//! `/audit/v1`, ledger files under `/ledger/v1`, `/healthz`, `/readyz`.

use crate::clients::Services;
use crate::limits::{read_body, refusal, response_too_large, Limits, RateLimit};
use crate::schema::DubanSchema;
use crate::schema::{build_anonymous_schema, build_schema};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::Data;
use async_graphql_actix_web::GraphQLSubscription;
use duban_api::ApiError;
use duban_auth::{Actor, Subject, TokenKeys};
use duban_clock::SharedClock;
use tracing::Instrument;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct Gateway {
    /// The schema for signed-in callers.
    pub schema: DubanSchema,
    /// The schema for callers without a valid token (no introspection or suggestions,
    /// except in a demo).
    pub anonymous: DubanSchema,
    /// Token keys.
    pub keys: TokenKeys,
    /// Clock for token expiry.
    pub clock: SharedClock,
    /// The services, for readiness.
    pub services: Services,
    /// Bounds on requests and responses.
    pub limits: Limits,
    /// Each caller's request budget.
    pub rate: RateLimit,
    /// The county this installation serves (the tenant its tokens name).
    pub tenant: String,
    /// Ledger exports under way.
    pub exports: crate::limits::Exports,
}

/// Ledger exports one gateway serves at once, each holding a database connection of
/// the assignments service for its length.
pub const EXPORTS_AT_ONCE: usize = 4;

impl Gateway {
    /// The gateway over `services`; `demo` opens introspection to callers without a token.
    pub fn new(
        tenant: &str,
        services: Services,
        keys: TokenKeys,
        clock: SharedClock,
        limits: Limits,
        max_page_size: usize,
        demo: bool,
    ) -> Self {
        let schema = build_schema(services.clone(), max_page_size, limits.trusted_documents);
        let anonymous = if demo {
            schema.clone()
        } else {
            build_anonymous_schema(services.clone(), max_page_size, limits.trusted_documents)
        };
        Self {
            schema,
            anonymous,
            keys,
            clock,
            services,
            rate: RateLimit::new(&limits),
            limits,
            tenant: tenant.to_string(),
            exports: crate::limits::Exports::new(EXPORTS_AT_ONCE),
        }
    }
}

/// The caller an `Authorization` header value names, as the directory has them now.
pub(crate) async fn caller(
    gw: &Gateway,
    header: Option<&str>,
) -> Result<(Subject, Actor), ApiError> {
    let subject = gw
        .keys
        .verify_header(header, gw.clock.now_utc())
        .map_err(|e| ApiError::Unauthenticated(e.to_string()))?;
    let actor = gw.services.assignments.authenticate(&subject).await?;
    Ok((subject, actor))
}

fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

pub(crate) async fn graphql(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let actor = caller(&gw, authorization(&req)).await.map(|(_, a)| a);
    let budget = match &actor {
        Ok(a) => format!("person:{}", a.person_id),
        Err(_) => format!(
            "addr:{}",
            req.peer_addr()
                .map(|p| p.ip().to_string())
                .unwrap_or_default()
        ),
    };
    if let Some(refused) = gw.rate.refusal(&budget) {
        return refused;
    }
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| {
            t.starts_with("application/json") || t.starts_with("application/graphql-response+json")
        });
    if !json {
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            Some("body"),
            "请以 application/json 提交 GraphQL 请求；台账文件请用 /ledger/v1 导入",
        );
    }
    let body = match read_body(&req, payload, gw.limits.graphql_body).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let mut request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                Some("body"),
                &format!("请求体不是有效的 GraphQL 请求（JSON）：{e}"),
            )
        }
    };
    let sent = req
        .headers()
        .get(duban_api::trace::HEADER)
        .and_then(|v| v.to_str().ok());
    let trace_id = duban_api::trace::parse(sent).unwrap_or_else(uuid::Uuid::now_v7);
    let span = tracing::info_span!(
        "gateway.graphql",
        trace_id = %trace_id,
        person = actor.as_ref().map(|a| a.person_id.as_str()).unwrap_or("-")
    );
    duban_transport::trace::join(&span, trace_id, None);
    if let Err((field, why)) = crate::hygiene::clean_request(&mut request) {
        return refusal(
            StatusCode::OK,
            "VALIDATION",
            Some(&field),
            &format!("{field}：{why}"),
        );
    }
    let key = match idempotency_key(&req) {
        Ok(k) => k,
        Err(e) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                e.code(),
                Some("Idempotency-Key"),
                &e.to_string(),
            )
        }
    };
    let anonymous = actor.is_err();
    let schema = if anonymous { &gw.anonymous } else { &gw.schema };
    let run = schema.execute(request.data(actor)).instrument(span);
    let mut resp = match key {
        Some(k) => duban_api::trace::scope(trace_id, duban_api::idempotency::scope(k, run)).await,
        None => duban_api::trace::scope(trace_id, run).await,
    };
    crate::guard::code_errors(&mut resp, anonymous);
    resp.extensions.insert(
        "traceId".to_string(),
        async_graphql::Value::String(trace_id.to_string()),
    );
    match serde_json::to_vec(&resp) {
        Ok(bytes) if bytes.len() <= gw.limits.response => HttpResponse::Ok()
            .content_type("application/json")
            .body(bytes),
        Ok(_) => response_too_large(gw.limits.response),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a GraphQL response");
            refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                None,
                "服务内部错误，请稍后重试",
            )
        }
    }
}

/// The client's `Idempotency-Key`, if sent and well-formed.
pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, duban_api::ApiError> {
    let Some(v) = req.headers().get(duban_api::idempotency::HEADER) else {
        return Ok(None);
    };
    let key = v.to_str().unwrap_or("\u{fffd}").to_string();
    duban_api::idempotency::check(&key)?;
    Ok(Some(key))
}

pub(crate) async fn ws(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let schema = gw.schema.clone();
    let gw = gw.into_inner();
    GraphQLSubscription::new(schema)
        .on_connection_init(move |value: serde_json::Value| async move {
            let token = value
                .get("token")
                .or_else(|| value.get("Authorization"))
                .or_else(|| value.get("authorization"))
                .and_then(|v| v.as_str())
                .map(|t| {
                    if t.starts_with("Bearer ") || t.starts_with("bearer ") {
                        t.to_string()
                    } else {
                        format!("Bearer {t}")
                    }
                });
            match caller(&gw, token.as_deref()).await {
                Ok((subject, actor)) => {
                    let mut data = Data::default();
                    data.insert(Ok::<_, ApiError>(actor));
                    data.insert(subject);
                    Ok(data)
                }
                Err(e) => Err(crate::error::to_graphql(e)),
            }
        })
        .start(&req, payload)
}

fn status_of(e: &ApiError) -> StatusCode {
    match e.code() {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "VALIDATION" => StatusCode::BAD_REQUEST,
        "ILLEGAL_TRANSITION" | "VERSION_CONFLICT" => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An [`ApiError`] over plain HTTP: its status, and `{code, message}`.
pub(crate) fn http_error(e: ApiError) -> HttpResponse {
    HttpResponse::build(status_of(&e))
        .json(serde_json::json!({"code": e.code(), "message": e.to_string()}))
}

/// What a plain-HTTP handler answers when it does not answer `Ok`: an [`ApiError`] in the
/// error table's shape ([`http_error`]), or a refusal already made (a limit's). `?` takes
/// either, so a handler reads as the GraphQL resolvers do.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// A service's or the gateway's error.
    Api(ApiError),
    /// A response made before the handler could go on.
    Made(Box<actix_web::error::InternalError<&'static str>>),
}

/// A plain-HTTP handler's answer.
pub(crate) type HttpAnswer = Result<HttpResponse, Refusal>;

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

impl From<HttpResponse> for Refusal {
    fn from(r: HttpResponse) -> Self {
        Refusal::Made(Box::new(actix_web::error::InternalError::from_response(
            "refused", r,
        )))
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Api(e) => e.fmt(f),
            Refusal::Made(r) => r.fmt(f),
        }
    }
}

impl actix_web::ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Refusal::Api(e) => status_of(e),
            Refusal::Made(r) => r.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Refusal::Api(e) => http_error(e.clone()),
            Refusal::Made(r) => r.error_response(),
        }
    }
}

pub(crate) async fn http_actor(gw: &Gateway, req: &HttpRequest) -> Result<Actor, ApiError> {
    caller(gw, authorization(req)).await.map(|(_, a)| a)
}

#[derive(serde::Deserialize)]
pub(crate) struct InclusionQuery {
    event_id: String,
    tree_size: Option<u64>,
}

#[derive(serde::Deserialize)]
pub(crate) struct ConsistencyQuery {
    from: u64,
    to: Option<u64>,
}

pub(crate) async fn audit_verifier_key(gw: web::Data<Gateway>) -> HttpAnswer {
    let k = gw.services.audit.verifier_key().await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(k + "\n"))
}

pub(crate) async fn audit_checkpoint(gw: web::Data<Gateway>, req: HttpRequest) -> HttpAnswer {
    let actor = http_actor(&gw, &req).await?;
    let c = gw.services.audit.checkpoint(&actor).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(c.note))
}

pub(crate) async fn audit_inclusion(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    q: web::Query<InclusionQuery>,
) -> HttpAnswer {
    let actor = http_actor(&gw, &req).await?;
    let audit = &gw.services.audit;
    let p = audit
        .inclusion_proof(&actor, &q.event_id, q.tree_size)
        .await?;
    Ok(HttpResponse::Ok().json(p))
}

pub(crate) async fn audit_consistency(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    q: web::Query<ConsistencyQuery>,
) -> HttpAnswer {
    let actor = http_actor(&gw, &req).await?;
    let p = gw
        .services
        .audit
        .consistency_proof(&actor, q.from, q.to)
        .await?;
    Ok(HttpResponse::Ok().json(p))
}

pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

pub(crate) async fn readyz(gw: web::Data<Gateway>) -> HttpResponse {
    let s = &gw.services;
    let checks = [
        ("assignments", s.assignments.ready().await),
        ("evaluation", s.evaluation.ready().await),
        ("notifications", s.notifications.ready().await),
        ("audit", s.audit.ready().await),
    ];
    let failing: Vec<_> = checks
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(n, _)| *n)
        .collect();
    if failing.is_empty() {
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "not ready", "failing": failing}))
    }
}
