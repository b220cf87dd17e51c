//! The distributed deployment: each service its own `duban serve <service>` process
//! on PostgreSQL and a real Kafka broker; the first loop through the gateway, and
//! the fault tests of issue 3: broker down, a consumer killed mid-batch, the
//! gateway restarted under load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::cluster::{
    answers, count, each_reached_every_service_once, ids_with_title_prefix, keyed_clients,
    retried_stored_once, settle, Cluster, OwnBroker,
};
use duban_tests::scenarios;
use duban_tests::{kafka_brokers, TestApp};
use std::collections::HashSet;
use std::time::Duration;

async fn issue_many(app: &TestApp, token: &str, prefix: &str, n: usize) {
    scenarios::issue_numbered(app, token, "liuhe-dzb", prefix, n, 5).await;
}

#[actix_web::test]
async fn the_first_loop_runs_across_five_processes_on_postgresql_and_kafka() {
    let cluster = Cluster::start(&kafka_brokers()).await.unwrap();
    let app = cluster.app().await.unwrap();
    scenarios::first_loop(&app).await;
    scenarios::notice_over_websocket(&app).await;
    scenarios::one_trace_from_gateway_to_every_consumer(&app).await;
    scenarios::ledger_lifecycle(&app).await.unwrap();
    scenarios::identity_comes_from_the_directory(&app).await;
    scenarios::the_gateway_refuses_what_it_bounds(&app).await;

    let (code, _) = app
        .get_at(cluster.ports["evaluation"], "/metrics")
        .await
        .unwrap();
    assert_eq!(code, 401, "/metrics wants its token");
    let (code, metrics) = app
        .metrics(Some(cluster.ports["evaluation"]))
        .await
        .unwrap();
    assert_eq!(code, 200);
    assert!(
        metrics.contains("duban_events_handled_total{service=\"evaluation\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("duban_outbox_backlog"), "{metrics}");
    assert!(
        metrics.contains("duban_consumer_lag{service=\"evaluation\"}"),
        "{metrics}"
    );
    let (code, ready) = app.get_at(cluster.ports["audit"], "/readyz").await.unwrap();
    assert_eq!(code, 200, "{ready}");
    internal_calls_need_the_service_key(&app, &cluster).await;
}

/// An attacker on the network with no key, or another deployment's, changes nothing.
async fn internal_calls_need_the_service_key(app: &TestApp, cluster: &Cluster) {
    use duban_api::rpc::Remote;
    use duban_api::{AssignmentsApi, SetCalendarDayInput};
    use duban_rpc::http::HttpClient;
    use duban_rpc::signing::ServiceKey;
    let base = format!("http://127.0.0.1:{}", cluster.ports["assignments"]);
    let admin = {
        let p = app.assignments.find_person("county-admin").await.unwrap();
        app.assignments.actor_for(&p).await.unwrap()
    };
    let change = SetCalendarDayInput {
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        workday: false,
        name: Some("攻击".into()),
        reason: "未签名的内部调用".into(),
    };
    let call =
        serde_json::json!({"op": "set_calendar_day", "args": {"actor": admin, "input": change}});
    let unsigned = awc::Client::default()
        .post(format!("{base}/internal/v1/assignments"))
        .send_json(&call)
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    let notifications = format!("http://127.0.0.1:{}", cluster.ports["notifications"]);
    let watch_unsigned = awc::Client::default()
        .post(format!("{notifications}/internal/v1/notifications"))
        .send_json(&serde_json::json!({"op": "watch", "args": {"person_id": "p-county-admin"}}))
        .await
        .unwrap();
    assert_eq!(watch_unsigned.status().as_u16(), 401);
    let foreign = Remote(HttpClient::new(
        &base,
        "assignments",
        ServiceKey::new(b"another-deployment-key-0123456789abcdef"),
    ));
    let e = foreign
        .set_calendar_day(&admin, change.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "UNAUTHENTICATED", "{e}");
    let changed = count(
        &app.databases.assignments,
        "SELECT count(*) FROM calendar_override WHERE date = '2026-12-07'",
    )
    .await;
    assert_eq!(changed, 0, "the calendar was changed without the key");
    let own = Remote(HttpClient::new(
        &base,
        "assignments",
        ServiceKey::new(
            duban_tests::test_config()
                .service_key
                .unwrap()
                .expose()
                .as_bytes(),
        ),
    ));
    own.ready().await.unwrap();
}

#[actix_web::test]
async fn with_the_broker_down_mutations_succeed_and_every_event_arrives_once_when_it_returns() {
    let broker = OwnBroker::start().unwrap();
    let cluster = Cluster::start(&broker.brokers).await.unwrap();
    let app = cluster.app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    settle(&app, &cluster).await;

    broker.down().unwrap();
    issue_many(&app, &supervisor, "断线期间交办", 100).await;
    // The watcher looks every second; a probe's answer comes at once from what it saw.
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    for service in ["assignments", "evaluation", "gateway"] {
        let asked = std::time::Instant::now();
        let (code, body) = app.get_at(cluster.ports[service], "/readyz").await.unwrap();
        let took = asked.elapsed();
        assert_eq!(
            code, 200,
            "writes still succeed, so it stays in rotation: {body}"
        );
        assert!(
            body.contains("\"degraded\"") && body.contains("broker"),
            "{body}"
        );
        assert!(
            took < Duration::from_secs(1),
            "a probe's 1 s timeout: {took:?}"
        );
    }
    // The consumer lag cannot be known meanwhile: absent, not its last value.
    let lag = "duban_consumer_lag{service=\"evaluation\"}";
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, metrics) = app
            .metrics(Some(cluster.ports["evaluation"]))
            .await
            .unwrap();
        if !metrics.contains(lag) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "lag still reported: {metrics}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    }
    broker.up().unwrap();

    settle(&app, &cluster).await;
    each_reached_every_service_once(&app, "断线期间交办", 100).await;
    // The watcher sees the broker back within a few of its looks.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = app
            .get_at(cluster.ports["gateway"], "/readyz")
            .await
            .unwrap();
        if !body.contains("degraded") {
            break;
        }
        eprintln!("{:?} {body}", std::time::Instant::now());
        assert!(std::time::Instant::now() < deadline, "{body}");
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A broker that comes back on an empty data directory (no topics, no offsets): the
/// services create their topics again and every event arrives once, with no restart.
#[actix_web::test]
async fn a_broker_back_without_its_topics_gets_them_again_without_a_restart() {
    let broker = OwnBroker::start().unwrap();
    let cluster = Cluster::start(&broker.brokers).await.unwrap();
    let app = cluster.app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    settle(&app, &cluster).await;

    broker.afresh().unwrap();
    issue_many(&app, &supervisor, "新数据目录后交办", 10).await;
    settle(&app, &cluster).await;
    each_reached_every_service_once(&app, "新数据目录后交办", 10).await;
}

#[actix_web::test]
async fn killing_a_consumer_mid_batch_loses_nothing_and_doubles_nothing() {
    let mut cluster = Cluster::start(&kafka_brokers()).await.unwrap();
    let app = cluster.app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    settle(&app, &cluster).await;

    issue_many(&app, &supervisor, "中途宕机", 100).await;
    // Kill notifications while it is still working through the batch.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let done = count(
            &app.databases.notifications,
            "SELECT count(*) FROM notification WHERE title LIKE '督办通知：中途宕机%'",
        )
        .await;
        if done >= 10 || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cluster.kill("notifications").unwrap();
    let handled_before_restart = count(
        &app.databases.notifications,
        "SELECT count(*) FROM notification WHERE title LIKE '督办通知：中途宕机%'",
    )
    .await;
    cluster.spawn("notifications").unwrap();
    cluster.wait_ready("notifications").await.unwrap();

    settle(&app, &cluster).await;
    each_reached_every_service_once(&app, "中途宕机", 100).await;
    let inbox = count(&app.databases.notifications, "SELECT count(*) FROM inbox").await;
    // Notifications reads the items' events and evaluation's cards.
    let sent = count(&app.databases.assignments, "SELECT count(*) FROM outbox").await
        + count(&app.databases.evaluation, "SELECT count(*) FROM outbox").await;
    assert_eq!(inbox, sent, "each event in the inbox once");
    eprintln!("notifications killed after {handled_before_restart} of 100 notices");
}

/// The gateway killed under load: every answer a client saw is stored, whatever is stored
/// is whole, and a client retrying its failures with the same Idempotency-Key ends with
/// each request stored exactly once (issue 17 item 26: without the key, 2 of 4 such
/// retries made a duplicate).
#[actix_web::test]
async fn restarting_the_gateway_under_load_leaves_no_half_done_mutation() {
    let mut cluster = Cluster::start(&kafka_brokers()).await.unwrap();
    let app = cluster.app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    settle(&app, &cluster).await;

    let url = app.url.clone();
    let clients = keyed_clients(&url, &supervisor, 4, 40, "restart", "重启压测");
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    cluster.kill("gateway").unwrap();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    cluster.spawn("gateway").unwrap();
    cluster.wait_ready("gateway").await.unwrap();

    let (succeeded, failed) = answers(clients).await;
    settle(&app, &cluster).await;
    let stored: HashSet<String> = ids_with_title_prefix(&app, "重启压测")
        .await
        .into_iter()
        .collect();
    assert!(
        succeeded.is_subset(&stored),
        "every success a client saw is stored"
    );
    assert!(
        !failed.is_empty(),
        "the restart was under load: some requests must have failed"
    );
    // Whatever was stored is whole: its event reached every service exactly once.
    each_reached_every_service_once(&app, "重启压测", stored.len()).await;
    let stored_before_retries = stored.len();

    let failed_count = failed.len();
    let retried = (succeeded, failed);
    retried_stored_once((&app, &cluster), &supervisor, retried, "重启压测", 160).await;
    eprintln!(
        "{} failed during the restart, {} of them already stored before the retry",
        failed_count,
        stored_before_retries + failed_count - 160
    );
}

/// issueAssignment answers from what the command returned: a new item has no color yet,
/// so evaluation is not asked. No command's answer depends on evaluation being up: a
/// committed command is never reported as failed because its color could not be read.
#[actix_web::test]
async fn issuing_answers_without_asking_evaluation() {
    let mut cluster = Cluster::start(&kafka_brokers()).await.unwrap();
    let app = cluster.app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    settle(&app, &cluster).await;
    cluster.kill("evaluation").unwrap();
    let body = app
        .gql(
            Some(&supervisor),
            scenarios::ISSUE,
            serde_json::json!({"input": {"title": "评价服务停机时交办", "leadUnitId": "liuhe-dzb", "timeLimitDays": 5}}),
        )
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    let a = &body["data"]["issueAssignment"]["assignment"];
    assert_eq!(a["state"], "ISSUED");
    assert!(a["color"].is_null(), "not assessed yet: {a}");
    let blue = format!(
        "SELECT count(*) FROM assignment WHERE id = '{}' AND color = 'BLUE'",
        a["id"].as_str().unwrap()
    );
    assert_eq!(
        count(&app.databases.assignments, &blue).await,
        1,
        "kept blue from its first row, with evaluation down"
    );
    // Any other command on it commits and answers too, without its color.
    let clerk = app.token("liuhe-clerk").await.unwrap();
    let acked = app
        .gql(
            Some(&clerk),
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { state color } } }",
            serde_json::json!({"i": {"id": a["id"], "expectedVersion": a["version"]}}),
        )
        .await
        .unwrap();
    assert!(acked["errors"].is_null(), "{acked}");
    assert_eq!(
        acked["data"]["acknowledgeAssignment"]["assignment"]["state"],
        "ACKNOWLEDGED"
    );
    assert!(acked["data"]["acknowledgeAssignment"]["assignment"]["color"].is_null());
    cluster.spawn("evaluation").unwrap();
    cluster.wait_ready("evaluation").await.unwrap();
    settle(&app, &cluster).await;
    each_reached_every_service_once(&app, "评价服务停机时交办", 1).await;
}

/// A ledger streamed from the assignments process through the gateway's arrives whole,
/// row for row its pages; cut by that process's death part way, the download fails and
/// never ends as a shorter ledger.
#[actix_web::test]
async fn a_ledger_streams_between_processes_and_a_cut_one_never_ends_as_a_ledger() {
    let mut cluster = Cluster::start(&kafka_brokers()).await.unwrap();
    let app = cluster.app().await.unwrap();
    let sup = scenarios::long_ledger(&app, &scenarios::long_ledger_spec(), 6000).await;
    assert_eq!(scenarios::long_ledger_exports_whole(&app, &sup).await, 3000);

    // Some 18 MB of CSV, more than the sockets between the processes hold.
    let big = duban_assignments::loadgen::CountySpec {
        prefix: "ey".into(),
        townships: 1,
        offices: 1,
    };
    let token = scenarios::long_ledger(&app, &big, 100_000).await;
    let resp = scenarios::csv_export(&app, &token).await;
    cluster.kill("assignments").unwrap();
    let got = scenarios::read_along(resp).await;
    let bytes = got.bytes;
    let ended = got.error;
    let ended = ended.unwrap_or_else(|| panic!("a cut export ended cleanly after {bytes} bytes"));
    assert!(bytes < 18_000_000, "{bytes} bytes before the cut ({ended})");
}
