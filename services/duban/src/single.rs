//! One service alone in its process, for the distributed deployment: its own
//! database, the Kafka transport, its relay and consumers, its internal HTTP API,
//! `/healthz`, `/readyz` (database and broker) and `/metrics`. `gateway` serves
//! GraphQL and reaches the others over their internal HTTP APIs.

use crate::metrics::{Metrics, ServiceLabel};
use crate::run::make_transport;
use actix_web::dev::Service as _;
use actix_web::{web, HttpResponse};
use anyhow::Context as _;
use clap::ValueEnum;
use duban_api::rpc::{OnRuntime, Remote};
use duban_api::{
    AssignmentsApi, AssignmentsCall, AuditApi, AuditCall, EvaluationApi, EvaluationCall,
    NotificationsApi, NotificationsCall,
};
use duban_auth::TokenKeys;
use duban_clock::SharedClock;
use duban_config::{Config, TransportKind};
use duban_gateway::{Gateway, Services};
use duban_rpc::http::{self as api_http, HttpClient};
use duban_transport::Transport;
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One service of duban.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ServiceName {
    /// The GraphQL gateway.
    Gateway,
    /// Assignments, directory, campaigns.
    Assignments,
    /// Colors and evaluations.
    Evaluation,
    /// Inboxes and notices.
    Notifications,
    /// The tamper-evident log.
    Audit,
}

/// A started single service.
pub struct ServiceNode {
    /// Where it listens.
    pub addr: SocketAddr,
    server: actix_web::dev::ServerHandle,
    server_task: JoinHandle<std::io::Result<()>>,
    stop: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
    leases: Vec<duban_outbox::Lease>,
    sampler: Option<JoinHandle<()>>,
    lag_sampler: Option<JoinHandle<()>>,
}

impl ServiceNode {
    /// Stops taking requests, finishes the event in hand, stops.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.server.stop(true).await;
        let _ = self.server_task.await;
        let _ = self.stop.send(true);
        crate::wiring::Workers::finish(self.workers, self.leases).await;
        for s in [self.sampler, self.lag_sampler].into_iter().flatten() {
            s.abort();
        }
        crate::telemetry::flush();
        Ok(())
    }
}

type Configure = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// Readiness: the database answers (or, for the gateway, every service is ready); the
/// broker's state is reported but does not take the process out of rotation.
#[derive(Clone)]
struct Readiness {
    db: Option<DatabaseConnection>,
    transport: Option<Arc<dyn Transport>>,
    /// For the gateway: each service's name and URL, whose own `/readyz` it relays.
    peers: Vec<(&'static str, String)>,
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl Readiness {
    fn of_service(db: DatabaseConnection, transport: Arc<dyn Transport>) -> Self {
        Readiness {
            db: Some(db),
            transport: Some(transport),
            peers: Vec::new(),
            http: reqwest::Client::new(),
            runtime: tokio::runtime::Handle::current(),
        }
    }
}

/// A service's own readiness as the gateway sees it: failing (with why) or its degraded
/// parts, if any.
async fn peer_readiness(
    http: &reqwest::Client,
    base: &str,
) -> Result<Option<serde_json::Value>, String> {
    let resp = http
        .get(format!("{base}/readyz"))
        .timeout(CHECK_BOUND)
        .send()
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    let ok = resp.status().is_success();
    let body: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
    if ok {
        Ok(body.get("degraded").cloned())
    } else {
        Err(body
            .get("failing")
            .map_or_else(|| body.to_string(), |f| f.to_string()))
    }
}

/// Each check is bounded, so the answer comes well inside a probe's one second.
const CHECK_BOUND: std::time::Duration = std::time::Duration::from_millis(500);

async fn bounded<E: std::fmt::Display>(
    check: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), String> {
    match tokio::time::timeout(CHECK_BOUND, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} ms", CHECK_BOUND.as_millis())),
    }
}

async fn readyz(r: web::Data<Readiness>) -> HttpResponse {
    let mut failing = serde_json::Map::new();
    let mut degraded = serde_json::Map::new();
    if let Some(db) = &r.db {
        // On the process's runtime, where the pool's connections live (see `OnRuntime`).
        let db = db.clone();
        let pinged = r.runtime.spawn(async move { bounded(db.ping()).await });
        if let Err(e) = pinged.await.unwrap_or_else(|e| Err(e.to_string())) {
            failing.insert("database".into(), e.into());
        }
    }
    // Kept by the transport's watcher. Writes still succeed into the outbox while the
    // broker is away, so the service stays in rotation and says so.
    if let Some(t) = &r.transport {
        if let Err(e) = bounded(t.ping()).await {
            degraded.insert("broker".into(), e.into());
        }
    }
    let answers =
        futures::future::join_all(r.peers.iter().map(|(_, url)| peer_readiness(&r.http, url)))
            .await;
    for ((name, _), answer) in r.peers.iter().zip(answers) {
        match answer {
            Ok(None) => {}
            Ok(Some(d)) => {
                degraded.insert((*name).into(), d);
            }
            Err(e) => {
                failing.insert((*name).into(), e.into());
            }
        }
    }
    let mut body = serde_json::json!({
        "status": if failing.is_empty() { "ready" } else { "not ready" },
    });
    if !failing.is_empty() {
        body["failing"] = failing.clone().into();
    }
    if !degraded.is_empty() {
        body["degraded"] = degraded.into();
    }
    if failing.is_empty() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn open(config: &Config, name: &'static str) -> anyhow::Result<DatabaseConnection> {
    let db = duban_outbox::db::connect(&config.database_url_for(name), name)
        .await
        .with_context(|| format!("cannot open the {name} database"))?;
    use duban_outbox::db::migrate;
    match name {
        "assignments" => migrate::<duban_assignments::migration::Migrator>(&db, name).await?,
        "evaluation" => migrate::<duban_evaluation::migration::Migrator>(&db, name).await?,
        "notifications" => migrate::<duban_notifications::migration::Migrator>(&db, name).await?,
        _ => migrate::<duban_audit::migration::Migrator>(&db, name).await?,
    }
    Ok(db)
}

/// Starts one service alone.
pub async fn start_service(
    config: &Config,
    clock: SharedClock,
    name: ServiceName,
) -> anyhow::Result<ServiceNode> {
    config.check_secrets(true)?;
    let key = duban_rpc::signing::ServiceKey::new(
        config
            .service_key()
            .context("services running alone need DUBAN_SERVICE_KEY")?
            .as_bytes(),
    );
    let metrics = Metrics::new();
    let (stop, stop_rx) = watch::channel(false);
    let mut w = crate::wiring::Workers::default();
    let label = format!("{name:?}").to_lowercase();
    let needs_kafka = !matches!(name, ServiceName::Gateway);
    if needs_kafka && config.transport_kind() != TransportKind::Kafka {
        anyhow::bail!("a service running alone exchanges events over Kafka: set KAFKA_BROKERS");
    }
    let (routes, readiness): (Configure, Readiness) = match name {
        ServiceName::Gateway => {
            let url = |u: &Option<String>, what: &str| {
                u.clone().with_context(|| {
                    format!("the gateway alone needs DUBAN_{}_URL", what.to_uppercase())
                })
            };
            let peers = vec![
                ("assignments", url(&config.assignments_url, "assignments")?),
                ("evaluation", url(&config.evaluation_url, "evaluation")?),
                (
                    "notifications",
                    url(&config.notifications_url, "notifications")?,
                ),
                ("audit", url(&config.audit_url, "audit")?),
            ];
            let services = Services {
                assignments: Arc::new(Remote(HttpClient::new(
                    &peers[0].1,
                    "assignments",
                    key.clone(),
                ))),
                evaluation: Arc::new(Remote(HttpClient::new(
                    &peers[1].1,
                    "evaluation",
                    key.clone(),
                ))),
                notifications: Arc::new(Remote(HttpClient::new(
                    &peers[2].1,
                    "notifications",
                    key.clone(),
                ))),
                audit: Arc::new(Remote(HttpClient::new(&peers[3].1, "audit", key.clone()))),
            };
            let gateway = Gateway::new(
                &config.tenant,
                services.clone(),
                TokenKeys::new(config.jwt_secret.expose().as_bytes()),
                clock.clone(),
                crate::run::gateway_limits(config),
                config.max_page_size,
                config.is_explicit_demo(),
            );
            let readiness = Readiness {
                db: None,
                transport: None,
                peers: peers
                    .into_iter()
                    .map(|(n, u)| (n, u.trim_end_matches('/').to_string()))
                    .collect(),
                http: reqwest::Client::new(),
                runtime: tokio::runtime::Handle::current(),
            };
            (Arc::new(duban_gateway::app_config(gateway)), readiness)
        }
        ServiceName::Assignments => {
            let transport = make_transport(config)?;
            let db = open(config, "assignments").await?;
            let wired =
                crate::wiring::assignments(config, db.clone(), &transport, &clock, &stop_rx)
                    .await?;
            let svc = wired.start(&metrics, &stop_rx, &mut w);
            crate::wiring::load_demo(config, &svc).await?;
            let api: Arc<dyn AssignmentsApi> =
                Arc::new(OnRuntime::here(Arc::new(duban_assignments::keyed(svc))));
            let routes = api_http::routes::<AssignmentsCall>(api, key.clone());
            (Arc::new(routes), Readiness::of_service(db, transport))
        }
        ServiceName::Evaluation => {
            let transport = make_transport(config)?;
            let db = open(config, "evaluation").await?;
            let wired =
                crate::wiring::evaluation(config, db.clone(), &transport, &clock, &stop_rx).await?;
            let svc: Arc<dyn EvaluationApi> = Arc::new(OnRuntime::here(Arc::new(
                wired.start(&metrics, &stop_rx, &mut w),
            )));
            let routes = api_http::routes::<EvaluationCall>(svc, key.clone());
            (Arc::new(routes), Readiness::of_service(db, transport))
        }
        ServiceName::Notifications => {
            let transport = make_transport(config)?;
            let db = open(config, "notifications").await?;
            let wired =
                crate::wiring::notifications(config, db.clone(), &transport, &clock, &stop_rx)
                    .await?;
            let svc: Arc<dyn NotificationsApi> = Arc::new(OnRuntime::here(Arc::new(
                wired.start(&metrics, &stop_rx, &mut w),
            )));
            let routes = api_http::routes::<NotificationsCall>(svc, key.clone());
            (Arc::new(routes), Readiness::of_service(db, transport))
        }
        ServiceName::Audit => {
            let transport = make_transport(config)?;
            let db = open(config, "audit").await?;
            let wired =
                crate::wiring::audit(config, db.clone(), &transport, &clock, &stop_rx).await?;
            let svc: Arc<dyn AuditApi> = Arc::new(OnRuntime::here(Arc::new(
                wired.start(&metrics, &stop_rx, &mut w),
            )));
            let routes = api_http::routes::<AuditCall>(svc, key.clone());
            (Arc::new(routes), Readiness::of_service(db, transport))
        }
    };
    let relays = w.relays;
    let workers = w.tasks;
    let leases = w.leases;
    let sampler = (!relays.is_empty()).then(|| metrics.sample_relays(relays));
    // A service with a consumer samples its lag on its own transport.
    let lag_sampler = (!w.groups.is_empty())
        .then(|| readiness.transport.clone())
        .flatten()
        .map(|t| metrics.sample_lag(t, w.groups));

    let listener = std::net::TcpListener::bind(&config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let m = metrics.clone();
    let metrics_token = config
        .metrics_token
        .as_ref()
        .map(|t| t.expose().to_string());
    let service_label = ServiceLabel {
        service: label.clone(),
    };
    let (handle, server_task) = crate::wiring::serve!(listener, move || {
        let (m2, l2, routes) = (m.clone(), service_label.clone(), routes.clone());
        actix_web::App::new()
            .wrap_fn(move |req, srv| {
                let fut = srv.call(req);
                let (m3, l3) = (m2.clone(), l2.clone());
                async move {
                    let res = fut.await?;
                    m3.requests.get_or_create(&l3).inc();
                    if res.status().is_server_error() {
                        m3.errors.get_or_create(&l3).inc();
                    }
                    Ok(res)
                }
            })
            // Before the gateway's own routes: a gateway running alone relays each
            // service's readiness, the broker's state included.
            .app_data(web::Data::new(readiness.clone()))
            .route(
                "/healthz",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
            .route("/readyz", web::get().to(readyz))
            .configure(|cfg| routes(cfg))
            .configure(m.routes(metrics_token.clone()))
    });
    tracing::info!(service = %label, %addr, "serving");
    Ok(ServiceNode {
        addr,
        server: handle,
        server_task,
        stop,
        workers,
        leases,
        sampler,
        lag_sampler,
    })
}
