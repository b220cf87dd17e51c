//! The commission's and the 考评组's pages in a real browser: the referral inbox (签收, a
//! disposition, 办结, the sealed evidence; the referring supervisor sees the stage and not
//! the notes), and the annual assessment (甄别 of two records, the tie at the last place
//! decided, the result published with its quotas, 推荐使用 and exclusions).

use chrono::Datelike;
use duban_tests::browser::{sign_in, sign_in_again, Browser};
use duban_tests::scenarios::assessment::{
    enter_scores, record_this_years_faults, weigh_report_only,
};
use duban_tests::spawn_app;
use serde_json::json;

async fn sign_out(b: &Browser) -> anyhow::Result<()> {
    b.click("#logout").await?;
    b.wait_for("#account").await?;
    Ok(())
}

#[actix_web::test]
async fn the_commission_handles_a_referral_in_its_inbox_and_the_referrer_sees_the_stage(
) -> anyhow::Result<()> {
    let app = spawn_app().await?;
    app.settle().await?;
    let sup = app.token("county-supervisor").await?;
    let items = app
        .gql(
            Some(&sup),
            "{ assignments(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await?;
    let item = items["data"]["assignments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let referred = app
        .gql(
            Some(&sup),
            "mutation($i: ReferClueInput!) { referClue(input: $i) { id } }",
            json!({"i": {"subjectKind": "UNIT", "subjectId": "qingshi", "itemIds": [item],
                         "grounds": "多次督办仍未落实"}}),
        )
        .await?;
    let id = referred["data"]["referClue"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{referred}"))
        .to_string();
    app.settle().await?;

    let b = Browser::start(1280, 900).await?;
    sign_in(&b, &app, "county-discipline").await?;
    b.client.goto(&format!("{}/#/referrals", app.url)).await?;
    b.wait_for(&format!("[data-receive='{id}']")).await?;
    b.fill(&format!("[data-note='{id}']"), "已登记编号").await?;
    b.click(&format!("[data-receive='{id}']")).await?;
    b.wait_for(&format!("[data-dispose='{id}']")).await?;
    b.client
        .execute(
            &format!(
                "document.querySelector(\"[data-disposition='{id}']\").value = 'PRELIMINARY_CHECK';"
            ),
            vec![],
        )
        .await?;
    b.fill(&format!("[data-note='{id}']"), "内部：拟约谈镇党政办主任")
        .await?;
    b.click(&format!("[data-dispose='{id}']")).await?;
    b.wait_for(&format!("[data-conclude='{id}']")).await?;
    let due = b.text(&format!("[data-due='{id}']")).await?;
    assert!(due.contains("前"), "the disposition's time limit: {due}");
    b.click(&format!("[data-conclude='{id}']")).await?;
    b.wait_until(&format!(
        "document.querySelector(\"[data-stage='{id}']\")?.textContent.includes('已办结')"
    ))
    .await?;
    let stage = b.text(&format!("[data-stage='{id}']")).await?;
    assert!(stage.contains("初步核实"), "{stage}");
    b.click(&format!("[data-show-evidence='{id}']")).await?;
    let evidence = b
        .wait_until(&format!(
            "document.querySelector(\"[data-evidence='{id}']\")?.textContent || null"
        ))
        .await?;
    assert!(
        evidence.as_str().unwrap_or("").contains("条事件"),
        "{evidence}"
    );
    let row = b.text(&format!("tr[data-referral='{id}']")).await?;
    assert!(row.contains("ClueReferred"), "{row}");
    b.screenshot("referrals").await?;
    sign_out(&b).await?;

    // The referrer: the stage, none of the commission's notes or tools.
    sign_in(&b, &app, "county-supervisor").await?;
    b.client.goto(&format!("{}/#/referrals", app.url)).await?;
    b.wait_for(&format!("tr[data-referral='{id}']")).await?;
    let row = b.text(&format!("tr[data-referral='{id}']")).await?;
    assert!(row.contains("已办结"), "{row}");
    let page = b.text("#ref-body").await?;
    assert!(
        !page.contains("拟约谈") && !page.contains("初步核实") && !page.contains("已登记编号"),
        "{page}"
    );
    let tools = b
        .wait_until("document.querySelectorAll('[data-receive],[data-dispose],[data-conclude]').length === 0")
        .await?;
    assert_eq!(tools, json!(true));
    b.close().await?;
    Ok(())
}

#[actix_web::test]
async fn the_panel_screens_and_decides_a_tie_and_the_supervisor_publishes_the_year(
) -> anyhow::Result<()> {
    let app = spawn_app().await?;
    app.settle().await?;
    let today = app.clock.today();
    record_this_years_faults(&app, &today.to_string()).await?;
    weigh_report_only(&app).await?;

    // The supervisor opens the year on the page, naming the 考评组.
    let b = Browser::start(1280, 900).await?;
    sign_in(&b, &app, "county-supervisor").await?;
    b.client.goto(&format!("{}/#/assessment", app.url)).await?;
    b.wait_for("#open-assessment").await?;
    b.fill("#open-scope", "qs").await?;
    b.fill("#open-panel", "p-county-supervisor, p-fgj-leader")
        .await?;
    b.click("#open-assessment button").await?;
    let id = b
        .wait_until("location.hash.startsWith('#/assessment/') ? decodeURIComponent(location.hash.slice(13)) : null")
        .await?;
    let id = id.as_str().unwrap_or_default().to_string();
    let year = b
        .wait_until("document.querySelector('#assess-body h2')?.textContent || null")
        .await?;
    assert!(
        year.as_str()
            .unwrap_or("")
            .contains(&format!("{}年度考核", today.year())),
        "{year}"
    );
    sign_out(&b).await?;
    let panel = app.token("fgj-leader").await?;
    enter_scores(&app, &panel, &id).await?;

    sign_in(&b, &app, "fgj-leader").await?;
    b.client
        .goto(&format!("{}/#/assessment/{id}", app.url))
        .await?;
    let pending = b
        .wait_until("document.getElementById('assess-pending')?.textContent || null")
        .await?;
    assert!(
        pending
            .as_str()
            .unwrap_or("")
            .contains("p-liuhe-leader待甄别"),
        "{pending}"
    );
    b.fill(
        "[data-screen-reason='p-liuhe-leader']",
        "经核实系本人未履职",
    )
    .await?;
    b.click("[data-own='p-liuhe-leader']").await?;
    b.wait_for("[data-screen-reason='p-qingshi-clerk']").await?;
    b.wait_until("!document.querySelector(\"[data-own='p-liuhe-leader']\")")
        .await?;
    b.fill(
        "[data-screen-reason='p-qingshi-clerk']",
        "延误系上级部门材料未到",
    )
    .await?;
    b.click("[data-not-own='p-qingshi-clerk']").await?;
    b.wait_for("#tie-PERSON").await?;
    let tie = b.text("#tie-PERSON").await?;
    assert!(
        tie.contains("p-baisha-clerk") && tie.contains("p-qingshi-leader") && tie.contains("1 个"),
        "{tie}"
    );
    b.click("[data-tie='p-baisha-clerk']").await?;
    b.fill("#tie-reason", "何磊全年无督办牌，经考评组集体研究确定")
        .await?;
    b.click("#tie-decide").await?;
    b.wait_until("!document.getElementById('assess-pending')")
        .await?;
    sign_out(&b).await?;

    sign_in_again(&b, &app, "county-supervisor").await?;
    b.client
        .goto(&format!("{}/#/assessment/{id}", app.url))
        .await?;
    b.wait_for("#assess-publish").await?;
    let quota = b.text("#assess-quota").await?;
    assert!(
        quota.contains("先进工作者 4 名")
            && quota.contains("先进科室 2 个")
            && quota.contains("舍去"),
        "{quota}"
    );
    b.click("#assess-publish").await?;
    b.wait_until("!document.getElementById('assess-publish')")
        .await?;
    let chosen = b.text("[data-selected='p-baisha-clerk']").await?;
    assert!(chosen.contains("推荐使用"), "{chosen}");
    assert_eq!(b.text("[data-selected='p-qingshi-leader']").await?, "");
    let excluded = b.text("[data-eligibility='p-liuhe-leader']").await?;
    assert!(
        excluded.contains("取消评先资格") && excluded.contains("提醒谈话"),
        "{excluded}"
    );
    let restored = b.text("[data-eligibility='p-qingshi-clerk']").await?;
    assert!(restored.contains("恢复"), "{restored}");
    let unit = b.text("#assess-units [data-eligibility='liuhe']").await?;
    assert!(unit.contains("p-liuhe-leader"), "{unit}");
    assert_eq!(
        b.text("#assess-units [data-selected='qingshi']").await?,
        "✓"
    );
    b.screenshot("assessment").await?;
    b.close().await?;
    Ok(())
}
