//! The commands' targets read from alternating rounds at 16 clients: the floor they are
//! read against, issueAssignment and reportProgress in turn, each ratio taken within its
//! round and reported as the median and range of the rounds.

use super::cpu::{cpu_now, cpu_split};
use super::events::{Events, PerCommand};
use super::report::{f2, pct, Report};
use super::{floor, issue_rate, progress_rate, Opts, Phase};
use duban_tests::TestApp;

/// Median and range of `v`, as `median (low–high)` with `unit` after the median (the
/// upper of the two middle values when there are even many, as [`pct`] picks).
fn spread(v: &[f64], unit: &str) -> (f64, String) {
    let median = pct(v, 0.5);
    let (low, high) = (pct(v, 0.0), pct(v, 1.0));
    (
        median,
        format!("{}{unit} ({}–{})", f2(median), f2(low), f2(high)),
    )
}

/// The targets read from `opts.rounds` alternating rounds at 16 clients: the kept floor,
/// issueAssignment, reportProgress, each settled before the next, so that the machine's
/// drift over a run falls on a ratio's numerator and denominator alike; each ratio taken
/// within its round, reported as the median and range. Returns issueAssignment's median
/// rates.
pub(crate) async fn alternating(
    app: &TestApp,
    report: &mut Report,
    p: &Phase<'_>,
    floor: &floor::Running,
    name: &str,
    opts: &Opts,
) -> Rates {
    const C: usize = 16;
    let (mut floors, mut issues, mut progress) = (Vec::new(), Vec::new(), Vec::new());
    let (mut settled, mut carries) = (Vec::new(), Vec::new());
    for round in 0..opts.rounds {
        let (f, fv, fcpu) = floor.rate(C, opts.secs).await;
        let events = Events::now(app).await;
        let before = cpu_now();
        let (i, iv) = issue_rate(app, C, opts.secs, &format!("轮{round}-")).await;
        let ended = std::time::Instant::now();
        let behind = (app.settle().await.unwrap() - ended).as_secs_f64();
        let icpu = cpu_split(before, i * opts.secs);
        carries.push(Events::now(app).await.per(events, i * opts.secs));
        let before = cpu_now();
        let (r, rv) = progress_rate(app, C, opts.secs).await;
        app.settle().await.unwrap();
        let rcpu = cpu_split(before, r * opts.secs);
        let floor_p99 = pct(&fv, 0.99);
        floors.push((f, fcpu));
        issues.push((i, pct(&iv, 0.99) / floor_p99, icpu));
        settled.push(i * opts.secs / (opts.secs + behind));
        progress.push((r, pct(&rv, 0.99) / floor_p99, rcpu));
    }
    let floor_rate = spread(&floors.iter().map(|f| f.0).collect::<Vec<_>>(), "").0;
    let rounds = format!(
        "{} alternating rounds of {} s with {name} (each settled before the next)",
        opts.rounds, opts.secs
    );
    for (mutation, runs) in [
        (
            "issueAssignment",
            issues.iter().map(|i| (i.0, i.1)).collect::<Vec<_>>(),
        ),
        (
            "reportProgress",
            progress.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        ),
    ] {
        let rate = spread(&runs.iter().map(|r| r.0).collect::<Vec<_>>(), "").0;
        let (_, ratio) = spread(
            &runs
                .iter()
                .zip(&floors)
                .map(|(r, f)| r.0 / f.0)
                .collect::<Vec<_>>(),
            "",
        );
        let (_, p99) = spread(&runs.iter().map(|r| r.1).collect::<Vec<_>>(), "×");
        report.add(
            p.section,
            &format!("{mutation} through the gateway, {C} clients, {rounds}: medians (range)"),
            format!("{rate:.0}/s against {floor_rate:.0}/s"),
            format!("{ratio} of {name}, p99 {p99} its"),
            p.target,
        );
    }
    for (what, spent) in [
        ("issue", issues.iter().map(|i| i.2).collect::<Vec<_>>()),
        ("reportProgress", progress.iter().map(|r| r.2).collect()),
    ] {
        let cpu: Vec<f64> = spent
            .iter()
            .zip(&floors)
            .map(|(c, f)| c.total() / f.1.total())
            .collect();
        let (_, ratio) = spread(&cpu, "×");
        // A round at the median stands for where the time went.
        let mut order: Vec<usize> = (0..cpu.len()).collect();
        order.sort_by(|&a, &b| cpu[a].total_cmp(&cpu[b]));
        let mid = order[order.len() / 2];
        let (c, f) = (spent[mid], floors[mid].1);
        report.add(
            p.section,
            &format!("where the time goes at {C} clients ({what} and every consumer, settled), {rounds}: medians (range)"),
            format!("{c} in a median round, {name} {:.2} ms", f.total()),
            format!("{ratio} {name}"),
            p.cpu_target,
        );
    }
    Rates {
        window: spread(&issues.iter().map(|i| i.0).collect::<Vec<_>>(), "").0,
        settled: pct(&settled, 0.5),
        carries: PerCommand {
            events: pct(&carries.iter().map(|c| c.events).collect::<Vec<_>>(), 0.5),
            deliveries: pct(
                &carries.iter().map(|c| c.deliveries).collect::<Vec<_>>(),
                0.5,
            ),
        },
    }
}

/// issueAssignment's rates from the rounds, medians.
pub(crate) struct Rates {
    /// Commands per second of the window, as the targets read it.
    pub window: f64,
    /// The same commands per second of the window and the time after it until every
    /// consumer had handled their events: counted as the simulated year is.
    pub settled: f64,
    /// Events and deliveries per issued assignment, medians of the rounds.
    pub carries: PerCommand,
}
