//! 作风台账: each county's categories.

use duban_outbox::migration::drop_tables;
use sea_orm_migration::prelude::*;

/// `conduct_category`.
pub struct ConductCategories;

impl MigrationName for ConductCategories {
    fn name(&self) -> &str {
        "m0021_conduct_categories"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ConductCategories {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let col = |n: &str| ColumnDef::new(Alias::new(n)).to_owned();
        m.create_table(
            Table::create()
                .table(Alias::new("conduct_category"))
                .col(col("county").string().not_null().primary_key())
                .col(col("categories").text().not_null())
                .col(col("changed_by").string().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, ["conduct_category"]).await
    }
}
