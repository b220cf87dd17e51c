//! The evaluation service: keeps its own copy of every assignment from events and
//! assesses its three-color status (红黄蓝三色管理), announcing each change.

pub mod color;
mod entity;
pub mod migration;
mod service;

pub use service::EvaluationService;

/// Consumer-group and service name.
pub const SERVICE: &str = "evaluation";
