//! The 196 published RFC 6962 inclusion and consistency vectors (transparency-dev/merkle,
//! in `../shared/testdata/rfc6962/`): accept every `wantErr: false`, reject every `wantErr: true`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use duban_audit::merkle::{verify_consistency, verify_inclusion, HashAlg};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn vectors_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/rfc6962");
    assert!(
        dir.is_dir(),
        "test vectors missing at {}: shared/ must sit beside the repository",
        dir.display()
    );
    dir
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn b64(v: &Value) -> Vec<u8> {
    match v.as_str() {
        Some(s) => base64::engine::general_purpose::STANDARD.decode(s).unwrap(),
        None => Vec::new(),
    }
}

fn proof(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .map(|a| a.iter().map(b64).collect())
        .unwrap_or_default()
}

fn run(kind: &str) -> (usize, usize) {
    let mut paths = Vec::new();
    files(&vectors_dir().join(kind), &mut paths);
    paths.sort();
    let (mut accepted, mut rejected) = (0, 0);
    for p in &paths {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let result = if kind == "inclusion" {
            verify_inclusion(
                HashAlg::Sha256,
                v["leafIdx"].as_u64().unwrap(),
                v["treeSize"].as_u64().unwrap(),
                &b64(&v["leafHash"]),
                &proof(&v["proof"]),
                &b64(&v["root"]),
            )
        } else {
            verify_consistency(
                HashAlg::Sha256,
                v["size1"].as_u64().unwrap(),
                v["size2"].as_u64().unwrap(),
                &b64(&v["root1"]),
                &b64(&v["root2"]),
                &proof(&v["proof"]),
            )
        };
        let want_err = v["wantErr"].as_bool().unwrap();
        assert_eq!(
            result.is_err(),
            want_err,
            "{}: {:?} ({})",
            p.display(),
            result,
            v["desc"]
        );
        if want_err {
            rejected += 1
        } else {
            accepted += 1
        }
    }
    (accepted, rejected)
}

#[test]
fn every_inclusion_vector_is_judged_as_published() {
    let (ok, bad) = run("inclusion");
    assert_eq!(ok + bad, 98, "98 inclusion cases");
    assert!(ok > 0 && bad > 0);
}

#[test]
fn every_consistency_vector_is_judged_as_published() {
    let (ok, bad) = run("consistency");
    assert_eq!(ok + bad, 98, "98 consistency cases");
    assert!(ok > 0 && bad > 0);
}
