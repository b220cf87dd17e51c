//! `/auth/v1`: password sign-in, the forced change of an initial password, refresh and
//! sign-out. Access tokens are short-lived JWTs carrying their session; the refresh token
//! lives only in an HttpOnly cookie scoped to `/auth/v1`.

use crate::limits::{read_body, refusal};
use crate::server::Gateway;
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use duban_api::{ApiError, SignInOutcome, SignInRefusal, SignedIn};
use duban_auth::{Claims, ACCESS_TTL_SECS};
use serde::Deserialize;

/// The refresh cookie's name.
pub const REFRESH_COOKIE: &str = "duban_refresh";
/// Largest body a sign-in request may have.
const BODY_LIMIT: usize = 4 << 10;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Credentials {
    account: String,
    password: String,
    #[serde(default)]
    new_password: Option<String>,
}

fn coded(status: StatusCode, code: &str, field: Option<&str>, message: &str) -> HttpResponse {
    refusal(status, code, field, message)
}

fn refresh_cookie(req: &HttpRequest, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value)
        .path("/auth/v1")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .max_age(time::Duration::seconds(max_age.max(0)))
        .finish()
}

/// The answer to a sign-in that came to something: tokens and cookie, or a coded refusal.
fn answer(gw: &Gateway, req: &HttpRequest, outcome: SignInOutcome) -> HttpResponse {
    match outcome {
        SignInOutcome::SignedIn(s) => signed_in(gw, req, s),
        SignInOutcome::Refused {
            refusal: why,
            message,
            retry_after_secs,
        } => {
            let status = match why {
                SignInRefusal::InvalidCredentials | SignInRefusal::SessionEnded => {
                    StatusCode::UNAUTHORIZED
                }
                SignInRefusal::AccountLocked => StatusCode::TOO_MANY_REQUESTS,
                SignInRefusal::PasswordChangeRequired => StatusCode::FORBIDDEN,
            };
            let mut resp = coded(status, why.code(), None, &message);
            if let Some(secs) = retry_after_secs {
                if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            if why == SignInRefusal::SessionEnded {
                let _ = resp.add_removal_cookie(&refresh_cookie(req, String::new(), 0));
            }
            resp
        }
    }
}

fn signed_in(gw: &Gateway, req: &HttpRequest, s: SignedIn) -> HttpResponse {
    let now = gw.clock.now_utc().timestamp();
    let claims = Claims {
        sub: s.person_id.clone(),
        gen: s.generation,
        tenant: gw.tenant.clone(),
        iat: now,
        exp: now + ACCESS_TTL_SECS,
        sid: Some(s.session_id.clone()),
    };
    let token = match gw.keys.sign(&claims) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot sign an access token");
            return coded(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                None,
                "服务内部错误，请稍后重试",
            );
        }
    };
    HttpResponse::Ok()
        .cookie(refresh_cookie(
            req,
            s.refresh_token,
            s.session_expires_at - now,
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "accessToken": token,
            "tokenType": "Bearer",
            "expiresIn": ACCESS_TTL_SECS,
            "person": { "id": s.person_id, "name": s.name },
        }))
}

fn failed(e: ApiError) -> HttpResponse {
    let field = match &e {
        ApiError::Validation { field, .. } => Some(field.clone()),
        _ => None,
    };
    let status = match e.code() {
        "VALIDATION" => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    coded(status, e.code(), field.as_deref(), &e.to_string())
}

/// Refuses a caller over the rate of `bucket` per address, what is not JSON (a
/// cross-site form cannot send it) and what is over `limit` bytes.
pub(crate) async fn admitted(
    gw: &Gateway,
    req: &HttpRequest,
    payload: web::Payload,
    bucket: &str,
    limit: usize,
) -> Result<web::Bytes, HttpResponse> {
    let addr = req
        .peer_addr()
        .map(|p| p.ip().to_string())
        .unwrap_or_default();
    if let Some(refused) = gw.rate.refusal(&format!("{bucket}:{addr}")) {
        return Err(refused);
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !json {
        return Err(coded(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            Some("body"),
            "请以 application/json 提交",
        ));
    }
    read_body(req, payload, limit).await
}

async fn credentials(
    gw: &Gateway,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Credentials, HttpResponse> {
    let body = admitted(gw, req, payload, "sign-in", BODY_LIMIT).await?;
    let c: Credentials = serde_json::from_slice(&body).map_err(|_| {
        coded(
            StatusCode::BAD_REQUEST,
            "VALIDATION",
            Some("body"),
            "请提交账号（account）和密码（password）",
        )
    })?;
    if c.account.trim().is_empty() || c.password.is_empty() {
        let field = if c.account.trim().is_empty() {
            "account"
        } else {
            "password"
        };
        return Err(coded(
            StatusCode::BAD_REQUEST,
            "VALIDATION",
            Some(field),
            "请输入账号和密码",
        ));
    }
    Ok(c)
}

/// `POST /auth/v1/login` `{account, password}`.
pub(crate) async fn login(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let c = match credentials(&gw, &req, payload).await {
        Ok(c) => c,
        Err(refused) => return refused,
    };
    match gw
        .services
        .assignments
        .sign_in(&c.account, &c.password)
        .await
    {
        Ok(o) => answer(&gw, &req, o),
        Err(e) => failed(e),
    }
}

/// `POST /auth/v1/password` `{account, password, newPassword}`: changes the password and
/// signs in.
pub(crate) async fn change_password(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let c = match credentials(&gw, &req, payload).await {
        Ok(c) => c,
        Err(refused) => return refused,
    };
    let Some(new) = c.new_password.filter(|p| !p.is_empty()) else {
        return coded(
            StatusCode::BAD_REQUEST,
            "VALIDATION",
            Some("newPassword"),
            "请输入新密码",
        );
    };
    match gw
        .services
        .assignments
        .change_password(&c.account, &c.password, &new)
        .await
    {
        Ok(o) => answer(&gw, &req, o),
        Err(e) => failed(e),
    }
}

fn refresh_token(req: &HttpRequest) -> Option<String> {
    req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string())
}

/// `POST /auth/v1/refresh`: a new access token for the session in the cookie.
pub(crate) async fn refresh(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(refused) = admitted(&gw, &req, payload, "sign-in", BODY_LIMIT).await {
        return refused;
    }
    let Some(token) = refresh_token(&req) else {
        return answer(
            &gw,
            &req,
            SignInOutcome::Refused {
                refusal: SignInRefusal::SessionEnded,
                message: "尚未登录或登录已失效，请重新登录".into(),
                retry_after_secs: None,
            },
        );
    };
    match gw.services.assignments.refresh_session(&token).await {
        Ok(o) => answer(&gw, &req, o),
        Err(e) => failed(e),
    }
}

/// `POST /auth/v1/logout`: ends the session in the cookie and clears it.
pub(crate) async fn logout(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(refused) = admitted(&gw, &req, payload, "sign-in", BODY_LIMIT).await {
        return refused;
    }
    if let Some(token) = refresh_token(&req) {
        if let Err(e) = gw.services.assignments.sign_out(&token).await {
            return failed(e);
        }
    }
    let mut resp = HttpResponse::NoContent().finish();
    let _ = resp.add_removal_cookie(&refresh_cookie(&req, String::new(), 0));
    resp
}
