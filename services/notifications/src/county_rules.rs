//! Each county's notice rules as stored, read for every batch of notices.

use crate::rules::Rules;
use duban_schema::notifications::NotificationRulesSnapshot;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use std::collections::HashMap;

/// The rules table.
pub mod notification_rules {
    use sea_orm::entity::prelude::*;

    /// One county's rules.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_rules")]
    pub struct Model {
        /// The county (its root unit id).
        #[sea_orm(primary_key, auto_increment = false)]
        pub county_id: String,
        /// [`duban_schema::notifications::NotificationRulesSnapshot`] JSON.
        #[sea_orm(column_type = "Text")]
        pub rules: String,
        /// Version.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) use duban_auth::county_of;

/// Every county's rules that were set, by county.
pub(crate) async fn load_all<C: ConnectionTrait>(
    conn: &C,
) -> Result<HashMap<String, Rules>, DbErr> {
    Ok(notification_rules::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| {
            let s: NotificationRulesSnapshot = serde_json::from_str(&m.rules).ok()?;
            Some((m.county_id, Rules::from_snapshot(&s)))
        })
        .collect())
}

/// The rules of the county `path` lies in, from `all`.
pub(crate) fn of<'a>(
    all: &'a HashMap<String, Rules>,
    path: &str,
    fallback: &'a Rules,
) -> &'a Rules {
    all.get(county_of(path)).unwrap_or(fallback)
}
