//! One wiring per service: what it is built from, the topics it reads, and what runs beside
//! it (its outbox relay, its consumer, its periodic jobs). The all-in-one process and a
//! service running alone both build every service here.

use crate::metrics::Metrics;
use anyhow::Context as _;
use duban_assignments::AssignmentsService;
use duban_audit::AuditService;
use duban_clock::SharedClock;
use duban_config::Config;
use duban_evaluation::EvaluationService;
use duban_notifications::NotificationsService;
use duban_outbox::{Consumer, EventBus, Lease, Relay};
use duban_schema::topics;
use duban_transport::Transport;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// The topics assignments reads: evaluation's cards (the color filter, raising by rule).
pub const ASSIGNMENTS_READS: &[&str] = &[topics::EVALUATION];
/// The topics evaluation reads.
pub const EVALUATION_READS: &[&str] = &[topics::ASSIGNMENTS];
/// The topics notifications reads.
pub const NOTIFICATIONS_READS: &[&str] = &[topics::ASSIGNMENTS, topics::EVALUATION];
/// The topics audit reads: every one.
pub const AUDIT_READS: &[&str] = &topics::ALL;

/// A service built on its database and the transport, with what must run beside it.
pub struct Wired<S> {
    /// The service, as its API and the consumer's handler.
    pub service: S,
    /// Its outbox relay, when it publishes events.
    pub relay: Option<Relay>,
    /// Its consumer, when it reads events.
    pub consumer: Option<Consumer>,
    /// Its periodic jobs, already running.
    pub jobs: Vec<JoinHandle<()>>,
    /// What its relay and its jobs run under, among replicas.
    pub lease: Option<Lease>,
}

/// What the started relays, consumers and jobs of a process are, for its shutdown and
/// its metrics.
#[derive(Default)]
pub struct Workers {
    /// Every task to wait for on shutdown.
    pub tasks: Vec<JoinHandle<()>>,
    /// The relays, for the backlog metrics and the final drain.
    pub relays: Vec<Relay>,
    /// Each consumer group and its topics, for the lag metric.
    pub groups: Vec<(String, Vec<&'static str>)>,
    /// The leases held or waited for, given up after the tasks stop.
    pub leases: Vec<Lease>,
}

impl Workers {
    /// Waits for every task (after the stop was told), then gives up the leases so that
    /// another replica relays and ticks at once.
    pub async fn finish(tasks: Vec<JoinHandle<()>>, leases: Vec<Lease>) {
        for t in tasks {
            let _ = t.await;
        }
        for l in leases {
            l.release().await;
        }
    }
}

impl<S> Wired<S> {
    /// Starts the relay and the consumer (counted in `metrics`); hands back the service.
    pub fn start(self, metrics: &Metrics, stop: &watch::Receiver<bool>, w: &mut Workers) -> S {
        if let Some(r) = self.relay {
            w.tasks.push(spawn_relay(r.clone(), stop.clone()));
            w.relays.push(r);
        }
        if let Some(mut c) = self.consumer {
            c.on_handled = Some(metrics.consumer_hook(&c.group));
            w.groups.push((c.group.clone(), c.topics.clone()));
            w.tasks.push(tokio::spawn(c.run(stop.clone())));
        }
        w.tasks.extend(self.jobs);
        w.leases.extend(self.lease);
        self.service
    }
}

fn bus(transport: &Arc<dyn Transport>) -> EventBus {
    EventBus {
        transport: transport.clone(),
        wake: Arc::new(Notify::new()),
    }
}

/// Assignments: the directory, campaigns, items and problems; publishes, reads the cards;
/// fires reminders and recurring duties.
pub async fn assignments(
    config: &Config,
    db: DatabaseConnection,
    transport: &Arc<dyn Transport>,
    clock: &SharedClock,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Wired<AssignmentsService>> {
    let bus = bus(transport);
    let svc = AssignmentsService::new(db.clone(), bus.clone(), clock.clone(), &config.tenant)
        .with_extension_cap(config.extension_cap_days)
        .with_due_soon_days(config.due_soon_working_days);
    svc.load_calendar().await?;
    let follower = {
        let (svc, stop) = (svc.clone(), stop.clone());
        tokio::spawn(async move {
            tokio::join!(
                svc.follow_directory(stop.clone()),
                svc.follow_calendar(stop)
            );
        })
    };
    let name = duban_assignments::SERVICE;
    Ok(publishing(
        name,
        svc,
        bus,
        ASSIGNMENTS_READS,
        db,
        clock,
        |svc, lease| {
            let every = Every::at_once(30);
            vec![
                spawn_rounds(svc, lease, stop.clone(), every, tick_deadlines),
                follower,
            ]
        },
    ))
}

/// Wires a service that publishes through its outbox (`bus`) and reads `reads`: its
/// lease, its relay, its consumer, and the periodic jobs `jobs` starts under that lease.
fn publishing<S>(
    name: &'static str,
    svc: S,
    bus: EventBus,
    reads: &[&'static str],
    db: DatabaseConnection,
    clock: &SharedClock,
    jobs: impl FnOnce(S, Lease) -> Vec<JoinHandle<()>>,
) -> Wired<S>
where
    S: duban_outbox::Handler + Clone + 'static,
{
    let lease = Lease::new(db.clone(), name);
    let relay = Relay::new(
        name,
        db.clone(),
        bus.transport.clone(),
        bus.wake,
        clock.clone(),
    )
    .with_lease(lease.clone());
    let handler = Arc::new(svc.clone());
    Wired {
        jobs: jobs(svc.clone(), lease.clone()),
        lease: Some(lease),
        service: svc,
        relay: Some(relay),
        consumer: Some(consumer(name, reads, db, &bus.transport, handler, clock)),
    }
}

/// Loads the demo county when asked, once everything that reads its events is running.
pub async fn load_demo(config: &Config, assignments: &AssignmentsService) -> anyhow::Result<()> {
    if config.loads_demo_data() && duban_assignments::demo::load(assignments).await? {
        tracing::info!("demo data loaded");
        let initial = assignments
            .initial_passwords(&duban_assignments::demo::accounts().collect::<Vec<_>>())
            .await?;
        println!("演示账号与初始密码（只在首次启动时显示；首次登录须修改密码）：");
        for p in initial {
            println!("  {:<20} {:<4}  {}", p.account, p.name, p.password);
        }
    }
    Ok(())
}

/// Evaluation: colors and cards; reads assignments, publishes its own, reassesses colors.
pub async fn evaluation(
    config: &Config,
    db: DatabaseConnection,
    transport: &Arc<dyn Transport>,
    clock: &SharedClock,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Wired<EvaluationService>> {
    let bus = bus(transport);
    let svc = EvaluationService::new(
        db.clone(),
        bus.clone(),
        clock.clone(),
        &config.tenant,
        config.yellow_days_before_due,
    );
    svc.load_calendar().await?;
    let follower = {
        let (svc, stop) = (svc.clone(), stop.clone());
        tokio::spawn(async move { svc.follow_changes(stop).await })
    };
    let name = duban_evaluation::SERVICE;
    Ok(publishing(
        name,
        svc,
        bus,
        EVALUATION_READS,
        db,
        clock,
        |svc, lease| {
            vec![
                spawn_rounds(svc, lease, stop.clone(), Every::secs(60), reassess),
                follower,
            ]
        },
    ))
}

/// Notifications: inboxes; reads assignments, publishes its own, escalates unanswered notices.
pub async fn notifications(
    config: &Config,
    db: DatabaseConnection,
    transport: &Arc<dyn Transport>,
    clock: &SharedClock,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Wired<NotificationsService>> {
    let bus = bus(transport);
    let svc = NotificationsService::new(db.clone(), bus.clone(), clock.clone(), &config.tenant);
    svc.load_calendar().await?;
    let follower = {
        let (svc, stop) = (svc.clone(), stop.clone());
        tokio::spawn(async move { svc.follow_calendar(stop).await })
    };
    let name = duban_notifications::SERVICE;
    Ok(publishing(
        name,
        svc,
        bus,
        NOTIFICATIONS_READS,
        db,
        clock,
        |svc, lease| {
            let woken = Every {
                wake: Some(svc.push_wake.clone()),
                ..Every::secs(1)
            };
            vec![
                spawn_rounds(
                    svc.clone(),
                    lease.clone(),
                    stop.clone(),
                    Every::secs(60),
                    escalate,
                ),
                spawn_rounds(svc, lease, stop.clone(), woken, push),
                follower,
            ]
        },
    ))
}

/// When a periodic job's rounds come: every `period`, the first at once when `at_once`,
/// and also whenever `wake` is told.
struct Every {
    period: Duration,
    at_once: bool,
    wake: Option<Arc<Notify>>,
}

impl Every {
    fn secs(n: u64) -> Self {
        Every {
            period: Duration::from_secs(n),
            at_once: false,
            wake: None,
        }
    }

    fn at_once(n: u64) -> Self {
        Every {
            at_once: true,
            ..Every::secs(n)
        }
    }
}

/// Escalates unanswered notices and reminds campaigns' reports (every minute).
async fn escalate(n: NotificationsService) {
    logged(n.escalate().await, "unanswered notices escalated");
    logged(
        n.remind_campaign_reports().await,
        "campaign report reminders",
    );
}

/// Sends due pushes (when told some were queued, and every second for retries and held
/// ones).
async fn push(notifications: NotificationsService) {
    logged(notifications.deliver_due().await, "pushes delivered");
}

/// Runs `round` on a clone of `svc` as `every` says until `stop`, only where `lease` is
/// held: a replica waits for it and starts a round as soon as it takes it.
fn spawn_rounds<S, Fut>(
    svc: S,
    lease: Lease,
    mut stop: watch::Receiver<bool>,
    every: Every,
    round: fn(S) -> Fut,
) -> JoinHandle<()>
where
    S: Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut first = every.at_once;
        loop {
            if !first {
                let woken = async {
                    match &every.wake {
                        Some(w) => w.notified().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(every.period) => {}
                    _ = woken => {}
                    _ = stop.changed() => return,
                }
            }
            first = false;
            if !lease.wait(&mut stop).await {
                return;
            }
            round(svc.clone()).await;
        }
    })
}

/// Audit: the tamper-evident log; reads every topic, publishes nothing, signs checkpoints.
pub async fn audit(
    config: &Config,
    db: DatabaseConnection,
    transport: &Arc<dyn Transport>,
    clock: &SharedClock,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Wired<AuditService>> {
    let svc = open_audit(config, db.clone(), clock).await?;
    let handler = Arc::new(svc.clone());
    let name = duban_audit::SERVICE;
    Ok(Wired {
        consumer: Some(consumer(name, AUDIT_READS, db, transport, handler, clock)),
        // Every replica integrates: the stored tree's size row makes them take turns.
        jobs: vec![tokio::spawn(svc.clone().run_integrator(stop.clone()))],
        lease: None,
        service: svc,
        relay: None,
    })
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

/// Logs one job of a round, named `what`: how many it did, when it did any, or why it
/// failed.
fn logged<N, E>(round: Result<N, E>, what: &str)
where
    N: std::fmt::Display + PartialEq + Default,
    E: std::fmt::Display,
{
    match round {
        Ok(n) if n == N::default() => {}
        Ok(n) => tracing::info!(count = %n, "{what}"),
        Err(e) => tracing::warn!(error = %e, "{what} failed"),
    }
}

/// Fires due reminders, issues recurring duties and announces campaign phases (at start,
/// then every 30 seconds).
async fn tick_deadlines(a: AssignmentsService) {
    logged(a.deadline_tick().await, "deadline reminders");
    logged(a.duty_tick().await, "recurring duties issued");
    logged(a.campaign_tick().await, "campaign phases announced");
}

/// Reassesses colors, keeps reviews, surveys and referrals to their dates, then publishes
/// the weekly bulletins when due (every minute).
async fn reassess(e: EvaluationService) {
    logged(e.reassess().await, "colors reassessed");
    logged(e.remind_reviews().await, "conduct review reminders");
    logged(
        e.close_due_reviews().await,
        "conduct reviews closed at their deadline",
    );
    logged(
        e.close_due_surveys().await,
        "surveys closed at their deadline",
    );
    logged(
        e.refer_by_rules().await,
        "clues referred by the county's rules",
    );
    logged(e.remind_referrals().await, "referral reminders");
    logged(e.publish_bulletins().await, "weekly bulletins published");
}

/// Serves the apps `$app` builds on `$listener`, as both deployments do: two request
/// workers, no signal handling of its own (the process's shutdown stops it), and ten
/// seconds for the requests in hand when it stops. The server's handle and the task it
/// runs on; `?` on a listener it cannot take. A macro, because `HttpServer::new`'s bounds
/// name types of crates the binary does not depend on.
macro_rules! serve {
    ($listener:expr, $app:expr) => {{
        let server = actix_web::HttpServer::new($app)
            .workers(2)
            .disable_signals()
            .shutdown_timeout(10)
            .listen($listener)?
            .run();
        (server.handle(), tokio::spawn(server))
    }};
}
pub(crate) use serve;
