//! 作风体检: rounds and the scores given in them.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::boolean;

/// `review_round` and `review_submission`.
pub struct Reviews;

impl MigrationName for Reviews {
    fn name(&self) -> &str {
        "m0012_conduct_reviews"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Reviews {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("review_round"))
                .col(col("id").string().not_null().primary_key())
                .col(col("scope_unit_id").string().not_null())
                .col(col("scope_path").string().not_null())
                .col(col("month").string().not_null())
                .col(col("deadline").date().not_null())
                .col(col("settings").text().not_null())
                .col(col("unit_ids").text().not_null())
                .col(col("lowest").integer().not_null())
                .col(col("talk_days").integer().not_null())
                .col(col("status").string().not_null())
                .col(col("opened_by").string().not_null())
                .col(col("opened_at").timestamp_with_time_zone().not_null())
                .col(col("closed_at").timestamp_with_time_zone())
                .col(col("results").text())
                .col(col("version").big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index_on(
                "ux_review_round_month",
                "review_round",
                ["scope_unit_id", "month"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("review_submission"))
                .col(col("round_id").string().not_null())
                .col(col("unit_id").string().not_null())
                .col(col("person_id").string().not_null())
                .col(col("source").string().not_null())
                .col(col("scores").text().not_null())
                .col(col("comment").text().not_null())
                .col(col("submitted_at").timestamp_with_time_zone().not_null())
                .primary_key(
                    Index::create()
                        .col(Alias::new("round_id"))
                        .col(Alias::new("unit_id"))
                        .col(Alias::new("person_id")),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["review_submission", "review_round"]).await
    }
}

/// `review_round.reminded`: the day-before reminder went out.
pub struct ReviewReminders;

impl MigrationName for ReviewReminders {
    fn name(&self) -> &str {
        "m0013_review_reminders"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ReviewReminders {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("review_round"))
                .add_column(boolean(Alias::new("reminded")).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("review_round"))
                .drop_column(Alias::new("reminded"))
                .to_owned(),
        )
        .await
    }
}

/// `person_copy.leads`: the person is a UNIT_LEADER (gives their unit's 自评).
pub struct PersonLeads;

impl MigrationName for PersonLeads {
    fn name(&self) -> &str {
        "m0016_person_leads"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PersonLeads {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("person_copy"))
                .add_column(boolean(Alias::new("leads")).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("person_copy"))
                .drop_column(Alias::new("leads"))
                .to_owned(),
        )
        .await
    }
}
