//! In-process transport: one ordered log per topic (a single partition), consumer
//! groups with committed offsets, and a wake-up when records arrive.

use crate::{Delivery, Record, Subscription, Transport, TransportError};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Default)]
struct State {
    logs: HashMap<String, Vec<Record>>,
    /// (group, topic) → next offset to deliver after a restart of the subscription.
    committed: HashMap<(String, String), i64>,
    /// Every (group, topic) that has subscribed, so pending work can be counted.
    subscribed: Vec<(String, String)>,
}

/// Transport that keeps every topic in memory; for the all-in-one binary and unit tests.
#[derive(Clone, Default)]
pub struct InProcessTransport {
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
}

impl InProcessTransport {
    /// An empty transport.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of records in a topic; for tests.
    pub fn len(&self, topic: &str) -> usize {
        self.lock().logs.get(topic).map_or(0, Vec::len)
    }

    /// Whether a topic has no records.
    pub fn is_empty(&self, topic: &str) -> bool {
        self.len(topic) == 0
    }

    /// Records published but not yet committed by some subscribed group; a graceful
    /// shutdown waits for this to reach zero.
    pub fn pending(&self) -> i64 {
        let state = self.lock();
        state
            .subscribed
            .iter()
            .map(|key| {
                let end = state.logs.get(&key.1).map_or(0, Vec::len) as i64;
                end - state.committed.get(key).copied().unwrap_or(0)
            })
            .sum()
    }
}

#[async_trait]
impl Transport for InProcessTransport {
    async fn publish(&self, topic: &str, records: Vec<Record>) -> Result<(), TransportError> {
        self.lock()
            .logs
            .entry(topic.to_string())
            .or_default()
            .extend(records);
        self.arrived.notify_waiters();
        Ok(())
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[&str],
    ) -> Result<Box<dyn Subscription>, TransportError> {
        let mut state = self.lock();
        for t in topics {
            let key = (group.to_string(), t.to_string());
            if !state.subscribed.contains(&key) {
                state.subscribed.push(key);
            }
        }
        let positions = topics
            .iter()
            .map(|t| {
                let committed = state
                    .committed
                    .get(&(group.to_string(), t.to_string()))
                    .copied()
                    .unwrap_or(0);
                (t.to_string(), committed)
            })
            .collect();
        Ok(Box::new(InProcessSubscription {
            transport: self.clone(),
            group: group.to_string(),
            positions,
            next_topic: 0,
        }))
    }

    fn durable(&self) -> bool {
        false
    }

    async fn ping(&self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn lag(&self, group: &str, topics: &[&str]) -> Result<i64, TransportError> {
        let state = self.lock();
        Ok(topics
            .iter()
            .map(|t| {
                let end = state.logs.get(*t).map_or(0, Vec::len) as i64;
                end - state
                    .committed
                    .get(&(group.to_string(), t.to_string()))
                    .copied()
                    .unwrap_or(0)
            })
            .sum())
    }
}

struct InProcessSubscription {
    transport: InProcessTransport,
    group: String,
    /// Per topic, the next offset this member will deliver.
    positions: Vec<(String, i64)>,
    /// Round-robin start so one busy topic does not starve the others.
    next_topic: usize,
}

impl InProcessSubscription {
    fn poll(&mut self) -> Option<Delivery> {
        let state = self.transport.lock();
        let n = self.positions.len();
        for i in 0..n {
            let idx = (self.next_topic + i) % n;
            let (topic, pos) = &mut self.positions[idx];
            let Some(record) = state
                .logs
                .get(topic.as_str())
                .and_then(|log| log.get(*pos as usize))
            else {
                continue;
            };
            let delivery = Delivery {
                topic: topic.clone(),
                partition: 0,
                offset: *pos,
                record: record.clone(),
            };
            *pos += 1;
            self.next_topic = (idx + 1) % n;
            return Some(delivery);
        }
        None
    }
}

#[async_trait]
impl Subscription for InProcessSubscription {
    async fn next(&mut self) -> Result<Delivery, TransportError> {
        loop {
            let arrived = self.transport.arrived.clone();
            let notified = arrived.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(d) = self.poll() {
                return Ok(d);
            }
            notified.await;
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<(), TransportError> {
        let mut state = self.transport.lock();
        let key = (self.group.clone(), delivery.topic.clone());
        let entry = state.committed.entry(key).or_insert(0);
        *entry = (*entry).max(delivery.offset + 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: &str, body: &str) -> Record {
        Record {
            key: key.into(),
            payload: body.as_bytes().to_vec(),
            headers: Default::default(),
        }
    }

    #[tokio::test]
    async fn an_uncommitted_delivery_comes_again_to_the_next_member_of_the_group() {
        let t = InProcessTransport::new();
        t.publish("a", vec![rec("k1", "1"), rec("k1", "2")])
            .await
            .unwrap();
        let mut s = t.subscribe("g", &["a"]).await.unwrap();
        let first = s.next().await.unwrap();
        assert_eq!(first.record.payload, b"1");
        s.commit(&first).await.unwrap();
        let second = s.next().await.unwrap();
        assert_eq!(second.record.payload, b"2");
        drop(s); // crashed before committing the second

        let mut again = t.subscribe("g", &["a"]).await.unwrap();
        let redelivered = again.next().await.unwrap();
        assert_eq!(redelivered.record.payload, b"2");
        assert_eq!(t.pending(), 1);
        assert_eq!(t.lag("g", &["a"]).await.unwrap(), 1);
        again.commit(&redelivered).await.unwrap();
        assert_eq!(t.pending(), 0);
    }

    #[tokio::test]
    async fn each_group_reads_every_record_in_order_and_waits_for_new_ones() {
        let t = InProcessTransport::new();
        let mut g1 = t.subscribe("g1", &["a", "b"]).await.unwrap();
        let mut g2 = t.subscribe("g2", &["a"]).await.unwrap();
        let waiter = tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..3 {
                let d = g1.next().await.unwrap();
                seen.push(String::from_utf8(d.record.payload.clone()).unwrap());
                g1.commit(&d).await.unwrap();
            }
            seen
        });
        tokio::task::yield_now().await;
        t.publish("a", vec![rec("x", "a1"), rec("x", "a2")])
            .await
            .unwrap();
        t.publish("b", vec![rec("y", "b1")]).await.unwrap();
        let mut seen = waiter.await.unwrap();
        seen.sort();
        assert_eq!(seen, ["a1", "a2", "b1"]);
        assert_eq!(g2.next().await.unwrap().record.payload, b"a1");
        assert_eq!(g2.next().await.unwrap().record.payload, b"a2");
    }
}
