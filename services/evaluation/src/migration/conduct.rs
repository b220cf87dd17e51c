//! 作风表现台账: the facts about each cadre the tracker records from events.

use duban_outbox::migration::{drop_tables, index_on};
use sea_orm_migration::prelude::*;

/// `conduct_entry`.
pub struct ConductEntries;

impl MigrationName for ConductEntries {
    fn name(&self) -> &str {
        "m0018_conduct_entries"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ConductEntries {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("conduct_entry"))
                .col(col("id").string().not_null().primary_key())
                .col(col("person_id").string().not_null())
                .col(col("fact").string().not_null())
                .col(col("on_day").date().not_null())
                .col(col("item_id").string().not_null())
                .col(col("text").text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_conduct_entry_person",
            "conduct_entry",
            ["person_id", "on_day"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["conduct_entry"]).await
    }
}
