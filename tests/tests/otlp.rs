//! Spans leave over OTLP/HTTP when a collector is configured, in the request's trace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use duban_tests::scenarios::ISSUE;
use duban_tests::{spawn_with, test_config};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// Requests the collector received: content type and body.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

#[actix_web::test]
async fn spans_are_exported_to_the_collector_under_the_request_trace_id() {
    let received: Received = Arc::default();
    let sink = received.clone();
    let collector = HttpServer::new(move || {
        let sink = sink.clone();
        App::new().route(
            "/v1/traces",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let sink = sink.clone();
                async move {
                    let ct = req
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    sink.lock().unwrap().push((ct, body.to_vec()));
                    HttpResponse::Ok().finish()
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = collector.addrs()[0];
    let server = collector.run();
    actix_web::rt::spawn(server);

    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        otlp_endpoint: Some(format!("http://{addr}")),
        log_filter: "info".into(),
        ..test_config()
    };
    let app = spawn_with(config, dir).await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let trace = uuid::Uuid::now_v7();
    let body = app
        .gql_traced(
            Some(&sup),
            ISSUE,
            json!({"input": {"title": "链路导出测试", "leadUnitId": "liuhe-dzb", "timeLimitDays": 3}}),
            Some(&trace.to_string()),
        )
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    app.settle().await.unwrap();
    app.shutdown().await.unwrap();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let got = received.lock().unwrap().clone();
        let with_trace = got
            .iter()
            .filter(|(_, b)| b.windows(16).any(|w| w == trace.as_bytes()))
            .count();
        if with_trace > 0 {
            assert!(
                got.iter().all(|(ct, _)| ct == "application/x-protobuf"),
                "{:?}",
                got.iter().map(|g| &g.0).collect::<Vec<_>>()
            );
            let all: Vec<u8> = got.iter().flat_map(|(_, b)| b.clone()).collect();
            for name in ["gateway.graphql", "consumer.handle"] {
                assert!(
                    all.windows(name.len()).any(|w| w == name.as_bytes()),
                    "no {name} span exported"
                );
            }
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no span with the trace id reached the collector ({} requests)",
            got.len()
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
