//! The audit service: appends every event of every topic, in a canonical
//! serialisation, as a leaf of an append-only log hashed as RFC 6962 specifies,
//! so a discipline commission can later prove nothing was altered.

pub mod bundle;
pub mod checkpoint;
pub mod leaf;
pub mod merkle;
pub mod migration;
mod service;

pub use service::{AuditService, AuditSettings, TamperError, CHECKPOINT_PACE};

/// Consumer-group and service name.
pub const SERVICE: &str = "audit";
