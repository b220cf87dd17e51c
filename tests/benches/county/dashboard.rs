//! The dashboard in headless Chromium over the generated county: what its first load
//! transfers (Resource Timing) and how long a reopened page takes to a drawn county board
//! (from navigation start to the board's `board-drawn` mark), as a browser measures it.

use crate::report::*;
use duban_tests::browser::Browser;
use duban_tests::TestApp;

const TRANSFERRED: &str = "return performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .reduce((n, e) => n + (e.transferSize || 0), 0);";

/// Signs the county supervisor in through the page, then reloads it five times.
pub(crate) async fn first_board(app: &TestApp, report: &mut Report, section: &str, items: usize) {
    let b = match Browser::start(1280, 900).await {
        Ok(b) => b,
        Err(e) => panic!("the dashboard bench needs Chromium: {e}"),
    };
    let initial = app
        .assignments
        .initial_passwords(&["county-supervisor"])
        .await
        .unwrap()
        .remove(0)
        .password;
    b.client.goto(&format!("{}/login", app.url)).await.unwrap();
    b.wait_for("#account").await.unwrap();
    b.fill("#account", "county-supervisor").await.unwrap();
    b.fill("#password", &initial).await.unwrap();
    b.click("#login-submit").await.unwrap();
    b.fill("#new-password", "Qingshi2026").await.unwrap();
    b.fill("#new-password-again", "Qingshi2026").await.unwrap();
    b.click("#change-submit").await.unwrap();
    b.wait_until("performance.getEntriesByName('board-drawn').length")
        .await
        .unwrap();
    // Signing in changes the page, not the document: every byte since the navigation.
    let first_bytes = b
        .client
        .execute(TRANSFERRED, vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or(0.0);
    let mut drawn = Vec::new();
    for _ in 0..5 {
        b.client.refresh().await.unwrap();
        let at = b
            .wait_until("performance.getEntriesByName('board-drawn')[0]?.startTime")
            .await
            .unwrap();
        drawn.push(at.as_f64().unwrap_or(f64::NAN));
    }
    b.close().await.unwrap();
    report.add(
        section,
        "dashboard first load in a new browser profile (sign-in page, then the board): bytes transferred",
        format!("{:.0} KiB", first_bytes / 1024.0),
        format!("{}× the budget", f2(first_bytes / (1.5 * 1024.0 * 1024.0))),
        "≤ 1.5 MB",
    );
    report.add(
        section,
        &format!("dashboard reopened to a drawn county board (Navigation Timing → mark), {items} items, 5 loads: p50 / max"),
        format!("{} / {} ms", f1(pct(&drawn, 0.5)), f1(pct(&drawn, 1.0))),
        String::new(),
        "≤ 1 s",
    );
}
