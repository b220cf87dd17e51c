//! The export bundle a discipline commission checks offline: a scope's events over a
//! period, each with its inclusion proof, and the signed checkpoint they are proven
//! against. Documented in `schema/audit-bundle.md`.

use crate::checkpoint::{self, Suite};
use crate::leaf::canonical;
use crate::merkle;
use base64::Engine as _;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Format tag of version 1.
pub const FORMAT: &str = "duban-audit-bundle/1";

/// One exported event.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Leaf index in the log.
    pub index: u64,
    /// The event envelope in canonical JSON: exactly the bytes that were hashed.
    pub event: String,
    /// Audit path to the checkpoint's root, base64 hashes.
    pub proof: Vec<String>,
}

/// An export.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Bundle {
    /// Always [`FORMAT`].
    pub format: String,
    /// Unit path exported.
    pub scope: String,
    /// Start of the period, inclusive.
    pub from: Option<DateTime<FixedOffset>>,
    /// End of the period, exclusive.
    pub to: Option<DateTime<FixedOffset>>,
    /// Cipher suite.
    pub suite: String,
    /// The log's verifier key as the exporter states it; a commission should check
    /// against its own copy.
    pub verifier_key: String,
    /// The signed checkpoint note.
    pub checkpoint: String,
    /// Its tree size.
    pub tree_size: u64,
    /// The events, by index.
    pub entries: Vec<Entry>,
}

/// What an offline check found wrong, naming the first bad entry.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not a bundle of this format.
    #[error("not a {FORMAT} bundle: {0}")]
    Format(String),
    /// The checkpoint is not signed by the key.
    #[error("the checkpoint does not verify with the key: {0}")]
    Checkpoint(String),
    /// An entry fails.
    #[error("entry {index} ({event_id}): {reason}")]
    Entry {
        /// Its index.
        index: u64,
        /// Its event id, when readable.
        event_id: String,
        /// What failed.
        reason: String,
    },
}

/// Checks a bundle with `verifier_key` (the commission's own copy; the bundle's when none).
/// Returns the number of entries checked.
pub fn verify(bundle: &Bundle, verifier_key: Option<&str>) -> Result<usize, BundleError> {
    if bundle.format != FORMAT {
        return Err(BundleError::Format(bundle.format.clone()));
    }
    let key = verifier_key.unwrap_or(&bundle.verifier_key);
    let cp = checkpoint::verify(&bundle.checkpoint, key)
        .map_err(|e| BundleError::Checkpoint(e.to_string()))?;
    if cp.size != bundle.tree_size || Suite::parse(&bundle.suite) != Some(cp.suite) {
        return Err(BundleError::Checkpoint(
            "size or suite differs from the signed note".into(),
        ));
    }
    let alg = cp.suite.hash();
    let mut last: Option<u64> = None;
    for e in &bundle.entries {
        let fail = |event_id: &str, reason: &str| BundleError::Entry {
            index: e.index,
            event_id: event_id.to_string(),
            reason: reason.to_string(),
        };
        let value: serde_json::Value =
            serde_json::from_str(&e.event).map_err(|_| fail("", "event is not JSON"))?;
        let id = value["id"].as_str().unwrap_or("").to_string();
        if canonical(&value) != e.event {
            return Err(fail(&id, "event is not in canonical form"));
        }
        if last.is_some_and(|l| e.index <= l) {
            return Err(fail(&id, "entries out of order"));
        }
        last = Some(e.index);
        let proof: Vec<Vec<u8>> = e
            .proof
            .iter()
            .map(|p| base64::engine::general_purpose::STANDARD.decode(p))
            .collect::<Result<_, _>>()
            .map_err(|_| fail(&id, "proof is not base64"))?;
        let leaf = alg.leaf(e.event.as_bytes());
        merkle::verify_inclusion(alg, e.index, cp.size, &leaf, &proof, &cp.root)
            .map_err(|err| fail(&id, &format!("not in the signed log ({err})")))?;
    }
    Ok(bundle.entries.len())
}
