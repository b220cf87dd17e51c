//! The duban process: every service in one process on SQLite files with the
//! in-process transport (the embedded default), plus the `migrate` and `token` commands.

pub mod cli;
mod log_pace;
pub mod metrics;
mod run;
pub mod single;
pub mod telemetry;
mod wiring;

pub use run::{open_databases, start, Databases, Running};

/// The allocator every duban binary (and the bench, to measure what ships) runs on:
/// glibc's malloc took a fifth of duban's CPU per issued assignment (docs/performance-log.md,
/// "Where an issued assignment's statements go").
pub use mimalloc::MiMalloc as Allocator;

use duban_config::{Config, LogFormat};

/// Runs `main` as the process's actix system, on a runtime of every core: the relays,
/// consumers and schedulers it spawns share the cores (actix-web's request workers keep
/// runtimes of their own), and the database connections opened on it are served by
/// whichever of its threads is free, not only by the main thread between its tasks.
pub fn block_on<F: std::future::Future>(main: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name(BACKGROUND_THREAD)
        .build()?;
    Ok(actix_web::rt::System::with_tokio_rt(|| runtime).block_on(main))
}

/// The name of the threads of [`block_on`]'s runtime.
const BACKGROUND_THREAD: &str = "duban-background";

/// Installs the one tracing subscriber of the process: human or JSON lines on stderr,
/// and spans exported over OTLP/HTTP when `otlp_endpoint` is set. A second call (tests)
/// keeps the first subscriber.
pub fn init_tracing(config: &Config) {
    init_tracing_as(config, "duban");
}

/// Like [`init_tracing`], naming the exported service.
pub fn init_tracing_as(config: &Config, service: &str) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;

    let mut filter = tracing_subscriber::EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Each migration step is routine; a filter that names the migrator still shows them.
    if !config.log_filter.contains("sea_orm_migration") {
        if let Ok(quiet) = "sea_orm_migration=warn".parse() {
            filter = filter.add_directive(quiet);
        }
    }
    // Colour only for a person at a terminal, never in a log file.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let pace = log_pace::LogPace::default();
    let fmt = match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_filter(pace.clone())
            .boxed(),
        LogFormat::Human => tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(std::io::stderr)
            .with_filter(pace.clone())
            .boxed(),
    };
    let otel = config.otlp_endpoint.as_deref().and_then(|endpoint| {
        match telemetry::layer(endpoint, service) {
            Ok(l) => Some(l),
            Err(e) => {
                eprintln!("OTLP export disabled: {e}");
                None
            }
        }
    });
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init();
    if installed.is_ok() {
        pace.report_every();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn background_work_runs_on_the_runtime_of_every_core() {
        let ran_on = super::block_on(async {
            tokio::spawn(async { std::thread::current().name().map(String::from) })
                .await
                .unwrap()
        })
        .unwrap();
        assert_eq!(ran_on.as_deref(), Some(super::BACKGROUND_THREAD));
    }
}
