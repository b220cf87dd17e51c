//! The services' internal HTTP API: one POST endpoint per service carrying a tagged
//! call, the same traits on both sides, so the gateway cannot tell an in-process
//! service from a remote one. Notices stream as newline-delimited JSON.

use crate::signing::{ServiceKey, SignatureError};
use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use duban_api::*;
use duban_auth::Actor;
use duban_schema::assignments::{CampaignSnapshot, OrgUnitSnapshot, PersonSnapshot};
use duban_schema::Color;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A call to the assignments service.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // built once per request, never stored
pub enum AssignmentsCall {
    /// See [`AssignmentsApi::work_calendar`].
    WorkCalendar(Actor, i32),
    /// See [`AssignmentsApi::set_calendar_day`].
    SetCalendarDay(Actor, SetCalendarDayInput),
    /// See [`AssignmentsApi::launch_campaign_as`].
    LaunchCampaign(Actor, LaunchCampaignInput),
    /// See [`AssignmentsApi::register_org_unit`].
    RegisterOrgUnit(Actor, RegisterOrgUnitInput),
    /// See [`AssignmentsApi::register_person_as`].
    RegisterPerson(Actor, RegisterPersonInput),
    /// See [`AssignmentsApi::add_working_days`].
    AddWorkingDays(Actor, chrono::NaiveDate, i32),
    /// See [`AssignmentsApi::issue_assignment`].
    IssueAssignment(Actor, IssueAssignmentInput),
    /// See [`AssignmentsApi::acknowledge_assignment`].
    AcknowledgeAssignment(Actor, TransitionInput),
    /// See [`AssignmentsApi::report_progress`].
    ReportProgress(Actor, ReportProgressInput),
    /// See [`AssignmentsApi::complete_assignment`].
    CompleteAssignment(Actor, TextTransitionInput),
    /// See [`AssignmentsApi::verify_assignment`].
    VerifyAssignment(Actor, TransitionInput),
    /// See [`AssignmentsApi::return_assignment`].
    ReturnAssignment(Actor, TextTransitionInput),
    /// See [`AssignmentsApi::command`].
    Command(Actor, String, i64, AssignmentCommand),
    /// See [`AssignmentsApi::assignment`].
    Assignment(Actor, String),
    /// See [`AssignmentsApi::assignments`].
    Assignments(Actor, AssignmentFilter, PageRequest),
    /// See [`AssignmentsApi::register_problem`].
    RegisterProblem(Actor, RegisterProblemInput),
    /// See [`AssignmentsApi::problem_command`].
    ProblemCommand(Actor, String, i64, ProblemCommand),
    /// See [`AssignmentsApi::problem`].
    Problem(Actor, String),
    /// See [`AssignmentsApi::problems`].
    Problems(Actor, ProblemFilter, PageRequest),
    /// See [`AssignmentsApi::import_ledger`].
    ImportLedger(Actor, LedgerKind, Vec<ImportRow>, bool),
    /// See [`AssignmentsApi::update_org_unit`].
    UpdateOrgUnit(Actor, UpdateOrgUnitInput),
    /// See [`AssignmentsApi::update_person`].
    UpdatePerson(Actor, UpdatePersonInput),
    /// See [`AssignmentsApi::create_duty_rule`].
    CreateDutyRule(Actor, CreateDutyRuleInput),
    /// See [`AssignmentsApi::duty_rules`].
    DutyRules(Actor),
    /// See [`AssignmentsApi::org_units`].
    OrgUnits(Actor),
    /// See [`AssignmentsApi::org_unit`].
    OrgUnit(Actor, String),
    /// See [`AssignmentsApi::person`].
    Person(Actor, String),
    /// See [`AssignmentsApi::campaigns`].
    Campaigns(Actor),
    /// See [`AssignmentsApi::ready`].
    Ready,
    /// See [`AssignmentsApi::authenticate`].
    Authenticate(duban_auth::Subject),
}

/// A call to the evaluation service.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // built once per request, never stored
pub enum EvaluationCall {
    /// See [`EvaluationApi::colors`].
    Colors(Vec<String>),
    /// See [`EvaluationApi::ids_with_color`].
    IdsWithColor(Actor, Color),
    /// See [`EvaluationApi::ready`].
    Ready,
}

/// A call to the notifications service.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // built once per request, never stored
pub enum NotificationsCall {
    /// See [`NotificationsApi::my_notifications`].
    MyNotifications(Actor, bool, PageRequest),
    /// See [`NotificationsApi::mark_read`].
    MarkRead(Actor, String),
    /// See [`NotificationsApi::ready`].
    Ready,
}

/// A call to the audit service.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // built once per request, never stored
pub enum AuditCall {
    /// See [`AuditApi::entries`].
    Entries(Actor, AuditFilter, PageRequest),
    /// See [`AuditApi::checkpoint`].
    Checkpoint(Actor),
    /// See [`AuditApi::inclusion_proof`].
    InclusionProof(Actor, String, Option<u64>),
    /// See [`AuditApi::consistency_proof`].
    ConsistencyProof(Actor, u64, Option<u64>),
    /// See [`AuditApi::verifier_key`].
    VerifierKey,
    /// See [`AuditApi::ready`].
    Ready,
}

fn json<T: Serialize>(r: Result<T, ApiError>) -> Result<Value, ApiError> {
    r.and_then(|v| serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string())))
}

/// Runs an assignments call.
pub async fn dispatch_assignments(
    api: &dyn AssignmentsApi,
    call: AssignmentsCall,
) -> Result<Value, ApiError> {
    use AssignmentsCall as C;
    match call {
        C::WorkCalendar(a, y) => json(api.work_calendar(&a, y).await),
        C::AddWorkingDays(a, f, d) => json(api.add_working_days(&a, f, d).await),
        C::SetCalendarDay(a, i) => json(api.set_calendar_day(&a, i).await),
        C::RegisterOrgUnit(a, i) => json(api.register_org_unit(&a, i).await),
        C::LaunchCampaign(a, i) => json(api.launch_campaign_as(&a, i).await),
        C::RegisterPerson(a, i) => json(api.register_person_as(&a, i).await),
        C::IssueAssignment(a, i) => json(api.issue_assignment(&a, i).await),
        C::AcknowledgeAssignment(a, i) => json(api.acknowledge_assignment(&a, i).await),
        C::ReportProgress(a, i) => json(api.report_progress(&a, i).await),
        C::CompleteAssignment(a, i) => json(api.complete_assignment(&a, i).await),
        C::VerifyAssignment(a, i) => json(api.verify_assignment(&a, i).await),
        C::ReturnAssignment(a, i) => json(api.return_assignment(&a, i).await),
        C::Command(a, id, v, c) => json(api.command(&a, &id, v, c).await),
        C::Assignment(a, id) => json(api.assignment(&a, &id).await),
        C::Assignments(a, f, p) => json(api.assignments(&a, f, p).await),
        C::RegisterProblem(a, i) => json(api.register_problem(&a, i).await),
        C::ProblemCommand(a, id, v, c) => json(api.problem_command(&a, &id, v, c).await),
        C::Problem(a, id) => json(api.problem(&a, &id).await),
        C::Problems(a, f, p) => json(api.problems(&a, f, p).await),
        C::ImportLedger(a, k, r, g) => json(api.import_ledger(&a, k, r, g).await),
        C::UpdateOrgUnit(a, i) => json(api.update_org_unit(&a, i).await),
        C::UpdatePerson(a, i) => json(api.update_person(&a, i).await),
        C::CreateDutyRule(a, i) => json(api.create_duty_rule(&a, i).await),
        C::DutyRules(a) => json(api.duty_rules(&a).await),
        C::OrgUnits(a) => json(api.org_units(&a).await),
        C::OrgUnit(a, id) => json(api.org_unit(&a, &id).await),
        C::Person(a, id) => json(api.person(&a, &id).await),
        C::Campaigns(a) => json(api.campaigns(&a).await),
        C::Ready => json(api.ready().await),
        C::Authenticate(s) => json(api.authenticate(&s).await),
    }
}

/// Runs an evaluation call.
pub async fn dispatch_evaluation(
    api: &dyn EvaluationApi,
    call: EvaluationCall,
) -> Result<Value, ApiError> {
    match call {
        EvaluationCall::Colors(ids) => json(api.colors(&ids).await),
        EvaluationCall::IdsWithColor(a, c) => json(api.ids_with_color(&a, c).await),
        EvaluationCall::Ready => json(api.ready().await),
    }
}

/// Runs a notifications call.
pub async fn dispatch_notifications(
    api: &dyn NotificationsApi,
    call: NotificationsCall,
) -> Result<Value, ApiError> {
    match call {
        NotificationsCall::MyNotifications(a, u, p) => json(api.my_notifications(&a, u, p).await),
        NotificationsCall::MarkRead(a, id) => json(api.mark_read(&a, &id).await),
        NotificationsCall::Ready => json(api.ready().await),
    }
}

/// Runs an audit call.
pub async fn dispatch_audit(api: &dyn AuditApi, call: AuditCall) -> Result<Value, ApiError> {
    match call {
        AuditCall::Entries(a, f, p) => json(api.entries(&a, f, p).await),
        AuditCall::Checkpoint(a) => json(api.checkpoint(&a).await),
        AuditCall::InclusionProof(a, id, s) => json(api.inclusion_proof(&a, &id, s).await),
        AuditCall::ConsistencyProof(a, f, t) => json(api.consistency_proof(&a, f, t).await),
        AuditCall::VerifierKey => json(api.verifier_key().await),
        AuditCall::Ready => json(api.ready().await),
    }
}

/// Path of a service's internal endpoint.
pub fn endpoint(service: &str) -> String {
    format!("/internal/v1/{service}")
}

fn reply(r: Result<Value, ApiError>) -> HttpResponse {
    HttpResponse::Ok().json(r)
}

/// Runs `f` in the caller's trace, when the request names one.
async fn traced<F: std::future::Future<Output = HttpResponse>>(
    req: &actix_web::HttpRequest,
    f: F,
) -> HttpResponse {
    let header = req
        .headers()
        .get(duban_api::trace::HEADER)
        .and_then(|v| v.to_str().ok());
    match duban_api::trace::parse(header) {
        Some(id) => {
            let span = tracing::info_span!("service.call", trace_id = %id, path = %req.path());
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

/// The route of one service's internal endpoint: a signed call, dispatched to `api`.
fn call_route<A, C, F, Fut>(
    cfg: &mut web::ServiceConfig,
    service: &'static str,
    api: Arc<A>,
    key: ServiceKey,
    dispatch: F,
) where
    A: ?Sized + Send + Sync + 'static,
    C: DeserializeOwned + 'static,
    F: Fn(Arc<A>, C) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = Result<Value, ApiError>> + 'static,
{
    cfg.route(
        &endpoint(service),
        web::post().to(move |req: actix_web::HttpRequest, body: web::Bytes| {
            let (api, key, dispatch) = (api.clone(), key.clone(), dispatch.clone());
            async move {
                match signed_call::<C>(&key, &req, &body) {
                    Ok(call) => {
                        let run = async { reply(dispatch(api, call).await) };
                        let keyed = req
                            .headers()
                            .get(duban_api::idempotency::INTERNAL_HEADER)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        match keyed {
                            // Unsigned, and harmless so: a changed key can only return an
                            // answer of the same caller to the same request.
                            Some(k) => traced(&req, duban_api::idempotency::scope(k, run)).await,
                            None => traced(&req, run).await,
                        }
                    }
                    Err(refusal) => *refusal,
                }
            }
        }),
    )
    .app_data(web::PayloadConfig::new(MAX_CALL_BYTES));
}

/// Routes serving the assignments service's internal API.
pub fn assignments_routes(
    api: Arc<dyn AssignmentsApi>,
    key: ServiceKey,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + Sync + 'static {
    move |cfg| {
        call_route(
            cfg,
            "assignments",
            api.clone(),
            key.clone(),
            |api, call| async move { dispatch_assignments(api.as_ref(), call).await },
        );
    }
}

/// Routes serving the evaluation service's internal API.
pub fn evaluation_routes(
    api: Arc<dyn EvaluationApi>,
    key: ServiceKey,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + Sync + 'static {
    move |cfg| {
        call_route(
            cfg,
            "evaluation",
            api.clone(),
            key.clone(),
            |api, call| async move { dispatch_evaluation(api.as_ref(), call).await },
        );
    }
}

/// Routes serving the notifications service's internal API, with the live stream.
pub fn notifications_routes(
    api: Arc<dyn NotificationsApi>,
    key: ServiceKey,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + Sync + 'static {
    move |cfg| {
        call_route(
            cfg,
            "notifications",
            api.clone(),
            key.clone(),
            |api, call| async move { dispatch_notifications(api.as_ref(), call).await },
        );
        cfg.app_data(web::Data::new(api.clone()))
            .app_data(web::Data::new(key.clone()))
            .route(
                &format!("{}/watch/{{person}}", endpoint("notifications")),
                web::get().to(
                    |api: web::Data<Arc<dyn NotificationsApi>>,
                     key: web::Data<ServiceKey>,
                     req: actix_web::HttpRequest,
                     person: web::Path<String>| async move {
                        if let Err(e) = key.check("GET", req.path(), req.headers(), b"") {
                            return refused(e);
                        }
                        let stream = api.watch(&person).map(|v| {
                            let mut line = serde_json::to_vec(&v).unwrap_or_default();
                            line.push(b'\n');
                            Ok::<_, actix_web::Error>(web::Bytes::from(line))
                        });
                        // A first empty line tells the client the watch is registered.
                        let hello = futures::stream::once(async {
                            Ok::<_, actix_web::Error>(web::Bytes::from_static(b"\n"))
                        });
                        HttpResponse::Ok()
                            .content_type("application/x-ndjson")
                            .streaming(hello.chain(stream))
                    },
                ),
            );
    }
}

/// Routes serving the audit service's internal API.
pub fn audit_routes(
    api: Arc<dyn AuditApi>,
    key: ServiceKey,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + Sync + 'static {
    move |cfg| {
        call_route(
            cfg,
            "audit",
            api.clone(),
            key.clone(),
            |api, call| async move { dispatch_audit(api.as_ref(), call).await },
        );
    }
}

/// A client of one service's internal API.
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

    async fn call<C: Serialize, T: DeserializeOwned>(&self, call: &C) -> Result<T, ApiError> {
        let unavailable = |e: reqwest::Error| {
            tracing::warn!(service = self.service, error = %e, "internal call failed");
            ApiError::Internal(format!("{} unavailable: {e}", self.service))
        };
        let path = endpoint(self.service);
        let body = serde_json::to_vec(call).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .timeout(std::time::Duration::from_secs(30))
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in self.key.sign("POST", &path, &body) {
            req = req.header(name, value);
        }
        if let Some(t) = duban_api::trace::current() {
            req = req.header(duban_api::trace::HEADER, t.to_string());
        }
        if let Some(k) = duban_api::idempotency::current() {
            req = req.header(duban_api::idempotency::INTERNAL_HEADER, k);
        }
        let resp = req.body(body).send().await.map_err(unavailable)?;
        if resp.status() == reqwest::StatusCode::UNAUTHORIZED {
            tracing::error!(
                service = self.service,
                "internal call refused: check DUBAN_SERVICE_KEY"
            );
            return Err(ApiError::Unauthenticated(format!(
                "{} 拒绝了内部调用（服务密钥不符）",
                self.service
            )));
        }
        let result: Result<Value, ApiError> = resp.json().await.map_err(unavailable)?;
        serde_json::from_value(result?).map_err(|e| ApiError::Internal(e.to_string()))
    }
}

#[async_trait]
impl AssignmentsApi for HttpClient {
    async fn work_calendar(&self, a: &Actor, year: i32) -> Result<Vec<CalendarDayView>, ApiError> {
        self.call(&AssignmentsCall::WorkCalendar(a.clone(), year))
            .await
    }
    async fn launch_campaign_as(
        &self,
        a: &Actor,
        i: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError> {
        self.call(&AssignmentsCall::LaunchCampaign(a.clone(), i))
            .await
    }
    async fn register_org_unit(
        &self,
        a: &Actor,
        i: RegisterOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        self.call(&AssignmentsCall::RegisterOrgUnit(a.clone(), i))
            .await
    }
    async fn register_person_as(
        &self,
        a: &Actor,
        i: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        self.call(&AssignmentsCall::RegisterPerson(a.clone(), i))
            .await
    }
    async fn set_calendar_day(
        &self,
        a: &Actor,
        i: SetCalendarDayInput,
    ) -> Result<CalendarChangeView, ApiError> {
        self.call(&AssignmentsCall::SetCalendarDay(a.clone(), i))
            .await
    }
    async fn add_working_days(
        &self,
        a: &Actor,
        from: chrono::NaiveDate,
        days: i32,
    ) -> Result<chrono::NaiveDate, ApiError> {
        self.call(&AssignmentsCall::AddWorkingDays(a.clone(), from, days))
            .await
    }
    async fn issue_assignment(
        &self,
        a: &Actor,
        i: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::IssueAssignment(a.clone(), i))
            .await
    }
    async fn acknowledge_assignment(
        &self,
        a: &Actor,
        i: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::AcknowledgeAssignment(a.clone(), i))
            .await
    }
    async fn report_progress(
        &self,
        a: &Actor,
        i: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::ReportProgress(a.clone(), i))
            .await
    }
    async fn complete_assignment(
        &self,
        a: &Actor,
        i: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::CompleteAssignment(a.clone(), i))
            .await
    }
    async fn verify_assignment(
        &self,
        a: &Actor,
        i: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::VerifyAssignment(a.clone(), i))
            .await
    }
    async fn return_assignment(
        &self,
        a: &Actor,
        i: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::ReturnAssignment(a.clone(), i))
            .await
    }
    async fn command(
        &self,
        a: &Actor,
        id: &str,
        expected_version: i64,
        c: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::Command(
            a.clone(),
            id.to_string(),
            expected_version,
            c,
        ))
        .await
    }
    async fn assignment(&self, a: &Actor, id: &str) -> Result<AssignmentView, ApiError> {
        self.call(&AssignmentsCall::Assignment(a.clone(), id.to_string()))
            .await
    }
    async fn assignments(
        &self,
        a: &Actor,
        f: AssignmentFilter,
        p: PageRequest,
    ) -> Result<Page<AssignmentView>, ApiError> {
        self.call(&AssignmentsCall::Assignments(a.clone(), f, p))
            .await
    }
    async fn register_problem(
        &self,
        a: &Actor,
        i: RegisterProblemInput,
    ) -> Result<ProblemView, ApiError> {
        self.call(&AssignmentsCall::RegisterProblem(a.clone(), i))
            .await
    }
    async fn problem_command(
        &self,
        a: &Actor,
        id: &str,
        v: i64,
        c: ProblemCommand,
    ) -> Result<ProblemView, ApiError> {
        self.call(&AssignmentsCall::ProblemCommand(
            a.clone(),
            id.to_string(),
            v,
            c,
        ))
        .await
    }
    async fn problem(&self, a: &Actor, id: &str) -> Result<ProblemView, ApiError> {
        self.call(&AssignmentsCall::Problem(a.clone(), id.to_string()))
            .await
    }
    async fn problems(
        &self,
        a: &Actor,
        f: ProblemFilter,
        p: PageRequest,
    ) -> Result<Page<ProblemView>, ApiError> {
        self.call(&AssignmentsCall::Problems(a.clone(), f, p)).await
    }
    async fn import_ledger(
        &self,
        a: &Actor,
        k: LedgerKind,
        rows: Vec<ImportRow>,
        only_good: bool,
    ) -> Result<ImportReport, ApiError> {
        self.call(&AssignmentsCall::ImportLedger(
            a.clone(),
            k,
            rows,
            only_good,
        ))
        .await
    }
    async fn update_org_unit(
        &self,
        a: &Actor,
        i: UpdateOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        self.call(&AssignmentsCall::UpdateOrgUnit(a.clone(), i))
            .await
    }
    async fn update_person(
        &self,
        a: &Actor,
        i: UpdatePersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        self.call(&AssignmentsCall::UpdatePerson(a.clone(), i))
            .await
    }
    async fn create_duty_rule(
        &self,
        a: &Actor,
        i: CreateDutyRuleInput,
    ) -> Result<duban_schema::assignments::DutyRuleSnapshot, ApiError> {
        self.call(&AssignmentsCall::CreateDutyRule(a.clone(), i))
            .await
    }
    async fn duty_rules(
        &self,
        a: &Actor,
    ) -> Result<Vec<duban_schema::assignments::DutyRuleSnapshot>, ApiError> {
        self.call(&AssignmentsCall::DutyRules(a.clone())).await
    }
    async fn org_units(&self, a: &Actor) -> Result<Vec<OrgUnitSnapshot>, ApiError> {
        self.call(&AssignmentsCall::OrgUnits(a.clone())).await
    }
    async fn org_unit(&self, a: &Actor, id: &str) -> Result<OrgUnitSnapshot, ApiError> {
        self.call(&AssignmentsCall::OrgUnit(a.clone(), id.to_string()))
            .await
    }
    async fn person(&self, a: &Actor, id: &str) -> Result<PersonSnapshot, ApiError> {
        self.call(&AssignmentsCall::Person(a.clone(), id.to_string()))
            .await
    }
    async fn campaigns(&self, a: &Actor) -> Result<Vec<CampaignSnapshot>, ApiError> {
        self.call(&AssignmentsCall::Campaigns(a.clone())).await
    }
    async fn ready(&self) -> Result<(), ApiError> {
        self.call(&AssignmentsCall::Ready).await
    }
    async fn authenticate(&self, s: &duban_auth::Subject) -> Result<Actor, ApiError> {
        self.call(&AssignmentsCall::Authenticate(s.clone())).await
    }
}

#[async_trait]
impl EvaluationApi for HttpClient {
    async fn colors(&self, ids: &[String]) -> Result<HashMap<String, ColorView>, ApiError> {
        self.call(&EvaluationCall::Colors(ids.to_vec())).await
    }
    async fn ids_with_color(&self, a: &Actor, c: Color) -> Result<Vec<String>, ApiError> {
        self.call(&EvaluationCall::IdsWithColor(a.clone(), c)).await
    }
    async fn ready(&self) -> Result<(), ApiError> {
        self.call(&EvaluationCall::Ready).await
    }
}

#[async_trait]
impl NotificationsApi for HttpClient {
    async fn my_notifications(
        &self,
        a: &Actor,
        unread_only: bool,
        p: PageRequest,
    ) -> Result<Page<NotificationView>, ApiError> {
        self.call(&NotificationsCall::MyNotifications(
            a.clone(),
            unread_only,
            p,
        ))
        .await
    }
    async fn mark_read(&self, a: &Actor, id: &str) -> Result<NotificationView, ApiError> {
        self.call(&NotificationsCall::MarkRead(a.clone(), id.to_string()))
            .await
    }
    fn watch(&self, person_id: &str) -> BoxStream<'static, NotificationView> {
        let path = format!("{}/watch/{person_id}", endpoint(self.service));
        let url = format!("{}{path}", self.base);
        let mut req = self.http.get(url);
        for (name, value) in self.key.sign("GET", &path, b"") {
            req = req.header(name, value);
        }
        futures::stream::once(async move { req.send().await })
            .filter_map(|r| async move {
                match r {
                    Ok(resp) => Some(resp.bytes_stream()),
                    Err(e) => {
                        tracing::warn!(error = %e, "notification stream unavailable");
                        None
                    }
                }
            })
            .flatten()
            .scan(Vec::new(), |buf, chunk| {
                let mut out = Vec::new();
                if let Ok(bytes) = chunk {
                    buf.extend_from_slice(&bytes);
                    while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = buf.drain(..=pos).collect();
                        if let Ok(v) = serde_json::from_slice::<NotificationView>(&line) {
                            out.push(v);
                        }
                    }
                    futures::future::ready(Some(out))
                } else {
                    futures::future::ready(None)
                }
            })
            .flat_map(futures::stream::iter)
            .boxed()
    }
    async fn ready(&self) -> Result<(), ApiError> {
        self.call(&NotificationsCall::Ready).await
    }
}

#[async_trait]
impl AuditApi for HttpClient {
    async fn entries(
        &self,
        a: &Actor,
        f: AuditFilter,
        p: PageRequest,
    ) -> Result<Page<AuditEntryView>, ApiError> {
        self.call(&AuditCall::Entries(a.clone(), f, p)).await
    }
    async fn checkpoint(&self, a: &Actor) -> Result<CheckpointView, ApiError> {
        self.call(&AuditCall::Checkpoint(a.clone())).await
    }
    async fn inclusion_proof(
        &self,
        a: &Actor,
        event_id: &str,
        size: Option<u64>,
    ) -> Result<InclusionProofView, ApiError> {
        self.call(&AuditCall::InclusionProof(
            a.clone(),
            event_id.to_string(),
            size,
        ))
        .await
    }
    async fn consistency_proof(
        &self,
        a: &Actor,
        from: u64,
        to: Option<u64>,
    ) -> Result<ConsistencyProofView, ApiError> {
        self.call(&AuditCall::ConsistencyProof(a.clone(), from, to))
            .await
    }
    async fn verifier_key(&self) -> Result<String, ApiError> {
        self.call(&AuditCall::VerifierKey).await
    }
    async fn ready(&self) -> Result<(), ApiError> {
        self.call(&AuditCall::Ready).await
    }
}
