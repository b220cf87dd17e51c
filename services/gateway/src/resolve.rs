//! What every resolver uses: the caller, the services, the page asked for and its cost,
//! and whether the query selects a group of fields.

use crate::clients::Services;
use crate::error::ApiResultExt;
use crate::types::*;
use async_graphql::{Context, Lookahead};
use duban_api::{ApiError, PageRequest};

/// Largest page any list serves.
#[derive(Clone, Copy)]
pub struct MaxPageSize(pub usize);

pub(crate) use crate::caller::{actor, page_cost, services, DEFAULT_PAGE};

pub(crate) fn page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let max = ctx.data::<MaxPageSize>().map(|m| m.0).unwrap_or(100);
    let first = match first {
        None => DEFAULT_PAGE.min(max),
        Some(n) if n < 0 || n as usize > max => {
            return Err(ApiError::validation(
                "first",
                format!("每页条数须在0到{max}之间"),
            ))
            .gql()
        }
        Some(n) => n as usize,
    };
    let look = ctx.look_ahead();
    let count = look.field("totalCount").exists();
    let (node, nodes) = (look.field("edges").field("node"), look.field("nodes"));
    let details = selects(&[node, nodes], &HISTORY);
    Ok(PageRequest {
        first,
        after,
        count,
        details,
    })
}

/// An item's fields that evaluation answers.
pub(crate) const COLOR: [&str; 3] = ["color", "colorReason", "colorRule"];
/// An item's history: read only when asked for.
pub(crate) const HISTORY: [&str; 3] = ["progressReports", "deadlineChanges", "transfers"];

/// Whether the query selects any of `fields` under any of `at`.
pub(crate) fn selects(at: &[Lookahead<'_>], fields: &[&str]) -> bool {
    at.iter()
        .any(|l| fields.iter().any(|f| l.field(f).exists()))
}

pub(crate) fn version(v: i32) -> i64 {
    i64::from(v)
}

/// The payload of an assignment mutation: the changed item, with its color when asked.
pub(crate) async fn payload(
    ctx: &Context<'_>,
    s: &Services,
    v: duban_api::AssignmentView,
) -> async_graphql::Result<AssignmentPayload> {
    let item = ctx.look_ahead().field("assignment");
    let wants = selects(std::slice::from_ref(&item), &COLOR);
    answer(ctx, s, v, wants).await
}

/// The payload of issueAssignment: a new item has no color yet (evaluation assesses it
/// from the event that the command just wrote), so evaluation is not asked.
pub(crate) async fn issued_payload(
    ctx: &Context<'_>,
    s: &Services,
    v: duban_api::AssignmentView,
) -> async_graphql::Result<AssignmentPayload> {
    answer(ctx, s, v, false).await
}

async fn answer(
    ctx: &Context<'_>,
    s: &Services,
    v: duban_api::AssignmentView,
    wants: bool,
) -> async_graphql::Result<AssignmentPayload> {
    let item = ctx.look_ahead().field("assignment");
    let v = if selects(std::slice::from_ref(&item), &HISTORY) {
        // Commands answer without the item's history; read it when the client asks.
        // After a transfer the caller may no longer see the item: answer as the command did.
        // The command has committed by then, so no error of this read fails the request.
        match s
            .assignments
            .assignment(actor(ctx)?, &v.assignment.id)
            .await
        {
            Ok(read) => read,
            Err(ApiError::NotFound { .. } | ApiError::Forbidden(_)) => v,
            Err(e) => {
                tracing::warn!(id = %v.assignment.id, error = %e, "re-reading an item after a command failed; answered without its history");
                v
            }
        }
    } else {
        v
    };
    // Likewise the color: evaluation being away does not turn a done command into an error.
    let color = if wants {
        match s
            .evaluation
            .colors(std::slice::from_ref(&v.assignment.id))
            .await
        {
            Ok(mut colors) => colors.remove(&v.assignment.id),
            Err(e) => {
                tracing::warn!(id = %v.assignment.id, error = %e, "no color after a command; answered without it");
                None
            }
        }
    } else {
        None
    };
    Ok(AssignmentPayload {
        assignment: Assignment::new(v, color),
    })
}

/// The item with its color from evaluation, looked up only when `wanted`.
pub(crate) async fn with_color(
    s: &Services,
    v: duban_api::AssignmentView,
    wanted: bool,
) -> async_graphql::Result<Assignment> {
    if !wanted {
        return Ok(Assignment::new(v, None));
    }
    let mut colors = s
        .evaluation
        .colors(std::slice::from_ref(&v.assignment.id))
        .await
        .gql()?;
    let c = colors.remove(&v.assignment.id);
    Ok(Assignment::new(v, c))
}
