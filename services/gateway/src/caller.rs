//! Who is asking, through which services, and what a page costs: what every resolver
//! starts from.

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

/// Default page size when `first` is not given.
pub(crate) const DEFAULT_PAGE: usize = 20;

/// The cost of a page of `first` items (the default page when unset) of `child` each.
pub(crate) fn page_cost(first: Option<i32>, child: usize) -> usize {
    let n = first.map_or(DEFAULT_PAGE, |n| n.max(1) as usize);
    n.saturating_mul(child).saturating_add(1)
}
