//! Directory changes made known to every replica: a directory write commits with its
//! announcement, and each replica follows the announcements to forget the identities and
//! units it kept (the state is [`crate::directory_cache`]).

use crate::rows::internal;
use crate::service::AssignmentsService;
use duban_api::ApiError;
use sea_orm::DatabaseTransaction;
use tokio::sync::watch;

/// The PostgreSQL channel a committed directory change is announced on.
const CHANNEL: &str = "duban_directory";

impl AssignmentsService {
    /// Commits a transaction that wrote the directory, announcing the change to every
    /// replica (on PostgreSQL, `NOTIFY` is delivered with the commit) and forgetting here
    /// at once what this replica kept.
    pub(crate) async fn commit_directory(&self, txn: DatabaseTransaction) -> Result<(), ApiError> {
        duban_outbox::follow::announce(&txn, CHANNEL)
            .await
            .map_err(internal)?;
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
    pub async fn follow_directory(&self, stop: watch::Receiver<bool>) {
        // Listening again forgets what was kept, as every change announced does.
        let listening = || async {
            self.kept.set_live(true);
            Ok(())
        };
        let lost = || self.kept.set_live(false);
        duban_outbox::follow::follow(&self.db, CHANNEL, stop, listening, lost).await
    }
}
