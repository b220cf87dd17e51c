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
    // Notifications speaks HTTP outwards only: pushes to county platforms and robots
    // (`sender.rs`), never to another service of duban.
    let outward = |s: &str, d: &str| s == "notifications" && d == "reqwest";
    for s in SERVICES {
        for d in dependencies(&format!("services/{s}")) {
            if outward(s, &d) {
                continue;
            }
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
            !d.starts_with("duban-")
                || ["duban-schema", "duban-auth", "duban-api-macros"].contains(&d.as_str()),
            "the call contracts depend on {d}"
        );
        assert!(
            !["actix-web", "reqwest", "rdkafka", "sea-orm"].contains(&d.as_str()),
            "the call contracts depend on the transport {d}"
        );
    }
    for d in dependencies("services/api-macros") {
        assert!(
            ["proc-macro2", "quote", "syn"].contains(&d.as_str()),
            "the contracts' code generator depends on {d}"
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
fn the_contracts_crate_depends_only_on_serde_uuid_chrono_schemars_and_graphql_for_its_enums() {
    for d in dependencies("schema") {
        let d = d.as_str();
        assert!(
            [
                "chrono",
                "schemars",
                "serde",
                "serde_json",
                "uuid",
                "async-graphql",
                "duban-clock",
                "duban-api-macros"
            ]
            .contains(&d),
            "schema depends on {d}"
        );
    }
}

/// Every `.rs` file under `dir`, at any depth.
fn rust_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The modules of a crate (`a::b` names) and the modules each one names with `crate::`.
fn module_graph(src: &std::path::Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(src).unwrap().with_extension("");
            let name = rel.to_string_lossy().replace("/mod", "").replace('/', "::");
            (name, std::fs::read_to_string(f).unwrap())
        })
        .collect();
    let names: Vec<&str> = modules.iter().map(|(n, _)| n.as_str()).collect();
    modules
        .iter()
        .map(|(name, text)| {
            let mut deps: Vec<String> = text
                .split("crate::")
                .skip(1)
                .filter_map(|rest| {
                    let path: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_' || *c == ':')
                        .collect();
                    names
                        .iter()
                        .filter(|m| path == **m || path.starts_with(&format!("{m}::")))
                        .max_by_key(|m| m.len())
                        .map(|m| m.to_string())
                })
                .filter(|m| m != name)
                .collect();
            deps.sort();
            deps.dedup();
            (name.clone(), deps)
        })
        .collect()
}

/// No module of any crate reaches itself through the modules it names (sea-orm's
/// `Related` pairs between entities aside): each concern has one home.
#[test]
fn no_import_loop_inside_a_crate() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("services"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("src"))
        .collect();
    crates.push(root.join("schema/src"));
    for src in crates {
        let g = module_graph(&src);
        for start in g.keys() {
            let mut stack = vec![(start.clone(), vec![start.clone()])];
            let mut seen = std::collections::BTreeSet::new();
            while let Some((at, path)) = stack.pop() {
                for next in &g[&at] {
                    if next == start {
                        let entities = path.iter().all(|m| m.starts_with("entity"));
                        assert!(
                            entities,
                            "{}: {} → {start}",
                            src.display(),
                            path.join(" → ")
                        );
                    } else if seen.insert(next.clone()) {
                        let mut p = path.clone();
                        p.push(next.clone());
                        stack.push((next.clone(), p));
                    }
                }
            }
        }
    }
}

/// One home per concern, small enough to read: no source file of the workspace is over 800
/// lines.
#[test]
fn no_source_file_is_over_800_lines() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["services", "schema", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > 800).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by concern: {long:?}");
}
