//! 线索移送: referrals and their steps, each county's referral rules, and the problem
//! category the 弄虚作假 rule reads.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;

/// `referral`, `referral_setting`, `tracked_item.category`.
pub struct Referrals;

impl MigrationName for Referrals {
    fn name(&self) -> &str {
        "m0019_referrals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Referrals {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("referral"))
                .col(col("id").string().not_null().primary_key())
                .col(col("cause").string().not_null())
                .col(col("once_key").string().not_null())
                .col(col("subject_kind").string().not_null())
                .col(col("subject_id").string().not_null())
                .col(col("unit_id").string().not_null())
                .col(col("unit_path").string().not_null())
                .col(col("item_ids").text().not_null())
                .col(col("grounds").text().not_null())
                .col(col("referred_by").string().not_null())
                .col(col("referred_at").timestamp_with_time_zone().not_null())
                .col(col("stage").string().not_null())
                .col(col("version").big_integer().not_null())
                .col(col("receipt_due_on").date().not_null())
                .col(col("received_by").string())
                .col(col("received_at").timestamp_with_time_zone())
                .col(col("received_on").date())
                .col(col("disposition").string())
                .col(col("disposed_at").timestamp_with_time_zone())
                .col(col("disposition_due_on").date())
                .col(col("concluded_at").timestamp_with_time_zone())
                .col(col("concluded_on").date())
                .col(col("notes").text().not_null())
                .col(col("accountability_record_id").string())
                .col(col("reminded").string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index_on("ux_referral_once", "referral", ["once_key"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index_on("ix_referral_path", "referral", ["unit_path"]))
            .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("referral_setting"))
                .col(col("county").string().not_null().primary_key())
                .col(col("settings").text().not_null())
                .col(col("changed_by").string().not_null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("tracked_item"))
                .add_column(col("category").string().not_null().default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["referral", "referral_setting"]).await
    }
}
