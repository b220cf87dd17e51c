//! sea-orm entities of the assignments database.

pub mod assignment;
pub mod calendar_override;
pub mod campaign;
pub mod credential;
pub mod deadline_change;
pub mod deadline_schedule;
pub mod duty_rule;
pub mod idempotency_key;
pub mod org_unit;
pub mod person;
pub mod problem;
pub mod problem_log;
pub mod progress_report;
pub mod sign_in_session;
pub mod transfer;
