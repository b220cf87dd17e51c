//! The first loop on the production parts: PostgreSQL and a real Kafka broker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{scenarios, spawn_on_postgres_and_kafka};

#[actix_web::test]
async fn the_first_loop_runs_on_postgresql_and_kafka() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    scenarios::first_loop(&app).await;
    scenarios::one_trace_from_gateway_to_every_consumer(&app).await;
    app.shutdown().await.unwrap();
}
