//! Kafka transport over rdkafka: one topic per producing service, key = aggregate id,
//! an idempotent producer, one consumer group per consuming service, offsets
//! stored only by the caller after its inbox transaction and committed in the
//! background. No Kafka transactions:
//! the outbox stays the source of truth and can always publish again.

use crate::{Delivery, Record, Subscription, Transport, TransportError};
use async_trait::async_trait;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to reach and use the Kafka cluster.
#[derive(Clone, Debug, Default)]
pub struct KafkaSettings {
    /// Bootstrap servers, comma-separated.
    pub brokers: String,
    /// Client id reported to the brokers.
    pub client_id: String,
    /// Prefix for every topic and group name (isolates tests and tenants sharing a cluster).
    pub namespace: String,
    /// Partitions of topics created at start.
    pub partitions: i32,
    /// Replication factor of topics created at start.
    pub replication: i32,
    /// `security.protocol`, e.g. `SASL_SSL`; empty for plaintext.
    pub security_protocol: String,
    /// `sasl.mechanism`, e.g. `SCRAM-SHA-512`.
    pub sasl_mechanism: String,
    /// SASL user name.
    pub sasl_username: String,
    /// SASL password.
    pub sasl_password: String,
    /// CA file for TLS.
    pub ssl_ca_location: String,
}

impl KafkaSettings {
    fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers)
            .set("client.id", &self.client_id)
            .set("socket.keepalive.enable", "true");
        for (k, v) in [
            ("security.protocol", &self.security_protocol),
            ("sasl.mechanism", &self.sasl_mechanism),
            ("sasl.username", &self.sasl_username),
            ("sasl.password", &self.sasl_password),
            ("ssl.ca.location", &self.ssl_ca_location),
        ] {
            if !v.is_empty() {
                c.set(k, v);
            }
        }
        c
    }

    fn topic(&self, logical: &str) -> String {
        format!("{}{logical}", self.namespace)
    }
}

/// The Kafka transport.
pub struct KafkaTransport {
    settings: KafkaSettings,
    /// Made anew when the broker lost our topics: its producer id and sequence numbers
    /// mean nothing to a broker on new data, and it would wait on them forever.
    producer: Mutex<FutureProducer>,
    admin: AdminClient<DefaultClientContext>,
    created: Mutex<HashSet<String>>,
    /// One lag probe per group, kept: a client made anew for each sample cost its threads,
    /// a broker connection and a metadata fetch every few seconds.
    probes: Mutex<HashMap<String, Arc<BaseConsumer>>>,
    /// The broker's state as last seen by [`KafkaTransport::watch`], for readiness.
    health: Mutex<Option<Result<(), String>>>,
}

/// How often the watcher looks at the broker and how long one look may take.
const WATCH_EVERY: Duration = Duration::from_secs(1);
const LOOK_TIMEOUT: Duration = Duration::from_millis(800);

fn unavailable(e: impl std::fmt::Display) -> TransportError {
    TransportError::Unavailable(e.to_string())
}

impl KafkaTransport {
    /// Connects a producer and an admin client; nothing is sent until used.
    pub fn new(settings: KafkaSettings) -> Result<Self, TransportError> {
        let producer = Self::producer(&settings)?;
        let admin = settings.client_config().create().map_err(unavailable)?;
        Ok(Self {
            settings,
            producer: Mutex::new(producer),
            admin,
            created: Mutex::new(HashSet::new()),
            probes: Mutex::new(HashMap::new()),
            health: Mutex::new(None),
        })
    }

    fn producer(settings: &KafkaSettings) -> Result<FutureProducer, TransportError> {
        settings
            .client_config()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("max.in.flight.requests.per.connection", "5")
            .set("linger.ms", "1")
            // A send waits this long for the broker, then fails; the relay sends it again
            // from the outbox, so a broker that returns is used within a second or two.
            .set("message.timeout.ms", "3000")
            .set("topic.metadata.refresh.interval.ms", "2000")
            .set("compression.type", "lz4")
            .create()
            .map_err(unavailable)
    }

    /// A send failed though the broker answers: a broker on new data (our topics made
    /// again, by us or another service) does not know this producer's id and sequences.
    /// The relay's next try goes through a new producer.
    fn renew_if_broker_is_up(&self) {
        let up = matches!(
            *self.health.lock().unwrap_or_else(|p| p.into_inner()),
            Some(Ok(()))
        );
        if !up {
            return;
        }
        match Self::producer(&self.settings) {
            Ok(fresh) => {
                tracing::warn!("a send failed while the broker answers; using a new producer");
                *self.producer.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
            }
            Err(e) => tracing::warn!(error = %e, "cannot make a new producer"),
        }
    }

    fn current_producer(&self) -> FutureProducer {
        self.producer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Looks at the broker every second while the transport lives: keeps its state for
    /// readiness and creates again any topic this process made that has gone (a broker
    /// restarted on a new data directory), without a restart of the service.
    pub fn watch(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let Some(t) = me.upgrade() else { return };
                let state = t.look().await;
                *t.health.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
                drop(t);
                tokio::time::sleep(WATCH_EVERY).await;
            }
        })
    }

    async fn look(&self) -> Result<(), String> {
        let producer = self.current_producer();
        let present: HashSet<String> = tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(None, LOOK_TIMEOUT)
                .map(|md| md.topics().iter().map(|t| t.name().to_string()).collect())
                .map_err(|e| format!("broker unreachable: {e}"))
        })
        .await
        .map_err(|e| e.to_string())??;
        let gone: Vec<String> = {
            let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
            let gone: Vec<String> = created.difference(&present).cloned().collect();
            for t in &gone {
                created.remove(t);
            }
            gone
        };
        if gone.is_empty() {
            return Ok(());
        }
        tracing::warn!(topics = ?gone, "topics missing on the broker; creating them again");
        let logical: Vec<&str> = gone
            .iter()
            .map(|t| t.strip_prefix(&self.settings.namespace).unwrap_or(t))
            .collect();
        self.ensure_topics(&logical)
            .await
            .map_err(|e| format!("topics missing and not created again: {e}"))?;
        let fresh = Self::producer(&self.settings).map_err(|e| e.to_string())?;
        *self.producer.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    /// Creates the given logical topics when missing (partitions and replication from settings).
    pub async fn ensure_topics(&self, topics: &[&str]) -> Result<(), TransportError> {
        let missing: Vec<String> = {
            let created = self.created.lock().unwrap_or_else(|p| p.into_inner());
            topics
                .iter()
                .map(|t| self.settings.topic(t))
                .filter(|t| !created.contains(t))
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let new: Vec<NewTopic<'_>> = missing
            .iter()
            .map(|t| {
                NewTopic::new(
                    t,
                    self.settings.partitions.max(1),
                    TopicReplication::Fixed(self.settings.replication.max(1)),
                )
            })
            .collect();
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let results = self
            .admin
            .create_topics(&new, &opts)
            .await
            .map_err(unavailable)?;
        for r in results {
            match r {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((t, code)) => return Err(unavailable(format!("create topic {t}: {code}"))),
            }
        }
        self.created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(missing);
        Ok(())
    }
}

#[async_trait]
impl Transport for KafkaTransport {
    async fn publish(&self, topic: &str, records: Vec<Record>) -> Result<(), TransportError> {
        self.ensure_topics(&[topic]).await?;
        let name = self.settings.topic(topic);
        // Enqueue all first (the idempotent producer keeps their order per partition),
        // then wait for every acknowledgement.
        let producer = self.current_producer();
        let mut pending = Vec::with_capacity(records.len());
        for r in &records {
            let mut headers = OwnedHeaders::new();
            for (k, v) in &r.headers {
                headers = headers.insert(Header {
                    key: k,
                    value: Some(v.as_bytes()),
                });
            }
            let record = FutureRecord::to(&name)
                .key(r.key.as_bytes())
                .payload(&r.payload)
                .headers(headers);
            match producer.send_result(record) {
                Ok(f) => pending.push(f),
                Err((e, _)) => return Err(unavailable(e)),
            }
        }
        for f in pending {
            match f.await {
                Ok(Ok(_)) => {}
                Ok(Err((e, _))) => {
                    self.renew_if_broker_is_up();
                    return Err(unavailable(e));
                }
                Err(_) => return Err(TransportError::Closed),
            }
        }
        Ok(())
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[&str],
    ) -> Result<Box<dyn Subscription>, TransportError> {
        self.ensure_topics(topics).await?;
        let consumer: StreamConsumer = self
            .settings
            .client_config()
            .set("group.id", format!("{}{group}", self.settings.namespace))
            // Offsets are stored only once handled (see `commit`) and sent to the broker
            // every 100 ms, not once per event: a commit per event cost the broker more
            // CPU than the events themselves. A crash re-delivers at most those 100 ms,
            // which the inbox drops.
            .set("enable.auto.commit", "true")
            .set("enable.auto.offset.store", "false")
            .set("auto.commit.interval.ms", "100")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            // The broker's smallest allowed session: a killed consumer's partitions go to
            // the others after 6 s; one stopped cleanly leaves the group at once (close).
            .set("session.timeout.ms", "6000")
            .set("topic.metadata.refresh.interval.ms", "2000")
            .set("heartbeat.interval.ms", "1000")
            .create()
            .map_err(unavailable)?;
        let names: Vec<String> = topics.iter().map(|t| self.settings.topic(t)).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(unavailable)?;
        Ok(Box::new(KafkaSubscription {
            consumer,
            namespace: self.settings.namespace.clone(),
        }))
    }

    fn durable(&self) -> bool {
        true
    }

    async fn lag(&self, group: &str, topics: &[&str]) -> Result<i64, TransportError> {
        // A client of its own that never joins the group: it only reads the group's
        // committed offsets and the partitions' high watermarks.
        let probe = {
            let mut probes = self.probes.lock().unwrap_or_else(|p| p.into_inner());
            match probes.get(group) {
                Some(p) => p.clone(),
                None => {
                    let p: Arc<BaseConsumer> = Arc::new(
                        self.settings
                            .client_config()
                            .set("group.id", format!("{}{group}", self.settings.namespace))
                            .set("enable.auto.commit", "false")
                            .create()
                            .map_err(unavailable)?,
                    );
                    probes.insert(group.to_string(), p.clone());
                    p
                }
            }
        };
        let names: Vec<String> = topics.iter().map(|t| self.settings.topic(t)).collect();
        tokio::task::spawn_blocking(move || {
            let timeout = Duration::from_secs(2);
            let mut tpl = TopicPartitionList::new();
            for name in &names {
                let md = probe
                    .fetch_metadata(Some(name), timeout)
                    .map_err(unavailable)?;
                for t in md.topics() {
                    for p in t.partitions() {
                        tpl.add_partition(name, p.id());
                    }
                }
            }
            let committed = probe.committed_offsets(tpl, timeout).map_err(unavailable)?;
            let mut lag = 0;
            for e in committed.elements() {
                let (low, high) = probe
                    .fetch_watermarks(e.topic(), e.partition(), timeout)
                    .map_err(unavailable)?;
                let at = match e.offset() {
                    Offset::Offset(o) => o,
                    _ => low,
                };
                lag += (high - at).max(0);
            }
            Ok(lag)
        })
        .await
        .map_err(unavailable)?
    }

    async fn ping(&self) -> Result<(), TransportError> {
        let kept = self
            .health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match kept {
            Some(state) => state.map_err(TransportError::Unavailable),
            // Not watched (or not yet looked): one bounded look now.
            None => self.look().await.map_err(TransportError::Unavailable),
        }
    }
}

struct KafkaSubscription {
    consumer: StreamConsumer,
    namespace: String,
}

fn delivery(m: &BorrowedMessage<'_>, namespace: &str) -> Delivery {
    let mut headers = BTreeMap::new();
    if let Some(h) = m.headers() {
        for header in h.iter() {
            if let Some(v) = header.value {
                headers.insert(
                    header.key.to_string(),
                    String::from_utf8_lossy(v).into_owned(),
                );
            }
        }
    }
    Delivery {
        topic: m
            .topic()
            .strip_prefix(namespace)
            .unwrap_or(m.topic())
            .to_string(),
        partition: m.partition(),
        offset: m.offset(),
        record: Record {
            key: m
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .unwrap_or_default(),
            payload: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
            headers,
        },
    }
}

#[async_trait]
impl Subscription for KafkaSubscription {
    async fn next(&mut self) -> Result<Delivery, TransportError> {
        let m = self.consumer.recv().await.map_err(unavailable)?;
        Ok(delivery(&m, &self.namespace))
    }

    async fn commit(&mut self, d: &Delivery) -> Result<(), TransportError> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(
            &format!("{}{}", self.namespace, d.topic),
            d.partition,
            Offset::Offset(d.offset + 1),
        )
        .map_err(unavailable)?;
        self.consumer.store_offsets(&tpl).map_err(unavailable)
    }
}
