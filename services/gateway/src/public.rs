//! `/public/v1`: what the public reaches with no account — one survey through its one-time
//! link, one item through its rating link. The token travels in the JSON body (the page keeps it in the URL fragment, which
//! no server log sees); every request is rate-limited per address and bounded in size, and
//! a token opens its one survey and nothing else.

use crate::server::{http_error, Gateway, HttpAnswer};
use crate::sign_in::admitted;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// Largest body a public request may have.
const BODY_LIMIT: usize = 64 << 10;
/// The rate bucket of public requests.
const BUCKET: &str = "public";

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Score {
    indicator: String,
    score: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnitAnswer {
    unit_id: String,
    scores: Vec<Score>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SurveyAnswers {
    token: String,
    answers: Vec<UnitAnswer>,
}

/// The service's answer as JSON, never cached; its error in the error table's shape.
fn answer(r: Result<serde_json::Value, duban_api::ApiError>) -> HttpResponse {
    let mut resp = match r {
        Ok(v) => HttpResponse::Ok().json(v),
        Err(e) => http_error(e),
    };
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

fn done(r: Result<(), duban_api::ApiError>) -> HttpResponse {
    answer(r.map(|()| serde_json::json!({ "ok": true })))
}

/// The request's body as `T`, or the refusal to send back.
async fn body<T: serde::de::DeserializeOwned>(
    gw: &Gateway,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, HttpResponse> {
    let bytes = admitted(gw, req, payload, BUCKET, BODY_LIMIT).await?;
    serde_json::from_slice(&bytes).map_err(|_| {
        crate::limits::refusal(
            StatusCode::BAD_REQUEST,
            "VALIDATION",
            Some("body"),
            "提交的内容格式不正确",
        )
    })
}

/// `POST /public/v1/survey` `{token}`: the survey the link opens.
pub(crate) async fn survey_form(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpAnswer {
    let t: Token = body(&gw, &req, payload).await?;
    Ok(answer(
        gw.services
            .evaluation
            .public_survey(&t.token)
            .await
            .map(|f| {
                serde_json::json!({
                    "title": f.title,
                    "scopeName": f.scope_name,
                    "deadline": f.deadline,
                    "indicators": f.indicators,
                    "group": f.group,
                    "units": f.units.iter().map(|u| serde_json::json!({
                        "unitId": u.unit_id, "name": u.name,
                    })).collect::<Vec<_>>(),
                })
            }),
    ))
}

/// `POST /public/v1/survey/answer` `{token, answers: [{unitId, scores: [{indicator,
/// score}]}]}`: the answer, once per link.
pub(crate) async fn survey_answer(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpAnswer {
    let a: SurveyAnswers = body(&gw, &req, payload).await?;
    let answers = a
        .answers
        .into_iter()
        .map(|u| duban_api::SurveyAnswer {
            unit_id: u.unit_id,
            scores: u
                .scores
                .into_iter()
                .map(|s| (s.indicator, s.score))
                .collect(),
        })
        .collect();
    Ok(done(
        gw.services
            .evaluation
            .answer_public_survey(&a.token, answers)
            .await,
    ))
}

#[derive(Deserialize)]
struct Rate {
    token: String,
    level: String,
    #[serde(default)]
    comment: String,
}

/// `POST /public/v1/rating` `{token}`: the item the link rates.
pub(crate) async fn rating_form(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpAnswer {
    let t: Token = body(&gw, &req, payload).await?;
    Ok(answer(
        gw.services
            .evaluation
            .public_rating(&t.token)
            .await
            .map(|f| {
                serde_json::json!({
                    "title": f.title,
                    "unitName": f.unit_name,
                    "completedOn": f.completed_on,
                    "mayRate": f.may_rate,
                    "note": f.note,
                    "previous": f.previous.map(|(level, label)| serde_json::json!({
                        "level": level, "label": label,
                    })),
                })
            }),
    ))
}

/// `POST /public/v1/rating/rate` `{token, level, comment}`.
pub(crate) async fn rate(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpAnswer {
    let r: Rate = body(&gw, &req, payload).await?;
    Ok(done(
        gw.services
            .evaluation
            .rate(&r.token, &r.level, &r.comment)
            .await,
    ))
}
