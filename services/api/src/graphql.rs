//! The GraphQL face of the contracts, which the gateway serves: the scalars and conversions
//! of `duban_schema::graphql`, which the views' `derive(SimpleObject)` names as `gql::`.

pub use duban_schema::graphql::*;
