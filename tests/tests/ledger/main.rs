//! The problem ledger, ledger files, recurring duties, campaign phases, the fields of a
//! full 交办单 and directory upkeep, end to end over HTTP like a county platform.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use duban_clock::{ManualClock, SharedClock};
use duban_tests::scenarios::{ledger_lifecycle, REGISTER_PROBLEM};
use duban_tests::{
    error_code, spawn_app, spawn_on_postgres_and_kafka, spawn_with_clock, test_config, TestApp,
};
use serde_json::{json, Value};
use std::sync::Arc;

mod files;

#[actix_web::test]
async fn a_ledger_scope_is_checked_on_the_embedded_default() {
    duban_tests::scenarios::ledger_scope_is_checked(&spawn_app().await.unwrap()).await;
}

#[actix_web::test]
async fn a_ledger_scope_is_checked_on_postgres() {
    duban_tests::scenarios::ledger_scope_is_checked(&spawn_on_postgres_and_kafka().await.unwrap())
        .await;
}

#[actix_web::test]
async fn open_work_passes_to_a_successor_on_the_embedded_default() {
    duban_tests::scenarios::open_work_passes_to_a_successor(&spawn_app().await.unwrap()).await;
}

#[actix_web::test]
async fn open_work_passes_to_a_successor_on_postgres_and_kafka() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    duban_tests::scenarios::open_work_passes_to_a_successor(&app).await;
}

#[actix_web::test]
async fn a_whole_ledger_lifecycle_on_the_embedded_default() {
    let app = spawn_app().await.unwrap();
    ledger_lifecycle(&app).await.unwrap();
}

#[actix_web::test]
async fn a_whole_ledger_lifecycle_on_postgres_and_kafka() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    ledger_lifecycle(&app).await.unwrap();
}

#[actix_web::test]
async fn a_duty_rule_is_read_back_with_the_numbers_its_recurrence_takes_and_no_others() {
    let app = spawn_app().await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    for recurrence in [
        "{kind: WEEKLY, weekday: 5}",
        "{kind: MONTHLY, day: 15, everyMonths: 2}",
        "{kind: WORKING_DAYS}",
    ] {
        let made = app
            .gql(
                Some(&leader),
                &format!(r#"mutation {{ createDutyRule(input: {{title: "周报", recurrence: {recurrence}, unitId: "qingshi-dzb"}}) {{ rule {{ id }} }} }}"#),
                json!({}),
            )
            .await
            .unwrap();
        assert!(
            made["data"]["createDutyRule"]["rule"]["id"].is_string(),
            "{made}"
        );
    }
    let rules = app
        .read(
            &leader,
            "{ dutyRules { unitId recurrence { kind weekday day everyMonths } } }",
        )
        .await;
    let mut read: Vec<Value> = rules["data"]["dutyRules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["unitId"] == "qingshi-dzb")
        .map(|r| r["recurrence"].clone())
        .collect();
    read.sort_by_key(|r| r["kind"].to_string());
    assert_eq!(
        read,
        [
            json!({"kind": "MONTHLY", "weekday": null, "day": 15, "everyMonths": 2}),
            json!({"kind": "WEEKLY", "weekday": 5, "day": null, "everyMonths": null}),
            json!({"kind": "WORKING_DAYS", "weekday": null, "day": null, "everyMonths": null}),
        ],
        "{rules}"
    );
    app.shutdown().await.unwrap();
}

#[actix_web::test]
async fn a_rule_from_before_the_title_bound_is_issued_shortened_and_a_rule_that_cannot_be_issued_holds_up_no_other(
) {
    // Monday 12 October 2026; the three rules fall due on Friday the 16th.
    let (clock, app) = duban_tests::at_nine(2026, 10, 12).await;
    let leader = app.token("qingshi-leader").await.unwrap();
    let mut ids = Vec::new();
    for title in ["旧规则", "周报", "长文规则"] {
        let made = app
            .gql(
                Some(&leader),
                &format!(r#"mutation {{ createDutyRule(input: {{title: "{title}", recurrence: {{kind: WEEKLY, weekday: 5}}, unitId: "qingshi-dzb"}}) {{ rule {{ id }} }} }}"#),
                json!({}),
            )
            .await
            .unwrap();
        ids.push(
            made["data"]["createDutyRule"]["rule"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // The first rule's title as a rule stored before the 188-character bound could have it.
    use sea_orm::sea_query::{Alias, Expr, Query};
    use sea_orm::ConnectionTrait;
    let stored_before = Query::update()
        .table(Alias::new("duty_rule"))
        .value(Alias::new("title"), "旧".repeat(200))
        .and_where(Expr::col(Alias::new("id")).eq(ids[0].as_str()))
        .to_owned();
    // The third rule's text as one stored before texts were bounded: its items cannot be issued.
    let text_too_long = Query::update()
        .table(Alias::new("duty_rule"))
        .value(Alias::new("description"), "长".repeat(40_000))
        .and_where(Expr::col(Alias::new("id")).eq(ids[2].as_str()))
        .to_owned();
    let db = app.assignments.db();
    for q in [stored_before, text_too_long] {
        db.execute(db.get_database_backend().build(&q))
            .await
            .unwrap();
    }
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 10, 16, 1, 0, 0).unwrap());
    assert_eq!(app.assignments.duty_tick().await.unwrap(), 2);
    let leader = app.token("qingshi-leader").await.unwrap();
    let mut titles: Vec<String> = issued_by_duty(&app, &leader)
        .await
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "周报（2026-10-16）".to_string(),
            format!("{}…（2026-10-16）", "旧".repeat(187))
        ]
    );
    app.shutdown().await.unwrap();
}

async fn issued_by_duty(app: &TestApp, token: &str) -> Vec<Value> {
    let b = app
        .read(
            token,
            "{ assignments(first: 100, filter: {sort: ISSUED_DESC}) { edges { node { title source dutyId dueOn } } } }",
        )
        .await;
    b["data"]["assignments"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{b}"))
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["source"] == "RECURRING_DUTY")
        .collect()
}

#[actix_web::test]
async fn a_weekly_summary_moves_off_the_mid_autumn_and_national_day_holidays_and_is_issued_once() {
    // Monday 21 September 2026, 09:00 in Shanghai.
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 9, 21, 1, 0, 0).unwrap());
    let shared: SharedClock = Arc::new(clock.clone());
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        ..test_config()
    };
    let app = spawn_with_clock(config, dir, shared).await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();
    let rule = app
        .read(
            &leader,
            r#"mutation { createDutyRule(input: {title: "本周工作总结及下周计划", recurrence: {kind: WEEKLY, weekday: 5},
                unitId: "qingshi-dzb", timeLimitDays: 0}) { rule { id recurrence { kind weekday } workingDaysOnly startsOn } } }"#,
        )
        .await;
    let rule_id = rule["data"]["createDutyRule"]["rule"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        rule["data"]["createDutyRule"]["rule"]["workingDaysOnly"],
        true
    );
    let bad = app
        .read(
            &leader,
            r#"mutation { createDutyRule(input: {title: "x", recurrence: {kind: WEEKLY, weekday: 8}, unitId: "qingshi-dzb"}) { rule { id } } }"#,
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"],
        "recurrence.weekday"
    );
    let outsider = app
        .gql(
            Some(&app.token("fgj-leader").await.unwrap()),
            r#"mutation { createDutyRule(input: {title: "x", recurrence: {kind: WORKING_DAYS}, unitId: "qingshi-dzb"}) { rule { id } } }"#,
            json!({}),
        )
        .await
        .unwrap();
    assert!(error_code(&outsider).is_some(), "{outsider}");

    let day = |clock: &ManualClock, m: u32, d: u32| {
        clock.set(chrono::Utc.with_ymd_and_hms(2026, m, d, 1, 0, 0).unwrap());
    };
    // Fri 25 September is 中秋节: nothing that day; due Monday 28th instead.
    day(&clock, 9, 25);
    assert_eq!(app.assignments.duty_tick().await.unwrap(), 0);
    day(&clock, 9, 28);
    assert_eq!(app.assignments.duty_tick().await.unwrap(), 1);
    assert_eq!(
        app.assignments.duty_tick().await.unwrap(),
        0,
        "once per day it falls due"
    );
    // Fri 2 October is in the National Day holiday: due Thursday 8th.
    day(&clock, 10, 2);
    assert_eq!(app.assignments.duty_tick().await.unwrap(), 0);
    day(&clock, 10, 8);
    assert_eq!(app.assignments.duty_tick().await.unwrap(), 1);
    day(&clock, 10, 9);
    assert_eq!(
        app.assignments.duty_tick().await.unwrap(),
        1,
        "the ordinary Friday after"
    );
    let leader = app.token("qingshi-leader").await.unwrap();
    let items = issued_by_duty(&app, &leader).await;
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "本周工作总结及下周计划（2026-10-09）",
            "本周工作总结及下周计划（2026-10-08）",
            "本周工作总结及下周计划（2026-09-28）"
        ]
    );
    assert!(items.iter().all(|i| i["dutyId"] == rule_id.as_str()));
    assert_eq!(
        items[1]["dueOn"], "2026-10-08",
        "a time limit of 0: the same day"
    );

    // The seeds' campaign is in its third phase (6/10–12/10): announced once.
    assert_eq!(app.assignments.campaign_tick().await.unwrap(), 1);
    assert_eq!(app.assignments.campaign_tick().await.unwrap(), 0);
    day(&clock, 12, 11);
    assert_eq!(
        app.assignments.campaign_tick().await.unwrap(),
        1,
        "the end, once"
    );
    assert_eq!(app.assignments.campaign_tick().await.unwrap(), 0);
}

#[actix_web::test]
async fn a_full_assignment_form_and_directory_upkeep() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let today = app.clock.today();
    let due = (today + chrono::Duration::days(40))
        .format("%Y-%m-%d")
        .to_string();
    let q = r#"mutation($input: IssueAssignmentInput!) { issueAssignment(input: $input) { assignment {
        id dueOn timeLimitDays urgency ackDueOn cooperatingUnitIds campaignId category } } }"#;
    let b = app
        .ask(
            &sup,
            q,
            json!({"input": {"title": "防汛值守", "leadUnitId": "qingshi-dzb", "dueOn": due,
                "urgency": "VERY_URGENT", "cooperatingUnitIds": ["liuhe-dzb", "qs-fgj-bgs"]}}),
        )
        .await;
    let a = &b["data"]["issueAssignment"]["assignment"];
    assert_eq!(a["dueOn"], due.as_str());
    assert_eq!(a["timeLimitDays"], Value::Null);
    assert_eq!(
        a["ackDueOn"],
        today.format("%Y-%m-%d").to_string(),
        "特急: sign the same day"
    );
    assert_eq!(a["cooperatingUnitIds"], json!(["liuhe-dzb", "qs-fgj-bgs"]));

    for (input, field) in [
        (
            json!({"title": "x", "leadUnitId": "qingshi-dzb"}),
            "timeLimitDays",
        ),
        (
            json!({"title": "x", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5, "cooperatingUnitIds": ["qingshi-dzb"]}),
            "cooperatingUnitIds[0]",
        ),
        (
            json!({"title": "x", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5, "ackTimeLimitDays": 11}),
            "ackTimeLimitDays",
        ),
        (
            json!({"title": "x", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5, "campaignId": "gzzf-1999"}),
            "campaignId",
        ),
        (
            json!({"title": "x", "leadUnitId": "qingshi-dzb", "dueOn": "2000-01-01"}),
            "dueOn",
        ),
    ] {
        let b = app.ask(&sup, q, json!({"input": input})).await;
        assert_eq!(error_code(&b), Some("VALIDATION"), "{b}");
        assert_eq!(b["errors"][0]["extensions"]["field"], field, "{b}");
    }

    // Cooperating units find the item; sorting by latest time limit puts it first.
    let coop = app
        .read(
            &sup,
            r#"{ assignments(filter: {cooperatingUnitId: "liuhe-dzb", sort: DUE_DESC}) { totalCount edges { node { title } } } }"#,
        )
        .await;
    assert_eq!(coop["data"]["assignments"]["totalCount"], 1, "{coop}");
    let liuhe = app.token("liuhe-supervisor").await.unwrap();
    let q_coop = r#"{ assignments(filter: {cooperatingUnitId: "liuhe-dzb"}) { totalCount edges { node { id leadUnitName } } } }"#;
    let seen = app.read(&liuhe, q_coop).await;
    assert_eq!(
        seen["data"]["assignments"]["totalCount"], 1,
        "a cooperating township sees the item it helps with: {seen}"
    );
    let other = app.token("fgj-clerk").await.unwrap();
    let q_other = r#"{ assignments(filter: {cooperatingUnitId: "liuhe-dzb"}) { totalCount } }"#;
    let hidden = app.read(&other, q_other).await;
    assert_eq!(
        (
            &hidden["errors"],
            &hidden["data"]["assignments"]["totalCount"]
        ),
        (&Value::Null, &json!(0)),
        "a clerk elsewhere sees none of the item liuhe-dzb helps with: {hidden}"
    );
    let year = today.format("%Y").to_string();
    let by_campaign = app
        .gql(
            Some(&sup),
            &format!(r#"{{ assignments(first: 100, filter: {{campaignId: "gzzf-{year}", sort: DUE_DESC}}) {{ totalCount edges {{ node {{ dueOn }} }} }} }}"#),
            json!({}),
        )
        .await
        .unwrap();
    let dues: Vec<&str> = by_campaign["data"]["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["dueOn"].as_str().unwrap())
        .collect();
    assert!(
        dues.len() >= 5,
        "the demo's items belong to the campaign: {by_campaign}"
    );
    assert!(dues.windows(2).all(|w| w[0] >= w[1]), "{dues:?}");

    // Directory upkeep: a supervising leader, a person who left, a corrected code.
    let up = r#"mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { id supervisingLeaderId deactivated title } } }"#;
    let b = app
        .ask(
            &admin,
            up,
            json!({"input": {"id": "p-qingshi-clerk", "expectedVersion": 1, "supervisingLeaderId": "p-qingshi-leader", "title": "青石镇党政办公室副主任"}}),
        )
        .await;
    assert_eq!(
        b["data"]["updatePerson"]["person"]["supervisingLeaderId"], "p-qingshi-leader",
        "{b}"
    );
    let b = app
        .ask(
            &admin,
            up,
            json!({"input": {"id": "p-qingshi-clerk", "expectedVersion": 2, "supervisingLeaderId": "p-qingshi-clerk"}}),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["field"], "supervisingLeaderId");
    let b = app
        .ask(
            &sup,
            up,
            json!({"input": {"id": "p-qingshi-clerk", "expectedVersion": 2, "deactivated": true}}),
        )
        .await;
    assert_eq!(error_code(&b), Some("FORBIDDEN"));
    let b = app
        .ask(
            &admin,
            up,
            json!({"input": {"id": "p-qingshi-clerk", "expectedVersion": 1, "deactivated": true}}),
        )
        .await;
    assert_eq!(
        error_code(&b),
        Some("VERSION_CONFLICT"),
        "a change made on a stale read is refused: {b}"
    );
    let b = app
        .ask(
            &admin,
            up,
            json!({"input": {"id": "p-qingshi-clerk", "expectedVersion": 2, "deactivated": true}}),
        )
        .await;
    assert_eq!(
        b["data"]["updatePerson"]["person"]["deactivated"], true,
        "{b}"
    );
    let b = app
        .ask(
            &sup,
            q,
            json!({"input": {"title": "x", "leadUnitId": "qingshi-dzb", "timeLimitDays": 3, "responsiblePersonId": "p-qingshi-clerk"}}),
        )
        .await;
    assert_eq!(
        b["errors"][0]["extensions"]["field"], "responsiblePersonId",
        "no new work for someone who left"
    );
    let unit = r#"mutation($input: UpdateOrgUnitInput!) { updateOrgUnit(input: $input) { orgUnit { name divisionCode } } }"#;
    let b = app
        .ask(
            &admin,
            unit,
            json!({"input": {"id": "qingshi", "expectedVersion": 1, "divisionCode": "12345"}}),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["field"], "divisionCode");
    let b = app
        .ask(
            &admin,
            unit,
            json!({"input": {"id": "qingshi-dzb", "expectedVersion": 1, "name": "青石镇党政综合办公室"}}),
        )
        .await;
    assert_eq!(
        b["data"]["updateOrgUnit"]["orgUnit"]["name"], "青石镇党政综合办公室",
        "{b}"
    );
    let b = app
        .ask(
            &admin,
            unit,
            json!({"input": {"id": "qingshi-dzb", "expectedVersion": 1, "name": "青石镇办公室"}}),
        )
        .await;
    assert_eq!(error_code(&b), Some("VERSION_CONFLICT"), "{b}");
    let b = app.read(&sup, "{ orgUnits { id name version } }").await;
    let dzb = b["data"]["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "qingshi-dzb")
        .unwrap();
    assert_eq!(
        (&dzb["name"], &dzb["version"]),
        (&json!("青石镇党政综合办公室"), &json!(2)),
        "{b}"
    );

    // A problem registered in a campaign must use one of its categories.
    let b = app
        .ask(
            &sup,
            REGISTER_PROBLEM,
            json!({"input": {"campaignId": format!("gzzf-{year}"), "category": "其他", "source": "SUPERIOR_POINTED",
                "description": "d", "causeAnalysis": "c", "measures": ["m"], "unitId": "qingshi-dzb", "timeLimitDays": 5}}),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["field"], "category", "{b}");
}

#[actix_web::test]
async fn ledger_pages_match_a_plain_query_on_the_embedded_default() {
    let app = spawn_app().await.unwrap();
    duban_tests::scenarios::ledger_pages_match_a_plain_query(&app).await;
}

#[actix_web::test]
async fn ledger_pages_match_a_plain_query_on_postgres() {
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    duban_tests::scenarios::ledger_pages_match_a_plain_query(&app).await;
}

/// A close-out request reaches the supervisors who can close it: the registering
/// supervisor, else those of the nearest jurisdiction, never the unit's own clerk.
#[actix_web::test]
async fn a_close_out_request_reaches_the_supervisors_who_can_close_it() {
    let app = spawn_app().await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let county = app.token("county-supervisor").await.unwrap();
    let township = app.token("qingshi-supervisor").await.unwrap();
    let register = |token: String, description: &'static str| {
        let app = &app;
        async move {
            let input = json!({"category": "慢作为", "source": "SELF_FOUND", "description": description,
                "causeAnalysis": "担当不足", "measures": ["限时办结"], "unitId": "qingshi-dzb", "timeLimitDays": 10});
            duban_tests::scenarios::registered_problem(app, &token, input).await
        }
    };
    let ask = |id: String| {
        let (app, clerk) = (&app, clerk.clone());
        async move {
            app
                .ok(
                    &clerk,
                    "mutation($i: RequestProblemCloseOutInput!) { requestProblemCloseOut(input: $i) { problem { state } } }",
                    json!({"i": {"id": id, "expectedVersion": 1, "summary": "已整改", "evidence": ["整改报告"]}}),
                ).await;
        }
    };
    let by_clerk = register(clerk.clone(), "窗口办事拖延").await;
    let by_county = register(county.clone(), "文件层层转发").await;
    ask(by_clerk.clone()).await;
    ask(by_county.clone()).await;
    app.settle().await.unwrap();
    let asked = |token: String| {
        let app = &app;
        async move {
            let b = app
                .read(
                    &token,
                    "{ myNotifications(first: 100) { edges { node { title problemId } } } }",
                )
                .await;
            b["data"]["myNotifications"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["node"]["title"].as_str().unwrap().starts_with("申请销号"))
                .map(|e| e["node"]["problemId"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        asked(township).await,
        vec![by_clerk.clone()],
        "the township's supervisors decide the clerk's"
    );
    assert_eq!(
        asked(county).await,
        vec![by_county],
        "the registering supervisor decides their own"
    );
    assert!(asked(clerk).await.is_empty(), "never the clerk who asks");
}

/// On PostgreSQL the units' tally trigger runs only when an item's state or unit moves:
/// a progress report (or a color, or a reminder's position) calls it not at all, a
/// state change once. Read from the transaction's own function statistics.
#[actix_web::test]
async fn the_tally_trigger_runs_only_when_an_item_moves_on_postgres() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let app = spawn_on_postgres_and_kafka().await.unwrap();
    app.load_demo().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let ids = duban_tests::scenarios::issue_numbered(&app, &sup, "qingshi-dzb", "计数", 1, 3).await;
    let db = &app.databases.assignments;
    let calls = |update: &'static str| {
        let id = ids[0].clone();
        async move {
            let txn = db.begin().await.unwrap();
            for setting in [
                "SET LOCAL track_functions = 'pl'",
                "SET CONSTRAINTS ALL IMMEDIATE",
            ] {
                txn.execute_unprepared(setting).await.unwrap();
            }
            txn.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                update,
                [id.into()],
            ))
            .await
            .unwrap();
            let n: i64 = txn
                .query_one(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_xact_user_functions \
                     WHERE funcname = 'assignment_tally_count'",
                ))
                .await
                .unwrap()
                .and_then(|r| r.try_get_by_index(0).ok())
                .unwrap();
            txn.rollback().await.unwrap();
            n
        }
    };
    let report = "UPDATE assignment SET progress_percent = 40, version = version + 1 WHERE id = $1";
    assert_eq!(calls(report).await, 0, "a report moves no tally");
    let ack = "UPDATE assignment SET state = 'ACKNOWLEDGED', version = version + 1 WHERE id = $1";
    assert_eq!(calls(ack).await, 1, "a state change moves one");
    app.shutdown().await.unwrap();
}
