//! Repeated log lines are paced: each place in the code writes at most a burst of lines a
//! window; what it held back is summed up in one line a window, so a flood of bad
//! requests cannot flood the log.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing::callsite::Identifier;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter};

/// Where the summaries are written from (never paced themselves).
const TARGET: &str = "duban::log_pace";

struct Place {
    target: &'static str,
    line: u32,
    opened: Option<Instant>,
    written: u32,
    held: u64,
}

impl Place {
    fn at(meta: &'static Metadata<'static>) -> Self {
        Self {
            target: meta.target(),
            line: meta.line().unwrap_or(0),
            opened: None,
            written: 0,
            held: 0,
        }
    }
}

/// A per-layer filter pacing events (not spans) by their place in the code; clones
/// share their count.
#[derive(Clone)]
pub struct LogPace {
    burst: u32,
    window: Duration,
    places: std::sync::Arc<Mutex<HashMap<Identifier, Place>>>,
}

impl Default for LogPace {
    /// 100 lines a minute from each place.
    fn default() -> Self {
        Self::new(100, Duration::from_secs(60))
    }
}

impl LogPace {
    /// `burst` lines each `window` from each place.
    pub fn new(burst: u32, window: Duration) -> Self {
        Self {
            burst,
            window,
            places: Default::default(),
        }
    }

    /// Whether an event from `meta` is written now.
    fn admit(&self, meta: &'static Metadata<'static>) -> bool {
        let now = Instant::now();
        let mut places = self.places.lock().unwrap_or_else(|p| p.into_inner());
        let place = places
            .entry(meta.callsite())
            .or_insert_with(|| Place::at(meta));
        if place
            .opened
            .is_none_or(|t| now.duration_since(t) >= self.window)
        {
            place.opened = Some(now);
            place.written = 0;
        }
        if place.written < self.burst {
            place.written += 1;
            true
        } else {
            place.held += 1;
            false
        }
    }

    /// Writes one line per place that held lines back since the last report; call it
    /// outside the subscriber (a filter may not log), as [`LogPace::report_every`] does.
    pub fn report_held(&self) {
        let held: Vec<(u64, &'static str, u32)> = {
            let mut places = self.places.lock().unwrap_or_else(|p| p.into_inner());
            places
                .values_mut()
                .filter(|p| p.held > 0)
                .map(|p| (std::mem::take(&mut p.held), p.target, p.line))
                .collect()
        };
        for (held, from, line) in held {
            tracing::warn!(target: TARGET, held, from, line, "repeated log lines were held back");
        }
    }

    /// Reports what was held back once a window, from a thread of its own, for as long as
    /// the process runs.
    pub fn report_every(&self) {
        let pace = self.clone();
        let _ = std::thread::Builder::new()
            .name("log-pace".into())
            .spawn(move || loop {
                std::thread::sleep(pace.window);
                pace.report_held();
            });
    }
}

impl<S: Subscriber> Filter<S> for LogPace {
    fn enabled(&self, _meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &tracing::Event<'_>, _cx: &Context<'_, S>) -> bool {
        let meta = event.metadata();
        meta.target() == TARGET || self.admit(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::Layer;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_place_writes_its_burst_then_one_summary_then_again_in_the_next_window() {
        let lines = Lines::default();
        let writer = lines.clone();
        let pace = LogPace::new(10, Duration::from_millis(200));
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .with_filter(pace.clone());
        let subscriber = tracing_subscriber::registry().with(layer);
        let bad = |i: u32| tracing::warn!(i, "bad request");
        tracing::subscriber::with_default(subscriber, || {
            (0..1_000).for_each(bad);
            pace.report_held();
            pace.report_held();
            std::thread::sleep(Duration::from_millis(250));
            bad(1_000);
        });
        let text = String::from_utf8(lines.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default();
        assert_eq!(text.matches("bad request").count(), 11, "{text}");
        assert_eq!(text.matches("held back").count(), 1, "{text}");
        assert!(text.contains("held=990"), "{text}");
    }
}
