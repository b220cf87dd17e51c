//! Importing a ledger an office already keeps in Excel: every row is resolved (unit and
//! person by name, dates in the forms offices type) and checked by the same code as the
//! mutations, each in a savepoint; the whole import is one transaction, committed only
//! when every row is good, or, when asked, with the good rows only.

use crate::entity::{assignment, org_unit, person, problem};
use crate::rows::internal;
use crate::service::AssignmentsService;
use chrono::NaiveDate;
use duban_api::ledger::columns;
use duban_api::{
    ApiError, ImportIssue, ImportReport, ImportRow, IssueAssignmentInput, LedgerKind,
    RegisterProblemInput,
};
use duban_auth::Actor;
use duban_schema::assignments::{
    AssignmentSource, AssignmentState, ProblemSource, ProblemState, Urgency,
};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait};

/// What a ledger row is compared with when it names an item already registered.
struct Stored {
    id: String,
    unit_id: String,
    unit_name: String,
    text: String,
    state_label: &'static str,
    due_on: NaiveDate,
}

impl Stored {
    fn of_problem(m: problem::Model) -> Self {
        Stored {
            state_label: ProblemState::parse(&m.state).map_or("", |s| s.label()),
            id: m.id,
            unit_id: m.unit_id,
            unit_name: m.unit_name,
            text: m.description,
            due_on: m.due_on,
        }
    }

    fn of_assignment(m: assignment::Model) -> Self {
        Stored {
            state_label: AssignmentState::parse(&m.state).map_or("", |s| s.label()),
            id: m.id,
            unit_id: m.lead_unit_id,
            unit_name: m.lead_unit_name,
            text: m.title,
            due_on: m.due_on,
        }
    }

    /// The columns of `row` that say something else than the stored item (blank says
    /// nothing).
    fn differences(&self, kind: LedgerKind, row: &ImportRow) -> Vec<&'static [&'static str]> {
        use columns::*;
        let text = match kind {
            LedgerKind::Problems => PROBLEM,
            LedgerKind::Assignments => ITEM,
        };
        let mut out = Vec::new();
        let unit = cell(row, UNIT);
        if !unit.is_empty() && unit != self.unit_name && unit != self.unit_id {
            out.push(UNIT);
        }
        let t = cell(row, text);
        if !t.is_empty() && t != self.text {
            out.push(text);
        }
        let state = cell(row, STATE);
        if !state.is_empty() && state != self.state_label {
            out.push(STATE);
        }
        match parse_time_limit(cell(row, DUE)) {
            Some(TimeLimit::Date(d)) if d != self.due_on => out.push(DUE),
            Some(TimeLimit::WorkingDays(_)) => out.push(DUE),
            _ => {}
        }
        out
    }
}

/// The item of `kind` with `id`, if it is in the caller's scope.
async fn stored_by_id(
    txn: &DatabaseTransaction,
    actor: &Actor,
    kind: LedgerKind,
    id: &str,
) -> Result<Option<Stored>, ApiError> {
    Ok(match kind {
        LedgerKind::Problems => problem::Entity::find_by_id(id.to_string())
            .one(txn)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.unit_path))
            .map(Stored::of_problem),
        LedgerKind::Assignments => assignment::Entity::find_by_id(id.to_string())
            .one(txn)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.lead_unit_path))
            .map(Stored::of_assignment),
    })
}

/// An item of `kind` already registered for `unit_id` with the same problem or title.
async fn same_item(
    txn: &DatabaseTransaction,
    kind: LedgerKind,
    unit_id: &str,
    text: &str,
) -> Result<Option<String>, ApiError> {
    Ok(match kind {
        LedgerKind::Problems => problem::Entity::find()
            .filter(problem::Column::UnitId.eq(unit_id))
            .filter(problem::Column::Description.eq(text))
            .one(txn)
            .await
            .map_err(internal)?
            .map(|m| m.id),
        LedgerKind::Assignments => assignment::Entity::find()
            .filter(assignment::Column::LeadUnitId.eq(unit_id))
            .filter(assignment::Column::Title.eq(text))
            .one(txn)
            .await
            .map_err(internal)?
            .map(|m| m.id),
    })
}

/// A time limit as offices type it: a date (2026-12-31, 2026/12/31, 2026.12.31,
/// 2026年12月31日) or a number of working days (10, 10个工作日).
pub enum TimeLimit {
    /// A last day.
    Date(NaiveDate),
    /// Working days from today.
    WorkingDays(i32),
}

/// Parses a time-limit cell.
pub fn parse_time_limit(cell: &str) -> Option<TimeLimit> {
    let c = cell.trim();
    let days = c
        .trim_end_matches("个工作日")
        .trim_end_matches("工作日")
        .trim();
    if let Ok(n) = days.parse::<i32>() {
        return Some(TimeLimit::WorkingDays(n));
    }
    let normal: String = c
        .replace(['年', '月', '/', '.'], "-")
        .trim_end_matches('日')
        .to_string();
    let date_part = normal.split([' ', 'T']).next().unwrap_or("");
    NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
        .ok()
        .map(TimeLimit::Date)
}

fn cell<'a>(row: &'a ImportRow, names: &[&str]) -> &'a str {
    names
        .iter()
        .find_map(|n| row.cells.get(*n))
        .map(|s| s.trim())
        .unwrap_or("")
}

fn issue(row: usize, names: &[&str], message: impl Into<String>) -> ImportIssue {
    ImportIssue {
        row,
        column: names[0].to_string(),
        message: message.into(),
    }
}

/// The column a mutation's field comes from.
fn column_of(kind: LedgerKind, field: &str) -> &'static [&'static str] {
    use columns::*;
    match field {
        "description" => PROBLEM,
        "title" => ITEM,
        "causeAnalysis" => CAUSE,
        "measures" => MEASURES,
        "category" | "campaignId" => CATEGORY,
        "unitId" | "leadUnitId" => UNIT,
        "responsiblePersonId" | "responsibleLeaderId" => PERSON,
        f if f.starts_with("cooperatingUnitIds") => COOPERATING,
        _ if kind == LedgerKind::Problems && field == "source" => SOURCE,
        _ => DUE,
    }
}

impl AssignmentsService {
    pub(crate) async fn import_ledger(
        &self,
        actor: &Actor,
        kind: LedgerKind,
        rows: Vec<ImportRow>,
        only_good: bool,
    ) -> Result<ImportReport, ApiError> {
        use columns::*;
        match kind {
            LedgerKind::Assignments => crate::access::may_issue(actor)?,
            LedgerKind::Problems => crate::access::may_register_problem(actor, None)?,
        }
        if rows.len() > 5000 {
            return Err(ApiError::validation(
                "file",
                "一次最多导入5000行，请分批导入",
            ));
        }
        let units: Vec<org_unit::Model> = org_unit::Entity::find()
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|u| actor.can_see(&u.path))
            .collect();
        let people: Vec<person::Model> = person::Entity::find()
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|p| actor.can_see(&p.unit_path) && !p.deactivated)
            .collect();
        let find_unit = |text: &str| {
            let matches: Vec<&org_unit::Model> = units
                .iter()
                .filter(|u| u.id == text || u.name == text)
                .collect();
            match matches.as_slice() {
                [one] => Ok(*one),
                [] => Err(format!("单位「{text}」不存在或不在您的权限范围内")),
                _ => Err(format!("单位名称「{text}」不唯一，请填写单位编号")),
            }
        };
        let today = self.clock.today();
        let mut issues = Vec::new();
        let mut imported = Vec::new();
        let mut unchanged = Vec::new();
        let what = match kind {
            LedgerKind::Problems => "问题",
            LedgerKind::Assignments => "事项",
        };
        let txn = self.db.begin().await.map_err(internal)?;
        for row in &rows {
            if row.cells.values().all(|v| v.trim().is_empty()) {
                continue;
            }
            // A row that names an item is that item: never a second copy; it is changed
            // in duban, by its transitions, not by a file.
            let named = cell(row, ID);
            if !named.is_empty() {
                match stored_by_id(&txn, actor, kind, named).await? {
                    None => issues.push(issue(
                        row.row,
                        ID,
                        format!("编号「{named}」的{what}不存在或不在您的权限范围内"),
                    )),
                    Some(stored) => {
                        let differs = stored.differences(kind, row);
                        if differs.is_empty() {
                            unchanged.push(stored.id.clone());
                        }
                        for column in differs {
                            issues.push(issue(
                                row.row,
                                column,
                                format!(
                                    "该{what}已登记（编号{}），本列与系统中不同；导入不修改已登记的{what}，请在系统中办理",
                                    stored.id
                                ),
                            ));
                        }
                    }
                }
                continue;
            }
            let before = issues.len();
            let unit = match cell(row, UNIT) {
                "" => {
                    issues.push(issue(row.row, UNIT, "请填写单位"));
                    None
                }
                text => find_unit(text)
                    .map_err(|m| issues.push(issue(row.row, UNIT, m)))
                    .ok(),
            };
            let person_id = match (cell(row, PERSON), unit) {
                ("", _) | (_, None) => None,
                (name, Some(u)) => {
                    let found: Vec<&person::Model> = people
                        .iter()
                        .filter(|p| {
                            p.unit_id == u.id
                                && (p.name == name || p.account == name || p.id == name)
                        })
                        .collect();
                    match found.as_slice() {
                        [one] => Some(one.id.clone()),
                        [] => {
                            issues.push(issue(
                                row.row,
                                PERSON,
                                format!("「{}」没有名为「{name}」的在岗人员", u.name),
                            ));
                            None
                        }
                        _ => {
                            issues.push(issue(
                                row.row,
                                PERSON,
                                format!("「{}」有多名「{name}」，请填写账号", u.name),
                            ));
                            None
                        }
                    }
                }
            };
            let (days, due_on) = match parse_time_limit(cell(row, DUE)) {
                Some(TimeLimit::WorkingDays(n)) => (Some(n), None),
                Some(TimeLimit::Date(d)) if d < today => {
                    issues.push(issue(row.row, DUE, format!("时限{d}已过，请核实")));
                    (None, None)
                }
                Some(TimeLimit::Date(d)) => (None, Some(d)),
                None => {
                    issues.push(issue(
                        row.row,
                        DUE,
                        "时限应为日期（如2026-12-31）或工作日数（如10个工作日）",
                    ));
                    (None, None)
                }
            };
            let source = match kind {
                LedgerKind::Problems => match cell(row, SOURCE) {
                    "" => Some(ProblemSource::SelfFound),
                    s => ProblemSource::from_label(s).or_else(|| {
                        issues.push(issue(
                            row.row,
                            SOURCE,
                            "来源应为自己找、群众提、上级点、组织查、巡察反馈或信访举报",
                        ));
                        None
                    }),
                },
                LedgerKind::Assignments => Some(ProblemSource::SelfFound),
            };
            let urgency = match cell(row, URGENCY) {
                "" => Urgency::Normal,
                s => Urgency::ALL
                    .into_iter()
                    .find(|u| u.label() == s)
                    .unwrap_or_else(|| {
                        issues.push(issue(row.row, URGENCY, "紧急程度应为一般、急或特急"));
                        Urgency::Normal
                    }),
            };
            let mut cooperating = Vec::new();
            for name in cell(row, COOPERATING)
                .split(['、', ',', '，', ';', '；'])
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                match find_unit(name) {
                    Ok(u) => cooperating.push(u.id.clone()),
                    Err(m) => issues.push(issue(row.row, COOPERATING, m)),
                }
            }
            if issues.len() > before {
                continue;
            }
            let Some(unit) = unit else { continue };
            let text = match kind {
                LedgerKind::Problems => PROBLEM,
                LedgerKind::Assignments => ITEM,
            };
            if let Some(id) = same_item(&txn, kind, &unit.id, cell(row, text)).await? {
                issues.push(issue(
                    row.row,
                    text,
                    format!(
                        "「{}」已有相同的{what}（编号{id}）；不重复导入，更新请在系统中办理",
                        unit.name
                    ),
                ));
                continue;
            }
            let savepoint = txn.begin().await.map_err(internal)?;
            let written = match kind {
                LedgerKind::Problems => self
                    .register_problem_in(
                        &savepoint,
                        actor,
                        &RegisterProblemInput {
                            campaign_id: None,
                            category: cell(row, CATEGORY).to_string(),
                            source: source.unwrap_or(ProblemSource::SelfFound),
                            description: cell(row, PROBLEM).to_string(),
                            cause_analysis: cell(row, CAUSE).to_string(),
                            measures: cell(row, MEASURES)
                                .split(['\n', '；', ';'])
                                .map(str::to_string)
                                .collect(),
                            unit_id: unit.id.clone(),
                            responsible_person_id: person_id,
                            responsible_leader_id: None,
                            time_limit_days: days,
                            due_on,
                        },
                    )
                    .await
                    .map(|m| m.id),
                LedgerKind::Assignments => {
                    let mut input = IssueAssignmentInput::new(
                        cell(row, ITEM),
                        cell(row, REQUIREMENTS),
                        AssignmentSource::KeyTask,
                        unit.id.clone(),
                        1,
                    );
                    input.brief.urgency = urgency;
                    input.brief.cooperating_unit_ids = cooperating;
                    input.brief.category =
                        Some(cell(row, CATEGORY).to_string()).filter(|c| !c.is_empty());
                    input.responsible_person_id = person_id;
                    input.time_limit_days = days;
                    input.due_on = due_on;
                    self.issue_in(&savepoint, actor, &input, None, self.clock.now())
                        .await
                        .map(|m| m.id)
                }
            };
            match written {
                Ok(id) => {
                    savepoint.commit().await.map_err(internal)?;
                    imported.push(id);
                }
                Err(e) => {
                    savepoint.rollback().await.map_err(internal)?;
                    match e {
                        ApiError::Validation { field, message } => {
                            issues.push(issue(row.row, column_of(kind, &field), message))
                        }
                        ApiError::Forbidden(message) => issues.push(issue(row.row, UNIT, message)),
                        other => return Err(other),
                    }
                }
            }
        }
        if issues.is_empty() || only_good {
            self.commit(txn).await?;
        } else {
            txn.rollback().await.map_err(internal)?;
            imported.clear();
        }
        Ok(ImportReport {
            rows: rows.len(),
            imported,
            unchanged,
            issues,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_in_the_forms_offices_type() {
        let date = |s| match parse_time_limit(s) {
            Some(TimeLimit::Date(d)) => Some(d.to_string()),
            _ => None,
        };
        let days = |s| match parse_time_limit(s) {
            Some(TimeLimit::WorkingDays(n)) => Some(n),
            _ => None,
        };
        for s in [
            "2026-12-31",
            "2026/12/31",
            "2026.12.31",
            "2026年12月31日",
            "2026-12-31 00:00:00",
        ] {
            assert_eq!(date(s).as_deref(), Some("2026-12-31"), "{s}");
        }
        assert_eq!(days("10个工作日"), Some(10));
        assert_eq!(days(" 5 "), Some(5));
        assert!(parse_time_limit("月底前").is_none());
        assert!(parse_time_limit("2026-02-30").is_none());
    }
}
