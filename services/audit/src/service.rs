//! Audit's event handler and queries.

mod evidence;
mod tree;

use crate::checkpoint::{self, Signer, Suite};
use crate::leaf::canonical;
use crate::merkle::Tree;
use async_trait::async_trait;
use base64::Engine as _;
use duban_api::{ApiError, AuditApi, AuditEntryView, AuditFilter, Page, PageRequest};
use duban_api::{CheckpointView, ConsistencyProofView, InclusionProofView};
use duban_auth::{Actor, Role};
use duban_clock::SharedClock;
use duban_outbox::{AfterCommit, Handler, HandlerError};
use duban_schema::RawEnvelope;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify};

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

/// The checkpoint table: every signed tree head, kept.
pub mod audit_checkpoint {
    use sea_orm::entity::prelude::*;

    /// One signed tree head.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_checkpoint")]
    pub struct Model {
        /// Tree size.
        #[sea_orm(primary_key, auto_increment = false)]
        pub size: i64,
        /// Root hash, base64.
        pub root_hash: String,
        /// The signed note.
        #[sea_orm(column_type = "Text")]
        pub note: String,
        /// When it was signed.
        pub created_at: ChronoDateTimeWithTimeZone,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// How the log hashes and signs.
#[derive(Clone)]
pub struct AuditSettings {
    /// Cipher suite.
    pub suite: Suite,
    /// Log identity, the first line of every checkpoint, e.g. `duban/demo-county`.
    pub origin: String,
    /// 32-byte signing seed.
    pub seed: [u8; 32],
}

/// The audit service over its own database.
#[derive(Clone)]
pub struct AuditService {
    db: DatabaseConnection,
    log: Arc<Log>,
    clock: SharedClock,
}

struct Log {
    signer: Signer,
    /// Leaves integrated, as this process last saw the stored tree.
    size: AtomicU64,
    wake: Notify,
    /// Serialises integration and signing.
    integrating: Mutex<()>,
}

/// The shortest time between two signed checkpoints. Under load a checkpoint per append
/// costs four statements and a signature each time; spaced, one covers every leaf that
/// arrived meanwhile, well inside the two seconds an event may take to be covered.
pub const CHECKPOINT_PACE: std::time::Duration = std::time::Duration::from_millis(50);

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "audit: internal error");
    ApiError::Internal(e.to_string())
}

/// A stored entry that does not match the log.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TamperError {
    /// An entry is missing (a gap in the indexes).
    #[error("entry {index} is missing")]
    Missing {
        /// The first missing index.
        index: u64,
    },
    /// An entry's content does not hash to its leaf, or the tree does not match a signed head.
    #[error("entry {index} ({event_id}) was altered: {reason}")]
    Altered {
        /// The first bad index.
        index: u64,
        /// Its event id.
        event_id: String,
        /// What does not match.
        reason: String,
    },
    /// The tree rebuilt from the stored entries does not match a signed checkpoint.
    #[error("the stored log does not match the signed checkpoint of size {size}")]
    Rewritten {
        /// The checkpoint's size.
        size: u64,
    },
    /// The database could not be read.
    #[error("database: {0}")]
    Db(String),
}

fn b64(h: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(h)
}

fn checkpoint_view(m: audit_checkpoint::Model, suite: Suite) -> CheckpointView {
    CheckpointView {
        size: m.size as u64,
        root_hash: m.root_hash,
        suite: suite.name().to_string(),
        note: m.note,
        created_at: m.created_at,
    }
}

impl AuditService {
    /// Opens the log on its stored tree: reads how far it is integrated, nothing else,
    /// so a start takes the same time whatever the history.
    pub async fn open(
        db: DatabaseConnection,
        settings: AuditSettings,
        clock: SharedClock,
    ) -> Result<Self, TamperError> {
        let signer = Signer::new(&settings.origin, settings.suite, &settings.seed)
            .map_err(|e| TamperError::Db(e.to_string()))?;
        let size = tree::stored_size(&db)
            .await
            .map_err(|e| TamperError::Db(e.to_string()))?;
        Ok(Self {
            db,
            log: Arc::new(Log {
                signer,
                size: AtomicU64::new(size),
                wake: Notify::new(),
                integrating: Mutex::new(()),
            }),
            clock,
        })
    }

    /// The service's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The log's cipher suite.
    pub fn suite(&self) -> Suite {
        self.log.signer.suite()
    }

    /// Leaves integrated into the tree, as this process last saw it.
    pub fn tree_size(&self) -> u64 {
        self.log.size.load(Ordering::Acquire)
    }

    /// Integrates as leaves arrive (woken by each append) until `stop`, signing at most
    /// one checkpoint per [`CHECKPOINT_PACE`].
    pub async fn run_integrator(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut size = self.tree_size();
        loop {
            match self.integrate().await {
                Ok(now) if now > size => {
                    size = now;
                    // Leaves arriving meanwhile share the next checkpoint.
                    if duban_outbox::stopped_during(&mut stop, CHECKPOINT_PACE).await {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "audit integration failed"),
            }
            tokio::select! {
                _ = self.log.wake.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// The verifier key of the log's checkpoints.
    pub fn verifier_key_text(&self) -> String {
        self.log.signer.verifier_key()
    }

    /// Re-reads every stored entry, recomputes its leaf from its content and the tree
    /// from the leaves, and checks it against every signed checkpoint; names the first
    /// entry that is missing, altered or out of order.
    pub async fn verify_store(&self) -> Result<u64, TamperError> {
        let db_err = |e: sea_orm::DbErr| TamperError::Db(e.to_string());
        let alg = self.suite().hash();
        let mut tree = Tree::new(alg);
        let mut pages = audit_leaf::Entity::find()
            .order_by_asc(audit_leaf::Column::Idx)
            .paginate(&self.db, 5_000);
        while let Some(rows) = pages.fetch_and_next().await.map_err(db_err)? {
            for r in rows {
                let index = tree.size();
                if r.idx as u64 != index {
                    return Err(TamperError::Missing { index });
                }
                let altered = |reason: &str| TamperError::Altered {
                    index,
                    event_id: r.event_id.clone(),
                    reason: reason.to_string(),
                };
                let value: serde_json::Value = serde_json::from_str(&r.canonical)
                    .map_err(|_| altered("content is not JSON"))?;
                if canonical(&value) != r.canonical {
                    return Err(altered("content is not in canonical form"));
                }
                let content: RawEnvelope = serde_json::from_value(value)
                    .map_err(|_| altered("content is not an event envelope"))?;
                if let Some(column) = column_differing(&r, &content) {
                    return Err(altered(&format!(
                        "the {column} column differs from the content"
                    )));
                }
                let leaf = alg.leaf(r.canonical.as_bytes());
                if hex::encode(leaf) != r.leaf_hash {
                    return Err(altered("content does not hash to the stored leaf"));
                }
                tree.push(leaf);
            }
        }
        // The subtrees integrated before any later change to the entries.
        if let Some((first, last)) = self.first_stored_difference(&tree).await.map_err(db_err)? {
            return Err(TamperError::Altered {
                index: first,
                event_id: String::new(),
                reason: format!(
                    "an entry in {first}–{last} differs from the tree this log integrated"
                ),
            });
        }
        let checkpoints = audit_checkpoint::Entity::find()
            .order_by_asc(audit_checkpoint::Column::Size)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let key = self.verifier_key_text();
        let mut good = 0;
        for c in checkpoints {
            let cp = checkpoint::verify(&c.note, &key).map_err(|_| TamperError::Rewritten {
                size: c.size as u64,
            })?;
            match tree.root(cp.size) {
                Some(root) if root == cp.root => good = cp.size,
                // The first changed entry lies after the last head that still matches.
                Some(_) => {
                    return Err(TamperError::Altered {
                        index: good,
                        event_id: String::new(),
                        reason: format!(
                            "an entry in {good}–{} differs from the signed tree of size {}",
                            cp.size - 1,
                            cp.size
                        ),
                    })
                }
                None => return Err(TamperError::Missing { index: tree.size() }),
            }
        }
        Ok(tree.size())
    }

    /// Everything an offline check of `scope` in [from, to) needs: the entries, their
    /// inclusion proofs and the signed checkpoint they are proven against.
    pub async fn export(
        &self,
        scope_path: &str,
        from: Option<chrono::DateTime<chrono::FixedOffset>>,
        to: Option<chrono::DateTime<chrono::FixedOffset>>,
    ) -> Result<crate::bundle::Bundle, ApiError> {
        self.integrate().await.map_err(internal)?;
        let size = self.tree_size();
        let cp = self.sign_at(size).await.map_err(internal)?;
        let mut q = audit_leaf::Entity::find().filter(audit_leaf::Column::Idx.lt(size as i64));
        if let Some(f) = from {
            q = q.filter(audit_leaf::Column::OccurredAt.gte(f));
        }
        if let Some(t) = to {
            q = q.filter(audit_leaf::Column::OccurredAt.lt(t));
        }
        let rows = q
            .order_by_asc(audit_leaf::Column::Idx)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let rows = rows
            .into_iter()
            .filter(|r| duban_auth::in_subtree(&r.org_path, scope_path))
            .collect();
        self.bundle(scope_path, from, to, size, cp.note, rows)
            .await
            .map_err(internal)
    }
}

fn require_discipline(actor: &Actor) -> Result<(), ApiError> {
    if actor.has_any(&[Role::Discipline, Role::Admin]) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "只有纪检监察人员可以查阅审计日志".into(),
        ))
    }
}

#[async_trait]
impl Handler for AuditService {
    async fn handle_all(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        self.append(txn, events).await
    }
}

impl AuditService {
    /// Appends events to the log in order, after its last entry, in one statement.
    async fn append(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        // Replicas consuming different partitions append one after another.
        duban_outbox::db::take_turns(txn, "duban-audit-append").await?;
        let last = audit_leaf::Entity::find()
            .select_only()
            .column_as(audit_leaf::Column::Idx.max(), "m")
            .into_tuple::<Option<i64>>()
            .one(txn)
            .await?
            .flatten();
        let mut leaves = Vec::new();
        for (idx, (event, span)) in (last.map_or(0, |i| i + 1)..).zip(events) {
            let _entered = span.enter();
            let value =
                serde_json::to_value(event).map_err(|e| HandlerError::Malformed(e.to_string()))?;
            let bytes = canonical(&value);
            leaves.push(audit_leaf::ActiveModel {
                idx: Set(idx),
                event_id: Set(event.meta.id.to_string()),
                topic: Set(topic_of(&event.event_type).to_string()),
                event_type: Set(event.event_type.clone()),
                aggregate_id: Set(event.meta.aggregate_id.clone()),
                org_path: Set(event.meta.org_path.clone()),
                actor: Set(event.meta.actor.clone()),
                correlation_id: Set(event.meta.correlation_id.to_string()),
                occurred_at: Set(event.meta.occurred_at),
                leaf_hash: Set(hex::encode(self.suite().hash().leaf(bytes.as_bytes()))),
                canonical: Set(bytes),
            });
        }
        if leaves.is_empty() {
            return Ok(vec![]);
        }
        audit_leaf::Entity::insert_many(leaves)
            .exec_without_returning(txn)
            .await?;
        let log = self.log.clone();
        Ok(vec![Box::new(move || log.wake.notify_one())])
    }
}

/// The first indexed column of a stored entry that differs from its hashed content, or
/// none: every column the API returns or filters on is a copy of the content.
fn column_differing(row: &audit_leaf::Model, content: &RawEnvelope) -> Option<&'static str> {
    let m = &content.meta;
    [
        ("event_id", row.event_id == m.id.to_string()),
        ("topic", row.topic == topic_of(&content.event_type)),
        ("event_type", row.event_type == content.event_type),
        ("aggregate_id", row.aggregate_id == m.aggregate_id),
        ("org_path", row.org_path == m.org_path),
        ("actor", row.actor == m.actor),
        (
            "correlation_id",
            row.correlation_id == m.correlation_id.to_string(),
        ),
        ("occurred_at", row.occurred_at == m.occurred_at),
    ]
    .into_iter()
    .find(|(_, same)| !same)
    .map(|(column, _)| column)
}

/// The topic of an event type, as its producer's schema says; "unknown" for a type this
/// version has never heard of (a newer producer's).
fn topic_of(event_type: &str) -> &'static str {
    duban_schema::topics::of_event(event_type).unwrap_or("unknown")
}

#[async_trait]
impl AuditApi for AuditService {
    async fn entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntryView>, ApiError> {
        require_discipline(actor)?;
        let mut q = audit_leaf::Entity::find();
        if let Some(a) = &filter.actor {
            q = q.filter(audit_leaf::Column::Actor.eq(a.clone()));
        }
        if let Some(f) = filter.from {
            q = q.filter(audit_leaf::Column::OccurredAt.gte(f));
        }
        if let Some(t) = filter.to {
            q = q.filter(audit_leaf::Column::OccurredAt.lt(t));
        }
        let scope = filter
            .scope_path
            .clone()
            .unwrap_or_else(|| actor.scope.clone());
        ApiError::forbidden_unless(actor.can_see(&scope), "所查范围不在您的权限范围内")?;
        if let Some(agg) = &filter.aggregate_id {
            q = q.filter(audit_leaf::Column::AggregateId.eq(agg.clone()));
        }
        if let Some(c) = &filter.correlation_id {
            q = q.filter(audit_leaf::Column::CorrelationId.eq(c.clone()));
        }
        // `scope` lies within the actor's scope, so one subtree condition covers both.
        q = q.filter(duban_outbox::db::in_subtree(
            audit_leaf::Column::OrgPath,
            &scope,
        ));
        let total_count = q.clone().count(&self.db).await.map_err(internal)?;
        if let Some(after) = &page.after {
            let idx: i64 = after
                .parse()
                .map_err(|_| ApiError::validation("after", "分页游标无效"))?;
            q = q.filter(audit_leaf::Column::Idx.gt(idx));
        }
        let q = q.order_by_asc(audit_leaf::Column::Idx);
        let (rows, has_next_page) = duban_outbox::page::read(q, &self.db, page.first)
            .await
            .map_err(internal)?;
        // What the API shows is read from the hashed content, never from the copies in
        // the indexed columns; a row whose copies differ is reported, not trusted.
        let mut items = Vec::with_capacity(rows.len());
        for m in rows {
            let content: RawEnvelope = serde_json::from_str(&m.canonical).map_err(|e| {
                tracing::error!(index = m.idx, error = %e, "audit entry content is not an envelope");
                ApiError::Internal(format!("audit entry {} unreadable", m.idx))
            })?;
            if let Some(column) = column_differing(&m, &content) {
                tracing::error!(
                    index = m.idx,
                    column,
                    "audit entry column differs from its hashed content: run duban audit check"
                );
            }
            let meta = content.meta;
            items.push((
                m.idx.to_string(),
                AuditEntryView {
                    index: m.idx,
                    event_id: meta.id.to_string(),
                    event_type: content.event_type,
                    aggregate_id: meta.aggregate_id,
                    org_path: meta.org_path,
                    actor: meta.actor,
                    correlation_id: meta.correlation_id.to_string(),
                    occurred_at: meta.occurred_at,
                    leaf_hash: m.leaf_hash,
                    data: content.data.to_string(),
                },
            ));
        }
        Ok(Page {
            items,
            has_next_page,
            has_previous_page: page.after.is_some(),
            total_count,
        })
    }

    async fn checkpoint(&self, actor: &Actor) -> Result<CheckpointView, ApiError> {
        require_discipline(actor)?;
        let size = self.integrate().await.map_err(internal)?;
        let m = self.sign_at(size).await.map_err(internal)?;
        Ok(checkpoint_view(m, self.suite()))
    }

    async fn inclusion_proof(
        &self,
        actor: &Actor,
        event_id: &str,
        tree_size: Option<u64>,
    ) -> Result<InclusionProofView, ApiError> {
        require_discipline(actor)?;
        let leaf = audit_leaf::Entity::find()
            .filter(audit_leaf::Column::EventId.eq(event_id))
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.org_path))
            .ok_or_else(|| ApiError::not_found("审计记录", event_id))?;
        let current = self.integrate().await.map_err(internal)?;
        let size = tree_size.unwrap_or(current);
        let index = leaf.idx as u64;
        if size > current || index >= size {
            return Err(ApiError::validation(
                "treeSize",
                format!("树大小须大于该记录的序号 {index} 且不超过当前大小 {current}"),
            ));
        }
        let leaf_hash =
            tree::unhex(&leaf.leaf_hash).ok_or_else(|| ApiError::Internal("leaf hash".into()))?;
        let hashes = self
            .inclusion_proofs(&[index], size)
            .await
            .map_err(internal)?
            .concat()
            .iter()
            .map(|h| b64(h))
            .collect();
        let cp = self.sign_at(size).await.map_err(internal)?;
        Ok(InclusionProofView {
            event_id: event_id.to_string(),
            leaf_index: index,
            tree_size: size,
            leaf_hash: b64(&leaf_hash),
            hashes,
            checkpoint: checkpoint_view(cp, self.suite()),
        })
    }

    async fn consistency_proof(
        &self,
        actor: &Actor,
        from_size: u64,
        to_size: Option<u64>,
    ) -> Result<ConsistencyProofView, ApiError> {
        require_discipline(actor)?;
        let current = self.integrate().await.map_err(internal)?;
        let to = to_size.unwrap_or(current);
        if from_size == 0 || from_size > to || to > current {
            return Err(ApiError::validation(
                "fromSize",
                format!("须满足 0 < fromSize ≤ toSize ≤ 当前大小 {current}"),
            ));
        }
        let hashes = self
            .consistency(from_size, to)
            .await
            .map_err(internal)?
            .iter()
            .map(|h| b64(h))
            .collect();
        let cp = self.sign_at(to).await.map_err(internal)?;
        Ok(ConsistencyProofView {
            from_size,
            to_size: to,
            hashes,
            checkpoint: checkpoint_view(cp, self.suite()),
        })
    }

    async fn verifier_key(&self) -> Result<String, ApiError> {
        Ok(self.verifier_key_text())
    }

    async fn referral_evidence(
        &self,
        actor: &Actor,
        referral_id: &str,
    ) -> Result<duban_api::ReferralEvidenceView, ApiError> {
        let (bundle, rows) = self.evidence(actor, referral_id).await?;
        Ok(duban_api::ReferralEvidenceView {
            tree_size: bundle.tree_size,
            bundle: serde_json::to_string(&bundle).map_err(internal)?,
            entries: rows
                .into_iter()
                .map(|r| duban_api::EvidenceEntryView {
                    index: r.idx as u64,
                    event_type: r.event_type,
                    aggregate_id: r.aggregate_id,
                    occurred_at: r.occurred_at,
                    actor: r.actor,
                })
                .collect(),
        })
    }

    async fn ready(&self) -> Result<(), ApiError> {
        duban_outbox::db::ping(&self.db).await.map_err(internal)
    }
}
