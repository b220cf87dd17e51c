//! The command and query side of the assignments service over sea-orm.

use crate::access::{
    check_party, in_scope, may_change_calendar, may_issue, may_keep_duty, may_maintain_directory,
    refuse_new_root, Holder, Party,
};
use crate::domain::{assignment as rules, assignment::DomainError};
use crate::entity::{
    assignment, calendar_override, campaign, deadline_change, deadline_schedule, org_unit, person,
    problem, progress_report, transfer,
};
use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, FixedOffset};
use duban_api::{
    ApiError, AssignmentCommand, AssignmentFilter, AssignmentSort, AssignmentView, AssignmentsApi,
    CalendarChangeView, CalendarDayView, CreateDutyRuleInput, DeadlineChangeView, ImportReport,
    ImportRow, IssueAssignmentInput, LaunchCampaignInput, LedgerKind, Page, PageRequest,
    ProblemCommand, ProblemFilter, ProblemView, RegisterOrgUnitInput, RegisterPersonInput,
    RegisterProblemInput, ReportProgressInput, SetCalendarDayInput, TextTransitionInput,
    TransferView, TransitionInput, UpdateOrgUnitInput, UpdatePersonInput,
};
use duban_auth::{in_subtree, Actor, Role};
use duban_clock::workdays::{Calendar, Special};
use duban_clock::SharedClock;
use duban_outbox::EventBus;
use duban_schema::assignments::{
    AssignmentSnapshot, AssignmentSource, AssignmentState, AssignmentsEvent, CalendarDaySnapshot,
    CampaignSnapshot, DutyRuleSnapshot, OrgUnitSnapshot, PersonSnapshot, PhaseSnapshot,
    ProgressReportSnapshot, SupervisionLevel, UnitKind, Urgency,
};
use duban_schema::{topics, Envelope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use std::sync::{Arc, RwLock};

/// The assignments service over its own database.
#[derive(Clone)]
pub struct AssignmentsService {
    pub(crate) db: DatabaseConnection,
    bus: EventBus,
    pub(crate) clock: SharedClock,
    pub(crate) tenant: String,
    pub(crate) calendar: Arc<RwLock<Calendar>>,
    due_soon_days: u32,
    extension_cap: i32,
    pub(crate) identities: crate::identity::IdentityCache,
}

/// Working days before the time limit at which a DueSoon reminder fires, unless configured.
pub const DEFAULT_DUE_SOON_DAYS: u32 = 2;

const DUE_SOON: &str = "DUE_SOON";
const OVERDUE: &str = "OVERDUE";
const ACK_OVERDUE: &str = "ACK_OVERDUE";
const PROBLEM_DUE_SOON: &str = "PROBLEM_DUE_SOON";
const PROBLEM_OVERDUE: &str = "PROBLEM_OVERDUE";

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

/// Takes the next event position of assignment `id`, whose last event took `last`.
async fn next_position<C: ConnectionTrait>(conn: &C, id: &str, last: i64) -> Result<i64, ApiError> {
    assignment::Entity::update_many()
        .col_expr(
            assignment::Column::LastSequence,
            sea_orm::sea_query::Expr::value(last + 1),
        )
        .filter(assignment::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(internal)?;
    Ok(last + 1)
}

/// A line of an item's deadline-change ledger: its limit moved from `from` to `to`, why.
fn deadline_line(
    assignment_id: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    reason: String,
    now: DateTime<FixedOffset>,
) -> deadline_change::ActiveModel {
    deadline_change::ActiveModel {
        id: Set(duban_outbox::new_event_id(now).to_string()),
        assignment_id: Set(assignment_id.to_string()),
        from_date: Set(from),
        to_date: Set(to),
        reason: Set(reason),
        changed_at: Set(now),
    }
}

/// The missed-acknowledgement reminder of a unit that must sign by `ack_due_on`.
fn ack_reminder(id: &str, ack_due_on: chrono::NaiveDate) -> deadline_schedule::ActiveModel {
    deadline_schedule::ActiveModel {
        assignment_id: Set(id.to_string()),
        kind: Set(ACK_OVERDUE.to_string()),
        due_on: Set(ack_due_on),
        fire_on: Set(ack_due_on.succ_opt().unwrap_or(ack_due_on)),
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

/// Rows a transition writes beside the assignment.
enum Extra {
    /// A progress report.
    Report(progress_report::ActiveModel),
    /// A move of the time limit.
    DeadlineChange(deadline_change::ActiveModel),
    /// A decided transfer request.
    Transfer(transfer::ActiveModel),
}

pub(crate) fn kind_str(k: UnitKind) -> &'static str {
    match k {
        UnitKind::County => "COUNTY",
        UnitKind::Township => "TOWNSHIP",
        UnitKind::Department => "DEPARTMENT",
        UnitKind::Office => "OFFICE",
    }
}

fn parse_kind(s: &str) -> Option<UnitKind> {
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

fn source_str(s: AssignmentSource) -> &'static str {
    match s {
        AssignmentSource::LeaderInstruction => "LEADER_INSTRUCTION",
        AssignmentSource::MeetingDecision => "MEETING_DECISION",
        AssignmentSource::KeyTask => "KEY_TASK",
        AssignmentSource::PublicRequest => "PUBLIC_REQUEST",
        AssignmentSource::Problem => "PROBLEM",
        AssignmentSource::RecurringDuty => "RECURRING_DUTY",
    }
}

fn parse_source(s: &str) -> Option<AssignmentSource> {
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

/// A unit with its people in post by account, in one read: the unit's check and the
/// choice of its 责任人 together.
pub(crate) async fn unit_with_people<C: ConnectionTrait>(
    conn: &C,
    unit_id: &str,
) -> Result<Option<(org_unit::Model, Vec<person::Model>)>, ApiError> {
    let found = org_unit::Entity::find_by_id(unit_id.to_string())
        .find_with_related(person::Entity)
        .order_by_asc(person::Column::Account)
        .all(conn)
        .await
        .map_err(internal)?;
    Ok(found.into_iter().next().map(|(unit, mut people)| {
        people.retain(|p| !p.deactivated);
        (unit, people)
    }))
}

/// The 责任人 among a unit's people in post (ordered by account): the requested person
/// when among them, otherwise the unit's leader, or its first person.
pub(crate) fn pick_responsible(
    people: &[person::Model],
    requested: Option<&str>,
) -> Option<String> {
    match requested {
        Some(pid) => people.iter().find(|p| p.id == pid),
        None => people
            .iter()
            .find(|p| p.roles.split(',').any(|r| r == "UNIT_LEADER"))
            .or_else(|| people.first()),
    }
    .map(|p| p.id.clone())
}

/// A query's scope unit that does not exist or that the caller may not see: one answer
/// for both, so the refusal tells nothing about units outside the caller's reach.
fn scope_refused() -> ApiError {
    ApiError::validation("filter.scope", "范围单位不存在或不在您的权限范围内")
}

pub(crate) fn snapshot(m: &assignment::Model) -> Result<AssignmentSnapshot, ApiError> {
    let id = m.id.as_str();
    Ok(AssignmentSnapshot {
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
    })
}

/// The path of the jurisdiction (the nearest county or township) above a unit, read
/// through `conn`.
pub(crate) async fn jurisdiction_in<C: ConnectionTrait>(
    conn: &C,
    unit_id: &str,
) -> Result<String, ApiError> {
    let mut id = unit_id.to_string();
    loop {
        let unit = org_unit::Entity::find_by_id(id.clone())
            .one(conn)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("单位", &id))?;
        match (
            stored("unit kind", &unit.id, &unit.kind, parse_kind(&unit.kind))?,
            unit.parent_id,
        ) {
            (UnitKind::County | UnitKind::Township, _) | (_, None) => return Ok(unit.path),
            (_, Some(parent)) => id = parent,
        }
    }
}

/// The view of a row without its history, for answers that do not carry it.
fn bare_view(m: assignment::Model) -> Result<AssignmentView, ApiError> {
    view_of(m, Vec::new(), Vec::new(), Vec::new())
}

/// The view of a row with its reports, deadline changes and transfers.
fn view_of(
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

fn encode_cursor(m: &assignment::Model) -> String {
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

impl AssignmentsService {
    /// A service over `db`, publishing through `bus`.
    pub fn new(db: DatabaseConnection, bus: EventBus, clock: SharedClock, tenant: &str) -> Self {
        Self {
            db,
            bus,
            clock,
            tenant: tenant.to_string(),
            calendar: Arc::new(RwLock::new(Calendar::official())),
            due_soon_days: DEFAULT_DUE_SOON_DAYS,
            extension_cap: rules::DEFAULT_EXTENSION_CAP,
            identities: Default::default(),
        }
    }

    /// The service's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Sets the longest extension one request may ask for, in working days.
    pub fn with_extension_cap(mut self, days: i32) -> Self {
        self.extension_cap = days;
        self
    }

    /// Sets how many working days ahead DueSoon reminders fire.
    pub fn with_due_soon_days(mut self, days: u32) -> Self {
        self.due_soon_days = days;
        self
    }

    /// Schedules the DueSoon and Overdue reminders of a time limit, in the caller's transaction.
    async fn schedule<C: ConnectionTrait>(
        &self,
        conn: &C,
        cal: &Calendar,
        id: &str,
        due_on: chrono::NaiveDate,
    ) -> Result<(), ApiError> {
        self.schedule_kinds(conn, cal, id, due_on, [DUE_SOON, OVERDUE])
            .await
    }

    /// Schedules a ledger problem's reminders of its 整改时限, in the caller's transaction.
    pub(crate) async fn schedule_problem<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: &str,
        due_on: chrono::NaiveDate,
    ) -> Result<(), ApiError> {
        let cal = self.calendar_now();
        self.schedule_kinds(conn, &cal, id, due_on, [PROBLEM_DUE_SOON, PROBLEM_OVERDUE])
            .await
    }

    async fn schedule_kinds<C: ConnectionTrait>(
        &self,
        conn: &C,
        cal: &Calendar,
        id: &str,
        due_on: chrono::NaiveDate,
        kinds: [&'static str; 2],
    ) -> Result<(), ApiError> {
        deadline_schedule::Entity::delete_many()
            .filter(deadline_schedule::Column::AssignmentId.eq(id))
            .filter(deadline_schedule::Column::Kind.is_in(kinds))
            .exec(conn)
            .await
            .map_err(internal)?;
        deadline_schedule::Entity::insert_many(self.reminders(cal, id, due_on, kinds))
            .exec_without_returning(conn)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// The DueSoon and Overdue reminders (of `kinds`) of something due on `due_on`.
    fn reminders(
        &self,
        cal: &Calendar,
        id: &str,
        due_on: chrono::NaiveDate,
        [due_soon, overdue]: [&'static str; 2],
    ) -> [deadline_schedule::ActiveModel; 2] {
        [
            (
                due_soon,
                cal.working_days_before(due_on, self.due_soon_days),
            ),
            (overdue, due_on.succ_opt().unwrap_or(due_on)),
        ]
        .map(|(kind, fire_on)| deadline_schedule::ActiveModel {
            assignment_id: Set(id.to_string()),
            kind: Set(kind.to_string()),
            due_on: Set(due_on),
            fire_on: Set(fire_on),
        })
    }

    /// Fires the reminders due by today, each exactly once: the pending row is deleted in
    /// the transaction that writes the event. Reads only rows whose day has come (index on
    /// the firing day), so a tick costs in proportion to the items due. Returns how many fired.
    pub async fn deadline_tick(&self) -> Result<u32, ApiError> {
        let today = self.clock.today();
        let mut fired = 0;
        loop {
            let txn = self.db.begin().await.map_err(internal)?;
            let rows = deadline_schedule::Entity::find()
                .filter(deadline_schedule::Column::FireOn.lte(today))
                .order_by_asc(deadline_schedule::Column::FireOn)
                .limit(200)
                .all(&txn)
                .await
                .map_err(internal)?;
            let batch = rows.len();
            for r in rows {
                deadline_schedule::Entity::delete_many()
                    .filter(deadline_schedule::Column::AssignmentId.eq(r.assignment_id.clone()))
                    .filter(deadline_schedule::Column::Kind.eq(r.kind.clone()))
                    .filter(deadline_schedule::Column::DueOn.eq(r.due_on))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                if r.kind == PROBLEM_DUE_SOON || r.kind == PROBLEM_OVERDUE {
                    fired += u32::from(self.remind_problem(&txn, &r, today).await?);
                    continue;
                }
                let Some(m) = assignment::Entity::find_by_id(r.assignment_id.clone())
                    .one(&txn)
                    .await
                    .map_err(internal)?
                else {
                    continue;
                };
                let snap = snapshot(&m)?;
                let event = if r.kind == ACK_OVERDUE {
                    if snap.state != AssignmentState::Issued || snap.ack_due_on != Some(r.due_on) {
                        continue;
                    }
                    AssignmentsEvent::AcknowledgementOverdue {
                        assignment: snap.clone(),
                    }
                } else if snap.state.is_finished()
                    || snap.state == AssignmentState::Suspended
                    || snap.due_on != r.due_on
                {
                    // A suspended item's clock stands still: its resume schedules the
                    // reminders of its new time limit.
                    continue;
                } else if r.kind == OVERDUE {
                    AssignmentsEvent::AssignmentOverdue {
                        assignment: snap.clone(),
                    }
                } else {
                    let left = self
                        .calendar
                        .read()
                        .unwrap_or_else(|p| p.into_inner())
                        .working_days_between(today, snap.due_on);
                    AssignmentsEvent::AssignmentDueSoon {
                        assignment: snap.clone(),
                        working_days_left: left,
                    }
                };
                // A reminder is not a change of the assignment (its version stays), but it is
                // the aggregate's next event.
                let sequence = next_position(&txn, &m.id, m.last_sequence).await?;
                self.emit(
                    &txn,
                    "system",
                    &snap.lead_unit_path,
                    &snap.id,
                    sequence,
                    event,
                )
                .await?;
                fired += 1;
            }
            self.commit(txn).await?;
            if batch < 200 {
                return Ok(fired);
            }
        }
    }

    /// The service's clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The same service on another clock (the demo backdates its history).
    pub fn with_clock(&self, clock: SharedClock) -> Self {
        Self {
            clock,
            ..self.clone()
        }
    }

    pub(crate) async fn emit<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &str,
        org_path: &str,
        aggregate_id: &str,
        sequence: i64,
        event: AssignmentsEvent,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        let correlation =
            duban_api::trace::current().unwrap_or_else(|| duban_outbox::new_event_id(now));
        let envelope = Envelope {
            meta: duban_outbox::meta(
                now,
                &self.tenant,
                org_path,
                actor,
                correlation,
                None,
                aggregate_id,
                sequence,
            ),
            event,
        };
        duban_outbox::enqueue(conn, topics::ASSIGNMENTS, &envelope)
            .await
            .map_err(internal)
    }

    pub(crate) async fn commit(&self, txn: DatabaseTransaction) -> Result<(), ApiError> {
        self.record_key(&txn).await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(())
    }

    /// Adds a unit to the directory (admin and demo loading).
    pub async fn register_unit(&self, unit: OrgUnitSnapshot) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        org_unit::ActiveModel {
            id: Set(unit.id.clone()),
            parent_id: Set(unit.parent_id.clone()),
            kind: Set(kind_str(unit.kind).into()),
            name: Set(unit.name.clone()),
            division_code: Set(unit.division_code.clone()),
            path: Set(unit.path.clone()),
            version: Set(unit.version),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let (id, path) = (unit.id.clone(), unit.path.clone());
        self.emit(
            &txn,
            "system",
            &path,
            &id,
            1,
            AssignmentsEvent::OrgUnitRegistered { unit },
        )
        .await?;
        self.commit(txn).await?;
        self.identities.invalidate();
        Ok(())
    }

    /// Adds a person to the directory (admin and demo loading).
    pub async fn register_person(&self, p: PersonSnapshot) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        person::ActiveModel {
            id: Set(p.id.clone()),
            account: Set(p.account.clone()),
            name: Set(p.name.clone()),
            title: Set(p.title.clone()),
            unit_id: Set(p.unit_id.clone()),
            unit_path: Set(p.unit_path.clone()),
            roles: Set(p
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")),
            supervising_leader_id: Set(p.supervising_leader_id.clone()),
            deactivated: Set(p.deactivated),
            version: Set(p.version),
            generation: Set(0),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let (id, path) = (p.id.clone(), p.unit_path.clone());
        self.emit(
            &txn,
            "system",
            &path,
            &id,
            1,
            AssignmentsEvent::PersonRegistered { person: p },
        )
        .await?;
        self.commit(txn).await?;
        self.identities.invalidate();
        Ok(())
    }

    /// Launches a campaign (admin and demo loading).
    pub async fn launch_campaign(&self, c: CampaignSnapshot) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let scope = org_unit::Entity::find_by_id(c.scope_unit_id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::validation("scopeUnitId", "范围单位不存在"))?;
        campaign::ActiveModel {
            id: Set(c.id.clone()),
            name: Set(c.name.clone()),
            document_number: Set(c.document_number.clone()),
            scope_unit_id: Set(c.scope_unit_id.clone()),
            phases: Set(serde_json::to_string(&c.phases).map_err(internal)?),
            categories: Set(serde_json::to_string(&c.categories).map_err(internal)?),
            announced_phase: Set(0),
            report_deadlines: Set(serde_json::to_string(&c.report_deadlines).map_err(internal)?),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let id = c.id.clone();
        self.emit(
            &txn,
            "system",
            &scope.path,
            &id,
            1,
            AssignmentsEvent::CampaignLaunched { campaign: c },
        )
        .await?;
        self.commit(txn).await
    }

    /// Every person, ordered by unit path then account; for `duban token --list`.
    pub async fn people(&self) -> Result<Vec<PersonSnapshot>, ApiError> {
        Ok(person::Entity::find()
            .order_by_asc(person::Column::UnitPath)
            .order_by_asc(person::Column::Account)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(person_snapshot)
            .collect())
    }

    /// A person by id or account.
    pub async fn find_person(&self, id_or_account: &str) -> Result<PersonSnapshot, ApiError> {
        person::Entity::find()
            .filter(
                Condition::any()
                    .add(person::Column::Id.eq(id_or_account))
                    .add(person::Column::Account.eq(id_or_account)),
            )
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(person_snapshot)
            .ok_or_else(|| ApiError::not_found("人员", id_or_account))
    }

    /// Whether the directory is empty (a fresh database).
    pub async fn is_empty(&self) -> Result<bool, ApiError> {
        Ok(org_unit::Entity::find()
            .count(&self.db)
            .await
            .map_err(internal)?
            == 0)
    }

    /// The path of the jurisdiction (the nearest county or township) above a unit:
    /// the scope a supervisor working there oversees.
    pub async fn jurisdiction_of(&self, unit_id: &str) -> Result<String, ApiError> {
        jurisdiction_in(&self.db, unit_id).await
    }

    async fn view<C: ConnectionTrait>(
        &self,
        conn: &C,
        m: assignment::Model,
    ) -> Result<AssignmentView, ApiError> {
        let mut views = self.views(conn, vec![m]).await?;
        views
            .pop()
            .ok_or_else(|| ApiError::Internal("empty view".into()))
    }

    /// Views of several assignments with their reports, deadline changes and transfers,
    /// in three queries whatever their number (a ledger page must not cost one per row).
    async fn views<C: ConnectionTrait>(
        &self,
        conn: &C,
        models: Vec<assignment::Model>,
    ) -> Result<Vec<AssignmentView>, ApiError> {
        use std::collections::HashMap;
        let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
        let mut progress: HashMap<String, Vec<ProgressReportSnapshot>> = HashMap::new();
        for r in progress_report::Entity::find()
            .filter(progress_report::Column::AssignmentId.is_in(ids.clone()))
            .order_by_asc(progress_report::Column::ReportedAt)
            .order_by_asc(progress_report::Column::Id)
            .all(conn)
            .await
            .map_err(internal)?
        {
            progress
                .entry(r.assignment_id)
                .or_default()
                .push(ProgressReportSnapshot {
                    id: r.id,
                    percent: r.percent,
                    text: r.text,
                    reported_by: r.reported_by,
                    reported_at: r.reported_at,
                    evidence: json_list(&r.evidence),
                });
        }
        let mut changes: HashMap<String, Vec<DeadlineChangeView>> = HashMap::new();
        for c in deadline_change::Entity::find()
            .filter(deadline_change::Column::AssignmentId.is_in(ids.clone()))
            .order_by_asc(deadline_change::Column::ChangedAt)
            .order_by_asc(deadline_change::Column::Id)
            .all(conn)
            .await
            .map_err(internal)?
        {
            changes
                .entry(c.assignment_id)
                .or_default()
                .push(DeadlineChangeView {
                    from: c.from_date,
                    to: c.to_date,
                    reason: c.reason,
                    at: c.changed_at,
                });
        }
        let mut transfers: HashMap<String, Vec<TransferView>> = HashMap::new();
        for t in transfer::Entity::find()
            .filter(transfer::Column::AssignmentId.is_in(ids))
            .order_by_asc(transfer::Column::DecidedAt)
            .order_by_asc(transfer::Column::Id)
            .all(conn)
            .await
            .map_err(internal)?
        {
            transfers
                .entry(t.assignment_id)
                .or_default()
                .push(TransferView {
                    from_unit_id: t.from_unit_id,
                    to_unit_id: t.to_unit_id,
                    reason: t.reason,
                    approved: t.approved,
                    decided_at: t.decided_at,
                });
        }
        models
            .into_iter()
            .map(|m| {
                let (p, c, t) = (
                    progress.remove(&m.id).unwrap_or_default(),
                    changes.remove(&m.id).unwrap_or_default(),
                    transfers.remove(&m.id).unwrap_or_default(),
                );
                view_of(m, p, c, t)
            })
            .collect()
    }

    /// Checks and writes a new assignment with its schedule and event inside `txn`; used
    /// by `issueAssignment`, imports and recurring duties alike.
    pub(crate) async fn issue_in(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        input: &IssueAssignmentInput,
        duty_id: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<assignment::Model, ApiError> {
        match &duty_id {
            None => may_issue(actor)?,
            Some(_) => {
                let lead = org_unit::Entity::find_by_id(input.lead_unit_id.clone())
                    .one(txn)
                    .await
                    .map_err(internal)?;
                may_keep_duty(actor, lead.as_ref().map_or("", |u| u.path.as_str()))?
            }
        }
        let cal = self
            .calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let today = now.date_naive();
        let (time_limit_days, due_on) = match (input.time_limit_days, input.due_on) {
            (Some(days), None) => {
                rules::validate_issue(&input.title, days).map_err(domain_err)?;
                (Some(days), cal.add_working_days(today, days as u32))
            }
            (None, Some(due)) => {
                rules::validate_issue(&input.title, 1).map_err(domain_err)?;
                if due < today {
                    return Err(ApiError::validation("dueOn", "办结时限不能早于今天"));
                }
                check_input_date("dueOn", due, today)?;
                (None, due)
            }
            _ => {
                return Err(ApiError::validation(
                    "timeLimitDays",
                    "请填写办理时限：工作日数（timeLimitDays）或截止日期（dueOn）二选一",
                ))
            }
        };
        let ack_days = input.ack_time_limit_days.unwrap_or(match input.urgency {
            Urgency::VeryUrgent => 0,
            _ => 1,
        });
        if !(0..=10).contains(&ack_days) {
            return Err(ApiError::validation(
                "ackTimeLimitDays",
                "签收时限须为0（当日）至10个工作日",
            ));
        }
        let ack_due_on = if ack_days == 0 {
            today
        } else {
            cal.add_working_days(today, ack_days as u32)
        }
        .min(due_on);
        let (lead, people) = unit_with_people(txn, &input.lead_unit_id)
            .await?
            .filter(|(u, _)| in_scope(actor, &u.path))
            .ok_or_else(|| {
                ApiError::validation(
                    "leadUnitId",
                    "承办单位不存在或不在您的督查范围内，请从单位列表中选择",
                )
            })?;
        let mut cooperating = Vec::new();
        let mut cooperating_people = Vec::new();
        for (i, uid) in input.cooperating_unit_ids.iter().enumerate() {
            let field = format!("cooperatingUnitIds[{i}]");
            if uid == &lead.id {
                return Err(ApiError::validation(&field, "配合单位不能是承办单位本身"));
            }
            if cooperating.contains(uid) {
                return Err(ApiError::validation(&field, "配合单位重复"));
            }
            let (_, people) = unit_with_people(txn, uid)
                .await?
                .filter(|(u, _)| actor.can_see(&u.path))
                .ok_or_else(|| {
                    ApiError::validation(&field, "配合单位不存在或不在您的督查范围内")
                })?;
            cooperating.push(uid.clone());
            cooperating_people.extend(pick_responsible(&people, None));
        }
        if let Some(cid) = &input.campaign_id {
            let c = campaign::Entity::find_by_id(cid.clone())
                .one(txn)
                .await
                .map_err(internal)?
                .ok_or_else(|| ApiError::validation("campaignId", "专项整治不存在"))?;
            if let Some(cat) = &input.category {
                let cats: Vec<String> = serde_json::from_str(&c.categories).unwrap_or_default();
                if !cats.contains(cat) {
                    return Err(ApiError::validation(
                        "category",
                        format!("类别须为该专项整治的类别之一：{}", cats.join("、")),
                    ));
                }
            }
        }
        if let Some(pid) = &input.problem_id {
            problem::Entity::find_by_id(pid.clone())
                .one(txn)
                .await
                .map_err(internal)?
                .filter(|p| actor.can_see(&p.unit_path))
                .ok_or_else(|| ApiError::validation("problemId", "台账问题不存在"))?;
        }
        let responsible = pick_responsible(&people, input.responsible_person_id.as_deref())
            .ok_or_else(|| match input.responsible_person_id {
                Some(_) => {
                    ApiError::validation("responsiblePersonId", "责任人须是承办单位的在岗人员")
                }
                None => ApiError::validation("leadUnitId", "承办单位尚无人员，无法明确责任人"),
            })?;
        let id = duban_outbox::new_event_id(now).to_string();
        let snap = AssignmentSnapshot {
            id: id.clone(),
            title: input.title.trim().to_string(),
            description: input.description.trim().to_string(),
            source: input.source,
            source_text: input.source_text.clone(),
            issuer_id: actor.person_id.clone(),
            issuer_unit_id: actor.unit_id.clone(),
            lead_unit_id: lead.id.clone(),
            lead_unit_path: lead.path.clone(),
            lead_unit_name: lead.name.clone(),
            responsible_person_id: responsible,
            state: AssignmentState::Issued,
            time_limit_days,
            issued_at: now,
            due_on,
            progress_percent: 0,
            version: 1,
            supervision_level: SupervisionLevel::Normal,
            suspended_on: None,
            pending_extension_days: None,
            extension_count: 0,
            pending_transfer_unit_id: None,
            transfer_count: 0,
            urgency: input.urgency,
            cooperating_unit_ids: cooperating,
            cooperating_person_ids: cooperating_people,
            returned_to_issuer: false,
            ack_due_on: Some(ack_due_on),
            campaign_id: input.campaign_id.clone(),
            category: input.category.clone(),
            problem_id: input.problem_id.clone(),
            duty_id,
        };
        let model = assignment::ActiveModel {
            id: Set(id.clone()),
            title: Set(snap.title.clone()),
            description: Set(snap.description.clone()),
            source: Set(source_str(snap.source).into()),
            source_text: Set(snap.source_text.clone()),
            issuer_id: Set(snap.issuer_id.clone()),
            issuer_unit_id: Set(snap.issuer_unit_id.clone()),
            lead_unit_id: Set(snap.lead_unit_id.clone()),
            lead_unit_path: Set(snap.lead_unit_path.clone()),
            lead_unit_name: Set(snap.lead_unit_name.clone()),
            responsible_person_id: Set(snap.responsible_person_id.clone()),
            state: Set(snap.state.as_str().into()),
            time_limit_days: Set(snap.time_limit_days),
            issued_at: Set(now),
            due_on: Set(due_on),
            progress_percent: Set(0),
            version: Set(1),
            acknowledged_at: Set(None),
            completed_at: Set(None),
            result: Set(None),
            return_reason: Set(None),
            supervision_level: Set(SupervisionLevel::Normal.as_str().into()),
            suspended_on: Set(None),
            pending_extension_days: Set(None),
            pending_extension_reason: Set(None),
            extension_count: Set(0),
            pending_transfer_unit_id: Set(None),
            pending_transfer_reason: Set(None),
            transfer_count: Set(0),
            urgency: Set(snap.urgency.as_str().into()),
            cooperating_unit_ids: Set(to_json_list(&snap.cooperating_unit_ids)),
            cooperating_person_ids: Set(to_json_list(&snap.cooperating_person_ids)),
            returned_to_issuer: Set(false),
            last_sequence: Set(1),
            ack_due_on: Set(snap.ack_due_on),
            campaign_id: Set(snap.campaign_id.clone()),
            category: Set(snap.category.clone()),
            problem_id: Set(snap.problem_id.clone()),
            duty_id: Set(snap.duty_id.clone()),
        }
        .insert(txn)
        .await
        .map_err(internal)?;
        let path = snap.lead_unit_path.clone();
        let reminders = self
            .reminders(&cal, &id, due_on, [DUE_SOON, OVERDUE])
            .into_iter()
            .chain([ack_reminder(&id, ack_due_on)]);
        deadline_schedule::Entity::insert_many(reminders)
            .exec_without_returning(txn)
            .await
            .map_err(internal)?;
        self.emit(
            txn,
            &actor.person_id,
            &path,
            &id,
            1,
            AssignmentsEvent::AssignmentIssued { assignment: snap },
        )
        .await?;
        Ok(model)
    }

    /// The path whose subtree a query covers: the caller's scope, or a unit in it.
    pub(crate) async fn scope_root(
        &self,
        actor: &Actor,
        unit_id: Option<&str>,
    ) -> Result<String, ApiError> {
        match unit_id {
            Some(unit_id) => Ok(org_unit::Entity::find_by_id(unit_id.to_string())
                .one(&self.db)
                .await
                .map_err(internal)?
                .filter(|u| actor.can_see(&u.path))
                .ok_or_else(scope_refused)?
                .path),
            None => Ok(actor.scope.clone()),
        }
    }

    /// The scope's root path (as [`Self::scope_root`] checks it) with the paths of every
    /// unit in it: one read when the scope is a unit, not two after each other.
    async fn scope_units(
        &self,
        actor: &Actor,
        unit_id: Option<&str>,
    ) -> Result<(String, Vec<String>), ApiError> {
        let Some(unit_id) = unit_id else {
            let units = self.unit_paths(&actor.scope).await?;
            return Ok((actor.scope.clone(), units));
        };
        let backend = self.db.get_database_backend();
        let param = match backend {
            DbBackend::Postgres => "$1",
            _ => "?",
        };
        let rows = self
            .db
            .query_all(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT r.path AS root, u.path AS path FROM org_unit r \
                     JOIN org_unit u ON u.path = r.path \
                     OR substr(u.path, 1, length(r.path) + 1) = r.path || '/' \
                     WHERE r.id = {param}"
                ),
                [unit_id.into()],
            ))
            .await
            .map_err(internal)?;
        let root: Option<String> = match rows.first() {
            Some(r) => Some(r.try_get("", "root").map_err(internal)?),
            None => None,
        };
        let root = root
            .filter(|root| actor.can_see(root))
            .ok_or_else(scope_refused)?;
        let units = rows
            .iter()
            .map(|r| r.try_get::<String>("", "path"))
            .collect::<Result<_, _>>()
            .map_err(internal)?;
        Ok((root, units))
    }

    /// The paths of `root` and every unit below it.
    async fn unit_paths(&self, root: &str) -> Result<Vec<String>, ApiError> {
        use sea_orm::QuerySelect;
        org_unit::Entity::find()
            .select_only()
            .column(org_unit::Column::Path)
            .filter(duban_outbox::db::in_subtree(org_unit::Column::Path, root))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)
    }

    /// A page from up to `first + 1` rows in order: cursors, views (with their lists when
    /// asked), whether more follow.
    async fn page_of(
        &self,
        mut rows: Vec<assignment::Model>,
        page: PageRequest,
        total_count: u64,
    ) -> Result<Page<AssignmentView>, ApiError> {
        let has_next_page = rows.len() > page.first;
        rows.truncate(page.first);
        let cursors: Vec<String> = rows.iter().map(encode_cursor).collect();
        let views = if page.details {
            self.views(&self.db, rows).await?
        } else {
            rows.into_iter().map(bare_view).collect::<Result<_, _>>()?
        };
        let items = cursors.into_iter().zip(views).collect();
        Ok(Page {
            items,
            has_next_page,
            has_previous_page: page.after.is_some(),
            total_count,
        })
    }

    /// The working calendar as it is now.
    pub fn calendar_now(&self) -> Calendar {
        self.calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs one transition in one transaction: authorise, check the version, apply the
    /// domain rule, save with a version guard, write the event, commit.
    async fn transition<F>(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        party: Party,
        apply: F,
    ) -> Result<AssignmentView, ApiError>
    where
        F: FnOnce(
            &AssignmentSnapshot,
            &mut assignment::ActiveModel,
            DateTime<FixedOffset>,
        )
            -> Result<(AssignmentSnapshot, AssignmentsEvent, Vec<Extra>), DomainError>,
    {
        let txn = self.db.begin().await.map_err(internal)?;
        let model = assignment::Entity::find_by_id(id.to_string())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.lead_unit_path) || actor.works_in(&m.lead_unit_path))
            .ok_or_else(|| ApiError::not_found("交办事项", id))?;
        let issuer_unit = match party {
            Party::Issuer => org_unit::Entity::find_by_id(model.issuer_unit_id.clone())
                .one(&txn)
                .await
                .map_err(internal)?,
            _ => None,
        };
        check_party(
            actor,
            party,
            &Holder {
                lead_unit_path: &model.lead_unit_path,
                issuer_id: &model.issuer_id,
                issuer_unit_path: issuer_unit.as_ref().map(|u| u.path.as_str()),
            },
        )?;
        if model.version != expected_version {
            return Err(ApiError::VersionConflict {
                expected: expected_version,
                actual: model.version,
            });
        }
        let current = snapshot(&model)?;
        let now = self.clock.now();
        let sequence = model.last_sequence + 1;
        let mut active = model.clone().into_active_model();
        active.last_sequence = Set(sequence);
        let (next, event, report) = apply(&current, &mut active, now).map_err(domain_err)?;
        active.state = Set(next.state.as_str().to_string());
        active.progress_percent = Set(next.progress_percent);
        active.version = Set(next.version);
        active.supervision_level = Set(next.supervision_level.as_str().to_string());
        active.suspended_on = Set(next.suspended_on);
        active.due_on = Set(next.due_on);
        active.pending_extension_days = Set(next.pending_extension_days);
        active.extension_count = Set(next.extension_count);
        if next.pending_extension_days.is_none() {
            active.pending_extension_reason = Set(None);
        }
        active.pending_transfer_unit_id = Set(next.pending_transfer_unit_id.clone());
        if next.pending_transfer_unit_id.is_none() {
            active.pending_transfer_reason = Set(None);
        }
        active.transfer_count = Set(next.transfer_count);
        active.lead_unit_id = Set(next.lead_unit_id.clone());
        active.lead_unit_path = Set(next.lead_unit_path.clone());
        active.lead_unit_name = Set(next.lead_unit_name.clone());
        active.responsible_person_id = Set(next.responsible_person_id.clone());
        active.ack_due_on = Set(next.ack_due_on);
        active.returned_to_issuer = Set(next.returned_to_issuer);
        let saved = assignment::Entity::update_many()
            .set(active)
            .filter(assignment::Column::Id.eq(id))
            .filter(assignment::Column::Version.eq(expected_version))
            .exec_with_returning(&txn)
            .await
            .map_err(internal)?
            .pop()
            .ok_or(ApiError::VersionConflict {
                expected: expected_version,
                actual: expected_version + 1,
            })?;
        for extra in report {
            match extra {
                Extra::Report(r) => {
                    r.insert(&txn).await.map_err(internal)?;
                }
                Extra::DeadlineChange(c) => {
                    c.insert(&txn).await.map_err(internal)?;
                }
                Extra::Transfer(t) => {
                    t.insert(&txn).await.map_err(internal)?;
                }
            }
        }
        if let (Some(ack), true) = (next.ack_due_on, next.ack_due_on != current.ack_due_on) {
            deadline_schedule::Entity::delete_many()
                .filter(deadline_schedule::Column::AssignmentId.eq(id))
                .filter(deadline_schedule::Column::Kind.eq(ACK_OVERDUE))
                .exec(&txn)
                .await
                .map_err(internal)?;
            deadline_schedule::Entity::insert(ack_reminder(id, ack))
                .exec_without_returning(&txn)
                .await
                .map_err(internal)?;
        }
        let resumed =
            current.state == AssignmentState::Suspended && next.state != AssignmentState::Suspended;
        if next.due_on != current.due_on || resumed {
            let cal = self
                .calendar
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            self.schedule(&txn, &cal, &next.id, next.due_on).await?;
        }
        self.emit(
            &txn,
            &actor.person_id,
            &next.lead_unit_path,
            &next.id,
            sequence,
            event,
        )
        .await?;
        self.commit(txn).await?;
        // Like a new item's, a command's answer leaves out the item's history.
        bare_view(saved)
    }
}

#[async_trait]
impl AssignmentsApi for AssignmentsService {
    async fn work_calendar(
        &self,
        _actor: &Actor,
        year: i32,
    ) -> Result<Vec<CalendarDayView>, ApiError> {
        if !(2000..=2100).contains(&year) {
            return Err(ApiError::validation("year", "年份须在2000至2100之间"));
        }
        let cal = self.calendar.read().unwrap_or_else(|p| p.into_inner());
        Ok(cal
            .year(year)
            .into_iter()
            .map(|date| CalendarDayView {
                date,
                workday: cal.is_workday(date),
                holiday: cal.holiday(date).map(str::to_string),
                makeup_for: match cal.special(date) {
                    Some(Special::Workday(name)) => Some(name.clone()),
                    _ => None,
                },
            })
            .collect())
    }

    async fn set_calendar_day(
        &self,
        actor: &Actor,
        input: SetCalendarDayInput,
    ) -> Result<CalendarChangeView, ApiError> {
        may_change_calendar(actor)?;
        check_input_date("date", input.date, self.clock.today())?;
        if input.reason.trim().is_empty() {
            return Err(ApiError::validation("reason", "请填写调整理由"));
        }
        let now = self.clock.now();
        let txn = self.db.begin().await.map_err(internal)?;
        let previous = calendar_override::Entity::find_by_id(input.date)
            .one(&txn)
            .await
            .map_err(internal)?;
        let row = calendar_override::Model {
            date: input.date,
            workday: input.workday,
            name: input.name.clone().filter(|n| !n.trim().is_empty()),
            reason: input.reason.trim().to_string(),
            set_by: actor.person_id.clone(),
            set_at: now,
            version: previous.as_ref().map_or(1, |p| p.version + 1),
        };
        if previous.is_some() {
            row.clone()
                .into_active_model()
                .reset_all()
                .update(&txn)
                .await
                .map_err(internal)?;
        } else {
            row.clone()
                .into_active_model()
                .insert(&txn)
                .await
                .map_err(internal)?;
        }
        let mut cal = self
            .calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let was_workday = cal.is_workday(input.date);
        cal.set(input.date, Some(special_of(&row)));
        let day = CalendarDayView {
            date: input.date,
            workday: cal.is_workday(input.date),
            holiday: cal.holiday(input.date).map(str::to_string),
            makeup_for: match cal.special(input.date) {
                Some(Special::Workday(n)) => Some(n.clone()),
                _ => None,
            },
        };
        let county = org_unit::Entity::find()
            .filter(org_unit::Column::ParentId.is_null())
            .one(&txn)
            .await
            .map_err(internal)?
            .map_or_else(|| "/".to_string(), |u| u.path);
        self.emit(
            &txn,
            &actor.person_id,
            &county,
            &format!("calendar:{}", input.date),
            row.version,
            AssignmentsEvent::CalendarDayChanged {
                day: CalendarDaySnapshot {
                    date: input.date,
                    workday: input.workday,
                    name: row.name.clone(),
                    reason: row.reason.clone(),
                },
            },
        )
        .await?;
        let reason = format!(
            "工作日历调整：{} 改为{}（{}）",
            input.date.format("%Y年%m月%d日"),
            if input.workday {
                "工作日"
            } else {
                "休息日"
            },
            row.reason
        );
        let finished = [
            AssignmentState::Completed,
            AssignmentState::Closed,
            AssignmentState::Cancelled,
        ]
        .map(|s| s.as_str().to_string());
        let open = assignment::Entity::find()
            .filter(assignment::Column::State.is_not_in(finished))
            .filter(assignment::Column::TimeLimitDays.is_not_null())
            .all(&txn)
            .await
            .map_err(internal)?;
        let mut moved = 0;
        for m in open {
            let due = rules::due_after_calendar_change(
                duban_clock::local_date(&m.issued_at),
                m.due_on,
                input.date,
                was_workday,
                &cal,
            );
            if due == m.due_on {
                continue;
            }
            let from = m.due_on;
            let version = m.version + 1;
            let updated = assignment::Entity::update_many()
                .col_expr(
                    assignment::Column::DueOn,
                    sea_orm::sea_query::Expr::value(due),
                )
                .col_expr(
                    assignment::Column::Version,
                    sea_orm::sea_query::Expr::value(version),
                )
                .col_expr(
                    assignment::Column::LastSequence,
                    sea_orm::sea_query::Expr::value(m.last_sequence + 1),
                )
                .filter(assignment::Column::Id.eq(m.id.clone()))
                .filter(assignment::Column::Version.eq(m.version))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if updated.rows_affected != 1 {
                return Err(ApiError::VersionConflict {
                    expected: m.version,
                    actual: m.version + 1,
                });
            }
            self.schedule(&txn, &cal, &m.id, due).await?;
            deadline_line(&m.id, from, due, reason.clone(), now)
                .insert(&txn)
                .await
                .map_err(internal)?;
            let mut snap = snapshot(&m)?;
            snap.due_on = due;
            snap.version = version;
            self.emit(
                &txn,
                &actor.person_id,
                &snap.lead_unit_path.clone(),
                &snap.id.clone(),
                m.last_sequence + 1,
                AssignmentsEvent::AssignmentDeadlineMoved {
                    assignment: snap,
                    from,
                    reason: reason.clone(),
                },
            )
            .await?;
            moved += 1;
        }
        self.commit(txn).await?;
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = cal;
        Ok(CalendarChangeView { day, moved })
    }

    async fn launch_campaign_as(
        &self,
        actor: &Actor,
        input: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError> {
        if !actor.has_any(&[Role::Supervisor, Role::Admin]) {
            return Err(ApiError::Forbidden(
                "只有督查人员或系统管理员可以部署专项整治".into(),
            ));
        }
        let phases: Vec<(String, chrono::NaiveDate, chrono::NaiveDate)> = input
            .phases
            .iter()
            .map(|p| (p.name.trim().to_string(), p.starts_on, p.ends_on))
            .collect();
        let categories = crate::domain::campaign::validate(&input.name, &phases, input.categories)
            .map_err(domain_err)?;
        let scope = org_unit::Entity::find_by_id(input.scope_unit_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| {
                ApiError::validation("scopeUnitId", "范围单位不存在或不在您的权限范围内")
            })?;
        let campaign = CampaignSnapshot {
            id: duban_outbox::new_event_id(self.clock.now()).to_string(),
            name: input.name.trim().to_string(),
            document_number: input.document_number.trim().to_string(),
            scope_unit_id: scope.id,
            phases: phases
                .into_iter()
                .enumerate()
                .map(|(i, (name, starts_on, ends_on))| PhaseSnapshot {
                    ordinal: i as i32 + 1,
                    name,
                    starts_on,
                    ends_on,
                })
                .collect(),
            categories,
            report_deadlines: {
                let mut r = input.report_deadlines;
                if let Some(bad) = r.iter().position(|d| d.name.trim().is_empty()) {
                    return Err(ApiError::validation(
                        &format!("reportDeadlines[{bad}].name"),
                        "请填写报告名称",
                    ));
                }
                r.sort_by_key(|d| d.due_on);
                r
            },
        };
        self.launch_campaign(campaign.clone()).await?;
        Ok(campaign)
    }

    async fn register_org_unit(
        &self,
        actor: &Actor,
        input: RegisterOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        may_maintain_directory(actor)?;
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(ApiError::validation("name", "请填写单位名称"));
        }
        let parent = match &input.parent_id {
            Some(p) => Some(
                org_unit::Entity::find_by_id(p.clone())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .filter(|u| actor.can_see(&u.path))
                    .ok_or_else(|| {
                        ApiError::validation("parentId", "上级单位不存在或不在您的管理范围内")
                    })?,
            ),
            None => None,
        };
        match (input.kind, &parent) {
            (UnitKind::County, Some(_)) => {
                return Err(ApiError::validation("parentId", "县不能有上级单位"))
            }
            (UnitKind::County, None) => return Err(refuse_new_root()),
            (_, None) => return Err(ApiError::validation("parentId", "请选择上级单位")),
            _ => {}
        }
        let code = input
            .division_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        check_division_code(
            input.kind,
            code,
            parent.as_ref().and_then(|p| p.division_code.as_deref()),
        )?;
        let id = input
            .id
            .clone()
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| duban_outbox::new_event_id(self.clock.now()).to_string());
        if id.contains('/')
            || org_unit::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await
                .map_err(internal)?
                .is_some()
        {
            return Err(ApiError::validation("id", "单位编号已存在或含有“/”"));
        }
        let path = match &parent {
            Some(p) => format!("{}/{id}", p.path),
            None => format!("/{id}"),
        };
        let unit = OrgUnitSnapshot {
            id,
            parent_id: parent.map(|p| p.id),
            kind: input.kind,
            name,
            division_code: code.map(str::to_string),
            path,
            version: 1,
        };
        self.register_unit(unit.clone()).await?;
        Ok(unit)
    }

    async fn register_person_as(
        &self,
        actor: &Actor,
        input: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        may_maintain_directory(actor)?;
        let account = input.account.trim().to_string();
        if account.is_empty() || account.contains(char::is_whitespace) {
            return Err(ApiError::validation("account", "账号不能为空或含有空格"));
        }
        if input.name.trim().is_empty() {
            return Err(ApiError::validation("name", "请填写姓名"));
        }
        if input.roles.is_empty() {
            return Err(ApiError::validation("roles", "请至少选择一个角色"));
        }
        let unit = org_unit::Entity::find_by_id(input.unit_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| ApiError::validation("unitId", "所在单位不存在或不在您的管理范围内"))?;
        if person::Entity::find()
            .filter(person::Column::Account.eq(account.clone()))
            .one(&self.db)
            .await
            .map_err(internal)?
            .is_some()
        {
            return Err(ApiError::validation("account", "账号已存在"));
        }
        let p = PersonSnapshot {
            id: format!("p-{account}"),
            account,
            name: input.name.trim().to_string(),
            title: input.title.trim().to_string(),
            unit_id: unit.id,
            unit_path: unit.path,
            roles: input.roles,
            supervising_leader_id: None,
            deactivated: false,
            version: 1,
        };
        self.register_person(p.clone()).await?;
        Ok(p)
    }

    async fn add_working_days(
        &self,
        _actor: &Actor,
        from: chrono::NaiveDate,
        days: i32,
    ) -> Result<chrono::NaiveDate, ApiError> {
        if !(0..=365).contains(&days) {
            return Err(ApiError::validation("days", "工作日数须在0至365之间"));
        }
        Ok(self
            .calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .add_working_days(from, days as u32))
    }

    async fn issue_assignment(
        &self,
        actor: &Actor,
        input: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let model = self
            .issue_in(&txn, actor, &input, None, self.clock.now())
            .await?;
        self.commit(txn).await?;
        // A new item has no reports, deadline changes or transfers to look up.
        bare_view(model)
    }

    async fn acknowledge_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        let who = actor.person_id.clone();
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::LeadUnit,
            |a, m, now| {
                let next = rules::acknowledge(a)?;
                m.acknowledged_at = Set(Some(now));
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentAcknowledged {
                        assignment: next,
                        acknowledged_by: who,
                    },
                    vec![],
                ))
            },
        )
        .await
    }

    async fn report_progress(
        &self,
        actor: &Actor,
        input: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError> {
        let who = actor.person_id.clone();
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::LeadUnit,
            |a, _m, now| {
                let next = rules::report_progress(a, input.percent, &input.text)?;
                let report = ProgressReportSnapshot {
                    id: duban_outbox::new_event_id(now).to_string(),
                    percent: input.percent,
                    text: input.text.trim().to_string(),
                    reported_by: who,
                    reported_at: now,
                    evidence: input
                        .evidence
                        .iter()
                        .map(|e| e.trim().to_string())
                        .filter(|e| !e.is_empty())
                        .collect(),
                };
                let row = progress_report::ActiveModel {
                    id: Set(report.id.clone()),
                    assignment_id: Set(a.id.clone()),
                    percent: Set(report.percent),
                    text: Set(report.text.clone()),
                    reported_by: Set(report.reported_by.clone()),
                    reported_at: Set(now),
                    evidence: Set(to_json_list(&report.evidence)),
                };
                Ok((
                    next.clone(),
                    AssignmentsEvent::ProgressReported {
                        assignment: next,
                        report,
                    },
                    vec![Extra::Report(row)],
                ))
            },
        )
        .await
    }

    async fn complete_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::LeadUnit,
            |a, m, now| {
                let next = rules::complete(a, &input.text)?;
                m.completed_at = Set(Some(now));
                m.result = Set(Some(input.text.trim().to_string()));
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentCompleted {
                        assignment: next,
                        result: input.text.trim().to_string(),
                    },
                    vec![],
                ))
            },
        )
        .await
    }

    async fn verify_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::Issuer,
            |a, _m, _now| {
                let next = rules::verify(a)?;
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentVerified { assignment: next },
                    vec![],
                ))
            },
        )
        .await
    }

    async fn return_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::Issuer,
            |a, m, _now| {
                let next = rules::return_to_lead_unit(a, &input.text)?;
                m.return_reason = Set(Some(input.text.trim().to_string()));
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentReturned {
                        assignment: next,
                        reason: input.text.trim().to_string(),
                    },
                    vec![],
                ))
            },
        )
        .await
    }

    async fn command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError> {
        let cal = self
            .calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let party = match command {
            AssignmentCommand::RequestExtension { .. }
            | AssignmentCommand::ReturnToIssuer { .. }
            | AssignmentCommand::RequestTransfer { .. } => Party::LeadUnit,
            AssignmentCommand::RaiseSupervision { .. }
            | AssignmentCommand::ChangeResponsible { .. } => Party::Supervisor,
            _ => Party::Issuer,
        };
        // The new 责任人 is read before the transaction; the transition checks they work
        // in the lead unit it finds.
        let successor = match &command {
            AssignmentCommand::ChangeResponsible { person_id, .. } => Some(
                person::Entity::find_by_id(person_id.clone())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .filter(|p| !p.deactivated && actor.can_see(&p.unit_path))
                    .ok_or_else(|| {
                        ApiError::validation("personId", "人员不存在、已停用或不在您的督查范围内")
                    })?,
            ),
            _ => None,
        };
        // Units a transfer names are read before the transaction; the transition checks
        // they still match what it finds.
        let target = match &command {
            AssignmentCommand::RequestTransfer { to_unit_id, .. } => Some(to_unit_id.clone()),
            AssignmentCommand::Reassign { lead_unit_id, .. } => Some(lead_unit_id.clone()),
            AssignmentCommand::DecideTransfer { approve: true } => {
                assignment::Entity::find_by_id(id.to_string())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .and_then(|m| m.pending_transfer_unit_id)
            }
            _ => None,
        };
        let new_unit = match &target {
            Some(unit_id) => {
                let deciding = matches!(
                    command,
                    AssignmentCommand::DecideTransfer { .. } | AssignmentCommand::Reassign { .. }
                );
                let field = match command {
                    AssignmentCommand::Reassign { .. } => "leadUnitId",
                    _ => "toUnitId",
                };
                let (unit, people) = unit_with_people(&self.db, unit_id)
                    .await?
                    .filter(|(u, _)| !deciding || in_scope(actor, &u.path))
                    .ok_or_else(|| ApiError::validation(field, "单位不存在或不在您的督查范围内"))?;
                let responsible = pick_responsible(&people, None)
                    .ok_or_else(|| ApiError::validation(field, "该单位尚无人员，无法明确责任人"))?;
                Some((unit.id, unit.path, unit.name, responsible))
            }
            None => None,
        };
        if let AssignmentCommand::Reopen {
            due_on: Some(d), ..
        }
        | AssignmentCommand::Reassign {
            due_on: Some(d), ..
        } = &command
        {
            check_input_date("dueOn", *d, self.clock.today())?;
        }
        let decider = actor.person_id.clone();
        let cap = self.extension_cap;
        self.transition(actor, id, expected_version, party, move |a, m, now| {
            Ok(match command {
                AssignmentCommand::RequestExtension { days, reason } => {
                    let next = rules::request_extension(a, days, &reason, cap)?;
                    let reason = reason.trim().to_string();
                    m.pending_extension_reason = Set(Some(reason.clone()));
                    (
                        next.clone(),
                        AssignmentsEvent::ExtensionRequested {
                            assignment: next,
                            days,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::DecideExtension { approve, note } => {
                    let asked_reason = match &m.pending_extension_reason {
                        sea_orm::ActiveValue::Set(r) | sea_orm::ActiveValue::Unchanged(r) => {
                            r.clone().unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    let (next, days) = rules::decide_extension(a, approve, &cal)?;
                    let mut extras = vec![];
                    if approve {
                        extras.push(Extra::DeadlineChange(deadline_line(
                            &a.id,
                            a.due_on,
                            next.due_on,
                            format!(
                                "批准延期{days}个工作日（第{}次）：{asked_reason}",
                                next.extension_count
                            ),
                            now,
                        )));
                    }
                    (
                        next.clone(),
                        AssignmentsEvent::ExtensionDecided {
                            assignment: next,
                            approved: approve,
                            days,
                            note: note.trim().to_string(),
                        },
                        extras,
                    )
                }
                AssignmentCommand::RequestTransfer { to_unit_id, reason } => {
                    let next = rules::request_transfer(a, &to_unit_id, &reason)?;
                    let reason = reason.trim().to_string();
                    m.pending_transfer_reason = Set(Some(reason.clone()));
                    (
                        next.clone(),
                        AssignmentsEvent::TransferRequested {
                            assignment: next,
                            to_unit_id,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::DecideTransfer { approve } => {
                    let asked = a.pending_transfer_unit_id.clone().unwrap_or_default();
                    let unit = new_unit
                        .as_ref()
                        .filter(|u| u.0 == asked)
                        .map(|u| (u.0.as_str(), u.1.as_str(), u.2.as_str(), u.3.as_str()));
                    let reason = match &m.pending_transfer_reason {
                        sea_orm::ActiveValue::Set(r) | sea_orm::ActiveValue::Unchanged(r) => {
                            r.clone().unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    let next = rules::decide_transfer(
                        a,
                        approve,
                        if approve { unit } else { None },
                        now.date_naive(),
                        &cal,
                    )?;
                    let row = transfer::ActiveModel {
                        id: Set(duban_outbox::new_event_id(now).to_string()),
                        assignment_id: Set(a.id.clone()),
                        from_unit_id: Set(a.lead_unit_id.clone()),
                        to_unit_id: Set(asked),
                        reason: Set(reason),
                        approved: Set(approve),
                        decided_by: Set(decider.clone()),
                        decided_at: Set(now),
                    };
                    let buck_passing = next.buck_passing();
                    (
                        next.clone(),
                        AssignmentsEvent::TransferDecided {
                            assignment: next,
                            approved: approve,
                            from_unit_id: a.lead_unit_id.clone(),
                            buck_passing,
                        },
                        vec![Extra::Transfer(row)],
                    )
                }
                AssignmentCommand::Reassign {
                    lead_unit_id,
                    reason,
                    time_limit_days,
                    due_on,
                } => {
                    let unit = new_unit
                        .as_ref()
                        .filter(|u| u.0 == lead_unit_id)
                        .map(|u| (u.0.as_str(), u.1.as_str(), u.2.as_str(), u.3.as_str()))
                        .ok_or(DomainError::Invalid {
                            field: "leadUnitId",
                            message: "承办单位不存在或不在您的督查范围内".into(),
                        })?;
                    let next = rules::reassign(
                        a,
                        unit,
                        &reason,
                        (time_limit_days, due_on),
                        now.date_naive(),
                        &cal,
                    )?;
                    let reason = reason.trim().to_string();
                    let change = deadline_line(
                        &a.id,
                        a.due_on,
                        next.due_on,
                        format!("重新确定承办单位为{}：{reason}", next.lead_unit_name),
                        now,
                    );
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentReassigned {
                            assignment: next,
                            from_unit_id: a.lead_unit_id.clone(),
                            reason,
                        },
                        vec![Extra::DeadlineChange(change)],
                    )
                }
                AssignmentCommand::ReturnToIssuer { reason } => {
                    let next = rules::return_to_issuer(a, &reason, now.date_naive(), &cal)?;
                    let reason = reason.trim().to_string();
                    m.return_reason = Set(Some(reason.clone()));
                    (
                        next.clone(),
                        AssignmentsEvent::ReturnedToIssuer {
                            assignment: next,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Cancel { reason } => {
                    let next = rules::cancel(a, &reason)?;
                    let reason = reason.trim().to_string();
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentCancelled {
                            assignment: next,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Reopen {
                    reason,
                    time_limit_days,
                    due_on,
                } => {
                    let limit = (time_limit_days, due_on);
                    let next = rules::reopen(a, &reason, limit, now.date_naive(), &cal)?;
                    let reason = reason.trim().to_string();
                    let change = deadline_line(
                        &a.id,
                        a.due_on,
                        next.due_on,
                        format!("回头看重新打开：{reason}"),
                        now,
                    );
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentReopened {
                            assignment: next,
                            reason,
                        },
                        vec![Extra::DeadlineChange(change)],
                    )
                }
                AssignmentCommand::ChangeResponsible { person_id, reason } => {
                    let works_there = successor
                        .as_ref()
                        .is_some_and(|p| in_subtree(&p.unit_path, &a.lead_unit_path));
                    if !works_there {
                        return Err(DomainError::Invalid {
                            field: "personId",
                            message: format!("新责任人须是承办单位（{}）的人员", a.lead_unit_name),
                        });
                    }
                    let next = rules::change_responsible(a, &person_id, &reason)?;
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentResponsibleChanged {
                            assignment: next,
                            from_person_id: a.responsible_person_id.clone(),
                            reason: reason.trim().to_string(),
                        },
                        vec![],
                    )
                }
                AssignmentCommand::RaiseSupervision { level } => {
                    let next = rules::raise_supervision(a, level)?;
                    (
                        next.clone(),
                        AssignmentsEvent::SupervisionRaised {
                            assignment: next,
                            from: a.supervision_level,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Suspend { reason } => {
                    let next = rules::suspend(a, &reason, now.date_naive())?;
                    let reason = reason.trim().to_string();
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentSuspended {
                            assignment: next,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Resume => {
                    let (next, days) = rules::resume(a, now.date_naive(), &cal)?;
                    let mut extras = vec![];
                    if next.due_on != a.due_on {
                        extras.push(Extra::DeadlineChange(deadline_line(
                            &a.id,
                            a.due_on,
                            next.due_on,
                            format!("中止{days}个工作日，办结时限相应顺延"),
                            now,
                        )));
                    }
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentResumed {
                            assignment: next,
                            suspended_working_days: days,
                        },
                        extras,
                    )
                }
            })
        })
        .await
    }

    async fn assignment(&self, actor: &Actor, id: &str) -> Result<AssignmentView, ApiError> {
        let m = assignment::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|m| {
                actor.can_see(&m.lead_unit_path)
                    || json_list(&m.cooperating_unit_ids).contains(&actor.unit_id)
            })
            .ok_or_else(|| ApiError::not_found("交办事项", id))?;
        self.view(&self.db, m).await
    }

    async fn assignments(
        &self,
        actor: &Actor,
        filter: AssignmentFilter,
        page: PageRequest,
    ) -> Result<Page<AssignmentView>, ApiError> {
        // A cooperating unit sees the items it helps with wherever their lead unit is.
        let cooperating_in_scope = match &filter.cooperating_unit_id {
            Some(u) if filter.scope.is_none() => self.scope_root(actor, Some(u)).await.is_ok(),
            _ => false,
        };
        // Every filter but the scope and the states.
        let mut extra = Condition::all();
        if let Some(d) = filter.due_from {
            extra = extra.add(assignment::Column::DueOn.gte(d));
        }
        if let Some(d) = filter.due_to {
            extra = extra.add(assignment::Column::DueOn.lte(d));
        }
        if let Some(p) = &filter.responsible_person_id {
            extra = extra.add(assignment::Column::ResponsiblePersonId.eq(p.clone()));
        }
        if let Some(ids) = &filter.ids {
            extra = extra.add(assignment::Column::Id.is_in(ids.clone()));
        }
        if let Some(c) = &filter.campaign_id {
            extra = extra.add(assignment::Column::CampaignId.eq(c.clone()));
        }
        if let Some(c) = &filter.category {
            extra = extra.add(assignment::Column::Category.eq(c.clone()));
        }
        if let Some(u) = &filter.cooperating_unit_id {
            extra = extra.add(
                assignment::Column::CooperatingUnitIds
                    .like(crate::ledger::contains(&format!("\"{u}\""))),
            );
        }
        if let Some(text) = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            extra = extra.add(
                Condition::any()
                    .add(assignment::Column::Title.like(crate::ledger::contains(text)))
                    .add(assignment::Column::Description.like(crate::ledger::contains(text))),
            );
        }
        let only_scope_and_states = extra.is_empty();
        let sort = filter.sort;
        // A page by time limit walks the scope's units along their indexes.
        let walks = filter.ids.is_none()
            && matches!(sort, AssignmentSort::DueAsc | AssignmentSort::DueDesc);
        let mut cond = Condition::all();
        let mut walk_scope = None;
        if !cooperating_in_scope {
            let scope = filter.scope.as_deref();
            let root = if walks {
                let (root, units) = self.scope_units(actor, scope).await?;
                walk_scope = Some((root.clone(), units));
                root
            } else {
                self.scope_root(actor, scope).await?
            };
            cond = cond.add(duban_outbox::db::in_subtree(
                assignment::Column::LeadUnitPath,
                &root,
            ));
        }
        if let Some(states) = &filter.states {
            cond = cond.add(
                assignment::Column::State.is_in(states.iter().map(|s| s.as_str().to_string())),
            );
        }
        let cond = cond.add(extra.clone());
        let after = page.after.as_deref().map(decode_cursor).transpose()?;
        if let Some((root, units)) = &walk_scope {
            let states: Vec<String> = match &filter.states {
                Some(s) => s.iter().map(|s| s.as_str().to_string()).collect(),
                None => AssignmentState::ALL
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
            };
            // The count and the page do not depend on each other: both at once, on two
            // of the pool's connections.
            let count = async {
                Ok::<_, sea_orm::DbErr>(match (page.count, only_scope_and_states) {
                    (false, _) => 0,
                    (true, true) => {
                        crate::unit_page::tally(
                            &self.db,
                            units,
                            filter.states.as_ref().map(|_| &states[..]),
                        )
                        .await?
                    }
                    (true, false) => {
                        assignment::Entity::find()
                            .filter(cond.clone())
                            .count(&self.db)
                            .await?
                    }
                })
            };
            let walk = crate::unit_page::Walk {
                units,
                root,
                states: &states,
                extra,
                after,
                descending: sort == AssignmentSort::DueDesc,
                limit: page.first as u64 + 1,
            };
            let rows = async {
                let ids = crate::unit_page::page_ids(&self.db, &walk).await?;
                crate::unit_page::rows(&self.db, &ids).await
            };
            let (total_count, rows) = futures::try_join!(count, rows).map_err(internal)?;
            return self.page_of(rows, page, total_count).await;
        }
        let total_count = if page.count {
            assignment::Entity::find()
                .filter(cond.clone())
                .count(&self.db)
                .await
                .map_err(internal)?
        } else {
            0
        };
        let mut query = assignment::Entity::find().filter(cond);
        if let Some((due, id)) = after {
            let (due_col, id_col) = (assignment::Column::DueOn, assignment::Column::Id);
            query = query.filter(match sort {
                AssignmentSort::DueAsc => Condition::any()
                    .add(due_col.gt(due))
                    .add(Condition::all().add(due_col.eq(due)).add(id_col.gt(id))),
                AssignmentSort::DueDesc => Condition::any()
                    .add(due_col.lt(due))
                    .add(Condition::all().add(due_col.eq(due)).add(id_col.lt(id))),
                AssignmentSort::IssuedDesc => Condition::all().add(id_col.lt(id)),
            });
        }
        query = match sort {
            AssignmentSort::DueAsc => query
                .order_by_asc(assignment::Column::DueOn)
                .order_by_asc(assignment::Column::Id),
            AssignmentSort::DueDesc => query
                .order_by_desc(assignment::Column::DueOn)
                .order_by_desc(assignment::Column::Id),
            AssignmentSort::IssuedDesc => query.order_by_desc(assignment::Column::Id),
        };
        let rows = query
            .limit(page.first as u64 + 1)
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.page_of(rows, page, total_count).await
    }

    async fn register_problem(
        &self,
        actor: &Actor,
        input: RegisterProblemInput,
    ) -> Result<ProblemView, ApiError> {
        self.register_problem_as(actor, input).await
    }

    async fn problem_command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: ProblemCommand,
    ) -> Result<ProblemView, ApiError> {
        self.problem_transition(actor, id, expected_version, command)
            .await
    }

    async fn problem(&self, actor: &Actor, id: &str) -> Result<ProblemView, ApiError> {
        self.problem_of(actor, id).await
    }

    async fn problems(
        &self,
        actor: &Actor,
        filter: ProblemFilter,
        page: PageRequest,
    ) -> Result<Page<ProblemView>, ApiError> {
        self.problem_page(actor, filter, page).await
    }

    async fn import_ledger(
        &self,
        actor: &Actor,
        kind: LedgerKind,
        rows: Vec<ImportRow>,
        only_good: bool,
    ) -> Result<ImportReport, ApiError> {
        self.import(actor, kind, rows, only_good).await
    }

    async fn update_org_unit(
        &self,
        actor: &Actor,
        input: UpdateOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        self.update_unit(actor, input).await
    }

    async fn update_person(
        &self,
        actor: &Actor,
        input: UpdatePersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        self.update_person_as(actor, input).await
    }

    async fn create_duty_rule(
        &self,
        actor: &Actor,
        input: CreateDutyRuleInput,
    ) -> Result<DutyRuleSnapshot, ApiError> {
        self.create_duty_rule_as(actor, input).await
    }

    async fn duty_rules(&self, actor: &Actor) -> Result<Vec<DutyRuleSnapshot>, ApiError> {
        self.duty_rules_of(actor).await
    }

    async fn org_units(&self, actor: &Actor) -> Result<Vec<OrgUnitSnapshot>, ApiError> {
        org_unit::Entity::find()
            .order_by_asc(org_unit::Column::Path)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|u| in_subtree(&u.path, &actor.scope) || in_subtree(&actor.scope, &u.path))
            .map(unit_snapshot)
            .collect()
    }

    async fn org_unit(&self, actor: &Actor, id: &str) -> Result<OrgUnitSnapshot, ApiError> {
        org_unit::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| in_subtree(&u.path, &actor.scope) || in_subtree(&actor.scope, &u.path))
            .map(unit_snapshot)
            .ok_or_else(|| ApiError::not_found("单位", id))?
    }

    async fn person(&self, actor: &Actor, id: &str) -> Result<PersonSnapshot, ApiError> {
        person::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|p| {
                actor.can_see(&p.unit_path)
                    || p.id == actor.person_id
                    || in_subtree(&actor.scope, &p.unit_path)
            })
            .map(person_snapshot)
            .ok_or_else(|| ApiError::not_found("人员", id))
    }

    async fn campaigns(&self, actor: &Actor) -> Result<Vec<CampaignSnapshot>, ApiError> {
        let rows = campaign::Entity::find()
            .order_by_asc(campaign::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut out = Vec::new();
        for c in rows {
            let scope = org_unit::Entity::find_by_id(c.scope_unit_id.clone())
                .one(&self.db)
                .await
                .map_err(internal)?;
            let covers = scope
                .is_some_and(|u| in_subtree(&actor.unit_path, &u.path) || actor.can_see(&u.path));
            if covers {
                out.push(CampaignSnapshot {
                    id: c.id,
                    name: c.name,
                    document_number: c.document_number,
                    scope_unit_id: c.scope_unit_id,
                    phases: serde_json::from_str(&c.phases).map_err(internal)?,
                    categories: serde_json::from_str(&c.categories).map_err(internal)?,
                    report_deadlines: serde_json::from_str(&c.report_deadlines)
                        .map_err(internal)?,
                });
            }
        }
        Ok(out)
    }

    async fn ready(&self) -> Result<(), ApiError> {
        duban_outbox::db::ping(&self.db).await.map_err(internal)
    }

    async fn authenticate(&self, subject: &duban_auth::Subject) -> Result<Actor, ApiError> {
        self.authenticate_subject(subject).await
    }
}

fn special_of(m: &calendar_override::Model) -> Special {
    let name = m.name.clone();
    if m.workday {
        Special::Workday(name.unwrap_or_else(|| "调整上班".into()))
    } else {
        Special::Holiday(name.unwrap_or_else(|| "调整休息".into()))
    }
}

impl AssignmentsService {
    /// Applies the county's stored calendar changes over the official schedule; call at start.
    pub async fn load_calendar(&self) -> Result<usize, ApiError> {
        let rows = calendar_override::Entity::find()
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut cal = Calendar::official();
        for m in &rows {
            cal.set(m.date, Some(special_of(m)));
        }
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = cal;
        Ok(rows.len())
    }

    /// The caller a person becomes when signed in: supervisors, discipline staff and
    /// admins oversee their jurisdiction; everyone else their own unit.
    pub async fn actor_for(&self, p: &PersonSnapshot) -> Result<Actor, ApiError> {
        let oversees = p
            .roles
            .iter()
            .any(|r| matches!(r, Role::Supervisor | Role::Discipline | Role::Admin));
        let scope = if oversees {
            self.jurisdiction_of(&p.unit_id).await?
        } else {
            p.unit_path.clone()
        };
        Ok(Actor {
            person_id: p.id.clone(),
            name: p.name.clone(),
            tenant: self.tenant.clone(),
            unit_id: p.unit_id.clone(),
            unit_path: p.unit_path.clone(),
            scope,
            roles: p.roles.clone(),
        })
    }
}
