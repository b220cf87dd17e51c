//! The gateway's own bounds on a request: body size (checked before the body is read,
//! and after the caller is known), response size, and the coded Chinese refusals for them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures::StreamExt;

/// The bounds, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest `/graphql` request body, in bytes.
    pub graphql_body: usize,
    /// Largest ledger file an import reads, in bytes.
    pub import_body: usize,
    /// Largest `/graphql` response body, in bytes.
    pub response: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            graphql_body: 1 << 20,
            import_body: 10 << 20,
            response: 8 << 20,
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
