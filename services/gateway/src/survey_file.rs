//! Evaluation's workbooks: a survey's results (`GET /survey/v1/{id}.xlsx`: per unit each
//! indicator's two-decimal mean and rank, the overall mean and rank, respondents and
//! whether the sample is representative) and a cadre's 作风表现台账
//! (`GET /conduct/v1/{personId}.xlsx`), each with the same bearer token and scope as
//! GraphQL.

use crate::ledger_file::{to_xlsx, Cell, Sheet};
use crate::server::{http_actor, Gateway, HttpAnswer};
use actix_web::{web, HttpRequest, HttpResponse};
use duban_api::{ApiError, SurveyView};

fn rank(r: Option<u32>) -> Cell {
    r.map_or(Cell::Text("—".into()), |r| Cell::Number(f64::from(r)))
}

/// The sheet of a survey's results: means as written by the service (decimal text).
pub fn sheet(v: &SurveyView) -> Sheet {
    let mut header: Vec<String> = vec!["序号".into(), "单位".into()];
    for i in &v.indicators {
        header.push(format!("{i}满意度"));
        header.push(format!("{i}排名"));
    }
    header.extend(["综合满意度", "综合排名", "样本数", "代表性"].map(String::from));
    let rows = v
        .results
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let mut row = vec![Cell::Number((n + 1) as f64), Cell::Text(r.name.clone())];
            for i in &r.indicators {
                row.push(Cell::Text(i.mean.clone().unwrap_or_else(|| "—".into())));
                row.push(rank(i.rank));
            }
            row.push(Cell::Text(r.overall.clone().unwrap_or_else(|| "—".into())));
            row.push(rank(r.rank));
            row.push(Cell::Number(r.respondents as f64));
            row.push(Cell::Text(
                if r.representative {
                    "具代表性"
                } else {
                    "样本不足，不具代表性"
                }
                .into(),
            ));
            row
        })
        .collect();
    Sheet {
        title: format!("{}结果", v.title),
        header,
        rows,
    }
}

/// `GET /survey/v1/{id}.xlsx`.
pub(crate) async fn export(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    file: web::Path<String>,
) -> HttpAnswer {
    let actor = http_actor(&gw, &req).await?;
    let id = xlsx_name(&file)?;
    let view = gw.services.evaluation.survey(&actor, id).await?;
    if view.results.is_empty() {
        return Err(ApiError::validation("id", "评议结束后才能导出结果").into());
    }
    workbook(&sheet(&view), &format!("survey-{id}.xlsx"))
}

/// What names `{name}.xlsx`.
fn xlsx_name(file: &str) -> Result<&str, ApiError> {
    file.strip_suffix(".xlsx")
        .ok_or_else(|| ApiError::validation("format", "格式应为 xlsx"))
}

/// A sheet as an `.xlsx` download, never cached.
fn workbook(sheet: &Sheet, filename: &str) -> HttpAnswer {
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(to_xlsx(sheet)?))
}

/// The period of a ledger export.
#[derive(serde::Deserialize)]
pub struct Period {
    /// First day.
    pub from: chrono::NaiveDate,
    /// Last day.
    pub to: chrono::NaiveDate,
}

/// The sheet of a cadre's 作风表现台账.
pub fn ledger_sheet(v: &duban_api::ConductLedgerView) -> Sheet {
    Sheet {
        title: format!("作风表现台账（{}至{}）", v.from, v.to),
        header: ["序号", "日期", "类别", "事项", "内容"]
            .map(String::from)
            .into(),
        rows: v
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    Cell::Number((i + 1) as f64),
                    Cell::Date(l.on),
                    Cell::Text(l.category.clone()),
                    Cell::Text(l.what.clone()),
                    Cell::Text(l.text.clone()),
                ]
            })
            .collect(),
    }
}

/// `GET /conduct/v1/{personId}.xlsx?from=&to=`: a cadre's 作风表现台账, with the same
/// bearer token and scope as `conductLedger`.
pub(crate) async fn ledger_export(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    file: web::Path<String>,
    period: web::Query<Period>,
) -> HttpAnswer {
    let actor = http_actor(&gw, &req).await?;
    let person = xlsx_name(&file)?;
    let evaluation = &gw.services.evaluation;
    let view = evaluation
        .conduct_ledger(&actor, person, period.from, period.to)
        .await?;
    workbook(&ledger_sheet(&view), &format!("conduct-{person}.xlsx"))
}
