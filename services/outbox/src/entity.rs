//! The outbox, inbox and relay-mark tables every service database has.

/// Events written with a change and waiting to be (or already) published.
pub mod outbox {
    use sea_orm::entity::prelude::*;

    /// One outbox row.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        /// Commit order; the relay publishes in this order.
        #[sea_orm(primary_key)]
        pub seq: i64,
        /// The event id.
        #[sea_orm(unique)]
        pub event_id: String,
        /// Topic to publish on.
        pub topic: String,
        /// Message key (aggregate id).
        pub key: String,
        /// The envelope as JSON.
        #[sea_orm(column_type = "Text")]
        pub payload: String,
        /// When the event happened.
        pub created_at: ChronoDateTimeUtc,
        /// When the relay handed it to the transport.
        pub published_at: Option<ChronoDateTimeUtc>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Ids of the events a consumer has already handled.
pub mod inbox {
    use sea_orm::entity::prelude::*;

    /// One handled event.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "inbox")]
    pub struct Model {
        /// The event id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: String,
        /// Topic it came from.
        pub topic: String,
        /// Its type.
        pub event_type: String,
        /// When it was handled.
        pub handled_at: ChronoDateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The highest outbox position known to have reached every consumer.
pub mod relay_mark {
    use sea_orm::entity::prelude::*;

    /// The single row (id 1).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "relay_mark")]
    pub struct Model {
        /// Always 1.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        /// Rows up to here need never be offered again.
        pub safe_seq: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
