//! `GET /ledger/v1/{problems|assignments}.{csv|xlsx}`: a ledger streamed from the
//! assignments service out of one snapshot. CSV goes out as it comes, in flat memory at
//! any size; a workbook is built in memory, up to the configured `workbook_rows`.

use crate::ledger_file::{csv_cell, kind_of, to_xlsx, Cell, Sheet};
use crate::server::{http_actor, Gateway, HttpAnswer};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use duban_api::ledger::{columns, LedgerPart, LedgerQuery};
use duban_api::{ApiError, AssignmentFilter, LedgerKind, ProblemFilter};
use duban_schema::assignments::{AssignmentState, ProblemState};
use futures::stream::{BoxStream, Stream, StreamExt};

/// Filters of an export, as query parameters.
#[derive(serde::Deserialize, Default)]
pub struct ExportQuery {
    /// A unit: that unit's subtree.
    pub scope: Option<String>,
    /// A campaign.
    pub campaign_id: Option<String>,
    /// A category.
    pub category: Option<String>,
    /// States, comma-separated wire names.
    pub states: Option<String>,
}

impl ExportQuery {
    fn states<S>(&self, parse: fn(&str) -> Option<S>) -> Result<Option<Vec<S>>, ApiError> {
        self.states
            .as_deref()
            .map(|s| {
                s.split(',')
                    .map(|x| {
                        parse(x.trim()).ok_or_else(|| {
                            ApiError::validation("states", format!("未知的状态：{x}"))
                        })
                    })
                    .collect()
            })
            .transpose()
    }

    /// The ledger `kind` (`problems` or `assignments`) under these filters.
    fn ledger(&self, kind: &str) -> Result<LedgerQuery, ApiError> {
        Ok(match kind_of(kind) {
            Some(LedgerKind::Problems) => LedgerQuery::Problems(ProblemFilter {
                scope: self.scope.clone(),
                states: self.states(ProblemState::parse)?,
                campaign_id: self.campaign_id.clone(),
                category: self.category.clone(),
                ..Default::default()
            }),
            Some(LedgerKind::Assignments) => LedgerQuery::Assignments(AssignmentFilter {
                scope: self.scope.clone(),
                states: self.states(AssignmentState::parse)?,
                campaign_id: self.campaign_id.clone(),
                category: self.category.clone(),
                ..Default::default()
            }),
            None => return Err(ApiError::not_found("台账", kind)),
        })
    }
}

fn title(query: &LedgerQuery) -> &'static str {
    match query {
        LedgerQuery::Problems(_) => "问题清单台账",
        LedgerQuery::Assignments(_) => "交办事项清单",
    }
}

fn header(query: &LedgerQuery) -> Vec<String> {
    query.columns().iter().map(|c| c[0].to_string()).collect()
}

fn cut() -> ApiError {
    ApiError::Internal("台账导出中断，请重新导出".into())
}

fn csv_error(e: csv::Error) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// CSV lines of `rows`, numbered (序号) from `first`.
pub fn csv_lines(first: u64, rows: &[Vec<String>]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
    for (n, row) in rows.iter().enumerate() {
        w.write_field((first + n as u64).to_string())
            .map_err(csv_error)?;
        for cell in row {
            w.write_field(csv_cell(cell).as_ref()).map_err(csv_error)?;
        }
        w.write_record(None::<&[u8]>).map_err(csv_error)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The bytes of a CSV ledger: the byte-order mark and header, then each part's rows as
/// they come. It ends only with `End` after the announced number of rows; anything else
/// ends it with an error, so the reader sees a cut transfer, never a short ledger.
pub fn csv_body(
    header: Vec<String>,
    rows: u64,
    parts: BoxStream<'static, LedgerPart>,
) -> impl Stream<Item = Result<Bytes, ApiError>> {
    let mut head = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let head = head
        .write_record(&header)
        .map_err(csv_error)
        .and_then(|()| {
            head.into_inner()
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .map(Bytes::from);
    let body = futures::stream::unfold(
        (parts, 0u64, false),
        move |(mut parts, sent, ended)| async move {
            if ended {
                return None;
            }
            let next = match parts.next().await {
                Some(LedgerPart::Rows(r)) => csv_lines(sent + 1, &r).map(|b| (b, r.len() as u64)),
                Some(LedgerPart::End) if sent == rows => return None,
                Some(LedgerPart::Failed(e)) => Err(e),
                _ => Err(cut()),
            };
            Some(match next {
                Ok((bytes, n)) => (Ok(Bytes::from(bytes)), (parts, sent + n, false)),
                Err(e) => {
                    tracing::error!(error = %e, sent, rows, "a ledger export was cut");
                    (Err(e), (parts, sent, true))
                }
            })
        },
    );
    futures::stream::once(async move { head }).chain(body)
}

/// The workbook of a whole ledger, from its parts.
async fn workbook(
    query: &LedgerQuery,
    mut parts: BoxStream<'static, LedgerPart>,
) -> Result<Vec<u8>, ApiError> {
    let due = query.columns().iter().position(|c| *c == columns::DUE);
    let mut sheet = Sheet {
        title: title(query).into(),
        header: header(query),
        rows: Vec::new(),
    };
    loop {
        match parts.next().await {
            Some(LedgerPart::Rows(rows)) => {
                for row in rows {
                    let seq = Cell::Number((sheet.rows.len() + 1) as f64);
                    let cells = row.into_iter().enumerate().map(|(i, s)| {
                        let day = (Some(i + 1) == due)
                            .then(|| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
                            .flatten();
                        day.map_or(Cell::Text(s), Cell::Date)
                    });
                    sheet.rows.push(std::iter::once(seq).chain(cells).collect());
                }
            }
            Some(LedgerPart::End) => return to_xlsx(&sheet),
            Some(LedgerPart::Failed(e)) => return Err(e),
            _ => return Err(cut()),
        }
    }
}

fn too_many(rows: u64, limit: usize, workbook: bool) -> ApiError {
    let hint = if workbook {
        "请改为导出CSV（地址扩展名改为 .csv），或按单位、状态或专项整治分批导出"
    } else {
        "请按单位、状态或专项整治分批导出"
    };
    ApiError::validation(
        "scope",
        format!("导出{rows}行，超过{limit}行的上限，{hint}"),
    )
}

/// `GET /ledger/v1/{file}` where file is `problems.xlsx`, `problems.csv`,
/// `assignments.xlsx` or `assignments.csv`.
pub(crate) async fn export(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    file: web::Path<String>,
    q: web::Query<ExportQuery>,
) -> HttpAnswer {
    Ok(serve(&gw, &req, &file, &q).await?)
}

async fn serve(
    gw: &Gateway,
    req: &HttpRequest,
    file: &str,
    q: &ExportQuery,
) -> Result<HttpResponse, ApiError> {
    let actor = http_actor(gw, req).await?;
    let (kind, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::not_found("台账", file))?;
    let query = q.ledger(kind)?;
    let workbook_file = match ext {
        "xlsx" => true,
        "csv" => false,
        _ => return Err(ApiError::validation("format", "格式应为 xlsx 或 csv")),
    };
    let limit = if workbook_file {
        gw.limits.export_rows.min(gw.limits.workbook_rows)
    } else {
        gw.limits.export_rows
    };
    // Each export holds a database connection for its length: a few at a time, one
    // for each caller.
    let Some(permit) = gw.exports.take(&actor.person_id) else {
        return Ok(HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "5"))
            .json(serde_json::json!({
                "code": "RATE_LIMITED",
                "message": "正在导出的台账过多，请稍后再试",
            })));
    };
    let mut parts = gw.services.assignments.export_ledger(&actor, query.clone());
    let rows = match parts.next().await {
        Some(LedgerPart::Start { rows }) => rows,
        Some(LedgerPart::Failed(e)) => return Err(e),
        _ => return Err(cut()),
    };
    if rows > limit as u64 {
        return Err(too_many(rows, limit, workbook_file));
    }
    let disposition = (
        "Content-Disposition",
        format!("attachment; filename=\"{file}\""),
    );
    if workbook_file {
        let bytes = workbook(&query, parts).await?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header(disposition)
            .body(bytes));
    }
    let body = csv_body(header(&query), rows, parts).map(move |chunk| {
        let _held = &permit;
        chunk.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(disposition)
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(unit: &str, title: &str) -> Vec<String> {
        vec![unit.into(), title.into()]
    }

    /// The chunks a CSV body yields from `parts` after a `Start` of `rows`: each Ok one's
    /// text, and whether it ended in an error.
    async fn body(rows: u64, parts: Vec<LedgerPart>) -> (String, bool) {
        let header = vec!["序号".to_string(), "单位".into(), "事项".into()];
        let chunks: Vec<_> = csv_body(header, rows, futures::stream::iter(parts).boxed())
            .collect()
            .await;
        let failed = chunks.last().is_some_and(|c| c.is_err());
        let text = chunks
            .into_iter()
            .filter_map(Result::ok)
            .flat_map(|b| b.to_vec())
            .collect::<Vec<u8>>();
        (String::from_utf8_lossy(&text).into_owned(), failed)
    }

    #[actix_web::test]
    async fn a_whole_ledger_is_numbered_across_parts_and_ends_cleanly() {
        let (text, failed) = body(
            3,
            vec![
                LedgerPart::Rows(vec![row("青石镇", "甲"), row("白沙镇", "=1+1")]),
                LedgerPart::Rows(vec![row("六合镇", "丙")]),
                LedgerPart::End,
            ],
        )
        .await;
        assert!(!failed);
        assert_eq!(
            text,
            "\u{feff}序号,单位,事项\n1,青石镇,甲\n2,白沙镇,'=1+1\n3,六合镇,丙\n"
        );
    }

    /// What the export writes, the import reads back: a problem ledger's row as a
    /// workbook and as CSV, each from the same parts the service sends.
    #[actix_web::test]
    async fn an_exported_workbook_and_csv_read_back_through_the_import() {
        let query = LedgerQuery::Problems(ProblemFilter::default());
        let row: Vec<String> = [
            "青石镇党政办公室",
            "群众办事多头跑",
            "慢作为",
            "1. 推行一窗受理\n2. 公开办事指南",
            "张三",
            "2026-12-31",
            "整改中",
            "整改中",
            "群众提",
            "服务意识不强",
            "01a22552-0000-7000-8000-000000000001",
        ]
        .map(String::from)
        .to_vec();
        let parts =
            || futures::stream::iter([LedgerPart::Rows(vec![row.clone()]), LedgerPart::End]);
        let sheet = workbook(&query, parts().boxed()).await.unwrap();
        let csv: Vec<u8> = csv_body(header(&query), 1, parts().boxed())
            .map(|b| b.unwrap().to_vec())
            .concat()
            .await;
        for bytes in [sheet, csv] {
            let rows = crate::ledger_file::read_rows(&bytes).unwrap();
            assert_eq!(rows.len(), 1);
            let r = &rows[0];
            assert_eq!(r.cells["单位"], "青石镇党政办公室");
            assert_eq!(r.cells["时限"], "2026-12-31");
            assert_eq!(r.cells["整改措施"], "1. 推行一窗受理\n2. 公开办事指南");
            assert_eq!(r.cells["序号"], "1");
            assert_eq!(r.cells["编号"], "01a22552-0000-7000-8000-000000000001");
        }
    }

    #[actix_web::test]
    async fn a_ledger_cut_short_ends_in_an_error_never_cleanly() {
        let rows = || vec![row("青石镇", "甲"), row("白沙镇", "乙")];
        // The service's stream stopped before its end.
        let (text, failed) = body(4, vec![LedgerPart::Rows(rows())]).await;
        assert!(failed, "{text}");
        assert!(
            text.contains("2,白沙镇,乙"),
            "the rows before the cut were sent"
        );
        // An end after fewer rows than announced (a part lost on the way).
        let (_, failed) = body(4, vec![LedgerPart::Rows(rows()), LedgerPart::End]).await;
        assert!(failed);
        // The service failed part way.
        let (_, failed) = body(
            4,
            vec![
                LedgerPart::Rows(rows()),
                LedgerPart::Failed(ApiError::Internal("数据库连接中断".into())),
                LedgerPart::Rows(rows()),
                LedgerPart::End,
            ],
        )
        .await;
        assert!(failed);
    }
}
