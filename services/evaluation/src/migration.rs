//! Schema of the evaluation database.

use sea_orm_migration::prelude::*;

/// The migrator: outbox/inbox, then `tracked_item`.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(duban_outbox::migration::CreateOutboxInbox),
            Box::new(CreateTables),
            Box::new(CreateCalendar),
        ]
    }
}

struct CreateTables;

/// Evaluation's copy of the county's calendar changes, from CalendarDayChanged.
struct CreateCalendar;

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
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCalendar {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CalendarOverride::Table)
                .col(
                    ColumnDef::new(CalendarOverride::Date)
                        .date()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(CalendarOverride::Workday)
                        .boolean()
                        .not_null(),
                )
                .col(ColumnDef::new(CalendarOverride::Name).string())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CalendarOverride::Table).to_owned())
            .await
    }
}

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m0002_evaluation"
    }
}

#[derive(DeriveIden)]
enum TrackedItem {
    Table,
    Id,
    UnitId,
    OrgPath,
    State,
    IssuedOn,
    DueOn,
    Percent,
    Version,
    Color,
    Reason,
    ColorSince,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TrackedItem::Table)
                .col(
                    ColumnDef::new(TrackedItem::Id)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TrackedItem::UnitId).string().not_null())
                .col(ColumnDef::new(TrackedItem::OrgPath).string().not_null())
                .col(ColumnDef::new(TrackedItem::State).string().not_null())
                .col(ColumnDef::new(TrackedItem::IssuedOn).date().not_null())
                .col(ColumnDef::new(TrackedItem::DueOn).date().not_null())
                .col(ColumnDef::new(TrackedItem::Percent).integer().not_null())
                .col(
                    ColumnDef::new(TrackedItem::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(TrackedItem::Color).string().not_null())
                .col(ColumnDef::new(TrackedItem::Reason).string().not_null())
                .col(
                    ColumnDef::new(TrackedItem::ColorSince)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tracked_item_path_color")
                .table(TrackedItem::Table)
                .col(TrackedItem::OrgPath)
                .col(TrackedItem::Color)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TrackedItem::Table).to_owned())
            .await
    }
}
