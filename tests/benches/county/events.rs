//! How many events a command carries: the outboxes' rows (events written) and the inboxes'
//! (deliveries handled), counted before a run and after its consumers settled.

use duban_tests::TestApp;

/// Events written and deliveries handled so far, summed over the services.
#[derive(Clone, Copy)]
pub(crate) struct Events {
    written: u64,
    delivered: u64,
}

impl Events {
    /// The counts now.
    pub async fn now(app: &TestApp) -> Events {
        let c = app.databases.counts().await.unwrap();
        let sum = |v: &[(&str, u64)]| v.iter().map(|(_, n)| n).sum();
        Events {
            written: sum(&c.written),
            delivered: sum(&c.handled),
        }
    }

    /// Events and deliveries per command since `before`, over `commands` commands.
    pub fn per(self, before: Events, commands: f64) -> PerCommand {
        let per = |now: u64, then: u64| now.saturating_sub(then) as f64 / commands.max(1.0);
        PerCommand {
            events: per(self.written, before.written),
            deliveries: per(self.delivered, before.delivered),
        }
    }
}

/// Events and deliveries per command.
#[derive(Clone, Copy)]
pub(crate) struct PerCommand {
    /// Events written per command.
    pub events: f64,
    /// Deliveries handled per command (an event read by three consumers is three).
    pub deliveries: f64,
}

impl std::fmt::Display for PerCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} events ({:.2} deliveries) per command",
            self.events, self.deliveries
        )
    }
}
