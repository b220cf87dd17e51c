//! The one typed configuration of a duban process: built-in defaults, then an
//! optional TOML file, then `DUBAN_…` environment variables and command-line flags.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

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
#[derive(Clone, Deserialize, PartialEq, Eq)]
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

/// The development signing key; `duban serve` warns when it is in use.
pub const DEV_JWT_SECRET: &str = "duban-dev-secret-change-me";

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
    /// HS256 key for bearer tokens. Default: a development key (warned about).
    pub jwt_secret: Secret,
    /// Lifetime of tokens made by `duban token`, in hours. Default 12.
    pub token_ttl_hours: i64,
    /// Tenant (county) id this deployment serves. Default `demo-county`.
    pub tenant: String,
    /// Load demo data into an empty database on start. Default true.
    pub demo: bool,
    /// Event transport. Default in-process.
    pub transport: TransportKind,
    /// Log format. Default human.
    pub log_format: LogFormat,
    /// Log filter in `tracing` syntax. Default `info`.
    pub log_filter: String,
    /// Working days before the time limit at which an item turns yellow. Default 1.
    pub yellow_days_before_due: i64,
    /// Largest GraphQL page. Default 100.
    pub max_page_size: usize,
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
            demo: true,
            transport: TransportKind::InProcess,
            log_format: LogFormat::Human,
            log_filter: "info".into(),
            yellow_days_before_due: 1,
            max_page_size: 100,
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
    /// Load demo data into an empty database [default: true].
    #[arg(long, env = "DUBAN_DEMO", global = true)]
    pub demo: Option<bool>,
    /// Event transport [default: in-process].
    #[arg(long, env = "DUBAN_TRANSPORT", global = true)]
    pub transport: Option<TransportKind>,
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
            c.demo = v;
        }
        if let Some(v) = args.transport {
            c.transport = v;
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

    /// Whether the development signing key is in use.
    pub fn uses_dev_secret(&self) -> bool {
        self.jwt_secret.expose() == DEV_JWT_SECRET
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_the_defaults() {
        let dir = std::env::temp_dir().join(format!("duban-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("duban.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ntenant = \"c-from-file\"\n",
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
        assert!(c.demo);
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
