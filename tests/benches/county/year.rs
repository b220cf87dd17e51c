//! The simulated year of a county through the commands, against issueAssignment.

use super::cpu::{cpu_now, cpu_split};
use super::events::{Events, PerCommand};
use super::report::*;
use duban_assignments::loadgen::CountySpec;
use duban_tests::TestApp;
use std::time::Instant;

/// The issueAssignment rate a year is read against.
pub(crate) struct Against {
    /// What was measured, as the row names it.
    pub what: String,
    /// Commands per second of its window.
    pub rate: f64,
    /// The same commands per second counted until their consumers settled, as the year
    /// is (from the rounds only).
    pub settled: Option<f64>,
    /// The events and deliveries an issued assignment carries.
    pub carries: PerCommand,
}

/// A year of a 20 × 24 county through the commands on a fast clock, the townships
/// working at once (one client each), then the wait until every service has handled its
/// events; compared with `single`, issueAssignment at 16 clients.
pub(crate) async fn simulated_year(
    app: &TestApp,
    report: &mut Report,
    section: &str,
    single: Option<Against>,
) {
    let sim = duban_assignments::simulation::Simulation {
        spec: CountySpec {
            prefix: "bsim".into(),
            townships: 20,
            offices: 24,
        },
        days: std::env::var("DUBAN_BENCH_SIM_DAYS")
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(365),
        issues_per_township_day: 3,
        seed: 1,
    };
    let events = Events::now(app).await;
    let (t0, cpu) = (Instant::now(), cpu_now());
    let (r, times) = duban_assignments::simulation::run_timed(&app.assignments, &sim)
        .await
        .unwrap();
    let commanded = t0.elapsed().as_secs_f64();
    let caught_up = (app.settle().await.unwrap() - t0).as_secs_f64();
    let rate = r.commands as f64 / caught_up;
    let cpu = cpu_split(cpu, r.commands as f64);
    let carries = Events::now(app).await.per(events, r.commands as f64);
    report.add(
        section,
        &format!(
            "simulated {} days of a 20 × 24 county through the commands, 20 townships at once ({} commands: {} issued, {} closed, {} red at the end), until every service caught up",
            sim.days, r.commands, r.issued, r.verified, r.open_overdue
        ),
        format!(
            "{rate:.0} commands/s ({caught_up:.0} s: the commands {commanded:.0} s, of which the directory {:.1} s, the mornings' ticks {:.1} s and the working days {:.1} s, in which the townships spent {:.0}% of their time done for the day, waiting for the last; catching up {:.0} s; CPU per command: {cpu}; {carries})",
            times.directory.as_secs_f64(),
            times.mornings.as_secs_f64(),
            times.working_days.as_secs_f64(),
            times.waiting_share * 100.0,
            caught_up - commanded
        ),
        single.map_or(String::new(), |Against { what, rate: s, settled, carries: per_issue }| {
            let alike = settled.map_or(String::new(), |u| {
                format!(
                    "; {}× its {u:.0}/s counted as the year is, until its consumers settled",
                    f2(rate / u)
                )
            });
            // The same rates counted in events: what each command carries differs.
            let by_event = format!(
                "; in events, {}× its (an issue carries {per_issue})",
                f2(rate * carries.events / (s * per_issue.events))
            );
            format!("{}× {what}{alike}{by_event}", f2(rate / s))
        }),
        "≥ 0.8 of issueAssignment at 16 clients",
    );
}
