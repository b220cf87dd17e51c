//! Leadership among the replicas of one service: the work only one may do at a time (its
//! outbox relay, its scheduler's ticks) runs where the lease is held. On PostgreSQL the
//! lease is a session advisory lock on a connection kept for it: the database frees it
//! the moment the holder's connection ends (a crash, a kill), and a waiting replica takes
//! it at its next try. On SQLite there is one process, and it always holds the lease.

use sea_orm::sqlx::{pool::PoolConnection, Postgres};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How often a holder checks that its connection (and so its lock) is still alive, and a
/// waiting replica tries to take the lease: a dead holder is replaced within about this.
pub const RECHECK: Duration = Duration::from_secs(1);

/// One service's lease; clones share it.
#[derive(Clone)]
pub struct Lease {
    name: Arc<str>,
    key: i64,
    db: DatabaseConnection,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    conn: Option<PoolConnection<Postgres>>,
    checked: Option<Instant>,
}

impl Drop for State {
    /// Closes the lock's connection rather than handing it back to the pool still locked.
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            drop(c.detach());
        }
    }
}

/// A stable key of our own in the advisory-lock space: FNV-1a of the name, as the
/// migration lock's.
pub(crate) fn lock_key(name: &str) -> i64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) as i64
}

impl Lease {
    /// The lease of `service` over its database.
    pub fn new(db: DatabaseConnection, service: &str) -> Self {
        Self {
            key: lock_key(&format!("duban-lead-{service}")),
            name: service.into(),
            db,
            state: Arc::default(),
        }
    }

    /// Whether this process holds the lease now, taking it when it is free. A holder
    /// re-checks its connection at most every [`RECHECK`]; a replica that lost it (its
    /// connection died) says so and tries again like any other.
    pub async fn held(&self) -> bool {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return true;
        }
        let mut guard = self.state.lock().await;
        let st = &mut *guard;
        if let Some(conn) = st.conn.as_mut() {
            if st.checked.is_some_and(|t| t.elapsed() < RECHECK) {
                return true;
            }
            match sea_orm::sqlx::query("SELECT 1").execute(&mut **conn).await {
                Ok(_) => {
                    st.checked = Some(Instant::now());
                    return true;
                }
                Err(e) => {
                    tracing::warn!(service = %self.name, error = %e, "lease lost with its connection");
                    if let Some(c) = st.conn.take() {
                        drop(c.detach());
                    }
                }
            }
        }
        if st.checked.is_some_and(|t| t.elapsed() < RECHECK) {
            return false;
        }
        st.checked = Some(Instant::now());
        let pool = self.db.get_postgres_connection_pool();
        let Ok(mut conn) = pool.acquire().await else {
            return false;
        };
        let taken = sea_orm::sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
            .bind(self.key)
            .fetch_one(&mut *conn)
            .await;
        match taken {
            Ok(true) => {
                tracing::info!(service = %self.name, "lease taken: this replica relays and ticks");
                st.conn = Some(conn);
                true
            }
            Ok(false) => false,
            Err(e) => {
                tracing::warn!(service = %self.name, error = %e, "lease not tried");
                false
            }
        }
    }

    /// Waits until the lease is held or `stop` is told; true when held.
    pub async fn wait(&self, stop: &mut tokio::sync::watch::Receiver<bool>) -> bool {
        loop {
            if self.held().await {
                return true;
            }
            if crate::stopped_during(stop, RECHECK).await {
                return false;
            }
        }
    }

    /// Gives the lease up (a clean stop), so another replica takes it at once.
    pub async fn release(&self) {
        let mut st = self.state.lock().await;
        if let Some(mut conn) = st.conn.take() {
            let _ = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut *conn)
                .await;
        }
    }
}
