//! The GraphQL gateway: authenticates each request, limits it to the caller's
//! scope and role, and calls the services through their client traits only.

mod accountability;
mod accounts;
mod assessment;
mod board;
mod bulletin;
pub mod bulletin_file;
mod caller;
mod clients;
mod color_rules;
mod conduct_review;
pub mod dashboard;
pub mod error;
pub mod graphiql;
pub mod guard;
pub mod hygiene;
mod ledger;
pub mod ledger_export;
pub mod ledger_file;
pub mod limits;
mod mutations;
mod notice_rules;
mod public;
mod pushes;
mod rating;
mod referral;
mod resolve;
mod routes;
pub mod schema;
pub mod server;
mod sign_in;
mod survey;
pub mod survey_file;
pub mod trusted;
mod types;

pub use clients::Services;
pub use routes::app_config;
pub use schema::{build_anonymous_schema, build_schema, DubanSchema};
pub use server::Gateway;
