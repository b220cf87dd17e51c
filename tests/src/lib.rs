//! Test helpers: start the real duban on a random port with its own data folder,
//! sign tokens for demo people, and talk GraphQL over HTTP like a client would.

pub mod browser;
pub mod cluster;
pub mod receivers;
pub mod scenarios;

use anyhow::Context as _;
use duban_auth::TokenKeys;
use duban_clock::{SharedClock, SystemClock};
use duban_config::Config;
use serde_json::{json, Value};
use std::sync::Arc;

/// A running duban with its data folder.
pub struct TestApp {
    /// The process, minus the HTTP client side (none when testing other processes).
    pub running: Option<duban::Running>,
    /// Read access to the directory, for tokens.
    pub assignments: duban_assignments::AssignmentsService,
    /// The service databases, to count events.
    pub databases: duban::Databases,
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// The configuration it was started with.
    pub config: Config,
    /// Holds the data folder until the test ends.
    pub dir: Arc<tempfile::TempDir>,
    keys: TokenKeys,
    /// The clock the process runs on.
    pub clock: SharedClock,
}

/// Starts duban with demo data on port 0 in a new data folder.
pub async fn spawn_app() -> anyhow::Result<TestApp> {
    let dir = Arc::new(tempfile::tempdir()?);
    spawn_in(dir).await
}

/// Starts duban on an existing data folder (to test restarts).
pub async fn spawn_in(dir: Arc<tempfile::TempDir>) -> anyhow::Result<TestApp> {
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..test_config()
    };
    spawn_with(config, dir).await
}

/// The settings every test app shares: port 0, test keys, quiet logs.
pub fn test_config() -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        jwt_secret: duban_config::Secret::new("test-token-key-0123456789abcdef0123456789"),
        audit_signing_key: Some(duban_config::Secret::new(
            "74657374206175646974207369676e696e67206b657920303132333435363738",
        )),
        service_key: Some(duban_config::Secret::new(
            "test-service-key-0123456789abcdef0123456789",
        )),
        metrics_token: Some(duban_config::Secret::new("test-metrics-token")),
        log_filter: "warn".into(),
        // Load tests and benches send far more than a person would.
        rate_limit_per_second: 0,
        ..Config::default()
    }
}

/// The PostgreSQL server named by `DATABASE_URL`; a test that needs it fails without it.
pub fn postgres_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must name a PostgreSQL server; `./tests/run.sh` provisions one on loopback",
    )
}

/// The Kafka broker named by `KAFKA_BROKERS`; a test that needs it fails without it.
pub fn kafka_brokers() -> String {
    std::env::var("KAFKA_BROKERS").expect(
        "KAFKA_BROKERS must name a Kafka broker; `./tests/run.sh` provisions one on loopback",
    )
}

/// A new, empty PostgreSQL database on the server of `DATABASE_URL`; returns its URL.
pub async fn fresh_database() -> anyhow::Result<String> {
    use sea_orm::ConnectionTrait;
    let admin = postgres_url();
    let name = format!("duban_t_{}", uuid::Uuid::now_v7().simple());
    let db = sea_orm::Database::connect(&admin).await?;
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    db.close().await?;
    let (base, _) = admin
        .rsplit_once('/')
        .context("DATABASE_URL has no database name")?;
    Ok(format!("{base}/{name}"))
}

/// The name of the PostgreSQL database `db` is connected to.
pub async fn database_name(db: &sea_orm::DatabaseConnection) -> anyhow::Result<String> {
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT current_database()",
        ))
        .await?
        .context("no row from SELECT current_database()")?;
    Ok(row.try_get_by_index::<String>(0)?)
}

/// Drops the database `name` on the server of `DATABASE_URL`, ending the sessions still
/// connected to it.
pub async fn drop_database(name: &str) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(postgres_url()).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await?;
    admin.close().await?;
    Ok(())
}

/// The configuration of a duban on a fresh PostgreSQL database and Kafka topics of its
/// own, keeping its files in `dir`.
pub async fn on_postgres_and_kafka_in(dir: &tempfile::TempDir) -> anyhow::Result<Config> {
    Ok(Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some(fresh_database().await?),
        kafka_brokers: Some(kafka_brokers()),
        kafka_namespace: format!("t{}.", uuid::Uuid::now_v7().simple()),
        ..test_config()
    })
}

/// Starts duban on its own PostgreSQL database and its own Kafka topics, with the demo
/// county loaded (as an operator would load a county's directory, not as a demo).
pub async fn spawn_on_postgres_and_kafka() -> anyhow::Result<TestApp> {
    let dir = Arc::new(tempfile::tempdir()?);
    let config = on_postgres_and_kafka_in(&dir).await?;
    let app = spawn_with(config, dir).await?;
    app.load_demo().await?;
    Ok(app)
}

/// Runs `scenario` on the embedded default and then on PostgreSQL + Kafka, each a fresh
/// duban with the demo county.
pub async fn on_both<F: std::future::Future<Output = ()>>(scenario: impl Fn(TestApp) -> F) {
    scenario(spawn_app().await.expect("the embedded default starts")).await;
    let app = spawn_on_postgres_and_kafka().await;
    scenario(app.expect("PostgreSQL + Kafka start")).await;
}

/// Starts duban on its own PostgreSQL database and Kafka topics on a clock the test moves,
/// standing at 09:00 in Shanghai on the day given (no directory loaded).
pub async fn on_postgres_and_kafka_at_nine(
    year: i32,
    month: u32,
    day: u32,
) -> anyhow::Result<(duban_clock::ManualClock, TestApp)> {
    use chrono::TimeZone;
    let start = chrono::Utc
        .with_ymd_and_hms(year, month, day, 1, 0, 0)
        .single()
        .context("a real day")?;
    let clock = duban_clock::ManualClock::new(start);
    let dir = Arc::new(tempfile::tempdir()?);
    let config = on_postgres_and_kafka_in(&dir).await?;
    let app = spawn_with_clock(config, dir, Arc::new(clock.clone())).await?;
    Ok((clock, app))
}

/// Starts duban with `config`, keeping `dir` alive as long as the app.
pub async fn spawn_with(config: Config, dir: Arc<tempfile::TempDir>) -> anyhow::Result<TestApp> {
    spawn_with_clock(config, dir, Arc::new(SystemClock)).await
}

/// A fresh embedded duban on a clock the test moves, standing at 09:00 in Shanghai on
/// the day given.
pub async fn at_nine(year: i32, month: u32, day: u32) -> (duban_clock::ManualClock, TestApp) {
    use chrono::TimeZone;
    let start = chrono::Utc
        .with_ymd_and_hms(year, month, day, 1, 0, 0)
        .single()
        .expect("a real day");
    let clock = duban_clock::ManualClock::new(start);
    let shared: SharedClock = Arc::new(clock.clone());
    let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..test_config()
    };
    let app = spawn_with_clock(config, dir, shared)
        .await
        .expect("duban starts");
    (clock, app)
}

/// Starts duban on a clock the test moves.
pub async fn spawn_with_clock(
    config: Config,
    dir: Arc<tempfile::TempDir>,
    clock: SharedClock,
) -> anyhow::Result<TestApp> {
    duban::init_tracing(&config);
    let running = duban::start(&config, clock.clone()).await?;
    Ok(TestApp {
        url: format!("http://{}", running.addr),
        assignments: running.assignments.clone(),
        databases: running.databases.clone(),
        running: Some(running),
        keys: TokenKeys::new(config.jwt_secret.expose().as_bytes()),
        config,
        dir,
        clock,
    })
}

impl TestApp {
    /// A client of a duban served by other processes at `url`, reading the service
    /// databases at `database_url` (one schema per service).
    pub async fn remote(url: &str, database_url: &str) -> anyhow::Result<TestApp> {
        let config = Config {
            database_url: Some(database_url.to_string()),
            ..test_config()
        };
        let [a, e, n, au] = duban::open_databases(&config).await?;
        let clock: SharedClock = Arc::new(SystemClock);
        let bus = duban_outbox::EventBus {
            transport: Arc::new(duban_transport::InProcessTransport::new()),
            wake: Arc::new(tokio::sync::Notify::new()),
        };
        Ok(TestApp {
            running: None,
            assignments: duban_assignments::AssignmentsService::new(
                a.clone(),
                bus,
                clock.clone(),
                &config.tenant,
            ),
            databases: duban::Databases {
                assignments: a,
                evaluation: e,
                notifications: n,
                audit: au,
            },
            url: url.to_string(),
            keys: TokenKeys::new(config.jwt_secret.expose().as_bytes()),
            config,
            dir: Arc::new(tempfile::tempdir()?),
            clock,
        })
    }

    /// Loads the demo county into this app's (empty) directory.
    pub async fn load_demo(&self) -> anyhow::Result<()> {
        duban_assignments::demo::load(&self.assignments).await?;
        Ok(())
    }

    /// A valid token for a demo account, e.g. `county-supervisor`.
    pub async fn token(&self, account: &str) -> anyhow::Result<String> {
        self.token_with_ttl(account, 3600).await
    }

    /// A token for an account that expires `ttl` seconds from now (negative: already expired).
    pub async fn token_with_ttl(&self, account: &str, ttl: i64) -> anyhow::Result<String> {
        let claims = self.assignments.claims_for(account, ttl).await?;
        Ok(self.keys.sign(&claims)?)
    }

    /// Signs any claims with the app's token key, as an attacker holding the key could.
    pub fn sign(&self, claims: &duban_auth::Claims) -> anyhow::Result<String> {
        Ok(self.keys.sign(claims)?)
    }

    /// Posts a GraphQL request with an optional bearer token; returns the JSON body.
    pub async fn gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        self.gql_traced(token, query, variables, None).await
    }

    /// Posts a GraphQL request as the holder of `token`; the JSON body, errors and all.
    /// Panics when the request itself fails.
    pub async fn ask(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql(Some(token), query, variables).await.unwrap()
    }

    /// [`Self::ask`], asserting the answer has no errors.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let v = self.ask(token, query, variables).await;
        assert!(v["errors"].is_null(), "{v}");
        v
    }

    /// [`TestApp::ask`] with no variables.
    pub async fn read(&self, token: &str, query: &str) -> Value {
        self.ask(token, query, json!({})).await
    }

    /// Like [`TestApp::gql`], sending `trace` as the request's trace id.
    pub async fn gql_traced(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        trace: Option<&str>,
    ) -> anyhow::Result<Value> {
        let headers: Vec<(&str, &str)> =
            trace.map(|t| ("x-duban-trace-id", t)).into_iter().collect();
        self.gql_with(token, query, variables, &headers).await
    }

    /// Like [`TestApp::gql`], with an `Idempotency-Key`.
    pub async fn gql_keyed(
        &self,
        token: &str,
        key: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        self.gql_with(Some(token), query, variables, &[("idempotency-key", key)])
            .await
    }

    async fn gql_with(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Value> {
        let client = awc::Client::default();
        let mut req = client
            .post(format!("{}/graphql", self.url))
            .insert_header(("content-type", "application/json"));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let mut resp = req
            .send_json(&json!({"query": query, "variables": variables}))
            .await
            .map_err(|e| anyhow::anyhow!("request failed: {e}"))?;
        let body = resp
            .body()
            .limit(10 * 1024 * 1024)
            .await
            .map_err(|e| anyhow::anyhow!("body: {e}"))?;
        Ok(serde_json::from_slice(&body)?)
    }

    /// GET a path on another port of loopback (a service's own endpoints).
    pub async fn get_at(&self, port: u16, path: &str) -> anyhow::Result<(u16, String)> {
        self.get_url(&format!("http://127.0.0.1:{port}{path}"))
            .await
    }

    /// GET with a bearer token; the status and the raw body (ledger files).
    pub async fn get_bytes(&self, path: &str, token: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut resp = awc::Client::default()
            .get(format!("{}{path}", self.url))
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let body = resp.body().limit(64 << 20).await?;
        Ok((resp.status().as_u16(), body.to_vec()))
    }

    /// POST a raw body with a bearer token; the status and the JSON answer (ledger imports).
    pub async fn post_bytes(
        &self,
        path: &str,
        token: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut resp = awc::Client::default()
            .post(format!("{}{path}", self.url))
            .insert_header(("authorization", format!("Bearer {token}")))
            .send_body(body)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let json: Value = resp.json().limit(16 << 20).await?;
        Ok((resp.status().as_u16(), json))
    }

    /// POST JSON with no token (the public endpoints); the status and the JSON answer.
    pub async fn post_public(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let mut resp = awc::Client::default()
            .post(format!("{}{path}", self.url))
            .send_json(body)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let json: Value = resp.json().limit(1 << 20).await?;
        Ok((resp.status().as_u16(), json))
    }

    /// GET a path; returns status and body text.
    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, String)> {
        self.get_url(&format!("{}{path}", self.url)).await
    }

    /// `/metrics` of the process at `port` (this app's own when none), with the metrics token.
    pub async fn metrics(&self, port: Option<u16>) -> anyhow::Result<(u16, String)> {
        let base = match port {
            Some(p) => format!("http://127.0.0.1:{p}"),
            None => self.url.clone(),
        };
        let token = self
            .config
            .metrics_token
            .as_ref()
            .map(|t| t.expose().to_string())
            .unwrap_or_default();
        self.get_with(&format!("{base}/metrics"), Some(&token))
            .await
    }

    async fn get_url(&self, url: &str) -> anyhow::Result<(u16, String)> {
        self.get_with(url, None).await
    }

    async fn get_with(&self, url: &str, token: Option<&str>) -> anyhow::Result<(u16, String)> {
        let mut req = awc::Client::default().get(url);
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("request failed: {e}"))?;
        let body = resp
            .body()
            .await
            .map_err(|e| anyhow::anyhow!("body: {e}"))?;
        Ok((
            resp.status().as_u16(),
            String::from_utf8_lossy(&body).into_owned(),
        ))
    }

    /// Runs evaluation's color tick on the app's clock, then settles; the cards changed.
    pub async fn color_tick(&self) -> anyhow::Result<usize> {
        let running = self.running.as_ref().context("not a running app")?;
        let changed = running.evaluation.reassess().await?;
        self.settle().await?;
        Ok(changed)
    }

    /// Runs notifications' escalation of unanswered notices on the app's clock, then
    /// settles; the escalation notices written.
    pub async fn escalate(&self) -> anyhow::Result<usize> {
        let running = self.running.as_ref().context("not a running app")?;
        let n = running.notifications.escalate().await?;
        self.settle().await?;
        Ok(n)
    }

    /// Runs evaluation's Monday bulletin job on the app's clock, settled before and
    /// after; the bulletins written.
    pub async fn publish_bulletins(&self) -> anyhow::Result<usize> {
        let running = self.running.as_ref().context("not a running app")?;
        self.settle().await?;
        let n = running
            .evaluation
            .publish_bulletins()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        self.settle().await?;
        Ok(n)
    }

    /// The topics of the audit log's leaves of `event_type`, in the log's order.
    pub async fn audited(&self, event_type: &str) -> anyhow::Result<Vec<String>> {
        let sql =
            format!("SELECT topic FROM audit_leaf WHERE event_type = '{event_type}' ORDER BY idx");
        query_rows(&self.databases.audit, &sql)
            .await?
            .iter()
            .map(|r| Ok(r.try_get_by_index::<String>(0)?))
            .collect()
    }

    /// Waits until every event so far has reached every consumer (counted in the
    /// outboxes and inboxes of the service databases); returns when that was first seen.
    pub async fn settle(&self) -> anyhow::Result<std::time::Instant> {
        self.databases
            .settle(std::time::Duration::from_secs(60))
            .await
    }

    /// Graceful shutdown, as on SIGTERM.
    pub async fn shutdown(mut self) -> anyhow::Result<Arc<tempfile::TempDir>> {
        if let Some(r) = self.running.take() {
            r.shutdown().await?;
        }
        Ok(self.dir.clone())
    }
}

/// The rows of `sql`, for assertions that read more than a count.
pub async fn query_rows(
    db: &sea_orm::DatabaseConnection,
    sql: &str,
) -> anyhow::Result<Vec<sea_orm::QueryResult>> {
    use sea_orm::ConnectionTrait;
    Ok(db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?)
}

/// The first two columns of each row of `sql`, as pairs.
pub async fn query_pairs<A: sea_orm::TryGetable, B: sea_orm::TryGetable>(
    db: &sea_orm::DatabaseConnection,
    sql: &str,
) -> anyhow::Result<Vec<(A, B)>> {
    query_rows(db, sql)
        .await?
        .iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// The first GraphQL error's `extensions.code`, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// How many entries of `event_type` an `auditEntries { edges { node { eventType } } }`
/// answer holds.
pub fn audit_entries_of(answer: &Value, event_type: &str) -> usize {
    answer["data"]["auditEntries"]["edges"]
        .as_array()
        .map_or(0, |es| {
            es.iter()
                .filter(|e| e["node"]["eventType"] == event_type)
                .count()
        })
}

/// Asserts that a `myNotifications { edges { node { assignmentId } } }` answer holds
/// exactly one notice about each of `ids`.
pub fn assert_one_notice_each(inbox: &Value, ids: &[String]) {
    let got: Vec<&str> = inbox["data"]["myNotifications"]["edges"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|e| e["node"]["assignmentId"].as_str())
        .collect();
    for id in ids {
        let n = got.iter().filter(|g| **g == id.as_str()).count();
        assert_eq!(n, 1, "one notice about {id}: {inbox}");
    }
}

/// The number in the first column of the first row of `sql`: counts for assertions.
pub async fn count_rows(db: &sea_orm::DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?
        .with_context(|| format!("no row from {sql}"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}
