//! Reliable event exchange between services over any [`Transport`]:
//! the outbox row is written in the same transaction as the change, a relay
//! publishes it, and consumers record each handled event id in an inbox row in
//! the same transaction as their effect, so a redelivery has no second effect.

pub mod calendar;
pub mod consumer;
pub mod db;
pub mod entity;
pub mod follow;
pub mod gather;
pub mod lease;
pub mod migration;
pub mod page;
pub mod relay;
pub mod together;

pub use consumer::{AfterCommit, Consumer, Handler, HandlerError};
pub use lease::Lease;
pub use relay::Relay;

use duban_schema::{Envelope, EnvelopeMeta};
use duban_transport::Transport;
use sea_orm::sea_query::InsertStatement;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryTrait, Set};
use serde::Serialize;

/// Waits `pause` unless told to stop; true when told before or meanwhile (or when the
/// sender is gone). The relay and the consumers retry and gather this way.
pub async fn stopped_during(
    stop: &mut tokio::sync::watch::Receiver<bool>,
    pause: std::time::Duration,
) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(pause) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

/// Writes an event into the outbox using the caller's transaction.
pub async fn enqueue<C: ConnectionTrait, E: Serialize>(
    conn: &C,
    topic: &str,
    envelope: &Envelope<E>,
) -> Result<(), DbErr> {
    enqueue_all(conn, topic, std::slice::from_ref(envelope)).await
}

/// Rows a multi-row INSERT writes at most: up to 30 columns a row stay below the
/// bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
pub const ROWS_PER_STATEMENT: usize = 1000;

/// Writes events into the outbox in order using the caller's transaction, a
/// thousand rows a statement.
pub async fn enqueue_all<C: ConnectionTrait, E: Serialize>(
    conn: &C,
    topic: &str,
    envelopes: &[Envelope<E>],
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    for chunk in envelopes.chunks(ROWS_PER_STATEMENT) {
        conn.execute(backend.build(&enqueue_statement(topic, chunk)?))
            .await?;
    }
    Ok(())
}

/// The INSERT that writes `envelopes` (at most [`ROWS_PER_STATEMENT`]) into the outbox,
/// for a command that sends it in one statement with its own (see [`together`]).
pub fn enqueue_statement<E: Serialize>(
    topic: &str,
    envelopes: &[Envelope<E>],
) -> Result<InsertStatement, DbErr> {
    let rows = envelopes
        .iter()
        .map(|envelope| {
            let payload = serde_json::to_string(envelope)
                .map_err(|e| DbErr::Custom(format!("serialise: {e}")))?;
            Ok(entity::outbox::ActiveModel {
                event_id: Set(envelope.meta.id.to_string()),
                topic: Set(topic.to_string()),
                key: Set(envelope.meta.aggregate_id.clone()),
                payload: Set(payload),
                created_at: Set(envelope.meta.occurred_at.with_timezone(&chrono::Utc)),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(entity::outbox::Entity::insert_many(rows).into_query())
}

/// Builds envelope metadata for a new event.
#[allow(clippy::too_many_arguments)]
pub fn meta(
    now: chrono::DateTime<chrono::FixedOffset>,
    tenant: &str,
    org_path: &str,
    actor: &str,
    correlation_id: uuid::Uuid,
    causation_id: Option<uuid::Uuid>,
    aggregate_id: &str,
    aggregate_sequence: i64,
) -> EnvelopeMeta {
    EnvelopeMeta {
        id: new_event_id(now),
        schema_version: duban_schema::SCHEMA_VERSION,
        occurred_at: now,
        tenant: tenant.to_string(),
        org_path: org_path.to_string(),
        actor: actor.to_string(),
        correlation_id,
        causation_id,
        aggregate_id: aggregate_id.to_string(),
        aggregate_sequence,
    }
}

/// The meta of an event that a command starts: a correlation of its own, no cause.
pub fn command_meta(
    now: chrono::DateTime<chrono::FixedOffset>,
    tenant: &str,
    org_path: &str,
    actor: &str,
    aggregate_id: &str,
    aggregate_sequence: i64,
) -> EnvelopeMeta {
    meta(
        now,
        tenant,
        org_path,
        actor,
        new_event_id(now),
        None,
        aggregate_id,
        aggregate_sequence,
    )
}

/// A UUIDv7 stamped with the injected clock's time.
pub fn new_event_id(now: chrono::DateTime<chrono::FixedOffset>) -> uuid::Uuid {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        now.timestamp().max(0) as u64,
        now.timestamp_subsec_nanos(),
    );
    uuid::Uuid::new_v7(ts)
}

/// What every service process needs to exchange events: the transport and the
/// signal that wakes its relay after a commit.
#[derive(Clone)]
pub struct EventBus {
    /// The transport events travel over.
    pub transport: std::sync::Arc<dyn Transport>,
    /// Wakes the relay of this service after a commit.
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}
