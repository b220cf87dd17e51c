//! Password sign-in as the gateway and the directory exchange it: who signed in and the
//! session opened, or why not.

use serde::{Deserialize, Serialize};

/// A session opened (or refreshed) for a person; the gateway signs its access tokens.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignedIn {
    /// The person.
    pub person_id: String,
    /// Their name.
    pub name: String,
    /// Their token generation, as the directory has it.
    pub generation: i64,
    /// The session, carried in access tokens.
    pub session_id: String,
    /// The refresh token: shown once, kept only as a hash.
    pub refresh_token: String,
    /// When the session ends, seconds since the epoch.
    pub session_expires_at: i64,
}

/// Why a sign-in, password change or refresh was refused.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignInRefusal {
    /// Unknown account, wrong password, no password set, or the person has left; one
    /// answer for all, so an account cannot be probed.
    InvalidCredentials,
    /// Too many failures in a row: refused until the lock ends.
    AccountLocked,
    /// The password was set by an administrator: change it first.
    PasswordChangeRequired,
    /// The refresh token is unknown, expired, signed out or replayed.
    SessionEnded,
}

impl SignInRefusal {
    /// The stable code (`code` in the answer).
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::AccountLocked => "ACCOUNT_LOCKED",
            Self::PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
            Self::SessionEnded => "SESSION_ENDED",
        }
    }
}

/// What a sign-in attempt came to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum SignInOutcome {
    /// Signed in.
    SignedIn(SignedIn),
    /// Refused, with a Chinese message and, for a lock, the seconds left.
    Refused {
        /// Why.
        refusal: SignInRefusal,
        /// What to tell the person.
        message: String,
        /// Seconds until the lock ends.
        retry_after_secs: Option<i64>,
    },
}

/// A password an administrator set: shown once to hand to the person, who must change it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InitialPassword {
    /// The person.
    pub person_id: String,
    /// Their account.
    pub account: String,
    /// Their name.
    pub name: String,
    /// The password.
    pub password: String,
}
