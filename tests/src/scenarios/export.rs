//! Ledger exports longer than one streamed part, checked row by row against the pages a
//! county platform reads.

use crate::TestApp;
use duban_assignments::loadgen::{self, CountySpec};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;

/// The county the long ledger is made in: two townships of three offices, ids
/// prefixed `ex`; no export of the first township may show the second's items.
pub fn long_ledger_spec() -> CountySpec {
    CountySpec {
        prefix: "ex".into(),
        townships: 2,
        offices: 3,
    }
}

/// The id and path of the county in `db` (an assignments database).
pub async fn county_of(db: &DatabaseConnection) -> (String, String) {
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT id, path FROM org_unit WHERE kind = 'COUNTY' ORDER BY id LIMIT 1",
        ))
        .await
        .unwrap()
        .expect("a county");
    (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
    )
}

/// Adds the units and people of `spec` under the county and `n` assignments spread over
/// its offices, written as rows (`loadgen`); the county's path.
pub async fn generated_county(app: &TestApp, spec: &CountySpec, n: usize) -> String {
    let db = &app.databases.assignments;
    let (cid, cpath) = county_of(db).await;
    loadgen::directory(db, &cid, &cpath, spec).await.unwrap();
    loadgen::assignments(db, spec, &cpath, 0, n, app.clock.today(), 3)
        .await
        .unwrap();
    cpath
}

/// Adds the townships of `spec` and `n` assignments spread over their offices, written
/// as rows; the supervisor of the first township's token.
pub async fn long_ledger(app: &TestApp, spec: &CountySpec, n: usize) -> String {
    generated_county(app, spec, n).await;
    app.token(&spec.supervisor(0)).await.unwrap()
}

/// The rows of a CSV ledger (header first), the byte-order mark taken off.
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The supervisor's whole ledger as `assignments` pages it: (id, dueOn, responsible
/// person's name, state label) in order.
async fn paged(app: &TestApp, token: &str) -> Vec<[String; 4]> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let b = app
            .ask(
                token,
                "query($after: String) { assignments(first: 100, after: $after) {
                   pageInfo { hasNextPage endCursor }
                   edges { node { id dueOn stateLabel responsiblePersonId } } } }",
                json!({ "after": after }),
            )
            .await;
        let page = &b["data"]["assignments"];
        for e in page["edges"].as_array().unwrap_or_else(|| panic!("{b}")) {
            let n = &e["node"];
            let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            out.push([
                s(&n["id"]),
                s(&n["dueOn"]),
                // The generated leader `p-{office}-leader` is named 负责人{office}.
                format!(
                    "负责人{}",
                    s(&n["responsiblePersonId"])
                        .trim_start_matches("p-")
                        .trim_end_matches("-leader")
                ),
                s(&n["stateLabel"]),
            ]);
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
}

/// The first township's ledger exported as CSV holds exactly the rows its pages hold, in
/// their order, numbered from 1 without a gap, each with its time limit, its
/// responsible person's name and its state; returns their number.
pub async fn long_ledger_exports_whole(app: &TestApp, token: &str) -> usize {
    let (code, bytes) = app
        .get_bytes("/ledger/v1/assignments.csv", token)
        .await
        .unwrap();
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&bytes));
    let rows = csv_rows(&bytes);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (seq, id, due, person, state) = (
        col("序号"),
        col("编号"),
        col("时限"),
        col("责任人"),
        col("状态"),
    );
    let exported: Vec<[String; 4]> = rows[1..]
        .iter()
        .enumerate()
        .map(|(i, r)| {
            assert_eq!(r[seq], (i + 1).to_string(), "序号 of row {i}");
            [
                r[id].clone(),
                r[due].clone(),
                r[person].clone(),
                r[state].clone(),
            ]
        })
        .collect();
    let pages = paged(app, token).await;
    if let Some(i) = (0..exported.len().min(pages.len())).find(|&i| exported[i] != pages[i]) {
        panic!("row {i}: exported {:?}, paged {:?}", exported[i], pages[i]);
    }
    assert_eq!(
        exported.len(),
        pages.len(),
        "rows exported against rows paged"
    );
    assert!(
        exported.iter().all(|r| r[0].starts_with("ex-a")),
        "only the township's generated items"
    );
    exported.len()
}

/// What a streamed download brought: its bytes and lines as they came (none kept), and
/// the error it ended with, if it did not end cleanly.
pub struct ReadAlong {
    /// Bytes received.
    pub bytes: u64,
    /// Line ends received.
    pub lines: u64,
    /// The error the body ended with.
    pub error: Option<String>,
}

/// The CSV of `token`'s whole assignment ledger, asked for with reqwest: hyper, as curl
/// and browsers do, reads a chunked body that stops before its last chunk as an error
/// (awc 3.11 reads it as the end). Answered 200, its body not yet read.
pub async fn csv_export(app: &TestApp, token: &str) -> reqwest::Response {
    let resp = reqwest::Client::new()
        .get(format!("{}/ledger/v1/assignments.csv", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp
}

/// Reads `resp`'s body to its end, counting as it comes.
pub async fn read_along(resp: reqwest::Response) -> ReadAlong {
    use futures::StreamExt;
    let mut body = resp.bytes_stream();
    let mut got = ReadAlong {
        bytes: 0,
        lines: 0,
        error: None,
    };
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(b) => {
                got.bytes += b.len() as u64;
                got.lines += b.iter().filter(|c| **c == b'\n').count() as u64;
            }
            Err(e) => {
                got.error = Some(format!("{e:?}"));
                break;
            }
        }
    }
    got
}

/// The first sheet of the workbook `bytes`.
pub fn first_sheet(bytes: Vec<u8>) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook");
    wb.worksheet_range_at(0)
        .expect("a first sheet")
        .expect("a readable first sheet")
}

/// Every cell of the workbook's first sheet as text, row by row.
pub fn first_sheet_cells(bytes: Vec<u8>) -> Vec<String> {
    first_sheet(bytes)
        .cells()
        .map(|(_, _, c)| c.to_string())
        .collect()
}
