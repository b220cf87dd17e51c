//! Scale-out (issue 24): several replicas of every service behind the same PostgreSQL and
//! Kafka. One replica per service holds the lease that relays and ticks, and another takes
//! it when the holder dies; two schedulers ticking at once fire each reminder once; with
//! two replicas of each service and one of each killed under load, nothing is lost or
//! doubled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_clock::SharedClock;
use duban_outbox::{EventBus, Lease};
use duban_tests::cluster::{
    answers, count, keyed_clients, member, retried_stored_once, settle, Cluster, SERVICES,
};
use duban_tests::scenarios::issue_numbered;
use duban_tests::{count_rows, fresh_database, kafka_brokers, on_postgres_and_kafka_at_nine};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Polls `lease` until it is held, for at most `within`; how long it took.
async fn taken_within(lease: &Lease, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if lease.held().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// A second replica of assignments on `app`'s database, on `clock`, publishing nowhere.
fn second_replica(
    app: &duban_tests::TestApp,
    clock: &duban_clock::ManualClock,
) -> duban_assignments::AssignmentsService {
    let shared: SharedClock = Arc::new(clock.clone());
    duban_assignments::AssignmentsService::new(
        app.databases.assignments.clone(),
        EventBus {
            transport: Arc::new(duban_transport::InProcessTransport::new()),
            wake: Arc::default(),
        },
        shared,
        &app.config.tenant,
    )
}

#[actix_web::test]
async fn one_replica_holds_the_lease_and_another_takes_it_when_the_holder_dies() {
    let url = fresh_database().await.unwrap();
    // Two processes' pools on one database.
    let first = duban_outbox::db::connect(&url, "assignments")
        .await
        .unwrap();
    let second = duban_outbox::db::connect(&url, "assignments")
        .await
        .unwrap();
    let a = Lease::new(first.clone(), "assignments");
    let b = Lease::new(second.clone(), "assignments");
    assert!(a.held().await, "the first to ask takes it");
    assert!(!b.held().await, "one holder at a time");
    assert!(a.held().await, "the holder keeps it");
    assert!(
        taken_within(&b, Duration::from_secs(3)).await.is_none(),
        "a live holder is never replaced"
    );
    assert!(
        Lease::new(second.clone(), "evaluation").held().await,
        "each service has its own"
    );

    // The holder's process dies: the database ends its session.
    second
        .execute(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_locks \
             WHERE locktype = 'advisory' AND pid <> pg_backend_pid() \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        ))
        .await
        .unwrap();
    let took = taken_within(&b, Duration::from_secs(5))
        .await
        .expect("taken over after its holder died");
    assert!(
        !a.held().await,
        "the old holder learns it lost the lease with its connection"
    );
    eprintln!(
        "lease taken over {} ms after its holder died",
        took.as_millis()
    );

    // A clean stop hands it over at the next try.
    b.release().await;
    assert!(taken_within(&a, Duration::from_secs(3)).await.is_some());
}

#[actix_web::test]
async fn two_schedulers_ticking_at_once_fire_each_reminder_once() {
    // Monday 9 March 2026: due Thursday, reminded on Tuesday.
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    issue_numbered(&app, &sup, "qingshi-dzb", "双副本提醒", 30, 3).await;
    clock.advance(chrono::Duration::days(1));
    // A second replica of assignments on the same database, with its own scheduler.
    let other = second_replica(&app, &clock).with_due_soon_days(app.config.due_soon_working_days);
    other.load_calendar().await.unwrap();
    let before = count_rows(&app.databases.assignments, "SELECT count(*) FROM outbox")
        .await
        .unwrap();
    let (x, y) = tokio::join!(app.assignments.deadline_tick(), other.deadline_tick());
    let (x, y) = (x.unwrap(), y.unwrap());
    let fired = count_rows(
        &app.databases.assignments,
        "SELECT count(*) FROM outbox WHERE payload LIKE '%\"AssignmentDueSoon\"%' \
         AND payload LIKE '%双副本提醒%'",
    )
    .await
    .unwrap();
    assert_eq!(fired, 30, "each reminder once ({x} + {y} fired)");
    let after = count_rows(&app.databases.assignments, "SELECT count(*) FROM outbox")
        .await
        .unwrap();
    assert_eq!(
        after - before,
        i64::from(x + y),
        "every reminder counted once"
    );
    app.shutdown().await.unwrap();
}

/// A second replica of assignments following directory changes, once it listens; and
/// what stops it.
async fn listening_replica(
    app: &duban_tests::TestApp,
    clock: &duban_clock::ManualClock,
) -> (
    duban_assignments::AssignmentsService,
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let other = second_replica(app, clock);
    assert!(!other.keeps_identities(), "nothing kept before it listens");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let follower = tokio::spawn({
        let other = other.clone();
        async move { other.follow_directory(stopped).await }
    });
    let start = Instant::now();
    while !other.keeps_identities() && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(other.keeps_identities(), "listening within 10 s");
    (other, stop, follower)
}

/// Polls `other` with `subject` until it is refused, for at most 5 s, and says how long it
/// took after `what` committed; fails if it never is.
async fn refused_after(
    other: &duban_assignments::AssignmentsService,
    subject: &duban_auth::Subject,
    what: &str,
) {
    let changed = Instant::now();
    while changed.elapsed() < Duration::from_secs(5) {
        if other.authenticate(subject).await.is_err() {
            eprintln!(
                "refused by the other replica {} ms after {what} committed",
                changed.elapsed().as_millis()
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "the other replica still lets {} in after {what}",
        subject.person_id
    );
}

/// Identities one replica of assignments keeps never outlive a directory change committed
/// through another: a person deactivated there is refused here as soon as the change is
/// announced.
#[actix_web::test]
async fn a_person_deactivated_through_one_replica_is_refused_by_another() {
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let (other, stop, follower) = listening_replica(&app, &clock).await;
    let subject = duban_auth::Subject {
        person_id: "p-qingshi-clerk".into(),
        generation: 0,
        tenant: app.config.tenant.clone(),
        session: None,
    };
    // Read once and kept: the second answer comes from the replica's memory.
    other.authenticate(&subject).await.unwrap();
    other.authenticate(&subject).await.unwrap();

    let b = app
        .gql(
            Some(&admin),
            r#"mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { deactivated } } }"#,
            serde_json::json!({"input": {"id": "p-qingshi-clerk", "expectedVersion": 1, "deactivated": true}}),
        )
        .await
        .unwrap();
    assert_eq!(
        b["data"]["updatePerson"]["person"]["deactivated"], true,
        "{b}"
    );
    refused_after(&other, &subject, "the deactivation").await;
    stop.send(true).unwrap();
    follower.await.unwrap();
    assert!(
        !other.keeps_identities(),
        "nothing kept once it stops listening"
    );
    app.shutdown().await.unwrap();
}

/// A sign-in session one replica keeps open ends there as soon as it is signed out
/// through another.
#[actix_web::test]
async fn a_session_signed_out_through_one_replica_is_refused_by_another() {
    use duban_api::{AssignmentsApi, SignInOutcome};
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    let (other, stop, follower) = listening_replica(&app, &clock).await;
    let initial = app
        .assignments
        .initial_passwords(&["county-supervisor"])
        .await
        .unwrap();
    let signed = match app
        .assignments
        .change_password("county-supervisor", &initial[0].password, "Qingshi2026")
        .await
        .unwrap()
    {
        SignInOutcome::SignedIn(s) => s,
        refused => panic!("not signed in: {refused:?}"),
    };
    let subject = duban_auth::Subject {
        person_id: signed.person_id.clone(),
        generation: signed.generation,
        tenant: app.config.tenant.clone(),
        session: Some(signed.session_id.clone()),
    };
    // Seen open twice: the second time from the replica's memory.
    other.authenticate(&subject).await.unwrap();
    other.authenticate(&subject).await.unwrap();

    app.assignments
        .sign_out(&signed.refresh_token)
        .await
        .unwrap();
    refused_after(&other, &subject, "the sign-out").await;
    stop.send(true).unwrap();
    follower.await.unwrap();
    app.shutdown().await.unwrap();
}

/// Two replicas of every service behind balancers; one of each is killed under load.
#[actix_web::test]
async fn with_two_replicas_of_each_service_killing_one_of_each_under_load_loses_and_doubles_nothing(
) {
    let mut cluster = Cluster::start_replicated(&kafka_brokers(), 2)
        .await
        .unwrap();
    let app = cluster.app().await.unwrap();
    let supervisor = app.token("county-supervisor").await.unwrap();
    settle(&app, &cluster).await;

    let url = app.url.clone();
    let clients = keyed_clients(&url, &supervisor, 4, 40, "replicas", "双副本压测");
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    for s in SERVICES {
        cluster.kill(&member(s, 1)).unwrap();
    }

    // Whoever failed retries with the same key, on the replicas left.
    let retried = answers(clients).await;
    let failed_count = retried.1.len();
    retried_stored_once((&app, &cluster), &supervisor, retried, "双副本压测", 160).await;
    for (service, consumer) in [
        ("evaluation", &app.databases.evaluation),
        ("notifications", &app.databases.notifications),
    ] {
        let inbox = count(consumer, "SELECT count(*) FROM inbox").await;
        let mut sent = count(&app.databases.assignments, "SELECT count(*) FROM outbox").await;
        if service == "notifications" {
            sent += count(&app.databases.evaluation, "SELECT count(*) FROM outbox").await;
        }
        assert_eq!(inbox, sent, "{service}: each event in its inbox once");
    }
    // The survivors took over relaying: every outbox row was published.
    for db in [
        &app.databases.assignments,
        &app.databases.evaluation,
        &app.databases.notifications,
    ] {
        assert_eq!(
            count(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL").await,
            0
        );
    }
    let took_over = ["assignments", "evaluation", "notifications"]
        .iter()
        .filter(|s| cluster.log(&member(s, 2)).contains("lease taken"))
        .count();
    eprintln!(
        "{} requests failed while one replica of each service was killed; \
         the second replica of {took_over} of 3 services took a lease",
        failed_count
    );
}

/// Declares `date` a day off through `app`'s assignments, as the county admin (`admin`).
async fn day_off(app: &duban_tests::TestApp, admin: &str, date: &str) {
    let b = app
        .gql(
            Some(admin),
            "mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { movedAssignments } }",
            serde_json::json!({"i": {"date": date, "workday": false, "name": "县庆活动", "reason": "县委决定"}}),
        )
        .await
        .unwrap();
    assert!(b["errors"].is_null(), "{b}");
}

/// The county admin as `replica` of assignments reads them from the directory.
async fn county_admin(
    app: &duban_tests::TestApp,
    replica: &duban_assignments::AssignmentsService,
) -> duban_auth::Actor {
    replica
        .authenticate(&duban_auth::Subject {
            person_id: "p-county-admin".into(),
            generation: 0,
            tenant: app.config.tenant.clone(),
            session: None,
        })
        .await
        .unwrap()
}

/// Polls `check` every 5 ms until it holds, for at most 5 s; fails naming `what` if it
/// never does.
async fn within_5s(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what}: not within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    eprintln!("{what}: after {} ms", start.elapsed().as_millis());
}

/// The working calendar and the color rules each replica holds in memory follow a change
/// committed through another replica of any service: a day declared off through one
/// replica of assignments is off in a second replica of assignments, evaluation and
/// notifications, and a county's new rules govern in a second replica of evaluation
/// (before, each held what it had read at its start until it restarted).
#[actix_web::test]
async fn a_calendar_change_and_new_color_rules_reach_every_replica() {
    use duban_api::EvaluationApi;
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let shared: SharedClock = Arc::new(clock.clone());
    let bus = || EventBus {
        transport: Arc::new(duban_transport::InProcessTransport::new()),
        wake: Arc::default(),
    };
    let assignments = second_replica(&app, &clock);
    assignments.load_calendar().await.unwrap();
    let evaluation = duban_evaluation::EvaluationService::new(
        app.databases.evaluation.clone(),
        bus(),
        shared.clone(),
        &app.config.tenant,
        app.config.yellow_days_before_due,
    );
    evaluation.load_calendar().await.unwrap();
    let notifications = duban_notifications::NotificationsService::new(
        app.databases.notifications.clone(),
        bus(),
        shared,
        &app.config.tenant,
    );
    notifications.load_calendar().await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let followers = [
        tokio::spawn({
            let (s, stop) = (assignments.clone(), stopped.clone());
            async move { s.follow_calendar(stop).await }
        }),
        tokio::spawn({
            let (s, stop) = (evaluation.clone(), stopped.clone());
            async move { s.follow_changes(stop).await }
        }),
        tokio::spawn({
            let (s, stop) = (notifications.clone(), stopped.clone());
            async move { s.follow_calendar(stop).await }
        }),
    ];
    // Listening before the changes come (each also reads again as it starts listening).
    tokio::time::sleep(Duration::from_millis(500)).await;

    let wednesday = chrono::NaiveDate::from_ymd_opt(2026, 3, 11).unwrap();
    assert!(assignments.calendar_now().is_workday(wednesday));
    assert!(evaluation.calendar_now().is_workday(wednesday));
    assert!(notifications.calendar_now().is_workday(wednesday));
    day_off(&app, &admin, "2026-03-11").await;
    within_5s("assignments' other replica has the day off", || {
        !assignments.calendar_now().is_workday(wednesday)
    })
    .await;
    within_5s("evaluation's other replica has the day off", || {
        !evaluation.calendar_now().is_workday(wednesday)
    })
    .await;
    within_5s("notifications' other replica has the day off", || {
        !notifications.calendar_now().is_workday(wednesday)
    })
    .await;

    let actor = county_admin(&app, &app.assignments).await;
    let strictness = |view: duban_api::ColorRulesView| view.sets[0].rules.yellow_days_before_due;
    let before = strictness(evaluation.color_rules(&actor).await.unwrap());
    assert_ne!(before, 30, "the county's rules before");
    let b = app
        .gql(
            Some(&admin),
            "mutation($i: SetColorRulesInput!) { setColorRules(input: $i) { colorRules { countyId } } }",
            serde_json::json!({"i": {"scope": "COUNTY", "expectedVersion": 0, "rules": {
                "yellowLagPoints": 20, "staleDays": 5, "yellowDaysBeforeDue": 30,
                "redLagPoints": 40, "redOverdueDays": 0, "redReturns": 2, "raiseOnRed": false}}}),
        )
        .await
        .unwrap();
    assert!(b["errors"].is_null(), "{b}");
    let start = Instant::now();
    loop {
        let now = strictness(evaluation.color_rules(&actor).await.unwrap());
        if now == 30 {
            eprintln!(
                "evaluation's other replica has the new rules after {} ms",
                start.elapsed().as_millis()
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "evaluation's other replica still judges by the old rules"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.send(true).unwrap();
    for f in followers {
        f.await.unwrap();
    }
    app.shutdown().await.unwrap();
}

/// A calendar change made through a replica that has not yet heard of another's starts
/// from the calendar as stored: with Friday declared off through one replica, an item due
/// on Thursday moves to Monday when Thursday is declared off through the other (before,
/// that replica moved it by the calendar it held, to Friday, a day off).
#[actix_web::test]
async fn a_calendar_change_through_a_replica_that_missed_another_starts_from_the_stored_one() {
    use duban_api::AssignmentsApi;
    let (clock, app) = on_postgres_and_kafka_at_nine(2026, 3, 9).await.unwrap();
    app.load_demo().await.unwrap();
    let (sup, admin) = (
        app.token("county-supervisor").await.unwrap(),
        app.token("county-admin").await.unwrap(),
    );
    // Monday 9 March, three working days: due Thursday the 12th.
    let id = issue_numbered(&app, &sup, "qingshi-dzb", "两处调休", 1, 3)
        .await
        .remove(0);
    // It holds the calendar as read at its start and follows no change.
    let other = second_replica(&app, &clock);
    other.load_calendar().await.unwrap();
    day_off(&app, &admin, "2026-03-13").await;
    let actor = county_admin(&app, &other).await;
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    other
        .set_calendar_day(
            &actor,
            duban_api::SetCalendarDayInput {
                date: day(12),
                workday: false,
                name: Some("防汛演练".into()),
                reason: "县委决定".into(),
            },
        )
        .await
        .unwrap();
    let due: chrono::NaiveDate = app
        .databases
        .assignments
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT due_on FROM assignment WHERE id = '{id}'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(due, day(16), "past Thursday and Friday, both off");
    app.shutdown().await.unwrap();
}
