//! Audit's event handler and queries.

use crate::leaf::{canonical, leaf_hash};
use async_trait::async_trait;
use duban_api::{ApiError, AuditApi, AuditEntryView, AuditFilter, Page, PageRequest};
use duban_auth::{Actor, Role};
use duban_outbox::{AfterCommit, Handler, HandlerError};
use duban_schema::RawEnvelope;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// The leaf table.
pub mod audit_leaf {
    use sea_orm::entity::prelude::*;

    /// One appended event.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_leaf")]
    pub struct Model {
        /// Leaf index, from 0, without gaps.
        #[sea_orm(primary_key, auto_increment = false)]
        pub idx: i64,
        /// Event id.
        #[sea_orm(unique)]
        pub event_id: String,
        /// Topic.
        pub topic: String,
        /// Event type.
        pub event_type: String,
        /// Aggregate.
        pub aggregate_id: String,
        /// Org path.
        pub org_path: String,
        /// Actor.
        pub actor: String,
        /// Trace the event belongs to.
        pub correlation_id: String,
        /// When it happened.
        pub occurred_at: ChronoDateTimeWithTimeZone,
        /// Canonical JSON of the whole envelope.
        #[sea_orm(column_type = "Text")]
        pub canonical: String,
        /// Hex leaf hash.
        pub leaf_hash: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The audit service over its own database.
#[derive(Clone)]
pub struct AuditService {
    db: DatabaseConnection,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "audit: internal error");
    ApiError::Internal(e.to_string())
}

impl AuditService {
    /// A service over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The service's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

#[async_trait]
impl Handler for AuditService {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &RawEnvelope,
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let value =
            serde_json::to_value(event).map_err(|e| HandlerError::Malformed(e.to_string()))?;
        let bytes = canonical(&value);
        let last = audit_leaf::Entity::find()
            .select_only()
            .column_as(audit_leaf::Column::Idx.max(), "m")
            .into_tuple::<Option<i64>>()
            .one(txn)
            .await?
            .flatten();
        audit_leaf::ActiveModel {
            idx: Set(last.map_or(0, |i| i + 1)),
            event_id: Set(event.meta.id.to_string()),
            topic: Set(topic_of(&event.event_type).to_string()),
            event_type: Set(event.event_type.clone()),
            aggregate_id: Set(event.meta.aggregate_id.clone()),
            org_path: Set(event.meta.org_path.clone()),
            actor: Set(event.meta.actor.clone()),
            correlation_id: Set(event.meta.correlation_id.to_string()),
            occurred_at: Set(event.meta.occurred_at),
            leaf_hash: Set(hex::encode(leaf_hash(bytes.as_bytes()))),
            canonical: Set(bytes),
        }
        .insert(txn)
        .await?;
        Ok(vec![])
    }
}

fn topic_of(event_type: &str) -> &'static str {
    match event_type {
        "ColorChanged" => duban_schema::topics::EVALUATION,
        "NotificationCreated" => duban_schema::topics::NOTIFICATIONS,
        _ => duban_schema::topics::ASSIGNMENTS,
    }
}

#[async_trait]
impl AuditApi for AuditService {
    async fn entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntryView>, ApiError> {
        if !actor.has_any(&[Role::Discipline, Role::Admin]) {
            return Err(ApiError::Forbidden(
                "只有纪检监察人员可以查阅审计日志".into(),
            ));
        }
        let mut q = audit_leaf::Entity::find();
        if let Some(agg) = &filter.aggregate_id {
            q = q.filter(audit_leaf::Column::AggregateId.eq(agg.clone()));
        }
        if let Some(c) = &filter.correlation_id {
            q = q.filter(audit_leaf::Column::CorrelationId.eq(c.clone()));
        }
        if let Some(after) = &page.after {
            let idx: i64 = after
                .parse()
                .map_err(|_| ApiError::validation("after", "分页游标无效"))?;
            q = q.filter(audit_leaf::Column::Idx.gt(idx));
        }
        // Scope is applied on rows; a whole-county scope (the usual case) filters nothing.
        let rows = q
            .order_by_asc(audit_leaf::Column::Idx)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let visible: Vec<_> = rows
            .into_iter()
            .filter(|m| actor.can_see(&m.org_path))
            .collect();
        let total_count = visible.len() as u64;
        let has_next_page = visible.len() > page.first;
        let items = visible
            .into_iter()
            .take(page.first)
            .map(|m| {
                (
                    m.idx.to_string(),
                    AuditEntryView {
                        index: m.idx,
                        event_id: m.event_id,
                        event_type: m.event_type,
                        aggregate_id: m.aggregate_id,
                        org_path: m.org_path,
                        actor: m.actor,
                        correlation_id: m.correlation_id,
                        occurred_at: m.occurred_at,
                        leaf_hash: m.leaf_hash,
                    },
                )
            })
            .collect();
        Ok(Page {
            items,
            has_next_page,
            has_previous_page: page.after.is_some(),
            total_count,
        })
    }

    async fn ready(&self) -> Result<(), ApiError> {
        self.db
            .execute_unprepared("SELECT 1")
            .await
            .map(|_| ())
            .map_err(internal)
    }
}
