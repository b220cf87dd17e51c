//! The floor of the design: what a mutation costs when it does no domain work but keeps
//! every rule duban's mutations keep. A GraphQL mutation over actix-web writes one row and
//! its outbox row in one transaction; duban's relay publishes the event to Kafka; three
//! consumer groups (as evaluation, notifications and audit) each write one row with the
//! event's inbox row in one transaction. With `echo`, the second also publishes an event of
//! its own through its outbox and relay, which the third reads too: the two events and four
//! deliveries an issued assignment makes (AssignmentIssued to all three, NotificationsCreated
//! to audit; its first color, blue, travels with its row). Measured beside `issueAssignment`,
//! it shows how much of a mutation's cost is the pipeline and how much duban's work on it.
//! On the embedded stack the same floor runs on SQLite files with in-process events.

use super::cpu::{cpu_now, cpu_split, Split};
use super::report::{f1, pct, shares, Report};
use super::{saturate, serve_graphql, Opts, Q};
use async_graphql::{Context, EmptySubscription, Object, Schema};
use duban_clock::{Clock, SharedClock, SystemClock};
use duban_outbox::{AfterCommit, Consumer, Handler, HandlerError, Relay};
use duban_schema::RawEnvelope;
use duban_transport::{InProcessTransport, KafkaSettings, KafkaTransport, Transport};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, TransactionTrait,
};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

const TOPIC: &str = "floor";

/// Where the floor runs: PostgreSQL and Kafka, or SQLite files with in-process events.
pub enum Stack<'a> {
    /// A PostgreSQL database (one schema per group) and a Kafka broker.
    Postgres {
        /// The database.
        url: &'a str,
        /// The broker.
        brokers: &'a str,
    },
    /// One SQLite file per group in a folder, and the in-process transport.
    Embedded(&'a std::path::Path),
}
/// The consumer groups, the topic each publishes to when echoing, and whether it reads
/// what the others publish.
const GROUPS: [(&str, Option<&str>, bool); 3] = [
    ("floor_e", None, false),
    ("floor_n", Some("floor_n_out"), false),
    ("floor_au", None, true),
];

/// The outbox, inbox and relay-mark tables every service has, and nothing else.
struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(duban_outbox::migration::CreateOutboxInbox)]
    }
}

struct Writer {
    db: DatabaseConnection,
    wake: Arc<Notify>,
}

struct M;

#[Object]
impl M {
    async fn touch(&self, ctx: &Context<'_>, title: String) -> async_graphql::Result<String> {
        let w = ctx.data::<Writer>()?;
        let now = SystemClock.now();
        let id = duban_outbox::new_event_id(now).to_string();
        let txn = w.db.begin().await?;
        txn.execute(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "INSERT INTO item (id, title) VALUES ($1, $2)",
            [id.clone().into(), title.clone().into()],
        ))
        .await?;
        let meta = duban_outbox::meta(
            now,
            "bench",
            "/c",
            "bench",
            uuid::Uuid::now_v7(),
            None,
            &id,
            1,
        );
        let event = json!({"type": "Touched", "data": {"id": id, "title": title}});
        let envelope = duban_schema::Envelope { meta, event };
        duban_outbox::enqueue(&txn, TOPIC, &envelope).await?;
        txn.commit().await?;
        w.wake.notify_one();
        Ok(id)
    }
}

/// One row per event, in the consumer's transaction beside the inbox rows; with an
/// outbox topic, one event of its own per event too.
struct Effect {
    echo: Option<(&'static str, Arc<Notify>)>,
}

#[async_trait::async_trait]
impl Handler for Effect {
    async fn handle_all(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let marks: Vec<String> = (1..=events.len()).map(|i| format!("(${i})")).collect();
        let values: Vec<sea_orm::Value> = events
            .iter()
            .map(|(e, _)| e.meta.aggregate_id.clone().into())
            .collect();
        txn.execute(Statement::from_sql_and_values(
            txn.get_database_backend(),
            format!("INSERT INTO effect (item_id) VALUES {}", marks.join(", ")),
            values,
        ))
        .await?;
        let Some((topic, wake)) = &self.echo else {
            return Ok(vec![]);
        };
        let now = SystemClock.now();
        let echoes: Vec<_> = events
            .iter()
            .map(|(e, _)| {
                let meta = duban_outbox::meta(
                    now,
                    "bench",
                    "/c",
                    "system",
                    e.meta.correlation_id,
                    Some(e.meta.id),
                    &e.meta.aggregate_id,
                    1,
                );
                let event = json!({"type": "Echoed", "data": {"id": e.meta.aggregate_id}});
                duban_schema::Envelope { meta, event }
            })
            .collect();
        duban_outbox::enqueue_all(txn, topic, &echoes).await?;
        let wake = wake.clone();
        Ok(vec![Box::new(move || wake.notify_one())])
    }
}

async fn open(stack: &Stack<'_>, name: &str, table: &str) -> DatabaseConnection {
    let (url, table) = match stack {
        Stack::Postgres { url, .. } => (url.to_string(), table.to_string()),
        Stack::Embedded(dir) => (
            format!("sqlite://{}/{name}.db?mode=rwc", dir.display()),
            table.replace("bigserial", "INTEGER"),
        ),
    };
    let db = duban_outbox::db::connect(&url, name).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared(&table).await.unwrap();
    db
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    duban_tests::count_rows(db, &format!("SELECT count(*) FROM {table}"))
        .await
        .unwrap()
}

/// One floor stack, up: its GraphQL endpoint, relays and consumer groups, measured as
/// often as asked until [`Running::stop`].
pub struct Running {
    gql_url: String,
    handle: actix_web::dev::ServerHandle,
    stop: watch::Sender<bool>,
    workers: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    writer_db: DatabaseConnection,
    /// Each group's database, and how many rows it has per item once it has every event.
    consumers: Vec<(DatabaseConnection, i64)>,
    rounds: std::cell::Cell<usize>,
}

impl Running {
    /// Starts the floor on `stack`, with an issue's events when `echo`, warmed up.
    pub async fn start(stack: &Stack<'_>, echo: bool) -> Running {
        let clock: SharedClock = Arc::new(SystemClock);
        let transport: Arc<dyn Transport> = match stack {
            Stack::Postgres { brokers, .. } => Arc::new(
                KafkaTransport::new(KafkaSettings {
                    brokers: brokers.to_string(),
                    client_id: "duban-bench-floor".into(),
                    namespace: format!("floor{}.", uuid::Uuid::now_v7().simple()),
                    partitions: duban_config::Config::default().kafka_partitions,
                    replication: 1,
                    ..Default::default()
                })
                .unwrap(),
            ),
            Stack::Embedded(_) => Arc::new(InProcessTransport::new()),
        };
        let suffix = if echo { "_echo" } else { "" };
        let writer_db = open(
            stack,
            &format!("floor_w{suffix}"),
            "CREATE TABLE item (id text PRIMARY KEY, title text NOT NULL)",
        )
        .await;
        let wake = Arc::new(Notify::new());
        let (stop, stop_rx) = watch::channel(false);
        let relay = |db: &DatabaseConnection, wake: &Arc<Notify>| {
            let relay = Relay::new(
                "floor",
                db.clone(),
                transport.clone(),
                wake.clone(),
                clock.clone(),
            );
            let stop = stop_rx.clone();
            tokio::spawn(async move { relay.run(stop).await.unwrap() })
        };
        let mut workers = vec![relay(&writer_db, &wake)];
        let mut consumers = Vec::new();
        let outs: Vec<&'static str> = GROUPS.iter().filter_map(|(_, o, _)| *o).collect();
        for (group, out, reads_all) in GROUPS {
            // Schema names differ between the two runs: one database holds both.
            let name = format!("{group}{suffix}");
            let db = open(
                stack,
                &name,
                "CREATE TABLE effect (id bigserial PRIMARY KEY, item_id text NOT NULL)",
            )
            .await;
            let (topics, per_item, echo_to) = match (echo, out) {
                (true, Some(topic)) => {
                    let w = Arc::new(Notify::new());
                    workers.push(relay(&db, &w));
                    (vec![TOPIC], 1, Some((topic, w)))
                }
                (true, None) if reads_all => (
                    [vec![TOPIC], outs.clone()].concat(),
                    1 + outs.len() as i64,
                    None,
                ),
                _ => (vec![TOPIC], 1, None),
            };
            let c = Consumer {
                group: name,
                topics,
                db: db.clone(),
                transport: transport.clone(),
                handler: Arc::new(Effect { echo: echo_to }),
                clock: clock.clone(),
                on_handled: None,
            };
            workers.push(tokio::spawn(c.run(stop_rx.clone())));
            consumers.push((db, per_item));
        }
        let schema = Schema::build(Q, M, EmptySubscription)
            .data(Writer {
                db: writer_db.clone(),
                wake,
            })
            .finish();
        let (gql_url, handle) = serve_graphql(schema);
        let running = Running {
            gql_url,
            handle,
            stop,
            workers: std::sync::Mutex::new(workers),
            writer_db,
            consumers,
            rounds: std::cell::Cell::new(0),
        };
        let _ = touch_rate(&running.gql_url, 1, 1.0, "warm").await;
        running.settle().await;
        running
    }

    /// Waits until every group has every event of every item written so far.
    async fn settle(&self) {
        let items = count(&self.writer_db, "item").await;
        let deadline = Instant::now() + Duration::from_secs(120);
        for (db, per_item) in &self.consumers {
            while count(db, "effect").await < items * per_item {
                assert!(
                    Instant::now() < deadline,
                    "the floor's consumers did not catch up"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    /// The rate at `clients` over `secs` (with its latencies), then the wait until every
    /// group caught up; with the CPU per mutation that both together cost.
    pub async fn rate(&self, clients: usize, secs: f64) -> (f64, Vec<f64>, Split) {
        let round = self.rounds.get() + 1;
        self.rounds.set(round);
        let before = cpu_now();
        let (r, v) = touch_rate(
            &self.gql_url,
            clients,
            secs,
            &format!("r{round}c{clients}-"),
        )
        .await;
        self.settle().await;
        (r, v, cpu_split(before, r * secs))
    }

    /// Stops the endpoint, the relays and the consumers.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
        let _ = self.stop.send(true);
        let workers = std::mem::take(&mut *self.workers.lock().unwrap());
        for w in workers {
            let _ = w.await;
        }
    }
}

/// Mutation rates of the floor at each client count (with p99 latencies), and where the
/// CPU went at the largest, once every consumer had caught up; the stack left up.
pub async fn rates(
    stack: &Stack<'_>,
    clients: &[usize],
    secs: f64,
    echo: bool,
) -> (Vec<(usize, f64, Vec<f64>)>, Split, Running) {
    let running = Running::start(stack, echo).await;
    let mut out = Vec::new();
    let mut split = Split::default();
    let largest = clients.iter().copied().max().unwrap_or(1);
    for &c in clients {
        let (r, v, cpu) = running.rate(c, secs).await;
        if c == largest {
            split = cpu;
        }
        out.push((c, r, v));
    }
    (out, split, running)
}

async fn touch_rate(url: &str, clients: usize, secs: f64, tag: &str) -> (f64, Vec<f64>) {
    let (url, tag) = (url.to_string(), tag.to_string());
    saturate(
        clients,
        secs,
        |c| (awc::Client::default(), c * 1_000_000),
        move |s: Rc<RefCell<(awc::Client, usize)>>| {
            let (url, tag) = (url.clone(), tag.clone());
            async move {
                let (http, n) = {
                    let mut s = s.borrow_mut();
                    s.1 += 1;
                    (s.0.clone(), s.1)
                };
                let body = json!({"query": "mutation($t: String!) { touch(title: $t) }", "variables": {"t": format!("{tag}{n}")}});
                match http.post(&url).send_json(&body).await {
                    Ok(mut r) => matches!(r.json::<serde_json::Value>().await, Ok(v) if v.get("errors").is_none()),
                    Err(_) => false,
                }
            }
        },
    )
    .await
}

/// The floors of one deployment: the no-work mutation, and the same with an issue's events.
#[derive(Default)]
pub struct Floors {
    /// Rate per client count of the plain floor.
    pub plain: std::collections::HashMap<usize, f64>,
    /// Rate and p99 per client count of the floor with an issue's events.
    pub events: std::collections::HashMap<usize, (f64, f64)>,
    /// CPU per mutation of the floor with an issue's events at the largest client count.
    pub events_cpu: Option<Split>,
    /// The floor the targets are read against, left up for the alternating rounds, and
    /// its name.
    pub kept: Option<(Running, String)>,
}

/// Measures a stack's floor, plain and then with an issue's events, into the report;
/// `base` names the baseline each rate is read against at a client count. The floor with
/// an issue's events is left up when `keep_events`, else the plain one.
pub async fn floors(
    stack: &Stack<'_>,
    report: &mut Report,
    opts: &Opts,
    base: impl Fn(usize) -> (&'static str, f64),
    name: &str,
    what: &str,
    keep_events: bool,
) -> Floors {
    let mut into = Floors::default();
    let largest = opts.clients.iter().max().unwrap_or(&1);
    for echo in [false, true] {
        let (rates, split, running) = rates(stack, &opts.clients, opts.secs, echo).await;
        let (what, which) = if echo {
            (
                format!("{name} with an issue's events: one of the groups also publishes one event, which the third reads too (two events, four deliveries)"),
                format!("{name} with an issue's events"),
            )
        } else {
            (what.to_string(), name.to_string())
        };
        if echo == keep_events {
            into.kept = Some((running, which.clone()));
        } else {
            running.stop().await;
        }
        for (c, r, v) in rates {
            let (versus, b) = base(c);
            let ratio = shares(r, b, versus, into.plain.get(&c));
            if echo {
                into.events.insert(c, (r, pct(&v, 0.99)));
            } else {
                into.plain.insert(c, r);
            }
            report.add(
                "baseline",
                &format!("{what}, {c} clients"),
                format!("{r:.0}/s (p99 {} ms)", f1(pct(&v, 0.99))),
                ratio,
                "",
            );
        }
        if echo {
            into.events_cpu = Some(split);
        }
        report.add(
            "baseline",
            &format!("where the time goes in {which} at {largest} clients (settled)"),
            split.to_string(),
            "".into(),
            "",
        );
    }
    into
}
