//! The tree lives in the database: a log opened on it (a restart, or another replica)
//! knows its size without reading the entries and proves what another process
//! integrated; a log kept before the tree was stored gets its nodes built.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{append, event, forget_stored_tree, settings, setup};
use duban_audit::bundle;
use duban_audit::checkpoint::Suite;
use duban_audit::AuditService;
use duban_clock::{SharedClock, SystemClock};
use duban_outbox::Handler;
use sea_orm::{ConnectionTrait, TransactionTrait};
use std::sync::Arc;

#[tokio::test]
async fn a_replica_opened_on_the_stored_tree_proves_what_another_integrated() {
    let (_d, db, first) = setup(Suite::Sha256Ed25519).await;
    append(&db, &first, 0..37).await;
    let clock: SharedClock = Arc::new(SystemClock);
    let second = AuditService::open(db.clone(), settings(Suite::Sha256Ed25519), clock)
        .await
        .unwrap();
    assert_eq!(second.tree_size(), 37, "known from the stored tree at open");

    // Entries the first appends but does not integrate: the second integrates them.
    let txn = db.begin().await.unwrap();
    let batch: Vec<_> = (37..50)
        .map(|n| (event(n), tracing::Span::none()))
        .collect();
    drop(first.handle_all(&txn, &batch).await.unwrap());
    txn.commit().await.unwrap();
    assert_eq!(second.integrate().await.unwrap(), 50);

    // The first proves every entry from the nodes the second stored.
    let b = first.export("", None, None).await.unwrap();
    assert_eq!(b.tree_size, 50);
    assert_eq!(
        bundle::verify(&b, Some(&first.verifier_key_text())).unwrap(),
        50
    );
    assert_eq!(first.verify_store().await.unwrap(), 50);
    assert_eq!(second.verify_store().await.unwrap(), 50);
}

#[tokio::test]
async fn opening_reads_no_entry_and_a_log_kept_before_gets_its_nodes_built() {
    let (_d, db, svc) = setup(Suite::Sm3Sm2).await;
    append(&db, &svc, 0..20).await;
    let kept = svc.export("", None, None).await.unwrap();

    // As a log from before the stored tree: no nodes, nothing integrated.
    forget_stored_tree(&db).await;
    let clock: SharedClock = Arc::new(SystemClock);
    let reopened = AuditService::open(db.clone(), settings(Suite::Sm3Sm2), clock)
        .await
        .unwrap();
    assert_eq!(
        reopened.tree_size(),
        0,
        "open took the stored size, not the entries"
    );
    assert_eq!(reopened.integrate().await.unwrap(), 20);
    let rebuilt = reopened.export("", None, None).await.unwrap();
    assert_eq!(rebuilt.checkpoint, kept.checkpoint, "the same signed head");
    assert_eq!(
        bundle::verify(&rebuilt, Some(&reopened.verifier_key_text())).unwrap(),
        20
    );
    let nodes = db
        .query_one(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT count(*) FROM audit_node",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(
        nodes,
        10 + 5 + 2 + 1,
        "every complete subtree above the 20 leaves"
    );
}
