//! Puts a span into duban's trace: the trace id is the request's id (the events'
//! correlation id), so the gateway's, the services' and every consumer's spans share
//! one OpenTelemetry trace when spans are exported over OTLP.

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

/// Makes `span` a child of trace `trace_id` (a no-op when no OpenTelemetry layer is installed).
pub fn join(span: &tracing::Span, trace_id: Uuid, parent: Option<Uuid>) {
    let bytes = trace_id.as_bytes();
    let parent = parent.unwrap_or(trace_id);
    let p = parent.as_bytes();
    let span_id = SpanId::from_bytes([p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]]);
    let cx = SpanContext::new(
        TraceId::from_bytes(*bytes),
        span_id,
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(cx));
}
