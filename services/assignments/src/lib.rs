//! The assignments service: org directory, campaigns and assignments (交办事项),
//! each command one transaction that writes the change and its outbox row together.

mod access;
mod calendar;
mod campaigns;
mod cards;
mod commands;
mod credentials;
pub mod demo;
mod directory;
mod directory_cache;
mod directory_watch;
pub mod domain;
mod duties;
pub mod entity;
mod handover;
mod idempotency;
mod identity;
mod import;
mod item_commands;
mod ledger;
pub mod ledger_export;
pub mod loadgen;
pub mod migration;
mod queries;
mod recent;
mod rectifications;
mod rows;
mod scheduler;
pub use scheduler::TICK_BATCH;
mod service;
pub mod simulation;
mod talks;
mod unit_page;
mod units;

pub use idempotency::{keyed, Keyed, Keys};
pub use service::AssignmentsService;

/// Consumer-group and service name.
pub const SERVICE: &str = "assignments";
