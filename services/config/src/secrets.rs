//! The secrets the embedded default makes for itself on its first start and keeps in its
//! data folder (readable by its owner only), so no built-in key is ever in use.

use crate::{ConfigError, Secret, SECRETS_FILE};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::Path;

/// The keys kept in `<data_dir>/secrets.toml`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Kept {
    pub(crate) jwt_secret: Secret,
    pub(crate) audit_signing_key: Secret,
}

fn random_hex(bytes: usize) -> Result<String, ConfigError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ConfigError::Invalid {
        key: "secrets",
        message: format!("no randomness from the operating system: {e}"),
    })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The kept keys, made and written first when the folder has none.
pub(crate) fn kept_or_made(data_dir: &Path) -> Result<Kept, ConfigError> {
    let path = data_dir.join(SECRETS_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        return toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.clone(),
            message: e.to_string(),
        });
    }
    let kept = Kept {
        jwt_secret: Secret::new(random_hex(32)?),
        audit_signing_key: Secret::new(random_hex(32)?),
    };
    let text = format!(
        "# Made by duban on its first start; keep it private and back it up with the data.\n\
         jwt_secret = \"{}\"\naudit_signing_key = \"{}\"\n",
        kept.jwt_secret.expose(),
        kept.audit_signing_key.expose()
    );
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&path)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    };
    write().map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    Ok(kept)
}
