//! 追责问责: records (never edited; a correction supersedes) and each county's forms.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;

/// `accountability_record` and `accountability_form`.
pub struct Accountability;

impl MigrationName for Accountability {
    fn name(&self) -> &str {
        "m0017_accountability"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Accountability {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("accountability_record"))
                .col(col("id").string().not_null().primary_key())
                .col(col("subject_kind").string().not_null())
                .col(col("subject_id").string().not_null())
                .col(col("unit_id").string().not_null())
                .col(col("unit_path").string().not_null())
                .col(col("form").string().not_null())
                .col(col("grounds").text().not_null())
                .col(col("item_ids").text().not_null())
                .col(col("referral_id").string())
                .col(col("decided_on").date().not_null())
                .col(col("decided_by").string().not_null())
                .col(col("recorded_by").string().not_null())
                .col(col("recorded_at").timestamp_with_time_zone().not_null())
                .col(col("supersedes").string())
                .col(col("document_number").string())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index_on(
                "ux_accountability_supersedes",
                "accountability_record",
                ["supersedes"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_accountability_path",
            "accountability_record",
            ["unit_path"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("accountability_form"))
                .col(col("county").string().not_null().primary_key())
                .col(col("forms").text().not_null())
                .col(col("changed_by").string().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["accountability_form", "accountability_record"]).await
    }
}
