//! A service's copy of the county's calendar changes (from CalendarDayChanged), over the
//! official schedule: the table, its migration, keeping a change and loading them all.

use duban_clock::workdays::{Calendar, Special};
use duban_schema::assignments::CalendarDaySnapshot;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, date};
use std::sync::Arc;

/// The copied days.
pub mod calendar_override {
    use sea_orm::entity::prelude::*;

    /// One changed day.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "calendar_override")]
    pub struct Model {
        /// The day.
        #[sea_orm(primary_key, auto_increment = false)]
        pub date: Date,
        /// Whether it is a working day.
        pub workday: bool,
        /// Holiday name, or the holiday a worked day belongs to.
        pub name: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What a changed day is on the calendar.
pub fn special(workday: bool, name: Option<String>) -> Special {
    if workday {
        Special::Workday(name.unwrap_or_else(|| "调整上班".into()))
    } else {
        Special::Holiday(name.unwrap_or_else(|| "调整休息".into()))
    }
}

/// The channel a committed calendar change is announced on ([`crate::follow`]).
pub const CHANGED: &str = "duban_calendar";

/// The calendar a service runs on, shared by its tasks: the official schedule with the
/// county's changes, changed as they arrive.
#[derive(Clone)]
pub struct Running(Arc<std::sync::RwLock<Arc<Calendar>>>);

impl Default for Running {
    fn default() -> Self {
        Self(Arc::new(std::sync::RwLock::new(Arc::new(
            Calendar::official(),
        ))))
    }
}

impl Running {
    /// It as it is now: shared, not copied; a change made later makes a new one.
    pub fn now(&self) -> Arc<Calendar> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts `cal` in its place.
    pub fn set(&self, cal: Calendar) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(cal);
    }

    /// Changes one day.
    pub fn set_day(&self, date: chrono::NaiveDate, special: Option<Special>) {
        let mut cal = self.0.write().unwrap_or_else(|p| p.into_inner());
        Arc::make_mut(&mut cal).set(date, special);
    }

    /// Runs on the official schedule with every change kept in `conn`; how many there were.
    pub async fn load<C: ConnectionTrait>(&self, conn: &C) -> Result<usize, DbErr> {
        let (cal, changed) = load(conn).await?;
        self.set(cal);
        Ok(changed)
    }

    /// Reads the calendar again from `db` whenever another replica of the service commits
    /// a change to it, until `stop`.
    pub async fn follow(
        &self,
        db: &sea_orm::DatabaseConnection,
        stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let reload = || async { self.load(db).await.map(|_| ()) };
        crate::follow::follow(db, CHANGED, stop, reload, || {}).await
    }
}

/// Keeps one change (the last one of a day wins), announces it to the service's other
/// replicas, and applies it to this one's `calendar` at once.
pub async fn keep<C: ConnectionTrait>(
    conn: &C,
    day: &CalendarDaySnapshot,
    calendar: &Running,
) -> Result<(), DbErr> {
    use calendar_override::Column as C;
    let row = calendar_override::Model {
        date: day.date,
        workday: day.workday,
        name: day.name.clone(),
    };
    crate::db::upsert(
        conn,
        [row.into_active_model()],
        [C::Date],
        [C::Workday, C::Name],
    )
    .await?;
    crate::follow::announce(conn, CHANGED).await?;
    calendar.set_day(day.date, Some(special(day.workday, day.name.clone())));
    Ok(())
}

/// The official schedule with every kept change applied, and how many there were.
pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<(Calendar, usize), DbErr> {
    let rows = calendar_override::Entity::find().all(conn).await?;
    let mut cal = Calendar::official();
    for r in &rows {
        cal.set(r.date, Some(special(r.workday, r.name.clone())));
    }
    Ok((cal, rows.len()))
}

/// Creates the table, for a service that did not have it (`name` is its migration's).
pub struct CreateCalendarCopy(pub &'static str);

impl MigrationName for CreateCalendarCopy {
    fn name(&self) -> &str {
        self.0
    }
}

#[derive(DeriveIden)]
enum CalendarOverride {
    Table,
    Date,
    Workday,
    Name,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCalendarCopy {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CalendarOverride::Table)
                .col(date(CalendarOverride::Date).primary_key())
                .col(boolean(CalendarOverride::Workday))
                .col(ColumnDef::new(CalendarOverride::Name).string())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CalendarOverride::Table).to_owned())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use sea_orm_migration::SchemaManager;

    #[tokio::test]
    async fn a_kept_change_counts_at_once_and_after_a_restart() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        CreateCalendarCopy("m0001_calendar")
            .up(&SchemaManager::new(&db))
            .await
            .unwrap();
        // Wednesday 1 April 2026, an ordinary working day, declared a day off.
        let day = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let live = Running::default();
        assert!(live.now().is_workday(day));
        let change = CalendarDaySnapshot {
            date: day,
            workday: false,
            name: Some("防汛调休".into()),
            reason: "县委决定".into(),
        };
        keep(&db, &change, &live).await.unwrap();
        assert!(!live.now().is_workday(day), "the running service");
        let restarted = Running::default();
        let changed = restarted.load(&db).await.unwrap();
        let loaded = restarted.now();
        assert_eq!(
            (loaded.is_workday(day), changed),
            (false, 1),
            "after a restart"
        );
        assert_eq!(loaded.holiday(day), Some("防汛调休"));
    }

    #[test]
    fn a_calendar_taken_before_a_change_keeps_what_it_was() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let live = Running::default();
        let before = live.now();
        live.set_day(day, Some(special(false, Some("防汛调休".into()))));
        assert!(
            before.is_workday(day),
            "a command's calendar does not move under it"
        );
        assert!(
            !live.now().is_workday(day),
            "the next command sees the change"
        );
        live.set(Calendar::official());
        assert!(live.now().is_workday(day));
    }

    #[tokio::test]
    async fn a_day_changed_again_keeps_the_last_change_and_insert_new_leaves_kept_rows() {
        use calendar_override::{ActiveModel, Column as C, Entity};
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        CreateCalendarCopy("m0001_calendar")
            .up(&SchemaManager::new(&db))
            .await
            .unwrap();
        let (day, next) = (
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 4, 2).unwrap(),
        );
        let row = |date, workday, name: &str| -> ActiveModel {
            calendar_override::Model {
                date,
                workday,
                name: Some(name.into()),
            }
            .into_active_model()
        };
        for (workday, name) in [(false, "防汛调休"), (true, "恢复上班")] {
            crate::db::upsert(
                &db,
                [row(day, workday, name)],
                [C::Date],
                [C::Workday, C::Name],
            )
            .await
            .unwrap();
        }
        let fresh = [row(day, false, "重复"), row(next, false, "新增")];
        let inserted = crate::db::insert_new(&db, fresh, [C::Date]).await.unwrap();
        let kept: Vec<_> = Entity::find().all(&db).await.unwrap();
        let kept: Vec<_> = kept
            .iter()
            .map(|d| (d.workday, d.name.as_deref()))
            .collect();
        assert_eq!(inserted, 1);
        assert_eq!(kept, [(true, Some("恢复上班")), (false, Some("新增"))]);
    }
}
