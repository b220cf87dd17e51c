//! The notifications service: turns assignment events into notices in the right
//! person's inbox (督办通知, 签收回执, 进度报送…) and pushes them to live subscribers.

pub mod compose;
mod directory;
mod escalate;
pub mod migration;
pub(crate) mod service;

pub use service::NotificationsService;

/// Consumer-group and service name.
pub const SERVICE: &str = "notifications";
