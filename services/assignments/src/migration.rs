//! Schema of the assignments database, the same on SQLite and PostgreSQL.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, boolean, date, integer, string, text};

mod calendar;
mod colors;
mod credentials;
mod ledger;
mod tally;

use calendar::CreateCalendar;
use ledger::AddLedger;

/// The migrator: the outbox/inbox tables, then this service's own.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(duban_outbox::migration::CreateOutboxInbox),
            Box::new(CreateTables),
            Box::new(CreateCalendar),
            Box::new(CreateDeadlineSchedule),
            AddColumns::boxed(
                "m0005_supervision_suspension",
                "assignment",
                [
                    col("supervision_level")
                        .string()
                        .not_null()
                        .default("NORMAL"),
                    col("suspended_on").date(),
                ],
            ),
            AddColumns::boxed(
                "m0006_extensions",
                "assignment",
                [
                    col("pending_extension_days").integer(),
                    col("pending_extension_reason").text(),
                    col("extension_count").integer().not_null().default(0),
                ],
            ),
            Box::new(AddTransfers),
            Box::new(AddLedger),
            Box::new(tally::AddTally),
            Box::new(AddDirectoryVersions),
            AddColumns::boxed(
                "m0011_cooperating_people",
                "assignment",
                [col("cooperating_person_ids")
                    .text()
                    .not_null()
                    .default("[]")],
            ),
            AddColumns::boxed(
                "m0012_returned_to_issuer",
                "assignment",
                [col("returned_to_issuer")
                    .boolean()
                    .not_null()
                    .default(false)],
            ),
            Box::new(AddEventPositions),
            Box::new(CreateIdempotencyKeys),
            Box::new(colors::AddColors),
            Box::new(credentials::CreateCredentials),
            Box::new(colors::FirstColors),
            Box::new(tally::TallyOnMoves),
            AddColumns::boxed(
                "m0019_document_number",
                "assignment",
                [col("document_number").string()],
            ),
        ]
    }
}

struct CreateTables;

/// Columns added to one table (and dropped by `down`, last first): a migration written as
/// one entry of `migrations()`.
struct AddColumns {
    name: &'static str,
    table: &'static str,
    cols: Vec<ColumnDef>,
}

impl AddColumns {
    /// The migration `name`, adding `cols` to `table`.
    fn boxed<const N: usize>(
        name: &'static str,
        table: &'static str,
        cols: [&mut ColumnDef; N],
    ) -> Box<dyn MigrationTrait> {
        let cols = cols.into_iter().map(|c| c.to_owned()).collect();
        Box::new(AddColumns { name, table, cols })
    }
}

impl MigrationName for AddColumns {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddColumns {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns_to(m, self.table, self.cols.clone()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let names: Vec<String> = self
            .cols
            .iter()
            .rev()
            .map(|c| c.get_column_name())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        drop_columns_from(m, self.table, &names).await
    }
}

/// A column definition to finish with its type and constraints.
fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

/// The first answer to each (caller, Idempotency-Key) of the last 24 hours.
struct CreateIdempotencyKeys;

impl MigrationName for CreateIdempotencyKeys {
    fn name(&self) -> &str {
        "m0014_idempotency_keys"
    }
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    PersonId,
    Key,
    RequestHash,
    Response,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateIdempotencyKeys {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IdempotencyKey::Table)
                .col(string(IdempotencyKey::PersonId))
                .col(string(IdempotencyKey::Key))
                .col(string(IdempotencyKey::RequestHash))
                .col(ColumnDef::new(IdempotencyKey::Response).text().null())
                .col(ts(IdempotencyKey::CreatedAt).not_null())
                .primary_key(
                    Index::create()
                        .col(IdempotencyKey::PersonId)
                        .col(IdempotencyKey::Key),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_idempotency_key_created",
            IdempotencyKey::Table,
            [IdempotencyKey::CreatedAt],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [IdempotencyKey::Table]).await
    }
}

/// The position of the last event of each assignment and problem, so every event of an
/// aggregate (reminders included) takes the next one.
struct AddEventPositions;

impl MigrationName for AddEventPositions {
    fn name(&self) -> &str {
        "m0013_event_positions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddEventPositions {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let position = || {
            big_integer(Alias::new("last_sequence"))
                .default(0)
                .to_owned()
        };
        add_columns_to(m, "assignment", vec![position()]).await?;
        add_columns_to(m, "problem", vec![position()]).await?;
        let db = m.get_connection();
        // Existing rows continue from their version, the position their last change took.
        db.execute_unprepared("UPDATE assignment SET last_sequence = version")
            .await?;
        db.execute_unprepared("UPDATE problem SET last_sequence = version")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_columns_from(m, "assignment", &["last_sequence"]).await?;
        drop_columns_from(m, "problem", &["last_sequence"]).await
    }
}

/// Optimistic-lock versions on units and people, and the token generation of a person.
struct AddDirectoryVersions;

impl MigrationName for AddDirectoryVersions {
    fn name(&self) -> &str {
        "m0010_directory_versions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddDirectoryVersions {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let counter =
            |name: &str, default: i64| big_integer(Alias::new(name)).default(default).to_owned();
        add_columns_to(m, "org_unit", vec![counter("version", 1)]).await?;
        add_columns_to(
            m,
            "person",
            vec![counter("version", 1), counter("generation", 0)],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_columns_from(m, "person", &["generation", "version"]).await?;
        drop_columns_from(m, "org_unit", &["version"]).await
    }
}

/// Transfer requests on assignments and the transfer chain.
struct AddTransfers;

impl MigrationName for AddTransfers {
    fn name(&self) -> &str {
        "m0007_transfers"
    }
}

#[derive(DeriveIden)]
enum Transfer {
    Table,
    Id,
    AssignmentId,
    FromUnitId,
    ToUnitId,
    Reason,
    Approved,
    DecidedBy,
    DecidedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for AddTransfers {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            m,
            vec![
                ColumnDef::new(Alias::new("pending_transfer_unit_id"))
                    .string()
                    .to_owned(),
                ColumnDef::new(Alias::new("pending_transfer_reason"))
                    .text()
                    .to_owned(),
                integer(Alias::new("transfer_count")).default(0).to_owned(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Transfer::Table)
                .col(id(Transfer::Id))
                .col(string(Transfer::AssignmentId))
                .col(string(Transfer::FromUnitId))
                .col(string(Transfer::ToUnitId))
                .col(text(Transfer::Reason))
                .col(boolean(Transfer::Approved))
                .col(string(Transfer::DecidedBy))
                .col(ts(Transfer::DecidedAt).not_null().to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_transfer_assignment",
            Transfer::Table,
            [Transfer::AssignmentId],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [Transfer::Table]).await?;
        drop_columns(
            m,
            &[
                "transfer_count",
                "pending_transfer_reason",
                "pending_transfer_unit_id",
            ],
        )
        .await
    }
}

/// Pending reminders, one row per item, kind and time limit, indexed by the day they fire.
struct CreateDeadlineSchedule;

impl MigrationName for CreateDeadlineSchedule {
    fn name(&self) -> &str {
        "m0004_deadline_schedule"
    }
}

#[derive(DeriveIden)]
enum DeadlineSchedule {
    Table,
    AssignmentId,
    Kind,
    DueOn,
    FireOn,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateDeadlineSchedule {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DeadlineSchedule::Table)
                .col(string(DeadlineSchedule::AssignmentId))
                .col(string(DeadlineSchedule::Kind))
                .col(date(DeadlineSchedule::DueOn))
                .col(date(DeadlineSchedule::FireOn))
                .primary_key(
                    Index::create()
                        .col(DeadlineSchedule::AssignmentId)
                        .col(DeadlineSchedule::Kind)
                        .col(DeadlineSchedule::DueOn),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_deadline_schedule_fire",
            DeadlineSchedule::Table,
            [DeadlineSchedule::FireOn],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [DeadlineSchedule::Table]).await
    }
}

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m0002_assignments"
    }
}

#[derive(DeriveIden)]
enum OrgUnit {
    Table,
    Id,
    ParentId,
    Kind,
    Name,
    DivisionCode,
    Path,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
    Account,
    Name,
    Title,
    UnitId,
    UnitPath,
    Roles,
}

#[derive(DeriveIden)]
enum Campaign {
    Table,
    Id,
    Name,
    DocumentNumber,
    ScopeUnitId,
    Phases,
    Categories,
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
    Title,
    Description,
    Source,
    SourceText,
    IssuerId,
    IssuerUnitId,
    LeadUnitId,
    LeadUnitPath,
    LeadUnitName,
    ResponsiblePersonId,
    State,
    TimeLimitDays,
    IssuedAt,
    DueOn,
    ProgressPercent,
    Version,
    AcknowledgedAt,
    CompletedAt,
    Result,
    ReturnReason,
}

#[derive(DeriveIden)]
enum ProgressReport {
    Table,
    Id,
    AssignmentId,
    Percent,
    Text,
    ReportedBy,
    ReportedAt,
}

/// Adds columns to `assignment`, one ALTER each (SQLite takes one column per statement).
async fn add_columns(m: &SchemaManager<'_>, cols: Vec<ColumnDef>) -> Result<(), DbErr> {
    add_columns_to(m, "assignment", cols).await
}

/// SQLite adds one column per ALTER TABLE, so each gets its own statement.
async fn add_columns_to(
    m: &SchemaManager<'_>,
    table: &str,
    cols: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    for mut col in cols {
        m.alter_table(
            Table::alter()
                .table(Alias::new(table))
                .add_column(&mut col)
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

/// Drops columns from `assignment`, one ALTER each.
async fn drop_columns(m: &SchemaManager<'_>, names: &[&str]) -> Result<(), DbErr> {
    drop_columns_from(m, "assignment", names).await
}

/// Drops columns from `table`, one ALTER each (SQLite drops one column per statement).
async fn drop_columns_from(
    m: &SchemaManager<'_>,
    table: &str,
    names: &[&str],
) -> Result<(), DbErr> {
    for c in names {
        m.alter_table(
            Table::alter()
                .table(Alias::new(table))
                .drop_column(Alias::new(*c))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

fn id<T: IntoIden>(c: T) -> ColumnDef {
    string(c).primary_key().take()
}

pub(crate) fn ts<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c).timestamp_with_time_zone().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OrgUnit::Table)
                .col(id(OrgUnit::Id))
                .col(ColumnDef::new(OrgUnit::ParentId).string())
                .col(string(OrgUnit::Kind))
                .col(string(OrgUnit::Name))
                .col(ColumnDef::new(OrgUnit::DivisionCode).string())
                .col(string(OrgUnit::Path))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Person::Table)
                .col(id(Person::Id))
                .col(string(Person::Account).unique_key().to_owned())
                .col(string(Person::Name))
                .col(string(Person::Title))
                .col(string(Person::UnitId))
                .col(string(Person::UnitPath))
                .col(string(Person::Roles))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Campaign::Table)
                .col(id(Campaign::Id))
                .col(string(Campaign::Name))
                .col(string(Campaign::DocumentNumber))
                .col(string(Campaign::ScopeUnitId))
                .col(text(Campaign::Phases))
                .col(text(Campaign::Categories))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Assignment::Table)
                .col(id(Assignment::Id))
                .col(string(Assignment::Title))
                .col(text(Assignment::Description))
                .col(string(Assignment::Source))
                .col(ColumnDef::new(Assignment::SourceText).text())
                .col(string(Assignment::IssuerId))
                .col(string(Assignment::IssuerUnitId))
                .col(string(Assignment::LeadUnitId))
                .col(string(Assignment::LeadUnitPath))
                .col(string(Assignment::LeadUnitName))
                .col(string(Assignment::ResponsiblePersonId))
                .col(string(Assignment::State))
                .col(ColumnDef::new(Assignment::TimeLimitDays).integer())
                .col(ts(Assignment::IssuedAt).not_null().to_owned())
                .col(date(Assignment::DueOn))
                .col(integer(Assignment::ProgressPercent))
                .col(big_integer(Assignment::Version))
                .col(ts(Assignment::AcknowledgedAt))
                .col(ts(Assignment::CompletedAt))
                .col(ColumnDef::new(Assignment::Result).text())
                .col(ColumnDef::new(Assignment::ReturnReason).text())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_assignment_path_due",
            Assignment::Table,
            [Assignment::LeadUnitPath, Assignment::DueOn, Assignment::Id],
        ))
        .await?;
        m.create_index(index_on(
            "ix_assignment_due",
            Assignment::Table,
            [Assignment::DueOn, Assignment::Id],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ProgressReport::Table)
                .col(id(ProgressReport::Id))
                .col(string(ProgressReport::AssignmentId))
                .col(integer(ProgressReport::Percent))
                .col(text(ProgressReport::Text))
                .col(string(ProgressReport::ReportedBy))
                .col(ts(ProgressReport::ReportedAt).not_null().to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_progress_assignment",
            ProgressReport::Table,
            [ProgressReport::AssignmentId],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            ProgressReport::Table.into_iden(),
            Assignment::Table.into_iden(),
            Campaign::Table.into_iden(),
            Person::Table.into_iden(),
            OrgUnit::Table.into_iden(),
        ];
        drop_tables(m, tables).await
    }
}
