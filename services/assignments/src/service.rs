//! The assignments service: its state, how a command emits its events and commits, and
//! the `AssignmentsApi` it serves, each operation kept in the file of its concern.

use crate::domain::assignment as rules;
use crate::rows::internal;
use async_trait::async_trait;
use duban_api::{
    ApiError, AssignmentCommand, AssignmentFilter, AssignmentView, AssignmentsApi,
    CalendarChangeView, CalendarDayView, CreateDutyRuleInput, ImportReport, ImportRow,
    IssueAssignmentInput, LaunchCampaignInput, LedgerKind, Page, PageRequest, ProblemCommand,
    ProblemFilter, ProblemView, RegisterOrgUnitInput, RegisterPersonInput, RegisterProblemInput,
    ReportProgressInput, SetCalendarDayInput, TextTransitionInput, TransitionInput,
    UpdateOrgUnitInput, UpdatePersonInput,
};
use duban_auth::Actor;
use duban_clock::workdays::Calendar;
use duban_clock::SharedClock;
use duban_outbox::EventBus;
use duban_schema::assignments::{
    AssignmentsEvent, CampaignSnapshot, DutyRuleSnapshot, OrgUnitSnapshot, PersonSnapshot,
};
use duban_schema::{topics, Envelope};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use std::sync::{Arc, RwLock};

/// The assignments service over its own database.
#[derive(Clone)]
pub struct AssignmentsService {
    pub(crate) db: DatabaseConnection,
    pub(crate) bus: EventBus,
    pub(crate) clock: SharedClock,
    pub(crate) tenant: String,
    pub(crate) calendar: Arc<RwLock<Calendar>>,
    pub(crate) due_soon_days: u32,
    pub(crate) extension_cap: i32,
    pub(crate) identities: crate::identity_cache::IdentityCache,
}

/// Working days before the time limit at which a DueSoon reminder fires, unless configured.
pub const DEFAULT_DUE_SOON_DAYS: u32 = 2;

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
}

#[async_trait]
impl AssignmentsApi for AssignmentsService {
    async fn work_calendar(
        &self,
        _actor: &Actor,
        year: i32,
    ) -> Result<Vec<CalendarDayView>, ApiError> {
        self.work_calendar_as(_actor, year).await
    }

    async fn set_calendar_day(
        &self,
        actor: &Actor,
        input: SetCalendarDayInput,
    ) -> Result<CalendarChangeView, ApiError> {
        self.set_calendar_day_as(actor, input).await
    }

    async fn launch_campaign_as(
        &self,
        actor: &Actor,
        input: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError> {
        self.launch_campaign_in_scope(actor, input).await
    }

    async fn register_org_unit(
        &self,
        actor: &Actor,
        input: RegisterOrgUnitInput,
    ) -> Result<OrgUnitSnapshot, ApiError> {
        self.register_org_unit_as(actor, input).await
    }

    async fn register_person_as(
        &self,
        actor: &Actor,
        input: RegisterPersonInput,
    ) -> Result<PersonSnapshot, ApiError> {
        self.register_person_in_scope(actor, input).await
    }

    async fn add_working_days(
        &self,
        _actor: &Actor,
        from: chrono::NaiveDate,
        days: i32,
    ) -> Result<chrono::NaiveDate, ApiError> {
        self.add_working_days_as(_actor, from, days).await
    }

    async fn issue_assignment(
        &self,
        actor: &Actor,
        input: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError> {
        self.issue_assignment_as(actor, input).await
    }

    async fn acknowledge_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.acknowledge_assignment_as(actor, input).await
    }

    async fn report_progress(
        &self,
        actor: &Actor,
        input: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError> {
        self.report_progress_as(actor, input).await
    }

    async fn complete_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.complete_assignment_as(actor, input).await
    }

    async fn verify_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.verify_assignment_as(actor, input).await
    }

    async fn return_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.return_assignment_as(actor, input).await
    }

    async fn command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError> {
        self.command_as(actor, id, expected_version, command).await
    }

    async fn assignment(&self, actor: &Actor, id: &str) -> Result<AssignmentView, ApiError> {
        self.assignment_as(actor, id).await
    }

    async fn assignments(
        &self,
        actor: &Actor,
        filter: AssignmentFilter,
        page: PageRequest,
    ) -> Result<Page<AssignmentView>, ApiError> {
        self.assignments_as(actor, filter, page).await
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
        self.org_units_as(actor).await
    }

    async fn org_unit(&self, actor: &Actor, id: &str) -> Result<OrgUnitSnapshot, ApiError> {
        self.org_unit_as(actor, id).await
    }

    async fn person(&self, actor: &Actor, id: &str) -> Result<PersonSnapshot, ApiError> {
        self.person_as(actor, id).await
    }

    async fn campaigns(&self, actor: &Actor) -> Result<Vec<CampaignSnapshot>, ApiError> {
        self.campaigns_as(actor).await
    }

    async fn ready(&self) -> Result<(), ApiError> {
        duban_outbox::db::ping(&self.db).await.map_err(internal)
    }

    async fn authenticate(&self, subject: &duban_auth::Subject) -> Result<Actor, ApiError> {
        self.authenticate_subject(subject).await
    }
}
