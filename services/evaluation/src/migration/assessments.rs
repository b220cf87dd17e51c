//! 年度考核: assessment years, the 考评组's entries (never edited; the latest stands), and
//! each county's rules.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;

/// `assessment`, `assessment_entry`, `assessment_setting`.
pub struct Assessments;

impl MigrationName for Assessments {
    fn name(&self) -> &str {
        "m0020_assessments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Assessments {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("assessment"))
                .col(col("id").string().not_null().primary_key())
                .col(col("scope_unit_id").string().not_null())
                .col(col("scope_path").string().not_null())
                .col(col("year").integer().not_null())
                .col(col("unit_ids").text().not_null())
                .col(col("panel_ids").text().not_null())
                .col(col("status").string().not_null())
                .col(col("opened_by").string().not_null())
                .col(col("opened_at").timestamp_with_time_zone().not_null())
                .col(col("published_at").timestamp_with_time_zone())
                .col(col("result").text())
                .col(col("version").big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index_on(
                "ux_assessment_scope_year",
                "assessment",
                ["scope_unit_id", "year"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("assessment_entry"))
                .col(col("id").string().not_null().primary_key())
                .col(col("assessment_id").string().not_null())
                .col(col("kind").string().not_null())
                .col(col("subject_kind").string().not_null())
                .col(col("subject_id").string().not_null())
                .col(col("indicator").string())
                .col(col("value").string())
                .col(col("own_fault").boolean())
                .col(col("chosen_ids").text().not_null())
                .col(col("reason").text().not_null())
                .col(col("entered_by").string().not_null())
                .col(col("entered_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_assessment_entry",
            "assessment_entry",
            ["assessment_id"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("assessment_setting"))
                .col(col("county").string().not_null().primary_key())
                .col(col("settings").text().not_null())
                .col(col("changed_by").string().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["assessment", "assessment_entry", "assessment_setting"]).await
    }
}
