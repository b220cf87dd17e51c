//! The stored log proves itself: changing, deleting or reordering a row is found and
//! named; a bundle checks offline; an old checkpoint proves a rewrite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{append, forget_stored_tree, settings, setup};

use base64::Engine;
use duban_audit::bundle::{self, BundleError};
use duban_audit::checkpoint::{self, Suite};
use duban_audit::merkle::verify_consistency;
use duban_audit::{AuditService, TamperError};
use duban_clock::{SharedClock, SystemClock};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::sync::Arc;

async fn drop_guards(db: &DatabaseConnection) {
    for t in [
        "audit_leaf_no_update",
        "audit_leaf_no_delete",
        "audit_node_no_update",
        "audit_node_no_delete",
    ] {
        db.execute_unprepared(&format!("DROP TRIGGER {t}"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_a_stored_entry() {
    let (_d, db, svc) = setup(Suite::Sha256Ed25519).await;
    append(&db, &svc, 0..3).await;
    assert!(db
        .execute_unprepared("UPDATE audit_leaf SET actor = 'x' WHERE idx = 1")
        .await
        .is_err());
    assert!(db
        .execute_unprepared("DELETE FROM audit_leaf WHERE idx = 1")
        .await
        .is_err());
    assert!(db
        .execute_unprepared("DELETE FROM audit_checkpoint")
        .await
        .is_err());
    assert_eq!(svc.verify_store().await.unwrap(), 3);
}

#[tokio::test]
async fn a_changed_row_is_named() {
    let (_d, db, svc) = setup(Suite::Sha256Ed25519).await;
    append(&db, &svc, 0..30).await;
    assert_eq!(svc.verify_store().await.unwrap(), 30);
    drop_guards(&db).await;
    db.execute_unprepared(
        "UPDATE audit_leaf SET canonical = replace(canonical, '事项7', '事项七') WHERE idx = 7",
    )
    .await
    .unwrap();
    match svc.verify_store().await {
        Err(TamperError::Altered { index: 7, .. }) => {}
        other => panic!("expected entry 7 named, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_row_is_named() {
    let (_d, db, svc) = setup(Suite::Sha256Ed25519).await;
    append(&db, &svc, 0..30).await;
    drop_guards(&db).await;
    db.execute_unprepared("DELETE FROM audit_leaf WHERE idx = 12")
        .await
        .unwrap();
    assert_eq!(
        svc.verify_store().await,
        Err(TamperError::Missing { index: 12 })
    );
}

#[tokio::test]
async fn reordered_rows_are_named() {
    let (_d, db, svc) = setup(Suite::Sha256Ed25519).await;
    append(&db, &svc, 0..30).await;
    drop_guards(&db).await;
    for sql in [
        "UPDATE audit_leaf SET idx = -1 WHERE idx = 4",
        "UPDATE audit_leaf SET idx = 4 WHERE idx = 5",
        "UPDATE audit_leaf SET idx = 5 WHERE idx = -1",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    match svc.verify_store().await {
        Err(TamperError::Altered { index: 4, .. }) => {}
        other => panic!("expected entry 4 named, got {other:?}"),
    }
}

#[tokio::test]
async fn a_consistent_rewrite_is_caught_by_the_signed_checkpoints() {
    let (_d, db, svc) = setup(Suite::Sm3Sm2).await;
    append(&db, &svc, 0..10).await;
    // A discipline commission keeps this checkpoint.
    let key = svc.verifier_key_text();
    let kept =
        checkpoint::verify(&svc.export("", None, None).await.unwrap().checkpoint, &key).unwrap();
    assert_eq!(kept.size, 10);
    append(&db, &svc, 10..30).await;

    // The log grew honestly: a consistency proof from the kept head verifies.
    let honest = svc.export("", None, None).await.unwrap();
    let head = checkpoint::verify(&honest.checkpoint, &key).unwrap();
    assert_eq!(head.size, 30);

    // Someone rewrites entry 2 and its leaf hash so each row looks right.
    drop_guards(&db).await;
    let row = db
        .query_one(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT canonical FROM audit_leaf WHERE idx = 2",
        ))
        .await
        .unwrap()
        .unwrap();
    let original: String = row.try_get_by_index(0).unwrap();
    let forged = original.replace("事项2", "事项二");
    let leaf = hex::encode(Suite::Sm3Sm2.hash().leaf(forged.as_bytes()));
    db.execute(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Sqlite,
        "UPDATE audit_leaf SET canonical = $1, leaf_hash = $2 WHERE idx = 2",
        [forged.into(), leaf.into()],
    ))
    .await
    .unwrap();
    match svc.verify_store().await {
        Err(TamperError::Altered { index: 2, .. }) => {}
        other => panic!("expected entry 2 named, got {other:?}"),
    }

    // A thorough forger also throws away the stored tree, so that it is rebuilt from
    // the rewritten rows. Reopened on them, the log still fails against its signed
    // heads, naming the range after the last head that matches.
    forget_stored_tree(&db).await;
    let clock: SharedClock = Arc::new(SystemClock);
    let reopened = AuditService::open(db.clone(), settings(Suite::Sm3Sm2), clock)
        .await
        .unwrap();
    match reopened.verify_store().await {
        Err(TamperError::Altered {
            index: 0, reason, ..
        }) => assert!(reason.contains("0–9"), "{reason}"),
        other => panic!("expected the range 0–9 named, got {other:?}"),
    }
    // And no consistency proof links the kept head to the rewritten tree.
    let mut tree = duban_audit::merkle::Tree::new(Suite::Sm3Sm2.hash());
    let rows = db
        .query_all(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT leaf_hash FROM audit_leaf ORDER BY idx",
        ))
        .await
        .unwrap();
    for r in rows {
        let h: String = r.try_get_by_index(0).unwrap();
        tree.push(hex::decode(h).unwrap().try_into().unwrap());
    }
    let proof: Vec<Vec<u8>> = tree
        .consistency_proof(10, 30)
        .unwrap()
        .iter()
        .map(|h| h.to_vec())
        .collect();
    let new_root = tree.root(30).unwrap();
    assert!(
        verify_consistency(Suite::Sm3Sm2.hash(), 10, 30, &kept.root, &new_root, &proof).is_err()
    );
    // While the honest head of size 30 extends the kept one.
    let honest_tree_proof = reopened.export("", None, None).await.unwrap();
    assert_eq!(honest_tree_proof.tree_size, 30);
    assert_eq!(head.size, 30);
}

#[tokio::test]
async fn a_bundle_checks_offline_and_names_a_forged_entry() {
    let (_d, db, svc) = setup(Suite::Sha256Ed25519).await;
    append(&db, &svc, 0..40).await;
    let b = svc.export("/qs/qingshi", None, None).await.unwrap();
    assert_eq!(b.entries.len(), 20, "only 青石镇's events");
    assert_eq!(
        bundle::verify(&b, Some(&svc.verifier_key_text())).unwrap(),
        20
    );
    for e in &b.entries {
        assert!(e.proof.len() <= 6, "proofs are O(log n)");
    }
    let period = svc
        .export(
            "",
            Some("2026-03-05T00:00:00+08:00".parse().unwrap()),
            Some("2026-03-10T00:00:00+08:00".parse().unwrap()),
        )
        .await
        .unwrap();
    assert!(!period.entries.is_empty() && period.entries.len() < 40);
    assert!(bundle::verify(&period, None).is_ok());

    let mut forged = b.clone();
    forged.entries[3].event = forged.entries[3].event.replace("事项", "事件");
    let index = forged.entries[3].index;
    match bundle::verify(&forged, Some(&svc.verifier_key_text())) {
        Err(BundleError::Entry { index: i, .. }) => assert_eq!(i, index),
        other => panic!("expected entry {index} named, got {other:?}"),
    }
    let mut wrong_key = b.clone();
    wrong_key.checkpoint = wrong_key.checkpoint.replacen("\n40\n", "\n41\n", 1);
    assert!(matches!(
        bundle::verify(&wrong_key, None),
        Err(BundleError::Checkpoint(_))
    ));
    let root = base64::engine::general_purpose::STANDARD.decode(
        checkpoint::verify(&b.checkpoint, &svc.verifier_key_text())
            .map(|c| base64::engine::general_purpose::STANDARD.encode(c.root))
            .unwrap(),
    );
    assert_eq!(root.unwrap().len(), 32);
}

/// Every column the audit API shows or filters on is a copy of the hashed content: a
/// rewritten copy fails the check naming the entry and the column, and the API shows the
/// content, not the rewrite.
#[tokio::test]
async fn a_rewritten_column_is_named_and_the_api_shows_the_hashed_content() {
    use duban_api::{AuditApi, AuditFilter, PageRequest};
    let (_d, db, svc) = setup(Suite::Sha256Ed25519).await;
    append(&db, &svc, 0..6).await;
    drop_guards(&db).await;
    for (column, forged) in [
        ("actor", "'p-somebody-else'"),
        ("org_path", "'/qs/elsewhere'"),
        ("aggregate_id", "'a-forged'"),
        ("event_type", "'AssignmentCancelled'"),
        ("correlation_id", "'00000000-0000-0000-0000-000000000000'"),
        ("topic", "'forged'"),
    ] {
        let original = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT {column} FROM audit_leaf WHERE idx = 3"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        db.execute_unprepared(&format!(
            "UPDATE audit_leaf SET {column} = {forged} WHERE idx = 3"
        ))
        .await
        .unwrap();
        match svc.verify_store().await {
            Err(TamperError::Altered {
                index: 3, reason, ..
            }) => {
                assert!(reason.contains(column), "{column}: {reason}")
            }
            other => panic!("{column}: expected entry 3 named, got {other:?}"),
        }
        if column == "actor" {
            let discipline = duban_auth::Actor {
                person_id: "p-d".into(),
                name: "纪检".into(),
                tenant: "qs".into(),
                unit_id: "qs".into(),
                unit_path: "/qs".into(),
                scope: "/qs".into(),
                roles: vec![duban_auth::Role::Discipline],
            };
            let page = svc
                .entries(
                    &discipline,
                    AuditFilter::default(),
                    PageRequest {
                        first: 10,
                        after: None,
                        count: true,
                        details: false,
                    },
                )
                .await
                .unwrap();
            let (_, shown) = page.items.iter().find(|(_, e)| e.index == 3).unwrap();
            assert_eq!(shown.actor, "p-county-supervisor");
        }
        db.execute_unprepared(&format!(
            "UPDATE audit_leaf SET {column} = '{original}' WHERE idx = 3"
        ))
        .await
        .unwrap();
        assert_eq!(svc.verify_store().await.unwrap(), 6, "{column} restored");
    }
}
