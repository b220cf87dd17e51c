//! The distributed deployment as a new operator starts it: processes started together on
//! fresh databases, and commands besides `serve` and `migrate` that never migrate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::cluster::{duban_binary, free_ports, operator_env, SERVICES};
use duban_tests::{count_rows, fresh_database, kafka_brokers, TestApp};
use serde_json::json;
use std::process::{Command, Stdio};

fn duban(database: &str) -> Command {
    let mut c = Command::new(duban_binary().unwrap());
    c.envs(operator_env(database).unwrap())
        .env("DUBAN_LOG", "warn")
        .env_remove("DUBAN_DEMO")
        .env_remove("KAFKA_BROKERS")
        .stdin(Stdio::null());
    c
}

/// `duban token` on a database nobody migrated says so and changes nothing; four
/// `duban migrate` started at once all succeed, one at a time behind a lock.
#[actix_web::test]
async fn processes_started_together_migrate_one_at_a_time() {
    let database = fresh_database().await.unwrap();
    let early = duban(&database).args(["token", "--list"]).output().unwrap();
    assert!(!early.status.success());
    let err = String::from_utf8_lossy(&early.stderr);
    assert!(err.contains("duban migrate"), "{err}");
    let db = duban_outbox::db::connect(&database, "assignments")
        .await
        .unwrap();
    let tables = "SELECT COUNT(*) FROM information_schema.tables \
                  WHERE table_schema = 'duban_assignments'";
    assert_eq!(count_rows(&db, tables).await.unwrap(), 0, "token migrated");

    let racers: Vec<_> = (0..4)
        .map(|_| {
            duban(&database)
                .arg("migrate")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for racer in racers {
        let out = racer.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(count_rows(&db, tables).await.unwrap() > 5);
    let list = duban(&database).args(["token", "--list"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&list.stderr).contains("还没有人员"),
        "a migrated, empty directory: {}",
        String::from_utf8_lossy(&list.stderr)
    );
}

/// The shell blocks of deploy/README.md's "processes on one machine": what to start with
/// and how to stop.
fn deploy_readme_blocks() -> (String, String) {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/README.md"),
    )
    .unwrap();
    let section = doc
        .split("## Without Docker")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the section is there");
    let blocks: Vec<String> = section
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect();
    assert_eq!(blocks.len(), 2, "a start block and a stop block");
    (blocks[0].clone(), blocks[1].clone())
}

/// deploy/README.md's steps, run as written (the build, the local servers and the
/// ports aside), start a deployment that answers the county's first admin; its stop
/// line stops every process.
#[actix_web::test]
async fn the_deploy_readme_steps_start_a_working_deployment_and_stop_it() {
    let (start, stop) = deploy_readme_blocks();
    let database = fresh_database().await.unwrap();
    let base = free_ports(5).unwrap();
    let mut script = String::from("set -euo pipefail\n");
    for line in start.lines() {
        if line.starts_with("cargo build") {
            continue;
        } else if line.starts_with("eval \"$(deploy/local/servers.sh start)\"") {
            script += &format!(
                "export DATABASE_URL={database} KAFKA_BROKERS={} DUBAN_KAFKA_NAMESPACE=doc{}.\n",
                kafka_brokers(),
                uuid::Uuid::now_v7().simple()
            );
        } else if line.starts_with("B=") {
            script += &format!("B={}\n", duban_binary().unwrap().display());
        } else {
            script += line;
            script += "\n";
        }
    }
    for i in 0..5u16 {
        let doc_port = format!("127.0.0.1:{}", 8080 + i);
        assert!(script.contains(&doc_port), "{doc_port} in the doc");
        script = script.replace(&doc_port, &format!("127.0.0.1:{}", base + i));
    }
    let dir = tempfile::tempdir().unwrap();
    let _reaper = Reaper(dir.path().to_path_buf());
    let mut bash = Command::new("timeout");
    bash.args(["180", "bash", "-c", &script])
        .current_dir(dir.path())
        .stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("DUBAN_") || k == "DATABASE_URL" || k == "KAFKA_BROKERS" {
            bash.env_remove(k);
        }
    }
    let out = bash.output().unwrap();
    let logs = |dir: &std::path::Path| {
        SERVICES
            .iter()
            .map(|s| {
                let log = std::fs::read_to_string(dir.join(format!("run/{s}.log")));
                format!("--- {s}\n{}", log.unwrap_or_default())
            })
            .collect::<String>()
    };
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        logs(dir.path())
    );
    let token = std::fs::read_to_string(dir.path().join("run/token")).unwrap();
    let app = TestApp::remote(&format!("http://127.0.0.1:{base}"), &database)
        .await
        .unwrap();
    let me = app
        .gql(Some(token.trim()), "{ me { personId name } }", json!({}))
        .await
        .unwrap();
    assert_eq!(me["data"]["me"]["name"], "王管理", "{me}");
    let pids: Vec<String> = SERVICES
        .iter()
        .map(|s| std::fs::read_to_string(dir.path().join(format!("run/{s}.pid"))).unwrap())
        .collect();
    let stopped = Command::new("bash")
        .args(["-c", &stop])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(stopped.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    for pid in pids {
        let pid = pid.trim();
        while std::path::Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "process {pid} still running\n{}",
                logs(dir.path())
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// Kills what the doc's steps started, whatever the test's outcome.
struct Reaper(std::path::PathBuf);

impl Drop for Reaper {
    fn drop(&mut self) {
        for s in SERVICES {
            if let Ok(pid) = std::fs::read_to_string(self.0.join(format!("run/{s}.pid"))) {
                let _ = Command::new("kill").args(["-9", pid.trim()]).status();
            }
        }
    }
}
