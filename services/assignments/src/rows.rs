//! Row ↔ value mapping of the assignments database: snapshots, views, stored enums, cursors
//! and the error helpers every store file uses.

use crate::domain::assignment::{Assignment, DomainError, Line};
use crate::entity::{
    assignment, calendar_override, deadline_change, org_unit, person, progress_report, transfer,
};
use base64::Engine;
use duban_api::{ApiError, AssignmentView, DeadlineChangeView, TransferView};
use duban_auth::Role;
use duban_clock::workdays::Special;
use duban_schema::assignments::{
    AssignmentSnapshot, AssignmentSource, AssignmentState, OrgUnitSnapshot, PersonSnapshot,
    ProgressReportSnapshot, SupervisionLevel, UnitKind, Urgency,
};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};

/// Refuses a date given as input that lies more than five years from today.
pub(crate) fn check_input_date(
    field: &str,
    date: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<(), ApiError> {
    if duban_clock::workdays::within_input_range(date, today) {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            format!(
                "日期须在今天前后{}年以内",
                duban_clock::workdays::INPUT_YEARS
            ),
        ))
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "assignments: internal error");
    ApiError::Internal(e.to_string())
}

pub(crate) fn domain_err(e: DomainError) -> ApiError {
    match e {
        DomainError::Illegal { from, action } => ApiError::IllegalTransition {
            from: from.as_str().to_string(),
            from_label: from.label().to_string(),
            action: action.to_string(),
        },
        DomainError::Invalid { field, message } => ApiError::validation(field, message),
    }
}

pub(crate) fn kind_str(k: UnitKind) -> &'static str {
    match k {
        UnitKind::County => "COUNTY",
        UnitKind::Township => "TOWNSHIP",
        UnitKind::Department => "DEPARTMENT",
        UnitKind::Office => "OFFICE",
    }
}

pub(crate) fn parse_kind(s: &str) -> Option<UnitKind> {
    match s {
        "COUNTY" => Some(UnitKind::County),
        "TOWNSHIP" => Some(UnitKind::Township),
        "DEPARTMENT" => Some(UnitKind::Department),
        "OFFICE" => Some(UnitKind::Office),
        _ => None,
    }
}

/// A value read back from the database, or, when it is none this code wrote, an INTERNAL
/// error logged with the row and the value: a stored value is never guessed at.
pub(crate) fn stored<T>(
    what: &str,
    id: &str,
    value: &str,
    parsed: Option<T>,
) -> Result<T, ApiError> {
    parsed.ok_or_else(|| ApiError::unknown_stored(what, id, value))
}

pub(crate) fn source_str(s: AssignmentSource) -> &'static str {
    match s {
        AssignmentSource::LeaderInstruction => "LEADER_INSTRUCTION",
        AssignmentSource::MeetingDecision => "MEETING_DECISION",
        AssignmentSource::KeyTask => "KEY_TASK",
        AssignmentSource::PublicRequest => "PUBLIC_REQUEST",
        AssignmentSource::Problem => "PROBLEM",
        AssignmentSource::RecurringDuty => "RECURRING_DUTY",
    }
}

pub(crate) fn parse_source(s: &str) -> Option<AssignmentSource> {
    match s {
        "LEADER_INSTRUCTION" => Some(AssignmentSource::LeaderInstruction),
        "MEETING_DECISION" => Some(AssignmentSource::MeetingDecision),
        "KEY_TASK" => Some(AssignmentSource::KeyTask),
        "PUBLIC_REQUEST" => Some(AssignmentSource::PublicRequest),
        "PROBLEM" => Some(AssignmentSource::Problem),
        "RECURRING_DUTY" => Some(AssignmentSource::RecurringDuty),
        _ => None,
    }
}

/// Checks a 统计用区划代码 against the unit's kind and its county's code.
pub(crate) fn check_division_code(
    kind: UnitKind,
    code: Option<&str>,
    parent_code: Option<&str>,
) -> Result<(), ApiError> {
    let digits = |c: &str, n: usize| c.len() == n && c.bytes().all(|b| b.is_ascii_digit());
    match (kind, code) {
        (UnitKind::County, Some(c)) if !digits(c, 6) => Err(ApiError::validation(
            "divisionCode",
            "县的区划代码应为6位数字",
        )),
        (UnitKind::Township, Some(c)) if !digits(c, 9) => Err(ApiError::validation(
            "divisionCode",
            "乡镇的区划代码应为9位数字",
        )),
        (UnitKind::Township, Some(c)) => match parent_code {
            Some(pc) if !c.starts_with(pc) => Err(ApiError::validation(
                "divisionCode",
                format!("乡镇的区划代码应以所属县的代码{pc}开头"),
            )),
            _ => Ok(()),
        },
        (UnitKind::Department | UnitKind::Office, Some(_)) => Err(ApiError::validation(
            "divisionCode",
            "只有县和乡镇有区划代码",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn unit_snapshot(m: org_unit::Model) -> Result<OrgUnitSnapshot, ApiError> {
    Ok(OrgUnitSnapshot {
        kind: stored("unit kind", &m.id, &m.kind, parse_kind(&m.kind))?,
        id: m.id,
        parent_id: m.parent_id,
        name: m.name,
        division_code: m.division_code,
        path: m.path,
        version: m.version,
    })
}

pub(crate) fn person_snapshot(m: person::Model) -> PersonSnapshot {
    PersonSnapshot {
        id: m.id,
        account: m.account,
        name: m.name,
        title: m.title,
        unit_id: m.unit_id,
        unit_path: m.unit_path,
        roles: m.roles.split(',').filter_map(Role::parse).collect(),
        supervising_leader_id: m.supervising_leader_id,
        deactivated: m.deactivated,
        version: m.version,
    }
}

pub(crate) fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn to_json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// A query's scope unit that does not exist or that the caller may not see: one answer
/// for both, so the refusal tells nothing about units outside the caller's reach.
pub(crate) fn scope_refused() -> ApiError {
    ApiError::validation("filter.scope", "范围单位不存在或不在您的权限范围内")
}

impl TryFrom<&assignment::Model> for Assignment {
    type Error = ApiError;

    fn try_from(m: &assignment::Model) -> Result<Self, ApiError> {
        let id = m.id.as_str();
        let snapshot = AssignmentSnapshot {
            id: m.id.clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            source: stored("source", id, &m.source, parse_source(&m.source))?,
            source_text: m.source_text.clone(),
            issuer_id: m.issuer_id.clone(),
            issuer_unit_id: m.issuer_unit_id.clone(),
            lead_unit_id: m.lead_unit_id.clone(),
            lead_unit_path: m.lead_unit_path.clone(),
            lead_unit_name: m.lead_unit_name.clone(),
            responsible_person_id: m.responsible_person_id.clone(),
            state: stored("state", id, &m.state, AssignmentState::parse(&m.state))?,
            time_limit_days: m.time_limit_days,
            issued_at: m.issued_at,
            due_on: m.due_on,
            progress_percent: m.progress_percent,
            version: m.version,
            supervision_level: stored(
                "supervision level",
                id,
                &m.supervision_level,
                SupervisionLevel::parse(&m.supervision_level),
            )?,
            suspended_on: m.suspended_on,
            pending_extension_days: m.pending_extension_days,
            extension_count: m.extension_count,
            pending_transfer_unit_id: m.pending_transfer_unit_id.clone(),
            transfer_count: m.transfer_count,
            urgency: stored("urgency", id, &m.urgency, Urgency::parse(&m.urgency))?,
            cooperating_unit_ids: json_list(&m.cooperating_unit_ids),
            cooperating_person_ids: json_list(&m.cooperating_person_ids),
            returned_to_issuer: m.returned_to_issuer,
            ack_due_on: m.ack_due_on,
            campaign_id: m.campaign_id.clone(),
            category: m.category.clone(),
            problem_id: m.problem_id.clone(),
            duty_id: m.duty_id.clone(),
        };
        Ok(Assignment {
            snapshot,
            pending_extension_reason: m.pending_extension_reason.clone(),
            pending_transfer_reason: m.pending_transfer_reason.clone(),
            acknowledged_at: m.acknowledged_at,
            completed_at: m.completed_at,
            result: m.result.clone(),
            return_reason: m.return_reason.clone(),
            last_sequence: m.last_sequence,
        })
    }
}

impl From<&Assignment> for assignment::ActiveModel {
    fn from(a: &Assignment) -> Self {
        let s = &a.snapshot;
        assignment::ActiveModel {
            id: Set(s.id.clone()),
            title: Set(s.title.clone()),
            description: Set(s.description.clone()),
            source: Set(source_str(s.source).into()),
            source_text: Set(s.source_text.clone()),
            issuer_id: Set(s.issuer_id.clone()),
            issuer_unit_id: Set(s.issuer_unit_id.clone()),
            lead_unit_id: Set(s.lead_unit_id.clone()),
            lead_unit_path: Set(s.lead_unit_path.clone()),
            lead_unit_name: Set(s.lead_unit_name.clone()),
            responsible_person_id: Set(s.responsible_person_id.clone()),
            state: Set(s.state.as_str().into()),
            time_limit_days: Set(s.time_limit_days),
            issued_at: Set(s.issued_at),
            due_on: Set(s.due_on),
            progress_percent: Set(s.progress_percent),
            version: Set(s.version),
            acknowledged_at: Set(a.acknowledged_at),
            completed_at: Set(a.completed_at),
            result: Set(a.result.clone()),
            return_reason: Set(a.return_reason.clone()),
            supervision_level: Set(s.supervision_level.as_str().into()),
            suspended_on: Set(s.suspended_on),
            pending_extension_days: Set(s.pending_extension_days),
            pending_extension_reason: Set(a.pending_extension_reason.clone()),
            extension_count: Set(s.extension_count),
            pending_transfer_unit_id: Set(s.pending_transfer_unit_id.clone()),
            pending_transfer_reason: Set(a.pending_transfer_reason.clone()),
            transfer_count: Set(s.transfer_count),
            urgency: Set(s.urgency.as_str().into()),
            cooperating_unit_ids: Set(to_json_list(&s.cooperating_unit_ids)),
            cooperating_person_ids: Set(to_json_list(&s.cooperating_person_ids)),
            returned_to_issuer: Set(s.returned_to_issuer),
            last_sequence: Set(a.last_sequence),
            ack_due_on: Set(s.ack_due_on),
            campaign_id: Set(s.campaign_id.clone()),
            category: Set(s.category.clone()),
            problem_id: Set(s.problem_id.clone()),
            duty_id: Set(s.duty_id.clone()),
        }
    }
}

/// The snapshot of an assignment row.
pub(crate) fn snapshot(m: &assignment::Model) -> Result<AssignmentSnapshot, ApiError> {
    Assignment::try_from(m).map(|a| a.snapshot)
}

/// Writes a ledger line of `assignment_id`.
pub(crate) async fn insert_line(
    txn: &DatabaseTransaction,
    assignment_id: &str,
    line: Line,
) -> Result<(), ApiError> {
    let id = assignment_id.to_string();
    match line {
        Line::Progress(r) => {
            progress_report::ActiveModel {
                id: Set(r.id),
                assignment_id: Set(id),
                percent: Set(r.percent),
                text: Set(r.text),
                reported_by: Set(r.reported_by),
                reported_at: Set(r.reported_at),
                evidence: Set(to_json_list(&r.evidence)),
            }
            .insert(txn)
            .await
        }
        .map(drop),
        Line::Deadline {
            id: line_id,
            from,
            to,
            reason,
            at,
        } => deadline_change::ActiveModel {
            id: Set(line_id),
            assignment_id: Set(id),
            from_date: Set(from),
            to_date: Set(to),
            reason: Set(reason),
            changed_at: Set(at),
        }
        .insert(txn)
        .await
        .map(drop),
        Line::Transfer {
            id: line_id,
            from_unit_id,
            to_unit_id,
            reason,
            approved,
            decided_by,
            at,
        } => transfer::ActiveModel {
            id: Set(line_id),
            assignment_id: Set(id),
            from_unit_id: Set(from_unit_id),
            to_unit_id: Set(to_unit_id),
            reason: Set(reason),
            approved: Set(approved),
            decided_by: Set(decided_by),
            decided_at: Set(at),
        }
        .insert(txn)
        .await
        .map(drop),
    }
    .map_err(internal)
}

/// The view of a row without its history, for answers that do not carry it.
pub(crate) fn bare_view(m: assignment::Model) -> Result<AssignmentView, ApiError> {
    view_of(m, Vec::new(), Vec::new(), Vec::new())
}

/// The view of a row with its reports, deadline changes and transfers.
pub(crate) fn view_of(
    m: assignment::Model,
    progress: Vec<ProgressReportSnapshot>,
    deadline_changes: Vec<DeadlineChangeView>,
    transfers: Vec<TransferView>,
) -> Result<AssignmentView, ApiError> {
    Ok(AssignmentView {
        assignment: snapshot(&m)?,
        progress,
        deadline_changes,
        transfers,
        acknowledged_at: m.acknowledged_at,
        completed_at: m.completed_at,
        result: m.result,
        return_reason: m.return_reason,
    })
}

pub(crate) fn encode_cursor(m: &assignment::Model) -> String {
    due_cursor(m.due_on, &m.id)
}

/// The keyset cursor of a row ordered by time limit then id.
pub(crate) fn due_cursor(due_on: chrono::NaiveDate, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{due_on}|{id}"))
}

/// The time limit and id a [`due_cursor`] names, or VALIDATION on `after`.
pub(crate) fn decode_cursor(c: &str) -> Result<(chrono::NaiveDate, String), ApiError> {
    let bad = || ApiError::validation("after", "分页游标无效，请使用上一页返回的 endCursor");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (d, id) = text.split_once('|').ok_or_else(bad)?;
    Ok((d.parse().map_err(|_| bad())?, id.to_string()))
}

pub(crate) fn special_of(m: &calendar_override::Model) -> Special {
    let name = m.name.clone();
    if m.workday {
        Special::Workday(name.unwrap_or_else(|| "调整上班".into()))
    } else {
        Special::Holiday(name.unwrap_or_else(|| "调整休息".into()))
    }
}
