//! The dashboard in a real browser (headless Chromium through ChromeDriver), checked on
//! what the page shows: sign in with a password (changing the initial one), the county
//! board, a red township, a red item's timeline, the board of a past day, a card that
//! appears live after another client's mutation, the weekly bulletin and its .docx, the
//! wall display, a clerk acknowledging a notice, the phone layout, and trusted-documents
//! mode. Screenshots go to `<target>/screenshots/`.

use duban_tests::browser::{sign_in, Browser};
use duban_tests::{spawn_app, spawn_with, test_config};
use serde_json::json;
use std::sync::Arc;

async fn blue_total(b: &Browser) -> anyhow::Result<i64> {
    let v = b
        .wait_until("document.querySelector('#board-table tfoot td:nth-child(3)')?.textContent")
        .await?;
    Ok(v.as_str().unwrap_or("").trim().parse()?)
}

#[actix_web::test]
async fn a_supervisor_and_a_clerk_use_the_dashboard_in_a_browser() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let b = Browser::start(1280, 900).await?;

    // Sign in with a password: the initial one must be changed first.
    sign_in(&b, &app, "county-supervisor").await?;
    assert_eq!(b.text("#who").await?, "王建国");

    // The county board: one row per unit with its cards, and charts drawn by ECharts.
    b.wait_for("#board-table tbody tr").await?;
    let caption = b.text("#board-table caption").await?;
    assert!(caption.contains("并列者名次相同"), "{caption}");
    let rows = b
        .wait_until("document.querySelectorAll('#board-table tbody tr').length")
        .await?;
    assert!(rows.as_i64().unwrap_or(0) >= 3, "one row per unit: {rows}");
    b.wait_until("document.querySelector('#chart-cards canvas')")
        .await?;
    b.screenshot("board").await?;

    // Drill into a red township: the first row with a red card.
    let red_unit = b
        .wait_until(
            "[...document.querySelectorAll('#board-table tbody tr')]\
             .find(r => Number(r.querySelector('td.red').textContent) > 0)?.dataset.unit",
        )
        .await?;
    let red_unit = red_unit.as_str().unwrap_or_default().to_string();
    b.click(&format!("#board-table tr[data-unit='{red_unit}'] th a"))
        .await?;
    b.wait_for("#red-items li").await?;
    let reason = b.text("#red-items li .reason").await?;
    assert!(reason.starts_with("亮牌依据"), "{reason}");
    b.screenshot("drill-down").await?;

    // Open a red item: its timeline starts with 交办.
    b.click("#red-items li a").await?;
    b.wait_for("#timeline li").await?;
    let timeline = b.text("#timeline").await?;
    assert!(timeline.contains("交办"), "{timeline}");
    assert!(b.text("#item-title").await?.contains("红牌"));

    // The board of a past day.
    b.client.goto(&format!("{}/#/board", app.url)).await?;
    b.wait_for("#board-table").await?;
    let today = b
        .wait_until("document.getElementById('as-of').value")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let past = (chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d")?
        - chrono::Duration::days(20))
    .to_string();
    b.client
        .execute(
            "const p = document.getElementById('as-of'); p.value = arguments[0]; \
             p.dispatchEvent(new Event('change'));",
            vec![json!(past)],
        )
        .await?;
    b.wait_until(&format!(
        "document.querySelector('#board-table caption').textContent.includes('{past}')"
    ))
    .await?;
    assert!(b.text("#board-status").await?.contains("历史看板"));

    // Back to today; another client issues an item and its card appears live.
    b.click("#as-of-today").await?;
    b.wait_until(&format!(
        "document.querySelector('#board-table caption').textContent.includes('{today}')"
    ))
    .await?;
    let before = blue_total(&b).await?;
    let token = app.token("county-supervisor").await?;
    let issued = app
        .gql(
            Some(&token),
            "mutation($input: IssueAssignmentInput!) { issueAssignment(input: $input) { assignment { id } } }",
            json!({"input": {"title": "浏览器测试新交办事项", "description": "看板应实时亮牌",
                "leadUnitId": "qingshi-dzb", "responsiblePersonId": "p-qingshi-clerk",
                "timeLimitDays": 10}}),
        )
        .await?;
    assert!(issued["errors"].is_null(), "{issued}");
    b.wait_until(&format!(
        "Number(document.querySelector('#board-table tfoot td:nth-child(3)').textContent) > {before}"
    ))
    .await?;

    // The weekly bulletins of the scope, and one's .docx.
    // Last week's, published whether or not its Monday 08:30 has come on this machine's
    // clock (the tick may have published them already).
    {
        use chrono::Datelike;
        let today = app.clock.today();
        let monday = today - chrono::Days::new(u64::from(today.weekday().num_days_from_monday()));
        let running = app.running.as_ref().expect("a running app");
        app.settle().await?;
        running
            .evaluation
            .publish_week(monday - chrono::Days::new(7))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        app.settle().await?;
    }
    let out = app
        .gql(
            Some(&app.token("county-supervisor").await?),
            "{ bulletins { id } }",
            json!({}),
        )
        .await?;
    assert!(
        out["data"]["bulletins"]
            .as_array()
            .is_some_and(|b| !b.is_empty()),
        "the demo's weeks have bulletins: {out}"
    );
    b.client.goto(&format!("{}/#/bulletins", app.url)).await?;
    b.wait_for("#bulletin-list li button").await?;
    b.wait_until(
        "document.querySelector('#bulletin-body pre')?.textContent.includes('按时办结率')",
    )
    .await?;
    b.client
        .execute(
            "window.docxBytes = 0; const make = URL.createObjectURL; \
             URL.createObjectURL = (blob) => { window.docxBytes = blob.size; return make.call(URL, blob); };",
            vec![],
        )
        .await?;
    b.click("#bulletin-docx").await?;
    b.wait_until("window.docxBytes > 1000").await?;

    // The wall display for a screen in the hall.
    b.client.goto(&format!("{}/#/wall", app.url)).await?;
    b.wait_for("#wall-table tbody tr").await?;
    let wall = b.text("#wall h2").await?;
    assert!(wall.contains("亮牌公示"), "{wall}");

    // Sign out; a clerk acknowledges a notice on their own page.
    b.click("#logout").await?;
    b.wait_for("#login-form").await?;
    sign_in(&b, &app, "qingshi-clerk").await?;
    b.client.goto(&format!("{}/#/mine", app.url)).await?;
    b.wait_for("#notices").await?;
    let notice = b
        .wait_until(
            "document.querySelector('#notices li button.ack')?.closest('li').dataset.notice",
        )
        .await?;
    let notice = notice.as_str().unwrap_or_default().to_string();
    b.click(&format!("li[data-notice='{notice}'] button.ack"))
        .await?;
    b.wait_until(&format!(
        "document.querySelector(\"li[data-notice='{notice}'] .acked\")"
    ))
    .await?;
    let to_sign = b.text("#to-sign h2").await?;
    assert!(to_sign.starts_with("待签收"), "{to_sign}");

    // A phone's width: the page fits, nothing wider than the screen but the board's own
    // scrolling table.
    b.client.set_window_size(390, 844).await?;
    b.client.goto(&format!("{}/#/board", app.url)).await?;
    b.wait_for("#board-table").await?;
    let overflow = b
        .client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await?;
    assert!(
        overflow.as_i64().unwrap_or(99) <= 0,
        "page wider than a phone: {overflow}"
    );
    b.screenshot("phone").await?;
    b.close().await?;
    Ok(())
}

#[actix_web::test]
async fn in_trusted_mode_the_page_works_and_other_documents_are_refused() -> anyhow::Result<()> {
    let dir = Arc::new(tempfile::tempdir()?);
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        trusted_documents: true,
        ..test_config()
    };
    let app = spawn_with(config, dir).await?;
    let token = app.token("county-supervisor").await?;
    let free = app
        .gql(Some(&token), "{ orgUnits { id } }", json!({}))
        .await?;
    assert_eq!(
        duban_tests::error_code(&free),
        Some("UNTRUSTED_OPERATION"),
        "{free}"
    );
    let b = Browser::start(1280, 900).await?;
    sign_in(&b, &app, "county-supervisor").await?;
    b.wait_for("#board-table tbody tr").await?;
    b.wait_until("document.querySelector('#chart-cards canvas')")
        .await?;
    b.close().await?;
    Ok(())
}

#[actix_web::test]
async fn a_cadre_gives_conduct_review_scores_and_reads_the_ranking_in_the_browser(
) -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let sup = app.token("county-supervisor").await?;
    let today = app.clock.today();
    let opened = app
        .gql(
            Some(&sup),
            "mutation($input: OpenConductReviewInput!) { openConductReview(input: $input) { id } }",
            json!({"input": {"scopeUnitId": "qs", "month": today.format("%Y-%m").to_string(),
                "deadline": (today + chrono::Days::new(3)).to_string(),
                "unitIds": ["qingshi", "baisha", "liuhe"]}}),
        )
        .await?;
    let round = opened["data"]["openConductReview"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{opened}"))
        .to_string();
    let b = Browser::start(1280, 900).await?;
    sign_in(&b, &app, "baisha-clerk").await?;
    b.client.goto(&format!("{}/#/review", app.url)).await?;
    b.wait_for("#review-tasks form[data-task='qingshi']")
        .await?;
    let tasks = b
        .wait_until("document.querySelectorAll('#review-tasks form').length")
        .await?;
    assert_eq!(
        tasks,
        json!(2),
        "互评 of the two other townships, never one's own"
    );
    for (i, v) in ["88", "90", "92"].iter().enumerate() {
        b.fill(
            &format!(
                "form[data-task='qingshi'] label:nth-of-type({}) input",
                i + 1
            ),
            v,
        )
        .await?;
    }
    b.click("form[data-task='qingshi'] button").await?;
    b.wait_until("document.querySelector(\"#review-units tbody tr th\") && [...document.querySelectorAll('#review-units tbody tr')].some(r => r.textContent.includes('青石镇') && r.lastChild.textContent === '1')")
        .await?;
    let closed = app
        .gql(
            Some(&sup),
            "mutation($id: ID!) { closeConductReview(id: $id) { results { unitId total rank } } }",
            json!({"id": round}),
        )
        .await?;
    assert!(closed["errors"].is_null(), "{closed}");
    b.client.refresh().await?;
    b.wait_for("#review-results tr[data-unit='qingshi']")
        .await?;
    let line = b.text("#review-results tr[data-unit='qingshi']").await?;
    assert!(line.contains("90.00"), "the mean of 88, 90 and 92: {line}");
    b.close().await?;
    Ok(())
}

/// Scrolls the page would need sideways at this width (none on a phone).
async fn overflow(b: &Browser) -> anyhow::Result<i64> {
    let v = b
        .client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await?;
    Ok(v.as_i64().unwrap_or(99))
}

#[actix_web::test]
async fn the_public_rates_an_item_and_answers_a_survey_on_a_phone_with_no_account(
) -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let sup = app.token("county-supervisor").await?;
    let leader = app.token("qingshi-leader").await?;
    let issued = app
        .gql(
            Some(&sup),
            duban_tests::scenarios::ISSUE,
            json!({"input": {"title": "答复群众反映的路灯不亮问题", "description": "12345热线转办",
                "source": "PUBLIC_REQUEST", "leadUnitId": "qingshi-dzb", "timeLimitDays": 5}}),
        )
        .await?;
    let item = issued["data"]["issueAssignment"]["assignment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{issued}"))
        .to_string();
    let a = duban_tests::scenarios::command(
        &app,
        &leader,
        "acknowledgeAssignment",
        "AssignmentVersionInput",
        json!({"id": item, "expectedVersion": 1}),
    )
    .await;
    duban_tests::scenarios::command(
        &app,
        &leader,
        "completeAssignment",
        "CompleteAssignmentInput",
        json!({"id": item, "expectedVersion": a["version"], "result": "已修复并答复"}),
    )
    .await;
    app.settle().await?;
    // The unit's leader makes the link on the item's page (to send, or print as a QR code).
    let b = Browser::start(1280, 900).await?;
    sign_in(&b, &app, "qingshi-leader").await?;
    b.client.goto(&format!("{}/#/item/{item}", app.url)).await?;
    b.click("#rating-link-make").await?;
    let url = b
        .wait_until("document.getElementById('rating-link')?.value || null")
        .await?;
    let url = url.as_str().unwrap_or_default().to_string();
    assert!(url.starts_with(&format!("{}/p/#r=", app.url)), "{url}");
    b.click("#logout").await?;
    b.wait_for("#account").await?;

    // The rating page on a phone: five levels, a comment, no account.
    b.client.set_window_size(390, 844).await?;
    b.client.goto(&url).await?;
    b.wait_for("#rating-form").await?;
    let form = b.text("#rating-form").await?;
    assert!(form.contains("答复群众反映的路灯不亮问题") && form.contains("青石镇党政办公室"));
    for level in ["非常满意", "满意", "基本满意", "不满意", "非常不满意"] {
        assert!(form.contains(level), "{level} in {form}");
    }
    assert!(overflow(&b).await? <= 0, "the rating page fits a phone");
    b.click("#level-3").await?;
    b.fill("#rating-comment", "拖了一周才修好").await?;
    b.screenshot("rating").await?;
    b.click("#rating-submit").await?;
    let thanks = b.wait_for("#public-done").await?.text().await?;
    assert!(thanks.contains("整改"), "{thanks}");
    app.settle().await?;
    let fixes = duban_tests::count_rows(
        &app.databases.assignments,
        "SELECT COUNT(*) FROM assignment WHERE source = 'RATING_RECTIFICATION'",
    )
    .await?;
    assert_eq!(fixes, 1, "the 差评 asked for one 整改");
    b.client.refresh().await?;
    let closed = b.wait_for("#rating-closed").await?.text().await?;
    assert!(
        closed.contains("不满意") && closed.contains("整改完成后"),
        "{closed}"
    );
    b.client
        .goto(&format!("{}/p/#r={}", app.url, "x".repeat(43)))
        .await?;
    b.wait_for("#public-error").await?;

    // The survey page on the phone, through a one-time link.
    let today = app.clock.today();
    let created = app
        .gql(
            Some(&sup),
            "mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }",
            json!({"i": {"scopeUnitId": "qs", "title": "机关效能万人评议",
                "deadline": (today + chrono::Days::new(5)).to_string(),
                "unitIds": ["qingshi", "baisha", "liuhe"], "indicators": ["业务工作", "办事效率"],
                "minSample": 1}}),
        )
        .await?;
    let survey = created["data"]["createSurvey"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    let links = app
        .gql(
            Some(&sup),
            "mutation($i: IssueSurveyLinksInput!) { issueSurveyLinks(input: $i) { path } }",
            json!({"i": {"surveyId": survey, "group": "PUBLIC", "count": 1}}),
        )
        .await?;
    let path = links["data"]["issueSurveyLinks"][0]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("{links}"))
        .to_string();
    b.client.goto(&format!("{}{path}", app.url)).await?;
    b.wait_for("#survey-form").await?;
    assert!(overflow(&b).await? <= 0, "the survey page fits a phone");
    for (unit, scores) in [("qingshi", ["91", "89"]), ("liuhe", ["80", "70"])] {
        for (i, v) in scores.iter().enumerate() {
            b.fill(
                &format!(
                    "fieldset[data-unit='{unit}'] label:nth-of-type({}) input",
                    i + 1
                ),
                v,
            )
            .await?;
        }
    }
    b.screenshot("survey-phone").await?;
    b.click("#survey-submit").await?;
    b.wait_for("#public-done").await?;
    b.client.refresh().await?;
    b.wait_for("#public-error").await?;

    // The supervisor reads the results with a chart per indicator.
    let closed = app
        .gql(
            Some(&sup),
            "mutation($id: ID!) { closeSurvey(id: $id) { status } }",
            json!({"id": survey}),
        )
        .await?;
    assert!(closed["errors"].is_null(), "{closed}");
    b.client.set_window_size(1280, 900).await?;
    sign_in(&b, &app, "county-supervisor").await?;
    b.client
        .goto(&format!("{}/#/surveys/{survey}", app.url))
        .await?;
    let line = b
        .wait_for("#survey-table tr[data-unit='qingshi']")
        .await?
        .text()
        .await?;
    assert!(line.contains("90.00") && line.contains("91.00"), "{line}");
    let charts = b
        .wait_until("document.querySelectorAll('#survey-charts canvas').length === 2 && 2")
        .await?;
    assert_eq!(charts, json!(2), "one chart per indicator");
    let counts = b.text("#survey-counts").await?;
    assert!(counts.contains("服务对象 1 份"), "{counts}");
    b.screenshot("survey").await?;

    // The unit appealed the 差评; the supervisor upholds it on the 好差评 page.
    let ratings = app
        .gql(Some(&leader), "{ ratings { id } }", json!({}))
        .await?;
    let rating = ratings["data"]["ratings"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{ratings}"))
        .to_string();
    let appealed = app
        .gql(
            Some(&leader),
            "mutation($id: ID!) { appealRating(input: {ratingId: $id, reasons: \"系当事人误评\"}) { id } }",
            json!({"id": rating}),
        )
        .await?;
    assert!(appealed["errors"].is_null(), "{appealed}");
    b.client.goto(&format!("{}/#/ratings", app.url)).await?;
    b.fill(&format!("[data-decide='{rating}'] input"), "经核查，属误评")
        .await?;
    b.click(&format!("[data-decide='{rating}'] button")).await?;
    let line = b
        .wait_until(&format!(
            "document.querySelector(\"li[data-rating='{rating}'] .reason\")?.textContent.includes('申诉成立') && document.querySelector(\"li[data-rating='{rating}']\").textContent"
        ))
        .await?;
    assert!(line.as_str().unwrap_or("").contains("经核查"), "{line}");
    b.close().await?;
    Ok(())
}

#[actix_web::test]
async fn discipline_records_and_corrects_an_accountability_decision_in_the_browser(
) -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let today = app.clock.today().to_string();
    let b = Browser::start(1280, 900).await?;
    sign_in(&b, &app, "county-discipline").await?;
    b.client
        .goto(&format!("{}/#/accountability", app.url))
        .await?;
    b.wait_for("#acc-record").await?;
    let set = |form: &'static str| {
        format!(
            "document.getElementById('acc-form').value = '{form}'; \
             document.getElementById('acc-on').value = '{today}';"
        )
    };
    b.fill("#acc-subject", "p-qingshi-clerk").await?;
    b.client.execute(&set("诫勉谈话"), vec![]).await?;
    b.fill("#acc-grounds", "群众诉求超期未办结且未说明理由")
        .await?;
    b.fill("#acc-by", "青山县纪委监委").await?;
    b.click("#acc-submit").await?;
    let first = b
        .wait_until(
            "document.querySelector('#acc-table tbody tr[data-record]')?.dataset.record || null",
        )
        .await?;
    let first = first.as_str().unwrap_or_default().to_string();
    let line = b.text(&format!("tr[data-record='{first}']")).await?;
    assert!(line.contains("诫勉谈话") && line.contains("有效"), "{line}");

    // The correction: a new record superseding the first, which stays, marked.
    b.wait_for("#acc-record").await?;
    b.fill("#acc-subject", "p-qingshi-clerk").await?;
    b.client
        .execute(
            &format!(
                "{} document.getElementById('acc-supersedes').value = '{first}';",
                set("批评教育")
            ),
            vec![],
        )
        .await?;
    b.fill("#acc-grounds", "经复核，改为批评教育").await?;
    b.fill("#acc-by", "青山县纪委监委").await?;
    b.click("#acc-submit").await?;
    b.wait_until(&format!(
        "document.querySelector(\"tr[data-record='{first}']\")?.textContent.includes('已更正')"
    ))
    .await?;
    let rows = b
        .wait_until("document.querySelectorAll('#acc-table tbody tr[data-record]').length")
        .await?;
    assert_eq!(rows, json!(2), "both records stand on the page");
    b.screenshot("accountability").await?;

    // The cadre's 作风表现台账 shows the standing record, not the corrected one.
    b.client
        .goto(&format!("{}/#/ledger/p-qingshi-clerk", app.url))
        .await?;
    let counts = b
        .wait_until("document.getElementById('ledger-counts')?.textContent || null")
        .await?;
    assert!(
        counts.as_str().unwrap_or("").contains("落实八项规定 1 项"),
        "{counts}"
    );
    let table = b.text("#ledger-table").await?;
    assert!(
        table.contains("批评教育") && !table.contains("诫勉谈话"),
        "{table}"
    );
    b.close().await?;
    Ok(())
}
