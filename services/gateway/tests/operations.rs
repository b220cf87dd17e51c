//! The dashboard's compiled-in operations are valid against the schema: run on a schema
//! with no services, every error they meet is a resolver's (it has a path), never the
//! validator's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_graphql::{Request, Variables};
use duban_gateway::trusted::REGISTRY;
use futures::StreamExt;

fn variables() -> Variables {
    Variables::from_json(serde_json::json!({
        "scope": "qs", "asOf": "2026-03-10", "lastWeek": "2026-03-03", "id": "a1",
        "person": "p1", "version": 1, "percent": 50, "text": "进展", "evidence": [],
        "result": "已完成",
    }))
}

#[tokio::test]
async fn every_dashboard_operation_validates_against_the_schema() {
    let schema = duban_gateway::schema::unserved();
    assert!(REGISTRY.names.len() >= 10);
    for (name, hash) in &REGISTRY.names {
        let text = REGISTRY.get(hash).unwrap();
        let request = Request::new(text).variables(variables());
        let response = if text.starts_with("subscription") {
            let mut stream = schema.execute_stream(request);
            tokio::time::timeout(std::time::Duration::from_secs(2), stream.next())
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        } else {
            schema.execute(request).await
        };
        for e in &response.errors {
            assert!(
                !e.path.is_empty() && !e.message.contains("Unknown"),
                "{name}: the validator refused it: {}",
                e.message
            );
        }
    }
}
