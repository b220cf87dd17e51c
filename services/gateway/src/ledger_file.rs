//! Ledgers as files in the layout offices send upward: the writers of a workbook and a
//! CSV (the export itself is `ledger_export`), and `POST /ledger/v1/{kind}/import`, which
//! takes an `.xlsx` or CSV in the same layout with the same bearer token and scope as
//! GraphQL.

use crate::hygiene::{csv_text, csv_untext, looks_like_formula};
use crate::server::{http_actor, Gateway, HttpAnswer};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use duban_api::ledger::columns;
use duban_api::{ApiError, ImportRow, LedgerKind};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

/// One cell of an exported ledger.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number (序号).
    Number(f64),
    /// A day (时限), written as an Excel date.
    Date(NaiveDate),
}

/// A ledger ready to be written: a title, the header and the rows.
pub struct Sheet {
    /// Title above the header, e.g. 问题清单台账.
    pub title: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<Cell>>,
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> ApiError {
    tracing::error!(error = %e, "cannot write a ledger workbook");
    ApiError::Internal(e.to_string())
}

/// A text cut to what one spreadsheet cell holds, marked where it was cut, so one long
/// text never breaks an export.
fn fit_cell(s: &str, row: u32) -> std::borrow::Cow<'_, str> {
    const MARK: &str = "…（超出单元格上限，已截断）";
    if s.chars().count() <= MAX_CELL_CHARS {
        return s.into();
    }
    tracing::warn!(row, "a ledger cell was cut to the spreadsheet limit");
    let keep = MAX_CELL_CHARS - MARK.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(MARK);
    out.into()
}

/// Writes the sheet as a workbook: a merged title row, a bold header, bordered cells,
/// wrapped text, dates as dates, the header frozen.
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, ApiError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let name: String = sheet
        .title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    ws.set_name(name).map_err(xlsx_err)?;
    let border = Format::new().set_border(FormatBorder::Thin);
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let head = border
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let text = border
        .clone()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let date = border
        .clone()
        .set_num_format("yyyy-mm-dd")
        .set_align(FormatAlign::Center);
    let last = sheet.header.len().saturating_sub(1) as u16;
    ws.merge_range(0, 0, 0, last, &sheet.title, &title)
        .map_err(xlsx_err)?;
    for (c, h) in sheet.header.iter().enumerate() {
        let width = match h.as_str() {
            "序号" => 6.0,
            "时限" | "状态" | "来源" | "紧急程度" => 12.0,
            "单位" | "责任人" | "类别" => 16.0,
            _ => 36.0,
        };
        ws.set_column_width(c as u16, width).map_err(xlsx_err)?;
        ws.write_string_with_format(1, c as u16, h, &head)
            .map_err(xlsx_err)?;
    }
    ws.set_freeze_panes(2, 0).map_err(xlsx_err)?;
    let quoted = text.clone().set_quote_prefix();
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    let s = fit_cell(s, r);
                    let format = if looks_like_formula(&s) {
                        &quoted
                    } else {
                        &text
                    };
                    ws.write_string_with_format(r, c, s.as_ref(), format)
                }
                Cell::Number(n) => ws.write_number_with_format(r, c, *n, &border),
                Cell::Date(d) => {
                    let dt =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .map_err(xlsx_err)?;
                    ws.write_datetime_with_format(r, c, dt, &date)
                }
            }
            .map_err(xlsx_err)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// A text as one CSV cell: cut to what a spreadsheet cell holds, a formula made text.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match fit_cell(s, 0) {
        std::borrow::Cow::Borrowed(b) => csv_text(b),
        std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(csv_text(&o).into_owned()),
    }
}

fn looks_like_header(cells: &[String]) -> bool {
    cells.iter().any(|c| columns::UNIT.contains(&c.trim()))
        && cells.iter().any(|c| columns::DUE.contains(&c.trim()))
}

fn rows_from_table(table: Vec<Vec<String>>) -> Result<Vec<ImportRow>, ApiError> {
    let Some(h) = table.iter().take(5).position(|r| looks_like_header(r)) else {
        return Err(ApiError::validation(
            "file",
            "前5行中未找到表头（应含“单位”“时限”等列），请使用导出的台账模板",
        ));
    };
    let header: Vec<String> = table[h].iter().map(|c| c.trim().to_string()).collect();
    Ok(table
        .into_iter()
        .enumerate()
        .skip(h + 1)
        .map(|(i, cells)| ImportRow {
            row: i + 1,
            cells: header
                .iter()
                .cloned()
                .zip(
                    cells
                        .iter()
                        .map(|c| crate::hygiene::strip_invisible(c).into_owned()),
                )
                .filter(|(k, _)| !k.is_empty())
                .collect(),
        })
        .collect())
}

fn xlsx_cell(d: &calamine::Data) -> String {
    use calamine::{Data, DataType};
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::DateTime(_) | Data::DateTimeIso(_) => d
            .as_datetime()
            .map(|t| t.date().format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| d.to_string()),
        other => other.to_string(),
    }
}

/// The most rows a ledger file may hold (header and title rows included).
pub const MAX_FILE_ROWS: usize = 5_010;
/// The most columns a ledger row may use.
pub const MAX_FILE_COLUMNS: usize = 64;
/// The longest cell, in characters (Excel's own cell limit).
pub const MAX_CELL_CHARS: usize = 32_767;
/// The most an `.xlsx` may hold once unpacked, in bytes.
pub const MAX_UNPACKED_BYTES: u64 = 64 << 20;
/// The most parts an `.xlsx` may hold.
const MAX_PARTS: usize = 1_000;

fn file_error(message: impl Into<String>) -> ApiError {
    ApiError::validation("file", message)
}

/// Refuses a workbook whose parts would unpack to more than [`MAX_UNPACKED_BYTES`], before
/// anything is unpacked: the sizes a zip declares bound what its reader will inflate.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), ApiError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| file_error(format!("无法读取Excel文件：{e}")))?;
    if zip.len() > MAX_PARTS {
        return Err(file_error("Excel文件的内部部件过多，不像台账文件"));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let size = zip
            .by_index_raw(i)
            .map(|f| f.size())
            .map_err(|e| file_error(format!("无法读取Excel文件：{e}")))?;
        total = total.saturating_add(size);
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(file_error(format!(
            "Excel文件解压后超过 {} MB，请删除多余的工作表、格式或图片后再导入",
            MAX_UNPACKED_BYTES >> 20
        )));
    }
    Ok(())
}

/// Refuses a cell (on 0-based `row`) that text hygiene refuses: control or direction
/// characters, or more than a cell holds.
fn check_cell(text: &str, row: usize) -> Result<(), ApiError> {
    match crate::hygiene::refusal(text) {
        Some(why) => Err(file_error(format!("第{}行有单元格{why}", row + 1))),
        None => Ok(()),
    }
}

/// The first sheet's cells, streamed one at a time (never a whole grid in memory), each
/// bounded by row, column and length.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, ApiError> {
    use calamine::Reader;
    check_unpacked_size(bytes)?;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| file_error(format!("无法读取Excel文件：{e}")))?;
    let first = wb
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| file_error("Excel文件中没有工作表"))?;
    let mut cells = wb
        .worksheet_cells_reader(&first)
        .map_err(|e| file_error(format!("无法读取工作表：{e}")))?;
    let mut table: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| file_error(format!("无法读取工作表：{e}")))?
    {
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        let text = xlsx_cell(&calamine::Data::from(cell.get_value().clone()));
        check_cell(&text, row)?;
        if text.is_empty() {
            continue;
        }
        if row >= MAX_FILE_ROWS {
            return Err(file_error(format!(
                "一次最多导入{}行，请分批导入",
                MAX_FILE_ROWS - 10
            )));
        }
        if col >= MAX_FILE_COLUMNS {
            return Err(file_error(format!(
                "台账最多{MAX_FILE_COLUMNS}列，第{}行超出",
                row + 1
            )));
        }
        if table.len() <= row {
            table.resize_with(row + 1, Vec::new);
        }
        let r = &mut table[row];
        if r.len() <= col {
            r.resize(col + 1, String::new());
        }
        r[col] = text;
    }
    Ok(table)
}

/// Reads the first sheet of an `.xlsx`, or a CSV (with or without a byte-order mark),
/// into rows keyed by the header found in the first five rows; files beyond the bounds
/// on rows, columns, cell length or unpacked size are refused.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<ImportRow>, ApiError> {
    let table: Vec<Vec<String>> = if bytes.starts_with(b"PK") {
        read_xlsx(bytes)?
    } else {
        let text = std::str::from_utf8(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes))
            .map_err(|_| {
                ApiError::validation("file", "CSV文件须为UTF-8编码（Excel另存为“CSV UTF-8”）")
            })?;
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut table = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| ApiError::validation("file", format!("CSV格式有误：{e}")))?;
            if table.len() >= MAX_FILE_ROWS {
                return Err(file_error(format!(
                    "一次最多导入{}行，请分批导入",
                    MAX_FILE_ROWS - 10
                )));
            }
            if rec.len() > MAX_FILE_COLUMNS {
                return Err(file_error(format!(
                    "台账最多{MAX_FILE_COLUMNS}列，第{}行超出",
                    table.len() + 1
                )));
            }
            for c in rec.iter() {
                check_cell(c, table.len())?;
            }
            table.push(rec.iter().map(|c| csv_untext(c).to_string()).collect());
        }
        table
    };
    rows_from_table(table)
}

/// The ledger a file name's stem names.
pub(crate) fn kind_of(name: &str) -> Option<LedgerKind> {
    match name {
        "problems" => Some(LedgerKind::Problems),
        "assignments" => Some(LedgerKind::Assignments),
        _ => None,
    }
}

/// Options of an import.
#[derive(serde::Deserialize, Default)]
pub struct ImportQuery {
    /// Import the good rows and list the rest, instead of nothing when any row is bad.
    #[serde(default)]
    pub only_good: bool,
}

/// `POST /ledger/v1/{kind}/import` with the file as the body: 200 with the report when
/// every row was imported, 422 with the report (each bad row and cell) otherwise.
pub(crate) async fn import(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    kind: web::Path<String>,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> HttpAnswer {
    let actor = http_actor(&gw, &req).await?;
    // The file is read only once its sender is known.
    let body = crate::limits::read_body(&req, payload, gw.limits.import_body).await?;
    let kind = kind_of(&kind).ok_or_else(|| ApiError::not_found("台账", &kind))?;
    let rows = read_rows(&body)?;
    let run = gw
        .services
        .assignments
        .import_ledger(&actor, kind, rows, q.only_good);
    let report = match crate::server::idempotency_key(&req)? {
        Some(k) => duban_api::idempotency::scope(k, run).await?,
        None => run.await?,
    };
    Ok(if report.issues.is_empty() {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::UnprocessableEntity().json(report)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            title: "问题清单台账".into(),
            header: columns::PROBLEM_LEDGER
                .iter()
                .map(|c| c[0].to_string())
                .collect(),
            rows: vec![vec![
                Cell::Number(1.0),
                Cell::Text("青石镇党政办公室".into()),
                Cell::Text("群众办事多头跑".into()),
                Cell::Text("慢作为".into()),
                Cell::Text("1. 推行一窗受理\n2. 公开办事指南".into()),
                Cell::Text("张三".into()),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default()),
                Cell::Text("整改中".into()),
                Cell::Text("整改中".into()),
                Cell::Text("群众提".into()),
                Cell::Text("服务意识不强".into()),
                Cell::Text("01a22552-0000-7000-8000-000000000001".into()),
            ]],
        }
    }

    #[test]
    fn a_workbook_has_its_title_row_above_the_header() {
        // In the workbook the title row comes first, so the data row is Excel row 3.
        let rows = read_rows(&to_xlsx(&sheet()).unwrap_or_default()).unwrap_or_default();
        assert_eq!(rows[0].row, 3);
    }

    fn refusal(bytes: &[u8]) -> String {
        match read_rows(bytes) {
            Err(ApiError::Validation { field, message }) if field == "file" => message,
            other => panic!("expected a refusal of the file, got {other:?}"),
        }
    }

    #[test]
    fn a_workbook_that_would_unpack_past_the_bound_is_refused_before_unpacking() {
        use std::io::Write as _;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("xl/sharedStrings.xml", stored)
            .unwrap_or_default();
        let block = vec![b'a'; 1 << 20];
        for _ in 0..=(MAX_UNPACKED_BYTES >> 20) {
            zip.write_all(&block).unwrap_or_default();
        }
        let _ = zip.finish();
        assert!(refusal(out.get_ref()).contains("解压后"));
    }

    #[test]
    fn a_cell_far_down_or_across_the_sheet_is_refused_without_building_the_grid() {
        let book = |row: u32, col: u16| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            let _ = ws.write_string(0, 0, "序号");
            let _ = ws.write_string(row, col, "炸弹");
            wb.save_to_buffer().unwrap_or_default()
        };
        assert!(refusal(&book(1_048_575, 16_383)).contains("一次最多导入"));
        assert!(refusal(&book(3, 200)).contains("列"));
    }

    #[test]
    fn a_cell_longer_than_excel_allows_is_refused() {
        let csv = format!(
            "序号,单位,问题\n1,青石镇党政办公室,{}\n",
            "长".repeat(MAX_CELL_CHARS + 1)
        );
        assert!(refusal(csv.as_bytes()).contains("过长"));
    }

    #[test]
    fn a_file_without_the_header_is_refused_naming_the_file() {
        let e = read_rows("a,b\n1,2\n".as_bytes()).err();
        assert!(matches!(e, Some(ApiError::Validation { field, .. }) if field == "file"));
    }
}
