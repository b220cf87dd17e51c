//! One trace id per GraphQL request, carried to the services (in process or over
//! HTTP), into the events' correlation id, through Kafka headers and into every
//! consumer's span and the events it causes.

use std::future::Future;
use uuid::Uuid;

/// HTTP header carrying the trace id, from clients to the gateway and from the gateway to services.
pub const HEADER: &str = "x-duban-trace-id";

tokio::task_local! {
    static TRACE_ID: Uuid;
}

/// The trace id of the request being served, if any.
pub fn current() -> Option<Uuid> {
    TRACE_ID.try_with(|t| *t).ok()
}

/// Runs `f` with `id` as the current trace id.
pub async fn scope<F: Future>(id: Uuid, f: F) -> F::Output {
    TRACE_ID.scope(id, f).await
}

/// Reads a trace id sent by a caller, if it is one.
pub fn parse(header: Option<&str>) -> Option<Uuid> {
    header.and_then(|h| Uuid::parse_str(h.trim()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_trace_id_is_visible_inside_its_scope_only() {
        let id = Uuid::now_v7();
        assert_eq!(current(), None);
        assert_eq!(scope(id, async { current() }).await, Some(id));
        assert_eq!(parse(Some(&id.to_string())), Some(id));
        assert_eq!(parse(Some("nope")), None);
    }
}
