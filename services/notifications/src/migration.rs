//! Schema of the notifications database.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, string, text, timestamp_with_time_zone};

/// The migrator: outbox/inbox, then `notification`.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(duban_outbox::migration::CreateOutboxInbox),
            Box::new(CreateTables),
            Box::new(AddProblemId),
            Box::new(CreatePersonLeader),
            Box::new(CreateDirectory),
            Box::new(Acknowledgements),
            Box::new(duban_outbox::calendar::CreateCalendarCopy("m0007_calendar")),
            Box::new(Escalation),
            Box::new(Pushes),
            Box::new(CountyRules),
            Box::new(Campaigns),
            Box::new(ProblemIndex),
        ]
    }
}

struct CreateTables;

/// Notices about ledger problems name the problem.
struct AddProblemId;

impl MigrationName for AddProblemId {
    fn name(&self) -> &str {
        "m0003_notification_problem"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddProblemId {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("notification"))
                .add_column(ColumnDef::new(Alias::new("problem_id")).string())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("notification"))
                .drop_column(Alias::new("problem_id"))
                .to_owned(),
        )
        .await
    }
}

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m0002_notifications"
    }
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    RecipientId,
    Kind,
    Title,
    Body,
    AssignmentId,
    CreatedAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Notification::Table)
                .col(string(Notification::Id).primary_key())
                .col(string(Notification::RecipientId))
                .col(string(Notification::Kind))
                .col(string(Notification::Title))
                .col(text(Notification::Body))
                .col(ColumnDef::new(Notification::AssignmentId).string())
                .col(timestamp_with_time_zone(Notification::CreatedAt))
                .col(ColumnDef::new(Notification::ReadAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_notification_recipient",
            Notification::Table,
            [Notification::RecipientId, Notification::Id],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [Notification::Table]).await
    }
}

/// Each person's 分管领导, for the cards' notices.
struct CreatePersonLeader;

impl MigrationName for CreatePersonLeader {
    fn name(&self) -> &str {
        "m0004_person_leader"
    }
}

#[derive(DeriveIden)]
enum PersonLeader {
    Table,
    PersonId,
    LeaderId,
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePersonLeader {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PersonLeader::Table)
                .col(string(PersonLeader::PersonId).primary_key())
                .col(ColumnDef::new(PersonLeader::LeaderId).string())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, [PersonLeader::Table]).await
    }
}

/// Who leads each unit and who is each person's 分管领导, kept from the directory's events:
/// the notices' audiences beyond the persons an event names. Replaces `person_leader`,
/// whose rows it takes over.
struct CreateDirectory;

impl MigrationName for CreateDirectory {
    fn name(&self) -> &str {
        "m0005_directory_person"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateDirectory {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("directory_person"))
                .col(col("person_id").string().not_null().primary_key())
                .col(col("unit_id").string().not_null().default(""))
                .col(col("unit_leader").boolean().not_null().default(false))
                .col(col("supervising_leader_id").string())
                .col(col("active").boolean().not_null().default(true))
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_directory_person_unit",
            "directory_person",
            ["unit_id"],
        ))
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO directory_person (person_id, supervising_leader_id) \
                 SELECT person_id, leader_id FROM person_leader",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["directory_person"]).await
    }
}

/// 事事有回音: whether a notice asks its recipient to acknowledge it, and when they did;
/// the org path of what it is about, so that an item's notices are shown in its scope.
struct Acknowledgements;

impl MigrationName for Acknowledgements {
    fn name(&self) -> &str {
        "m0006_acknowledgements"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Acknowledgements {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let add = |c: &mut ColumnDef| {
            Table::alter()
                .table(Alias::new("notification"))
                .add_column(c)
                .to_owned()
        };
        m.alter_table(add(boolean(Alias::new("requires_ack")).default(false)))
            .await?;
        m.alter_table(add(
            ColumnDef::new(Alias::new("acknowledged_at")).timestamp_with_time_zone()
        ))
        .await?;
        m.alter_table(add(string(Alias::new("org_path")).default("")))
            .await?;
        m.create_index(index_on(
            "ix_notification_assignment",
            "notification",
            ["assignment_id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_notification_assignment")
                .table(Alias::new("notification"))
                .to_owned(),
        )
        .await?;
        for c in ["requires_ack", "acknowledged_at", "org_path"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("notification"))
                    .drop_column(Alias::new(c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Escalation of unanswered notices (the rung reached, when the next is due, who issued
/// the item, which notice an escalation is about), urgency for quiet hours, and the key
/// that keeps one notice per item, kind, time limit and rung.
struct Escalation;

impl MigrationName for Escalation {
    fn name(&self) -> &str {
        "m0008_escalation"
    }
}

const ESCALATION_COLUMNS: [&str; 6] = [
    "rung",
    "escalate_at",
    "issuer_id",
    "escalated_from",
    "dedupe_key",
    "urgent",
];

#[async_trait::async_trait]
impl MigrationTrait for Escalation {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        let columns = [
            col("rung").integer().not_null().default(0).to_owned(),
            col("escalate_at").timestamp_with_time_zone().to_owned(),
            col("issuer_id").string().to_owned(),
            col("escalated_from").string().to_owned(),
            col("dedupe_key").string().to_owned(),
            col("urgent").boolean().not_null().default(false).to_owned(),
        ];
        for mut c in columns {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("notification"))
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            index_on("ux_notification_dedupe", "notification", ["dedupe_key"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_notification_escalate",
            "notification",
            ["escalate_at"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for ix in ["ux_notification_dedupe", "ix_notification_escalate"] {
            m.drop_index(
                Index::drop()
                    .name(ix)
                    .table(Alias::new("notification"))
                    .to_owned(),
            )
            .await?;
        }
        for c in ESCALATION_COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("notification"))
                    .drop_column(Alias::new(c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Push channels, each person's push contacts, the durable delivery queue (retries, dead
/// letters), and each person's unit path (who may set their contacts).
struct Pushes;

impl MigrationName for Pushes {
    fn name(&self) -> &str {
        "m0009_pushes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Pushes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        let at = |n: &str| col(n).timestamp_with_time_zone().to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("push_channel"))
                .col(col("id").string().not_null().primary_key())
                .col(col("name").string().not_null())
                .col(col("channel").string().not_null())
                .col(col("url").text().not_null())
                .col(col("secret").text())
                .col(col("kinds").text().not_null())
                .col(col("scope_path").string().not_null())
                .col(col("max_concurrency").integer().not_null())
                .col(col("sender").string())
                .col(col("created_by").string().not_null())
                .col(at("created_at").not_null())
                .col(at("deleted_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("push_contact"))
                .col(col("person_id").string().not_null().primary_key())
                .col(col("mobile").string())
                .col(col("email").string())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("delivery"))
                .col(col("id").string().not_null().primary_key())
                .col(col("channel_id").string().not_null())
                .col(col("notification_id").string().not_null())
                .col(col("recipient_id").string().not_null())
                .col(col("notice").text().not_null())
                .col(col("status").string().not_null())
                .col(col("attempts").integer().not_null().default(0))
                .col(at("next_attempt_at").not_null())
                .col(col("last_error").text())
                .col(col("last_status").integer())
                .col(at("created_at").not_null())
                .col(at("delivered_at"))
                .col(col("urgent").boolean().not_null().default(false))
                .col(col("held").string())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index_on(
                "ux_delivery_once",
                "delivery",
                ["channel_id", "notification_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_delivery_due",
            "delivery",
            ["status", "next_attempt_at"],
        ))
        .await?;
        m.create_index(index_on(
            "ix_delivery_recipient",
            "delivery",
            ["channel_id", "recipient_id", "created_at"],
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("directory_person"))
                .add_column(col("unit_path").string().not_null().default("").to_owned())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("directory_person"))
                .drop_column(Alias::new("unit_path"))
                .to_owned(),
        )
        .await?;
        drop_tables(m, ["delivery", "push_contact", "push_channel"]).await
    }
}

/// Each county's notice rules, and who holds the DISCIPLINE role (an audience a rule can
/// name).
struct CountyRules;

impl MigrationName for CountyRules {
    fn name(&self) -> &str {
        "m0010_county_rules"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CountyRules {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("notification_rules"))
                .col(col("county_id").string().not_null().primary_key())
                .col(col("rules").text().not_null())
                .col(col("version").big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("directory_person"))
                .add_column(
                    col("discipline")
                        .boolean()
                        .not_null()
                        .default(false)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("directory_person"))
                .drop_column(Alias::new("discipline"))
                .to_owned(),
        )
        .await?;
        drop_tables(m, ["notification_rules"]).await
    }
}

/// The campaigns and their report deadlines, kept from the campaigns' events, for the
/// reminders before each deadline.
struct Campaigns;

impl MigrationName for Campaigns {
    fn name(&self) -> &str {
        "m0011_campaigns"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Campaigns {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("campaign_copy"))
                .col(col("id").string().not_null().primary_key())
                .col(col("name").string().not_null())
                .col(col("scope_path").string().not_null())
                .col(col("report_deadlines").text().not_null())
                .col(col("ended").boolean().not_null().default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["campaign_copy"]).await
    }
}

/// Notices looked up by their problem as by their item: settling either clears the
/// escalations of its notices, which without this index read the whole table.
struct ProblemIndex;

impl MigrationName for ProblemIndex {
    fn name(&self) -> &str {
        "m0012_notification_problem_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ProblemIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index_on(
            "ix_notification_problem",
            "notification",
            ["problem_id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_notification_problem")
                .table(Alias::new("notification"))
                .to_owned(),
        )
        .await
    }
}
