//! Every internal call between duban processes is signed with the deployment's service
//! key: HMAC-SHA256 over the method, path, time, a one-time nonce and the body. A service
//! refuses unsigned, wrongly signed, stale (beyond [`WINDOW_SECS`]) and replayed calls.

use actix_web::http::header::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Header carrying the signing time, seconds since the epoch.
pub const TIME: &str = "x-duban-time";
/// Header carrying the one-time nonce.
pub const NONCE: &str = "x-duban-nonce";
/// Header carrying the hex HMAC.
pub const SIGNATURE: &str = "x-duban-signature";
/// How far a call's time may lie from the receiver's, either way.
pub const WINDOW_SECS: i64 = 30;

/// Why a call was refused (said to the caller in the 401 body).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header is missing or unreadable.
    #[error("内部调用缺少签名")]
    Unsigned,
    /// The time lies outside the window.
    #[error("内部调用签名已过期")]
    Stale,
    /// The MAC does not match.
    #[error("内部调用签名无效")]
    Invalid,
    /// The nonce was seen before.
    #[error("内部调用被重放")]
    Replayed,
}

/// The deployment's service key, with the nonces seen inside the window.
#[derive(Clone)]
pub struct ServiceKey {
    keyed: Hmac<Sha256>,
    seen: Arc<Mutex<HashMap<String, i64>>>,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

impl ServiceKey {
    /// A key from the configured secret.
    pub fn new(key: &[u8]) -> Self {
        let keyed = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        Self {
            keyed,
            seen: Default::default(),
        }
    }

    fn mac(&self, method: &str, path: &str, time: &str, nonce: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        for part in [
            method.as_bytes(),
            path.as_bytes(),
            time.as_bytes(),
            nonce.as_bytes(),
        ] {
            mac.update(part);
            mac.update(b"\n");
        }
        mac.update(body);
        mac
    }

    /// The three headers that sign a call made now.
    pub fn sign(&self, method: &str, path: &str, body: &[u8]) -> [(&'static str, String); 3] {
        self.sign_at(method, path, body, now_secs())
    }

    fn sign_at(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        time: i64,
    ) -> [(&'static str, String); 3] {
        let time = time.to_string();
        let nonce = uuid::Uuid::now_v7().simple().to_string();
        let mac = self.mac(method, path, &time, &nonce, body);
        [
            (TIME, time),
            (NONCE, nonce),
            (SIGNATURE, hex::encode(mac.finalize().into_bytes())),
        ]
    }

    /// Checks a received call against the receiver's clock.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        self.check_at(method, path, headers, body, now_secs())
    }

    fn check_at(
        &self,
        method: &str,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(SignatureError::Unsigned)
        };
        let (time, nonce, signature) = (get(TIME)?, get(NONCE)?, get(SIGNATURE)?);
        let at: i64 = time.parse().map_err(|_| SignatureError::Unsigned)?;
        if (now - at).abs() > WINDOW_SECS {
            return Err(SignatureError::Stale);
        }
        let given = hex::decode(signature).map_err(|_| SignatureError::Invalid)?;
        self.mac(method, path, time, nonce, body)
            .verify_slice(&given)
            .map_err(|_| SignatureError::Invalid)?;
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, t| (now - *t).abs() <= WINDOW_SECS);
        if seen.insert(nonce.to_string(), at).is_some() {
            return Err(SignatureError::Replayed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(signed: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in signed {
            h.insert(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    const PATH: &str = "/internal/v1/assignments";

    #[test]
    fn a_signed_call_passes_once_and_a_replay_is_refused() {
        let key = ServiceKey::new(b"0123456789abcdef0123456789abcdef");
        let h = headers(&key.sign_at("POST", PATH, b"{}", 1_000));
        assert_eq!(key.check_at("POST", PATH, &h, b"{}", 1_010), Ok(()));
        assert_eq!(
            key.check_at("POST", PATH, &h, b"{}", 1_011),
            Err(SignatureError::Replayed)
        );
    }

    #[test]
    fn unsigned_tampered_stale_and_foreign_calls_are_refused() {
        let key = ServiceKey::new(b"0123456789abcdef0123456789abcdef");
        let other = ServiceKey::new(b"another-deployment-key-0123456789");
        assert_eq!(
            key.check_at("POST", PATH, &HeaderMap::new(), b"{}", 1_000),
            Err(SignatureError::Unsigned)
        );
        let h = headers(&key.sign_at("POST", PATH, b"{}", 1_000));
        assert_eq!(
            key.check_at("POST", PATH, &h, b"{\"op\":1}", 1_000),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            key.check_at("POST", "/internal/v1/audit", &h, b"{}", 1_000),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            key.check_at("POST", PATH, &h, b"{}", 1_000 + WINDOW_SECS + 1),
            Err(SignatureError::Stale)
        );
        let h = headers(&other.sign_at("POST", PATH, b"{}", 1_000));
        assert_eq!(
            key.check_at("POST", PATH, &h, b"{}", 1_000),
            Err(SignatureError::Invalid)
        );
    }
}
