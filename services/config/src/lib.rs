//! The one typed configuration of a duban process: built-in defaults, then an
//! optional TOML file, then `DUBAN_…` environment variables and command-line flags.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

mod secrets;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config` could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or names an unknown key.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value is out of range.
    #[error("invalid setting {key}: {message}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// A secret that never shows in logs or `Debug` output.
#[derive(Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The development token key, accepted only in an explicit demo (`--demo true`).
pub const DEV_JWT_SECRET: &str = "duban-dev-secret-change-me";

/// The development service key, accepted only in an explicit demo.
pub const DEV_SERVICE_KEY: &str = "duban-dev-service-key-change-me!!";

/// The shortest token or service key accepted outside the demo, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// The file in the data folder where the embedded default keeps the secrets it made.
pub const SECRETS_FILE: &str = "secrets.toml";

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Which event transport carries events between services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    /// In memory, inside one process (the all-in-one default).
    InProcess,
    /// Apache Kafka (the distributed deployment).
    Kafka,
}

/// The settings only the `--config` TOML file sets (every other one is also a flag and an
/// environment variable): `duban --help` lists them.
pub const FILE_ONLY: &[(&str, &str)] = &[
    (
        "token_ttl_hours",
        "lifetime of tokens from `duban token`, hours [12]",
    ),
    ("kafka_client_id", "Kafka client id [duban]"),
    (
        "kafka_partitions",
        "partitions of topics created at start [3]",
    ),
    (
        "kafka_replication",
        "replication factor of topics created at start [1]",
    ),
    (
        "kafka_security_protocol",
        "Kafka security.protocol, e.g. SASL_SSL [plaintext]",
    ),
    (
        "kafka_sasl_mechanism",
        "Kafka sasl.mechanism, e.g. SCRAM-SHA-512",
    ),
    ("kafka_sasl_username", "Kafka SASL user"),
    ("kafka_ssl_ca_location", "CA file for Kafka TLS"),
    (
        "yellow_days_before_due",
        "working days before the limit an item turns yellow [1]",
    ),
    ("max_page_size", "largest GraphQL page [100]"),
    (
        "rate_limit_burst",
        "GraphQL requests a caller may send at once [60]",
    ),
    (
        "graphql_body_limit",
        "largest /graphql request body, bytes [1 MiB]",
    ),
    (
        "import_body_limit",
        "largest ledger file imported, bytes [10 MiB]",
    ),
    ("response_limit", "largest /graphql response, bytes [8 MiB]"),
    (
        "export_row_limit",
        "most rows of one ledger export (CSV, streamed); more is refused [2000000]",
    ),
    (
        "workbook_row_limit",
        "most rows of one ledger exported as .xlsx (built in memory) [50000]",
    ),
    (
        "extension_cap_days",
        "longest extension one request may ask for, working days [10]",
    ),
    (
        "due_soon_working_days",
        "working days before the limit the DueSoon reminder fires [2]",
    ),
    (
        "audit_origin",
        "audit log identity, first line of every checkpoint [duban/<tenant>]",
    ),
];

/// `FILE_ONLY` as the text after `duban --help`.
pub fn file_only_help() -> String {
    let mut out = String::from("Settings of the --config file only (TOML, key = value):\n");
    for (key, what) in FILE_ONLY {
        out += &format!("  {key:<26} {what}\n");
    }
    out
}

/// Everything a duban process can be told.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server binds; port 0 picks a free one. Default `127.0.0.1:8080`.
    pub listen: String,
    /// Folder for the SQLite files. Default `./data`.
    pub data_dir: PathBuf,
    /// A database URL used instead of SQLite files (`postgres://…`); each service
    /// keeps its tables in its own schema. Default: none.
    pub database_url: Option<String>,
    /// HS256 key for bearer tokens, at least 32 bytes. Default: made on the embedded
    /// default's first start and kept in `<data_dir>/secrets.toml`; required otherwise.
    pub jwt_secret: Secret,
    /// Lifetime of tokens made by `duban token`, in hours. Default 12.
    pub token_ttl_hours: i64,
    /// Tenant (county) id this deployment serves. Default `demo-county`.
    pub tenant: String,
    /// Demo: `true` loads demo data into an empty database and accepts the built-in
    /// development keys (warned about); `false` never loads it. Default (unset): demo data
    /// on the embedded default's first start only (not on PostgreSQL), and no built-in key.
    pub demo: Option<bool>,
    /// Bearer token `/metrics` asks for; without one, `/metrics` is not served.
    pub metrics_token: Option<Secret>,
    /// Per-deployment key that signs every internal call between duban processes, at
    /// least 32 bytes. Required when services run as separate processes.
    pub service_key: Option<Secret>,
    /// Event transport. Default: Kafka when `kafka_brokers` is set, else in-process.
    pub transport: Option<TransportKind>,
    /// Kafka bootstrap servers, e.g. `127.0.0.1:9092`. Default: none.
    pub kafka_brokers: Option<String>,
    /// Kafka client id. Default `duban`.
    pub kafka_client_id: String,
    /// Prefix of every topic and consumer group. Default empty.
    pub kafka_namespace: String,
    /// Partitions of topics created at start. Default 3.
    pub kafka_partitions: i32,
    /// Replication factor of topics created at start. Default 1.
    pub kafka_replication: i32,
    /// Kafka `security.protocol` (e.g. `SASL_SSL`). Default plaintext.
    pub kafka_security_protocol: Option<String>,
    /// Kafka `sasl.mechanism` (e.g. `SCRAM-SHA-512`).
    pub kafka_sasl_mechanism: Option<String>,
    /// Kafka SASL user.
    pub kafka_sasl_username: Option<String>,
    /// Kafka SASL password (never printed).
    pub kafka_sasl_password: Option<Secret>,
    /// CA certificate file for Kafka TLS.
    pub kafka_ssl_ca_location: Option<String>,
    /// Internal URLs of the services, for a gateway running alone
    /// (e.g. `http://assignments:8081`). Default: none.
    pub assignments_url: Option<String>,
    /// See `assignments_url`.
    pub evaluation_url: Option<String>,
    /// See `assignments_url`.
    pub notifications_url: Option<String>,
    /// See `assignments_url`.
    pub audit_url: Option<String>,
    /// Log format. Default human.
    pub log_format: LogFormat,
    /// Log filter in `tracing` syntax. Default `info`.
    pub log_filter: String,
    /// Working days before the time limit at which an item turns yellow. Default 1.
    pub yellow_days_before_due: i64,
    /// Largest GraphQL page. Default 100.
    pub max_page_size: usize,
    /// Runs only the GraphQL operations compiled into the binary (the dashboard's),
    /// named by their SHA-256; any other document is refused (UNTRUSTED_OPERATION). For
    /// gateways exposed beyond the county network. Default false.
    pub trusted_documents: bool,
    /// GraphQL requests a second each caller may send on average; 0 turns the limit off.
    /// Default 20.
    pub rate_limit_per_second: u32,
    /// GraphQL requests a caller may send at once before the average applies. Default 60.
    pub rate_limit_burst: u32,
    /// Largest `/graphql` request body, in bytes. Default 1 MiB.
    pub graphql_body_limit: usize,
    /// Largest ledger file `/ledger/v1/{kind}/import` reads, in bytes. Default 10 MiB.
    pub import_body_limit: usize,
    /// Largest `/graphql` response, in bytes. Default 8 MiB.
    pub response_limit: usize,
    /// Most rows one ledger export serves (a longer one is refused). Default 2,000,000.
    pub export_row_limit: usize,
    /// Most rows of a ledger exported as a workbook, which is built in memory (a longer
    /// one is refused, naming CSV). Default 50,000.
    pub workbook_row_limit: usize,
    /// Longest extension one request may ask for, in working days. Default 10.
    pub extension_cap_days: i32,
    /// Working days before a time limit at which the DueSoon reminder fires. Default 2.
    pub due_soon_working_days: u32,
    /// Audit log cipher suite: `sha256-ed25519` (default) or `sm3-sm2` (国密).
    pub audit_suite: String,
    /// OTLP/HTTP collector to export spans to, e.g. `http://127.0.0.1:4318`. Default: none.
    pub otlp_endpoint: Option<String>,
    /// Audit checkpoint signing key: 32 bytes as 64 hex digits. Default: made on the
    /// embedded default's first start and kept with the token key; required otherwise.
    pub audit_signing_key: Option<Secret>,
    /// Audit log identity, the first line of every checkpoint. Default `duban/<tenant>`.
    pub audit_origin: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            jwt_secret: Secret::new(DEV_JWT_SECRET),
            token_ttl_hours: 12,
            tenant: "demo-county".into(),
            demo: None,
            service_key: None,
            metrics_token: None,
            transport: None,
            kafka_brokers: None,
            kafka_client_id: "duban".into(),
            kafka_namespace: String::new(),
            kafka_partitions: 3,
            kafka_replication: 1,
            kafka_security_protocol: None,
            kafka_sasl_mechanism: None,
            kafka_sasl_username: None,
            kafka_sasl_password: None,
            kafka_ssl_ca_location: None,
            assignments_url: None,
            evaluation_url: None,
            notifications_url: None,
            audit_url: None,
            log_format: LogFormat::Human,
            log_filter: "info".into(),
            yellow_days_before_due: 1,
            max_page_size: 100,
            trusted_documents: false,
            rate_limit_per_second: 20,
            rate_limit_burst: 60,
            graphql_body_limit: 1 << 20,
            import_body_limit: 10 << 20,
            response_limit: 8 << 20,
            export_row_limit: 2_000_000,
            workbook_row_limit: 50_000,
            extension_cap_days: 10,
            due_soon_working_days: 2,
            audit_suite: "sha256-ed25519".into(),
            otlp_endpoint: None,
            audit_signing_key: None,
            audit_origin: None,
        }
    }
}

/// Command-line flags and their environment variables; each overrides the file.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ConfigArgs {
    /// TOML file with any of the settings below (snake_case keys).
    #[arg(long, env = "DUBAN_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "DUBAN_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Folder for the SQLite files [default: ./data].
    #[arg(long, env = "DUBAN_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL instead of SQLite files, e.g. postgres://user@127.0.0.1/duban.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// HS256 key for bearer tokens (never printed).
    #[arg(long, env = "DUBAN_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Tenant (county) id [default: demo-county].
    #[arg(long, env = "DUBAN_TENANT", global = true)]
    pub tenant: Option<String>,
    /// Demo: true loads demo data and accepts the built-in development keys; false never
    /// loads demo data [default: demo data on the embedded default's first start only].
    #[arg(long, env = "DUBAN_DEMO", global = true)]
    pub demo: Option<bool>,
    /// Run only the dashboard's registered GraphQL operations [default: false].
    #[arg(long, env = "DUBAN_TRUSTED_DOCUMENTS", global = true)]
    pub trusted_documents: Option<bool>,
    /// Event transport [default: kafka when --kafka-brokers is set, else in-process].
    #[arg(long, env = "DUBAN_TRANSPORT", global = true)]
    pub transport: Option<TransportKind>,
    /// Kafka bootstrap servers, e.g. 127.0.0.1:9092.
    #[arg(long, env = "KAFKA_BROKERS", global = true)]
    pub kafka_brokers: Option<String>,
    /// Prefix of every Kafka topic and consumer group.
    #[arg(long, env = "DUBAN_KAFKA_NAMESPACE", global = true)]
    pub kafka_namespace: Option<String>,
    /// Kafka SASL password (never printed).
    #[arg(
        long,
        env = "DUBAN_KAFKA_SASL_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub kafka_sasl_password: Option<String>,
    /// OTLP/HTTP collector for spans, e.g. http://127.0.0.1:4318 [default: none].
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true)]
    pub otlp_endpoint: Option<String>,
    /// Audit log cipher suite: sha256-ed25519 or sm3-sm2 [default: sha256-ed25519].
    #[arg(long, env = "DUBAN_AUDIT_SUITE", global = true)]
    pub audit_suite: Option<String>,
    /// Audit checkpoint signing key, 64 hex digits (never printed).
    #[arg(
        long,
        env = "DUBAN_AUDIT_SIGNING_KEY",
        global = true,
        hide_env_values = true
    )]
    pub audit_signing_key: Option<String>,
    /// Bearer token for reading /metrics (never printed) [default: /metrics not served].
    #[arg(
        long,
        env = "DUBAN_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// GraphQL requests a second per caller, 0 for no limit [default: 20].
    #[arg(long, env = "DUBAN_RATE_LIMIT_PER_SECOND", global = true)]
    pub rate_limit_per_second: Option<u32>,
    /// Key signing internal calls between duban processes (never printed).
    #[arg(long, env = "DUBAN_SERVICE_KEY", global = true, hide_env_values = true)]
    pub service_key: Option<String>,
    /// Internal URL of the assignments service, for a gateway running alone.
    #[arg(long, env = "DUBAN_ASSIGNMENTS_URL", global = true)]
    pub assignments_url: Option<String>,
    /// Internal URL of the evaluation service.
    #[arg(long, env = "DUBAN_EVALUATION_URL", global = true)]
    pub evaluation_url: Option<String>,
    /// Internal URL of the notifications service.
    #[arg(long, env = "DUBAN_NOTIFICATIONS_URL", global = true)]
    pub notifications_url: Option<String>,
    /// Internal URL of the audit service.
    #[arg(long, env = "DUBAN_AUDIT_URL", global = true)]
    pub audit_url: Option<String>,
    /// Log format [default: human].
    #[arg(long, env = "DUBAN_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. `info,duban_gateway=debug` [default: info].
    #[arg(long, env = "DUBAN_LOG", global = true)]
    pub log_filter: Option<String>,
}

impl Config {
    /// Reads a TOML file over the defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Defaults, then the file named in `args`, then the flags and environment.
    pub fn load(args: &ConfigArgs) -> Result<Self, ConfigError> {
        let mut c = match &args.config {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        if let Some(v) = &args.listen {
            c.listen = v.clone();
        }
        if let Some(v) = &args.data_dir {
            c.data_dir = v.clone();
        }
        if let Some(v) = &args.database_url {
            c.database_url = Some(v.clone());
        }
        if let Some(v) = &args.jwt_secret {
            c.jwt_secret = Secret::new(v.clone());
        }
        if let Some(v) = &args.tenant {
            c.tenant = v.clone();
        }
        if let Some(v) = args.demo {
            c.demo = Some(v);
        }
        if let Some(v) = args.trusted_documents {
            c.trusted_documents = v;
        }
        if let Some(v) = &args.metrics_token {
            c.metrics_token = Some(Secret::new(v.clone()));
        }
        if let Some(v) = args.rate_limit_per_second {
            c.rate_limit_per_second = v;
        }
        if let Some(v) = &args.service_key {
            c.service_key = Some(Secret::new(v.clone()));
        }
        if let Some(v) = args.transport {
            c.transport = Some(v);
        }
        if let Some(v) = &args.kafka_brokers {
            c.kafka_brokers = Some(v.clone());
        }
        if let Some(v) = &args.kafka_namespace {
            c.kafka_namespace = v.clone();
        }
        if let Some(v) = &args.otlp_endpoint {
            c.otlp_endpoint = Some(v.clone());
        }
        if let Some(v) = &args.audit_suite {
            c.audit_suite = v.clone();
        }
        if let Some(v) = &args.audit_signing_key {
            c.audit_signing_key = Some(Secret::new(v.clone()));
        }
        if let Some(v) = &args.kafka_sasl_password {
            c.kafka_sasl_password = Some(Secret::new(v.clone()));
        }
        for (target, value) in [
            (&mut c.assignments_url, &args.assignments_url),
            (&mut c.evaluation_url, &args.evaluation_url),
            (&mut c.notifications_url, &args.notifications_url),
            (&mut c.audit_url, &args.audit_url),
        ] {
            if let Some(v) = value {
                *target = Some(v.clone());
            }
        }
        if let Some(v) = args.log_format {
            c.log_format = v;
        }
        if let Some(v) = &args.log_filter {
            c.log_filter = v.clone();
        }
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.jwt_secret.expose().len() < 16 {
            return Err(ConfigError::Invalid {
                key: "jwt_secret",
                message: "must be at least 16 bytes".into(),
            });
        }
        if self.token_ttl_hours <= 0 {
            return Err(ConfigError::Invalid {
                key: "token_ttl_hours",
                message: "must be positive".into(),
            });
        }
        if self.transport == Some(TransportKind::Kafka) && self.kafka_brokers.is_none() {
            return Err(ConfigError::Invalid {
                key: "kafka_brokers",
                message: "the kafka transport needs KAFKA_BROKERS".into(),
            });
        }
        if !["sha256-ed25519", "sm3-sm2"].contains(&self.audit_suite.as_str()) {
            return Err(ConfigError::Invalid {
                key: "audit_suite",
                message: "must be sha256-ed25519 or sm3-sm2".into(),
            });
        }
        if let Some(k) = &self.audit_signing_key {
            let s = k.expose();
            if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ConfigError::Invalid {
                    key: "audit_signing_key",
                    message: "must be 32 bytes as 64 hex digits".into(),
                });
            }
        }
        if !(1..=60).contains(&self.extension_cap_days) {
            return Err(ConfigError::Invalid {
                key: "extension_cap_days",
                message: "must be between 1 and 60".into(),
            });
        }
        for (key, value) in [
            ("graphql_body_limit", self.graphql_body_limit),
            ("import_body_limit", self.import_body_limit),
            ("response_limit", self.response_limit),
        ] {
            if !(1024..=(256 << 20)).contains(&value) {
                return Err(ConfigError::Invalid {
                    key,
                    message: "must be between 1 KiB and 256 MiB".into(),
                });
            }
        }
        if self.max_page_size == 0 {
            return Err(ConfigError::Invalid {
                key: "max_page_size",
                message: "must be positive".into(),
            });
        }
        Ok(())
    }

    /// Database URL for one service: the shared URL, or that service's SQLite file.
    pub fn database_url_for(&self, service: &str) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join(format!("{service}.db")).display()
            ),
        }
    }

    /// The transport in force: as configured, else Kafka when brokers are named.
    pub fn transport_kind(&self) -> TransportKind {
        self.transport.unwrap_or(if self.kafka_brokers.is_some() {
            TransportKind::Kafka
        } else {
            TransportKind::InProcess
        })
    }

    /// The audit signing seed: the configured key, or (in an explicit demo) a fixed
    /// development seed.
    pub fn audit_seed(&self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        match &self.audit_signing_key {
            Some(k) => {
                let s = k.expose().as_bytes();
                for (i, pair) in s.chunks(2).enumerate().take(32) {
                    let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
                    seed[i] = hex(pair[0]) << 4 | hex(pair.get(1).copied().unwrap_or(b'0'));
                }
            }
            None => {
                for (i, b) in b"duban-development-audit-key-0001".iter().enumerate() {
                    seed[i] = *b;
                }
            }
        }
        seed
    }

    /// The audit log's origin line.
    pub fn audit_origin(&self) -> String {
        self.audit_origin
            .clone()
            .unwrap_or_else(|| format!("duban/{}", self.tenant))
    }

    /// Whether the development signing key is in use.
    pub fn uses_dev_secret(&self) -> bool {
        self.jwt_secret.expose() == DEV_JWT_SECRET
    }

    /// Whether demo data is loaded into an empty database: when asked for, or by default
    /// on the embedded default only (never into a county's first real PostgreSQL).
    pub fn loads_demo_data(&self) -> bool {
        self.demo.unwrap_or(self.database_url.is_none())
    }

    /// Whether this is an explicit demo, where the built-in development keys are accepted.
    pub fn is_explicit_demo(&self) -> bool {
        self.demo == Some(true)
    }

    /// The key signing internal calls: the configured one, or in an explicit demo the
    /// development key.
    pub fn service_key(&self) -> Option<&str> {
        match &self.service_key {
            Some(k) => Some(k.expose()),
            None if self.is_explicit_demo() => Some(DEV_SERVICE_KEY),
            None => None,
        }
    }

    /// Readies the secrets of a process about to serve: the embedded default (SQLite files,
    /// every service in one process) fills in unset keys from `<data_dir>/secrets.toml`,
    /// making and keeping random ones on its first start; then [`Config::check_secrets`].
    pub fn settle_secrets(&mut self, separate_processes: bool) -> Result<(), ConfigError> {
        if self.database_url.is_none() && !separate_processes && !self.is_explicit_demo() {
            let needs_token_key = self.uses_dev_secret();
            if needs_token_key || self.audit_signing_key.is_none() {
                let kept = secrets::kept_or_made(&self.data_dir)?;
                if needs_token_key {
                    self.jwt_secret = kept.jwt_secret;
                }
                if self.audit_signing_key.is_none() {
                    self.audit_signing_key = Some(kept.audit_signing_key);
                }
            }
        }
        self.check_secrets(separate_processes)
    }

    /// Refuses, outside an explicit demo, a built-in, missing or short token key, a missing
    /// audit signing key, and (when services run as separate processes) a missing or short
    /// service key.
    pub fn check_secrets(&self, separate_processes: bool) -> Result<(), ConfigError> {
        if self.is_explicit_demo() {
            return Ok(());
        }
        let refuse = |key: &'static str, message: &str| {
            Err(ConfigError::Invalid {
                key,
                message: format!("{message} (outside a demo started with --demo true)"),
            })
        };
        if self.uses_dev_secret() {
            return refuse(
                "jwt_secret",
                "the built-in development key is refused; set DUBAN_JWT_SECRET to a random value of at least 32 bytes",
            );
        }
        if self.jwt_secret.expose().len() < MIN_SECRET_LEN {
            return refuse("jwt_secret", "must be at least 32 bytes");
        }
        if self.audit_signing_key.is_none() {
            return refuse(
                "audit_signing_key",
                "is required; set DUBAN_AUDIT_SIGNING_KEY to 64 random hex digits",
            );
        }
        if separate_processes {
            match &self.service_key {
                None => {
                    return refuse(
                        "service_key",
                        "is required when services run as separate processes; set DUBAN_SERVICE_KEY to a random value of at least 32 bytes shared by every duban process",
                    )
                }
                Some(k) if k.expose().len() < MIN_SECRET_LEN => {
                    return refuse("service_key", "must be at least 32 bytes")
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// Every setting is a flag (and variable) or listed as a file-only one, read off the
    /// two declarations, so a new setting cannot go unlisted in `--help`.
    #[test]
    fn every_setting_is_a_flag_or_listed_as_file_only() {
        let src = include_str!("lib.rs");
        let fields = |decl: &str| -> Vec<String> {
            let body = src
                .split(decl)
                .nth(1)
                .unwrap()
                .split("\n}\n")
                .next()
                .unwrap();
            body.lines()
                .filter_map(|l| l.trim().strip_prefix("pub "))
                .filter_map(|l| l.split(':').next())
                .map(str::to_string)
                .collect()
        };
        let config = fields("pub struct Config {");
        let flags = fields("pub struct ConfigArgs {");
        for f in &config {
            let listed = FILE_ONLY.iter().any(|(k, _)| k == f);
            let flag = flags.contains(f);
            assert!(
                listed != flag,
                "{f}: a flag xor file-only (flag {flag}, listed {listed})"
            );
        }
        for (k, _) in FILE_ONLY {
            assert!(config.iter().any(|f| f == k), "{k} is no setting");
        }
    }

    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_the_defaults() {
        let dir = std::env::temp_dir().join(format!("duban-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("duban.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ntenant = \"c-from-file\"\nextension_cap_days = 5\n",
        )
        .unwrap();
        let args = ConfigArgs {
            config: Some(file),
            tenant: Some("c-from-flag".into()),
            ..Default::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.tenant, "c-from-flag");
        assert_eq!((c.extension_cap_days, c.due_soon_working_days), (5, 2));
        assert!(c.loads_demo_data() && !c.is_explicit_demo());
        assert!(c.uses_dev_secret());
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("duban-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let err = Config::load(&ConfigArgs {
            config: Some(file.clone()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("bad.toml"), "{err}");
        assert!(err.to_string().contains("lisen"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = Config {
            jwt_secret: Secret::new("a-very-secret-signing-key"),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("a-very-secret"));
    }
}
