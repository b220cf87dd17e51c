//! The `duban` binary as a newcomer runs it: `duban serve` on SQLite files, tokens from
//! `duban token`, SIGTERM with events still in flight (after a restart every event has
//! reached every consumer) and with a request in hand (it is answered), and `duban simulate`
//! before `duban serve`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::cluster::{duban_binary, free_port, sigterm};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: std::process::Child,
    url: String,
}

fn command(dir: &std::path::Path, port: u16) -> Command {
    let mut c = Command::new(duban_binary().unwrap());
    c.env("DUBAN_DATA_DIR", dir)
        .env("DUBAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("DUBAN_LOG", "warn")
        .env_remove("DUBAN_JWT_SECRET")
        .env_remove("DUBAN_AUDIT_SIGNING_KEY")
        .env_remove("DUBAN_SERVICE_KEY")
        .env_remove("DUBAN_DEMO")
        .env_remove("DATABASE_URL")
        .env_remove("KAFKA_BROKERS")
        .stdin(Stdio::null());
    c
}

async fn start(dir: &std::path::Path, port: u16) -> Server {
    let child = command(dir, port)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = awc::Client::default()
            .get(format!("{url}/readyz"))
            .send()
            .await
        {
            if r.status().is_success() {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "duban serve not ready within 60 s"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, url }
}

fn token(dir: &std::path::Path, port: u16, account: &str) -> String {
    let out = command(dir, port)
        .args(["token", "--person", account])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn gql(url: &str, token: &str, query: &str, variables: Value) -> Value {
    let mut resp = awc::Client::default()
        .post(format!("{url}/graphql"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send_json(&json!({"query": query, "variables": variables}))
        .await
        .unwrap();
    resp.json().limit(10 << 20).await.unwrap()
}

/// How `child` exited, within 30 s.
async fn exit_status(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "no exit within 30 s of SIGTERM");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn sigterm_with_events_in_flight_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    let server = start(dir.path(), port).await;
    // No key was given: the first start made its own and keeps them for its owner only.
    let kept = dir.path().join("secrets.toml");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&kept).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "{}", kept.display());
    let sup = token(dir.path(), port, "county-supervisor");
    let list = command(dir.path(), port)
        .args(["token", "--list"])
        .output()
        .unwrap();
    let lines = String::from_utf8(list.stdout).unwrap();
    assert!(
        lines.lines().any(|l| l.split('\t').collect::<Vec<_>>()
            == ["p-county-supervisor", "王建国", "/qs/qs-dcs", "SUPERVISOR"]),
        "{lines}"
    );

    let mut ids = Vec::new();
    for i in 0..20 {
        let body = gql(
            &server.url,
            &sup,
            "mutation($i: IssueAssignmentInput!) { issueAssignment(input: $i) { assignment { id } } }",
            json!({"i": {"title": format!("停机测试{i}"), "leadUnitId": "baisha-dzb", "timeLimitDays": 5}}),
        )
        .await;
        ids.push(
            body["data"]["issueAssignment"]["assignment"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut child = server.child;
    sigterm(&child).unwrap();
    let status = exit_status(&mut child).await;
    assert!(status.success(), "{status:?}");

    let again = start(dir.path(), port).await;
    let dis = token(dir.path(), port, "county-discipline");
    let leader = token(dir.path(), port, "baisha-leader");
    for id in &ids {
        let audit = gql(
            &again.url,
            &dis,
            "query($id: ID!) { auditEntries(filter: {aggregateId: $id}) { edges { node { eventType } } } }",
            json!({"id": id}),
        )
        .await;
        let issued = duban_tests::audit_entries_of(&audit, "AssignmentIssued");
        assert_eq!(issued, 1, "audit for {id}: {audit}");
    }
    let inbox = gql(
        &again.url,
        &leader,
        "{ myNotifications(first: 100) { edges { node { assignmentId } } } }",
        json!({}),
    )
    .await;
    duban_tests::assert_one_notice_each(&inbox, &ids);
    let mut child = again.child;
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}

/// SIGTERM while a request is still arriving: the process answers the request in hand
/// before it exits (the ten seconds `wiring::serve!` gives it).
#[actix_web::test]
async fn sigterm_answers_the_request_in_hand() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    let server = start(dir.path(), port).await;
    let sup = token(dir.path(), port, "county-supervisor");
    let body = json!({"query": "{ __typename }"}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {sup}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(first.as_bytes()).unwrap();
    let mut child = server.child;
    sigterm(&child).unwrap();
    // The stop has begun, and actix-web has looked at the connections in hand at least once
    // (each second): the request's second half comes after that.
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited with a request in hand"
    );
    conn.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    let read = conn.read_to_string(&mut answer);
    assert!(read.is_ok(), "{read:?} after {answer:?}");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""__typename":"#), "{answer}");
    let status = exit_status(&mut child).await;
    assert!(status.success(), "{status:?}");
}

#[actix_web::test]
async fn simulate_then_serve_shows_the_simulated_county() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    let out = command(dir.path(), port)
        .args([
            "simulate",
            "--townships",
            "1",
            "--offices",
            "3",
            "--days",
            "10",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 「交办 N 项」: the number the summary reports is what the township's ledger lists.
    let issued: i64 = stdout
        .split("交办 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of issued items in {stdout}"));
    assert!(issued > 0, "{stdout}");
    assert!(stdout.contains("已全部处理"), "{stdout}");
    let server = start(dir.path(), port).await;
    let sup = token(dir.path(), port, "sim-t01-sup");
    let b = gql(
        &server.url,
        &sup,
        "{ assignments(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(b["data"]["assignments"]["totalCount"], json!(issued), "{b}");
    let mut child = server.child;
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}

/// Outside an explicit demo, duban does not start with a built-in, missing or short key.
#[test]
fn outside_a_demo_built_in_missing_or_short_keys_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    let good = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let refusal = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = command(dir.path(), port);
        c.args(args)
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(!out.status.success(), "{args:?} {env:?} started");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = refusal(&["serve"], &[]);
    assert!(e.contains("DUBAN_JWT_SECRET"), "{e}");
    let e = refusal(
        &["serve"],
        &[("DUBAN_JWT_SECRET", "duban-dev-secret-change-me")],
    );
    assert!(e.contains("built-in development key"), "{e}");
    let e = refusal(&["serve"], &[("DUBAN_JWT_SECRET", "short-but-16-bytes!")]);
    assert!(e.contains("at least 32 bytes"), "{e}");
    let e = refusal(&["serve"], &[("DUBAN_JWT_SECRET", good)]);
    assert!(e.contains("DUBAN_AUDIT_SIGNING_KEY"), "{e}");
    let e = refusal(
        &["serve", "assignments"],
        &[
            ("DUBAN_JWT_SECRET", good),
            ("DUBAN_AUDIT_SIGNING_KEY", good),
        ],
    );
    assert!(e.contains("DUBAN_SERVICE_KEY"), "{e}");
    // An explicit demo gets past the keys and fails only at the unreachable database.
    let e = refusal(&["serve"], &[("DUBAN_DEMO", "true")]);
    assert!(
        !e.contains("DUBAN_JWT_SECRET") && e.contains("database"),
        "{e}"
    );
}

/// A new county is the installation operator's, on the server: `duban county add`, on a
/// database `duban migrate` prepared (no other command migrates), with its first admin.
#[test]
fn the_operator_registers_a_county_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    let run = |args: &[&str]| command(dir.path(), port).args(args).output().unwrap();
    let add = |id: &str, admin: &str| {
        run(&[
            "county",
            "add",
            "--id",
            id,
            "--name",
            "青山县",
            "--division-code",
            "330999",
            "--admin",
            admin,
            "--admin-name",
            "王管理",
        ])
    };
    let early = add("qingshan", "qs-admin");
    assert!(!early.status.success(), "an unmigrated database is refused");
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("duban migrate"),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );
    assert!(run(&["migrate"]).status.success());
    let out = add("qingshan", "qs-admin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("/qingshan"));
    let again = add("qingshan", "qs-admin2");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("已存在"));
    let list = run(&["token", "--list"]);
    let people = String::from_utf8_lossy(&list.stdout);
    assert!(
        people.contains("qs-admin\t王管理\t/qingshan\tADMIN"),
        "{people}"
    );
    assert!(!people.contains("qs-admin2"), "{people}");
    assert!(run(&["token", "--person", "qs-admin"]).status.success());
}

/// A command's output is its answer: no migration steps, no colour codes in a log file.
#[test]
fn commands_print_no_migration_steps_and_no_colour_codes_into_files() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    for args in [["migrate", ""], ["token", "--list"]] {
        let out = command(dir.path(), port)
            .env("DUBAN_LOG", "info")
            .args(args.iter().filter(|a| !a.is_empty()))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("Applying migration"), "{err}");
        assert!(!err.contains('\u{1b}'), "colour codes in a file: {err}");
    }
}

/// The README's five-minute walkthrough, every shell block as written (the binary for
/// `cargo run --release -q --` and the test's port for 8080 aside), against `duban serve`
/// on its first start: each step answers as the README says it does.
#[actix_web::test]
async fn the_readme_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    let section = readme
        .split("## A five-minute walkthrough")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the walkthrough is there");
    let blocks: Vec<&str> = section
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 9, "{} blocks", blocks.len());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    let server = start(dir.path(), port).await;
    let work = tempfile::tempdir().unwrap();
    let mut script = String::from("set -euo pipefail\n");
    for b in &blocks {
        // A reader takes a moment between steps; the events of one reach the inboxes.
        script += b;
        script += "sleep 0.5\n";
    }
    let script = script
        .replace("cargo run --release -q --", "\"$DUBAN\"")
        .replace("http://127.0.0.1:8080", &server.url);
    let mut bash = Command::new("bash");
    bash.args(["-c", &script])
        .current_dir(work.path())
        .env("DUBAN", duban_binary().unwrap())
        .env("DUBAN_DATA_DIR", dir.path())
        .env("DUBAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("DUBAN_LOG", "warn")
        .stdin(Stdio::null());
    for k in [
        "DATABASE_URL",
        "KAFKA_BROKERS",
        "DUBAN_DEMO",
        "DUBAN_JWT_SECRET",
    ] {
        bash.env_remove(k);
    }
    let out = bash.output().unwrap();
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    for expected in [
        "county-supervisor",    // 1. who is there
        "\"state\":\"ISSUED\"", // 3. issued
        "督办通知",             // 4. the notice
        "已召开部署会",         // 6. progress seen by the supervisor
        "NOT_FOUND",            // 7. scopes and errors, as the text says
        "VERSION_CONFLICT",
        "ILLEGAL_TRANSITION",
        "缺少身份令牌",
        "AssignmentIssued", // 8. the trail
        "核验通过",         // 8b. proofs
        "审计日志完好",
        "\"stateLabel\":\"已销号\"", // 8c. the ledger
        "\"imported\":[]",           // 8d. the export imported again writes nothing
        "\"unchanged\":[\"",
    ] {
        assert!(said.contains(expected), "{expected} missing from:\n{said}");
    }
    let mut child = server.child;
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}
