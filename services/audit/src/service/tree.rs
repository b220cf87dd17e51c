//! The tree in the database: integrating new leaves into stored subtree hashes, and
//! reading the few nodes a root or a proof needs. A start reads the frontier, not the
//! history; every replica proves from the same nodes; one integrates at a time.

use super::{audit_checkpoint, audit_leaf, b64, AuditService};
use crate::merkle::{self, Frontier, Hash, Wanted};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;

/// Complete subtrees above the leaves (the leaves' own hashes stay on their entries).
pub mod audit_node {
    use sea_orm::entity::prelude::*;

    /// One complete subtree's hash.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_node")]
    pub struct Model {
        /// Height above the leaves, from 1.
        #[sea_orm(primary_key, auto_increment = false)]
        pub level: i32,
        /// Position in its level.
        #[sea_orm(primary_key, auto_increment = false)]
        pub idx: i64,
        /// Hex hash.
        pub hash: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The one row saying how many leaves the stored nodes cover.
pub mod audit_tree {
    use sea_orm::entity::prelude::*;

    /// The integrated size.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_tree")]
    pub struct Model {
        /// Always 1.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        /// Leaves integrated.
        pub size: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Leaves integrated per transaction: bounds one integration's memory and its time.
const BATCH: u64 = 50_000;

type Fetched = HashMap<(u32, u64), Hash>;

pub(super) fn unhex(text: &str) -> Option<Hash> {
    hex::decode(text).ok()?.try_into().ok()
}

/// The integrated size as stored.
pub(super) async fn stored_size(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    Ok(audit_tree::Entity::find_by_id(1)
        .one(db)
        .await?
        .map_or(0, |t| t.size as u64))
}

/// Reads the named nodes: leaves from their entries, the rest from `audit_node`.
async fn fetch(db: &impl ConnectionTrait, wanted: BTreeSet<(u32, u64)>) -> Result<Fetched, DbErr> {
    let (leaves, inner): (Vec<_>, Vec<_>) = wanted.iter().partition(|(level, _)| *level == 0);
    let mut out = Fetched::with_capacity(wanted.len());
    for chunk in leaves.chunks(500) {
        let rows: Vec<(i64, String)> = audit_leaf::Entity::find()
            .select_only()
            .column(audit_leaf::Column::Idx)
            .column(audit_leaf::Column::LeafHash)
            .filter(audit_leaf::Column::Idx.is_in(chunk.iter().map(|(_, i)| *i as i64)))
            .into_tuple()
            .all(db)
            .await?;
        for (idx, hash) in rows {
            out.insert((0, idx as u64), unhex(&hash).unwrap_or_default());
        }
    }
    for chunk in inner.chunks(200) {
        let any = chunk.iter().fold(Condition::any(), |c, (level, idx)| {
            c.add(
                audit_node::Column::Level
                    .eq(*level as i32)
                    .and(audit_node::Column::Idx.eq(*idx as i64)),
            )
        });
        for n in audit_node::Entity::find().filter(any).all(db).await? {
            out.insert(
                (n.level as u32, n.idx as u64),
                unhex(&n.hash).unwrap_or_default(),
            );
        }
    }
    if out.len() != wanted.len() {
        let missing = wanted.iter().find(|k| !out.contains_key(k));
        return Err(DbErr::Custom(format!(
            "audit tree node {missing:?} is not stored"
        )));
    }
    Ok(out)
}

impl AuditService {
    /// Computes with exactly the nodes `compute` reads, fetched in one pass beforehand.
    async fn with_nodes<T>(&self, compute: impl Fn(&dyn merkle::Nodes) -> T) -> Result<T, DbErr> {
        let wanted = Wanted::default();
        compute(&wanted);
        let fetched = fetch(&self.db, wanted.into_set()).await?;
        Ok(compute(&fetched))
    }

    /// The root of the first `size` integrated leaves.
    pub(super) async fn root_at(&self, size: u64) -> Result<Hash, DbErr> {
        let alg = self.suite().hash();
        self.with_nodes(|n| merkle::root_of(n, alg, size)).await
    }

    /// Inclusion proofs of `indexes` (each below `size`) in the tree of `size`.
    pub(super) async fn inclusion_proofs(
        &self,
        indexes: &[u64],
        size: u64,
    ) -> Result<Vec<Vec<Hash>>, DbErr> {
        let alg = self.suite().hash();
        self.with_nodes(|n| {
            indexes
                .iter()
                .map(|&i| merkle::inclusion_of(n, alg, i, size))
                .collect()
        })
        .await
    }

    /// The consistency proof from `from` to `to` integrated leaves.
    pub(super) async fn consistency(&self, from: u64, to: u64) -> Result<Vec<Hash>, DbErr> {
        let alg = self.suite().hash();
        self.with_nodes(|n| merkle::consistency_of(n, alg, from, to))
            .await
    }

    /// Adds newly appended leaves to the stored tree and signs a checkpoint when it grew.
    /// Returns the tree size. One integrator at a time across replicas (the size row is
    /// locked); business transactions never wait on it.
    pub async fn integrate(&self) -> Result<u64, DbErr> {
        let _one = self.log.integrating.lock().await;
        let txn = self.db.begin().await?;
        let from = audit_tree::Entity::find_by_id(1)
            .lock_exclusive()
            .one(&txn)
            .await?
            .map_or(0, |t| t.size as u64);
        let rows: Vec<(i64, String)> = audit_leaf::Entity::find()
            .select_only()
            .column(audit_leaf::Column::Idx)
            .column(audit_leaf::Column::LeafHash)
            .filter(audit_leaf::Column::Idx.gte(from as i64))
            .order_by_asc(audit_leaf::Column::Idx)
            .limit(BATCH)
            .into_tuple()
            .all(&txn)
            .await?;
        if rows.first().is_none_or(|(idx, _)| *idx as u64 != from) {
            txn.rollback().await?;
            self.log.size.store(from, Ordering::Release);
            return Ok(from);
        }
        let edge = fetch(&txn, Frontier::nodes_of(from).into_iter().collect()).await?;
        let mut frontier = Frontier::new(self.suite().hash(), from, &edge);
        let mut nodes = Vec::with_capacity(rows.len());
        for (idx, hash) in rows {
            // A gap or an unreadable hash stops integration there; `verify_store` names it.
            let Some(h) = unhex(&hash).filter(|_| idx as u64 == frontier.size()) else {
                break;
            };
            nodes.extend(frontier.push(h));
        }
        for chunk in nodes.chunks(5_000) {
            audit_node::Entity::insert_many(chunk.iter().map(|(level, idx, h)| {
                audit_node::ActiveModel {
                    level: Set(*level as i32),
                    idx: Set(*idx as i64),
                    hash: Set(hex::encode(h)),
                }
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        let size = frontier.size();
        audit_tree::Entity::update_many()
            .col_expr(audit_tree::Column::Size, (size as i64).into())
            .filter(audit_tree::Column::Id.eq(1))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.log.size.store(size, Ordering::Release);
        self.sign(size, frontier.root()).await?;
        Ok(size)
    }

    /// The stored checkpoint of `size`, signing it now when there is none.
    pub(super) async fn sign_at(&self, size: u64) -> Result<audit_checkpoint::Model, DbErr> {
        if let Some(m) = audit_checkpoint::Entity::find_by_id(size as i64)
            .one(&self.db)
            .await?
        {
            return Ok(m);
        }
        let root = self.root_at(size).await?;
        self.sign(size, root).await
    }

    /// Signs and stores the head (`size`, `root`) unless a replica stored it first; the
    /// stored one is returned either way.
    async fn sign(&self, size: u64, root: Hash) -> Result<audit_checkpoint::Model, DbErr> {
        let m = audit_checkpoint::Model {
            size: size as i64,
            root_hash: b64(&root),
            note: self.log.signer.sign(size, root),
            created_at: self.clock.now(),
        };
        let stored = duban_outbox::db::insert_new(
            &self.db,
            [m.clone().into_active_model()],
            [audit_checkpoint::Column::Size],
        )
        .await?;
        if stored == 1 {
            return Ok(m);
        }
        Ok(audit_checkpoint::Entity::find_by_id(size as i64)
            .one(&self.db)
            .await?
            .unwrap_or(m))
    }

    /// The first stored subtree (lowest level first) that differs from `tree`, rebuilt
    /// from the entries: the range of entries under it.
    pub(super) async fn first_stored_difference(
        &self,
        tree: &merkle::Tree,
    ) -> Result<Option<(u64, u64)>, DbErr> {
        use sea_orm::PaginatorTrait;
        let mut pages = audit_node::Entity::find()
            .order_by_asc(audit_node::Column::Level)
            .order_by_asc(audit_node::Column::Idx)
            .paginate(&self.db, 5_000);
        while let Some(nodes) = pages.fetch_and_next().await? {
            for n in nodes {
                let (level, idx) = (n.level as u32, n.idx as u64);
                let Some(rebuilt) = tree.node_at(level, idx) else {
                    continue;
                };
                if Some(rebuilt) != unhex(&n.hash) {
                    return Ok(Some((idx << level, ((idx + 1) << level) - 1)));
                }
            }
        }
        Ok(None)
    }
}
