//! The duban process: every service in one process on SQLite files with the
//! in-process transport (the embedded default), plus the `migrate` and `token` commands.

pub mod cli;
pub mod metrics;
mod run;
pub mod single;

pub use run::{open_databases, start, Databases, Running};

use duban_config::{Config, LogFormat};

/// Installs the one tracing subscriber of the process.
pub fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) keeps the first subscriber.
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
}
