//! Transactions that lock many items at once take them in one order: the deadline tick
//! firing a morning's reminders and the cards consumer applying a batch of colors for the
//! same items never wait on each other in a cycle (found by the simulated county year on
//! PostgreSQL: "deadlock detected" between the two).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_outbox::Handler;
use duban_schema::RawEnvelope;
use duban_tests::scenarios::issue_numbered;
use duban_tests::{count_rows, on_postgres_and_kafka_at_nine};
use sea_orm::TransactionTrait;
use serde_json::json;

/// A yellow card for `item` as evaluation publishes it.
fn yellow(item: &str, n: u128) -> RawEnvelope {
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
        "aggregate_sequence": 1,
        "type": "ColorChanged",
        "data": {"item_id": item, "unit_id": "qingshi-dzb", "from": "BLUE", "to": "YELLOW",
                 "reason": "临近办结时限", "rule": "YELLOW_DUE_SOON", "kind": "ASSIGNMENT"}
    }))
    .unwrap()
}

#[actix_web::test]
async fn the_deadline_tick_and_a_batch_of_cards_on_the_same_items_never_deadlock() {
    // Monday 9 March 2026: due Thursday, reminded on Tuesday.
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let mut ids = issue_numbered(&app, &sup, "qingshi-dzb", "锁序", 60, 3).await;
    app.settle().await.unwrap();
    clock.advance(chrono::Duration::days(1));
    // The cards in the order that crosses the tick's most: highest id first.
    ids.sort();
    let cards: Vec<_> = ids
        .iter()
        .rev()
        .enumerate()
        .map(|(n, id)| (yellow(id, n as u128), tracing::Span::none()))
        .collect();
    for round in 0..3 {
        let consumer = async {
            let txn = app.databases.assignments.begin().await.unwrap();
            let done = app.assignments.handle_all(&txn, &cards).await;
            // Holding the batch's locks a moment, as a larger batch would.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            txn.commit().await.unwrap();
            done.map(|_| ())
        };
        let (tick, consumed) = tokio::join!(app.assignments.deadline_tick(), consumer);
        assert!(
            tick.is_ok() && consumed.is_ok(),
            "round {round}: tick {tick:?}, cards {:?}",
            consumed.err()
        );
    }
    let reminded = count_rows(
        &app.databases.assignments,
        "SELECT count(*) FROM outbox WHERE payload LIKE '%\"AssignmentDueSoon\"%' AND payload LIKE '%锁序%'",
    )
    .await
    .unwrap();
    assert_eq!(reminded, 60, "every reminder fired once");
    let yellow = count_rows(
        &app.databases.assignments,
        "SELECT count(*) FROM assignment WHERE title LIKE '锁序%' AND color = 'YELLOW'",
    )
    .await
    .unwrap();
    assert_eq!(yellow, 60);
    app.shutdown().await.unwrap();
}
