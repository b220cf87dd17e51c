//! 追责问责: records (never edited; a correction supersedes) and each county's forms.

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
            Index::create()
                .name("ux_accountability_supersedes")
                .table(Alias::new("accountability_record"))
                .col(Alias::new("supersedes"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_accountability_path")
                .table(Alias::new("accountability_record"))
                .col(Alias::new("unit_path"))
                .to_owned(),
        )
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
        for t in ["accountability_form", "accountability_record"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
