//! The consumer loop: each event is handled in a transaction together with its inbox
//! row, and its offset is committed only after that transaction. Events already waiting
//! or arriving within [`GATHER`] are handled together in one transaction (up to
//! [`BATCH`]); when one of them fails, the batch is rolled back and its events are
//! retried one by one.

use crate::entity::inbox;
use async_trait::async_trait;
use duban_clock::SharedClock;
use duban_schema::RawEnvelope;
use duban_transport::{Delivery, Transport};
use sea_orm::{
    sea_query::OnConflict, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryTrait, Set, TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Most events handled in one transaction.
pub const BATCH: usize = 64;

/// How long a consumer waits for more events to join the first one's transaction. Under
/// load a transaction per event costs its BEGIN, inbox row and COMMIT again; a few
/// milliseconds of waiting share them, and add at most that much to an event's latency.
pub const GATHER: Duration = Duration::from_millis(5);

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
    /// Applies new events in order inside `txn`, each under its span (one or several: a
    /// handler writes a batch with a statement per table); the caller adds the inbox rows
    /// and commits.
    async fn handle_all(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
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
        // Doubles after each failed receive, up to 2 s; back to 0.5 s once one succeeds.
        let mut pause = Duration::from_millis(500);
        loop {
            let delivery = tokio::select! {
                d = sub.next() => d,
                _ = stop.changed() => return,
            };
            let delivery = match delivery {
                Ok(d) => {
                    pause = Duration::from_millis(500);
                    d
                }
                Err(e) => {
                    // A consumer can stay wedged after the brokers come back (seen when they
                    // went away during a rebalance): leave the group and join again. Offsets
                    // are committed only after the inbox, so nothing is lost, and the inbox
                    // drops what comes twice.
                    tracing::warn!(group = %self.group, error = %e, retry_in_ms = pause.as_millis() as u64, "receive failed; joining again");
                    // Closing a Kafka consumer waits for the broker (leave group, final
                    // commit); off the async threads, so this service's HTTP stays served.
                    drop(tokio::task::spawn_blocking(move || drop(sub)));
                    if crate::stopped_during(&mut stop, pause).await {
                        return;
                    }
                    pause = (pause * 2).min(Duration::from_secs(2));
                    match self.join(&mut stop).await {
                        Some(s) => sub = s,
                        None => return,
                    }
                    continue;
                }
            };
            // Whatever else arrives within GATHER joins this one's transaction.
            let mut batch = vec![delivery];
            let until = tokio::time::Instant::now() + GATHER;
            // A timeout polls its future before its deadline, so what is already waiting
            // still joins once GATHER has passed.
            while batch.len() < BATCH {
                match tokio::time::timeout_at(until, sub.next()).await {
                    Ok(Ok(d)) => batch.push(d),
                    _ => break,
                }
            }
            let started = std::time::Instant::now();
            let mut applied = batch.len();
            if !(batch.len() > 1 && self.apply_batch(&batch).await.is_ok()) {
                for (i, d) in batch.iter().enumerate() {
                    if !self.apply_with_retry(d, &mut stop).await {
                        applied = i;
                        break;
                    }
                }
            }
            if let Some(f) = &self.on_handled {
                let each = started.elapsed() / batch.len() as u32;
                for _ in &batch[..applied] {
                    f(each);
                }
            }
            for d in &batch[..applied] {
                if let Err(e) = sub.commit(d).await {
                    // The inbox makes the redelivery that follows harmless.
                    tracing::warn!(group = %self.group, error = %e, "offset commit failed");
                }
            }
            if applied < batch.len() {
                // Told to stop while the handler kept failing: the rest comes again.
                return;
            }
        }
    }

    /// Applies one delivery, retrying with backoff until it is applied; false when told
    /// to stop first.
    async fn apply_with_retry(
        &self,
        delivery: &Delivery,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.apply(delivery).await {
                Ok(outcome) => {
                    tracing::debug!(group = %self.group, offset = delivery.offset, ?outcome, "handled");
                    return true;
                }
                Err(e) => {
                    tracing::warn!(group = %self.group, topic = %delivery.topic, offset = delivery.offset, error = %e, "handler failed; retrying");
                    if crate::stopped_during(stop, backoff).await {
                        return false;
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Applies several deliveries in one transaction; nothing is kept when one fails.
    async fn apply_batch(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        let mut events: Vec<(RawEnvelope, &Delivery)> = Vec::with_capacity(batch.len());
        for d in batch {
            let Ok(envelope) = serde_json::from_slice::<RawEnvelope>(&d.record.payload) else {
                // Left to the one-by-one path, which logs and skips it.
                return Err(HandlerError::Malformed("unreadable event in batch".into()));
            };
            if events.iter().all(|(e, _)| e.meta.id != envelope.meta.id) {
                events.push((envelope, d));
            }
        }
        let txn = self.db.begin().await?;
        match self.apply_in(&txn, events).await {
            Ok((_, after)) => {
                txn.commit().await?;
                for f in after {
                    f();
                }
                Ok(())
            }
            Err(e) => {
                tracing::debug!(group = %self.group, error = %e, "batch failed; one by one");
                txn.rollback().await?;
                Err(e)
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
                    if crate::stopped_during(stop, backoff).await {
                        return None;
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
        let txn = self.db.begin().await?;
        match self.apply_in(&txn, vec![(envelope, delivery)]).await? {
            (0, _) => {
                txn.rollback().await?;
                Ok(Outcome::Duplicate)
            }
            (_, after) => {
                txn.commit().await?;
                for f in after {
                    f();
                }
                Ok(Outcome::Applied)
            }
        }
    }

    /// The span of one event's handling, joined to the trace it belongs to.
    fn span(&self, envelope: &RawEnvelope) -> tracing::Span {
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
        span
    }

    /// The inbox row recording that `envelope` was handled now.
    fn inbox_row(&self, envelope: &RawEnvelope, delivery: &Delivery) -> inbox::ActiveModel {
        inbox::ActiveModel {
            event_id: Set(envelope.meta.id.to_string()),
            topic: Set(delivery.topic.clone()),
            event_type: Set(envelope.event_type.clone()),
            handled_at: Set(self.clock.now_utc()),
        }
    }

    /// Writes the inbox rows of `events` (no id twice) in one statement, and inside the same
    /// `txn` the handler's effects of those the inbox did not have yet; returns how many
    /// those were and what to do after the commit.
    async fn apply_in(
        &self,
        txn: &DatabaseTransaction,
        events: Vec<(RawEnvelope, &Delivery)>,
    ) -> Result<(usize, Vec<AfterCommit>), HandlerError> {
        let mut insert =
            inbox::Entity::insert_many(events.iter().map(|(e, d)| self.inbox_row(e, d)))
                .on_conflict(
                    OnConflict::column(inbox::Column::EventId)
                        .do_nothing()
                        .to_owned(),
                )
                .into_query();
        insert.returning_col(inbox::Column::EventId);
        let fresh: std::collections::HashSet<String> = txn
            .query_all(txn.get_database_backend().build(&insert))
            .await?
            .iter()
            .filter_map(|r| r.try_get_by_index::<String>(0).ok())
            .collect();
        let fresh: Vec<(RawEnvelope, tracing::Span)> = events
            .into_iter()
            .filter(|(e, _)| fresh.contains(&e.meta.id.to_string()))
            .map(|(e, _)| {
                let span = self.span(&e);
                (e, span)
            })
            .collect();
        let after = self.handler.handle_all(txn, &fresh).await?;
        Ok((fresh.len(), after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_clock::Clock;
    use duban_transport::{InProcessTransport, Record};
    use sea_orm::{ConnectionTrait, Statement};
    use sea_orm_migration::MigratorTrait;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Migrator;

    #[async_trait]
    impl MigratorTrait for Migrator {
        fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
            vec![Box::new(crate::migration::CreateOutboxInbox)]
        }
    }

    /// Records each event's key in `effect`; fails once on the key "poison".
    struct Recorder {
        failed_once: AtomicBool,
    }

    #[async_trait]
    impl Handler for Recorder {
        async fn handle_all(
            &self,
            txn: &DatabaseTransaction,
            events: &[(RawEnvelope, tracing::Span)],
        ) -> Result<Vec<AfterCommit>, HandlerError> {
            for (event, _) in events {
                let key = event.meta.aggregate_id.clone();
                txn.execute(Statement::from_sql_and_values(
                    txn.get_database_backend(),
                    "INSERT INTO effect (k) VALUES (?)",
                    [key.clone().into()],
                ))
                .await?;
                if key == "poison" && !self.failed_once.swap(true, Ordering::SeqCst) {
                    return Err(HandlerError::Malformed("fails the first time".into()));
                }
            }
            Ok(vec![])
        }
    }

    fn record(key: &str) -> Record {
        let now = duban_clock::SystemClock.now();
        let meta = crate::meta(now, "t", "/t", "a", uuid::Uuid::now_v7(), None, key, 1);
        let env = RawEnvelope {
            meta,
            event_type: "Probe".into(),
            data: serde_json::value::to_raw_value(&serde_json::json!({})).unwrap(),
        };
        Record {
            key: key.into(),
            payload: serde_json::to_vec(&env).unwrap_or_default(),
            headers: Default::default(),
        }
    }

    /// A fresh SQLite database with the outbox and inbox tables.
    async fn migrated_db() -> DatabaseConnection {
        let dir = std::env::temp_dir().join(format!("duban-consumer-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/c.db?mode=rwc", dir.display());
        let db = crate::db::connect(&url, "c").await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        db
    }

    #[tokio::test]
    async fn a_batch_with_a_duplicate_and_a_failing_event_applies_each_event_once() {
        let db = migrated_db().await;
        db.execute_unprepared("CREATE TABLE effect (k TEXT NOT NULL)")
            .await
            .unwrap();
        let transport = Arc::new(InProcessTransport::new());
        let mut records: Vec<Record> = (0..10).map(|i| record(&format!("k{i}"))).collect();
        records.insert(4, records[3].clone());
        records.insert(7, record("poison"));
        transport.publish("probe", records.clone()).await.unwrap();
        let consumer = Consumer {
            group: "g".into(),
            topics: vec!["probe"],
            db: db.clone(),
            transport: transport.clone(),
            handler: Arc::new(Recorder {
                failed_once: AtomicBool::new(false),
            }),
            clock: Arc::new(duban_clock::SystemClock),
            on_handled: None,
        };
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(consumer.run(rx));
        let count = |sql: &'static str| {
            let db = db.clone();
            async move {
                let row = db
                    .query_one(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        for _ in 0..200 {
            if count("SELECT count(*) FROM inbox").await == 11 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(count("SELECT count(*) FROM inbox").await, 11);
        // Redelivered after it was handled, in a batch with a new event.
        transport
            .publish("probe", vec![records[0].clone(), record("k10")])
            .await
            .unwrap();
        for _ in 0..200 {
            if count("SELECT count(*) FROM inbox").await == 12 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.send(true).unwrap();
        task.await.unwrap();
        assert_eq!(count("SELECT count(*) FROM inbox").await, 12);
        assert_eq!(
            count("SELECT count(*) FROM effect").await,
            12,
            "no effect twice"
        );
        assert_eq!(
            count("SELECT count(DISTINCT k) FROM effect").await,
            12,
            "each event once, the duplicates not again"
        );
        assert_eq!(transport.lag("g", &["probe"]).await.unwrap(), 0);
    }

    /// Fails every event, as a handler does while its database is gone.
    struct Refuses;

    #[async_trait]
    impl Handler for Refuses {
        async fn handle_all(
            &self,
            _txn: &DatabaseTransaction,
            _events: &[(RawEnvelope, tracing::Span)],
        ) -> Result<Vec<AfterCommit>, HandlerError> {
            Err(HandlerError::Malformed("refused".into()))
        }
    }

    #[tokio::test]
    async fn a_consumer_retrying_a_failing_event_stops_when_told_and_leaves_it_uncommitted() {
        let db = migrated_db().await;
        let transport = Arc::new(InProcessTransport::new());
        transport
            .publish("probe", vec![record("k0")])
            .await
            .unwrap();
        let consumer = Consumer {
            group: "g".into(),
            topics: vec!["probe"],
            db: db.clone(),
            transport: transport.clone(),
            handler: Arc::new(Refuses),
            clock: Arc::new(duban_clock::SystemClock),
            on_handled: None,
        };
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(consumer.run(rx));
        // Long enough for a few retries with backoff (50, 100, 200 ms …).
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            !task.is_finished(),
            "still retrying before it is told to stop"
        );
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("a consumer retrying a failing event stops when told")
            .unwrap();
        assert_eq!(
            transport.lag("g", &["probe"]).await.unwrap(),
            1,
            "the event is not committed: it comes again on the next start"
        );
    }
}
