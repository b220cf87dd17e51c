//! The row a replica keeps of each item it wrote last, and its guard against writers it
//! cannot know of.

use super::{command, signed_for};
use crate::TestApp;

/// A command on an item this replica wrote last decides on the row it kept, without
/// reading it again; a kept row that another writer has moved on (here a version bumped as
/// another replica's command would) fails the write's guard, and the command is answered
/// from what is stored: a version conflict, with nothing written.
pub async fn kept_row_and_a_moved_one(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let (clerk, id, acked) = signed_for(app, "记住的事项").await;
    let db = &app.databases.assignments;
    let title = || async {
        crate::query_pairs::<String, i64>(
            db,
            &format!("SELECT title, version FROM assignment WHERE id = '{id}'"),
        )
        .await
        .unwrap()
    };
    // A change no writer of duban makes (every one moves the version or the event
    // position): only a command that did not read the row answers with the old title,
    // and one that writes only the columns it moved leaves the stored one.
    db.execute_unprepared(&format!(
        "UPDATE assignment SET title = '库里改过' WHERE id = '{id}'"
    ))
    .await
    .unwrap();
    let report = |v: &serde_json::Value, text: &str| serde_json::json!({"id": id, "expectedVersion": v, "percent": 30, "text": text});
    let reported = app
        .gql(
            Some(&clerk),
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { version title progressPercent } } }",
            serde_json::json!({"i": report(&acked, "第一次报送")}),
        )
        .await
        .unwrap();
    let reported = &reported["data"]["reportProgress"]["assignment"];
    assert_eq!(
        (
            &reported["version"],
            &reported["title"],
            &reported["progressPercent"]
        ),
        (&3.into(), &"记住的事项".into(), &30.into()),
        "decided on the kept row: {reported}"
    );
    assert_eq!(
        title().await,
        [("库里改过".to_string(), 3)],
        "only what the report moved is written"
    );

    // Another replica's command, which this one cannot know of: a caller who saw its
    // answer acts on the stored version, not on the one kept here.
    let behind =
        |version: i64| format!("UPDATE assignment SET version = {version} WHERE id = '{id}'");
    db.execute_unprepared(&behind(4)).await.unwrap();
    let after = command(
        app,
        &clerk,
        "reportProgress",
        "ReportProgressInput",
        report(&4.into(), "看到别处的修改后报送"),
    )
    .await;
    assert_eq!(after["version"], 5, "{after}");
    // And one who did not is refused by what is stored, with nothing written.
    db.execute_unprepared(&behind(7)).await.unwrap();
    let stale = app
        .gql(
            Some(&clerk),
            "mutation($i: ReportProgressInput!) { reportProgress(input: $i) { assignment { version } } }",
            serde_json::json!({"i": report(&after["version"], "过期的报送")}),
        )
        .await
        .unwrap();
    assert_eq!(
        crate::error_code(&stale),
        Some("VERSION_CONFLICT"),
        "{stale}"
    );
    assert!(
        stale["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("当前版本 7")),
        "the stored version, not the kept one: {stale}"
    );
    let written = crate::count_rows(
        db,
        &format!("SELECT count(*) FROM progress_report WHERE assignment_id = '{id}' AND text = '过期的报送'"),
    )
    .await
    .unwrap();
    assert_eq!(written, 0, "a stale command leaves no report");
    let events = crate::count_rows(
        db,
        &format!("SELECT count(*) FROM outbox WHERE key = '{id}'"),
    )
    .await
    .unwrap();
    assert_eq!(events, 4, "issued, signed for, reported twice: {stale}");
}
