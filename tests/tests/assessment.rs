//! 年度考核 of the demo county, checked against a hand computation: sixteen people and
//! seven units; a fractional quota (30% of 16 is 4.8 → 4 places, 40% of 7 is 2.8 → 2); a
//! tie at the fourth place decided by the 考评组 and recorded; a person with an
//! accountability record excluded with their 科室 after 甄别; a 通报批评 found not the
//! person's own fault, restoring eligibility; figures computed from what was recorded,
//! an override keeping the computed value and its reason; who may write; the published
//! result frozen, on the board and in the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::scenarios::assessment::{enter_scores, record_this_years_faults, report_only};
use duban_tests::{at_nine, error_code, TestApp};
use serde_json::{json, Value};

const VIEW: &str = "query($id: ID!) { assessment(id: $id) { status personPlaces unitPlaces pending
  ties { subjectKind tiedIds places }
  people { subjectId unitId composite rank eligibility grounds selected recommended
           figures { indicator computed value overrideReason } adjustments { points reason } }
  units { subjectId composite rank eligibility grounds selected } } }";

const REPORT: &str = "mutation($a: ID!, $k: AccountabilitySubject!, $s: ID!, $v: String!) {
  enterReportScore(assessmentId: $a, subjectKind: $k, subjectId: $s, score: $v) { status } }";

fn ok(v: &Value) {
    assert!(v["errors"].is_null(), "{v}");
}

async fn view(app: &TestApp, token: &str, id: &str) -> Value {
    let v = app.ask(token, VIEW, json!({"id": id})).await;
    ok(&v);
    v["data"]["assessment"].clone()
}

fn row<'a>(rows: &'a Value, id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["subjectId"] == id)
        .unwrap_or_else(|| panic!("{id} not in {rows}"))
}

fn figure<'a>(r: &'a Value, indicator: &str) -> &'a Value {
    r["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == indicator)
        .unwrap()
}

#[actix_web::test]
async fn the_demo_countys_year_is_assessed_as_computed_by_hand() {
    let (_clock, app) = at_nine(2026, 12, 21).await;
    assessed_by_hand(app).await;
}

#[actix_web::test]
async fn the_same_assessment_on_postgresql_and_kafka() {
    let (_clock, app) = duban_tests::on_postgres_and_kafka_at_nine(2026, 12, 21)
        .await
        .unwrap();
    assessed_by_hand(app).await;
}

async fn assessed_by_hand(app: TestApp) {
    app.load_demo().await.unwrap();
    app.settle().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let panel = app.token("fgj-leader").await.unwrap();

    // This year's records: a 提醒谈话 of 罗红梅 (柳河镇), and a higher level's 通报批评
    // naming 张伟 (青石镇).
    record_this_years_faults(&app, "2026-11-20").await.unwrap();

    // Who may open it: a supervisor, not the commission nor a clerk.
    let open = json!({"i": {"scopeUnitId": "qs", "year": 2026,
        "panelIds": ["p-county-supervisor", "p-fgj-leader"]}});
    let opening = "mutation($i: OpenAssessmentInput!) { openAssessment(input: $i) { id } }";
    for who in ["county-discipline", "qingshi-clerk", "county-admin"] {
        let t = app.token(who).await.unwrap();
        let v = app.ask(&t, opening, open.clone()).await;
        assert_eq!(error_code(&v), Some("FORBIDDEN"), "{who}: {v}");
    }
    let opened = app.ask(&sup, opening, open.clone()).await;
    ok(&opened);
    let id = opened["data"]["openAssessment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let twice = app.ask(&sup, opening, open).await;
    assert_eq!(error_code(&twice), Some("VALIDATION"), "{twice}");
    // Listed for who oversees it, by its scope's name; not for a clerk before publishing.
    let list = "{ assessments { id scopeName year } }";
    let listed = app.read(&sup, list).await;
    ok(&listed);
    assert_eq!(
        listed["data"]["assessments"][0]["id"],
        id.as_str(),
        "{listed}"
    );
    assert_eq!(listed["data"]["assessments"][0]["scopeName"], "青山县");
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let hidden = app.read(&clerk, list).await;
    assert_eq!(hidden["data"]["assessments"], json!([]), "{hidden}");

    // Figures come from what was recorded: 李明's 按时办结率 and 督办牌 are those of his
    // 作风台账 for the year, by the county's default rules.
    let ledger = app
        .read(
            &sup,
            "{ conductLedger(personId: \"p-qingshi-leader\", from: \"2026-01-01\", to: \"2026-12-31\") { lines { what } } }",
        )
        .await;
    ok(&ledger);
    let count = |what: &str| {
        ledger["data"]["conductLedger"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["what"] == what)
            .count() as i64
    };
    let (on_time, late) = (count("按时办结"), count("超期办结"));
    let (yellow, red) = (count("黄牌预警"), count("红牌督办"));
    let v = view(&app, &sup, &id).await;
    let li = row(&v["people"], "p-qingshi-leader");
    assert_eq!(
        figure(li, "CARDS")["computed"],
        format!("{}.00", (100 - 2 * yellow - 5 * red).max(0))
    );
    if on_time + late > 0 {
        let rate: f64 = figure(li, "ON_TIME")["computed"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let by_hand = on_time as f64 * 100.0 / (on_time + late) as f64;
        assert!((rate - by_hand).abs() < 0.006, "{rate} vs {by_hand}");
    } else {
        assert!(figure(li, "ON_TIME")["computed"].is_null());
    }
    assert!(figure(li, "REPORT")["computed"].is_null(), "no 述职 yet");

    // The county weighs 述职 alone for this year's verdict.
    let settings = app
        .ask(
            &sup,
            "mutation($s: AssessmentSettingsInput!) { setAssessmentSettings(settings: $s) { personQuotaPct } }",
            json!({"s": report_only()}),
        )
        .await;
    ok(&settings);

    // Only the 考评组 enters; the commission and anyone else are refused.
    for who in ["county-discipline", "qingshi-leader"] {
        let t = app.token(who).await.unwrap();
        let v = app
            .ask(
                &t,
                REPORT,
                json!({"a": id, "k": "PERSON", "s": "p-qingshi-leader", "v": "99"}),
            )
            .await;
        assert_eq!(error_code(&v), Some("FORBIDDEN"), "{who}: {v}");
    }
    enter_scores(&app, &panel, &id).await.unwrap();
    let bad = app
        .ask(
            &panel,
            REPORT,
            json!({"a": id, "k": "PERSON", "s": "p-fgj-clerk", "v": "100.5"}),
        )
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"), "{bad}");
    // An override keeps the computed figure and the reason beside it.
    let over = app
        .ask(
            &sup,
            "mutation($a: ID!) { overrideAssessmentFigure(input: {assessmentId: $a,
               subjectKind: PERSON, subjectId: \"p-qingshi-leader\", indicator: ON_TIME,
               value: \"100\", reason: \"超期系上级调整时限所致\"}) { status } }",
            json!({"a": id}),
        )
        .await;
    ok(&over);

    // Before 甄别: the two records hold publication back.
    let v = view(&app, &sup, &id).await;
    let li = row(&v["people"], "p-qingshi-leader");
    assert_eq!(figure(li, "ON_TIME")["value"], "100.00");
    assert_eq!(
        figure(li, "ON_TIME")["overrideReason"],
        "超期系上级调整时限所致"
    );
    assert_eq!(
        figure(li, "ON_TIME")["computed"],
        figure(
            row(&view(&app, &panel, &id).await["people"], "p-qingshi-leader"),
            "ON_TIME"
        )["computed"]
    );
    assert_eq!(
        row(&v["people"], "p-liuhe-leader")["eligibility"],
        "PENDING_SCREENING"
    );
    assert_eq!(
        row(&v["units"], "liuhe")["eligibility"],
        "PENDING_SCREENING"
    );
    let early = app
        .ask(
            &sup,
            "mutation($id: ID!) { publishAssessment(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(error_code(&early), Some("VALIDATION"), "{early}");

    // 甄别: 罗红梅's fault was her own; 张伟's criticism was for a delay not his.
    let screen = "mutation($a: ID!, $s: ID!, $own: Boolean!, $r: String!) {
      screenAssessment(assessmentId: $a, subjectKind: PERSON, subjectId: $s, ownFault: $own, reason: $r) { status } }";
    ok(&app
        .ask(
            &panel,
            screen,
            json!({"a": id, "s": "p-liuhe-leader", "own": true, "r": "经核实系本人未履职"}),
        )
        .await);
    ok(&app
        .ask(
            &panel,
            screen,
            json!({"a": id, "s": "p-qingshi-clerk", "own": false, "r": "延误系上级部门材料未到"}),
        )
        .await);
    let clean = app
        .ask(
            &panel,
            screen,
            json!({"a": id, "s": "p-fgj-clerk", "own": false, "r": "x"}),
        )
        .await;
    assert_eq!(
        error_code(&clean),
        Some("VALIDATION"),
        "nothing to screen: {clean}"
    );

    // Now 90.00 is shared by 李明 and 何磊 at the fourth place, with one place left.
    let v = view(&app, &sup, &id).await;
    assert_eq!(v["personPlaces"], 4, "30% of 16 is 4.8, rounded down");
    assert_eq!(v["unitPlaces"], 2, "40% of 7 is 2.8, rounded down");
    assert_eq!(
        v["ties"],
        json!([{"subjectKind": "PERSON", "tiedIds": ["p-baisha-clerk", "p-qingshi-leader"], "places": 1}])
    );
    let wrong = app
        .ask(
            &panel,
            "mutation($a: ID!) { decideAssessmentTie(assessmentId: $a, subjectKind: PERSON,
               chosenIds: [\"p-fgj-leader\"], reason: \"x\") { status } }",
            json!({"a": id}),
        )
        .await;
    assert_eq!(error_code(&wrong), Some("VALIDATION"), "{wrong}");
    ok(&app
        .ask(
            &panel,
            "mutation($a: ID!) { decideAssessmentTie(assessmentId: $a, subjectKind: PERSON,
               chosenIds: [\"p-baisha-clerk\"], reason: \"何磊全年无督办牌，经考评组集体研究确定\") { status } }",
            json!({"a": id}),
        )
        .await);

    // Only the supervisor publishes.
    let publish = "mutation($id: ID!) { publishAssessment(id: $id) { status } }";
    let by_panel = app.ask(&panel, publish, json!({"id": id})).await;
    assert_eq!(error_code(&by_panel), Some("FORBIDDEN"), "{by_panel}");
    let published = app.ask(&sup, publish, json!({"id": id})).await;
    ok(&published);
    assert_eq!(
        published["data"]["publishAssessment"]["status"],
        "PUBLISHED"
    );

    // The hand computation: composite = 述职 + adjustments; competition ranks over all;
    // places among the eligible.
    let v = view(&app, &sup, &id).await;
    let people = &v["people"];
    let expected = [
        ("p-liuhe-leader", "97.00", 1, "EXCLUDED", false),
        ("p-zwfw-leader", "96.00", 2, "ELIGIBLE", true),
        ("p-qingshi-clerk", "95.00", 3, "RESTORED", true),
        ("p-baisha-leader", "94.00", 4, "ELIGIBLE", true),
        ("p-baisha-clerk", "90.00", 5, "ELIGIBLE", true),
        ("p-qingshi-leader", "90.00", 5, "ELIGIBLE", false),
        ("p-fgj-leader", "89.00", 7, "ELIGIBLE", false),
        ("p-liuhe-clerk", "77.00", 16, "ELIGIBLE", false),
    ];
    for (p, composite, rank, eligibility, selected) in expected {
        let r = row(people, p);
        assert_eq!(r["composite"], composite, "{p}");
        assert_eq!(r["rank"], rank, "{p}");
        assert_eq!(r["eligibility"], eligibility, "{p}");
        assert_eq!(r["selected"], selected, "{p}");
        assert_eq!(r["recommended"], selected, "{p}");
    }
    assert_eq!(people.as_array().unwrap().len(), 16);
    assert_eq!(
        people
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["selected"] == true)
            .count(),
        4
    );
    let excluded = row(people, "p-liuhe-leader");
    assert!(excluded["grounds"][0]
        .as_str()
        .unwrap()
        .contains("提醒谈话"));
    assert!(row(people, "p-qingshi-clerk")["grounds"][0]
        .as_str()
        .unwrap()
        .contains("市督查〔2026〕12号"));
    let units = &v["units"];
    for (u, composite, rank, eligibility, selected) in [
        ("liuhe", "98.00", 1, "EXCLUDED", false),
        ("qingshi", "95.00", 2, "ELIGIBLE", true),
        ("qs-zwfw", "93.00", 3, "ELIGIBLE", true),
        ("baisha", "91.00", 4, "ELIGIBLE", false),
        ("qs-jw", "87.00", 7, "ELIGIBLE", false),
    ] {
        let r = row(units, u);
        assert_eq!(
            (
                r["composite"].as_str(),
                r["rank"].as_i64(),
                r["eligibility"].as_str(),
                r["selected"].as_bool()
            ),
            (
                Some(composite),
                Some(rank),
                Some(eligibility),
                Some(selected)
            ),
            "{u}"
        );
    }
    assert!(row(units, "liuhe")["grounds"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g.as_str().unwrap().contains("p-liuhe-leader")));

    // Frozen: no more entries; published as an event; on the board; a clerk reads the
    // list without the grounds.
    let late = app
        .ask(
            &panel,
            REPORT,
            json!({"a": id, "k": "PERSON", "s": "p-fgj-clerk", "v": "99"}),
        )
        .await;
    assert_eq!(error_code(&late), Some("VALIDATION"), "{late}");
    app.settle().await.unwrap();
    assert_eq!(
        app.audited("AssessmentPublished").await.unwrap(),
        ["duban.evaluation.v1"]
    );
    let board = app
        .read(
            &sup,
            "{ board(scope: \"qs\") { rows { unit { id } assessment { year rank selected excluded } } } }",
        )
        .await;
    ok(&board);
    let mark = |u: &str| {
        board["data"]["board"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit"]["id"] == u)
            .unwrap()["assessment"]
            .clone()
    };
    assert_eq!(
        mark("qingshi"),
        json!({"year": 2026, "rank": 2, "selected": true, "excluded": false})
    );
    assert_eq!(mark("liuhe")["excluded"], true);
    // Commendations reach the 作风台账: 何磊 a 先进工作者, 林静 also her bonus.
    let commended = |who: &'static str| {
        let app = &app;
        let sup = sup.clone();
        async move {
            let v = app
                .ask(
                    &sup,
                    "query($p: ID!) { conductLedger(personId: $p, from: \"2026-01-01\", to: \"2026-12-31\") {
                       lines { category what text } } }",
                    json!({"p": who}),
                )
                .await;
            ok(&v);
            v["data"]["conductLedger"]["lines"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|l| l["what"] == "年度考核先进工作者" || l["what"] == "考核加分")
                .map(|l| {
                    format!(
                        "{} {} {}",
                        l["category"].as_str().unwrap(),
                        l["what"].as_str().unwrap(),
                        l["text"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        commended("p-baisha-clerk").await,
        ["工作实绩 年度考核先进工作者 青山县2026年度考核，综合得分90.00，第5名"]
    );
    assert_eq!(commended("p-baisha-leader").await.len(), 2);
    assert!(commended("p-qingshi-leader").await.is_empty());
    let clerk = app.token("baisha-clerk").await.unwrap();
    let seen = view(&app, &clerk, &id).await;
    assert_eq!(row(&seen["people"], "p-baisha-clerk")["selected"], true);
    assert_eq!(row(&seen["people"], "p-liuhe-leader")["grounds"], json!([]));
}
