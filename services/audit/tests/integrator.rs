//! The integrator keeps up with a steady stream of appends without signing a checkpoint
//! for each: checkpoints stay at least [`CHECKPOINT_PACE`] apart and the last one covers
//! every entry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{event, setup};
use duban_audit::checkpoint::Suite;
use duban_audit::CHECKPOINT_PACE;
use duban_outbox::Handler;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use std::time::{Duration, Instant};

#[tokio::test]
async fn checkpoints_under_a_stream_of_appends_are_spaced_and_the_last_covers_all() {
    let (_d, db, svc) = setup(Suite::Sha256Ed25519).await;
    let (stop, rx) = tokio::sync::watch::channel(false);
    let integrator = tokio::spawn(svc.clone().run_integrator(rx));

    // One event every few milliseconds for half a second, each waking the integrator the
    // way the consumer does after its commit.
    let mut n = 0;
    let until = Instant::now() + Duration::from_millis(500);
    while Instant::now() < until {
        let txn = db.begin().await.unwrap();
        let after = svc
            .handle_all(&txn, &[(event(n), tracing::Span::none())])
            .await
            .unwrap();
        txn.commit().await.unwrap();
        after.into_iter().for_each(|f| f());
        n += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }

    let deadline = Instant::now() + Duration::from_secs(10);
    let signed = loop {
        let rows = db
            .query_all(Statement::from_string(
                db.get_database_backend(),
                "SELECT size, created_at FROM audit_checkpoint ORDER BY size",
            ))
            .await
            .unwrap();
        let signed: Vec<(i64, chrono::DateTime<chrono::FixedOffset>)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).unwrap(),
                    r.try_get_by_index(1).unwrap(),
                )
            })
            .collect();
        if signed.last().is_some_and(|s| s.0 == i64::from(n)) || Instant::now() > deadline {
            break signed;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    stop.send(true).unwrap();
    integrator.await.unwrap();

    assert!(n > 20, "the stream appended {n} events");
    assert_eq!(
        signed.last().map(|s| s.0),
        Some(i64::from(n)),
        "the last checkpoint covers all {n} entries"
    );
    let pace = chrono::Duration::from_std(CHECKPOINT_PACE).unwrap();
    for pair in signed.windows(2) {
        assert!(
            pair[1].1 - pair[0].1 >= pace,
            "checkpoints of size {} and {} were signed {} ms apart",
            pair[0].0,
            pair[1].0,
            (pair[1].1 - pair[0].1).num_milliseconds()
        );
    }
}
