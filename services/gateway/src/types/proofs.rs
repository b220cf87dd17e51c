//! The audit log's checkpoints and proofs as GraphQL returns them.

use super::DateTime;
use async_graphql::{SimpleObject, ID};

/// A signed tree head of the audit log (C2SP checkpoint); keep the note to check later.
#[derive(SimpleObject)]
pub struct Checkpoint {
    /// Events covered.
    pub size: i32,
    /// Root hash, base64.
    pub root_hash: String,
    /// Cipher suite: `sha256-ed25519` or `sm3-sm2`.
    pub suite: String,
    /// The signed note, verbatim.
    pub note: String,
    /// When it was signed.
    pub created_at: DateTime,
}

impl From<duban_api::CheckpointView> for Checkpoint {
    fn from(c: duban_api::CheckpointView) -> Self {
        Checkpoint {
            size: c.size as i32,
            root_hash: c.root_hash,
            suite: c.suite,
            note: c.note,
            created_at: DateTime(c.created_at),
        }
    }
}

/// Proof that an event is in the log (RFC 6962 audit path).
#[derive(SimpleObject)]
pub struct InclusionProof {
    /// The event.
    pub event_id: ID,
    /// Its leaf index.
    pub leaf_index: i32,
    /// The tree size proven against.
    pub tree_size: i32,
    /// Leaf hash, base64.
    pub leaf_hash: String,
    /// Path hashes, base64, leaf to root.
    pub hashes: Vec<String>,
    /// The signed checkpoint of that size.
    pub checkpoint: Checkpoint,
}

impl From<duban_api::InclusionProofView> for InclusionProof {
    fn from(p: duban_api::InclusionProofView) -> Self {
        InclusionProof {
            event_id: ID(p.event_id),
            leaf_index: p.leaf_index as i32,
            tree_size: p.tree_size as i32,
            leaf_hash: p.leaf_hash,
            hashes: p.hashes,
            checkpoint: p.checkpoint.into(),
        }
    }
}

/// Proof that a later log extends an earlier one: nothing was rewritten.
#[derive(SimpleObject)]
pub struct ConsistencyProof {
    /// Earlier size (the commission's saved checkpoint).
    pub from_size: i32,
    /// Later size.
    pub to_size: i32,
    /// Proof hashes, base64.
    pub hashes: Vec<String>,
    /// The signed checkpoint of the later size.
    pub checkpoint: Checkpoint,
}

impl From<duban_api::ConsistencyProofView> for ConsistencyProof {
    fn from(p: duban_api::ConsistencyProofView) -> Self {
        ConsistencyProof {
            from_size: p.from_size as i32,
            to_size: p.to_size as i32,
            hashes: p.hashes,
            checkpoint: p.checkpoint.into(),
        }
    }
}

/// A count as GraphQL's Int, saturating.
pub(crate) fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
