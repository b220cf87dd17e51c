//! Schema of the evaluation database.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, date, integer, string, text, timestamp_with_time_zone,
};

mod accountability;
mod assessments;
mod conduct;
mod conduct_categories;
mod ratings;
mod referrals;
mod reviews;
mod surveys;

/// The migrator: outbox/inbox, then `tracked_item`.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(duban_outbox::migration::CreateOutboxInbox),
            Box::new(CreateTables),
            Box::new(duban_outbox::calendar::CreateCalendarCopy("m0003_calendar")),
            Box::new(ColorRulesAndSchedule),
            Box::new(UnitTallies),
            Box::new(Acknowledgements),
            Box::new(DayClose),
            Box::new(MoreFigures),
            Box::new(Pauses),
            Box::new(NoPathColorIndex),
            Box::new(Bulletins),
            Box::new(reviews::Reviews),
            Box::new(reviews::ReviewReminders),
            Box::new(surveys::Surveys),
            Box::new(ratings::Ratings),
            Box::new(reviews::PersonLeads),
            Box::new(accountability::Accountability),
            Box::new(conduct::ConductEntries),
            Box::new(referrals::Referrals),
            Box::new(assessments::Assessments),
            Box::new(conduct_categories::ConductCategories),
        ]
    }
}

struct CreateTables;

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
                .col(string(TrackedItem::Id).primary_key())
                .col(string(TrackedItem::UnitId))
                .col(string(TrackedItem::OrgPath))
                .col(string(TrackedItem::State))
                .col(date(TrackedItem::IssuedOn))
                .col(date(TrackedItem::DueOn))
                .col(integer(TrackedItem::Percent))
                .col(big_integer(TrackedItem::Version))
                .col(string(TrackedItem::Color))
                .col(string(TrackedItem::Reason))
                .col(timestamp_with_time_zone(TrackedItem::ColorSince))
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_tracked_item_path_color",
            TrackedItem::Table,
            [TrackedItem::OrgPath, TrackedItem::Color],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [TrackedItem::Table]).await
    }
}

/// The county's color rules, what each rule needs to know of an item, and the day each
/// item's color can next change by time alone (indexed: the tick reads only what is due).
struct ColorRulesAndSchedule;

impl MigrationName for ColorRulesAndSchedule {
    fn name(&self) -> &str {
        "m0004_color_rules"
    }
}

#[derive(DeriveIden)]
enum Tracked {
    #[sea_orm(iden = "tracked_item")]
    Table,
    Kind,
    Title,
    Urgency,
    CampaignId,
    LastReportOn,
    Returns,
    LateDays,
    ReturnedToIssuer,
    Rule,
    NextCheckOn,
    ResponsiblePersonId,
    IssuerId,
}

#[derive(DeriveIden)]
enum ColorRule {
    Table,
    CountyId,
    Scope,
    Rules,
    Version,
    ChangedBy,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for ColorRulesAndSchedule {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds one at a time.
        let columns = [
            string(Tracked::Kind).default("ASSIGNMENT").to_owned(),
            string(Tracked::Title).default("").to_owned(),
            string(Tracked::Urgency).default("NORMAL").to_owned(),
            ColumnDef::new(Tracked::CampaignId).string().to_owned(),
            ColumnDef::new(Tracked::LastReportOn).date().to_owned(),
            integer(Tracked::Returns).default(0).to_owned(),
            ColumnDef::new(Tracked::LateDays).big_integer().to_owned(),
            boolean(Tracked::ReturnedToIssuer).default(false).to_owned(),
            string(Tracked::Rule).default("").to_owned(),
            ColumnDef::new(Tracked::NextCheckOn).date().to_owned(),
            string(Tracked::ResponsiblePersonId).default("").to_owned(),
            string(Tracked::IssuerId).default("").to_owned(),
        ];
        for mut c in columns {
            m.alter_table(
                Table::alter()
                    .table(Tracked::Table)
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(index_on(
            "ix_tracked_item_next_check_on",
            Tracked::Table,
            [Tracked::NextCheckOn],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ColorRule::Table)
                .col(string(ColorRule::CountyId))
                .col(string(ColorRule::Scope))
                .col(text(ColorRule::Rules))
                .col(big_integer(ColorRule::Version))
                .col(string(ColorRule::ChangedBy))
                .col(timestamp_with_time_zone(ColorRule::ChangedAt))
                .primary_key(
                    Index::create()
                        .col(ColorRule::CountyId)
                        .col(ColorRule::Scope),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [ColorRule::Table]).await?;
        m.drop_index(
            Index::drop()
                .name("ix_tracked_item_next_check_on")
                .table(Tracked::Table)
                .to_owned(),
        )
        .await?;
        for c in [
            Tracked::Kind,
            Tracked::Title,
            Tracked::Urgency,
            Tracked::CampaignId,
            Tracked::LastReportOn,
            Tracked::Returns,
            Tracked::LateDays,
            Tracked::ReturnedToIssuer,
            Tracked::Rule,
            Tracked::NextCheckOn,
            Tracked::ResponsiblePersonId,
            Tracked::IssuerId,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Tracked::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Running figures per unit, kind and campaign (`''` for all), kept as items change, so a
/// board sums a few rows per unit; `overdue` on an item says whether it is counted so.
struct UnitTallies;

impl MigrationName for UnitTallies {
    fn name(&self) -> &str {
        "m0005_unit_tallies"
    }
}

/// The tally columns, as `figures::Figures` lists them.
pub(crate) const TALLY_COLUMNS: [&str; 17] = [
    "issued",
    "open",
    "completed",
    "closed",
    "overdue",
    "red",
    "yellow",
    "blue",
    "done_on_time",
    "done_late",
    "returns",
    "ack_due",
    "ack_on_time",
    "reopens",
    "transfers",
    "buck_passing",
    "work_days",
];

#[async_trait::async_trait]
impl MigrationTrait for UnitTallies {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("tracked_item"))
                .add_column(boolean(Alias::new("overdue")).default(false))
                .to_owned(),
        )
        .await?;
        let mut t = Table::create();
        t.table(Alias::new("unit_tally"))
            .col(string(Alias::new("unit_path")))
            .col(string(Alias::new("campaign_id")))
            .col(string(Alias::new("kind")));
        // The columns as they were at m0005; m0006 adds the sign-for counts.
        for &c in &TALLY_COLUMNS[..11] {
            t.col(big_integer(Alias::new(c)).default(0));
        }
        t.primary_key(
            Index::create()
                .col(Alias::new("unit_path"))
                .col(Alias::new("campaign_id"))
                .col(Alias::new("kind")),
        );
        m.create_table(t.to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["unit_tally"]).await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("tracked_item"))
                .drop_column(Alias::new("overdue"))
                .to_owned(),
        )
        .await
    }
}

/// 及时签收率: when each item was to be signed for and was, and whether it is counted as
/// missed; two more tallies.
struct Acknowledgements;

impl MigrationName for Acknowledgements {
    fn name(&self) -> &str {
        "m0006_acknowledgements"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Acknowledgements {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let item = |c: ColumnDef| {
            let mut c = c;
            Table::alter()
                .table(Alias::new("tracked_item"))
                .add_column(&mut c)
                .to_owned()
        };
        m.alter_table(item(
            ColumnDef::new(Alias::new("ack_due_on")).date().to_owned(),
        ))
        .await?;
        m.alter_table(item(
            ColumnDef::new(Alias::new("acknowledged_on"))
                .date()
                .to_owned(),
        ))
        .await?;
        m.alter_table(item(
            boolean(Alias::new("ack_missed")).default(false).to_owned(),
        ))
        .await?;
        for c in ["ack_due", "ack_on_time"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("unit_tally"))
                    .add_column(big_integer(Alias::new(c)).default(0))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ["ack_due", "ack_on_time"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("unit_tally"))
                    .drop_column(Alias::new(c))
                    .to_owned(),
            )
            .await?;
        }
        for c in ["ack_due_on", "acknowledged_on", "ack_missed"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("tracked_item"))
                    .drop_column(Alias::new(c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// The figures as each day closed (`unit_tally_day`), and the day the live tallies stand
/// for (`tally_day`): a board as of a past day reads the day's copy.
struct DayClose;

impl MigrationName for DayClose {
    fn name(&self) -> &str {
        "m0007_day_close"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DayClose {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut t = Table::create();
        t.table(Alias::new("unit_tally_day"))
            .col(date(Alias::new("day")))
            .col(string(Alias::new("unit_path")))
            .col(string(Alias::new("campaign_id")))
            .col(string(Alias::new("kind")));
        // The columns as they were at m0007; m0008 adds four.
        for &c in &TALLY_COLUMNS[..13] {
            t.col(big_integer(Alias::new(c)).default(0));
        }
        t.primary_key(
            Index::create()
                .col(Alias::new("day"))
                .col(Alias::new("unit_path"))
                .col(Alias::new("campaign_id"))
                .col(Alias::new("kind")),
        );
        m.create_table(t.to_owned()).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("tally_day"))
                .col(date(Alias::new("day")).primary_key())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["tally_day", "unit_tally_day"]).await
    }
}

/// Reopens, transfers, 推诿 flags and working days to completion, on each item and in
/// the tallies.
struct MoreFigures;

impl MigrationName for MoreFigures {
    fn name(&self) -> &str {
        "m0008_more_figures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for MoreFigures {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ["reopens", "transfers", "work_days"] {
            let mut col = ColumnDef::new(Alias::new(c));
            if c == "work_days" {
                col.big_integer();
            } else {
                col.integer().not_null().default(0);
            }
            m.alter_table(
                Table::alter()
                    .table(Alias::new("tracked_item"))
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        for t in ["unit_tally", "unit_tally_day"] {
            for &c in &TALLY_COLUMNS[13..] {
                m.alter_table(
                    Table::alter()
                        .table(Alias::new(t))
                        .add_column(big_integer(Alias::new(c)).default(0))
                        .to_owned(),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["unit_tally", "unit_tally_day"] {
            for &c in &TALLY_COLUMNS[13..] {
                m.alter_table(
                    Table::alter()
                        .table(Alias::new(t))
                        .drop_column(Alias::new(c))
                        .to_owned(),
                )
                .await?;
            }
        }
        for c in ["reopens", "transfers", "work_days"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("tracked_item"))
                    .drop_column(Alias::new(c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// The working days each item stood still while suspended, and its last resumption: a
/// suspension is not time elapsed for the lag and quiet rules.
struct Pauses;

impl MigrationName for Pauses {
    fn name(&self) -> &str {
        "m0009_pauses"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Pauses {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let add = |c: &mut ColumnDef| {
            Table::alter()
                .table(Alias::new("tracked_item"))
                .add_column(c)
                .to_owned()
        };
        m.alter_table(add(integer(Alias::new("paused_days")).default(0)))
            .await?;
        m.alter_table(add(ColumnDef::new(Alias::new("resumed_on")).date()))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ["paused_days", "resumed_on"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("tracked_item"))
                    .drop_column(Alias::new(c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Drops the index on (org_path, color): colors are counted in the tallies and filtered in
/// the assignments database, so nothing reads it, and every card change paid to keep it.
struct NoPathColorIndex;

impl MigrationName for NoPathColorIndex {
    fn name(&self) -> &str {
        "m0010_no_path_color_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for NoPathColorIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_tracked_item_path_color")
                .table(Alias::new("tracked_item"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index_on(
            "ix_tracked_item_path_color",
            "tracked_item",
            ["org_path", "color"],
        ))
        .await
    }
}

/// 周通报: evaluation's copy of the org tree (names for the bulletins) and of who is
/// whose 分管领导 (who may comment), the bulletins and their comments (一点评).
struct Bulletins;

impl MigrationName for Bulletins {
    fn name(&self) -> &str {
        "m0011_bulletins"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Bulletins {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("org_unit_copy"))
                .col(col("id").string().not_null().primary_key())
                .col(col("parent_id").string())
                .col(col("path").string().not_null())
                .col(col("name").string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("person_copy"))
                .col(col("person_id").string().not_null().primary_key())
                .col(col("unit_id").string().not_null())
                .col(col("supervising_leader_id").string())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("bulletin"))
                .col(col("id").string().not_null().primary_key())
                .col(col("scope_unit_id").string().not_null())
                .col(col("scope_path").string().not_null())
                .col(col("week_start").date().not_null())
                .col(col("title").string().not_null())
                .col(col("data").text().not_null())
                .col(col("published_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index_on(
                "ux_bulletin_week",
                "bulletin",
                ["scope_unit_id", "week_start"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("bulletin_comment"))
                .col(col("id").string().not_null().primary_key())
                .col(col("bulletin_id").string().not_null())
                .col(col("author_id").string().not_null())
                .col(col("author_name").string().not_null())
                .col(col("text").text().not_null())
                .col(col("at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_bulletin_comment",
            "bulletin_comment",
            ["bulletin_id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            m,
            [
                "bulletin_comment",
                "bulletin",
                "person_copy",
                "org_unit_copy",
            ],
        )
        .await
    }
}
