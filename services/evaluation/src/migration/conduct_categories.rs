//! 作风台账: each county's categories.

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
        m.drop_table(
            Table::drop()
                .table(Alias::new("conduct_category"))
                .to_owned(),
        )
        .await
    }
}
