//! The relay: publishes unpublished outbox rows, woken by commits, retrying with
//! backoff while the transport is down, never dropping or reordering an aggregate's
//! events.
//!
//! It selects rows by `published_at IS NULL`, not by "sequence above the last one
//! seen": on PostgreSQL a transaction can commit a lower sequence number after a
//! higher one is already visible, and a cursor would skip it for ever. One
//! aggregate's events stay in order because each transition locks the aggregate's
//! row before it takes its outbox sequence number.

use crate::entity::{outbox, relay_mark};
use duban_clock::SharedClock;
use duban_transport::{Record, Transport};
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

const BATCH: u64 = 500;

/// The one envelope field the relay reads: the trace, for the Kafka headers.
#[derive(serde::Deserialize)]
struct TraceOf {
    correlation_id: String,
}
const IDLE_POLL: Duration = Duration::from_millis(500);
/// How long the relay lets rows gather after publishing a batch before it reads again.
/// Under load each read, produce request and published mark then carries many rows
/// instead of one or two; an idle relay still publishes a commit's rows at once.
pub const GATHER: Duration = Duration::from_millis(3);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Publishes one service's outbox.
#[derive(Clone)]
pub struct Relay {
    service: &'static str,
    db: DatabaseConnection,
    transport: Arc<dyn Transport>,
    wake: Arc<Notify>,
    clock: SharedClock,
    lease: Option<crate::Lease>,
}

impl Relay {
    /// A relay for `service`'s database; `wake` is notified after every commit that wrote the outbox.
    pub fn new(
        service: &'static str,
        db: DatabaseConnection,
        transport: Arc<dyn Transport>,
        wake: Arc<Notify>,
        clock: SharedClock,
    ) -> Self {
        Self {
            service,
            db,
            transport,
            wake,
            clock,
            lease: None,
        }
    }

    /// Publishes only while `lease` is held: one relay per outbox among replicas.
    pub fn with_lease(mut self, lease: crate::Lease) -> Self {
        self.lease = Some(lease);
        self
    }

    /// Runs until `stop` turns true and nothing is left to publish.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> Result<(), DbErr> {
        if !self.transport.durable() {
            // What the in-process transport held died with the last process unless
            // that process drained it; offer everything after the drained mark again
            // (consumers' inboxes drop what they already have).
            let safe = relay_mark::Entity::find_by_id(1)
                .one(&self.db)
                .await?
                .map_or(0, |m| m.safe_seq);
            let reoffered = outbox::Entity::update_many()
                .col_expr(
                    outbox::Column::PublishedAt,
                    sea_orm::sea_query::Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                )
                .filter(outbox::Column::Seq.gt(safe))
                .filter(outbox::Column::PublishedAt.is_not_null())
                .exec(&self.db)
                .await?
                .rows_affected;
            if reoffered > 0 {
                tracing::info!(
                    service = self.service,
                    reoffered,
                    "relay offers events again after an unclean stop"
                );
            }
        }
        let mut backoff = Duration::from_millis(50);
        loop {
            if let Some(lease) = &self.lease {
                // Another replica relays meanwhile; what is left stays for whoever holds it.
                if !lease.wait(&mut stop).await {
                    return Ok(());
                }
            }
            let rows = outbox::Entity::find()
                .filter(outbox::Column::PublishedAt.is_null())
                .order_by_asc(outbox::Column::Seq)
                .limit(BATCH)
                .all(&self.db)
                .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(service = self.service, error = %e, "relay cannot read the outbox");
                    // What is not published stays in the outbox for the next start.
                    if crate::stopped_during(&mut stop, backoff).await {
                        return Ok(());
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            // A durable transport loses nothing by stopping now: what is left stays in
            // the outbox. The in-process one drains first.
            if *stop.borrow() && (rows.is_empty() || self.transport.durable()) {
                return Ok(());
            }
            if rows.is_empty() {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            match self.publish(&rows).await {
                Ok(()) => {
                    backoff = Duration::from_millis(50);
                    // A stop ends the wait; the loop then drains or returns.
                    crate::stopped_during(&mut stop, GATHER).await;
                }
                Err(e) => {
                    tracing::warn!(service = self.service, error = %e, retry_in_ms = backoff.as_millis() as u64, "relay cannot publish; will retry");
                    if crate::stopped_during(&mut stop, backoff).await {
                        return Ok(());
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    async fn publish(&self, rows: &[outbox::Model]) -> Result<(), String> {
        // Consecutive rows of one topic go as one batch; topics alternate in commit order.
        let mut start = 0;
        while start < rows.len() {
            let topic = &rows[start].topic;
            let end = rows[start..]
                .iter()
                .position(|r| &r.topic != topic)
                .map_or(rows.len(), |n| start + n);
            let records = rows[start..end]
                .iter()
                .map(|r| {
                    let mut headers: std::collections::BTreeMap<String, String> =
                        [("event_id".to_string(), r.event_id.clone())].into();
                    if let Ok(t) = serde_json::from_str::<TraceOf>(&r.payload) {
                        headers.insert("trace_id".to_string(), t.correlation_id);
                    }
                    Record {
                        key: r.key.clone(),
                        payload: r.payload.clone().into_bytes(),
                        headers,
                    }
                })
                .collect();
            self.transport
                .publish(topic, records)
                .await
                .map_err(|e| e.to_string())?;
            start = end;
        }
        let now = self.clock.now_utc();
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::PublishedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(outbox::Column::Seq.is_in(rows.iter().map(|r| r.seq)))
            .exec(&self.db)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Age in seconds of the oldest row not yet handed to the transport (0 when none).
    pub async fn oldest_age_seconds(&self) -> Result<f64, DbErr> {
        let oldest = outbox::Entity::find()
            .filter(outbox::Column::PublishedAt.is_null())
            .order_by_asc(outbox::Column::Seq)
            .one(&self.db)
            .await?;
        Ok(oldest.map_or(0.0, |r| {
            (self.clock.now_utc() - r.created_at)
                .num_milliseconds()
                .max(0) as f64
                / 1000.0
        }))
    }

    /// The service this relay publishes for.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Rows not yet handed to the transport.
    pub async fn backlog(&self) -> Result<u64, DbErr> {
        outbox::Entity::find()
            .filter(outbox::Column::PublishedAt.is_null())
            .count(&self.db)
            .await
    }

    /// Records that everything published so far has reached every consumer, so a
    /// restart need not offer it again; called after a drained shutdown.
    pub async fn mark_safe(&self) -> Result<(), DbErr> {
        let seq = outbox::Entity::find()
            .filter(outbox::Column::PublishedAt.is_not_null())
            .order_by_desc(outbox::Column::Seq)
            .one(&self.db)
            .await?
            .map_or(0, |r| r.seq);
        relay_mark::Entity::insert(relay_mark::ActiveModel {
            id: Set(1),
            safe_seq: Set(seq),
        })
        .on_conflict(
            OnConflict::column(relay_mark::Column::Id)
                .update_column(relay_mark::Column::SafeSeq)
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }
}
