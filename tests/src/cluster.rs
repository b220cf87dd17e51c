//! The distributed deployment as separate `duban serve <service>` processes on
//! PostgreSQL and Kafka, and a broker of the test's own that it can stop and start.

use crate::scenarios::ISSUE;
use crate::{fresh_database, kafka_brokers, test_config, TestApp};
use anyhow::Context as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The services in start order; the gateway last.
pub const SERVICES: [&str; 5] = [
    "assignments",
    "evaluation",
    "notifications",
    "audit",
    "gateway",
];

/// The `duban` binary next to the test executable (`tests/run.sh` builds it first).
pub fn duban_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .context("no target directory")?;
    let bin = dir.join("duban");
    anyhow::ensure!(
        bin.exists(),
        "{} is missing: run `cargo build --bin duban` first (./tests/run.sh does)",
        bin.display()
    );
    Ok(bin)
}

/// Sends SIGTERM to `child`, as an operator stopping a service would.
pub fn sigterm(child: &std::process::Child) -> anyhow::Result<()> {
    let status = Command::new("kill").arg(child.id().to_string()).status()?;
    anyhow::ensure!(status.success(), "kill failed");
    Ok(())
}

/// A free loopback port below the kernel's ephemeral range, so that no outgoing
/// connection takes it while a test has stopped the process that listens on it.
pub fn free_port() -> anyhow::Result<u16> {
    free_ports(1)
}

/// The first of `n` consecutive free loopback ports below the ephemeral range.
pub fn free_ports(n: u16) -> anyhow::Result<u16> {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Spread test processes apart; step through the range from a per-process start.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 400) as u16 * 20;
    for _ in 0..2_000 {
        let offset = NEXT.fetch_add(n, Ordering::SeqCst) % 8_000;
        let first = base.wrapping_add(offset);
        if !(20_000..30_000 - n).contains(&first) {
            continue;
        }
        let all_free =
            (first..first + n).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok());
        if all_free {
            return Ok(first);
        }
    }
    anyhow::bail!("no free port between 20000 and 30000")
}

/// What an operator exports for the distributed deployment on `database`: its URL and
/// every secret (those of `test_config()`).
pub fn operator_env(database: &str) -> anyhow::Result<HashMap<String, String>> {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("DATABASE_URL".into(), database.to_string());
    let config = test_config();
    for (name, secret) in [
        ("DUBAN_JWT_SECRET", Some(&config.jwt_secret)),
        ("DUBAN_AUDIT_SIGNING_KEY", config.audit_signing_key.as_ref()),
        ("DUBAN_SERVICE_KEY", config.service_key.as_ref()),
        ("DUBAN_METRICS_TOKEN", config.metrics_token.as_ref()),
    ] {
        let secret = secret.context("test_config() names every secret")?;
        env.insert(name.into(), secret.expose().to_string());
    }
    Ok(env)
}

/// The processes of a distributed duban: each service once, or several replicas of each
/// behind a balancer. A member is named by its service (the first replica) or
/// `service-N` (the N-th).
pub struct Cluster {
    /// Environment shared by every process.
    pub env: HashMap<String, String>,
    /// Port of each member.
    pub ports: HashMap<String, u16>,
    /// Running processes by member.
    pub children: HashMap<String, Child>,
    /// Logs folder.
    pub logs: Arc<tempfile::TempDir>,
    /// Where clients reach the gateway (its balancer when replicated).
    pub front: u16,
    balancers: Vec<tokio::task::JoinHandle<()>>,
}

/// The member name of a service's `n`-th replica (from 1).
pub fn member(service: &str, n: usize) -> String {
    if n == 1 {
        service.to_string()
    } else {
        format!("{service}-{n}")
    }
}

/// A round-robin TCP balancer in front of replicas, as a load balancer or a Kubernetes
/// Service is: each connection goes to the next replica that accepts it.
async fn balance(listener: std::net::TcpListener, backends: Vec<u16>) {
    listener.set_nonblocking(true).ok();
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let mut next = 0usize;
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            continue;
        };
        next += 1;
        let order: Vec<u16> = (0..backends.len())
            .map(|k| backends[(next + k) % backends.len()])
            .collect();
        tokio::spawn(async move {
            for port in order {
                if let Ok(mut out) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    return;
                }
            }
        });
    }
}

impl Cluster {
    /// Starts every service as its own process on a new database and new topics.
    pub async fn start(brokers: &str) -> anyhow::Result<Self> {
        Self::start_replicated(brokers, 1).await
    }

    /// Starts `replicas` processes of every service on a new database and new topics;
    /// with more than one, each service is reached through a balancer of its own.
    pub async fn start_replicated(brokers: &str, replicas: usize) -> anyhow::Result<Self> {
        let database = fresh_database().await?;
        // The demo county is put into the new database the way an operator would put a
        // county's directory there: its events wait in the outbox for the services.
        TestApp::remote("http://127.0.0.1:0", &database)
            .await?
            .load_demo()
            .await?;
        let logs = Arc::new(tempfile::tempdir()?);
        let mut ports = HashMap::new();
        let mut doors = HashMap::new();
        let mut balancers = Vec::new();
        for s in SERVICES {
            let backends: Vec<u16> = (1..=replicas)
                .map(|n| -> anyhow::Result<u16> {
                    let port = free_port()?;
                    ports.insert(member(s, n), port);
                    Ok(port)
                })
                .collect::<anyhow::Result<_>>()?;
            let door = if replicas == 1 {
                backends[0]
            } else {
                let port = free_port()?;
                let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
                balancers.push(tokio::spawn(balance(listener, backends)));
                port
            };
            doors.insert(s, door);
        }
        let mut env = operator_env(&database)?;
        env.insert("KAFKA_BROKERS".into(), brokers.to_string());
        env.insert(
            "DUBAN_KAFKA_NAMESPACE".into(),
            format!("d{}.", uuid::Uuid::now_v7().simple()),
        );
        env.insert("DUBAN_RATE_LIMIT_PER_SECOND".into(), "0".into());
        env.insert(
            "DUBAN_LOG".into(),
            "warn,duban=info,duban_outbox=info,duban_transport=info".into(),
        );
        env.insert("DUBAN_DATA_DIR".into(), logs.path().display().to_string());
        for s in ["assignments", "evaluation", "notifications", "audit"] {
            env.insert(
                format!("DUBAN_{}_URL", s.to_uppercase()),
                format!("http://127.0.0.1:{}", doors[s]),
            );
        }
        let mut cluster = Cluster {
            env,
            ports,
            children: HashMap::new(),
            logs,
            front: doors["gateway"],
            balancers,
        };
        for s in SERVICES {
            for n in 1..=replicas {
                cluster.spawn(&member(s, n))?;
            }
            for n in 1..=replicas {
                cluster.wait_ready(&member(s, n)).await?;
            }
        }
        Ok(cluster)
    }

    /// Starts (or restarts) one member's process.
    pub fn spawn(&mut self, member: &str) -> anyhow::Result<()> {
        let service = member.split('-').next().unwrap_or(member);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.logs.path().join(format!("{member}.log")))?;
        let child = Command::new(duban_binary()?)
            .args(["serve", service])
            .envs(&self.env)
            .env("DUBAN_LISTEN", format!("127.0.0.1:{}", self.ports[member]))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.children.insert(member.to_string(), child);
        Ok(())
    }

    /// Waits until `/readyz` of a service answers 200.
    pub async fn wait_ready(&self, service: &str) -> anyhow::Result<()> {
        let url = format!("http://127.0.0.1:{}/readyz", self.ports[service]);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if let Ok(resp) = awc::Client::default().get(&url).send().await {
                if resp.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!(
            "{service} not ready within 60 s; log:\n{}",
            self.log(service)
        )
    }

    /// Kills a service's process at once (SIGKILL): no chance to finish anything.
    pub fn kill(&mut self, service: &str) -> anyhow::Result<()> {
        if let Some(mut c) = self.children.remove(service) {
            c.kill()?;
            c.wait()?;
        }
        Ok(())
    }

    /// Stops a service's process with SIGTERM and waits for it.
    pub fn terminate(&mut self, service: &str) -> anyhow::Result<()> {
        if let Some(mut c) = self.children.remove(service) {
            sigterm(&c)?;
            c.wait()?;
        }
        Ok(())
    }

    /// Prints the last 40 lines each process logged (a CI report keeps the head and tail
    /// of a long output, so the reason goes before this).
    pub fn show_tails(&self) {
        let mut members: Vec<&String> = self.ports.keys().collect();
        members.sort();
        for m in members {
            let log = self.log(m);
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            eprintln!("==== {m} (last 40 of {} lines)\n{tail}", lines.len());
        }
    }

    /// A service's log so far.
    pub fn log(&self, service: &str) -> String {
        std::fs::read_to_string(self.logs.path().join(format!("{service}.log"))).unwrap_or_default()
    }

    /// A test client on the gateway, with direct read access to the service databases.
    pub async fn app(&self) -> anyhow::Result<TestApp> {
        TestApp::remote(
            &format!("http://127.0.0.1:{}", self.front),
            &self.env["DATABASE_URL"],
        )
        .await
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for b in &self.balancers {
            b.abort();
        }
        for (_, mut c) in self.children.drain() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A Kafka broker of the test's own (so a test may stop it), via deploy/local/servers.sh.
pub struct OwnBroker {
    /// Bootstrap address.
    pub brokers: String,
    env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

fn servers_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/local/servers.sh")
}

impl OwnBroker {
    /// Starts a fresh broker on a free port.
    pub fn start() -> anyhow::Result<Self> {
        // Only to fail loudly when the suite has no Kafka at all.
        let _ = kafka_brokers();
        let dir = tempfile::tempdir()?;
        // The broker and its controller listen on two consecutive ports.
        let port = free_ports(2)?;
        let env = vec![
            (
                "DUBAN_RUN_DIR".to_string(),
                dir.path().display().to_string(),
            ),
            ("DUBAN_KAFKA_PORT".to_string(), port.to_string()),
        ];
        let b = OwnBroker {
            brokers: format!("127.0.0.1:{port}"),
            env,
            _dir: dir,
        };
        b.script("start")?;
        Ok(b)
    }

    fn script(&self, verb: &str) -> anyhow::Result<()> {
        let mut cmd = Command::new("bash");
        cmd.arg(servers_script()).arg(verb);
        if verb == "start" {
            cmd.arg("kafka");
        }
        let out = cmd
            .envs(self.env.iter().cloned())
            .stdout(Stdio::null())
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "servers.sh {verb} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// Stops the broker, keeping its data.
    pub fn down(&self) -> anyhow::Result<()> {
        self.script("kafka-down")
    }

    /// Starts it again on its data.
    pub fn up(&self) -> anyhow::Result<()> {
        self.script("kafka-up")
    }

    /// Stops it and starts it on an empty data directory: no topics, no group offsets.
    pub fn afresh(&self) -> anyhow::Result<()> {
        self.script("start")
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        let _ = self.script("kafka-down");
    }
}

/// The one number `sql` answers on PostgreSQL.
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The ids of the assignments whose title starts with `prefix`.
pub async fn ids_with_title_prefix(app: &TestApp, prefix: &str) -> Vec<String> {
    let rows = app
        .databases
        .assignments
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM assignment WHERE title LIKE $1",
            [format!("{prefix}%").into()],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// Every assignment whose title starts with `prefix` reached evaluation, notifications
/// and audit exactly once.
pub async fn each_reached_every_service_once(app: &TestApp, prefix: &str, expected: usize) {
    let ids = ids_with_title_prefix(app, prefix).await;
    assert_eq!(ids.len(), expected, "assignments stored");
    let list = ids
        .iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let issued_events = count(
        &app.databases.assignments,
        &format!("SELECT count(*) FROM outbox WHERE key IN ({list}) AND payload LIKE '%\"AssignmentIssued\"%'"),
    )
    .await;
    assert_eq!(
        issued_events, expected as i64,
        "one AssignmentIssued per item in the outbox"
    );
    let tracked = count(
        &app.databases.evaluation,
        &format!("SELECT count(*) FROM tracked_item WHERE id IN ({list})"),
    )
    .await;
    assert_eq!(tracked, expected as i64, "evaluation has each item");
    let notices = count(
        &app.databases.notifications,
        &format!("SELECT count(*) FROM notification WHERE assignment_id IN ({list}) AND kind = 'SUPERVISION_NOTICE'"),
    )
    .await;
    assert_eq!(notices, expected as i64, "exactly one 督办通知 per item");
    let leaves = count(
        &app.databases.audit,
        &format!("SELECT count(*) FROM audit_leaf WHERE aggregate_id IN ({list}) AND event_type = 'AssignmentIssued'"),
    )
    .await;
    assert_eq!(
        leaves, expected as i64,
        "exactly one audit leaf per AssignmentIssued"
    );
    assert!(app.databases.settled().await.unwrap());
}

/// Waits for the events to settle; on failure says why, then shows the last lines each
/// process logged.
pub async fn settle(app: &TestApp, cluster: &Cluster) {
    if let Err(e) = app.settle().await {
        eprintln!("events did not settle: {e}");
        cluster.show_tails();
        panic!("{e}");
    }
}

/// One issueAssignment with an Idempotency-Key through the gateway at `url`: the new id,
/// or what went wrong (a refused connection, a cut answer, an error) in words.
pub async fn issue_keyed(url: &str, token: &str, key: &str, title: &str) -> Result<String, String> {
    let req = awc::Client::builder()
        .timeout(Duration::from_secs(5))
        .finish()
        .post(format!("{url}/graphql"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("idempotency-key", key))
        .send_json(&json!({"query": ISSUE, "variables": {"input": {
            "title": title, "leadUnitId": "baisha-dzb", "timeLimitDays": 3}}}));
    let mut resp = req.await.map_err(|e| format!("request: {e}"))?;
    let body: serde_json::Value = resp.json().await.map_err(|e| format!("answer: {e}"))?;
    body["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| body.to_string())
}

/// A keyed request that failed: its Idempotency-Key and title, to retry with.
pub type Failed = (String, String);

/// Starts `clients` clients, each issuing `per_client` keyed assignments 20 ms apart
/// through the gateway at `url` (keys `{key}-{c}-{i}`, titles `{title}{c}-{i}`).
pub fn keyed_clients(
    url: &str,
    token: &str,
    clients: usize,
    per_client: usize,
    key: &'static str,
    title: &'static str,
) -> Vec<actix_web::rt::task::JoinHandle<(Vec<String>, Vec<Failed>)>> {
    (0..clients)
        .map(|c| {
            let (url, token) = (url.to_string(), token.to_string());
            actix_web::rt::spawn(async move {
                let (mut ok, mut failed) = (Vec::new(), Vec::new());
                for i in 0..per_client {
                    let (k, t) = (format!("{key}-{c}-{i}"), format!("{title}{c}-{i}"));
                    match issue_keyed(&url, &token, &k, &t).await {
                        Ok(id) => ok.push(id),
                        Err(_) => failed.push((k, t)),
                    }
                    actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                }
                (ok, failed)
            })
        })
        .collect()
}

/// What the clients of [`keyed_clients`] saw: the ids answered and the requests failed.
pub async fn answers(
    clients: Vec<actix_web::rt::task::JoinHandle<(Vec<String>, Vec<Failed>)>>,
) -> (std::collections::HashSet<String>, Vec<Failed>) {
    let (mut succeeded, mut failed) = (std::collections::HashSet::new(), Vec::new());
    for c in clients {
        if let Ok((ok, f)) = c.await {
            succeeded.extend(ok);
            failed.extend(f);
        }
    }
    (succeeded, failed)
}

/// Retries each of `failed` with its own Idempotency-Key as the holder of `token`, then
/// checks that each of the `expected` requests titled `prefix…` stored exactly one item,
/// that every answer named it, and that its event reached every service once.
pub async fn retried_stored_once(
    (app, cluster): (&TestApp, &Cluster),
    token: &str,
    (mut succeeded, failed): (std::collections::HashSet<String>, Vec<Failed>),
    prefix: &str,
    expected: usize,
) {
    for (key, title) in &failed {
        let id = issue_keyed(&app.url, token, key, title).await;
        succeeded.insert(id.unwrap_or_else(|e| {
            eprintln!("retry {key} failed: {e}");
            cluster.show_tails();
            panic!("retry {key} failed: {e}")
        }));
    }
    settle(app, cluster).await;
    let stored: std::collections::HashSet<String> = ids_with_title_prefix(app, prefix)
        .await
        .into_iter()
        .collect();
    assert_eq!(stored.len(), expected, "each request stored exactly once");
    assert_eq!(succeeded, stored, "every answer names its one item");
    each_reached_every_service_once(app, prefix, expected).await;
}
