//! The GraphQL face of the contracts, which the gateway serves: the scalars and conversions
//! of `duban_schema::graphql`, here because `#[graphql_object]` names them as
//! `crate::graphql::…` in this crate's views too.

pub use duban_schema::graphql::*;
