//! State kept in each replica's memory and changed through one of them (the working
//! calendar, a county's color rules): the write announces itself with its commit
//! (PostgreSQL `NOTIFY`, the writer's schema as payload), and every replica following the
//! channel reads the state again.

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// How long a replica waits before listening again after its connection was lost.
const RETRY: Duration = Duration::from_secs(1);

/// Announces a change on `channel`, delivered to the followers when the caller's
/// transaction commits and not at all if it rolls back (PostgreSQL; SQLite is one process).
pub async fn announce<C: ConnectionTrait>(conn: &C, channel: &str) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, current_schema())",
            [channel.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Calls `reload` whenever a change to `db`'s schema is announced on `channel` (or one
/// naming no schema), and each time it starts listening (a change may have come while it
/// did not); calls `lost` whenever it stops listening (its connection lost, or `stop`).
/// Nothing to follow on SQLite.
pub async fn follow<F, Fut>(
    db: &DatabaseConnection,
    channel: &'static str,
    mut stop: watch::Receiver<bool>,
    reload: F,
    lost: impl Fn(),
) where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), DbErr>>,
{
    if db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let reloaded = || async {
        if let Err(e) = reload().await {
            tracing::warn!(channel, error = %e, "a change announced could not be read again");
        }
    };
    loop {
        match listening(db, channel).await {
            Ok((mut listener, schema)) => {
                reloaded().await;
                loop {
                    tokio::select! {
                        n = listener.try_recv() => match n {
                            Ok(Some(n)) if [schema.as_str(), ""].contains(&n.payload()) => {
                                reloaded().await
                            }
                            Ok(Some(_)) => {}
                            Ok(None) => break,
                            Err(e) => {
                                tracing::warn!(channel, error = %e, "listening failed");
                                break;
                            }
                        },
                        _ = stop.changed() => break,
                    }
                }
                lost();
                if *stop.borrow() {
                    return;
                }
            }
            Err(e) => tracing::warn!(channel, error = %e, "cannot listen for changes"),
        }
        tokio::select! {
            _ = tokio::time::sleep(RETRY) => {}
            _ = stop.changed() => return,
        }
    }
}

/// A listener on `channel`, and the schema whose announcements are this replica's.
async fn listening(db: &DatabaseConnection, channel: &str) -> Result<(PgListener, String), DbErr> {
    let err = |e: sea_orm::sqlx::Error| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e));
    let schema: String = db
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema() AS s",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no schema".into()))?
        .try_get("", "s")?;
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool())
        .await
        .map_err(err)?;
    listener.listen(channel).await.map_err(err)?;
    Ok((listener, schema))
}
