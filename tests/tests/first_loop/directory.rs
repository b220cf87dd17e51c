//! The directory grown by an admin, who reads which part of it, and stored values this
//! version does not know.

use duban_tests::scenarios::{self, issue};
use duban_tests::{error_code, spawn_app};
use serde_json::json;

#[actix_web::test]
async fn an_admin_adds_a_township_with_its_division_code_and_its_people_can_sign_in() {
    let app = spawn_app().await.unwrap();
    let admin = app.token("county-admin").await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let unit = "mutation($i: RegisterOrgUnitInput!) { registerOrgUnit(input: $i) { orgUnit { id path divisionCode kind } } }";
    let bad = app
        .ask(
            &admin,
            unit,
            json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇", "divisionCode": "360124102"}}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "divisionCode",
        "{bad}"
    );
    let short = app
        .ask(
            &admin,
            unit,
            json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇", "divisionCode": "3601231"}}),
        )
        .await;
    assert_eq!(short["errors"][0]["extensions"]["field"], "divisionCode");
    let denied = app
        .ask(
            &sup,
            unit,
            json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇"}}),
        )
        .await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));
    let town = app
        .ask(
            &admin,
            unit,
            json!({"i": {"id": "shanxi", "parentId": "qs", "kind": "TOWNSHIP", "name": "山溪镇", "divisionCode": "360123102"}}),
        )
        .await;
    assert_eq!(
        town["data"]["registerOrgUnit"]["orgUnit"]["path"], "/qs/shanxi",
        "{town}"
    );
    let office = app
        .ask(
            &admin,
            unit,
            json!({"i": {"id": "shanxi-dzb", "parentId": "shanxi", "kind": "OFFICE", "name": "山溪镇党政办公室"}}),
        )
        .await;
    assert_eq!(
        office["data"]["registerOrgUnit"]["orgUnit"]["path"],
        "/qs/shanxi/shanxi-dzb"
    );
    // No one works there yet: nobody can be made 责任人.
    let empty = app
        .gql(
            Some(&sup),
            scenarios::ISSUE,
            json!({"input": {"title": "无人单位", "leadUnitId": "shanxi-dzb", "timeLimitDays": 5}}),
        )
        .await
        .unwrap();
    assert_eq!(error_code(&empty), Some("VALIDATION"), "{empty}");
    assert_eq!(empty["errors"][0]["extensions"]["field"], "leadUnitId");
    assert!(
        empty["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("尚无人员")),
        "{empty}"
    );
    let person = "mutation($i: RegisterPersonInput!) { registerPerson(input: $i) { person { id account roles } } }";
    let p = app
        .ask(
            &admin,
            person,
            json!({"i": {"account": "shanxi-leader", "name": "周山", "title": "山溪镇党政办公室主任", "unitId": "shanxi-dzb", "roles": ["UNIT_LEADER"]}}),
        )
        .await;
    assert_eq!(
        p["data"]["registerPerson"]["person"]["id"], "p-shanxi-leader",
        "{p}"
    );
    let dup = app
        .ask(
            &admin,
            person,
            json!({"i": {"account": "shanxi-leader", "name": "周山", "unitId": "shanxi-dzb", "roles": ["CLERK"]}}),
        )
        .await;
    assert_eq!(dup["errors"][0]["extensions"]["field"], "account");

    // The new unit can be given work at once, and its leader gets the notice.
    let a = issue(&app, &sup, "shanxi-dzb", "新设乡镇的第一件交办事项").await;
    assert_eq!(a["responsiblePersonId"], "p-shanxi-leader");
    app.settle().await.unwrap();
    let leader = app.token("shanxi-leader").await.unwrap();
    let inbox = app
        .read(&leader, "{ myNotifications { totalCount } }")
        .await;
    assert_eq!(inbox["data"]["myNotifications"]["totalCount"], 1, "{inbox}");
    app.shutdown().await.unwrap();
}

/// A stored value this version does not know is an INTERNAL error, logged, never a guess:
/// not ISSUED for an unknown state, not KEY_TASK for an unknown source, not a 督办通知 for
/// an unknown notice kind, not BLUE for an unknown color.
#[actix_web::test]
async fn unknown_stored_values_are_errors_not_guesses() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let leader = app.token("liuhe-leader").await.unwrap();
    let a = issue(&app, &sup, "liuhe-dzb", "存储值测试").await;
    let id = a["id"].as_str().unwrap().to_string();
    app.settle().await.unwrap();
    let read = |q: &'static str| {
        let (app, sup, id) = (&app, sup.clone(), id.clone());
        async move { app.ask(&sup, q, json!({"id": id})).await }
    };
    let one = "query($id: ID!) { assignment(id: $id) { state source } }";
    assert!(read(one).await["errors"].is_null());
    for (column, forged) in [("state", "ARCHIVED"), ("source", "RUMOUR")] {
        app.databases
            .assignments
            .execute_unprepared(&format!(
                "UPDATE assignment SET {column} = '{forged}' WHERE id = '{id}'"
            ))
            .await
            .unwrap();
        let b = read(one).await;
        assert_eq!(error_code(&b), Some("INTERNAL"), "{column}: {b}");
        let back = if column == "state" {
            "ISSUED"
        } else {
            "KEY_TASK"
        };
        app.databases
            .assignments
            .execute_unprepared(&format!(
                "UPDATE assignment SET {column} = '{back}' WHERE id = '{id}'"
            ))
            .await
            .unwrap();
    }
    app.databases
        .evaluation
        .execute_unprepared(&format!(
            "UPDATE tracked_item SET color = 'PURPLE' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    let b = read("query($id: ID!) { assignment(id: $id) { color } }").await;
    assert_eq!(error_code(&b), Some("INTERNAL"), "{b}");
    app.databases
        .notifications
        .execute_unprepared(&format!(
            "UPDATE notification SET kind = 'GOSSIP' WHERE assignment_id = '{id}'"
        ))
        .await
        .unwrap();
    let b = app
        .read(
            &leader,
            "{ myNotifications(first: 50) { edges { node { kind } } } }",
        )
        .await;
    assert_eq!(error_code(&b), Some("INTERNAL"), "{b}");
    app.shutdown().await.unwrap();
}

/// A clerk reads the directory the way `sees_unit` and `sees_person` say: their own
/// unit, the units above it and its people; nothing of a neighbouring township.
#[actix_web::test]
async fn a_clerk_reads_the_directory_of_their_scope_and_above_and_nothing_beside() {
    let app = spawn_app().await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let b = app.read(&clerk, "{ orgUnits { id } }").await;
    let ids: Vec<&str> = b["data"]["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    for seen in ["qs", "qingshi", "qingshi-dzb"] {
        assert!(ids.contains(&seen), "{seen} missing: {ids:?}");
    }
    for unseen in ["baisha", "baisha-dzb", "liuhe-dzb"] {
        assert!(!ids.contains(&unseen), "{unseen} shown: {ids:?}");
    }
    let person = "query($id: ID!) { person(id: $id) { name } }";
    for (id, name) in [("p-qingshi-clerk", "张伟"), ("p-qingshi-leader", "李明")] {
        let b = app.ask(&clerk, person, json!({"id": id})).await;
        assert_eq!(b["data"]["person"]["name"], name, "{b}");
    }
    for id in ["p-baisha-clerk", "p-liuhe-leader"] {
        let b = app.ask(&clerk, person, json!({"id": id})).await;
        assert_eq!(error_code(&b), Some("NOT_FOUND"), "{id}: {b}");
    }
    app.shutdown().await.unwrap();
}

/// A unit read for one item is not read stale for the next: when its leader leaves, the
/// next item issued to it goes to whoever is in post (the unit was kept in memory since
/// the first item, and the directory change forgets it).
#[actix_web::test]
async fn a_leader_who_left_is_not_made_responsible_for_the_next_item() {
    let app = spawn_app().await.unwrap();
    let (sup, admin) = (
        app.token("county-supervisor").await.unwrap(),
        app.token("county-admin").await.unwrap(),
    );
    let first = issue(&app, &sup, "qingshi-dzb", "领导在岗时交办").await;
    assert_eq!(first["responsiblePersonId"], "p-qingshi-leader");
    let b = app
        .ask(
            &admin,
            r#"mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { deactivated } } }"#,
            json!({"input": {"id": "p-qingshi-leader", "expectedVersion": 1, "deactivated": true, "successorId": "p-qingshi-clerk"}}),
        )
        .await;
    assert_eq!(
        b["data"]["updatePerson"]["person"]["deactivated"], true,
        "{b}"
    );
    let next = issue(&app, &sup, "qingshi-dzb", "领导离岗后交办").await;
    assert_eq!(next["responsiblePersonId"], "p-qingshi-clerk");
}
