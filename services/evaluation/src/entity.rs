//! The evaluation database's own table.

/// Evaluation's copy of the county's calendar changes.
pub mod calendar_override {
    use sea_orm::entity::prelude::*;

    /// One changed day.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "calendar_override")]
    pub struct Model {
        /// The day.
        #[sea_orm(primary_key, auto_increment = false)]
        pub date: Date,
        /// Whether it is a working day.
        pub workday: bool,
        /// Holiday name, or the holiday a worked day belongs to.
        pub name: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Evaluation's copy of an assignment with its color.
pub mod tracked_item {
    use sea_orm::entity::prelude::*;

    /// One item.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tracked_item")]
    pub struct Model {
        /// Assignment id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Lead unit.
        pub unit_id: String,
        /// Lead unit path.
        pub org_path: String,
        /// State wire name.
        pub state: String,
        /// Issue day.
        pub issued_on: Date,
        /// Due day.
        pub due_on: Date,
        /// Progress.
        pub percent: i32,
        /// Assignment version last applied.
        pub version: i64,
        /// Color wire name.
        pub color: String,
        /// Why.
        pub reason: String,
        /// Since when.
        pub color_since: ChronoDateTimeWithTimeZone,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
