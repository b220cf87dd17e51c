//! The GraphQL gateway: authenticates each request, limits it to the caller's
//! scope and role, and calls the services through their client traits only.

pub mod error;
pub mod graphiql;
pub mod guard;
pub mod hygiene;
mod ledger;
pub mod ledger_file;
pub mod limits;
pub mod schema;
pub mod server;
mod types;

pub use schema::{build_anonymous_schema, build_schema, DubanSchema};
pub use server::{app_config, Gateway, Services};
