//! Ledgers as files: workbooks and CSV exported, read back cell by cell, imported all or
//! nothing, bounded, and imported again without duplicates.

use calamine::Data;
use duban_tests::scenarios::{self, ISSUE};
use duban_tests::{spawn_app, test_config, TestApp};
use serde_json::json;
use std::sync::Arc;

fn percent(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(d @ Data::DateTime(_)) => {
            use calamine::DataType;
            d.as_datetime().unwrap().date().to_string()
        }
        other => format!("{other:?}"),
    }
}

async fn count(app: &TestApp, token: &str, what: &str) -> i64 {
    let b = app
        .read(token, &format!("{{ {what} {{ totalCount }} }}"))
        .await;
    b["data"][what]["totalCount"].as_i64().unwrap()
}

#[actix_web::test]
async fn ledgers_export_as_workbooks_read_back_cell_by_cell_and_import_all_or_nothing() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let year = app.clock.today().format("%Y").to_string();
    let issued = app
        .ask(
            &sup,
            ISSUE,
            json!({"input": {
                "title": "清理规范村级组织工作事项",
                "description": "梳理村级组织承担的工作事项，取消不合理的考核、台账",
                "leadUnitId": "qingshi-dzb",
                "timeLimitDays": 10,
                "urgency": "URGENT",
                "cooperatingUnitIds": ["liuhe-dzb"],
                "campaignId": format!("gzzf-{year}"),
                "category": "文山会海"
            }}),
        )
        .await;
    let a = &issued["data"]["issueAssignment"]["assignment"];
    let due = a["dueOn"].as_str().unwrap().to_string();

    // Unauthenticated and wrong-kind requests are refused.
    let (code, _) = app.get("/ledger/v1/assignments.xlsx").await.unwrap();
    assert_eq!(code, 401);
    let (code, _) = app.get_bytes("/ledger/v1/people.xlsx", &sup).await.unwrap();
    assert_eq!(code, 404);

    let (code, bytes) = app
        .get_bytes(
            &format!(
                "/ledger/v1/assignments.xlsx?scope=qingshi&category={}",
                percent("文山会海")
            ),
            &sup,
        )
        .await
        .unwrap();
    assert_eq!(code, 200);
    let r = duban_tests::scenarios::first_sheet(bytes);
    assert_eq!(cell(&r, 0, 0), "交办事项清单");
    let header: Vec<String> = (0..11).map(|c| cell(&r, 1, c)).collect();
    assert_eq!(
        header,
        [
            "序号",
            "单位",
            "事项",
            "类别",
            "工作要求",
            "责任人",
            "时限",
            "进展",
            "状态",
            "紧急程度",
            "配合单位"
        ]
    );
    assert_eq!(
        r.height(),
        3,
        "title, header and the one item of that category"
    );
    let row: Vec<String> = (0..11).map(|c| cell(&r, 2, c)).collect();
    assert_eq!(
        row,
        [
            "1",
            "青石镇党政办公室",
            "清理规范村级组织工作事项",
            "文山会海",
            "梳理村级组织承担的工作事项，取消不合理的考核、台账",
            "李明",
            due.as_str(),
            "0%",
            "已交办",
            "急",
            "柳河镇党政办公室"
        ]
    );

    // The problem ledger: import a CSV with two bad rows — nothing is written, every bad
    // cell is named — then the good rows only, then a workbook.
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let before = count(&app, &sup, "problems").await;
    // Time limits a year or two ahead: far enough never to fall due, inside the five-year bound.
    let next_year = chrono::Datelike::year(&app.clock.today()) + 1;
    let csv = format!("{}序号,单位,问题,类别,整改措施,责任人,时限,进展,状态,来源,原因剖析\n\
        1,青石镇党政办公室,会议多、文件多,文山会海,合并同类会议；精简发文,张伟,{next_year}-06-30,,,自己找,统筹不够\n\
        2,不存在的单位,推诿扯皮,不作为,建立首问负责制,,10个工作日,,,上级点,担当不足\n\
        3,青石镇党政办公室,窗口服务态度差,官僚作风,开展换位体验,,月底前,,,群众说,服务意识弱\n\
        4,青石镇党政办公室,数据造假,弄虚作假,建立核查机制,李明,15,,,组织查,考核导向偏差\n", '\u{feff}');
    let (code, report) = app
        .post_bytes("/ledger/v1/problems/import", &sup, csv.as_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(code, 422, "{report}");
    let issues: Vec<(u64, String)> = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["row"].as_u64().unwrap(),
                i["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        issues,
        [
            (3, "单位".to_string()),
            (4, "时限".to_string()),
            (4, "来源".to_string())
        ],
        "{report}"
    );
    assert_eq!(report["imported"], json!([]));
    assert_eq!(
        count(&app, &sup, "problems").await,
        before,
        "nothing half-written"
    );

    let (code, report) = app
        .post_bytes(
            "/ledger/v1/problems/import?only_good=true",
            &sup,
            csv.as_bytes().to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(code, 422);
    assert_eq!(report["imported"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(count(&app, &sup, "problems").await, before + 2);

    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "序号",
        "单位",
        "问题",
        "类别",
        "整改措施",
        "责任人",
        "时限",
        "原因剖析",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let row = [
        "1",
        "青石镇党政办公室",
        "值班值守不到位",
        "慢作为",
        "落实领导带班",
        "张伟",
        "",
        "制度执行不严",
    ];
    for (c, v) in row.iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(next_year as u16 + 1, 12, 31).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_datetime_with_format(1, 6, date, &fmt).unwrap();
    let (code, report) = app
        .post_bytes(
            "/ledger/v1/problems/import",
            &clerk,
            wb.save_to_buffer().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(code, 200, "{report}");
    assert_eq!(report["issues"], json!([]));

    let (code, bytes) = app
        .get_bytes("/ledger/v1/problems.xlsx?scope=qingshi-dzb", &clerk)
        .await
        .unwrap();
    assert_eq!(code, 200);
    let r = duban_tests::scenarios::first_sheet(bytes);
    assert_eq!(r.height(), 5, "title, header, three problems");
    let mine: Vec<Vec<String>> = (2..5)
        .map(|row| (0..11).map(|c| cell(&r, row, c)).collect())
        .collect();
    let duty = mine.iter().find(|r| r[2] == "值班值守不到位").unwrap();
    assert_eq!(
        duty,
        &[
            "3",
            "青石镇党政办公室",
            "值班值守不到位",
            "慢作为",
            "1. 落实领导带班",
            "张伟",
            &format!("{}-12-31", next_year + 1),
            "整改中",
            "整改中",
            "自己找",
            "制度执行不严"
        ]
    );
    let meetings = mine.iter().find(|r| r[2] == "会议多、文件多").unwrap();
    assert_eq!(meetings[4], "1. 合并同类会议\n2. 精简发文");

    let (code, bytes) = app
        .get_bytes("/ledger/v1/problems.csv?scope=qingshi-dzb", &clerk)
        .await
        .unwrap();
    assert_eq!(code, 200);
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "Excel needs the BOM for Chinese"
    );
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + 3 + 1,
        "header, three rows, one with a two-line cell"
    );
}

/// An export longer than its limit is refused with the limit named, never cut short.
#[actix_web::test]
async fn an_export_past_its_row_limit_is_refused_not_cut() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        export_row_limit: 3,
        ..test_config()
    };
    let app = duban_tests::spawn_with(config, dir).await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    for i in 0..4 {
        app
            .ok(
                &sup,
                ISSUE,
                json!({"input": {"title": format!("导出上限{i}"), "leadUnitId": "baisha-dzb", "timeLimitDays": 5}}),
            ).await;
    }
    let (code, body) = app
        .get_bytes("/ledger/v1/assignments.csv?scope=baisha-dzb", &sup)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert_eq!(code, 400, "{body}");
    assert!(
        body.contains("VALIDATION") && body.contains("3行"),
        "{body}"
    );
    let (code, _) = app
        .get_bytes("/ledger/v1/assignments.csv?scope=liuhe-dzb", &sup)
        .await
        .unwrap();
    assert_eq!(code, 200, "a ledger within the limit is served");
}

/// A ledger of many streamed parts exports whole as CSV, row for row the pages a
/// platform reads; as a workbook, which is built in memory, it is refused past its own
/// bound with CSV named, never cut.
#[actix_web::test]
async fn a_long_ledger_streams_whole_as_csv_and_a_workbook_past_its_bound_names_csv() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config = duban_config::Config {
        data_dir: dir.path().to_path_buf(),
        workbook_row_limit: 1000,
        ..test_config()
    };
    let app = duban_tests::spawn_with(config, dir).await.unwrap();
    let sup = scenarios::long_ledger(&app, &scenarios::long_ledger_spec(), 6000).await;
    let rows = scenarios::long_ledger_exports_whole(&app, &sup).await;
    assert_eq!(rows, 3000, "half the items are in the first township");
    let (code, body) = app
        .get_bytes("/ledger/v1/assignments.xlsx", &sup)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert_eq!(code, 400, "{body}");
    assert!(
        body.contains("3000行") && body.contains("1000行") && body.contains(".csv"),
        "{body}"
    );
    let (code, _) = app
        .get_bytes("/ledger/v1/assignments.xlsx?scope=ex-t01-o01", &sup)
        .await
        .unwrap();
    assert_eq!(
        code, 200,
        "a workbook of exactly its bound (1000 rows) is served"
    );
}

/// A reader too slow to take its ledger within the export's time gets the export ended
/// with a refusal after the rows it read, never an `End`: the snapshot is not held for
/// as long as a caller likes.
#[actix_web::test]
async fn an_export_read_too_slowly_is_ended_with_a_refusal() {
    use duban_api::ledger::{LedgerPart, LedgerQuery};
    use futures::StreamExt;
    let app = spawn_app().await.unwrap();
    let spec = scenarios::long_ledger_spec();
    scenarios::generated_county(&app, &spec, 8000).await;
    let p = app
        .assignments
        .find_person("county-supervisor")
        .await
        .unwrap();
    let actor = app.assignments.actor_for(&p).await.unwrap();
    let svc = app
        .assignments
        .clone()
        .with_export_time(std::time::Duration::from_millis(300));
    let mut parts = svc.export_ledger(&actor, LedgerQuery::Assignments(Default::default()));
    let Some(LedgerPart::Start { rows }) = parts.next().await else {
        panic!("the export starts with its count");
    };
    assert!(rows > 8000, "{rows}");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1200)).await;
    let (mut read, mut last) = (0, None);
    while let Some(part) = parts.next().await {
        match part {
            LedgerPart::Rows(r) => read += r.len(),
            other => last = Some(other),
        }
    }
    assert!(read < rows as usize, "{read} of {rows} rows");
    match last {
        Some(LedgerPart::Failed(e)) => assert!(e.to_string().contains("分批导出"), "{e}"),
        other => panic!("ended with {other:?} after {read} rows"),
    }
}

/// Every export kind imported back is a no-op: each row names its item by 编号 and is
/// reported unchanged, a closed problem stays closed and single (the README's step 8); a
/// row edited in the file is refused with its column named and nothing written; a row
/// without 编号 that repeats a registered item is refused, not duplicated.
#[actix_web::test]
async fn an_exported_ledger_imported_again_changes_nothing_and_duplicates_nothing() {
    let app = spawn_app().await.unwrap();
    let sup = app.token("county-supervisor").await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    duban_tests::scenarios::ledger_lifecycle(&app)
        .await
        .unwrap();
    duban_tests::scenarios::issue(&app, &sup, "qingshi-dzb", "往返导入的交办事项").await;
    let closed = || async {
        app.read(
            &sup,
            "{ problems(filter: {states: [CLOSED]}) { totalCount } }",
        )
        .await["data"]["problems"]["totalCount"]
            .as_i64()
            .unwrap()
    };
    let closed_before = closed().await;
    for (kind, what) in [("problems", "problems"), ("assignments", "assignments")] {
        for format in ["csv", "xlsx"] {
            let before = count(&app, &sup, what).await;
            assert!(before > 0, "{kind}: something to export");
            let (code, file) = app
                .get_bytes(&format!("/ledger/v1/{kind}.{format}"), &sup)
                .await
                .unwrap();
            assert_eq!(code, 200);
            let (code, report) = app
                .post_bytes(&format!("/ledger/v1/{kind}/import"), &sup, file)
                .await
                .unwrap();
            assert_eq!(code, 200, "{kind}.{format}: {report}");
            assert_eq!(report["imported"], json!([]), "{kind}.{format}: {report}");
            assert_eq!(
                report["unchanged"].as_array().unwrap().len() as i64,
                before,
                "{kind}.{format}: {report}"
            );
            assert_eq!(count(&app, &sup, what).await, before, "{kind}.{format}");
        }
    }
    let closed_after = closed().await;
    assert_eq!(closed_after, closed_before);

    // An edited state, and a copy of a registered problem without its 编号.
    let (_, csv) = app
        .get_bytes("/ledger/v1/problems.csv", &clerk)
        .await
        .unwrap();
    let text = String::from_utf8(csv).unwrap();
    let edited = text.replacen("整改中", "已销号", 1);
    assert_ne!(edited, text, "a rectifying problem to edit: {text}");
    let before = count(&app, &sup, "problems").await;
    let (code, report) = app
        .post_bytes("/ledger/v1/problems/import", &clerk, edited.into_bytes())
        .await
        .unwrap();
    assert_eq!(code, 422, "{report}");
    assert!(
        report["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["column"] == "状态"),
        "{report}"
    );
    assert!(text.lines().next().unwrap().ends_with("编号"), "{text}");
    let due = (app.clock.today() + chrono::Duration::days(30)).to_string();
    let without_ids = format!(
        "单位,问题,类别,整改措施,时限,原因剖析\n青石镇党政办公室,群众反映办理宅基地审批材料多次往返,慢作为,推行一次性告知清单,{due},告知不到位\n"
    );
    let (code, report) = app
        .post_bytes(
            "/ledger/v1/problems/import",
            &clerk,
            without_ids.into_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(code, 422, "{report}");
    assert!(
        report["issues"][0]["message"]
            .as_str()
            .unwrap()
            .contains("已有相同的问题"),
        "{report}"
    );
    assert_eq!(
        count(&app, &sup, "problems").await,
        before,
        "nothing written"
    );
}
