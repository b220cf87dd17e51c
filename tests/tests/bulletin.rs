//! 周通报: at 08:30 of the week's first working day every unit and the county get last
//! week's bulletin, whose figures are the boards' own, number by number; it is stored,
//! queried in scope, commented on (一点评) by those above it, downloaded as a .docx in
//! the layout of government documents and as Markdown, and its unit's leaders are told.
//! After 国庆 it waits for the first working day.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{at_nine, count_rows, error_code, TestApp};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read as _;

const BOARD: &str = "query($s: ID, $d: Date, $p: BoardPeriod) { board(scope: $s, asOf: $d, period: $p) {
  rows { unit { id } rank onTimeRate issued onTimeNumerator onTimeDenominator overdue red yellow problemsClosed } } }";
const BULLETINS: &str = "query($s: ID) { bulletins(scope: $s) { id title number weekStart weekEnd scopeName
  total { issued done doneOnTime overdue red yellow problemsClosed }
  rows { unitId unitName rank lastRank onTimeRate issued done doneOnTime overdue red yellow problemsClosed }
  redTotal yellowTotal dueTotal commended criticised rankingNote markdown comments { authorName text } } }";

async fn publish(app: &TestApp) -> usize {
    app.publish_bulletins().await.unwrap()
}

async fn board(
    app: &TestApp,
    token: &str,
    scope: &str,
    day: &str,
    week: bool,
) -> HashMap<String, Value> {
    let vars = json!({"s": scope, "d": day, "p": if week { json!("WEEK") } else { Value::Null }});
    let b = app.ask(token, BOARD, vars).await;
    b["data"]["board"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{b}"))
        .iter()
        .map(|r| (r["unit"]["id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

async fn bulletins(app: &TestApp, token: &str, scope: &str) -> Value {
    let b = app.ok(token, BULLETINS, json!({"s": scope})).await;
    b["data"]["bulletins"].clone()
}

#[actix_web::test]
async fn the_county_bulletin_states_the_boards_figures_number_by_number() {
    // Monday 2026-11-30, 09:00: last week is 23–29 November.
    let (_clock, app) = at_nine(2026, 11, 30).await;
    let sup = app.token("county-supervisor").await.unwrap();
    let written = publish(&app).await;
    let units = count_rows(&app.databases.assignments, "SELECT count(*) FROM org_unit")
        .await
        .unwrap();
    assert_eq!(
        written as i64, units,
        "one bulletin per unit, the county's among them"
    );
    assert_eq!(publish(&app).await, 0, "once a week");

    let list = bulletins(&app, &sup, "qs").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let b = &list[0];
    assert_eq!(b["weekStart"], "2026-11-23");
    assert_eq!(b["weekEnd"], "2026-11-29");
    assert_eq!(b["number"], "督通〔2026〕49号");
    let week = board(&app, &sup, "qs", "2026-11-29", true).await;
    let standing = board(&app, &sup, "qs", "2026-11-29", false).await;
    let before = board(&app, &sup, "qs", "2026-11-22", false).await;
    let rows = b["rows"].as_array().unwrap();
    assert_eq!(rows.len(), week.len(), "every unit of the board: {b}");
    let mut busy = 0;
    for r in rows {
        let id = r["unitId"].as_str().unwrap();
        let (w, s, p) = (&week[id], &standing[id], &before[id]);
        assert_eq!(r["issued"], w["issued"], "{id}");
        assert_eq!(r["done"], w["onTimeDenominator"], "{id}");
        assert_eq!(r["doneOnTime"], w["onTimeNumerator"], "{id}");
        assert_eq!(r["overdue"], w["overdue"], "{id}");
        assert_eq!(r["red"], w["red"], "{id}");
        assert_eq!(r["yellow"], w["yellow"], "{id}");
        assert_eq!(r["problemsClosed"], w["problemsClosed"], "{id}");
        assert_eq!(r["rank"], s["rank"], "{id}");
        assert_eq!(r["onTimeRate"], s["onTimeRate"], "{id}");
        assert_eq!(r["lastRank"], p["rank"], "{id}");
        busy += r["issued"].as_i64().unwrap() + r["done"].as_i64().unwrap();
    }
    assert!(busy > 0, "the demo county worked last week: {b}");
    // The text says the same numbers.
    let md = b["markdown"].as_str().unwrap();
    let t = &b["total"];
    assert!(
        md.contains(&format!(
            "新交办督办事项{}项，办结{}项",
            t["issued"], t["done"]
        )),
        "{md}"
    );
    for heading in [
        "一、上周工作总结",
        "二、本周及下周工作计划",
        "三、工作通报",
        "四、点评",
    ] {
        assert!(md.contains(heading), "{md}");
    }
    for r in rows {
        if let Some(rank) = r["rank"].as_i64() {
            let name = r["unitName"].as_str().unwrap();
            assert!(md.contains(&format!("第{rank}名 {name}")), "{md}");
        }
    }
    assert_eq!(
        b["rankingNote"],
        "并列者名次相同，其后名次顺延（如1、2、2、4）"
    );

    // As a document in the layout of a 通报.
    let id = b["id"].as_str().unwrap();
    let (status, docx) = app
        .get_bytes(&format!("/bulletins/v1/{id}.docx"), &sup)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    for needle in [
        r#"w:w="11906""#,
        r#"w:h="16838""#,
        r#"w:top="2098""#,
        r#"w:left="1587""#,
        "FF0000",
        "方正小标宋简体",
        "仿宋_GB2312",
        "黑体",
        "督通〔2026〕49号",
        "2026年11月30日",
        "一、上周工作总结",
    ] {
        assert!(xml.contains(needle), "{needle} missing from the document");
    }
    assert!(xml.contains(b["title"].as_str().unwrap()));
    let (status, md) = app
        .get_bytes(&format!("/bulletins/v1/{id}.md"), &sup)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(String::from_utf8(md)
        .unwrap()
        .starts_with(&format!("# {}", b["title"].as_str().unwrap())));
}

#[actix_web::test]
async fn a_units_bulletin_is_read_in_scope_commented_from_above_and_told_to_its_leaders() {
    let (_clock, app) = at_nine(2026, 11, 30).await;
    publish(&app).await;
    let leader = app.token("qingshi-leader").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let boss = app.token("qingshi-supervisor").await.unwrap();
    let baisha = app.token("baisha-clerk").await.unwrap();
    let mine = bulletins(&app, &clerk, "qingshi-dzb").await;
    let id = mine[0]["id"].as_str().unwrap().to_string();
    assert_eq!(mine[0]["scopeName"], "青石镇党政办公室");
    // Another township's clerk cannot read it, but reads the county's.
    let b = app
        .ask(
            &baisha,
            "query($i: ID!) { bulletin(id: $i) { id } }",
            json!({"i": id}),
        )
        .await;
    assert_eq!(error_code(&b), Some("NOT_FOUND"), "{b}");
    assert_eq!(
        bulletins(&app, &baisha, "qs")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // 一点评: not by the clerk; by the township's supervisor, shown under it.
    let comment = "mutation($i: CommentBulletinInput!) { commentBulletin(input: $i) { comments { authorName text } markdown } }";
    let text = "本周红牌事项较多，请党政办逐项对账销号。";
    let b = app
        .ask(&clerk, comment, json!({"i": {"id": id, "text": text}}))
        .await;
    assert_eq!(error_code(&b), Some("FORBIDDEN"), "{b}");
    let b = app
        .ask(&boss, comment, json!({"i": {"id": id, "text": text}}))
        .await;
    assert_eq!(
        b["data"]["commentBulletin"]["comments"][0]["text"], text,
        "{b}"
    );
    assert!(b["data"]["commentBulletin"]["markdown"]
        .as_str()
        .unwrap()
        .contains(&format!("陈志远：{text}")));
    let b = app
        .ask(&boss, comment, json!({"i": {"id": id, "text": "  "}}))
        .await;
    assert_eq!(b["errors"][0]["extensions"]["field"], "text", "{b}");

    // The office's 分管领导 — here 孙立群 of another unit, made 张伟's — may read and
    // comment too; before, he could do neither.
    let fgj = app.token("fgj-leader").await.unwrap();
    let by_fgj = json!({"i": {"id": id, "text": "分管领导点评：请按期销号。"}});
    let b = app.ask(&fgj, comment, by_fgj.clone()).await;
    assert_eq!(error_code(&b), Some("NOT_FOUND"), "{b}");
    let admin = app.token("county-admin").await.unwrap();
    let up = duban_tests::scenarios::update_person(
        &app,
        &admin,
        "p-qingshi-clerk",
        json!({"supervisingLeaderId": "p-fgj-leader"}),
    )
    .await;
    assert!(up["errors"].is_null(), "{up}");
    app.settle().await.unwrap();
    let b = app.ask(&fgj, comment, by_fgj).await;
    // Both comments stand (made in the same instant of the test's clock, in either order).
    let authors: Vec<&str> = b["data"]["commentBulletin"]["comments"]
        .as_array()
        .unwrap_or_else(|| panic!("{b}"))
        .iter()
        .filter_map(|c| c["authorName"].as_str())
        .collect();
    assert!(
        authors.len() == 2 && authors.contains(&"孙立群") && authors.contains(&"陈志远"),
        "{b}"
    );

    // The office's leader heard of the bulletin and of the comments.
    app.settle().await.unwrap();
    let told: Vec<String> = duban_tests::scenarios::inbox(&app, &leader, "kind title")
        .await
        .iter()
        .filter(|n| n["kind"] == "WEEKLY_BULLETIN")
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect();
    // His office's bulletin, the county's (issued to every unit) and the two comments.
    assert_eq!(told.len(), 4, "{told:?}");
    assert!(told.iter().any(|t| t.starts_with("周通报点评")));
    assert!(told.iter().any(|t| t.contains("关于青山县")), "{told:?}");
    assert_eq!(
        app.audited("BulletinCommented").await.unwrap(),
        ["duban.evaluation.v1"; 2]
    );
}

#[actix_web::test]
async fn after_national_day_the_bulletin_waits_for_the_first_working_day() {
    // Monday 5 October 2026 is a holiday; Thursday the 8th is the first working day.
    let (clock, app) = at_nine(2026, 10, 5).await;
    assert_eq!(publish(&app).await, 0);
    clock.advance(chrono::Duration::days(3) - chrono::Duration::minutes(31)); // 8 Oct 08:29
    assert_eq!(publish(&app).await, 0);
    clock.advance(chrono::Duration::minutes(1)); // 08:30
    assert!(publish(&app).await > 0);
    let sup = app.token("county-supervisor").await.unwrap();
    let b = bulletins(&app, &sup, "qs").await;
    assert_eq!(b[0]["weekStart"], "2026-09-28", "{b}");
    assert_eq!(b[0]["weekEnd"], "2026-10-04");
}
