//! A batch of events handed to a consuming service in one transaction has the effects of
//! the same events applied one by one: evaluation's colors and ColorChanged events,
//! notifications' notices and NotificationsCreated events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use duban_clock::{ManualClock, SharedClock};
use duban_evaluation::EvaluationService;
use duban_notifications::NotificationsService;
use duban_outbox::{EventBus, Handler};
use duban_schema::assignments::{
    AssignmentSnapshot, AssignmentState, AssignmentsEvent, SupervisionLevel,
};
use duban_schema::{Envelope, RawEnvelope};
use duban_tests::scenarios::card;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;

/// A migrated SQLite database of `service` in `dir`, a fixed clock and a bus.
async fn parts<M: MigratorTrait>(
    dir: &tempfile::TempDir,
    service: &str,
    name: &str,
) -> (DatabaseConnection, SharedClock, EventBus) {
    let url = format!("sqlite://{}/{name}.db?mode=rwc", dir.path().display());
    let (db, clock, bus) = parts_at::<M>(&url, service).await;
    (db, clock, bus)
}

/// The database of `service` at `url`, migrated; a clock at 10:00 on Monday 16 March
/// 2026 that the test can move; and a bus.
async fn parts_at<M: MigratorTrait>(
    url: &str,
    service: &str,
) -> (DatabaseConnection, Arc<ManualClock>, EventBus) {
    let db = duban_outbox::db::connect(url, service).await.unwrap();
    M::up(&db, None).await.unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 16, 2, 0, 0).unwrap(),
    ));
    let bus = EventBus {
        transport: Arc::new(duban_transport::InProcessTransport::new()),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    (db, clock, bus)
}

/// Applies `events` to `one` a transaction each and to `all` in one transaction; returns
/// how many after-commit actions the batch left.
async fn apply<H: Handler>(
    one: (&DatabaseConnection, &H),
    all: (&DatabaseConnection, &H),
    events: Vec<RawEnvelope>,
) -> usize {
    for e in &events {
        let txn = one.0.begin().await.unwrap();
        drop(
            one.1
                .handle_all(&txn, &[(e.clone(), tracing::Span::none())])
                .await
                .unwrap(),
        );
        txn.commit().await.unwrap();
    }
    let batch: Vec<_> = events
        .into_iter()
        .map(|e| (e, tracing::Span::none()))
        .collect();
    let txn = all.0.begin().await.unwrap();
    let after = all.1.handle_all(&txn, &batch).await.unwrap();
    txn.commit().await.unwrap();
    after.len()
}

fn raw(n: u128, event: AssignmentsEvent) -> RawEnvelope {
    let a = event.assignment().unwrap().clone();
    let envelope = Envelope {
        meta: duban_outbox::meta(
            DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap(),
            "qs",
            &a.lead_unit_path,
            "p-county-supervisor",
            uuid::Uuid::from_u128(n),
            None,
            &a.id,
            a.version,
        ),
        event,
    };
    serde_json::from_str(&envelope.to_json().unwrap()).unwrap()
}

async fn column(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// What each outbox row says, through `say`; event ids are new on each run.
async fn said(db: &DatabaseConnection, say: impl Fn(&serde_json::Value) -> String) -> Vec<String> {
    column(db, "SELECT payload FROM outbox ORDER BY seq")
        .await
        .iter()
        .map(|p| say(&serde_json::from_str(p).unwrap()))
        .collect()
}

/// [`at_version`], numbered by the item's first letter and its version.
fn moved(id: &str, version: i64, due_day: u32, percent: i32) -> RawEnvelope {
    let n = u128::from(id.as_bytes()[0]) * 100 + version as u128;
    at_version(id, version, due_day, percent, n)
}

/// Item `id` of the example assignment at `version` (issued at 1, then raised), due on
/// `due_day` March at `percent`, as event `n`.
fn at_version(id: &str, version: i64, due_day: u32, percent: i32, n: u128) -> RawEnvelope {
    let a = AssignmentSnapshot {
        state: if version == 1 {
            AssignmentState::Issued
        } else {
            AssignmentState::InProgress
        },
        due_on: chrono::NaiveDate::from_ymd_opt(2026, 3, due_day).unwrap(),
        progress_percent: percent,
        version,
        ..AssignmentSnapshot::example(id)
    };
    raw(
        n,
        if version == 1 {
            AssignmentsEvent::AssignmentIssued { assignment: a }
        } else {
            AssignmentsEvent::SupervisionRaised {
                assignment: a,
                from: SupervisionLevel::Normal,
            }
        },
    )
}

#[tokio::test]
async fn evaluation_colors_a_batch_as_its_events_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    type M = duban_evaluation::migration::Migrator;
    let (one_db, clock, bus) = parts::<M>(&dir, "evaluation", "one").await;
    let one = EvaluationService::new(one_db.clone(), bus, clock, "qs", 2);
    let (all_db, clock, bus) = parts::<M>(&dir, "evaluation", "all").await;
    let all = EvaluationService::new(all_db.clone(), bus, clock, "qs", 2);
    // Item a: issued far from its limit (16 March), moved close to it, then past it, with a
    // stale redelivery of its first version in between; item b: issued late, then moved.
    let events = vec![
        moved("a", 1, 31, 0),
        moved("b", 1, 12, 0),
        moved("a", 2, 17, 20),
        moved("a", 1, 31, 0),
        moved("b", 2, 31, 50),
        moved("a", 3, 13, 40),
    ];
    apply((&one_db, &one), (&all_db, &all), events).await;

    let items = "SELECT id || ' v' || version || ' ' || color || ' ' || percent || ' ' || reason FROM tracked_item ORDER BY id";
    let one_items = column(&one_db, items).await;
    assert_eq!(one_items.len(), 2, "{one_items:?}");
    assert!(one_items[0].starts_with("a v3 RED 40"), "{one_items:?}");
    assert!(one_items[1].starts_with("b v2 BLUE 50"), "{one_items:?}");
    assert_eq!(column(&all_db, items).await, one_items);

    let say = |v: &serde_json::Value| {
        let d = &v["data"];
        format!(
            "{} {} {} → {} cause {}",
            v["type"], d["item_id"], d["from"], d["to"], v["correlation_id"]
        )
    };
    let one_said = said(&one_db, say).await;
    // By the default rules (yellow from a 10-point lag): a: none → yellow → red; b: none →
    // red → blue; the stale copy says nothing.
    assert_eq!(one_said.len(), 4, "{one_said:?}");
    assert_eq!(said(&all_db, say).await, one_said);
}

#[tokio::test]
async fn notifications_notify_a_batch_as_its_events_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    type M = duban_notifications::migration::Migrator;
    let (one_db, clock, bus) = parts::<M>(&dir, "notifications", "one").await;
    let one = NotificationsService::new(one_db.clone(), bus, clock, "qs");
    let (all_db, clock, bus) = parts::<M>(&dir, "notifications", "all").await;
    let all = NotificationsService::new(all_db.clone(), bus, clock, "qs");
    // Item a is issued, then overdue for acknowledgement (a notice to the responsible
    // person and one to the issuer); item b is issued; another producer's event is passed
    // over.
    let (a, b) = (
        AssignmentSnapshot::example("a"),
        AssignmentSnapshot::example("b"),
    );
    let mut foreign = raw(
        4,
        AssignmentsEvent::AssignmentIssued {
            assignment: b.clone(),
        },
    );
    foreign.event_type = "ColorChanged".into();
    let events = vec![
        raw(
            1,
            AssignmentsEvent::AssignmentIssued {
                assignment: a.clone(),
            },
        ),
        raw(
            2,
            AssignmentsEvent::AcknowledgementOverdue { assignment: a },
        ),
        foreign,
        raw(3, AssignmentsEvent::AssignmentIssued { assignment: b }),
    ];
    let after = apply((&one_db, &one), (&all_db, &all), events).await;
    assert_eq!(after, 1, "one wake and live push for the batch");

    let notices = "SELECT recipient_id || ' ' || kind || ' ' || assignment_id || ' ' || title || ' ' || body FROM notification ORDER BY 1";
    let one_notices = column(&one_db, notices).await;
    assert_eq!(one_notices.len(), 4, "{one_notices:?}");
    let to_issuer = one_notices
        .iter()
        .filter(|n| n.starts_with("p-county-supervisor "))
        .count();
    assert_eq!(to_issuer, 1, "{one_notices:?}");
    assert_eq!(column(&all_db, notices).await, one_notices);

    // One event per cause: a's issue (one notice), a's overdue acknowledgement (two), b's
    // issue (one); each keyed by its first notice and caused by its event.
    let say = |v: &serde_json::Value| {
        let ns = v["data"]["notifications"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let own = ns.first().is_some_and(|n| v["aggregate_id"] == n["id"]);
        let mut to: Vec<String> = ns
            .iter()
            .map(|n| format!("{} {}", n["recipient_id"], n["title"]))
            .collect();
        to.sort();
        format!(
            "{} {} {} {own} {} {}",
            v["type"],
            v["causation_id"],
            v["correlation_id"],
            ns.len(),
            to.join("; ")
        )
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let one_said = sorted(said(&one_db, say).await);
    assert_eq!(one_said.len(), 3, "{one_said:?}");
    assert!(
        one_said
            .iter()
            .all(|s| s.starts_with("\"NotificationsCreated\"") && s.contains(" true ")),
        "{one_said:?}"
    );
    let count = |s: &str| -> usize {
        s.split(' ')
            .nth(4)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let told: usize = one_said.iter().map(|s| count(s)).sum();
    assert_eq!(told, one_notices.len(), "{one_said:?}");
    let overdue = uuid::Uuid::from_u128(2).to_string();
    let of_overdue: Vec<_> = one_said.iter().filter(|s| s.contains(&overdue)).collect();
    assert_eq!(of_overdue.len(), 1, "{one_said:?}");
    assert_eq!(count(of_overdue[0]), 2, "{one_said:?}");
    assert_eq!(sorted(said(&all_db, say).await), one_said);
}

/// An item issued on track shows blue from its first row in the assignments service, so
/// evaluation announces nothing for it; an item that shows a card at once is announced.
#[tokio::test]
async fn a_first_blue_is_not_announced_and_a_first_card_is() {
    let dir = tempfile::tempdir().unwrap();
    type M = duban_evaluation::migration::Migrator;
    let (db, clock, bus) = parts::<M>(&dir, "evaluation", "first").await;
    let svc = EvaluationService::new(db.clone(), bus, clock, "qs", 2);
    // On 16 March: c half done with two weeks to go; d past its limit of 12 March.
    let events: Vec<_> = [moved("c", 1, 31, 50), moved("d", 1, 12, 0)]
        .into_iter()
        .map(|e| (e, tracing::Span::none()))
        .collect();
    let txn = db.begin().await.unwrap();
    svc.handle_all(&txn, &events).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        column(
            &db,
            "SELECT id || ' ' || color FROM tracked_item ORDER BY id"
        )
        .await,
        ["c BLUE", "d RED"]
    );
    let say = |v: &serde_json::Value| {
        let d = &v["data"];
        format!("{} {} {} → {}", v["type"], d["item_id"], d["from"], d["to"])
    };
    assert_eq!(said(&db, say).await, [r#""ColorChanged" "d" null → "RED""#]);
}

/// The assignments service's cards consumer: a batch holding several cards of one item
/// leaves each item the color of its last card, as the cards one by one would.
#[actix_web::test]
async fn a_batch_of_cards_leaves_each_item_its_last_color() {
    let (_clock, app) = duban_tests::at_nine(2026, 3, 9).await;
    let sup = app.token("county-supervisor").await.unwrap();
    let ids =
        duban_tests::scenarios::issue_numbered(&app, &sup, "qingshi-dzb", "批量色牌", 2, 3).await;
    app.settle().await.unwrap();
    let (a, b) = (&ids[0], &ids[1]);
    let batch: Vec<_> = [
        card(a, 1, "BLUE", "YELLOW"),
        card(b, 2, "BLUE", "RED"),
        card(a, 3, "YELLOW", "RED"),
        card(b, 4, "RED", "YELLOW"),
    ]
    .into_iter()
    .map(|e| (e, tracing::Span::none()))
    .collect();
    let db = &app.databases.assignments;
    let txn = db.begin().await.unwrap();
    app.assignments.handle_all(&txn, &batch).await.unwrap();
    txn.commit().await.unwrap();
    let shown = column(
        db,
        &format!(
            "SELECT id || ' ' || color FROM assignment WHERE id IN ('{a}', '{b}') ORDER BY id"
        ),
    )
    .await;
    let mut expected = [format!("{a} RED"), format!("{b} YELLOW")];
    expected.sort();
    assert_eq!(shown, expected);
    app.shutdown().await.unwrap();
}

/// Each row of `sql` as `line` writes it, reading its columns by type (the two databases
/// render dates, flags and times differently).
async fn lines(
    db: &DatabaseConnection,
    sql: &str,
    line: impl Fn(&dyn Fn(&str) -> String, &sea_orm::QueryResult) -> String,
) -> Vec<String> {
    let rows = db
        .query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|r| line(&|c: &str| r.try_get::<String>("", c).unwrap(), r))
        .collect()
}

/// Each item's judged columns.
async fn judged(db: &DatabaseConnection) -> Vec<String> {
    let sql = "SELECT id, org_path, title, color, reason, rule, due_on, next_check_on, \
               overdue, ack_missed, color_since FROM tracked_item ORDER BY id";
    lines(db, sql, |text, r| {
        format!(
            "{} {} {} {} {} {} {} {:?} {} {} {}",
            text("id"),
            text("org_path"),
            text("title"),
            text("color"),
            text("reason"),
            text("rule"),
            r.try_get::<chrono::NaiveDate>("", "due_on").unwrap(),
            r.try_get::<Option<chrono::NaiveDate>>("", "next_check_on")
                .unwrap(),
            r.try_get::<bool>("", "overdue").unwrap(),
            r.try_get::<bool>("", "ack_missed").unwrap(),
            r.try_get::<DateTime<chrono::FixedOffset>>("", "color_since")
                .unwrap()
                .timestamp(),
        )
    })
    .await
}

/// Every unit's running figures, one line each.
async fn tallies(db: &DatabaseConnection) -> Vec<String> {
    column(
        db,
        "SELECT unit_path || '|' || campaign_id || '|' || kind || '|' || CAST(issued AS TEXT) \
         || '|' || CAST(open AS TEXT) || '|' || CAST(red AS TEXT) || '|' || CAST(yellow AS TEXT) \
         || '|' || CAST(blue AS TEXT) || '|' || CAST(overdue AS TEXT) FROM unit_tally \
         ORDER BY unit_path, campaign_id, kind",
    )
    .await
}

/// The 作风表现台账 entries, without their ids (made of event ids, new on each run).
async fn conduct(db: &DatabaseConnection) -> Vec<String> {
    let sql = "SELECT person_id, fact, on_day, item_id, text FROM conduct_entry \
               ORDER BY item_id, fact";
    lines(db, sql, |text, r| {
        format!(
            "{} {} {} {} {}",
            text("person_id"),
            text("fact"),
            r.try_get::<chrono::NaiveDate>("", "on_day").unwrap(),
            text("item_id"),
            text("text")
        )
    })
    .await
}

/// What a service's outbox announces, sorted (the order items are read in is the
/// database's).
async fn announced(db: &DatabaseConnection) -> Vec<String> {
    let mut all = said(db, |v| format!("{} {}", v["type"], v["data"])).await;
    all.sort();
    all
}

#[tokio::test]
async fn large_batches_on_postgresql_are_written_as_on_sqlite() {
    use duban_outbox::db::ARRAYS_FROM;
    type M = duban_evaluation::migration::Migrator;
    let dir = tempfile::tempdir().unwrap();
    let lite_url = format!("sqlite://{}/lite.db?mode=rwc", dir.path().display());
    let pg_url = duban_tests::fresh_database().await.unwrap();
    let mut sides = Vec::new();
    for url in [lite_url, pg_url] {
        let (db, clock, bus) = parts_at::<M>(&url, "evaluation").await;
        let svc = EvaluationService::new(db.clone(), bus, clock.clone(), "qs", 2);
        svc.load_calendar().await.unwrap();
        sides.push((db, clock, svc));
    }
    // 300 items of 300 units, every other one in a campaign, due from 17 to 26 March; their
    // titles and units carry what an array literal must quote.
    let n = ARRAYS_FROM + 100;
    let issued: Vec<_> = (0..n)
        .map(|i| {
            let mut a = AssignmentSnapshot::example(&format!("i{i:03}"));
            a.brief.title = format!("第{i}项 \"引号\" \\反斜杠\\ {{括号}}, 逗号 'NULL' NULL");
            a.issued_at = DateTime::parse_from_rfc3339("2026-03-16T09:00:00+08:00").unwrap();
            a.lead_unit_id = format!("u{i}");
            a.lead_unit_path = format!("/qs/u{i},\"{i}\"");
            a.brief.campaign_id = (i % 2 == 0).then(|| "c,1".to_string());
            a.due_on = chrono::NaiveDate::from_ymd_opt(2026, 3, 17 + (i % 10) as u32).unwrap();
            let n = 10_000 + i as u128;
            (
                raw(n, AssignmentsEvent::AssignmentIssued { assignment: a }),
                tracing::Span::none(),
            )
        })
        .collect();
    for (db, _, svc) in &sides {
        let txn = db.begin().await.unwrap();
        drop(svc.handle_all(&txn, &issued).await.unwrap());
        txn.commit().await.unwrap();
    }
    let (lite, pg) = (&sides[0], &sides[1]);
    assert_eq!(
        tallies(&pg.0).await,
        tallies(&lite.0).await,
        "issued: tallies"
    );
    assert_eq!(judged(&pg.0).await, judged(&lite.0).await, "issued: items");

    // On 24 March the tick judges them all again: most turn red, the rest yellow.
    let later = Utc.with_ymd_and_hms(2026, 3, 24, 2, 0, 0).unwrap();
    let before = said(&lite.0, |_| String::new()).await.len();
    for (_, clock, svc) in &sides {
        clock.set(later);
        svc.reassess().await.unwrap();
    }
    let cards = said(&lite.0, |_| String::new()).await.len() - before;
    assert!(cards >= ARRAYS_FROM, "the tick carded {cards} items");
    let items = judged(&lite.0).await;
    assert_eq!(items.len(), n);
    assert!(items
        .iter()
        .any(|i| i.contains(" RED ") && i.contains(" None ")));
    assert_eq!(judged(&pg.0).await, items, "after the tick: items");
    assert_eq!(
        tallies(&pg.0).await,
        tallies(&lite.0).await,
        "after the tick: tallies"
    );
    let entries = conduct(&lite.0).await;
    assert!(entries.len() >= ARRAYS_FROM, "{} entries", entries.len());
    assert_eq!(
        conduct(&pg.0).await,
        entries,
        "after the tick: 作风表现台账"
    );
    assert_eq!(
        announced(&pg.0).await,
        announced(&lite.0).await,
        "announced"
    );
}

/// The sequential scans of `table` that `txn`'s session made and has not reported yet
/// (earlier transactions' included): a difference within one transaction is its own.
async fn seq_scans(txn: &sea_orm::DatabaseTransaction, table: &str) -> i64 {
    let sql = format!("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = '{table}'");
    txn.query_one(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
        .await
        .unwrap()
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0)
}

/// Evaluation reads a batch's items by their index on PostgreSQL, whatever plan the
/// session has cached for the lookup. PostgreSQL may cache a generic plan for a statement
/// it has run five times; one made while the table was small is a sequential scan, run
/// over every row the table gains until the next ANALYZE (in the bench it cost
/// evaluation's batches 20–60 ms each). Here the session caches generic plans from the
/// first run (`plan_cache_mode` in its connection options): 64 items analyzed, looked up
/// once, then 10,000 more items.
#[tokio::test]
async fn evaluation_reads_a_batch_by_the_index_whatever_plan_is_cached() {
    type M = duban_evaluation::migration::Migrator;
    let url = duban_tests::fresh_database().await.unwrap();
    let (_, clock, bus) = parts_at::<M>(&url, "evaluation").await;
    // One connection: every batch runs in the session that caches the plans.
    let options = "-c search_path=duban_evaluation -c plan_cache_mode=force_generic_plan";
    let join = if url.contains('?') { '&' } else { '?' };
    let mut opts = sea_orm::ConnectOptions::new(format!(
        "{url}{join}options={}",
        options.replace(' ', "%20").replace('=', "%3D")
    ));
    opts.max_connections(1).sqlx_logging(false);
    let db = sea_orm::Database::connect(opts).await.unwrap();
    let svc = EvaluationService::new(db.clone(), bus, clock, "qs", 2);
    svc.load_calendar().await.unwrap();
    // The same 64 items at `version`, in one batch.
    let batch = |version: i64| -> Vec<(RawEnvelope, tracing::Span)> {
        (0..64)
            .map(|i| {
                let n = version as u128 * 100 + i;
                (
                    at_version(&format!("a{i}"), version, 31, 0, n),
                    tracing::Span::none(),
                )
            })
            .collect()
    };
    // Handles the batch of `version` in one transaction; the sequential scans of
    // tracked_item it made.
    let handle = |version: i64| {
        let (db, svc, events) = (db.clone(), svc.clone(), batch(version));
        async move {
            let txn = db.begin().await.unwrap();
            let before = seq_scans(&txn, "tracked_item").await;
            drop(svc.handle_all(&txn, &events).await.unwrap());
            let after = seq_scans(&txn, "tracked_item").await;
            let mode = txn
                .query_one(Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SHOW plan_cache_mode",
                ))
                .await
                .unwrap()
                .and_then(|r| r.try_get_by_index::<String>(0).ok());
            // Only the lookup is planned anew; the batch's later statements keep the mode.
            assert_eq!(mode.as_deref(), Some("force_generic_plan"));
            txn.commit().await.unwrap();
            after - before
        }
    };
    handle(1).await;
    db.execute_unprepared("ANALYZE tracked_item").await.unwrap();
    assert_eq!(
        handle(2).await,
        1,
        "on 64 items the lookup is a sequential scan"
    );
    db.execute_unprepared(
        "INSERT INTO tracked_item SELECT (jsonb_populate_record(t, jsonb_build_object('id', 'g' || g))).* \
         FROM tracked_item t, generate_series(1, 10000) g WHERE t.id = 'a0'",
    )
    .await
    .unwrap();
    let scans = handle(3).await;
    let moved = column(&db, "SELECT id FROM tracked_item WHERE version = 3").await;
    assert_eq!(moved.len(), 64, "the batch moved its items");
    assert_eq!(
        scans, 0,
        "no sequential scan of 10,064 items for a batch of 64"
    );
}
