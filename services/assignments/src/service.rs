//! The assignments service: its state, how a command emits its events and commits, and
//! the `AssignmentsApi` it serves, each operation kept in the file of its concern.

use crate::domain::assignment as rules;
use crate::rows::internal;
use duban_api::ApiError;
use duban_clock::SharedClock;
use duban_outbox::EventBus;
use duban_schema::assignments::AssignmentsEvent;
use duban_schema::{topics, Envelope};
use sea_orm::sea_query::InsertStatement;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};

/// The assignments service over its own database.
#[derive(Clone)]
pub struct AssignmentsService {
    pub(crate) db: DatabaseConnection,
    pub(crate) bus: EventBus,
    pub(crate) clock: SharedClock,
    pub(crate) tenant: String,
    pub(crate) calendar: duban_outbox::calendar::Running,
    pub(crate) due_soon_days: u32,
    pub(crate) extension_cap: i32,
    /// What the directory said (identities, units), kept until it changes.
    pub(crate) kept: crate::directory_cache::DirectoryCache,
    /// The rows of the items written last, to decide the next command on one of them.
    pub(crate) recent: crate::recent::Recent,
    /// Commands with no transaction of their own, gathered into one transaction on SQLite.
    pub(crate) gathered: duban_outbox::gather::Gathered,
    pub(crate) export_time: std::time::Duration,
}

/// Longest a ledger export may hold its snapshot, unless set (a reader too slow to take a
/// ledger in this time would otherwise keep a transaction open for as long as it likes).
pub const DEFAULT_EXPORT_TIME: std::time::Duration = std::time::Duration::from_secs(600);

/// Working days before the time limit at which a DueSoon reminder fires, unless configured.
pub const DEFAULT_DUE_SOON_DAYS: u32 = 2;

impl AssignmentsService {
    /// A service over `db`, publishing through `bus`.
    pub fn new(db: DatabaseConnection, bus: EventBus, clock: SharedClock, tenant: &str) -> Self {
        // One process on SQLite sees every change; replicas on PostgreSQL wait to listen.
        let kept = crate::directory_cache::DirectoryCache::new(
            db.get_database_backend() != sea_orm::DbBackend::Postgres,
        );
        Self {
            gathered: duban_outbox::gather::Gathered::new(db.clone()),
            db,
            bus,
            clock,
            tenant: tenant.to_string(),
            calendar: Default::default(),
            due_soon_days: DEFAULT_DUE_SOON_DAYS,
            extension_cap: rules::DEFAULT_EXTENSION_CAP,
            kept,
            recent: crate::recent::Recent::default(),
            export_time: DEFAULT_EXPORT_TIME,
        }
    }

    /// The service's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Sets how long a ledger export may hold its snapshot.
    pub fn with_export_time(mut self, time: std::time::Duration) -> Self {
        self.export_time = time;
        self
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
        let insert = self.event_insert(actor, org_path, aggregate_id, sequence, event)?;
        conn.execute(conn.get_database_backend().build(&insert))
            .await
            .map(drop)
            .map_err(internal)
    }

    /// The outbox INSERT of an event this service writes now, in the request's trace:
    /// what [`Self::emit`] runs, and what a command sends beside its own write.
    pub(crate) fn event_insert(
        &self,
        actor: &str,
        org_path: &str,
        aggregate_id: &str,
        sequence: i64,
        event: AssignmentsEvent,
    ) -> Result<InsertStatement, ApiError> {
        let envelope = self.envelope(actor, org_path, aggregate_id, sequence, event);
        duban_outbox::enqueue_statement(topics::ASSIGNMENTS, &[envelope]).map_err(internal)
    }

    /// An event this service writes now, in the request's trace, in its envelope.
    pub(crate) fn envelope(
        &self,
        actor: &str,
        org_path: &str,
        aggregate_id: &str,
        sequence: i64,
        event: AssignmentsEvent,
    ) -> Envelope<AssignmentsEvent> {
        let now = self.clock.now();
        let correlation =
            duban_api::trace::current().unwrap_or_else(|| duban_outbox::new_event_id(now));
        Envelope {
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
        }
    }

    pub(crate) async fn commit(&self, txn: DatabaseTransaction) -> Result<(), ApiError> {
        self.record_key(&txn).await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(())
    }
}

duban_api::impl_assignments_api!(AssignmentsService);

impl AssignmentsService {
    /// Whether the service can serve (database reachable).
    pub async fn ready(&self) -> Result<(), ApiError> {
        duban_outbox::db::ping(&self.db).await.map_err(internal)
    }
}
