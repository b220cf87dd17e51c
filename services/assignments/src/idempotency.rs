//! Idempotent mutations: a repeat of a caller's `Idempotency-Key` within 24 hours returns
//! the first answer and has no second effect. The key is written in the command's own
//! transaction (from `commit`), so a command that committed is never run twice, even
//! when the gateway died before answering; its answer is kept just after.

use crate::entity::idempotency_key;
use crate::rows::internal;
use crate::AssignmentsService;
use async_trait::async_trait;
use duban_api::*;
use duban_auth::Actor;
use duban_schema::assignments::{
    CampaignSnapshot, DutyRuleSnapshot, OrgUnitSnapshot, PersonSnapshot,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    SqlErr,
};
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    static PENDING: Pending;
}

/// The keyed command being run: what `commit` writes beside its change.
struct Pending {
    person_id: String,
    key: String,
    request_hash: String,
    recorded: AtomicBool,
}

const IN_FLIGHT: &str = "同一 Idempotency-Key 的请求正在处理，请稍后再试";

fn request_hash(op: &str, input: &impl Serialize) -> Result<String, ApiError> {
    let body = serde_json::to_vec(input).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut h = Sha256::new();
    h.update(op.as_bytes());
    h.update([0]);
    h.update(&body);
    Ok(hex::encode(h.finalize()))
}

impl AssignmentsService {
    /// Runs a mutation once per (caller, key): the first answer to a repeat.
    async fn once<T, F>(
        &self,
        actor: &Actor,
        op: &str,
        input: &impl Serialize,
        run: F,
    ) -> Result<T, ApiError>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<T, ApiError>>,
    {
        let Some(key) = duban_api::idempotency::current() else {
            return run.await;
        };
        duban_api::idempotency::check(&key)?;
        let request_hash = request_hash(op, input)?;
        let expired =
            self.clock.now() - chrono::Duration::hours(duban_api::idempotency::KEPT_HOURS);
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(expired))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        if let Some(first) = self.first_answer(actor, &key, &request_hash).await? {
            return first;
        }
        let pending = Pending {
            person_id: actor.person_id.clone(),
            key: key.clone(),
            request_hash: request_hash.clone(),
            recorded: AtomicBool::new(false),
        };
        match PENDING.scope(pending, run).await {
            Ok(answer) => {
                let json = serde_json::to_string(&answer)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                idempotency_key::Entity::update_many()
                    .col_expr(
                        idempotency_key::Column::Response,
                        sea_orm::sea_query::Expr::value(json),
                    )
                    .filter(idempotency_key::Column::PersonId.eq(actor.person_id.clone()))
                    .filter(idempotency_key::Column::Key.eq(key))
                    .exec(&self.db)
                    .await
                    .map_err(internal)?;
                Ok(answer)
            }
            // Another request with this key committed first: its answer, once written.
            Err(ApiError::Validation { field, message }) if message == IN_FLIGHT => {
                for _ in 0..50 {
                    if let Some(first) = self.first_answer(actor, &key, &request_hash).await? {
                        return first;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(ApiError::Validation { field, message })
            }
            Err(e) => Err(e),
        }
    }

    /// The stored answer to (caller, key), if that request committed.
    async fn first_answer<T: DeserializeOwned>(
        &self,
        actor: &Actor,
        key: &str,
        request_hash: &str,
    ) -> Result<Option<Result<T, ApiError>>, ApiError> {
        let Some(row) =
            idempotency_key::Entity::find_by_id((actor.person_id.clone(), key.to_string()))
                .one(&self.db)
                .await
                .map_err(internal)?
        else {
            return Ok(None);
        };
        if row.request_hash != request_hash {
            return Ok(Some(Err(ApiError::validation(
                "Idempotency-Key",
                "该 Idempotency-Key 已用于另一请求；每个不同的请求请用新的键",
            ))));
        }
        match row.response {
            Some(json) => Ok(Some(
                serde_json::from_str(&json).map_err(|e| ApiError::Internal(e.to_string())),
            )),
            None => Ok(None),
        }
    }

    /// Writes the keyed command's key into its transaction; a second writer of the same
    /// key waits for the first and is refused, so only one of them commits.
    pub(crate) async fn record_key(&self, txn: &DatabaseTransaction) -> Result<(), ApiError> {
        let now = self.clock.now();
        let row = PENDING.try_with(|p| {
            (!p.recorded.swap(true, Ordering::SeqCst)).then(|| idempotency_key::Model {
                person_id: p.person_id.clone(),
                key: p.key.clone(),
                request_hash: p.request_hash.clone(),
                response: None,
                created_at: now,
            })
        });
        let Ok(Some(row)) = row else {
            return Ok(());
        };
        match row.into_active_model().insert(txn).await {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Err(ApiError::validation("Idempotency-Key", IN_FLIGHT))
            }
            Err(e) => Err(internal(e)),
        }
    }
}

/// The assignments service with every mutation made idempotent by the caller's key:
/// what the gateway and the internal API are given.
#[derive(Clone)]
pub struct Keyed(pub AssignmentsService);

#[async_trait]
impl AssignmentsApi for Keyed {
    async fn work_calendar(&self, a: &Actor, year: i32) -> Result<Vec<CalendarDayView>, ApiError> {
        self.0.work_calendar(a, year).await
    }
    async fn set_calendar_day(
        &self,
        a: &Actor,
        i: SetCalendarDayInput,
    ) -> Result<CalendarChangeView, ApiError> {
        self.0
            .once(
                a,
                "set_calendar_day",
                &i.clone(),
                self.0.set_calendar_day(a, i),
            )
            .await
    }
    async fn launch_campaign_as(
        &self,
        a: &Actor,
        i: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError> {
        self.0
            .once(
                a,
                "launch_campaign",
                &i.clone(),
                self.0.launch_campaign_as(a, i),
            )
            .await
    }
    async fn register_org_unit(
        &self,
        a: &Actor,
        i: RegisterOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        self.0
            .once(
                a,
                "register_org_unit",
                &i.clone(),
                self.0.register_org_unit(a, i),
            )
            .await
    }
    async fn register_person_as(
        &self,
        a: &Actor,
        i: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        self.0
            .once(
                a,
                "register_person",
                &i.clone(),
                self.0.register_person_as(a, i),
            )
            .await
    }
    async fn add_working_days(
        &self,
        a: &Actor,
        from: chrono::NaiveDate,
        days: i32,
    ) -> Result<chrono::NaiveDate, ApiError> {
        self.0.add_working_days(a, from, days).await
    }
    async fn issue_assignment(
        &self,
        a: &Actor,
        i: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError> {
        self.0
            .once(
                a,
                "issue_assignment",
                &i.clone(),
                self.0.issue_assignment(a, i),
            )
            .await
    }
    async fn acknowledge_assignment(
        &self,
        a: &Actor,
        i: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.0
            .once(
                a,
                "acknowledge_assignment",
                &i.clone(),
                self.0.acknowledge_assignment(a, i),
            )
            .await
    }
    async fn report_progress(
        &self,
        a: &Actor,
        i: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError> {
        self.0
            .once(
                a,
                "report_progress",
                &i.clone(),
                self.0.report_progress(a, i),
            )
            .await
    }
    async fn complete_assignment(
        &self,
        a: &Actor,
        i: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.0
            .once(
                a,
                "complete_assignment",
                &i.clone(),
                self.0.complete_assignment(a, i),
            )
            .await
    }
    async fn verify_assignment(
        &self,
        a: &Actor,
        i: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.0
            .once(
                a,
                "verify_assignment",
                &i.clone(),
                self.0.verify_assignment(a, i),
            )
            .await
    }
    async fn return_assignment(
        &self,
        a: &Actor,
        i: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.0
            .once(
                a,
                "return_assignment",
                &i.clone(),
                self.0.return_assignment(a, i),
            )
            .await
    }
    async fn command(
        &self,
        a: &Actor,
        id: &str,
        v: i64,
        c: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError> {
        let input = (id, v, c.clone());
        self.0
            .once(a, "command", &input, self.0.command(a, id, v, c))
            .await
    }
    async fn assignment(&self, a: &Actor, id: &str) -> Result<AssignmentView, ApiError> {
        self.0.assignment(a, id).await
    }
    async fn assignments(
        &self,
        a: &Actor,
        f: AssignmentFilter,
        p: PageRequest,
    ) -> Result<Page<AssignmentView>, ApiError> {
        self.0.assignments(a, f, p).await
    }
    async fn register_problem(
        &self,
        a: &Actor,
        i: RegisterProblemInput,
    ) -> Result<ProblemView, ApiError> {
        self.0
            .once(
                a,
                "register_problem",
                &i.clone(),
                self.0.register_problem(a, i),
            )
            .await
    }
    async fn problem_command(
        &self,
        a: &Actor,
        id: &str,
        v: i64,
        c: ProblemCommand,
    ) -> Result<ProblemView, ApiError> {
        let input = (id, v, c.clone());
        self.0
            .once(
                a,
                "problem_command",
                &input,
                self.0.problem_command(a, id, v, c),
            )
            .await
    }
    async fn problem(&self, a: &Actor, id: &str) -> Result<ProblemView, ApiError> {
        self.0.problem(a, id).await
    }
    async fn problems(
        &self,
        a: &Actor,
        f: ProblemFilter,
        p: PageRequest,
    ) -> Result<Page<ProblemView>, ApiError> {
        self.0.problems(a, f, p).await
    }
    async fn import_ledger(
        &self,
        a: &Actor,
        k: LedgerKind,
        rows: Vec<ImportRow>,
        only_good: bool,
    ) -> Result<ImportReport, ApiError> {
        let input = (k, rows.clone(), only_good);
        self.0
            .once(
                a,
                "import_ledger",
                &input,
                self.0.import_ledger(a, k, rows, only_good),
            )
            .await
    }
    async fn update_org_unit(
        &self,
        a: &Actor,
        i: UpdateOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        self.0
            .once(
                a,
                "update_org_unit",
                &i.clone(),
                self.0.update_org_unit(a, i),
            )
            .await
    }
    async fn update_person(
        &self,
        a: &Actor,
        i: UpdatePersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        self.0
            .once(a, "update_person", &i.clone(), self.0.update_person(a, i))
            .await
    }
    async fn create_duty_rule(
        &self,
        a: &Actor,
        i: CreateDutyRuleInput,
    ) -> Result<DutyRuleSnapshot, ApiError> {
        self.0
            .once(
                a,
                "create_duty_rule",
                &i.clone(),
                self.0.create_duty_rule(a, i),
            )
            .await
    }
    async fn duty_rules(&self, a: &Actor) -> Result<Vec<DutyRuleSnapshot>, ApiError> {
        self.0.duty_rules(a).await
    }
    async fn org_units(&self, a: &Actor) -> Result<Vec<OrgUnitSnapshot>, ApiError> {
        self.0.org_units(a).await
    }
    async fn org_unit(&self, a: &Actor, id: &str) -> Result<OrgUnitSnapshot, ApiError> {
        self.0.org_unit(a, id).await
    }
    async fn person(&self, a: &Actor, id: &str) -> Result<PersonSnapshot, ApiError> {
        self.0.person(a, id).await
    }
    async fn campaigns(&self, a: &Actor) -> Result<Vec<CampaignSnapshot>, ApiError> {
        self.0.campaigns(a).await
    }
    async fn ready(&self) -> Result<(), ApiError> {
        self.0.ready().await
    }
    async fn authenticate(&self, s: &duban_auth::Subject) -> Result<Actor, ApiError> {
        self.0.authenticate(s).await
    }
}
