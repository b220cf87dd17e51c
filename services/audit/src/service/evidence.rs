//! Bundles: the entries of a scope, or the evidence sealed at a referral, each with its
//! inclusion proof against a signed checkpoint.

use super::{audit_leaf, b64, internal, require_discipline, AuditService};
use duban_api::ApiError;
use duban_auth::Actor;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

impl AuditService {
    /// The bundle of `rows` proven at `size` against the checkpoint `note`.
    pub(super) async fn bundle(
        &self,
        scope_path: &str,
        from: Option<chrono::DateTime<chrono::FixedOffset>>,
        to: Option<chrono::DateTime<chrono::FixedOffset>>,
        size: u64,
        note: String,
        rows: Vec<audit_leaf::Model>,
    ) -> Result<crate::bundle::Bundle, sea_orm::DbErr> {
        let indexes: Vec<u64> = rows.iter().map(|r| r.idx as u64).collect();
        let proofs = self.inclusion_proofs(&indexes, size).await?;
        let entries = rows
            .into_iter()
            .zip(proofs)
            .map(|(r, proof)| crate::bundle::Entry {
                index: r.idx as u64,
                event: r.canonical,
                proof: proof.iter().map(|h| b64(h)).collect(),
            })
            .collect();
        Ok(crate::bundle::Bundle {
            format: crate::bundle::FORMAT.to_string(),
            scope: scope_path.to_string(),
            from,
            to,
            suite: self.suite().name().to_string(),
            verifier_key: self.verifier_key_text(),
            checkpoint: note,
            tree_size: size,
            entries,
        })
    }

    /// The evidence sealed at a referral: every event of its items up to its own
    /// ClueReferred event, and that event, proven at the size just after it.
    pub async fn evidence(
        &self,
        actor: &Actor,
        referral_id: &str,
    ) -> Result<(crate::bundle::Bundle, Vec<audit_leaf::Model>), ApiError> {
        require_discipline(actor)?;
        let referred = audit_leaf::Entity::find()
            .filter(audit_leaf::Column::AggregateId.eq(format!("referral:{referral_id}")))
            .filter(audit_leaf::Column::EventType.eq("ClueReferred"))
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.org_path))
            .ok_or_else(|| ApiError::not_found("线索移送记录", referral_id))?;
        let value: serde_json::Value =
            serde_json::from_str(&referred.canonical).map_err(internal)?;
        let items: Vec<String> = value["data"]["item_ids"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let current = self.integrate().await.map_err(internal)?;
        let size = referred.idx as u64 + 1;
        if size > current {
            return Err(ApiError::Internal(
                "the referral is not in the tree yet".into(),
            ));
        }
        let cp = self.sign_at(size).await.map_err(internal)?;
        let rows = audit_leaf::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(audit_leaf::Column::AggregateId.is_in(items))
                    .add(audit_leaf::Column::Idx.eq(referred.idx)),
            )
            .filter(audit_leaf::Column::Idx.lt(size as i64))
            .order_by_asc(audit_leaf::Column::Idx)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let bundle = self
            .bundle(&referred.org_path, None, None, size, cp.note, rows.clone())
            .await
            .map_err(internal)?;
        Ok((bundle, rows))
    }
}
