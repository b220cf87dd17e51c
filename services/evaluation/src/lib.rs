//! The evaluation service: keeps its own copy of every assignment and problem from events
//! and judges its three-color status (红黄蓝三色管理) by the county's rules, announcing each
//! card shown or withdrawn, and publishes the weekly bulletins (周通报) from its figures.

mod accountabilities;
pub mod accountability;
mod api;
pub mod assessment;
mod assessment_figures;
mod assessments;
pub mod bulletin;
mod bulletins;
pub mod color;
pub mod conduct;
mod conduct_facts;
mod conduct_ledger;
mod entity;
pub mod figures;
mod item;
pub mod migration;
pub mod rating;
mod ratings;
pub mod referral;
mod referrals;
pub mod review;
mod review_reminders;
mod reviews;
pub mod rulebook;
mod rules;
mod service;
pub mod survey;
mod surveys;
mod tally;
mod track;

pub use service::EvaluationService;

/// Consumer-group and service name.
pub const SERVICE: &str = "evaluation";
