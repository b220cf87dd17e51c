//! The client's `Idempotency-Key` of the mutation being served, carried like the trace id:
//! from the gateway to the services, in process or over HTTP.

use crate::ApiError;
use std::future::Future;

/// The client's header on `POST /graphql`.
pub const HEADER: &str = "idempotency-key";

/// The header carrying it from the gateway to a service.
pub const INTERNAL_HEADER: &str = "x-duban-idempotency-key";

/// How long a key's first answer is kept.
pub const KEPT_HOURS: i64 = 24;

tokio::task_local! {
    static KEY: String;
}

/// The key of the request being served, if the client sent one.
pub fn current() -> Option<String> {
    KEY.try_with(Clone::clone).ok()
}

/// Runs `f` with `key` as the current key.
pub async fn scope<F: Future>(key: String, f: F) -> F::Output {
    KEY.scope(key, f).await
}

/// A key is 1 to 255 visible ASCII characters (a UUID, say).
pub fn check(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "Idempotency-Key",
            "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符（如 UUID）",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_key_is_visible_inside_its_scope_only() {
        assert_eq!(current(), None);
        assert_eq!(
            scope("k-1".into(), async { current() }).await.as_deref(),
            Some("k-1")
        );
        assert!(check("0190a7c4-7d2e-7b8e-9c1d-1f2e3d4c5b6a").is_ok());
        for bad in ["", "有中文", "a b", &"x".repeat(256)] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
