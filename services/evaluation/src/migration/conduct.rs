//! 作风表现台账: the facts about each cadre the tracker records from events.

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
        m.create_index(
            Index::create()
                .name("ix_conduct_entry_person")
                .table(Alias::new("conduct_entry"))
                .col(Alias::new("person_id"))
                .col(Alias::new("on_day"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("conduct_entry")).to_owned())
            .await
    }
}
