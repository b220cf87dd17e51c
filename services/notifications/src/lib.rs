//! The notifications service: turns assignment events into notices in the right
//! person's inbox (督办通知, 签收回执, 进度报送…), pushes them to live subscribers and
//! out through webhooks, group robots and e-mail, and escalates the unanswered ones.

mod campaigns;
mod channels;
pub mod compose;
mod county_rules;
mod deliver;
mod directory;
pub mod entity;
mod escalate;
pub mod migration;
pub mod push;
mod reports;
pub mod rules;
mod sender;
pub(crate) mod service;
mod settings;

pub use service::NotificationsService;

/// Consumer-group and service name.
pub const SERVICE: &str = "notifications";
