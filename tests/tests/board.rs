//! The board on the demo county: each township's figures, from evaluation's running
//! tallies, checked figure by figure against counts made directly from the assignments'
//! own tables, on the day the county starts and after ten days on the clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::at_nine;
use duban_tests::scenarios::{board_matches_the_tables as check, BOARD};
use serde_json::json;

#[actix_web::test]
async fn the_board_agrees_with_the_tables_figure_by_figure() {
    let (clock, app) = at_nine(2026, 3, 9).await;
    let sup = app
        .token_with_ttl("county-supervisor", 31 * 86_400)
        .await
        .unwrap();
    app.settle().await.unwrap();
    // The first tick makes 9 March the day the live figures stand for.
    app.color_tick().await.unwrap();
    let first_day = check(&app, &sup, "2026-03-09").await;

    // Ten days on: limits pass, cards change, and the tallies follow.
    clock.advance(chrono::Duration::days(10));
    app.color_tick().await.unwrap();
    let b = check(&app, &sup, "2026-03-19").await;
    let rows = b["data"]["board"]["rows"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["overdue"].as_i64() > Some(0)),
        "some township has overdue items by now: {b}"
    );
    // Ranked by overdue items, most first, a tie one place (中国式排名).
    let mut last = (i64::MAX, 0);
    for r in rows {
        let (overdue, rank) = (r["overdue"].as_i64().unwrap(), r["rank"].as_i64().unwrap());
        assert!(overdue <= last.0, "{b}");
        let expected = if overdue == last.0 {
            last.1
        } else {
            last.1 + 1
        };
        assert_eq!(rank, expected, "{b}");
        last = (overdue, rank);
    }

    // As of 9 March, the board is what it was that day: kept as the day closed, before
    // the next tick judged anything. The days between were closed one by one as the tick
    // caught up; a day to come has no board, and one before the first event an empty one.
    let then = app
        .ask(
            &sup,
            BOARD,
            json!({"by": "OVERDUE", "r": "DENSE", "d": "2026-03-09"}),
        )
        .await;
    assert_eq!(then["data"], first_day["data"], "{then}");
    let on = |d: &'static str| {
        app.gql(
            Some(&sup),
            BOARD,
            json!({"by": "OVERDUE", "r": "DENSE", "d": d}),
        )
    };
    let between = on("2026-03-12").await.unwrap();
    assert!(between["errors"].is_null(), "{between}");
    let to_come = on("2026-03-20").await.unwrap();
    assert_eq!(
        to_come["errors"][0]["extensions"]["field"], "asOf",
        "{to_come}"
    );
    let long_ago = on("2025-01-01").await.unwrap();
    assert_eq!(
        long_ago["data"]["board"]["total"]["issued"], 0,
        "{long_ago}"
    );
    app.shutdown().await.unwrap();
}

/// Text messages on `conn` within `wait`.
async fn messages_within(
    conn: &mut actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
    wait: std::time::Duration,
) -> Vec<serde_json::Value> {
    use futures::StreamExt;
    let until = tokio::time::Instant::now() + wait;
    let mut out = Vec::new();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(until, conn.next()).await {
        if let awc::ws::Frame::Text(b) = frame {
            out.push(serde_json::from_slice(&b).unwrap());
        }
    }
    out
}

#[actix_web::test]
async fn a_board_hears_of_its_own_changes_at_most_once_a_second() {
    let (_clock, app) = at_nine(2026, 3, 9).await;
    let sup = app.token("county-supervisor").await.unwrap();
    app.settle().await.unwrap();
    // Nothing is due to be judged again today: only the issues below move figures.
    app.color_tick().await.unwrap();
    let mut conn = duban_tests::scenarios::subscribe(
        &app,
        &sup,
        "subscription { boardChanged(scope: \"qingshi\") { scope } }",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let issue = |unit: &'static str, n: usize| {
        let (app, sup) = (&app, &sup);
        async move {
            let input = json!({"input": {"title": format!("看板测试{n}"), "leadUnitId": unit, "timeLimitDays": 5}});
            let b = app
                .gql(Some(sup), duban_tests::scenarios::ISSUE, input)
                .await
                .unwrap();
            assert!(b["errors"].is_null(), "{b}");
        }
    };

    // Another township's change is not this board's.
    issue("baisha-dzb", 0).await;
    app.settle().await.unwrap();
    let heard = messages_within(&mut conn, std::time::Duration::from_millis(1500)).await;
    assert!(heard.is_empty(), "{heard:?}");

    // One under the scope is heard.
    issue("qingshi-dzb", 1).await;
    let heard = duban_tests::scenarios::next_text(&mut conn).await;
    assert_eq!(
        heard["payload"]["data"]["boardChanged"]["scope"], "qingshi",
        "{heard}"
    );

    // Six at once are heard together: at most once a second.
    for n in 2..8 {
        issue("qingshi-dzb", n).await;
    }
    app.settle().await.unwrap();
    let heard = messages_within(&mut conn, std::time::Duration::from_millis(2500)).await;
    assert!((1..=3).contains(&heard.len()), "{heard:?}");
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_clerk_or_leader_reads_the_board_of_their_own_scope_and_none_above_it() {
    let app = duban_tests::spawn_app().await.unwrap();
    app.settle().await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let own = app
        .read(&clerk, "{ board { total { unit { id } } } }")
        .await;
    assert_eq!(
        own["data"]["board"]["total"]["unit"]["id"], "qingshi-dzb",
        "the default scope is the top of the caller's own: {own}"
    );
    // A scope above the caller's is refused by the directory itself, as a bad argument.
    let above = app.read(&clerk, "{ board(scope: \"qs\") { to } }").await;
    assert!(above["data"].is_null(), "{above}");
    assert_eq!(
        duban_tests::error_code(&above),
        Some("VALIDATION"),
        "{above}"
    );
    assert_eq!(
        above["errors"][0]["extensions"]["field"], "scope",
        "{above}"
    );
    let unknown = app
        .read(&clerk, "{ board(scope: \"no-such-unit\") { to } }")
        .await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["field"], "scope",
        "{unknown}"
    );
    let sup = app.token("county-supervisor").await.unwrap();
    let township = app
        .read(
            &sup,
            "{ board(scope: \"qingshi\") { total { unit { id } } rows { unit { id } } } }",
        )
        .await;
    assert_eq!(
        township["data"]["board"]["total"]["unit"]["id"], "qingshi",
        "{township}"
    );
    let rows = township["data"]["board"]["rows"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r["unit"]["id"] != "qingshi"),
        "{township}"
    );
}
