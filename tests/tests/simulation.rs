//! The county simulation: a month of a small county through the commands on a fast clock
//! gives the same history for the same seed, and what it counted is what the gateway,
//! evaluation's colors and the inboxes show once every service has caught up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use duban_assignments::loadgen::CountySpec;
use duban_assignments::simulation::{self, Simulation, SimulationReport};
use duban_clock::{ManualClock, SharedClock};
use duban_tests::{count_rows, spawn_with_clock, test_config, TestApp};
use serde_json::json;
use std::sync::Arc;

fn month() -> Simulation {
    Simulation {
        spec: CountySpec {
            prefix: "sim".into(),
            townships: 2,
            offices: 5,
        },
        days: 30,
        issues_per_township_day: 3,
        seed: 7,
    }
}

/// A fresh embedded duban whose clock stands at Monday 20 April 2026, 17:00 in Shanghai.
async fn app() -> TestApp {
    let clock: SharedClock = Arc::new(ManualClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 4, 20, 9, 0, 0).unwrap(),
    ));
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        ..test_config()
    };
    spawn_with_clock(config, dir, clock).await.unwrap()
}

async fn total(app: &TestApp, token: &str, filter: serde_json::Value) -> i64 {
    let b = app
        .ask(
            token,
            "query($f: AssignmentFilter) { assignments(first: 1, filter: $f) { totalCount } }",
            json!({ "f": filter }),
        )
        .await;
    b["data"]["assignments"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{b}"))
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    count_rows(db, sql).await.unwrap()
}

#[actix_web::test]
async fn a_simulated_month_is_reproducible_and_every_service_agrees_with_it() {
    let sim = month();
    let first = app().await;
    let r: SimulationReport = simulation::run(&first.assignments, &sim).await.unwrap();
    let again = app().await;
    let started = std::time::Instant::now();
    let (repeated, times) = simulation::run_timed(&again.assignments, &sim)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(
        repeated, r,
        "the same seed on the same calendar gives the same month"
    );
    // Where the time went: parts of the whole, and the townships busy for part of it.
    assert!(
        times.directory + times.mornings + times.working_days <= took
            && times.working_days > std::time::Duration::ZERO
            && (0.0..1.0).contains(&times.waiting_share),
        "{times:?} of {took:?}"
    );

    // The 30 days up to Sunday 19 April, on the official calendar (清明 falls in them).
    let cal = duban_clock::workdays::Calendar::official();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 21).unwrap();
    let workdays = (0..30)
        .filter(|d| cal.is_workday(start + chrono::Days::new(*d)))
        .count();
    assert_eq!(r.working_days, workdays as u64, "{r:?}");
    assert_eq!(r.units, 2 * 6);
    assert_eq!(r.people, 2 + 2 * 5 * 2);
    assert_eq!(r.issued, r.working_days * 2 * 3);
    assert_eq!(r.verified + r.open, r.issued, "{r:?}");
    assert!(
        r.acknowledged <= r.issued && r.completed >= r.verified,
        "{r:?}"
    );
    // Lagging offices finish late and leave red cards; supervisors return some results.
    assert!(
        r.completed_late > 0 && r.open_overdue > 0 && r.returned > 0 && r.reminders > 0,
        "{r:?}"
    );

    // A prefix already simulated, an empty county or no days are refused before any change.
    let before = count(
        &first.databases.assignments,
        "SELECT count(*) FROM org_unit",
    )
    .await;
    let e = simulation::run(&first.assignments, &sim).await.unwrap_err();
    assert!(e.to_string().contains("前缀"), "{e}");
    let spec = CountySpec {
        prefix: "x".into(),
        ..sim.spec.clone()
    };
    for (field, bad) in [
        (
            "offices",
            Simulation {
                spec: CountySpec {
                    offices: 0,
                    ..spec.clone()
                },
                ..sim.clone()
            },
        ),
        (
            "townships",
            Simulation {
                spec: CountySpec {
                    townships: 0,
                    ..spec.clone()
                },
                ..sim.clone()
            },
        ),
        (
            "days",
            Simulation {
                spec: spec.clone(),
                days: 0,
                ..sim.clone()
            },
        ),
    ] {
        match simulation::run(&first.assignments, &bad).await {
            Err(duban_api::ApiError::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(
        count(
            &first.databases.assignments,
            "SELECT count(*) FROM org_unit"
        )
        .await,
        before
    );

    first.settle().await.unwrap();
    let (mut all, mut closed, mut red) = (0, 0, 0);
    for t in 0..sim.spec.townships {
        let sup = first.token(&sim.spec.supervisor(t)).await.unwrap();
        all += total(&first, &sup, json!({})).await;
        closed += total(&first, &sup, json!({"states": ["CLOSED"]})).await;
        red += total(&first, &sup, json!({"color": "RED"})).await;
    }
    assert_eq!(all as u64, r.issued);
    assert_eq!(closed as u64, r.verified);
    // The color filter (the assignments database, kept from evaluation's cards) shows
    // exactly the red cards evaluation holds; every open item past its limit is among them
    // (the county's default rules also show red for a 30-point lag or two returns).
    let mut held = 0;
    for t in 0..sim.spec.townships {
        held += count(
            &first.databases.evaluation,
            &format!(
                "SELECT count(*) FROM tracked_item WHERE kind = 'ASSIGNMENT' AND color = 'RED' \
                 AND (org_path LIKE '%/{t}' OR org_path LIKE '%/{t}/%')",
                t = sim.spec.township(t)
            ),
        )
        .await;
    }
    assert_eq!(red, held, "the filter's red cards are evaluation's");
    assert!(
        red as u64 >= r.open_overdue,
        "every overdue item is red: {red} < {}",
        r.open_overdue
    );

    // Every reminder the scheduler fired reached at least one simulated person's inbox as
    // a reminder (the demo county's own notices and the other kinds are not counted).
    let n = &first.databases.notifications;
    let reminded = count(
        n,
        "SELECT count(*) FROM notification WHERE recipient_id LIKE 'p-sim%' \
         AND kind IN ('DUE_SOON_REMINDER', 'OVERDUE_NOTICE')",
    )
    .await;
    assert!(
        r.reminders > 0 && reminded as u64 >= r.reminders,
        "{reminded} reminder notices, {r:?}"
    );
}
