//! No Docker engine runs here, so the deployment files are checked as data: they
//! parse, name every service, and set every variable the binary needs, using only
//! variable names the binary actually reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use yaml_rust2::{Yaml, YamlLoader};

const DUBAN_SERVICES: [&str; 5] = [
    "assignments",
    "evaluation",
    "notifications",
    "audit",
    "gateway",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Applies YAML merge keys (`<<: *anchor`), which the parser leaves as plain keys.
fn merged(y: &Yaml) -> Yaml {
    match y {
        Yaml::Hash(h) => {
            let mut out = yaml_rust2::yaml::Hash::new();
            if let Some(base) = h.get(&Yaml::String("<<".into())) {
                if let Yaml::Hash(b) = merged(base) {
                    out.extend(b);
                }
            }
            for (k, v) in h {
                if k.as_str() != Some("<<") {
                    out.insert(k.clone(), merged(v));
                }
            }
            Yaml::Hash(out)
        }
        Yaml::Array(a) => Yaml::Array(a.iter().map(merged).collect()),
        other => other.clone(),
    }
}

/// Every environment variable the `duban` binary reads.
fn binary_env() -> BTreeSet<String> {
    duban::cli::Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()))
        .collect()
}

/// The keys every duban process is refused without, outside a demo.
const SECRETS: [&str; 3] = [
    "DUBAN_JWT_SECRET",
    "DUBAN_AUDIT_SIGNING_KEY",
    "DUBAN_SERVICE_KEY",
];

fn required(service: &str) -> Vec<&'static str> {
    let mut v = vec!["DATABASE_URL", "KAFKA_BROKERS", "DUBAN_LISTEN"];
    if service == "gateway" {
        v = vec![
            "DUBAN_LISTEN",
            "DUBAN_JWT_SECRET",
            "DUBAN_ASSIGNMENTS_URL",
            "DUBAN_EVALUATION_URL",
            "DUBAN_NOTIFICATIONS_URL",
            "DUBAN_AUDIT_URL",
        ];
    }
    v.extend(SECRETS);
    v
}

#[test]
fn docker_compose_runs_every_service_with_what_it_needs() {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    let doc = merged(&YamlLoader::load_from_str(&text).unwrap()[0]);
    let services = &doc["services"];
    let known = binary_env();
    for infra in ["postgres", "kafka"] {
        assert!(!services[infra].is_badvalue(), "compose lacks {infra}");
        assert!(
            !services[infra]["healthcheck"].is_badvalue(),
            "{infra} has no health check"
        );
    }
    for s in DUBAN_SERVICES {
        let svc = &services[s];
        assert!(!svc.is_badvalue(), "compose lacks {s}");
        let cmd: Vec<_> = svc["command"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(cmd, ["serve", s]);
        let env: BTreeMap<_, _> = svc["environment"]
            .as_hash()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().to_string(), v.clone()))
            .collect();
        for r in required(s) {
            assert!(env.contains_key(r), "{s} lacks {r}");
        }
        for k in env.keys() {
            assert!(known.contains(k), "{s} sets {k}, which duban does not read");
        }
        for k in SECRETS {
            let v = env[k].as_str().unwrap_or_default();
            assert!(
                v.starts_with(&format!("${{{k}:?")),
                "{s}: {k} must come from the operator, with no default: {v}"
            );
        }
        assert!(
            !svc["healthcheck"].is_badvalue() && !svc["depends_on"].is_badvalue(),
            "{s}: health and order"
        );
    }
    assert_eq!(services["gateway"]["ports"][0].as_str(), Some("8080:8080"));
}

#[test]
fn kubernetes_manifests_deploy_every_service_with_what_it_needs() {
    let text = std::fs::read_to_string(root().join("deploy/k8s/duban.yaml")).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let known = binary_env();
    let mut provided = BTreeSet::new();
    for d in &docs {
        if matches!(d["kind"].as_str(), Some("ConfigMap")) {
            provided.extend(
                d["data"]
                    .as_hash()
                    .unwrap()
                    .keys()
                    .map(|k| k.as_str().unwrap().to_string()),
            );
        }
        assert_ne!(
            d["kind"].as_str(),
            Some("Secret"),
            "the manifests must not ship secret values; the operator creates the Secret"
        );
    }
    // The operator's Secret holds what the header's `kubectl create secret` line names.
    for line in text.lines().filter(|l| l.contains("--from-literal=")) {
        let name = line.split("--from-literal=").nth(1).unwrap();
        provided.insert(name.split('=').next().unwrap().to_string());
    }
    for k in SECRETS {
        assert!(provided.contains(k), "the operator's Secret lacks {k}");
    }
    // Replicas of every service, and a disruption budget that keeps one of each up.
    for s in [
        "assignments",
        "evaluation",
        "notifications",
        "audit",
        "gateway",
    ] {
        let of = |kind: &str| {
            docs.iter()
                .find(|d| {
                    d["kind"].as_str() == Some(kind)
                        && d["metadata"]["name"].as_str() == Some(&format!("duban-{s}"))
                })
                .unwrap_or_else(|| panic!("no {kind} for {s}"))
        };
        let replicas = of("Deployment")["spec"]["replicas"].as_i64().unwrap();
        assert!(replicas >= 2, "{s}: {replicas} replica(s)");
        let pdb = of("PodDisruptionBudget");
        assert_eq!(pdb["spec"]["minAvailable"].as_i64(), Some(1), "{s}");
        assert_eq!(
            pdb["spec"]["selector"]["matchLabels"]["service"].as_str(),
            Some(s)
        );
    }
    let policy = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("NetworkPolicy"))
        .expect("a NetworkPolicy keeps the services' internal API to the gateway");
    let selected = format!("{:?}", policy["spec"]["podSelector"]);
    for s in ["assignments", "evaluation", "notifications", "audit"] {
        assert!(selected.contains(s), "the policy does not cover {s}");
    }
    assert!(!selected.contains("gateway"), "the gateway stays reachable");
    assert_eq!(
        policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["service"].as_str(),
        Some("gateway")
    );
    for k in &provided {
        assert!(
            known.contains(k),
            "the manifests set {k}, which duban does not read"
        );
    }
    for s in DUBAN_SERVICES {
        let dep = docs
            .iter()
            .find(|d| {
                d["kind"].as_str() == Some("Deployment")
                    && d["metadata"]["name"].as_str() == Some(&format!("duban-{s}"))
            })
            .unwrap_or_else(|| panic!("no Deployment for {s}"));
        let c = &dep["spec"]["template"]["spec"]["containers"][0];
        let secret_ref = &c["envFrom"][1]["secretRef"];
        assert_eq!(secret_ref["name"].as_str(), Some("duban"), "{s}");
        assert!(
            secret_ref["optional"].is_badvalue(),
            "{s} must not start without its secrets"
        );
        let args: Vec<_> = c["args"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(args, ["serve", s]);
        assert_eq!(
            c["readinessProbe"]["httpGet"]["path"].as_str(),
            Some("/readyz")
        );
        assert_eq!(
            c["livenessProbe"]["httpGet"]["path"].as_str(),
            Some("/healthz")
        );
        for r in required(s) {
            assert!(provided.contains(r), "{s} lacks {r}");
        }
        assert!(
            docs.iter().any(|d| d["kind"].as_str() == Some("Service")
                && d["metadata"]["name"].as_str() == Some(&format!("duban-{s}"))),
            "no Service for {s}"
        );
    }
}

/// Every environment variable the binary reads is documented for the operator.
#[test]
fn every_setting_the_binary_reads_is_in_the_operator_doc() {
    let doc = std::fs::read_to_string(root().join("deploy/README.md")).unwrap();
    let services = ["ASSIGNMENTS", "EVALUATION", "NOTIFICATIONS", "AUDIT"];
    for var in binary_env() {
        let grouped = services.iter().any(|s| var == format!("DUBAN_{s}_URL"))
            && doc.contains("DUBAN_{ASSIGNMENTS,EVALUATION,NOTIFICATIONS,AUDIT}_URL");
        assert!(
            doc.contains(&format!("`{var}`")) || grouped,
            "{var} is not in deploy/README.md"
        );
    }
}
