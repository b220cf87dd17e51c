//! Directory changes made known to every replica: a directory write commits with its
//! announcement, and each replica follows the announcements to forget the identities and
//! units it kept (the state is [`crate::directory_cache`]).

use crate::rows::internal;
use crate::service::AssignmentsService;
use duban_api::ApiError;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend};
use std::time::Duration;
use tokio::sync::watch;

/// The PostgreSQL channel a committed directory change is announced on.
const CHANNEL: &str = "duban_directory";

/// How long a replica waits before listening again after its connection was lost.
const RETRY: Duration = Duration::from_secs(1);

impl AssignmentsService {
    /// Commits a transaction that wrote the directory, announcing the change to every
    /// replica (on PostgreSQL, `NOTIFY` is delivered with the commit) and forgetting here
    /// at once what this replica kept.
    pub(crate) async fn commit_directory(&self, txn: DatabaseTransaction) -> Result<(), ApiError> {
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_unprepared(&format!("NOTIFY {CHANNEL}"))
                .await
                .map_err(internal)?;
        }
        self.commit(txn).await?;
        self.kept.invalidate();
        Ok(())
    }

    /// Whether this replica keeps identities and units between requests now: on SQLite
    /// always, on PostgreSQL while it follows directory changes.
    pub fn keeps_identities(&self) -> bool {
        self.kept.live()
    }

    /// Follows directory changes committed by any replica until `stop`, so that what is
    /// kept here never outlives a change. Until it listens, and whenever its connection is
    /// lost, this replica keeps nothing. Nothing to follow on SQLite.
    pub async fn follow_directory(&self, mut stop: watch::Receiver<bool>) {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return;
        }
        let pool = self.db.get_postgres_connection_pool();
        loop {
            match PgListener::connect_with(pool).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => {
                        self.kept.set_live(true);
                        loop {
                            tokio::select! {
                                n = listener.try_recv() => match n {
                                    Ok(Some(_)) => self.kept.invalidate(),
                                    Ok(None) => break,
                                    Err(e) => {
                                        tracing::warn!(error = %e, "directory changes: listening failed");
                                        break;
                                    }
                                },
                                _ = stop.changed() => break,
                            }
                        }
                        self.kept.set_live(false);
                        if *stop.borrow() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "directory changes: LISTEN failed"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "directory changes: no connection to listen on")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(RETRY) => {}
                _ = stop.changed() => return,
            }
        }
    }
}
