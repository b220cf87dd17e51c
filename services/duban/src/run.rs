//! Wiring of the all-in-one process: databases, migrations, relays, consumers,
//! demo data, the HTTP server, and a graceful shutdown that loses no event.

use anyhow::Context as _;
use duban_api::rpc::OnRuntime;
use duban_assignments::AssignmentsService;
use duban_auth::TokenKeys;
use duban_clock::SharedClock;
use duban_config::Config;
use duban_config::TransportKind;
use duban_gateway::{Gateway, Services};
use duban_outbox::entity::{inbox, outbox};
use duban_outbox::Relay;
use duban_transport::{InProcessTransport, KafkaSettings, KafkaTransport, Transport};
use sea_orm::DatabaseConnection;
use sea_orm::{EntityTrait, PaginatorTrait};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A started all-in-one duban.
pub struct Running {
    /// Where the HTTP server listens.
    pub addr: SocketAddr,
    server: actix_web::dev::ServerHandle,
    server_task: Option<JoinHandle<std::io::Result<()>>>,
    stop: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
    relays: Vec<Relay>,
    leases: Vec<duban_outbox::Lease>,
    /// The four service databases.
    pub databases: Databases,
    /// The assignments service (tests and the token command use it directly).
    pub assignments: AssignmentsService,
    /// The evaluation service (tests drive its tick on their own clock).
    pub evaluation: duban_evaluation::EvaluationService,
    /// The notifications service (tests drive its escalation on their own clock).
    pub notifications: duban_notifications::NotificationsService,
    sampler: JoinHandle<()>,
    lag_sampler: JoinHandle<()>,
}

/// The databases of the four services.
#[derive(Clone)]
pub struct Databases {
    /// assignments
    pub assignments: DatabaseConnection,
    /// evaluation
    pub evaluation: DatabaseConnection,
    /// notifications
    pub notifications: DatabaseConnection,
    /// audit
    pub audit: DatabaseConnection,
}

impl Databases {
    /// Each topic with the database whose outbox it is.
    fn outboxes(&self) -> [(&'static str, &DatabaseConnection); 3] {
        use duban_schema::topics;
        [
            (topics::ASSIGNMENTS, &self.assignments),
            (topics::EVALUATION, &self.evaluation),
            (topics::NOTIFICATIONS, &self.notifications),
        ]
    }

    /// Each consumer group with its database and the topics it reads (the wiring's
    /// subscriptions).
    fn consumers(&self) -> [(&'static str, &DatabaseConnection, &'static [&'static str]); 4] {
        use crate::wiring::{
            ASSIGNMENTS_READS, AUDIT_READS, EVALUATION_READS, NOTIFICATIONS_READS,
        };
        [
            ("assignments", &self.assignments, ASSIGNMENTS_READS),
            ("evaluation", &self.evaluation, EVALUATION_READS),
            ("notifications", &self.notifications, NOTIFICATIONS_READS),
            ("audit", &self.audit, AUDIT_READS),
        ]
    }

    /// Whether every event written to an outbox so far has been handled by every
    /// consumer it is meant for (counted in the outboxes and inboxes): each inbox holds as
    /// many events as the topics its service reads were sent.
    pub async fn settled(&self) -> anyhow::Result<bool> {
        Ok(self.backlog().await? == 0)
    }

    /// Events written to an outbox and not yet handled by a consumer meant for them,
    /// summed over the consumers (0 when settled).
    async fn backlog(&self) -> anyhow::Result<u64> {
        let c = self.counts().await?;
        Ok(self
            .consumers()
            .iter()
            .zip(&c.handled)
            .map(|((_, _, reads), (_, n))| {
                let sent: u64 = reads.iter().map(|t| c.written_to(t)).sum();
                // More handled than counted as sent: an outbox counted before its new rows.
                sent.abs_diff(*n)
            })
            .sum())
    }

    /// Waits until [`Self::settled`] holds twice in a row, 25 ms apart, and returns when
    /// it was first seen of those two; fails after `within` with the counts. Counting
    /// every outbox and inbox is itself work for the databases, so while a backlog drains
    /// the next look comes when about half of it should be gone at the rate seen so far.
    pub async fn settle(&self, within: std::time::Duration) -> anyhow::Result<std::time::Instant> {
        use std::time::{Duration, Instant};
        let deadline = Instant::now() + within;
        let (least, most) = (Duration::from_millis(25), Duration::from_secs(1));
        let mut first_quiet: Option<Instant> = None;
        let mut seen: Option<(Instant, u64)> = None;
        let mut pause = least;
        while Instant::now() < deadline {
            let at = Instant::now();
            let backlog = self.backlog().await?;
            if backlog == 0 {
                match first_quiet {
                    Some(first) => return Ok(first),
                    None => first_quiet = Some(at),
                }
                pause = least;
            } else {
                first_quiet = None;
                pause = match seen {
                    Some((then, before)) if before > backlog => {
                        let rate =
                            (before - backlog) as f64 / at.duration_since(then).as_secs_f64();
                        Duration::from_secs_f64(backlog as f64 / rate / 2.0)
                    }
                    _ => pause * 2,
                }
                .clamp(least, most);
                seen = Some((at, backlog));
            }
            tokio::time::sleep(pause).await;
        }
        anyhow::bail!(
            "events did not settle within {} s: {:?}; {}",
            within.as_secs(),
            self.counts().await?,
            self.unhandled().await?
        )
    }

    /// Which events each consumer has not handled, with their outbox rows (at most five
    /// per consumer and topic): what a failed [`Self::settle`] reports.
    pub async fn unhandled(&self) -> anyhow::Result<String> {
        let mut outboxes = Vec::new();
        for (topic, db) in self.outboxes() {
            outboxes.push((topic, outbox::Entity::find().all(db).await?));
        }
        let mut said = Vec::new();
        for (consumer, db, reads) in self.consumers() {
            let handled: std::collections::HashSet<String> = inbox::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| r.event_id)
                .collect();
            for (topic, rows) in outboxes.iter().filter(|(t, _)| reads.contains(t)) {
                let missing: Vec<String> = rows
                    .iter()
                    .filter(|r| !handled.contains(&r.event_id))
                    .map(|r| {
                        format!(
                            "{} seq {} key {} created {} published {:?}",
                            r.event_id, r.seq, r.key, r.created_at, r.published_at
                        )
                    })
                    .collect();
                if !missing.is_empty() {
                    said.push(format!(
                        "{consumer} lacks {} of {topic}'s: {}",
                        missing.len(),
                        missing[..missing.len().min(5)].join(", ")
                    ));
                }
            }
        }
        Ok(if said.is_empty() {
            "every outbox row is in its consumers' inboxes".into()
        } else {
            said.join("; ")
        })
    }

    /// Rows in each outbox and inbox.
    pub async fn counts(&self) -> anyhow::Result<EventCounts> {
        let mut c = EventCounts::default();
        for (topic, db) in self.outboxes() {
            c.written
                .push((topic, outbox::Entity::find().count(db).await?));
        }
        for (consumer, db, _) in self.consumers() {
            c.handled
                .push((consumer, inbox::Entity::find().count(db).await?));
        }
        Ok(c)
    }
}

/// Rows in the outboxes and inboxes of the four services.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCounts {
    /// Events written to each topic: its producer's outbox rows.
    pub written: Vec<(&'static str, u64)>,
    /// Events each consumer group handled: its inbox rows.
    pub handled: Vec<(&'static str, u64)>,
}

impl EventCounts {
    /// Events written to `topic`.
    fn written_to(&self, topic: &str) -> u64 {
        self.written
            .iter()
            .find(|(t, _)| *t == topic)
            .map_or(0, |(_, n)| *n)
    }
}

/// The transport the configuration asks for.
pub fn make_transport(config: &Config) -> anyhow::Result<Arc<dyn Transport>> {
    Ok(match config.transport_kind() {
        TransportKind::InProcess => Arc::new(InProcessTransport::new()),
        TransportKind::Kafka => {
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let kafka = Arc::new(KafkaTransport::new(KafkaSettings {
                brokers: opt(&config.kafka_brokers),
                client_id: config.kafka_client_id.clone(),
                namespace: config.kafka_namespace.clone(),
                partitions: config.kafka_partitions,
                replication: config.kafka_replication,
                security_protocol: opt(&config.kafka_security_protocol),
                sasl_mechanism: opt(&config.kafka_sasl_mechanism),
                sasl_username: opt(&config.kafka_sasl_username),
                sasl_password: config
                    .kafka_sasl_password
                    .as_ref()
                    .map(|s| s.expose().to_string())
                    .unwrap_or_default(),
                ssl_ca_location: opt(&config.kafka_ssl_ca_location),
            })?);
            // Detached: it ends with the transport.
            drop(kafka.watch());
            kafka
        }
    })
}

/// Opens and migrates every service database.
pub async fn open_databases(config: &Config) -> anyhow::Result<[DatabaseConnection; 4]> {
    use duban_outbox::db::migrate;
    let [a, e, n, au] = connect_databases(config).await?;
    migrate::<duban_assignments::migration::Migrator>(&a, duban_assignments::SERVICE).await?;
    migrate::<duban_evaluation::migration::Migrator>(&e, duban_evaluation::SERVICE).await?;
    migrate::<duban_notifications::migration::Migrator>(&n, duban_notifications::SERVICE).await?;
    migrate::<duban_audit::migration::Migrator>(&au, duban_audit::SERVICE).await?;
    Ok([a, e, n, au])
}

/// Opens every service database as it is, refusing one that is not migrated: for the
/// commands besides `serve` and `migrate`, which never migrate.
pub async fn migrated_databases(config: &Config) -> anyhow::Result<[DatabaseConnection; 4]> {
    use duban_outbox::db::ensure_migrated;
    let [a, e, n, au] = connect_databases(config).await?;
    ensure_migrated::<duban_assignments::migration::Migrator>(&a, duban_assignments::SERVICE)
        .await?;
    ensure_migrated::<duban_evaluation::migration::Migrator>(&e, duban_evaluation::SERVICE).await?;
    ensure_migrated::<duban_notifications::migration::Migrator>(&n, duban_notifications::SERVICE)
        .await?;
    ensure_migrated::<duban_audit::migration::Migrator>(&au, duban_audit::SERVICE).await?;
    Ok([a, e, n, au])
}

async fn connect_databases(config: &Config) -> anyhow::Result<[DatabaseConnection; 4]> {
    let open = |name: &'static str| {
        let url = config.database_url_for(name);
        async move {
            duban_outbox::db::connect(&url, name)
                .await
                .with_context(|| format!("cannot open the {name} database"))
        }
    };
    Ok([
        open(duban_assignments::SERVICE).await?,
        open(duban_evaluation::SERVICE).await?,
        open(duban_notifications::SERVICE).await?,
        open(duban_audit::SERVICE).await?,
    ])
}

/// The gateway's request and response bounds from the configuration.
pub(crate) fn gateway_limits(config: &Config) -> duban_gateway::limits::Limits {
    duban_gateway::limits::Limits {
        per_second: config.rate_limit_per_second,
        burst: config.rate_limit_burst,
        graphql_body: config.graphql_body_limit,
        import_body: config.import_body_limit,
        response: config.response_limit,
        export_rows: config.export_row_limit,
        workbook_rows: config.workbook_row_limit,
        trusted_documents: config.trusted_documents,
    }
}

/// Starts every service in this process and serves the gateway on `config.listen`.
pub async fn start(config: &Config, clock: SharedClock) -> anyhow::Result<Running> {
    config.check_secrets(false)?;
    let [a_db, e_db, n_db, au_db] = open_databases(config).await?;
    let databases = Databases {
        assignments: a_db.clone(),
        evaluation: e_db.clone(),
        notifications: n_db.clone(),
        audit: au_db.clone(),
    };
    let shared = make_transport(config)?;
    let (stop, stop_rx) = watch::channel(false);
    let metrics = crate::metrics::Metrics::new();
    let mut w = crate::wiring::Workers::default();
    let wired = crate::wiring::assignments(config, a_db, &shared, &clock, &stop_rx).await?;
    let assignments = wired.start(&metrics, &stop_rx, &mut w);
    let wired = crate::wiring::evaluation(config, e_db, &shared, &clock, &stop_rx).await?;
    let evaluation = wired.start(&metrics, &stop_rx, &mut w);
    let wired = crate::wiring::notifications(config, n_db, &shared, &clock, &stop_rx).await?;
    let notifications = wired.start(&metrics, &stop_rx, &mut w);
    let wired = crate::wiring::audit(config, au_db, &shared, &clock, &stop_rx).await?;
    let audit = wired.start(&metrics, &stop_rx, &mut w);
    let sampler = metrics.sample_relays(w.relays.clone());
    let lag_sampler = metrics.sample_lag(shared.clone(), w.groups);
    crate::wiring::load_demo(config, &assignments).await?;
    let (workers, relays, leases) = (w.tasks, w.relays, w.leases);

    // The request workers call the services on this runtime, where the connections live.
    let services = Services {
        assignments: Arc::new(OnRuntime::here(Arc::new(duban_assignments::keyed(
            assignments.clone(),
        )))),
        evaluation: Arc::new(OnRuntime::here(Arc::new(evaluation.clone()))),
        notifications: Arc::new(OnRuntime::here(Arc::new(notifications.clone()))),
        audit: Arc::new(OnRuntime::here(Arc::new(audit))),
    };
    let gateway = Gateway::new(
        &config.tenant,
        services,
        TokenKeys::new(config.jwt_secret.expose().as_bytes()),
        clock,
        gateway_limits(config),
        config.max_page_size,
        config.is_explicit_demo(),
    );
    let listener = std::net::TcpListener::bind(&config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let routes = duban_gateway::app_config(gateway);
    let metric_routes = metrics.clone();
    let metrics_token = config
        .metrics_token
        .as_ref()
        .map(|t| t.expose().to_string());
    let (handle, server_task) = crate::wiring::serve!(listener, move || {
        actix_web::App::new()
            .configure(routes.clone())
            .configure(metric_routes.routes(metrics_token.clone()))
    });
    Ok(Running {
        addr,
        server: handle,
        server_task: Some(server_task),
        stop,
        workers,
        relays,
        leases,
        databases,
        assignments,
        evaluation,
        notifications,
        sampler,
        lag_sampler,
    })
}

impl Running {
    /// Stops taking requests, lets every event reach every consumer, then stops.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.server.stop(true).await;
        if let Some(t) = self.server_task.take() {
            let _ = t.await;
        }
        // Stop the workers even when the events cannot be counted (a database is gone):
        // what was not delivered is offered again on the next start.
        let drained = match self.databases.settle(Duration::from_secs(30)).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(error = %e, "events not all delivered at shutdown");
                false
            }
        };
        let _ = self.stop.send(true);
        self.sampler.abort();
        self.lag_sampler.abort();
        crate::wiring::Workers::finish(self.workers, self.leases).await;
        if drained {
            for r in &self.relays {
                r.mark_safe().await.with_context(|| {
                    format!(
                        "cannot mark what the {} relay sent as delivered",
                        r.service()
                    )
                })?;
            }
            tracing::info!("stopped; every event was delivered");
        } else {
            tracing::warn!(
                "stopped before every event was delivered; they will be offered again on start"
            );
        }
        crate::telemetry::flush();
        Ok(())
    }
}
