//! Idempotent mutations: a repeat of a caller's `Idempotency-Key` within 24 hours returns
//! the first answer and has no second effect. The key is written in the command's own
//! transaction (from `commit`), so a command that committed is never run twice, even
//! when the gateway died before answering. Issuing and the transitions keep their answer
//! with the key in that transaction; the other writes keep it just after the commit.

use crate::entity::idempotency_key;
use crate::rows::internal;
use crate::AssignmentsService;
use async_trait::async_trait;
use duban_api::rpc::{Wrapped, Writes};
use duban_api::ApiError;
use duban_auth::Actor;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    SqlErr,
};
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    static PENDING: std::sync::Arc<Pending>;
}

/// The keyed command being run: what `commit` writes beside its change.
struct Pending {
    person_id: String,
    key: String,
    request_hash: String,
    recorded: AtomicBool,
    /// The answer, when the command gave it before committing ([`answer_with`]): then it
    /// is written with the key, and no crash between commit and answer can lose it.
    answer: std::sync::Mutex<Option<String>>,
    answered: AtomicBool,
}

/// Gives the keyed command's answer before its commit, so that the key is written with
/// it in the same transaction; a retry after a crash just past the commit gets it.
pub(crate) fn answer_with<T: Serialize>(answer: &T) {
    let _ = PENDING.try_with(|p| {
        *p.answer.lock().unwrap_or_else(|e| e.into_inner()) = serde_json::to_string(answer).ok();
    });
}

/// Whether the command being run carries an Idempotency-Key, which `commit` writes.
pub(crate) fn has_key() -> bool {
    PENDING.try_with(|_| ()).is_ok()
}

const IN_FLIGHT: &str = "同一 Idempotency-Key 的请求正在处理，请稍后再试";

fn request_hash(op: &str, request: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(op.as_bytes());
    h.update([0]);
    h.update(request);
    hex::encode(h.finalize())
}

impl AssignmentsService {
    /// Runs a mutation once per (caller, key): the first answer to a repeat.
    async fn once<T, F>(
        &self,
        actor: &Actor,
        op: &str,
        request: &[u8],
        run: F,
    ) -> Result<T, ApiError>
    where
        T: Serialize + DeserializeOwned + Send,
        F: Future<Output = Result<T, ApiError>> + Send,
    {
        let Some(key) = duban_api::idempotency::current() else {
            return run.await;
        };
        duban_api::idempotency::check(&key)?;
        let request_hash = request_hash(op, request);
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
        let pending = std::sync::Arc::new(Pending {
            person_id: actor.person_id.clone(),
            key: key.clone(),
            request_hash: request_hash.clone(),
            recorded: AtomicBool::new(false),
            answer: std::sync::Mutex::new(None),
            answered: AtomicBool::new(false),
        });
        match PENDING.scope(pending.clone(), run).await {
            Ok(answer) if pending.answered.load(Ordering::SeqCst) => Ok(answer),
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
            (!p.recorded.swap(true, Ordering::SeqCst)).then(|| {
                let response = p.answer.lock().unwrap_or_else(|e| e.into_inner()).take();
                p.answered.store(response.is_some(), Ordering::SeqCst);
                idempotency_key::Model {
                    person_id: p.person_id.clone(),
                    key: p.key.clone(),
                    request_hash: p.request_hash.clone(),
                    response,
                    created_at: now,
                }
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

/// What runs around each write of the assignments service: its Idempotency-Key replay.
#[derive(Clone)]
pub struct Keys(AssignmentsService);

/// The assignments service with every write made idempotent by the caller's key: what
/// the gateway and the internal API are given.
pub type Keyed = Wrapped<AssignmentsService, Keys>;

/// `svc` with its writes keyed.
pub fn keyed(svc: AssignmentsService) -> Keyed {
    Wrapped {
        inner: svc.clone(),
        writes: Keys(svc),
    }
}

#[async_trait]
impl Writes for Keys {
    async fn write<T, F>(
        &self,
        actor: &Actor,
        op: &'static str,
        request: Vec<u8>,
        run: F,
    ) -> Result<T, ApiError>
    where
        T: Serialize + DeserializeOwned + Send,
        F: Future<Output = Result<T, ApiError>> + Send,
    {
        self.0.once(actor, op, &request, run).await
    }
}
