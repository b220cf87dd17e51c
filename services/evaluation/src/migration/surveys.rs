//! 满意度评议: surveys, their one-time links, who has answered, and the answers (kept apart
//! from who gave them).

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;

/// `survey`, `survey_link`, `survey_participant`, `survey_response`, `survey_score`.
pub struct Surveys;

impl MigrationName for Surveys {
    fn name(&self) -> &str {
        "m0014_surveys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Surveys {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        let table = |n: &str| Table::create().table(Alias::new(n)).to_owned();
        m.create_table(
            table("survey")
                .col(col("id").string().not_null().primary_key())
                .col(col("scope_unit_id").string().not_null())
                .col(col("scope_path").string().not_null())
                .col(col("title").string().not_null())
                .col(col("deadline").date().not_null())
                .col(col("settings").text().not_null())
                .col(col("unit_ids").text().not_null())
                .col(col("status").string().not_null())
                .col(col("opened_by").string().not_null())
                .col(col("opened_at").timestamp_with_time_zone().not_null())
                .col(col("closed_at").timestamp_with_time_zone())
                .col(col("results").text())
                .col(col("version").big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("survey_link")
                .col(col("token_hash").string().not_null().primary_key())
                .col(col("survey_id").string().not_null())
                .col(col("grp").string().not_null())
                .col(col("label").string())
                .col(col("used").boolean().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_survey_link_survey",
            "survey_link",
            ["survey_id"],
        ))
        .await?;
        m.create_table(
            table("survey_participant")
                .col(col("survey_id").string().not_null())
                .col(col("person_id").string().not_null())
                .primary_key(
                    Index::create()
                        .col(Alias::new("survey_id"))
                        .col(Alias::new("person_id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("survey_response")
                .col(col("id").string().not_null().primary_key())
                .col(col("survey_id").string().not_null())
                .col(col("grp").string().not_null())
                .col(col("answered_on").date().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_survey_response_survey",
            "survey_response",
            ["survey_id"],
        ))
        .await?;
        m.create_table(
            table("survey_score")
                .col(col("response_id").string().not_null())
                .col(col("unit_id").string().not_null())
                .col(col("indicator").integer().not_null())
                .col(col("survey_id").string().not_null())
                .col(col("score").integer().not_null())
                .primary_key(
                    Index::create()
                        .col(Alias::new("response_id"))
                        .col(Alias::new("unit_id"))
                        .col(Alias::new("indicator")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_survey_score_survey",
            "survey_score",
            ["survey_id", "unit_id", "indicator"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            m,
            [
                "survey_score",
                "survey_response",
                "survey_participant",
                "survey_link",
                "survey",
            ],
        )
        .await
    }
}
