//! Who is asking and through which services: what every resolver starts from.

use crate::clients::Services;
use crate::error::unauthenticated;
use async_graphql::Context;
use duban_api::ApiError;
use duban_auth::{Actor, AuthError};

/// The caller, or UNAUTHENTICATED.
pub(crate) fn actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    match ctx.data_opt::<Result<Actor, ApiError>>() {
        Some(Ok(a)) => Ok(a),
        Some(Err(e)) => Err(crate::error::to_graphql(e.clone())),
        None => Err(unauthenticated(&AuthError::Missing)),
    }
}

/// The services behind the gateway.
pub(crate) fn services<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Services> {
    ctx.data::<Services>()
}
