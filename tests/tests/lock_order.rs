//! Transactions that lock many items at once take them in one order: the deadline tick
//! firing a morning's reminders and the cards consumer applying a batch of colors for the
//! same items never wait on each other in a cycle (found by the simulated county year on
//! PostgreSQL: "deadlock detected" between the two); and evaluation's writers of items take
//! the live day first, so that judging again never writes over a consumer's batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_outbox::Handler;
use duban_tests::scenarios::{card, command, issue_numbered, positions, signed_for};
use duban_tests::{count_rows, on_postgres_and_kafka_at_nine, query_rows};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::json;

#[actix_web::test]
async fn the_deadline_tick_and_a_batch_of_cards_on_the_same_items_never_deadlock() {
    // Monday 9 March 2026: due Thursday, reminded on Tuesday.
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let mut ids = issue_numbered(&app, &sup, "qingshi-dzb", "锁序", 60, 3).await;
    app.settle().await.unwrap();
    clock.advance(chrono::Duration::days(1));
    // The cards in the order that crosses the tick's most: highest id first.
    ids.sort();
    let cards: Vec<_> = ids
        .iter()
        .rev()
        .enumerate()
        .map(|(n, id)| (card(id, n as u128, "BLUE", "YELLOW"), tracing::Span::none()))
        .collect();
    // What the batch shows is read in its own transaction: evaluation's own cards (red,
    // for an item a third through its time with no progress) may follow it at any time.
    let yellow = "SELECT count(*) FROM assignment WHERE title LIKE '锁序%' AND color = 'YELLOW'";
    for round in 0..3 {
        let consumer = async {
            let txn = app.databases.assignments.begin().await.unwrap();
            let done = app.assignments.handle_all(&txn, &cards).await;
            let shown = txn
                .query_one(Statement::from_string(txn.get_database_backend(), yellow))
                .await
                .unwrap()
                .and_then(|r| r.try_get_by_index::<i64>(0).ok());
            // Holding the batch's locks a moment, as a larger batch would.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            txn.commit().await.unwrap();
            done.map(|_| shown)
        };
        let (tick, consumed) = tokio::join!(app.assignments.deadline_tick(), consumer);
        assert!(tick.is_ok(), "round {round}: tick {tick:?}");
        assert_eq!(
            consumed.ok(),
            Some(Some(60)),
            "round {round}: every card shown"
        );
    }
    let reminded = count_rows(
        &app.databases.assignments,
        "SELECT count(*) FROM outbox WHERE payload LIKE '%\"AssignmentDueSoon\"%' AND payload LIKE '%锁序%'",
    )
    .await
    .unwrap();
    assert_eq!(reminded, 60, "every reminder fired once");
    app.shutdown().await.unwrap();
}

/// A reminder fired while a command on the same item is under way takes the position
/// after the command's event, and a command during a reminder the one after the
/// reminder's, never the same: both read the item's last position under its row lock
/// (found by reading the two paths: neither locked the row it read). The commands: a
/// clerk's acknowledgement, an admin's calendar change that moves the item's limit, and
/// a handover when the item's 责任人 leaves.
#[actix_web::test]
async fn a_reminder_and_a_command_at_once_take_one_position_each() {
    for command in [
        Command::Acknowledge,
        Command::CalendarChange,
        Command::Handover,
    ] {
        for command_first in [true, false] {
            race(command, command_first).await;
        }
    }
}

/// What races the reminder.
#[derive(Clone, Copy, Debug)]
enum Command {
    Acknowledge,
    /// Wednesday 11 March declared a day off: the item due on Thursday moves to Friday.
    CalendarChange,
    /// The item's 责任人 leaves the post, and the clerk takes over their open items.
    Handover,
}

/// The first of `command` and a reminder on one item is slowed under the row's lock
/// while the second starts.
async fn race(command: Command, command_first: bool) {
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let id = issue_numbered(&app, &sup, "qingshi-dzb", "并发序号", 1, 3)
        .await
        .remove(0);
    clock.advance(chrono::Duration::days(1));
    // The first one's write of this item waits half a second under its row lock: a
    // command changes the version, a reminder keeps it.
    let db = &app.databases.assignments;
    let first = if command_first { "<>" } else { "=" };
    db.execute_unprepared(&format!(
        "CREATE FUNCTION slow_first() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$; \
         CREATE TRIGGER slow_first BEFORE UPDATE ON assignment FOR EACH ROW \
         WHEN (NEW.id = '{id}' AND NEW.version {first} OLD.version) EXECUTE FUNCTION slow_first();"
    ))
    .await
    .unwrap();
    let (query, variables, as_whom) = match command {
        Command::Acknowledge => (
            "mutation($i: AssignmentVersionInput!) { acknowledgeAssignment(input: $i) { assignment { version } } }",
            json!({"i": {"id": id, "expectedVersion": 1}}),
            "qingshi-clerk",
        ),
        Command::CalendarChange => (
            "mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { movedAssignments } }",
            json!({"i": {"date": "2026-03-11", "workday": false, "name": "县庆活动", "reason": "县委决定"}}),
            "county-admin",
        ),
        Command::Handover => (
            "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { person { version } } }",
            json!({"i": {"id": "p-qingshi-leader", "expectedVersion": 1, "deactivated": true, "successorId": "p-qingshi-clerk"}}),
            "county-admin",
        ),
    };
    let token = app.token(as_whom).await.unwrap();
    let later = |first: bool| async move {
        if !first {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        }
    };
    let commanded = async {
        later(command_first).await;
        app.gql(Some(&token), query, variables).await
    };
    let tick = async {
        later(!command_first).await;
        app.assignments.deadline_tick().await
    };
    let (commanded, fired) = tokio::join!(commanded, tick);
    let commanded = commanded.unwrap();
    assert!(commanded["errors"].is_null(), "{command:?}: {commanded}");
    fired.unwrap();
    // A reminder the command moved fires at the next tick.
    app.assignments.deadline_tick().await.unwrap();
    let positions = positions(db, &id).await;
    let mut numbers: Vec<i64> = positions.iter().map(|(_, n)| *n).collect();
    numbers.sort();
    assert!(
        positions.len() >= 3 && numbers.iter().copied().eq(1..=positions.len() as i64),
        "{command:?}, command first: {command_first}; {positions:?}"
    );
    app.shutdown().await.unwrap();
}

/// What judges items again while evaluation's consumer is applying a change to one.
#[derive(Clone, Copy, Debug)]
enum Judge {
    /// The color tick, on an item due to be judged today.
    Tick,
    /// A county's new color rules, which judge every open item of the county again.
    Rules,
}

/// Judging items again waits for a consumer's batch in flight and reads the items as it
/// left them: an item completed while the tick or a change of rules judged it stays blue,
/// with no card announced or counted (found by reading the two paths: neither took the
/// live day's lock that the consumer takes, so each wrote what it had judged from the item
/// before the completion over the completion's color).
#[actix_web::test]
async fn judging_again_never_writes_over_a_change_the_consumer_is_applying() {
    for judge in [Judge::Tick, Judge::Rules] {
        judged_during_a_completion(judge).await;
    }
}

/// A county's rules that card every item due within 30 working days.
fn strict_rules() -> serde_json::Value {
    json!({"scope": "COUNTY", "expectedVersion": 0, "rules": {"yellowLagPoints": 90,
           "staleDays": 30, "yellowDaysBeforeDue": 30, "redLagPoints": 100,
           "redOverdueDays": 0, "redReturns": 2, "raiseOnRed": false}})
}

/// Completes an item whose write into evaluation's table is slowed under the consumer's
/// locks, and has `judge` judge it again meanwhile.
async fn judged_during_a_completion(judge: Judge) {
    const SET: &str =
        "mutation($i: SetColorRulesInput!) { setColorRules(input: $i) { colorRules { countyId } } }";
    // Monday 9 March 2026.
    let (_clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    // Due in five working days: blue by the county's default rules.
    let (clerk, id, acked) = signed_for(&app, "判色并发").await;
    app.settle().await.unwrap();
    let db = &app.databases.evaluation;
    let color = format!("SELECT color FROM tracked_item WHERE id = '{id}'");
    if let Judge::Tick = judge {
        // The item is carded yellow by the rules, then due to be judged again today.
        app.ok(&admin, SET, json!({"i": strict_rules()})).await;
        db.execute_unprepared(&format!(
            "UPDATE tracked_item SET next_check_on = '2026-03-09' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    }
    let before = colors(db, &color).await;
    let expected = match judge {
        Judge::Tick => "YELLOW",
        Judge::Rules => "BLUE",
    };
    assert_eq!(
        before,
        [expected],
        "{judge:?}: the item before its completion"
    );
    let last = "SELECT COALESCE(MAX(seq), 0) FROM outbox";
    let since = count_rows(db, last).await.unwrap();
    // The consumer's write of the completed item waits a second under its locks.
    db.execute_unprepared(&format!(
        "CREATE FUNCTION slow_completion() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$; \
         CREATE TRIGGER slow_completion BEFORE UPDATE ON tracked_item FOR EACH ROW \
         WHEN (NEW.id = '{id}' AND NEW.state IS DISTINCT FROM OLD.state) \
         EXECUTE FUNCTION slow_completion();"
    ))
    .await
    .unwrap();
    command(
        &app,
        &clerk,
        "completeAssignment",
        "CompleteAssignmentInput",
        json!({"id": id, "expectedVersion": acked, "result": "已办结"}),
    )
    .await;
    // This database's sleep only: the other tests of this file sleep in theirs meanwhile.
    let sleeping = "SELECT count(*) FROM pg_stat_activity \
                    WHERE wait_event = 'PgSleep' AND datname = current_database()";
    let mut waited = 0;
    while count_rows(db, sleeping).await.unwrap() == 0 {
        assert!(
            waited < 200,
            "{judge:?}: the consumer never wrote the completion"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    match judge {
        Judge::Tick => {
            app.color_tick().await.unwrap();
        }
        Judge::Rules => {
            app.ok(&admin, SET, json!({"i": strict_rules()})).await;
        }
    }
    app.settle().await.unwrap();
    assert_eq!(
        colors(db, &color).await,
        ["BLUE"],
        "{judge:?}: a completed item is blue"
    );
    let carded = count_rows(
        db,
        &format!(
            "SELECT count(*) FROM outbox WHERE seq > {since} AND key = '{id}' \
             AND payload LIKE '%\"ColorChanged\"%' AND payload LIKE '%\"to\":\"YELLOW\"%'"
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        carded, 0,
        "{judge:?}: no card announced for a completed item"
    );
    let entries = count_rows(
        db,
        &format!(
            "SELECT count(*) FROM conduct_entry WHERE item_id = '{id}' AND fact = 'YELLOW_CARD'"
        ),
    )
    .await
    .unwrap();
    let before_race = match judge {
        // The card the rules showed before the completion stays in the ledger.
        Judge::Tick => 1,
        Judge::Rules => 0,
    };
    assert_eq!(
        entries, before_race,
        "{judge:?}: no card in the cadre's ledger since"
    );
    app.shutdown().await.unwrap();
}

/// The first column of every row `sql` reads, as text.
async fn colors(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<String> {
    query_rows(db, sql)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}
