//! Identity: an HS256 JWT names a person and their token generation; the caller's unit,
//! scope and roles ([`Actor`]) come from the directory on every request.

pub mod secret;

/// The GraphQL scalars `#[graphql_object]` serves ids as.
#[cfg(feature = "graphql")]
mod graphql {
    pub use duban_schema::graphql::*;
}

pub use duban_schema::Role;

use chrono::{DateTime, Utc};
use duban_api_macros::graphql_object;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// How long an access token of a password sign-in lives, in seconds; its session's
/// refresh token gets the next one.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer …` was sent.
    #[error("缺少身份令牌，请在 Authorization 头中携带 Bearer 令牌")]
    Missing,
    /// The token is malformed, signed with another key, or expired.
    #[error("身份令牌无效或已过期，请重新获取令牌")]
    Invalid,
    /// The token could not be signed.
    #[error("无法签发令牌: {0}")]
    Signing(String),
}

/// The claims duban puts in a token: who the person is and which generation of their
/// tokens this is. Unit, scope and roles are never in a token: they are read from the
/// directory on each request.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Person id.
    pub sub: String,
    /// The person's token generation; raising it in the directory revokes older tokens.
    pub gen: i64,
    /// Tenant (county) id.
    pub tenant: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// The sign-in session a password sign-in opened; signing out ends it, and with it
    /// every access token carrying it. Operators' tokens (`duban token`) have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Whom a valid token names; the directory turns it into an [`Actor`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Person id.
    pub person_id: String,
    /// Token generation.
    pub generation: i64,
    /// Tenant (county) id.
    pub tenant: String,
    /// The sign-in session the token belongs to, if any.
    #[serde(default)]
    pub session: Option<String>,
}

/// The signed-in caller, as read from the directory on each request.
#[graphql_object(name = "Me", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Person id.
    pub person_id: String,
    /// Person's name.
    pub name: String,
    /// Tenant (county) id.
    #[gql(skip)]
    pub tenant: String,
    /// The person's unit id.
    pub unit_id: String,
    /// The person's unit path.
    pub unit_path: String,
    /// Subtree the person may see.
    pub scope: String,
    /// Roles held.
    pub roles: Vec<Role>,
}

impl Actor {
    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the actor holds any of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// Whether `path` lies in the actor's scope (the scope unit or below it).
    pub fn can_see(&self, path: &str) -> bool {
        in_subtree(path, &self.scope)
    }

    /// Whether `path` is the actor's own unit or below it.
    pub fn works_in(&self, path: &str) -> bool {
        in_subtree(path, &self.unit_path)
    }
}

/// The county an org path lies in: its first unit's id.
pub fn county_of(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or("")
}

/// Whether `path` is `root` or lies below it, comparing whole path segments.
pub fn in_subtree(path: &str, root: &str) -> bool {
    let root = root.trim_end_matches('/');
    root.is_empty()
        || path == root
        || (path.starts_with(root) && path.as_bytes().get(root.len()) == Some(&b'/'))
}

/// Signs and checks tokens with one HS256 key.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// Keys from the shared secret.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs claims.
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| AuthError::Signing(e.to_string()))
    }

    /// Checks a token and returns whom it names; `now` decides expiry.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Subject, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the injected clock below, not the system clock.
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "sub"].iter().map(|s| s.to_string()).collect();
        let data =
            decode::<Claims>(token, &self.decoding, &validation).map_err(|_| AuthError::Invalid)?;
        if data.claims.exp <= now.timestamp() {
            return Err(AuthError::Invalid);
        }
        Ok(Subject {
            person_id: data.claims.sub,
            generation: data.claims.gen,
            tenant: data.claims.tenant,
            session: data.claims.sid,
        })
    }

    /// Reads whom the `Authorization` header value names.
    pub fn verify_header(
        &self,
        header: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Subject, AuthError> {
        let value = header.ok_or(AuthError::Missing)?.trim();
        // An empty header or a bare "Bearer" (a client with no token in hand) is missing.
        if value.is_empty() || value.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::Missing);
        }
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or(AuthError::Invalid)?;
        self.verify(token.trim(), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "p1".into(),
            gen: 3,
            tenant: "c".into(),
            iat: 0,
            exp,
            sid: None,
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let keys = TokenKeys::new(b"0123456789abcdef0123");
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 0, 0, 0).unwrap();
        let token = keys.sign(&claims(now.timestamp() + 60)).unwrap();
        let subject = keys
            .verify_header(Some(&format!("Bearer {token}")), now)
            .unwrap();
        assert_eq!((subject.person_id.as_str(), subject.generation), ("p1", 3));
        let later = now + chrono::Duration::seconds(61);
        assert_eq!(keys.verify(&token, later), Err(AuthError::Invalid));
    }

    #[test]
    fn a_token_signed_with_another_key_or_no_header_is_refused() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 0, 0, 0).unwrap();
        let token = TokenKeys::new(b"another-key-0123456789")
            .sign(&claims(now.timestamp() + 60))
            .unwrap();
        let keys = TokenKeys::new(b"0123456789abcdef0123");
        assert_eq!(keys.verify(&token, now), Err(AuthError::Invalid));
        assert_eq!(keys.verify_header(None, now), Err(AuthError::Missing));
        for empty in ["", "Bearer ", "Bearer", " bearer  "] {
            assert_eq!(
                keys.verify_header(Some(empty), now),
                Err(AuthError::Missing),
                "{empty:?}"
            );
        }
        assert_eq!(
            keys.verify_header(Some("Basic abc"), now),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn subtrees_compare_whole_segments() {
        assert!(in_subtree("/c/t1/o", "/c/t1"));
        assert!(in_subtree("/c/t1", "/c/t1"));
        assert!(!in_subtree("/c/t10/o", "/c/t1"));
        assert!(!in_subtree("/c", "/c/t1"));
    }
}
