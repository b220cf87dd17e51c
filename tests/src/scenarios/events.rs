//! Events as the services write them, for tests that hand a consumer a batch or read an
//! aggregate's history from an outbox.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;

/// The `n`th card of `item` in Qingshi's 党政办, turning it from `from` to `to`, as
/// evaluation publishes it.
pub fn card(item: &str, n: u128, from: &str, to: &str) -> duban_schema::RawEnvelope {
    serde_json::from_value(json!({
        "id": uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + n).to_string(),
        "schema_version": 1,
        "occurred_at": "2026-03-10T09:00:00+08:00",
        "tenant": "demo-county",
        "org_path": "/qs/qingshi/qingshi-dzb",
        "actor": "system",
        "correlation_id": uuid::Uuid::from_u128(n).to_string(),
        "causation_id": null,
        "aggregate_id": item,
        "aggregate_sequence": n,
        "type": "ColorChanged",
        "data": {"item_id": item, "unit_id": "qingshi-dzb", "from": from, "to": to,
                 "reason": "临近办结时限", "rule": "YELLOW_DUE_SOON", "kind": "ASSIGNMENT"}
    }))
    .expect("a card is a well-formed envelope")
}

/// The type and position (`aggregate_sequence`) of each event of aggregate `id` in the
/// outbox of `db`, in the order written.
pub async fn positions(db: &DatabaseConnection, id: &str) -> Vec<(String, i64)> {
    let rows = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT payload FROM outbox WHERE key = '{id}' ORDER BY seq"),
        ))
        .await
        .expect("the outbox is readable");
    rows.into_iter()
        .map(|r| {
            let payload: String = r.try_get_by_index(0).expect("a payload");
            let v: serde_json::Value = serde_json::from_str(&payload).expect("JSON");
            let kind = v["type"].as_str().unwrap_or_default().to_string();
            (kind, v["aggregate_sequence"].as_i64().unwrap_or_default())
        })
        .collect()
}
