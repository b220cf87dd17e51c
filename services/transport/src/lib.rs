//! The event transport: one trait, shaped like Kafka (topics, keys, consumer
//! groups, offsets committed after handling), with an in-process implementation
//! for the all-in-one binary.

mod in_process;
mod kafka;
pub mod trace;

pub use in_process::InProcessTransport;
pub use kafka::{KafkaSettings, KafkaTransport};

use async_trait::async_trait;
use std::collections::BTreeMap;

/// Errors a transport reports.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The broker cannot be reached or refused the request; retry later.
    #[error("transport unavailable: {0}")]
    Unavailable(String),
    /// The transport was shut down.
    #[error("transport closed")]
    Closed,
}

/// One message to publish: the key keeps one aggregate's events in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Partitioning key: the aggregate id.
    pub key: String,
    /// The serialised envelope.
    pub payload: Vec<u8>,
    /// Headers such as the trace context.
    pub headers: BTreeMap<String, String>,
}

/// A record as received, with where it came from so it can be committed.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Topic it was read from.
    pub topic: String,
    /// Partition within the topic.
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
    /// The record.
    pub record: Record,
}

/// Publishes records and opens consumer-group subscriptions.
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Publishes records to a topic, in order; returns once the transport holds them durably
    /// (for the in-process transport: in memory).
    async fn publish(&self, topic: &str, records: Vec<Record>) -> Result<(), TransportError>;

    /// Joins consumer group `group` on `topics`. Delivery resumes after the group's
    /// last committed offset, so an uncommitted delivery comes again.
    async fn subscribe(
        &self,
        group: &str,
        topics: &[&str],
    ) -> Result<Box<dyn Subscription>, TransportError>;

    /// Whether a published record survives a crash of this process. The outbox relay
    /// re-offers records after an unclean stop when it does not.
    fn durable(&self) -> bool;

    /// Checks the broker can be reached; for readiness probes.
    async fn ping(&self) -> Result<(), TransportError>;

    /// Records in `topics` that consumer group `group` has not committed yet.
    async fn lag(&self, group: &str, topics: &[&str]) -> Result<i64, TransportError>;
}

/// A consumer-group member's stream of deliveries.
#[async_trait]
pub trait Subscription: Send {
    /// Waits for the next delivery.
    async fn next(&mut self) -> Result<Delivery, TransportError>;

    /// Marks `delivery` and everything before it in its partition as handled.
    async fn commit(&mut self, delivery: &Delivery) -> Result<(), TransportError>;
}
