//! Services share nothing but events: no service crate depends on another's, on the
//! gateway or on the HTTP layer; the call contracts depend on no service and no transport.
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

/// The names of a crate's `[dependencies]`.
fn dependencies(crate_dir: &str) -> Vec<String> {
    manifest(crate_dir)
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split(['.', ' ', '=']).next())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn services_use_the_contracts_never_the_http_layer_or_the_gateway() {
    for s in SERVICES {
        for d in dependencies(&format!("services/{s}")) {
            assert!(
                ![
                    "duban-rpc",
                    "duban-gateway",
                    "actix-web",
                    "reqwest",
                    "duban-transport"
                ]
                .contains(&d.as_str()),
                "services/{s} depends on {d}: a service implements the traits in duban-api \
                 and reaches the broker through duban-outbox"
            );
        }
    }
    for d in dependencies("services/api") {
        assert!(
            !d.starts_with("duban-") || ["duban-schema", "duban-auth"].contains(&d.as_str()),
            "the call contracts depend on {d}"
        );
        assert!(
            !["actix-web", "reqwest", "rdkafka", "sea-orm"].contains(&d.as_str()),
            "the call contracts depend on the transport {d}"
        );
    }
    for d in dependencies("services/gateway") {
        assert_ne!(
            d, "duban-rpc",
            "the gateway takes the traits; the binary picks the transport"
        );
    }
}

#[test]
fn the_contracts_crate_depends_only_on_serde_uuid_chrono_and_schemars() {
    for d in dependencies("schema") {
        let d = d.as_str();
        assert!(
            ["chrono", "schemars", "serde", "serde_json", "uuid"].contains(&d),
            "schema depends on {d}"
        );
    }
}
