//! 好差评: items open to rating and the ratings given.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;

/// `rating_item` and `rating`.
pub struct Ratings;

impl MigrationName for Ratings {
    fn name(&self) -> &str {
        "m0015_ratings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Ratings {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("rating_item"))
                .col(col("item_id").string().not_null().primary_key())
                .col(col("kind").string().not_null())
                .col(col("title").string().not_null())
                .col(col("unit_id").string().not_null())
                .col(col("org_path").string().not_null())
                .col(col("completed_on").date().not_null())
                .col(col("token_hash").string())
                .col(col("stage").string().not_null())
                .col(col("rectification_id").string())
                .col(col("version").big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index_on("ux_rating_item_token", "rating_item", ["token_hash"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("rating"))
                .col(col("id").string().not_null().primary_key())
                .col(col("item_id").string().not_null())
                .col(col("unit_id").string().not_null())
                .col(col("org_path").string().not_null())
                .col(col("level").integer().not_null())
                .col(col("comment").text().not_null())
                .col(col("rated_at").timestamp_with_time_zone().not_null())
                .col(col("current").boolean().not_null())
                .col(col("rectified").boolean().not_null())
                .col(col("appeal").string().not_null())
                .col(col("appeal_reasons").text())
                .col(col("appeal_evidence").text())
                .col(col("appealed_by").string())
                .col(col("appealed_at").timestamp_with_time_zone())
                .col(col("decided_by").string())
                .col(col("decided_at").timestamp_with_time_zone())
                .col(col("decision_note").text())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on("ix_rating_path", "rating", ["org_path"]))
            .await?;
        m.create_index(index_on("ix_rating_item", "rating", ["item_id"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["rating", "rating_item"]).await
    }
}
