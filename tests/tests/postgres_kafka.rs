//! The first loop on the production parts, PostgreSQL and a real Kafka broker, and a
//! shutdown when the database has gone away.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{scenarios, spawn_on_postgres_and_kafka};

#[actix_web::test]
async fn the_first_loop_runs_on_postgresql_and_kafka() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    scenarios::first_loop(&app).await;
    scenarios::one_trace_from_gateway_to_every_consumer(&app).await;
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let today = app.clock.today().format("%Y-%m-%d").to_string();
    // The board stands as of the last tick: the demo's history ends before today, and
    // today's dawn is judged by the tick (every minute in a deployment).
    app.color_tick().await.unwrap();
    app.settle().await.unwrap();
    scenarios::board_matches_the_tables(&app, &sup, &today).await;
    app.shutdown().await.unwrap();
}

/// A county's first real PostgreSQL gets no demo county unless one is asked for.
#[actix_web::test]
async fn an_empty_postgresql_database_gets_no_demo_data_unless_asked() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let config = duban_tests::on_postgres_and_kafka_in(&dir).await.unwrap();
    let app = duban_tests::spawn_with(config, dir).await.unwrap();
    assert!(app.assignments.is_empty().await.unwrap());
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn identity_comes_from_the_directory_on_postgresql_and_kafka() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    scenarios::identity_comes_from_the_directory(&app).await;
    app.shutdown().await.unwrap();
}

/// A database that goes away (here dropped; in production lost) must not keep a stopping
/// duban alive: the relays and consumers waiting to retry stop when told, and what was
/// not delivered stays in the outboxes for the next start.
#[actix_web::test]
async fn shutdown_stops_every_worker_when_the_database_is_gone() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let issued = app
        .gql(Some(&sup), scenarios::ISSUE, serde_json::json!({"input": {"title": "数据库离线前交办", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5}}))
        .await
        .unwrap();
    assert!(issued["errors"].is_null(), "{issued}");
    app.settle().await.unwrap();
    let name = duban_tests::database_name(&app.databases.assignments)
        .await
        .unwrap();
    duban_tests::drop_database(&name).await.unwrap();
    // Let the relays find the database gone and start retrying.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(60), app.shutdown()).await;
    let result = stopped.expect("shutdown hung after the database went away");
    result.expect("shutdown stops even when events cannot be counted");
}
