//! Prometheus metrics at `/metrics`: requests and errors, outbox backlog and age,
//! events handled and how long each took.

use actix_web::{web, HttpResponse};
use duban_outbox::Relay;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Label naming a service or consumer group.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabel {
    /// The service.
    pub service: String,
}

/// The metrics of one process.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    /// HTTP requests served.
    pub requests: Family<ServiceLabel, Counter>,
    /// HTTP responses with status 500 or more.
    pub errors: Family<ServiceLabel, Counter>,
    /// Outbox rows not yet published.
    pub outbox_backlog: Family<ServiceLabel, Gauge>,
    /// Age of the oldest unpublished outbox row, seconds.
    pub outbox_age: Family<ServiceLabel, Gauge<f64, AtomicU64>>,
    /// Events applied by a consumer group.
    pub handled: Family<ServiceLabel, Counter>,
    /// Time to apply one event, seconds.
    pub handling: Family<ServiceLabel, Histogram>,
    /// Records not yet consumed by a consumer group.
    pub lag: Family<ServiceLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// An empty registry with duban's metrics.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("duban");
        let requests = Family::<ServiceLabel, Counter>::default();
        let errors = Family::<ServiceLabel, Counter>::default();
        let outbox_backlog = Family::<ServiceLabel, Gauge>::default();
        let outbox_age = Family::<ServiceLabel, Gauge<f64, AtomicU64>>::default();
        let handled = Family::<ServiceLabel, Counter>::default();
        let lag = Family::<ServiceLabel, Gauge>::default();
        registry.register(
            "consumer_lag",
            "Records not yet consumed by a consumer group",
            lag.clone(),
        );
        let handling = Family::<ServiceLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_errors",
            "HTTP responses with status >= 500",
            errors.clone(),
        );
        registry.register(
            "outbox_backlog",
            "Outbox rows not yet published",
            outbox_backlog.clone(),
        );
        registry.register(
            "outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row",
            outbox_age.clone(),
        );
        registry.register(
            "events_handled",
            "Events applied by a consumer group",
            handled.clone(),
        );
        registry.register(
            "event_handling_seconds",
            "Time to apply one event in its inbox transaction",
            handling.clone(),
        );
        Self {
            registry: Arc::new(Mutex::new(registry)),
            requests,
            errors,
            outbox_backlog,
            outbox_age,
            handled,
            handling,
            lag,
        }
    }

    /// A hook for a consumer group that records each applied event.
    pub fn consumer_hook(&self, group: &str) -> Arc<dyn Fn(Duration) + Send + Sync> {
        let label = ServiceLabel {
            service: group.to_string(),
        };
        let (handled, handling) = (self.handled.clone(), self.handling.clone());
        Arc::new(move |took: Duration| {
            handled.get_or_create(&label).inc();
            handling.get_or_create(&label).observe(took.as_secs_f64());
        })
    }

    /// Samples consumer groups' lag every few seconds until the task is dropped.
    pub fn sample_lag(
        &self,
        transport: std::sync::Arc<dyn duban_transport::Transport>,
        groups: Vec<(String, Vec<&'static str>)>,
    ) -> tokio::task::JoinHandle<()> {
        let m = self.clone();
        tokio::spawn(async move {
            loop {
                for (group, topics) in &groups {
                    let label = ServiceLabel {
                        service: group.clone(),
                    };
                    match transport.lag(group, topics).await {
                        Ok(n) => {
                            m.lag.get_or_create(&label).set(n);
                        }
                        // Unknown while the broker cannot be asked: absent, not the last value.
                        Err(_) => {
                            m.lag.remove(&label);
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        })
    }

    /// Samples each relay's backlog every few seconds until the task is dropped.
    pub fn sample_relays(&self, relays: Vec<Relay>) -> tokio::task::JoinHandle<()> {
        let m = self.clone();
        tokio::spawn(async move {
            loop {
                for r in &relays {
                    let label = ServiceLabel {
                        service: r.service().to_string(),
                    };
                    if let Ok(n) = r.backlog().await {
                        m.outbox_backlog.get_or_create(&label).set(n as i64);
                    }
                    if let Ok(age) = r.oldest_age_seconds().await {
                        m.outbox_age.get_or_create(&label).set(age);
                    }
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        })
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        // Encoding into a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }

    /// `/metrics` and a request counter for every route of the app.
    pub fn routes(&self, token: Option<String>) -> impl FnOnce(&mut web::ServiceConfig) {
        let m = self.clone();
        move |cfg| {
            cfg.app_data(web::Data::new(m))
                .app_data(web::Data::new(MetricsToken(token)))
                .route(
                    "/metrics",
                    web::get().to(
                        |m: web::Data<Metrics>,
                         token: web::Data<MetricsToken>,
                         req: actix_web::HttpRequest| async move {
                            if let Some(refusal) = token.refusal(&req) {
                                return refusal;
                            }
                            HttpResponse::Ok()
                                .content_type(
                                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                                )
                                .body(m.render())
                        },
                    ),
                );
        }
    }
}

/// The bearer token `/metrics` asks for; without one configured, `/metrics` is not served.
struct MetricsToken(Option<String>);

impl MetricsToken {
    fn refusal(&self, req: &actix_web::HttpRequest) -> Option<HttpResponse> {
        let Some(expected) = &self.0 else {
            return Some(
                HttpResponse::NotFound()
                    .body("/metrics 未开放：设置 DUBAN_METRICS_TOKEN 后以 Bearer 令牌读取\n"),
            );
        };
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        // Compared in time independent of where the first difference lies.
        let same = given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        (!same).then(|| HttpResponse::Unauthorized().body("读取 /metrics 需要正确的 Bearer 令牌\n"))
    }
}
