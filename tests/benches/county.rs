//! How fast duban does its job against the limits of the same machine, in one run:
//! baselines (PostgreSQL single-row INSERT transactions, the broker's produce → consume
//! round trip, an empty GraphQL query over actix-web, and the floor: a mutation with no domain
//! work through duban's outbox, relay, Kafka and three consumer groups), then duban's mutations
//! at the same concurrency, a simulated year of a 20 × 24 county through the commands (`duban simulate`'s
//! load generator, 20 townships at once; `DUBAN_BENCH_SIM_DAYS` shortens it), commit → inbox through Kafka, commit → signed audit checkpoint, the ledger
//! query a county platform runs most on a generated county of 500 units from 10,000 to
//! 1,000,000 items, the county's board now and as of yesterday at each size, a scheduler tick with every item open and none due, and the color tick
//! with as many open items and 1,000 changing their card, and start-up with the county's
//! million items and a million audit leaves; on PostgreSQL +
//! Kafka and on the embedded default. Prints a Markdown table (and writes it to
//! `DUBAN_BENCH_OUT` when set). `./tests/bench.sh` provisions the servers and runs it.
//!
//! Knobs: `DUBAN_BENCH_SECS` (seconds per throughput point, default 5),
//! `DUBAN_BENCH_ITEMS` (largest county, default 1000000), `DUBAN_BENCH_CLIENTS`
//! (default `1,8,16,32`), `DUBAN_BENCH_PHASES` (default `pg,embedded`),
//! `DUBAN_BENCH_ROUNDS` (alternating rounds of the floor and the commands at 16 clients
//! that the targets are read from, default 5; 0 reads them from the rows measured once).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[global_allocator]
static ALLOCATOR: duban::Allocator = duban::Allocator;

#[path = "county/baselines.rs"]
mod baselines;
#[path = "county/board.rs"]
mod board;
#[path = "county/cards.rs"]
mod cards;
#[path = "county/cpu.rs"]
mod cpu;
#[path = "county/dashboard.rs"]
mod dashboard;
#[path = "county/events.rs"]
mod events;
#[path = "county/export.rs"]
mod export;
#[path = "county/floor.rs"]
mod floor;
#[path = "county/pushes.rs"]
mod pushes;
#[path = "county/report.rs"]
mod report;
#[path = "county/review.rs"]
mod review;
#[path = "county/rounds.rs"]
mod rounds;
#[path = "county/startup.rs"]
mod startup;
#[path = "county/survey.rs"]
mod survey;
#[path = "county/year.rs"]
mod year;

use cpu::{cpu_now, cpu_split, Split};
use events::Events;
use report::*;

use baselines::*;

use duban_assignments::loadgen::{self, CountySpec};
use duban_tests::scenarios::ISSUE;
use duban_tests::TestApp;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

async fn gql(
    client: &awc::Client,
    url: &str,
    token: &str,
    query: &str,
    vars: Value,
) -> Option<Value> {
    let mut r = client
        .post(format!("{url}/graphql"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send_json(&json!({"query": query, "variables": vars}))
        .await
        .ok()?;
    let v: Value = r.json().limit(8 << 20).await.ok()?;
    v.get("errors").is_none().then_some(v)
}

struct Client {
    http: awc::Client,
    url: String,
    token: String,
    clerk: String,
    n: usize,
    id: String,
    version: i64,
}

/// Has PostgreSQL analyze the services' tables, as autovacuum has them in a county that has
/// run a while. On the bench's new database its one-minute naptime may not come round
/// within a part, and a plan cached while a table was nearly empty (a sequential scan of
/// what has since grown to thousands of rows) then serves the whole part. SQLite plans
/// without a cache of generic plans: nothing to do there.
/// `ANALYZE` covers a whole database, which the services may share (a schema each), so it
/// runs once per database.
async fn analyzed(app: &TestApp) {
    let d = &app.databases;
    let mut done = Vec::new();
    for db in [&d.assignments, &d.evaluation, &d.notifications, &d.audit] {
        if db.get_database_backend() != sea_orm::DbBackend::Postgres {
            continue;
        }
        let name = duban_tests::database_name(db).await.unwrap();
        if !done.contains(&name) {
            db.execute_unprepared("ANALYZE").await.unwrap();
            done.push(name);
        }
    }
}

/// issueAssignment per second at `clients`.
async fn issue_rate(app: &TestApp, clients: usize, secs: f64, tag: &str) -> (f64, Vec<f64>) {
    let sup = app.token("county-supervisor").await.unwrap();
    let url = app.url.clone();
    let tag = tag.to_string();
    saturate(
        clients,
        secs,
        |c| Client { http: awc::Client::default(), url: url.clone(), token: sup.clone(), clerk: String::new(), n: c * 1_000_000, id: String::new(), version: 0 },
        move |s: Rc<RefCell<Client>>| {
            let tag = tag.clone();
            async move {
                let (http, url, token, n) = {
                    let mut s = s.borrow_mut();
                    s.n += 1;
                    (s.http.clone(), s.url.clone(), s.token.clone(), s.n)
                };
                gql(&http, &url, &token, ISSUE, json!({"input": {"title": format!("{tag}{n}"), "leadUnitId": "qingshi-dzb", "timeLimitDays": 10}}))
                    .await
                    .is_some()
            }
        },
    )
    .await
}

/// reportProgress per second at `clients`, each client on its own acknowledged item.
async fn progress_rate(app: &TestApp, clients: usize, secs: f64) -> (f64, Vec<f64>) {
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let http = awc::Client::default();
    let mut items = Vec::new();
    for c in 0..clients {
        let b = gql(&http, &app.url, &sup, ISSUE, json!({"input": {"title": format!("进度压测{c}"), "leadUnitId": "qingshi-dzb", "timeLimitDays": 30}})).await.unwrap();
        let id = b["data"]["issueAssignment"]["assignment"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let ack = gql(&http, &app.url, &clerk, "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }", json!({"i": {"id": id, "expectedVersion": 1}})).await.unwrap();
        items.push((
            id,
            ack["data"]["acknowledgeAssignment"]["assignment"]["version"]
                .as_i64()
                .unwrap(),
        ));
    }
    let url = app.url.clone();
    saturate(
        clients,
        secs,
        |c| Client { http: awc::Client::default(), url: url.clone(), token: String::new(), clerk: clerk.clone(), n: 0, id: items[c].0.clone(), version: items[c].1 },
        |s: Rc<RefCell<Client>>| async move {
            let (http, url, clerk, id, version, n) = {
                let mut s = s.borrow_mut();
                s.n += 1;
                (s.http.clone(), s.url.clone(), s.clerk.clone(), s.id.clone(), s.version, s.n)
            };
            let q = "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { version } } }";
            match gql(&http, &url, &clerk, q, json!({"i": {"id": id, "expectedVersion": version, "percent": (n % 99) as i32, "text": "按计划推进"}})).await {
                Some(v) => {
                    s.borrow_mut().version = v["data"]["reportProgress"]["assignment"]["version"].as_i64().unwrap();
                    true
                }
                None => false,
            }
        },
    )
    .await
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all(Statement::from_string(
        db.get_database_backend(),
        sql.to_string(),
    ))
    .await
    .unwrap()
}

/// Milliseconds from the commit of each item titled `tag-…` (its `issued_at`) to the time
/// `sql` reads beside its id in the notifications database (assignment id, time).
async fn since_issue(app: &TestApp, tag: &str, sql: &str) -> Vec<f64> {
    type At = chrono::DateTime<chrono::FixedOffset>;
    let issued: std::collections::HashMap<String, At> = duban_tests::query_pairs(
        &app.databases.assignments,
        &format!("SELECT id, issued_at FROM assignment WHERE title LIKE '{tag}-%'"),
    )
    .await
    .unwrap()
    .into_iter()
    .collect();
    duban_tests::query_pairs::<Option<String>, At>(&app.databases.notifications, sql)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(id, at)| {
            let start = issued.get(id.as_deref()?)?;
            Some((at - *start).num_microseconds().unwrap_or(0) as f64 / 1e3)
        })
        .collect()
}

/// From an issued item's commit (its `issued_at`, stamped just before) to the notice in the
/// recipient's inbox, for `n` items issued one at a time.
async fn inbox_latency(app: &TestApp, n: usize) -> Vec<f64> {
    let sup = app.token("county-supervisor").await.unwrap();
    let http = awc::Client::default();
    let tag = format!("时延{}", uuid::Uuid::now_v7().simple());
    for i in 0..n {
        gql(&http, &app.url, &sup, ISSUE, json!({"input": {"title": format!("{tag}-{i}"), "leadUnitId": "qingshi-dzb", "timeLimitDays": 10}})).await.unwrap();
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    app.settle().await.unwrap();
    let v = since_issue(
        app,
        &tag,
        "SELECT assignment_id, created_at FROM notification WHERE kind = 'SUPERVISION_NOTICE'",
    )
    .await;
    assert_eq!(v.len(), n, "every notice arrived");
    v
}

/// From a mutation's response (after its commit) to a signed checkpoint covering its event.
async fn checkpoint_latency(app: &TestApp, n: usize) -> Vec<f64> {
    let sup = app.token("county-supervisor").await.unwrap();
    let http = awc::Client::default();
    let mut v = Vec::new();
    for i in 0..n {
        let b = gql(&http, &app.url, &sup, ISSUE, json!({"input": {"title": format!("检查点{i}"), "leadUnitId": "qingshi-dzb", "timeLimitDays": 10}})).await.unwrap();
        let committed = Instant::now();
        let id = b["data"]["issueAssignment"]["assignment"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        loop {
            let leaf = rows(&app.databases.audit, &format!("SELECT idx FROM audit_leaf WHERE aggregate_id = '{id}' AND event_type = 'AssignmentIssued'")).await;
            let size = rows(
                &app.databases.audit,
                "SELECT max(size) FROM audit_checkpoint",
            )
            .await;
            let l = leaf.first().and_then(|r| r.try_get_by_index::<i64>(0).ok());
            let s = size
                .first()
                .and_then(|r| r.try_get_by_index::<Option<i64>>(0).ok().flatten());
            if matches!((l, s), (Some(l), Some(s)) if s > l) {
                break;
            }
            assert!(
                committed.elapsed() < Duration::from_secs(30),
                "no checkpoint in 30 s"
            );
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
        }
        v.push(committed.elapsed().as_secs_f64() * 1e3);
    }
    v
}

const LEDGER_QUERY: &str = r#"query($scope: ID!) { assignments(first: 50, filter: {scope: $scope, states: [ISSUED, ACKNOWLEDGED, IN_PROGRESS], sort: DUE_ASC}) {
  totalCount edges { cursor node { id title state dueOn leadUnitName responsiblePersonId progressPercent color } } } }"#;

async fn ledger_query(app: &TestApp, spec: &CountySpec, n: usize) -> Vec<f64> {
    let http = awc::Client::default();
    let mut v = Vec::new();
    for i in 0..n {
        let t = i % spec.townships;
        let token = app.token(&spec.supervisor(t)).await.unwrap();
        let t0 = Instant::now();
        let b = gql(
            &http,
            &app.url,
            &token,
            LEDGER_QUERY,
            json!({"scope": spec.township(t)}),
        )
        .await
        .expect("ledger query");
        v.push(t0.elapsed().as_secs_f64() * 1e3);
        assert_eq!(
            b["data"]["assignments"]["edges"].as_array().unwrap().len(),
            50
        );
    }
    v
}

async fn select_one(db: &DatabaseConnection, n: usize) -> Vec<f64> {
    let mut v = Vec::new();
    for _ in 0..n {
        let t0 = Instant::now();
        db.execute_unprepared("SELECT 1").await.unwrap();
        v.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    v
}

/// The ledger query at each size and the scheduler tick at the largest, on `app`.
async fn county(app: &TestApp, report: &mut Report, section: &str, max_items: usize) {
    let db = app.databases.assignments.clone();
    let (cid, cpath) = duban_tests::scenarios::county_of(&db).await;
    let spec = CountySpec {
        prefix: "lg".into(),
        townships: 20,
        offices: 24,
    };
    loadgen::directory(&db, &cid, &cpath, &spec).await.unwrap();
    let today = app.clock.today();
    let base = select_one(&db, 200).await;
    report.add(
        section,
        "baseline: `SELECT 1` on the service's connection (p50)",
        format!("{} ms", f2(pct(&base, 0.5))),
        "1.00".into(),
        "",
    );
    let mut made = 0;
    let mut first_p99 = None;
    let mut first_board = None;
    for size in [10_000usize, 100_000, 1_000_000] {
        if size > max_items {
            break;
        }
        let t0 = Instant::now();
        loadgen::assignments(&db, &spec, &cpath, made, size - made, today, 3)
            .await
            .unwrap();
        let gen = t0.elapsed().as_secs_f64();
        made = size;
        // Steady state, as autovacuum and the checkpointer leave it: statistics and the
        // visibility map (index-only walks) up to date, so neither runs during the
        // measurement.
        let _ = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let _ = db.execute_unprepared("VACUUM ANALYZE").await;
                // The load's dirty pages written now, not by a checkpoint mid-measurement.
                db.execute_unprepared("CHECKPOINT").await
            }
            _ => db.execute_unprepared("ANALYZE").await,
        };
        ledger_query(app, &spec, 50).await;
        let v = ledger_query(app, &spec, 1000).await;
        let p99 = pct(&v, 0.99);
        let flat = *first_p99.get_or_insert(p99);
        report.add(
            section,
            &format!(
                "ledger query, {} units, {size} items (generated in {gen:.0} s), 1,000 queries: p50 / p99",
                spec.units()
            ),
            format!("{} / {} ms", f1(pct(&v, 0.5)), f1(p99)),
            format!("{}× p99 at 10k", f2(p99 / flat)),
            "p99 ≤ 20 ms, flat",
        );
        board::board(app, report, section, size, &cpath, &mut first_board).await;
    }
    if section == "embedded" {
        dashboard::first_board(app, report, section, made).await;
    }
    export::whole_ledger(app, report, section, &cpath, made).await;
    // Warmed like the ledger: each pool connection prepares the tick's statement once.
    for _ in 0..10 {
        app.assignments.deadline_tick().await.unwrap();
    }
    let mut tick = Vec::new();
    for _ in 0..200 {
        let t0 = Instant::now();
        app.assignments.deadline_tick().await.unwrap();
        tick.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    report.add(
        section,
        &format!("deadline scheduler tick, {made} items, none due: p50 / p99"),
        format!("{} / {} ms", f2(pct(&tick, 0.5)), f2(pct(&tick, 0.99))),
        format!("{}× SELECT 1", f1(pct(&tick, 0.5) / pct(&base, 0.5))),
        "≤ 5 ms",
    );
}

/// What one deployment is measured against and how.
struct Phase<'a> {
    section: &'a str,
    /// Name of the baseline the mutation rates are divided by, and its rate per client count.
    versus: &'a str,
    baseline: &'a std::collections::HashMap<usize, f64>,
    /// The pipeline's own rates with no domain work, when measured.
    floor: &'a floor::Floors,
    /// The broker's round-trip p99, when events go through Kafka.
    broker_p99: Option<f64>,
    /// What a command should reach at 16 clients.
    target: &'a str,
    /// What its CPU per command should stay within, against the floor with an issue's events.
    cpu_target: &'a str,
    /// Whether the targets are read from alternating rounds against the kept floor
    /// rather than from the rows measured once.
    alternating: bool,
}

impl Phase<'_> {
    /// One mutation's rate at `c` clients with its p99, its ratios to the baseline and
    /// the floors (the p99 too against the floor with an issue's events) and, at 16
    /// clients, the target.
    fn rate_row(&self, report: &mut Report, mutation: &str, c: usize, r: f64, v: &[f64]) {
        let p99 = pct(v, 0.99);
        let mut ratio = shares(r, self.baseline[&c], self.versus, self.floor.plain.get(&c));
        if let Some((rate, floor_p99)) = self.floor.events.get(&c) {
            let _ = write!(
                ratio,
                ", {} of the floor with an issue's events, p99 {}× its",
                f2(r / rate),
                f2(p99 / floor_p99)
            );
        }
        report.add(
            self.section,
            &format!("{mutation} through the gateway, {c} clients"),
            format!("{r:.0}/s (p99 {} ms)", f1(p99)),
            ratio,
            if c == 16 && !self.alternating {
                self.target
            } else {
                ""
            },
        );
    }

    /// Where a command's CPU went, against the floor with an issue's events.
    fn cpu_row(&self, report: &mut Report, measure: &str, split: Split) {
        let ratio = self.floor.events_cpu.map_or(String::new(), |f| {
            format!(
                "{}× the floor with an issue's events ({:.2} ms)",
                f2(split.total() / f.total()),
                f.total()
            )
        });
        report.add(
            self.section,
            measure,
            split.to_string(),
            ratio,
            if self.alternating {
                ""
            } else {
                self.cpu_target
            },
        );
    }
}

/// Mutation rates and event latencies, or (`county`) the county ledger, on one running
/// deployment.
async fn phase(app: &TestApp, report: &mut Report, p: &Phase<'_>, opts: &Opts, county_part: bool) {
    let section = p.section;
    if county_part {
        if opts.parts.contains("county") {
            county(app, report, section, opts.max_items).await;
        } else if opts.parts.contains("export") {
            export::alone(app, report, section, opts.max_items).await;
        }
        // `cards` alone measures the color tick without the ledger's county.
        if opts.parts.contains("county") || opts.parts.contains("cards") {
            cards::color_tick(app, report, section, opts.max_items).await;
            cards::bulletins(app, report, section, opts.max_items).await;
            cards::consumer_cost(app, report, section).await;
        }
        if opts.parts.contains("county") || opts.parts.contains("review") {
            review::close_round(app, report, section).await;
            survey::close_survey(app, report, section).await;
        }
        return;
    }
    if opts.parts.contains("mutations") {
        // The simulated year is read against issueAssignment at 16 clients (or the
        // concurrency nearest below it that was measured).
        let mut single: Option<year::Against> = None;
        for &c in &opts.clients {
            let events = Events::now(app).await;
            let before = cpu_now();
            let (r, v) = issue_rate(app, c, opts.secs, &format!("压测{c}-")).await;
            app.settle().await.unwrap();
            if c == *opts.clients.iter().max().unwrap_or(&1) {
                let m = format!(
                    "where the time goes at {c} clients (issue and every consumer, settled)"
                );
                p.cpu_row(report, &m, cpu_split(before, r * opts.secs));
            }
            if c <= 16 {
                let s = if c == 1 { "" } else { "s" };
                single = Some(year::Against {
                    what: format!("issueAssignment at {c} client{s}"),
                    rate: r,
                    settled: None,
                    carries: Events::now(app).await.per(events, r * opts.secs),
                });
            }
            p.rate_row(report, "issueAssignment", c, r, &v);
        }
        for &c in &opts.clients {
            let before = cpu_now();
            let (r, v) = progress_rate(app, c, opts.secs).await;
            if c == *opts.clients.iter().max().unwrap_or(&1) {
                app.settle().await.unwrap();
                let m = format!(
                    "where the time goes at {c} clients (reportProgress and every consumer, settled)"
                );
                p.cpu_row(report, &m, cpu_split(before, r * opts.secs));
            }
            p.rate_row(report, "reportProgress", c, r, &v);
        }
        app.settle().await.unwrap();
        if let Some((floor, name)) = &p.floor.kept {
            if p.alternating {
                analyzed(app).await;
                let issue = rounds::alternating(app, report, p, floor, name, opts).await;
                let what = "issueAssignment at 16 clients (the rounds' median)";
                single = Some(year::Against {
                    what: what.into(),
                    rate: issue.window,
                    settled: Some(issue.settled),
                    carries: issue.carries,
                });
            }
            floor.stop().await;
        }
        analyzed(app).await;
        year::simulated_year(app, report, section, single).await;
    }
    if opts.parts.contains("latency") {
        let vs = |x: f64| {
            p.broker_p99
                .map_or(String::new(), |b| format!("{}× broker p99", f1(x / b)))
        };
        let inbox = inbox_latency(app, 200).await;
        let via = if p.broker_p99.is_some() {
            "through Kafka"
        } else {
            "(in-process events)"
        };
        report.add(
            section,
            &format!("commit → notice in the recipient's inbox {via}: p50 / p99"),
            format!("{} / {} ms", f1(pct(&inbox, 0.5)), f1(pct(&inbox, 0.99))),
            vs(pct(&inbox, 0.99)),
            "p99 ≤ 100 ms",
        );
        let hooked = pushes::webhook_latency(app, 100).await;
        report.add(
            section,
            &format!("commit → its notice delivered to a webhook on loopback {via}: p50 / p99"),
            format!("{} / {} ms", f1(pct(&hooked, 0.5)), f1(pct(&hooked, 0.99))),
            format!(
                "{}× the inbox p99",
                f1(pct(&hooked, 0.99) / pct(&inbox, 0.99).max(0.01))
            ),
            "",
        );
        let cp = checkpoint_latency(app, 100).await;
        report.add(
            section,
            "commit → signed audit checkpoint covering it: p50 / p99",
            format!("{} / {} ms", f1(pct(&cp, 0.5)), f1(pct(&cp, 0.99))),
            vs(pct(&cp, 0.99)),
            "p99 ≤ 2000 ms",
        );
    }
}

/// Catch-up after a broker outage, on PostgreSQL and a broker of the bench's own: 100
/// assignments issued while the broker is down, then the seconds from the broker answering
/// again until every service has handled them; against the same 100 issued with the
/// broker up, from the last commit until settled.
async fn catch_up(report: &mut Report) {
    use duban_tests::cluster::OwnBroker;
    let broker = OwnBroker::start().unwrap();
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some(duban_tests::fresh_database().await.unwrap()),
        kafka_brokers: Some(broker.brokers.clone()),
        kafka_namespace: format!("c{}.", uuid::Uuid::now_v7().simple()),
        ..duban_tests::test_config()
    };
    let app = duban_tests::spawn_with(config, dir).await.unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let token = app.token("county-supervisor").await.unwrap();
    let issue = |prefix: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            for i in 0..100 {
                let b = app
                    .gql(
                        Some(&token),
                        ISSUE,
                        json!({"input": {"title": format!("{prefix}{i}"), "leadUnitId": "liuhe-dzb", "timeLimitDays": 5}}),
                    )
                    .await
                    .unwrap();
                assert!(b["errors"].is_null(), "{b}");
            }
        }
    };
    issue("平时交办").await;
    let t = Instant::now();
    app.settle().await.unwrap();
    let steady = t.elapsed().as_secs_f64();
    broker.down().unwrap();
    issue("断线交办").await;
    // Long enough for every send and receive to have failed at least once.
    actix_web::rt::time::sleep(Duration::from_secs(5)).await;
    broker.up().unwrap();
    let t = Instant::now();
    app.settle().await.unwrap();
    let after = t.elapsed().as_secs_f64();
    report.add(
        "PG+Kafka",
        "catch-up: 100 assignments issued with the broker down, from the broker answering again until every service handled them",
        format!("{after:.1} s"),
        format!("{}× the same 100 with the broker up ({steady:.2} s from the last commit)", f1(after / steady.max(1e-3))),
        "",
    );
    let _ = app.shutdown().await;
}

/// The knobs of one run, from the environment.
struct Opts {
    secs: f64,
    max_items: usize,
    clients: Vec<usize>,
    phases: String,
    parts: String,
    /// Alternating rounds at 16 clients that the targets are read from (0: none).
    rounds: usize,
}

fn main() {
    let opts = Opts {
        secs: env_or("DUBAN_BENCH_SECS", 5.0),
        max_items: env_or("DUBAN_BENCH_ITEMS", 1_000_000),
        clients: std::env::var("DUBAN_BENCH_CLIENTS")
            .unwrap_or_else(|_| "1,8,16,32".into())
            .split(',')
            .filter_map(|c| c.trim().parse().ok())
            .collect(),
        phases: std::env::var("DUBAN_BENCH_PHASES").unwrap_or_else(|_| "pg,embedded".into()),
        parts: std::env::var("DUBAN_BENCH_PARTS")
            .unwrap_or_else(|_| "mutations,latency,catchup,county,startup".into()),
        rounds: env_or("DUBAN_BENCH_ROUNDS", 5),
    };
    duban_tests::postgres_url();
    let brokers = duban_tests::kafka_brokers();
    // As the duban binary runs: its background work on a runtime of every core.
    duban::block_on(async move {
        let mut report = Report::default();
        let url = duban_tests::fresh_database().await.unwrap();
        let mut baseline = std::collections::HashMap::new();
        for &c in &opts.clients {
            let (tps, v) = pg_inserts(&url, c, opts.secs).await;
            baseline.insert(c, tps);
            report.add("baseline", &format!("PostgreSQL single-row INSERT transactions, {c} clients"), format!("{tps:.0}/s (p99 {} ms)", f1(pct(&v, 0.99))), "1.00".into(), "");
        }
        let rt = broker_round_trip(&brokers, 300).await;
        report.add("baseline", "Kafka produce → consume round trip (acks=all): p50 / p99", format!("{} / {} ms", f1(pct(&rt, 0.5)), f1(pct(&rt, 0.99))), "1.00".into(), "");
        let mut empty = std::collections::HashMap::new();
        for &c in &opts.clients {
            let (rps, v) = empty_graphql(c, opts.secs).await;
            empty.insert(c, rps);
            report.add("baseline", &format!("empty async-graphql query over actix-web, {c} clients"), format!("{rps:.0}/s (p99 {} ms)", f1(pct(&v, 0.99))), "1.00".into(), "");
        }

        let floor = if opts.phases.contains("pg") && opts.parts.contains("mutations") {
            let stack = floor::Stack::Postgres { url: &url, brokers: &brokers };
            floor::floors(&stack, &mut report, &opts, |c| ("INSERT", baseline[&c]), "the floor", "the floor: a GraphQL mutation with no domain work through the same pipeline (one row and its outbox row, duban's relay, Kafka, three consumer groups writing one row and its inbox row each)", true).await
        } else {
            floor::Floors::default()
        };
        // The embedded floor: the same no-work mutation on SQLite files with in-process
        // events, against which the embedded issueAssignment is read.
        let floor_dir = tempfile::tempdir().unwrap();
        let embedded_floor = if opts.phases.contains("embedded") && opts.parts.contains("mutations") {
            let stack = floor::Stack::Embedded(floor_dir.path());
            floor::floors(&stack, &mut report, &opts, |c| ("empty query", empty[&c]), "the embedded floor", "the embedded floor: the same no-work mutation on SQLite with in-process events (one file per group)", false).await
        } else {
            floor::Floors::default()
        };
        let alternating = opts.rounds > 0 && opts.clients.contains(&16);
        // Both deployments' mutations first, then both county ledgers: a million rows
        // left in PostgreSQL keep it busy (autovacuum) for minutes after.
        let pg_phase = Phase {
            section: "PG+Kafka",
            versus: "INSERT",
            baseline: &baseline,
            floor: &floor,
            broker_p99: Some(pct(&rt, 0.99)),
            target: "≥ 0.7 of the floor with an issue's events, p99 ≤ 1.5× its",
            cpu_target: "≤ 1.6× the floor with an issue's events",
            alternating: alternating && floor.kept.is_some(),
        };
        let embedded_phase = Phase {
            section: "embedded",
            versus: "empty query",
            baseline: &empty,
            floor: &embedded_floor,
            broker_p99: None,
            target: "≥ 250/s, ≥ 0.7 of the embedded floor",
            cpu_target: "",
            alternating: alternating && embedded_floor.kept.is_some(),
        };
        let mut pg = None;
        if opts.phases.contains("pg") {
            let app = duban_tests::spawn_on_postgres_and_kafka().await.unwrap();
            app.settle().await.unwrap();
            phase(&app, &mut report, &pg_phase, &opts, false).await;
            pg = Some(app);
        }
        let mut embedded = None;
        if opts.phases.contains("embedded") {
            let app = duban_tests::spawn_app().await.unwrap();
            app.settle().await.unwrap();
            phase(&app, &mut report, &embedded_phase, &opts, false).await;
            embedded = Some(app);
        }
        if opts.parts.contains("catchup") {
            catch_up(&mut report).await;
        }
        let mut self_rss = 0;
        if let Some(app) = pg {
            phase(&app, &mut report, &pg_phase, &opts, true).await;
            self_rss = vm_hwm("self").unwrap_or(0);
            let app = if opts.parts.contains("startup") {
                startup::startup(app, &mut report, opts.max_items).await
            } else {
                app
            };
            let name = duban_tests::database_name(&app.databases.assignments)
                .await
                .unwrap();
            // A million rows make the drain slow; the figures are taken.
            let _ = app.shutdown().await;
            let _ = duban_tests::drop_database(&name).await;
        }
        if let Some(app) = embedded {
            phase(&app, &mut report, &embedded_phase, &opts, true).await;
            let _ = app.shutdown().await;
        }

        let mut out = format!("Machine: {}.\n\n", machine());
        out.push_str(&report.markdown());
        let _ = writeln!(
            out,
            "\nPeak RSS: the bench process (client, and every service and the gateway of both deployments) {:.0} MiB after the PostgreSQL county, {:.0} MiB at the end; PostgreSQL's largest process {} MiB; the Kafka broker {} MiB.",
            self_rss as f64 / 1024.0,
            vm_hwm("self").unwrap_or(0) as f64 / 1024.0,
            peak_rss_of("postgres").map_or("?".into(), |k| format!("{:.0}", k as f64 / 1024.0)),
            peak_rss_of("kafka.Kafka").map_or("?".into(), |k| format!("{:.0}", k as f64 / 1024.0)),
        );
        println!("\n{out}");
        if let Ok(path) = std::env::var("DUBAN_BENCH_OUT") {
            std::fs::write(path, out).unwrap();
        }
    })
    .unwrap();
}
