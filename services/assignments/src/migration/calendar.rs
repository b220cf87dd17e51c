//! m0003: the county's own calendar days and the ledger of deadline changes.

use super::*;
use sea_orm_migration::schema::{big_integer, boolean, date};

pub(super) struct CreateCalendar;

impl MigrationName for CreateCalendar {
    fn name(&self) -> &str {
        "m0003_calendar"
    }
}

#[derive(DeriveIden)]
enum CalendarOverride {
    Table,
    Date,
    Workday,
    Name,
    Reason,
    SetBy,
    SetAt,
    Version,
}

#[derive(DeriveIden)]
enum DeadlineChange {
    Table,
    Id,
    AssignmentId,
    FromDate,
    ToDate,
    Reason,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCalendar {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CalendarOverride::Table)
                .col(date(CalendarOverride::Date).primary_key())
                .col(boolean(CalendarOverride::Workday))
                .col(ColumnDef::new(CalendarOverride::Name).string())
                .col(text(CalendarOverride::Reason))
                .col(string(CalendarOverride::SetBy))
                .col(ts(CalendarOverride::SetAt).not_null().to_owned())
                .col(big_integer(CalendarOverride::Version))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DeadlineChange::Table)
                .col(id(DeadlineChange::Id))
                .col(string(DeadlineChange::AssignmentId))
                .col(date(DeadlineChange::FromDate))
                .col(date(DeadlineChange::ToDate))
                .col(text(DeadlineChange::Reason))
                .col(ts(DeadlineChange::ChangedAt).not_null().to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_deadline_change_assignment",
            DeadlineChange::Table,
            [DeadlineChange::AssignmentId],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [DeadlineChange::Table]).await?;
        drop_tables(m, [CalendarOverride::Table]).await
    }
}
