//! Password sign-in rules: what a password must be, how long repeated failures lock an
//! account, and how long sessions and their tokens live. Time and randomness come in as
//! arguments.

use super::assignment::DomainError;
use chrono::{DateTime, Duration, FixedOffset};

/// Failures in a row an account takes before it is locked.
pub const FREE_FAILURES: i32 = 5;
/// The first lock; each further failure doubles it.
pub const FIRST_LOCK_MINUTES: i64 = 1;
/// The longest lock.
pub const LONGEST_LOCK_MINUTES: i64 = 60;
/// How long a sign-in session (its refresh token) lives, from sign-in.
pub const SESSION_HOURS: i64 = 12;
/// Letters and digits of an initial password: no 0/O, 1/l/I, easy to read aloud.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Length of an initial password.
pub const INITIAL_LEN: usize = 12;

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field: "newPassword",
        message: message.into(),
    }
}

/// Checks a new password: 8–64 characters, letters and digits both, not the account
/// name, not the password it replaces.
pub fn check_new(account: &str, old: &str, new: &str) -> Result<(), DomainError> {
    let n = new.chars().count();
    if !(8..=64).contains(&n) {
        return Err(invalid("新密码须为 8 至 64 个字符"));
    }
    if !new.chars().any(|c| c.is_ascii_digit()) || !new.chars().any(|c| c.is_alphabetic()) {
        return Err(invalid("新密码须同时包含字母和数字"));
    }
    if new.to_lowercase().contains(&account.to_lowercase()) {
        return Err(invalid("新密码不能包含账号"));
    }
    if new == old {
        return Err(invalid("新密码不能与原密码相同"));
    }
    Ok(())
}

/// How long an account is locked after `failures` failures in a row: nothing for the
/// first [`FREE_FAILURES`], then one minute, doubling with each failure up to an hour.
pub fn lock_after(failures: i32) -> Option<Duration> {
    let over = failures - FREE_FAILURES;
    if over < 0 {
        return None;
    }
    let minutes = FIRST_LOCK_MINUTES
        .checked_shl(over.min(16) as u32)
        .unwrap_or(LONGEST_LOCK_MINUTES)
        .min(LONGEST_LOCK_MINUTES);
    Some(Duration::minutes(minutes))
}

/// Seconds until `locked_until`, when it is still ahead of `now`.
pub fn locked_for(
    locked_until: Option<DateTime<FixedOffset>>,
    now: DateTime<FixedOffset>,
) -> Option<i64> {
    locked_until
        .filter(|u| *u > now)
        .map(|u| (u - now).num_seconds().max(1))
}

/// An initial password made from `random` bytes (one per character).
pub fn initial_password(random: &[u8; INITIAL_LEN]) -> String {
    let mut p: String = random
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    // Letters and digits both, as `check_new` asks of every later password.
    if !p.chars().any(|c| c.is_ascii_digit()) {
        p.replace_range(INITIAL_LEN - 1.., &((random[0] % 8) + 2).to_string());
    }
    if !p.chars().any(|c| c.is_ascii_alphabetic()) {
        p.replace_range(0..1, "k");
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_need_length_letters_and_digits_and_not_the_account() {
        assert!(check_new("zhangsan", "old-pass1", "Tianqi2026").is_ok());
        for bad in [
            "short1",
            "onlyletters",
            "1234567890",
            "zhangsan2026",
            "old-pass1",
        ] {
            let e = check_new("zhangsan", "old-pass1", bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    DomainError::Invalid {
                        field: "newPassword",
                        ..
                    }
                ),
                "{bad}"
            );
        }
        assert!(check_new("zs", "x", &"a1".repeat(33)).is_err());
        assert!(check_new("zs", "x", "密码强度够吗2026").is_ok());
    }

    #[test]
    fn locks_begin_after_five_failures_and_double_up_to_an_hour() {
        let mins = |f| lock_after(f).map(|d| d.num_minutes());
        assert_eq!(mins(4), None);
        assert_eq!(mins(5), Some(1));
        assert_eq!(mins(6), Some(2));
        assert_eq!(mins(8), Some(8));
        assert_eq!(mins(11), Some(60));
        assert_eq!(mins(1000), Some(60));
    }

    #[test]
    fn a_lock_counts_down_to_now() {
        let now = DateTime::parse_from_rfc3339("2026-03-10T09:00:00+08:00").unwrap();
        assert_eq!(locked_for(Some(now + Duration::seconds(90)), now), Some(90));
        assert_eq!(locked_for(Some(now), now), None);
        assert_eq!(locked_for(None, now), None);
    }

    #[test]
    fn initial_passwords_pass_the_rules_they_set() {
        for seed in 0..=255u8 {
            let bytes = [seed; INITIAL_LEN];
            let p = initial_password(&bytes);
            assert_eq!(p.chars().count(), INITIAL_LEN);
            assert!(check_new("account", "", &p).is_ok(), "{p}");
        }
    }
}
