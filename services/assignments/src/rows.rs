//! Row ↔ value mapping of the assignments database: snapshots, views, stored enums, cursors
//! and the error helpers every store file uses.

use crate::domain::assignment::{Assignment, DomainError, Line};
use crate::domain::campaign::Campaign;
use crate::domain::directory::Person;
use crate::domain::duty::DutyRule;
use crate::entity::{
    assignment, calendar_override, campaign, deadline_change, duty_rule, org_unit, person,
    progress_report, transfer,
};
use base64::Engine;
use duban_api::{ApiError, AssignmentView, DeadlineChangeView, TransferView};
use duban_auth::Role;
use duban_clock::workdays::Special;
use duban_schema::assignments::{
    AssignmentBrief, AssignmentSnapshot, AssignmentSource, AssignmentState, CampaignSnapshot,
    DutyRuleSnapshot, OrgUnitSnapshot, PersonSnapshot, ProgressReportSnapshot, Recurrence,
    SupervisionLevel, UnitKind, Urgency,
};
use sea_orm::sea_query::InsertStatement;
use sea_orm::{EntityTrait, NotSet, QueryTrait, Set};

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
        DomainError::InvalidItem {
            list,
            index,
            field,
            message,
        } => {
            let at = match field {
                "" => format!("{list}[{index}]"),
                f => format!("{list}[{index}].{f}"),
            };
            ApiError::validation(&at, message)
        }
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
        AssignmentSource::ConductReview => "CONDUCT_REVIEW",
        AssignmentSource::RatingRectification => "RATING_RECTIFICATION",
        AssignmentSource::RatingFollowUp => "RATING_FOLLOW_UP",
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
        "CONDUCT_REVIEW" => Some(AssignmentSource::ConductReview),
        "RATING_RECTIFICATION" => Some(AssignmentSource::RatingRectification),
        "RATING_FOLLOW_UP" => Some(AssignmentSource::RatingFollowUp),
        _ => None,
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

impl From<&OrgUnitSnapshot> for org_unit::ActiveModel {
    fn from(u: &OrgUnitSnapshot) -> Self {
        org_unit::ActiveModel {
            id: Set(u.id.clone()),
            parent_id: Set(u.parent_id.clone()),
            kind: Set(kind_str(u.kind).into()),
            name: Set(u.name.clone()),
            division_code: Set(u.division_code.clone()),
            path: Set(u.path.clone()),
            version: Set(u.version),
        }
    }
}

impl From<&person::Model> for Person {
    fn from(m: &person::Model) -> Self {
        Person {
            snapshot: PersonSnapshot {
                id: m.id.clone(),
                account: m.account.clone(),
                name: m.name.clone(),
                title: m.title.clone(),
                unit_id: m.unit_id.clone(),
                unit_path: m.unit_path.clone(),
                roles: m.roles.split(',').filter_map(Role::parse).collect(),
                supervising_leader_id: m.supervising_leader_id.clone(),
                deactivated: m.deactivated,
                version: m.version,
            },
            generation: m.generation,
        }
    }
}

impl From<&Person> for person::ActiveModel {
    fn from(p: &Person) -> Self {
        let s = &p.snapshot;
        person::ActiveModel {
            id: Set(s.id.clone()),
            account: Set(s.account.clone()),
            name: Set(s.name.clone()),
            title: Set(s.title.clone()),
            unit_id: Set(s.unit_id.clone()),
            unit_path: Set(s.unit_path.clone()),
            roles: Set(s
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")),
            supervising_leader_id: Set(s.supervising_leader_id.clone()),
            deactivated: Set(s.deactivated),
            version: Set(s.version),
            generation: Set(p.generation),
        }
    }
}

impl TryFrom<&campaign::Model> for Campaign {
    type Error = ApiError;

    fn try_from(c: &campaign::Model) -> Result<Self, ApiError> {
        fn list<T: serde::de::DeserializeOwned>(
            c: &campaign::Model,
            what: &str,
            json: &str,
        ) -> Result<T, ApiError> {
            serde_json::from_str(json).map_err(|_| ApiError::unknown_stored(what, &c.id, json))
        }
        Ok(Campaign {
            snapshot: CampaignSnapshot {
                id: c.id.clone(),
                name: c.name.clone(),
                document_number: c.document_number.clone(),
                scope_unit_id: c.scope_unit_id.clone(),
                phases: list(c, "campaign phases", &c.phases)?,
                categories: list(c, "campaign categories", &c.categories)?,
                report_deadlines: list(c, "campaign report deadlines", &c.report_deadlines)?,
            },
            announced_phase: c.announced_phase,
        })
    }
}

impl From<&Campaign> for campaign::ActiveModel {
    fn from(c: &Campaign) -> Self {
        let s = &c.snapshot;
        let json = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "[]".into());
        campaign::ActiveModel {
            id: Set(s.id.clone()),
            name: Set(s.name.clone()),
            document_number: Set(s.document_number.clone()),
            scope_unit_id: Set(s.scope_unit_id.clone()),
            phases: Set(json(serde_json::to_string(&s.phases))),
            categories: Set(json(serde_json::to_string(&s.categories))),
            announced_phase: Set(c.announced_phase),
            report_deadlines: Set(json(serde_json::to_string(&s.report_deadlines))),
        }
    }
}

impl From<&duty_rule::Model> for DutyRule {
    fn from(m: &duty_rule::Model) -> Self {
        DutyRule {
            snapshot: DutyRuleSnapshot {
                id: m.id.clone(),
                title: m.title.clone(),
                description: m.description.clone(),
                recurrence: serde_json::from_str(&m.recurrence).unwrap_or(Recurrence::WorkingDays),
                unit_id: m.unit_id.clone(),
                person_id: m.person_id.clone(),
                time_limit_days: m.time_limit_days,
                working_days_only: m.working_days_only,
                starts_on: m.starts_on,
                created_by: m.created_by.clone(),
            },
            unit_path: m.unit_path.clone(),
            next_on: m.next_on,
        }
    }
}

impl From<&DutyRule> for duty_rule::ActiveModel {
    fn from(r: &DutyRule) -> Self {
        let s = &r.snapshot;
        duty_rule::ActiveModel {
            id: Set(s.id.clone()),
            title: Set(s.title.clone()),
            description: Set(s.description.clone()),
            recurrence: Set(serde_json::to_string(&s.recurrence).unwrap_or_default()),
            unit_id: Set(s.unit_id.clone()),
            unit_path: Set(r.unit_path.clone()),
            person_id: Set(s.person_id.clone()),
            time_limit_days: Set(s.time_limit_days),
            working_days_only: Set(s.working_days_only),
            starts_on: Set(s.starts_on),
            created_by: Set(s.created_by.clone()),
            next_on: Set(r.next_on),
        }
    }
}

/// The snapshot of a duty rule row.
pub(crate) fn rule_snapshot(m: &duty_rule::Model) -> DutyRuleSnapshot {
    DutyRule::from(m).snapshot
}

/// The snapshot of a person row.
pub(crate) fn person_snapshot(m: person::Model) -> PersonSnapshot {
    Person::from(&m).snapshot
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
            brief: AssignmentBrief {
                title: m.title.clone(),
                description: m.description.clone(),
                source: stored("source", id, &m.source, parse_source(&m.source))?,
                source_text: m.source_text.clone(),
                urgency: stored("urgency", id, &m.urgency, Urgency::parse(&m.urgency))?,
                cooperating_unit_ids: json_list(&m.cooperating_unit_ids),
                campaign_id: m.campaign_id.clone(),
                category: m.category.clone(),
                problem_id: m.problem_id.clone(),
                document_number: m.document_number.clone(),
            },
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
            cooperating_person_ids: json_list(&m.cooperating_person_ids),
            returned_to_issuer: m.returned_to_issuer,
            ack_due_on: m.ack_due_on,
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
            title: Set(s.brief.title.clone()),
            description: Set(s.brief.description.clone()),
            source: Set(source_str(s.brief.source).into()),
            source_text: Set(s.brief.source_text.clone()),
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
            urgency: Set(s.brief.urgency.as_str().into()),
            cooperating_unit_ids: Set(to_json_list(&s.brief.cooperating_unit_ids)),
            cooperating_person_ids: Set(to_json_list(&s.cooperating_person_ids)),
            returned_to_issuer: Set(s.returned_to_issuer),
            last_sequence: Set(a.last_sequence),
            ack_due_on: Set(s.ack_due_on),
            campaign_id: Set(s.brief.campaign_id.clone()),
            category: Set(s.brief.category.clone()),
            problem_id: Set(s.brief.problem_id.clone()),
            document_number: Set(s.brief.document_number.clone()),
            duty_id: Set(s.duty_id.clone()),
            color: NotSet,
        }
    }
}

/// `before` as `full` (a decided row, its key and the columns no command decides left
/// unset) leaves it, and the update that makes it so: only the columns whose value moved
/// are written, and `version`, which the update's guard needs something to SET beside.
pub(crate) fn moved<A>(
    before: &<A::Entity as EntityTrait>::Model,
    full: &A,
    version: <A::Entity as EntityTrait>::Column,
) -> (<A::Entity as EntityTrait>::Model, A)
where
    A: sea_orm::ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: Clone,
{
    use sea_orm::{ActiveValue, IdenStatic, Iterable, ModelTrait};
    let (mut after, mut changed) = (before.clone(), <A as sea_orm::ActiveModelTrait>::default());
    for col in <A::Entity as EntityTrait>::Column::iter() {
        if let ActiveValue::Set(v) = full.get(col) {
            if after.get(col) != v || col.as_str() == version.as_str() {
                after.set(col, v.clone());
                changed.set(col, v);
            }
        }
    }
    (after, changed)
}

/// An assignment's decided row for [`moved`]: its key left unset.
pub(crate) fn decided_row(next: &Assignment) -> assignment::ActiveModel {
    assignment::ActiveModel {
        id: NotSet,
        ..assignment::ActiveModel::from(next)
    }
}

/// What a caller who acted on `version` is told when the guarded write matched no row:
/// another command moved the row on since.
pub(crate) fn moved_on(version: i64) -> ApiError {
    ApiError::VersionConflict {
        expected: version,
        actual: version + 1,
    }
}

/// `Ok` when a write guarded by `version` changed its one row, [`moved_on`] otherwise.
pub(crate) fn one_changed(updated: &sea_orm::UpdateResult, version: i64) -> Result<(), ApiError> {
    if updated.rows_affected == 1 {
        Ok(())
    } else {
        Err(moved_on(version))
    }
}

/// The snapshot of an assignment row.
pub(crate) fn snapshot(m: &assignment::Model) -> Result<AssignmentSnapshot, ApiError> {
    Assignment::try_from(m).map(|a| a.snapshot)
}

/// The INSERT of a ledger line of `assignment_id`.
pub(crate) fn line_insert(assignment_id: &str, line: Line) -> InsertStatement {
    let id = assignment_id.to_string();
    match line {
        Line::Progress(r) => progress_report::Entity::insert(progress_report::ActiveModel {
            id: Set(r.id),
            assignment_id: Set(id),
            percent: Set(r.percent),
            text: Set(r.text),
            reported_by: Set(r.reported_by),
            reported_at: Set(r.reported_at),
            evidence: Set(to_json_list(&r.evidence)),
        })
        .into_query(),
        Line::Deadline {
            id: line_id,
            from,
            to,
            reason,
            at,
        } => deadline_change::Entity::insert(deadline_change::ActiveModel {
            id: Set(line_id),
            assignment_id: Set(id),
            from_date: Set(from),
            to_date: Set(to),
            reason: Set(reason),
            changed_at: Set(at),
        })
        .into_query(),
        Line::Transfer {
            id: line_id,
            from_unit_id,
            to_unit_id,
            reason,
            approved,
            decided_by,
            at,
        } => transfer::Entity::insert(transfer::ActiveModel {
            id: Set(line_id),
            assignment_id: Set(id),
            from_unit_id: Set(from_unit_id),
            to_unit_id: Set(to_unit_id),
            reason: Set(reason),
            approved: Set(approved),
            decided_by: Set(decided_by),
            decided_at: Set(at),
        })
        .into_query(),
    }
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
    duban_outbox::calendar::special(m.workday, m.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_schema::assignments::AssignmentSnapshot;
    use sea_orm::{ActiveModelTrait, ActiveValue, Iterable, TryIntoModel};

    #[test]
    fn a_guarded_write_that_changed_no_row_is_a_version_conflict() {
        let changed = |n| sea_orm::UpdateResult { rows_affected: n };
        assert!(one_changed(&changed(1), 4).is_ok());
        for n in [0, 2] {
            assert!(matches!(
                one_changed(&changed(n), 4),
                Err(ApiError::VersionConflict {
                    expected: 4,
                    actual: 5
                })
            ));
        }
    }

    #[test]
    fn a_report_writes_only_what_it_moved_and_keeps_the_stored_color() {
        let a = Assignment::issued(AssignmentSnapshot::example("a"));
        let mut stored = assignment::ActiveModel::from(&a);
        stored.color = Set(Some("YELLOW".into()));
        let before = stored.try_into_model().unwrap();
        let mut next = a.clone();
        next.snapshot.progress_percent = 40;
        next.snapshot.version += 1;
        next.last_sequence += 1;
        let (after, changed) = moved(&before, &decided_row(&next), assignment::Column::Version);
        let written: Vec<_> = assignment::Column::iter()
            .filter(|c| matches!(changed.get(*c), ActiveValue::Set(_)))
            .map(|c| sea_orm::IdenStatic::as_str(&c).to_string())
            .collect();
        assert_eq!(written, ["progress_percent", "version", "last_sequence"]);
        let mut expected = assignment::ActiveModel::from(&next);
        expected.color = Set(Some("YELLOW".into()));
        assert_eq!(after, expected.try_into_model().unwrap());
    }
}
