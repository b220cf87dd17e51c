//! Password sign-in against the directory: argon2id hashes, locks after failures in a
//! row, initial passwords set by an administrator (audited) and changed at first use,
//! and the sessions a sign-in opens, refreshes and ends.

use crate::access::may_maintain_directory;
use crate::domain::credential as rules;
use crate::entity::{credential, person, sign_in_session};
use crate::rows::{domain_err, internal};
use crate::service::AssignmentsService;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use base64::Engine;
use chrono::{DateTime, Duration, FixedOffset};
use duban_api::{ApiError, InitialPassword, SignInOutcome, SignInRefusal, SignedIn};
use duban_auth::Actor;
use duban_schema::assignments::AssignmentsEvent;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

/// A hash checked when the account is unknown, so an unknown account takes as long to
/// refuse as a wrong password.
const DECOY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$KgkJ4IO0VRZ1+VmIC40ygA$uzx3t+ZmZouw2RNrMH7Hms6YEy4Cqju2fM19TeVnJlw";

fn refused(refusal: SignInRefusal, message: &str, retry_after_secs: Option<i64>) -> SignInOutcome {
    SignInOutcome::Refused {
        refusal,
        message: message.to_string(),
        retry_after_secs,
    }
}

fn invalid_credentials() -> SignInOutcome {
    refused(
        SignInRefusal::InvalidCredentials,
        "账号或密码错误；尚未设置密码的，请联系系统管理员",
        None,
    )
}

fn locked(secs: i64) -> SignInOutcome {
    let minutes = (secs + 59) / 60;
    refused(
        SignInRefusal::AccountLocked,
        &format!("密码连续错误次数过多，账号已锁定，请 {minutes} 分钟后再试或联系系统管理员"),
        Some(secs),
    )
}

fn session_ended() -> SignInOutcome {
    refused(SignInRefusal::SessionEnded, "登录已失效，请重新登录", None)
}

fn random<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(internal)?;
    Ok(b)
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

async fn verify(password: String, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(internal)
}

/// What a password check found.
enum Checked {
    /// The password is right.
    Right(person::Model, credential::Model),
    /// Refused; failures counted.
    Refused(SignInOutcome),
}

impl AssignmentsService {
    fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now()
    }

    /// Checks an account's password, counting a failure toward a lock.
    async fn check_password(&self, account: &str, password: &str) -> Result<Checked, ApiError> {
        let found = person::Entity::find()
            .filter(person::Column::Account.eq(account.trim()))
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|p| !p.deactivated);
        let cred = match &found {
            Some(p) => credential::Entity::find_by_id(p.id.clone())
                .one(&self.db)
                .await
                .map_err(internal)?,
            None => None,
        };
        let (Some(p), Some(c)) = (found, cred) else {
            verify(password.to_string(), DECOY.to_string()).await?;
            return Ok(Checked::Refused(invalid_credentials()));
        };
        let now = self.now();
        if let Some(secs) = rules::locked_for(c.locked_until, now) {
            return Ok(Checked::Refused(locked(secs)));
        }
        if verify(password.to_string(), c.hash.clone()).await? {
            return Ok(Checked::Right(p, c));
        }
        credential::Entity::update_many()
            .col_expr(
                credential::Column::Failures,
                Expr::col(credential::Column::Failures).add(1),
            )
            .filter(credential::Column::PersonId.eq(&p.id))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        let failures = credential::Entity::find_by_id(p.id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .map_or(c.failures + 1, |c| c.failures);
        let Some(lock) = rules::lock_after(failures) else {
            return Ok(Checked::Refused(invalid_credentials()));
        };
        credential::Entity::update_many()
            .col_expr(credential::Column::LockedUntil, Expr::value(now + lock))
            .filter(credential::Column::PersonId.eq(&p.id))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        tracing::warn!(person = %p.id, failures, "sign-in: account locked after failures");
        Ok(Checked::Refused(locked(lock.num_seconds())))
    }

    /// Opens a session for a person inside `conn`.
    async fn open_session<C: ConnectionTrait>(
        &self,
        conn: &C,
        p: &person::Model,
    ) -> Result<SignedIn, ApiError> {
        let now = self.now();
        let id = duban_outbox::new_event_id(now).to_string();
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random::<32>()?);
        let expires = now + Duration::hours(rules::SESSION_HOURS);
        sign_in_session::ActiveModel {
            id: Set(id.clone()),
            person_id: Set(p.id.clone()),
            refresh_hash: Set(digest(&secret)),
            created_at: Set(now),
            expires_at: Set(expires),
            revoked_at: Set(None),
        }
        .insert(conn)
        .await
        .map_err(internal)?;
        Ok(SignedIn {
            person_id: p.id.clone(),
            name: p.name.clone(),
            generation: p.generation,
            refresh_token: format!("{id}.{secret}"),
            session_id: id,
            session_expires_at: expires.timestamp(),
        })
    }

    /// Ends every open session of a person inside `conn`, whose commit must be
    /// [`AssignmentsService::commit_directory`]'s: replicas forget the sessions they kept.
    async fn end_sessions<C: ConnectionTrait>(
        &self,
        conn: &C,
        person_id: &str,
    ) -> Result<(), ApiError> {
        sign_in_session::Entity::update_many()
            .col_expr(sign_in_session::Column::RevokedAt, Expr::value(self.now()))
            .filter(sign_in_session::Column::PersonId.eq(person_id))
            .filter(sign_in_session::Column::RevokedAt.is_null())
            .exec(conn)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn clear_failures<C: ConnectionTrait>(
        &self,
        conn: &C,
        person_id: &str,
    ) -> Result<(), ApiError> {
        credential::Entity::update_many()
            .col_expr(credential::Column::Failures, Expr::value(0))
            .col_expr(
                credential::Column::LockedUntil,
                Expr::value(Option::<DateTime<FixedOffset>>::None),
            )
            .filter(credential::Column::PersonId.eq(person_id))
            .exec(conn)
            .await
            .map_err(internal)?;
        Ok(())
    }

    pub(crate) async fn sign_in(
        &self,
        account: &str,
        password: &str,
    ) -> Result<SignInOutcome, ApiError> {
        let (p, c) = match self.check_password(account, password).await? {
            Checked::Right(p, c) => (p, c),
            Checked::Refused(why) => return Ok(why),
        };
        let txn = self.db.begin().await.map_err(internal)?;
        self.clear_failures(&txn, &p.id).await?;
        if c.must_change {
            txn.commit().await.map_err(internal)?;
            return Ok(refused(
                SignInRefusal::PasswordChangeRequired,
                "首次登录或密码已被重置，请先修改密码",
                None,
            ));
        }
        let signed = self.open_session(&txn, &p).await?;
        txn.commit().await.map_err(internal)?;
        Ok(SignInOutcome::SignedIn(signed))
    }

    pub(crate) async fn change_password(
        &self,
        account: &str,
        password: &str,
        new_password: &str,
    ) -> Result<SignInOutcome, ApiError> {
        let p = match self.check_password(account, password).await? {
            Checked::Right(p, _) => p,
            Checked::Refused(why) => return Ok(why),
        };
        rules::check_new(&p.account, password, new_password).map_err(domain_err)?;
        let hashed = hash(new_password.to_string()).await?;
        let txn = self.db.begin().await.map_err(internal)?;
        credential::ActiveModel {
            person_id: Set(p.id.clone()),
            hash: Set(hashed),
            must_change: Set(false),
            failures: Set(0),
            locked_until: Set(None),
            changed_at: Set(self.now()),
            ..Default::default()
        }
        .update(&txn)
        .await
        .map_err(internal)?;
        self.end_sessions(&txn, &p.id).await?;
        let signed = self.open_session(&txn, &p).await?;
        self.commit_directory(txn).await?;
        Ok(SignInOutcome::SignedIn(signed))
    }

    pub(crate) async fn refresh_session(
        &self,
        refresh_token: &str,
    ) -> Result<SignInOutcome, ApiError> {
        let Some((id, secret)) = refresh_token.split_once('.') else {
            return Ok(session_ended());
        };
        let now = self.now();
        let Some(s) = sign_in_session::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
        else {
            return Ok(session_ended());
        };
        let person = person::Entity::find_by_id(s.person_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|p| !p.deactivated);
        let fresh = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random::<32>()?);
        // Spent and current secrets differ: only the holder of the current one moves on.
        let moved = sign_in_session::Entity::update_many()
            .col_expr(
                sign_in_session::Column::RefreshHash,
                Expr::value(digest(&fresh)),
            )
            .filter(sign_in_session::Column::Id.eq(id))
            .filter(sign_in_session::Column::RefreshHash.eq(digest(secret)))
            .filter(sign_in_session::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(internal)?
            .rows_affected;
        let Some(p) = person.filter(|_| moved == 1) else {
            tracing::warn!(session = %id, "sign-in: a spent refresh token was replayed; session ended");
            let txn = self.db.begin().await.map_err(internal)?;
            sign_in_session::Entity::update_many()
                .col_expr(sign_in_session::Column::RevokedAt, Expr::value(now))
                .filter(sign_in_session::Column::Id.eq(id))
                .exec(&txn)
                .await
                .map_err(internal)?;
            self.commit_directory(txn).await?;
            return Ok(session_ended());
        };
        Ok(SignInOutcome::SignedIn(SignedIn {
            person_id: p.id,
            name: p.name,
            generation: p.generation,
            session_id: s.id,
            refresh_token: format!("{id}.{fresh}"),
            session_expires_at: s.expires_at.timestamp(),
        }))
    }

    pub(crate) async fn sign_out(&self, refresh_token: &str) -> Result<(), ApiError> {
        let Some((id, secret)) = refresh_token.split_once('.') else {
            return Ok(());
        };
        let txn = self.db.begin().await.map_err(internal)?;
        let ended = sign_in_session::Entity::update_many()
            .col_expr(sign_in_session::Column::RevokedAt, Expr::value(self.now()))
            .filter(sign_in_session::Column::Id.eq(id))
            .filter(sign_in_session::Column::RefreshHash.eq(digest(secret)))
            .filter(sign_in_session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(internal)?
            .rows_affected;
        // Only a session ended is a directory change: an unknown token makes no replica
        // forget what it kept.
        if ended == 0 {
            return self.commit(txn).await;
        }
        self.commit_directory(txn).await
    }

    /// Whether a session is open for a person: what every access token of a password
    /// sign-in is checked against. An open session is kept until the next directory
    /// change, and ending one is one.
    pub(crate) async fn session_open(&self, id: &str, person_id: &str) -> Result<bool, ApiError> {
        let now = self.now();
        let (epoch, kept) = self.kept.session(id);
        let (whose, expires) = match kept {
            Some(open) => open,
            None => {
                let Some(s) = sign_in_session::Entity::find_by_id(id.to_string())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .filter(|s| s.revoked_at.is_none())
                else {
                    return Ok(false);
                };
                let open = (s.person_id, s.expires_at);
                self.kept.keep_session(epoch, id, open.clone());
                open
            }
        };
        Ok(whose == person_id && expires > now)
    }

    pub(crate) async fn reset_password(
        &self,
        actor: &Actor,
        person_id: &str,
    ) -> Result<InitialPassword, ApiError> {
        may_maintain_directory(actor)?;
        let p = person::Entity::find_by_id(person_id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|p| actor.can_see(&p.unit_path))
            .ok_or_else(|| ApiError::not_found("人员", person_id))?;
        if p.deactivated {
            return Err(ApiError::validation(
                "personId",
                format!("{}已停用，不能设置密码", p.name),
            ));
        }
        self.set_initial_password(&actor.person_id, &p).await
    }

    /// Sets a new initial password for a person (an administrator's reset, or the
    /// operator's and the demo's first accounts), ends their sessions, and records it.
    pub async fn set_initial_password(
        &self,
        by: &str,
        p: &person::Model,
    ) -> Result<InitialPassword, ApiError> {
        let password = rules::initial_password(&random::<{ rules::INITIAL_LEN }>()?);
        let hashed = hash(password.clone()).await?;
        let txn = self.db.begin().await.map_err(internal)?;
        let before = credential::Entity::find_by_id(p.id.clone())
            .one(&txn)
            .await
            .map_err(internal)?;
        let resets = before.as_ref().map_or(0, |c| c.resets) + 1;
        let row = credential::ActiveModel {
            person_id: Set(p.id.clone()),
            hash: Set(hashed),
            must_change: Set(true),
            failures: Set(0),
            locked_until: Set(None),
            changed_at: Set(self.now()),
            resets: Set(resets),
        };
        if before.is_some() {
            row.update(&txn).await.map_err(internal)?;
        } else {
            row.insert(&txn).await.map_err(internal)?;
        }
        self.end_sessions(&txn, &p.id).await?;
        // The credential is an aggregate of its own: its resets take positions 1, 2, …
        self.emit(
            &txn,
            by,
            &p.unit_path,
            &format!("credential:{}", p.id),
            resets,
            AssignmentsEvent::PasswordReset {
                person_id: p.id.clone(),
                account: p.account.clone(),
            },
        )
        .await?;
        self.commit_directory(txn).await?;
        Ok(InitialPassword {
            person_id: p.id.clone(),
            account: p.account.clone(),
            name: p.name.clone(),
            password,
        })
    }

    /// Sets initial passwords for people by account (the operator's CLI and the demo).
    pub async fn initial_passwords(
        &self,
        accounts: &[&str],
    ) -> Result<Vec<InitialPassword>, ApiError> {
        let mut out = Vec::new();
        for account in accounts {
            let p = person::Entity::find()
                .filter(person::Column::Account.eq(*account))
                .one(&self.db)
                .await
                .map_err(internal)?
                .ok_or_else(|| ApiError::not_found("人员", account))?;
            out.push(self.set_initial_password("system", &p).await?);
        }
        Ok(out)
    }
}
