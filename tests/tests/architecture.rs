//! Services share nothing but events: no service crate depends on another's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

const SERVICES: [&str; 4] = ["assignments", "evaluation", "notifications", "audit"];

fn manifest(crate_dir: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(crate_dir).join("Cargo.toml")).unwrap()
}

#[test]
fn no_service_depends_on_another_service_and_the_gateway_on_none() {
    for s in SERVICES {
        let m = manifest(&format!("services/{s}"));
        for other in SERVICES.iter().filter(|o| **o != s) {
            assert!(
                !m.contains(&format!("duban-{other}")),
                "services/{s} depends on duban-{other}: services talk only through events"
            );
        }
    }
    let gateway = manifest("services/gateway");
    for s in SERVICES {
        assert!(
            !gateway.contains(&format!("duban-{s}")),
            "the gateway depends on duban-{s}: it must use the client traits in duban-api"
        );
    }
}

#[test]
fn the_contracts_crate_depends_only_on_serde_uuid_chrono_and_schemars() {
    let m = manifest("schema");
    let deps: Vec<_> = m
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split(['.', ' ', '=']).next())
        .filter(|n| !n.is_empty())
        .collect();
    for d in deps {
        assert!(
            ["chrono", "schemars", "serde", "serde_json", "uuid"].contains(&d),
            "schema depends on {d}"
        );
    }
}
