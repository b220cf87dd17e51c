//! The card each item shows, as evaluation announced it: the color filter pages in this
//! database instead of sending every id of a color across.

use duban_outbox::migration::index_on;
use sea_orm_migration::prelude::*;

/// `color` on assignments and problems, indexed for the color filter.
pub struct AddColors;

impl MigrationName for AddColors {
    fn name(&self) -> &str {
        "m0015_colors"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddColors {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["assignment", "problem"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .add_column(ColumnDef::new(Alias::new("color")).string())
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(index_on(
            "ix_assignment_color_due",
            "assignment",
            ["color", "due_on", "id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_assignment_color_due")
                .table(Alias::new("assignment"))
                .to_owned(),
        )
        .await?;
        for table in ["assignment", "problem"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new("color"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Items kept before their first color was written with their row: blue, as evaluation
/// no longer announces a first blue.
pub struct FirstColors;

impl MigrationName for FirstColors {
    fn name(&self) -> &str {
        "m0017_first_colors"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FirstColors {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["assignment", "problem"] {
            m.get_connection()
                .execute_unprepared(&format!(
                    "UPDATE {table} SET color = '{}' WHERE color IS NULL",
                    duban_schema::FIRST_COLOR.as_str()
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
