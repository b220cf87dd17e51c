//! The Kafka transport against a real broker (`KAFKA_BROKERS`; `./tests/run.sh` starts one).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_transport::{KafkaSettings, KafkaTransport, Record, Transport};
use std::collections::HashMap;
use std::time::Duration;

fn settings() -> KafkaSettings {
    let brokers = std::env::var("KAFKA_BROKERS").expect(
        "KAFKA_BROKERS must name a running Kafka broker; `./tests/run.sh` provisions one on loopback",
    );
    KafkaSettings {
        brokers,
        client_id: "duban-test".into(),
        namespace: format!("t{}.", uuid::Uuid::now_v7().simple()),
        partitions: 3,
        replication: 1,
        ..Default::default()
    }
}

fn rec(key: &str, n: usize) -> Record {
    Record {
        key: key.into(),
        payload: format!("{key}:{n}").into_bytes(),
        headers: [("event_id".to_string(), format!("{key}-{n}"))].into(),
    }
}

#[tokio::test]
async fn every_record_arrives_in_key_order_and_a_new_member_resumes_after_the_last_commit() {
    let t = KafkaTransport::new(settings()).unwrap();
    let keys: Vec<String> = (0..10).map(|k| format!("agg-{k}")).collect();
    let mut batch = Vec::new();
    for n in 0..20 {
        for k in &keys {
            batch.push(rec(k, n));
        }
    }
    t.publish("duban.test.v1", batch).await.unwrap();

    let mut sub = t.subscribe("g", &["duban.test.v1"]).await.unwrap();
    let mut next_n: HashMap<String, usize> = HashMap::new();
    for _ in 0..100 {
        let d = tokio::time::timeout(Duration::from_secs(30), sub.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.topic, "duban.test.v1");
        let text = String::from_utf8(d.record.payload.clone()).unwrap();
        let (key, n) = text.split_once(':').unwrap();
        let n: usize = n.parse().unwrap();
        let expected = next_n.entry(key.to_string()).or_insert(0);
        assert_eq!(n, *expected, "{key} out of order");
        *expected += 1;
        assert_eq!(d.record.headers["event_id"], format!("{key}-{n}"));
        sub.commit(&d).await.unwrap();
    }
    // Let the asynchronous commits reach the broker, then leave the group.
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(sub);
    assert_eq!(
        t.lag("g", &["duban.test.v1"]).await.unwrap(),
        100,
        "half read and committed"
    );

    let mut again = t.subscribe("g", &["duban.test.v1"]).await.unwrap();
    let mut seen = 0;
    while seen < 100 {
        let d = tokio::time::timeout(Duration::from_secs(30), again.next())
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8(d.record.payload.clone()).unwrap();
        let (key, n) = text.split_once(':').unwrap();
        let n: usize = n.parse().unwrap();
        let expected = next_n.entry(key.to_string()).or_insert(0);
        assert_eq!(n, *expected, "{key}: resumed at the wrong place");
        *expected += 1;
        again.commit(&d).await.unwrap();
        seen += 1;
    }
    assert!(next_n.values().all(|n| *n == 20), "{next_n:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        t.lag("g", &["duban.test.v1"]).await.unwrap(),
        0,
        "everything committed, seen by the same group's probe as before"
    );
    assert_eq!(
        t.lag("nobody", &["duban.test.v1"]).await.unwrap(),
        200,
        "a new group has all to read"
    );
    t.ping().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_broker_is_reported_not_hidden() {
    let t = KafkaTransport::new(KafkaSettings {
        brokers: "127.0.0.1:1".into(),
        client_id: "duban-test".into(),
        partitions: 1,
        replication: 1,
        ..Default::default()
    })
    .unwrap();
    assert!(t.ping().await.is_err());
    assert!(t.durable());
}
