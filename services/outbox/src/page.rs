//! Keyset pages: a query's rows up to a page's size, and whether more follow.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect, Select};

/// Up to `first` rows of `query` (already filtered after the cursor and ordered), and
/// whether more follow: one row more is asked for and, if it came, dropped.
pub async fn read<E: EntityTrait, C: ConnectionTrait>(
    query: Select<E>,
    conn: &C,
    first: usize,
) -> Result<(Vec<E::Model>, bool), DbErr> {
    let mut rows = query.limit(first as u64 + 1).all(conn).await?;
    let more = rows.len() > first;
    rows.truncate(first);
    Ok((rows, more))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::inbox;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, QueryOrder};
    use sea_orm_migration::{MigrationTrait, SchemaManager};

    #[tokio::test]
    async fn a_page_says_more_follow_only_when_a_row_is_left() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        crate::migration::CreateOutboxInbox
            .up(&SchemaManager::new(&db))
            .await
            .unwrap();
        for id in ["a", "b", "c"] {
            inbox::Model {
                event_id: id.into(),
                topic: "t".into(),
                event_type: "E".into(),
                handled_at: chrono::Utc::now(),
            }
            .into_active_model()
            .insert(&db)
            .await
            .unwrap();
        }
        let ids = |first: usize| {
            let db = db.clone();
            async move {
                let q = inbox::Entity::find().order_by_asc(inbox::Column::EventId);
                let (rows, more) = read(q, &db, first).await.unwrap();
                let ids: Vec<String> = rows.into_iter().map(|r| r.event_id).collect();
                (ids, more)
            }
        };
        assert_eq!(ids(2).await, (vec!["a".into(), "b".into()], true));
        assert_eq!(
            ids(3).await,
            (vec!["a".into(), "b".into(), "c".into()], false)
        );
        assert!(!ids(4).await.1);
    }
}
