//! The audit trail as a discipline commission uses it: signed checkpoints, inclusion
//! and consistency proofs over GraphQL, an exported bundle checked offline by
//! `duban audit verify`, and `duban audit check` over the stored log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use duban_audit::checkpoint;
use duban_audit::merkle::{verify_consistency, verify_inclusion, HashAlg};
use duban_tests::cluster::duban_binary;
use duban_tests::scenarios::issue;
use duban_tests::{error_code, spawn_app};
use serde_json::json;
use std::process::Command;

fn b64(s: &serde_json::Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.as_str().unwrap())
        .unwrap()
}

#[actix_web::test]
async fn a_commission_keeps_a_checkpoint_and_proves_inclusion_and_consistency_later() {
    let app = spawn_app().await.unwrap();
    app.settle().await.unwrap();
    let dis = app.token("county-discipline").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();

    let key = app.read(&dis, "{ auditVerifierKey }").await["data"]["auditVerifierKey"]
        .as_str()
        .unwrap()
        .to_string();
    let first = app
        .read(&dis, "{ auditCheckpoint { size rootHash suite note } }")
        .await;
    let kept = checkpoint::verify(
        first["data"]["auditCheckpoint"]["note"].as_str().unwrap(),
        &key,
    )
    .unwrap();
    assert_eq!(first["data"]["auditCheckpoint"]["suite"], "sha256-ed25519");
    assert!(kept.size > 0);

    let a = issue(&app, &sup, "qingshi-dzb", "审计证明测试事项").await;
    app.settle().await.unwrap();
    let entries = app
        .ask(
            &dis,
            r#"query($id: ID!) { auditEntries(filter: {aggregateId: $id}) { edges { node { eventId eventType data } } } }"#,
            json!({"id": a["id"]}),
        )
        .await;
    let issued = entries["data"]["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["eventType"] == "AssignmentIssued")
        .unwrap()["node"]
        .clone();
    assert!(
        issued["data"]
            .as_str()
            .unwrap()
            .contains("审计证明测试事项"),
        "what changed is shown"
    );

    let proof = app
        .ask(
            &dis,
            r#"query($e: ID!) { auditInclusionProof(eventId: $e) { leafIndex treeSize leafHash hashes checkpoint { size note } } }"#,
            json!({"e": issued["eventId"]}),
        )
        .await;
    let p = &proof["data"]["auditInclusionProof"];
    let head = checkpoint::verify(p["checkpoint"]["note"].as_str().unwrap(), &key).unwrap();
    assert_eq!(head.size, p["treeSize"].as_u64().unwrap());
    let hashes: Vec<Vec<u8>> = p["hashes"].as_array().unwrap().iter().map(b64).collect();
    assert!(
        hashes.len() <= 64 - head.size.leading_zeros() as usize,
        "O(log n)"
    );
    verify_inclusion(
        HashAlg::Sha256,
        p["leafIndex"].as_u64().unwrap(),
        head.size,
        &b64(&p["leafHash"]),
        &hashes,
        &head.root,
    )
    .unwrap();

    let cons = app
        .ask(
            &dis,
            r#"query($f: Int!) { auditConsistencyProof(fromSize: $f) { fromSize toSize hashes checkpoint { note } } }"#,
            json!({"f": kept.size}),
        )
        .await;
    let c = &cons["data"]["auditConsistencyProof"];
    let now = checkpoint::verify(c["checkpoint"]["note"].as_str().unwrap(), &key).unwrap();
    let hashes: Vec<Vec<u8>> = c["hashes"].as_array().unwrap().iter().map(b64).collect();
    verify_consistency(
        HashAlg::Sha256,
        kept.size,
        now.size,
        &kept.root,
        &now.root,
        &hashes,
    )
    .unwrap();

    // The same over plain HTTP.
    let (code, vkey) = app.get("/audit/v1/verifier-key").await.unwrap();
    assert_eq!((code, vkey.trim()), (200, key.as_str()));
    let (code, _) = app.get("/audit/v1/checkpoint").await.unwrap();
    assert_eq!(code, 401, "proofs need a token");
    let mut resp = awc::Client::default()
        .get(format!(
            "{}/audit/v1/proof/inclusion?event_id={}",
            app.url,
            issued["eventId"].as_str().unwrap()
        ))
        .insert_header(("authorization", format!("Bearer {dis}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let http_proof: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(http_proof["leaf_index"], p["leafIndex"]);

    let clerk = app.token("qingshi-clerk").await.unwrap();
    let denied = app.read(&clerk, "{ auditCheckpoint { size } }").await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));
    let bad = app
        .read(&dis, "{ auditConsistencyProof(fromSize: 0) { toSize } }")
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"));
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn an_exported_bundle_verifies_offline_and_a_forged_one_fails_naming_the_entry() {
    let app = spawn_app().await.unwrap();
    app.settle().await.unwrap();
    let dir = app.shutdown().await.unwrap();
    let duban = |args: &[&str]| {
        Command::new(duban_binary().unwrap())
            .args(args)
            .env("DUBAN_DATA_DIR", dir.path())
            .env(
                "DUBAN_AUDIT_SIGNING_KEY",
                duban_tests::test_config()
                    .audit_signing_key
                    .unwrap()
                    .expose(),
            )
            .env("DUBAN_LOG", "error")
            .env_remove("DATABASE_URL")
            .env_remove("KAFKA_BROKERS")
            .output()
            .unwrap()
    };
    let check = duban(&["audit", "check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let key = String::from_utf8(duban(&["audit", "key"]).stdout)
        .unwrap()
        .trim()
        .to_string();
    let file = dir.path().join("bundle.json");
    let out = duban(&[
        "audit",
        "export",
        "--scope",
        "/qs/qingshi",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let ok = duban(&["audit", "verify", file.to_str().unwrap(), "--key", &key]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("核验通过"));

    let mut bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let entries = bundle["entries"].as_array_mut().unwrap();
    assert!(entries.len() > 3);
    let index = entries[2]["index"].as_u64().unwrap();
    let event = entries[2]["event"]
        .as_str()
        .unwrap()
        .replacen("qingshi", "baisha", 1);
    entries[2]["event"] = json!(event);
    let forged = dir.path().join("forged.json");
    std::fs::write(&forged, serde_json::to_string(&bundle).unwrap()).unwrap();
    let bad = duban(&["audit", "verify", forged.to_str().unwrap(), "--key", &key]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains(&format!("entry {index}")), "{err}");
}
