//! 作风表现台账: a cadre's ledger, checked line by line against what happened to the items
//! they were responsible for (done on time, returned, carded), a rating of an item they
//! handled, and the accountability records on them (a superseded one left out); who may
//! read it; the .xlsx.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::{acknowledge_and_complete, command, ISSUE};
use duban_tests::{at_nine, error_code, TestApp};
use serde_json::{json, Value};

const LEDGER: &str = "query($p: ID!, $from: Date!, $to: Date!) {
  conductLedger(personId: $p, from: $from, to: $to) {
    unitName lines { category on what text itemId } counts { category count } } }";

async fn issue(app: &TestApp, sup: &str, source: &str, title: &str, days: i32) -> String {
    let v = app
        .ok(
            sup,
            ISSUE,
            json!({"input": {"title": title, "description": "按要求办理", "source": source,
                             "leadUnitId": "qingshi-dzb", "timeLimitDays": days}}),
        )
        .await;
    v["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn ledger(app: &TestApp, who: &str) -> Value {
    let t = app.token(who).await.unwrap();
    app.ask(
        &t,
        LEDGER,
        json!({"p": "p-qingshi-leader", "from": "2026-03-01", "to": "2026-03-31"}),
    )
    .await
}

#[actix_web::test]
async fn a_cadres_ledger_is_what_happened_line_by_line() {
    let (clock, app) = at_nine(2026, 3, 2).await;
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let leader = app.token("qingshi-leader").await.unwrap();

    // A: done on time. B: done, then sent back. C: left to run past its limit. D: a
    // 群众诉求 done and rated 满意.
    let a = issue(&app, &sup, "LEADER_INSTRUCTION", "甲：落实首问负责制", 5).await;
    acknowledge_and_complete(&app, &leader, &a).await;
    let b = issue(&app, &sup, "LEADER_INSTRUCTION", "乙：整改窗口服务", 5).await;
    let done = acknowledge_and_complete(&app, &leader, &b).await;
    command(
        &app,
        &sup,
        "returnAssignment",
        "ReturnAssignmentInput",
        json!({"id": b, "expectedVersion": done["version"], "reason": "佐证材料不全"}),
    )
    .await;
    let c = issue(&app, &sup, "LEADER_INSTRUCTION", "丙：清理积压件", 2).await;
    let d = issue(&app, &sup, "PUBLIC_REQUEST", "丁：答复群众诉求", 5).await;
    acknowledge_and_complete(&app, &leader, &d).await;
    app.settle().await.unwrap();
    let link = app
        .ask(
            &leader,
            "mutation($id: ID!) { ratingLink(itemId: $id) { token } }",
            json!({"id": d}),
        )
        .await;
    let token = &link["data"]["ratingLink"]["token"];
    let (status, _) = duban_tests::scenarios::rate(&app, token, "SATISFIED", None).await;
    assert_eq!(status, 200);

    // Two accountability records, the first corrected by the second.
    let disc = app.token("county-discipline").await.unwrap();
    let rec = |form: &str, supersedes: Option<String>| {
        json!({"i": {"subjectKind": "PERSON", "subjectId": "p-qingshi-leader", "form": form,
            "grounds": "办理不力", "decidedOn": "2026-03-02", "decidedBy": "县纪委监委",
            "supersedes": supersedes}})
    };
    let mutation =
        "mutation($i: RecordAccountabilityInput!) { recordAccountability(input: $i) { id } }";
    let first = app.ask(&disc, mutation, rec("诫勉谈话", None)).await;
    let first = first["data"]["recordAccountability"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(&disc, mutation, rec("提醒谈话", Some(first))).await;

    // C runs past its limit: the tick shows a red card on it.
    clock.advance(chrono::Duration::days(4));
    app.running
        .as_ref()
        .unwrap()
        .evaluation
        .reassess()
        .await
        .unwrap();
    app.settle().await.unwrap();

    let v = ledger(&app, "qingshi-leader").await;
    assert!(v["errors"].is_null(), "{v}");
    let l = &v["data"]["conductLedger"];
    assert_eq!(l["unitName"], "青石镇党政办公室");
    let lines: Vec<(String, String, Option<String>)> = l["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["category"].as_str().unwrap().to_string(),
                x["what"].as_str().unwrap().to_string(),
                x["itemId"].as_str().map(str::to_string),
            )
        })
        .collect();
    let of = |item: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|(_, _, i)| i.as_deref() == Some(item))
            .map(|(_, w, _)| w.clone())
            .collect()
    };
    assert_eq!(of(&a), ["按时办结"]);
    // B, open again after its return, runs near its limit: a yellow card may follow.
    let b_lines = of(&b);
    assert_eq!(b_lines[..2], ["按时办结", "办结审核退回"]);
    assert!(b_lines[2..].iter().all(|w| w == "黄牌预警"), "{b_lines:?}");
    let carded = of(&c);
    assert!(carded.contains(&"红牌督办".to_string()), "{carded:?}");
    assert!(
        carded.iter().all(|w| w == "黄牌预警" || w == "红牌督办"),
        "{carded:?}"
    );
    assert_eq!(of(&d), ["按时办结", "群众好评"]);
    let accountability: Vec<&(String, String, Option<String>)> = lines
        .iter()
        .filter(|(c, _, _)| c == "落实八项规定")
        .collect();
    assert_eq!(accountability.len(), 1, "the superseded record is left out");
    assert_eq!(accountability[0].1, "提醒谈话");
    // Anything else is a card on one of the demo's items this cadre is responsible for.
    let ours = [&a, &b, &c, &d];
    let sup = app.token("county-supervisor").await.unwrap();
    for (_, what, item) in &lines {
        let Some(item) = item.as_ref().filter(|i| !ours.contains(i)) else {
            continue;
        };
        assert!(what == "黄牌预警" || what == "红牌督办", "{what} on {item}");
        let held = app
            .ask(
                &sup,
                "query($id: ID!) { assignment(id: $id) { responsiblePersonId } }",
                json!({"id": item}),
            )
            .await;
        assert_eq!(
            held["data"]["assignment"]["responsiblePersonId"], "p-qingshi-leader",
            "{held}"
        );
    }
    for c in l["counts"].as_array().unwrap() {
        let n = lines
            .iter()
            .filter(|(cat, _, _)| cat == c["category"].as_str().unwrap())
            .count();
        assert_eq!(c["count"].as_u64().unwrap() as usize, n, "{c}");
    }
    let categories: Vec<&str> = l["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        ["落实八项规定", "服务群众", "担当作为", "工作实绩"]
    );

    // Who reads it.
    for (who, allowed) in [
        ("county-discipline", true),
        ("county-supervisor", true),
        ("qingshi-clerk", false),
        ("baisha-leader", false),
    ] {
        let v = ledger(&app, who).await;
        if allowed {
            assert!(v["errors"].is_null(), "{who}: {v}");
        } else {
            assert_eq!(error_code(&v), Some("FORBIDDEN"), "{who}: {v}");
        }
    }

    // The county regroups: cards and 推诿 under 担当作为方面, returns there too.
    let mut set = app
        .read(
            &sup,
            "{ conductCategories { categories kinds { kind category } } }",
        )
        .await;
    let c = &mut set["data"]["conductCategories"];
    c["categories"][2] = json!("担当作为方面");
    for k in c["kinds"].as_array_mut().unwrap() {
        if k["category"] == "担当作为" || k["kind"] == "RETURNED" {
            k["category"] = json!("担当作为方面");
        }
    }
    let input = json!({"i": c.clone()});
    let regroup =
        "mutation($i: ConductCategoriesInput!) { setConductCategories(input: $i) { categories } }";
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let refused = app.ask(&clerk, regroup, input.clone()).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    app.ok(&sup, regroup, input).await;
    let v = ledger(&app, "county-supervisor").await;
    let regrouped = &v["data"]["conductLedger"];
    let in_new: Vec<&str> = regrouped["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["category"] == "担当作为方面")
        .map(|l| l["what"].as_str().unwrap())
        .collect();
    assert!(
        in_new.contains(&"办结审核退回") && in_new.contains(&"红牌督办"),
        "{in_new:?}"
    );
    assert_eq!(regrouped["counts"][2]["category"], "担当作为方面");
    assert_eq!(
        regrouped["counts"][2]["count"].as_u64().unwrap() as usize,
        in_new.len()
    );

    // The workbook.
    let leader = app.token("qingshi-leader").await.unwrap();
    let (status, bytes) = app
        .get_bytes(
            "/conduct/v1/p-qingshi-leader.xlsx?from=2026-03-01&to=2026-03-31",
            &leader,
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let cells = duban_tests::scenarios::first_sheet_cells(bytes);
    for want in [
        "按时办结",
        "办结审核退回",
        "红牌督办",
        "群众好评",
        "提醒谈话",
    ] {
        assert!(cells.iter().any(|c| c == want), "{want} in {cells:?}");
    }
}
