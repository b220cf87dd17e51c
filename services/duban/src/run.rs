//! Wiring of the all-in-one process: databases, migrations, relays, consumers,
//! demo data, the HTTP server, and a graceful shutdown that loses no event.

use anyhow::Context as _;
use duban_assignments::AssignmentsService;
use duban_audit::AuditService;
use duban_auth::TokenKeys;
use duban_clock::SharedClock;
use duban_config::Config;
use duban_config::TransportKind;
use duban_evaluation::EvaluationService;
use duban_gateway::{Gateway, Services};
use duban_notifications::NotificationsService;
use duban_outbox::entity::{inbox, outbox};
use duban_outbox::{Consumer, EventBus, Relay};
use duban_schema::topics;
use duban_transport::{InProcessTransport, KafkaSettings, KafkaTransport, Transport};
use sea_orm::DatabaseConnection;
use sea_orm::{EntityTrait, PaginatorTrait};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
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
    /// The four service databases.
    pub databases: Databases,
    /// The assignments service (tests and the token command use it directly).
    pub assignments: AssignmentsService,
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
    /// Whether every event written to an outbox so far has been handled by every
    /// consumer it is meant for (counted in the outboxes and inboxes).
    pub async fn settled(&self) -> anyhow::Result<bool> {
        let c = self.counts().await?;
        Ok(c.evaluation_inbox == c.assignments_outbox
            && c.notifications_inbox == c.assignments_outbox
            && c.audit_inbox == c.assignments_outbox + c.evaluation_outbox + c.notifications_outbox)
    }

    /// Waits until [`Self::settled`] holds twice in a row, failing after `within` with
    /// the counts. A long backlog is looked at less often: counting every outbox and
    /// inbox is itself work for the databases.
    pub async fn settle(&self, within: std::time::Duration) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + within;
        let mut quiet = 0;
        let mut pause = std::time::Duration::from_millis(25);
        while std::time::Instant::now() < deadline {
            if self.settled().await? {
                quiet += 1;
                if quiet >= 2 {
                    return Ok(());
                }
            } else {
                quiet = 0;
                pause = (pause * 2).min(std::time::Duration::from_millis(400));
            }
            tokio::time::sleep(pause).await;
        }
        anyhow::bail!(
            "events did not settle within {} s: {:?}",
            within.as_secs(),
            self.counts().await?
        )
    }

    /// Rows in each outbox and inbox.
    pub async fn counts(&self) -> anyhow::Result<EventCounts> {
        let out = |db: &DatabaseConnection| {
            let db = db.clone();
            async move { outbox::Entity::find().count(&db).await }
        };
        let inb = |db: &DatabaseConnection| {
            let db = db.clone();
            async move { inbox::Entity::find().count(&db).await }
        };
        Ok(EventCounts {
            assignments_outbox: out(&self.assignments).await?,
            evaluation_outbox: out(&self.evaluation).await?,
            notifications_outbox: out(&self.notifications).await?,
            evaluation_inbox: inb(&self.evaluation).await?,
            notifications_inbox: inb(&self.notifications).await?,
            audit_inbox: inb(&self.audit).await?,
        })
    }
}

/// Rows in the outboxes and inboxes of the four services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCounts {
    /// Events assignments wrote.
    pub assignments_outbox: u64,
    /// Events evaluation wrote.
    pub evaluation_outbox: u64,
    /// Events notifications wrote.
    pub notifications_outbox: u64,
    /// Events evaluation handled.
    pub evaluation_inbox: u64,
    /// Events notifications handled.
    pub notifications_inbox: u64,
    /// Events audit handled.
    pub audit_inbox: u64,
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
    }
}

/// Opens the audit log with the configured suite and key.
pub async fn open_audit(
    config: &Config,
    db: DatabaseConnection,
    clock: &SharedClock,
) -> anyhow::Result<AuditService> {
    let suite = duban_audit::checkpoint::Suite::parse(&config.audit_suite)
        .context("unknown audit suite")?;
    if config.audit_signing_key.is_none() {
        tracing::warn!("demo: using the development audit signing key");
    }
    Ok(AuditService::open(
        db,
        duban_audit::AuditSettings {
            suite,
            origin: config.audit_origin(),
            seed: config.audit_seed(),
        },
        clock.clone(),
    )
    .await?)
}

/// Runs a relay until `stop`.
pub(crate) fn spawn_relay(r: Relay, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = r.run(stop).await {
            tracing::error!(error = %e, "relay stopped");
        }
    })
}

/// The consumer of one service's group.
pub(crate) fn consumer(
    group: &str,
    topics: &[&'static str],
    db: DatabaseConnection,
    transport: &Arc<dyn Transport>,
    handler: Arc<dyn duban_outbox::Handler>,
    clock: &SharedClock,
) -> Consumer {
    Consumer {
        group: group.into(),
        topics: topics.to_vec(),
        db,
        transport: transport.clone(),
        handler,
        clock: clock.clone(),
        on_handled: None,
    }
}

/// Fires due reminders, issues recurring duties and announces campaign phases now and
/// every 30 seconds until `stop`.
pub(crate) fn spawn_deadlines(
    assignments: AssignmentsService,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match assignments.deadline_tick().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(fired = n, "deadline reminders"),
                Err(e) => tracing::warn!(error = %e, "deadline tick failed"),
            }
            match assignments.duty_tick().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(issued = n, "recurring duties issued"),
                Err(e) => tracing::warn!(error = %e, "recurring duty tick failed"),
            }
            match assignments.campaign_tick().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(announced = n, "campaign phases announced"),
                Err(e) => tracing::warn!(error = %e, "campaign tick failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = stop.changed() => return,
            }
        }
    })
}

/// Reassesses colors every minute until `stop`.
pub(crate) fn spawn_reassess(
    evaluation: EvaluationService,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                _ = stop.changed() => return,
            }
            if let Err(e) = evaluation.reassess().await {
                tracing::warn!(error = %e, "color reassessment failed");
            }
        }
    })
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
    let bus = || EventBus {
        transport: shared.clone(),
        wake: Arc::new(Notify::new()),
    };
    let (a_bus, e_bus, n_bus) = (bus(), bus(), bus());
    let assignments =
        AssignmentsService::new(a_db.clone(), a_bus.clone(), clock.clone(), &config.tenant)
            .with_extension_cap(config.extension_cap_days)
            .with_due_soon_days(config.due_soon_working_days);
    assignments.load_calendar().await?;
    let evaluation = EvaluationService::new(
        e_db.clone(),
        e_bus.clone(),
        clock.clone(),
        &config.tenant,
        config.yellow_days_before_due,
    );
    evaluation.load_calendar().await?;
    let notifications =
        NotificationsService::new(n_db.clone(), n_bus.clone(), clock.clone(), &config.tenant);
    let audit = open_audit(config, au_db.clone(), &clock).await?;

    let (stop, stop_rx) = watch::channel(false);
    let mut workers = Vec::new();
    let relays = vec![
        Relay::new(
            duban_assignments::SERVICE,
            a_db,
            shared.clone(),
            a_bus.wake,
            clock.clone(),
        ),
        Relay::new(
            duban_evaluation::SERVICE,
            e_db.clone(),
            shared.clone(),
            e_bus.wake,
            clock.clone(),
        ),
        Relay::new(
            duban_notifications::SERVICE,
            n_db.clone(),
            shared.clone(),
            n_bus.wake,
            clock.clone(),
        ),
    ];
    for r in &relays {
        workers.push(spawn_relay(r.clone(), stop_rx.clone()));
    }
    let metrics = crate::metrics::Metrics::new();
    for mut c in [
        consumer(
            duban_evaluation::SERVICE,
            &[topics::ASSIGNMENTS],
            e_db,
            &shared,
            Arc::new(evaluation.clone()),
            &clock,
        ),
        consumer(
            duban_notifications::SERVICE,
            &[topics::ASSIGNMENTS],
            n_db,
            &shared,
            Arc::new(notifications.clone()),
            &clock,
        ),
        consumer(
            duban_audit::SERVICE,
            &topics::ALL,
            au_db,
            &shared,
            Arc::new(audit.clone()),
            &clock,
        ),
    ] {
        c.on_handled = Some(metrics.consumer_hook(&c.group));
        workers.push(tokio::spawn(c.run(stop_rx.clone())));
    }
    let sampler = metrics.sample_relays(relays.clone());
    let lag_sampler = metrics.sample_lag(
        shared.clone(),
        vec![
            (duban_evaluation::SERVICE.into(), vec![topics::ASSIGNMENTS]),
            (
                duban_notifications::SERVICE.into(),
                vec![topics::ASSIGNMENTS],
            ),
            (duban_audit::SERVICE.into(), topics::ALL.to_vec()),
        ],
    );
    workers.push(spawn_reassess(evaluation.clone(), stop_rx.clone()));
    workers.push(spawn_deadlines(assignments.clone(), stop_rx.clone()));
    workers.push(tokio::spawn(audit.clone().run_integrator(stop_rx.clone())));

    if config.loads_demo_data() && duban_assignments::demo::load(&assignments).await? {
        tracing::info!("demo data loaded");
    }

    let services = Services {
        assignments: Arc::new(duban_assignments::Keyed(assignments.clone())),
        evaluation: Arc::new(evaluation),
        notifications: Arc::new(notifications),
        audit: Arc::new(audit),
    };
    let gateway = Gateway::new(
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
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .configure(routes.clone())
            .configure(metric_routes.routes(metrics_token.clone()))
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let server_task = tokio::spawn(server);
    Ok(Running {
        addr,
        server: handle,
        server_task: Some(server_task),
        stop,
        workers,
        relays,
        databases,
        assignments,
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
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "events not all delivered at shutdown");
                false
            }
        };
        let _ = self.stop.send(true);
        self.sampler.abort();
        self.lag_sampler.abort();
        for w in self.workers {
            let _ = w.await;
        }
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
