//! Time as an injected dependency: production reads the system clock, tests move a manual one.

pub mod office;
pub mod workdays;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use std::sync::{Arc, Mutex};

/// Seconds east of UTC for Asia/Shanghai (no daylight saving).
const SHANGHAI_SECONDS: i32 = 8 * 3600;

/// The Asia/Shanghai offset every user-facing date and time uses.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(SHANGHAI_SECONDS).unwrap_or(Utc.fix())
}

/// The first instant of `day` in Shanghai.
pub fn start_of(day: chrono::NaiveDate) -> DateTime<FixedOffset> {
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(shanghai())
        .single()
        .unwrap_or_else(|| DateTime::<Utc>::MIN_UTC.with_timezone(&shanghai()))
}

/// The day an instant falls on in Shanghai, whatever offset it was stored with
/// (PostgreSQL hands back UTC: 20:00Z is already the next day in the county).
pub fn local_date<Tz: chrono::TimeZone>(at: &DateTime<Tz>) -> chrono::NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// Source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC.
    fn now_utc(&self) -> DateTime<Utc>;

    /// Now, on the Asia/Shanghai offset.
    fn now(&self) -> DateTime<FixedOffset> {
        self.now_utc().with_timezone(&shanghai())
    }

    /// Today's date in Asia/Shanghai.
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_utc(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved; for tests and fast simulations.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Moves the clock by `by` (may be negative).
    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

/// Shared clock handle passed to services.
pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_evening_in_utc_is_the_next_morning_in_the_county() {
        let stored = Utc.with_ymd_and_hms(2026, 11, 25, 20, 19, 0).unwrap();
        assert_eq!(
            local_date(&stored),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        let early = Utc.with_ymd_and_hms(2026, 11, 25, 15, 59, 0).unwrap();
        assert_eq!(
            local_date(&early),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
    }

    #[test]
    fn a_manual_clock_moves_only_when_told_and_reports_shanghai_dates() {
        let start = Utc.with_ymd_and_hms(2026, 3, 9, 17, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now_utc(), start);
        // 17:00 UTC is 01:00 the next day in Shanghai.
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(clock.now().offset().local_minus_utc(), 8 * 3600);
        clock.advance(chrono::Duration::days(2));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 3, 12).unwrap());
    }
}
