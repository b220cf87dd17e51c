//! The consumer loop: each event is handled in one transaction together with its
//! inbox row, and the offset is committed only after that transaction.

use crate::entity::inbox;
use async_trait::async_trait;
use duban_clock::SharedClock;
use duban_schema::RawEnvelope;
use duban_transport::{Delivery, Transport};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Set, TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::Instrument;

/// Work to do once the handler's transaction has committed (wake a relay, push to subscribers).
pub type AfterCommit = Box<dyn FnOnce() + Send>;

/// Why a handler failed; the event is retried.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// A database error; the transaction is rolled back.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// The event's data does not match its type.
    #[error("malformed event: {0}")]
    Malformed(String),
}

/// A service's reaction to events of other services.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Applies one event inside `txn`; the caller adds the inbox row and commits.
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &RawEnvelope,
    ) -> Result<Vec<AfterCommit>, HandlerError>;
}

/// Reads a consumer group's topics and applies each event once.
pub struct Consumer {
    /// Consumer group, one per consuming service.
    pub group: String,
    /// Topics read.
    pub topics: Vec<&'static str>,
    /// The service's database.
    pub db: DatabaseConnection,
    /// The transport.
    pub transport: Arc<dyn Transport>,
    /// What to do with each event.
    pub handler: Arc<dyn Handler>,
    /// Time source for inbox stamps.
    pub clock: SharedClock,
    /// Told how long each applied event took (metrics).
    pub on_handled: Option<Arc<dyn Fn(Duration) + Send + Sync>>,
}

/// What happened to one delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Applied now.
    Applied,
    /// Seen before; no second effect.
    Duplicate,
    /// Not an envelope; logged and skipped.
    Unreadable,
}

impl Consumer {
    /// Runs until `stop` turns true; the current event is finished first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let Some(mut sub) = self.join(&mut stop).await else {
            return;
        };
        loop {
            let delivery = tokio::select! {
                d = sub.next() => d,
                _ = stop.changed() => return,
            };
            let delivery = match delivery {
                Ok(d) => d,
                Err(e) => {
                    // A consumer can stay wedged after the brokers come back (seen when they
                    // went away during a rebalance): leave the group and join again. Offsets
                    // are committed only after the inbox, so nothing is lost, and the inbox
                    // drops what comes twice.
                    tracing::warn!(group = %self.group, error = %e, "receive failed; joining again");
                    // Closing a Kafka consumer waits for the broker (leave group, final
                    // commit); off the async threads, so this service's HTTP stays served.
                    drop(tokio::task::spawn_blocking(move || drop(sub)));
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                        _ = stop.changed() => return,
                    }
                    match self.join(&mut stop).await {
                        Some(s) => sub = s,
                        None => return,
                    }
                    continue;
                }
            };
            let mut backoff = Duration::from_millis(50);
            let started = std::time::Instant::now();
            loop {
                match self.apply(&delivery).await {
                    Ok(outcome) => {
                        if let Some(f) = &self.on_handled {
                            f(started.elapsed());
                        }
                        tracing::debug!(group = %self.group, offset = delivery.offset, ?outcome, "handled");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(group = %self.group, topic = %delivery.topic, offset = delivery.offset, error = %e, "handler failed; retrying");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            }
            if let Err(e) = sub.commit(&delivery).await {
                // The inbox makes the redelivery that follows harmless.
                tracing::warn!(group = %self.group, error = %e, "offset commit failed");
            }
        }
    }

    /// Joins the consumer group, retrying with backoff; none when told to stop.
    async fn join(
        &self,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Box<dyn duban_transport::Subscription>> {
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.transport.subscribe(&self.group, &self.topics).await {
                Ok(s) => return Some(s),
                Err(e) => {
                    tracing::warn!(group = %self.group, error = %e, "cannot subscribe; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => return None,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Handles one delivery in one transaction with its inbox row.
    pub async fn apply(&self, delivery: &Delivery) -> Result<Outcome, HandlerError> {
        let envelope: RawEnvelope = match serde_json::from_slice(&delivery.record.payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(group = %self.group, topic = %delivery.topic, offset = delivery.offset, error = %e, "unreadable event skipped");
                return Ok(Outcome::Unreadable);
            }
        };
        let event_id = envelope.meta.id.to_string();
        let span = tracing::info_span!(
            "consumer.handle",
            group = %self.group,
            trace_id = %envelope.meta.correlation_id,
            event_type = %envelope.event_type,
        );
        duban_transport::trace::join(
            &span,
            envelope.meta.correlation_id,
            envelope.meta.causation_id.or(Some(envelope.meta.id)),
        );
        self.apply_in(envelope, event_id, delivery)
            .instrument(span)
            .await
    }

    async fn apply_in(
        &self,
        envelope: RawEnvelope,
        event_id: String,
        delivery: &Delivery,
    ) -> Result<Outcome, HandlerError> {
        let txn = self.db.begin().await?;
        if inbox::Entity::find_by_id(event_id.clone())
            .one(&txn)
            .await?
            .is_some()
        {
            txn.rollback().await?;
            return Ok(Outcome::Duplicate);
        }
        let after = self.handler.handle(&txn, &envelope).await?;
        inbox::ActiveModel {
            event_id: Set(event_id),
            topic: Set(delivery.topic.clone()),
            event_type: Set(envelope.event_type.clone()),
            handled_at: Set(self.clock.now_utc()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        for f in after {
            f();
        }
        Ok(Outcome::Applied)
    }
}
