//! Signed checkpoints in the C2SP formats (tlog-checkpoint inside a signed-note):
//!
//! ```text
//! <origin>
//! <tree size>
//! <base64 root hash>
//! suite <sha256-ed25519 | sm3-sm2>
//!
//! — <key name> <base64(key id ‖ signature)>
//! ```
//!
//! Ed25519 notes follow C2SP exactly (algorithm byte 0x01). SM2 (国密) has no C2SP
//! algorithm byte; duban uses 0xff followed by `sm2` in the key id and key encoding, and
//! signs with the default distinguishing id `1234567812345678`. The suite line names the
//! tree hash (SHA-256 or SM3), and the verifier follows it.

use crate::merkle::{Hash, HashAlg};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The cipher suite of a log: tree hash and signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    /// SHA-256 tree, Ed25519 signatures (default).
    Sha256Ed25519,
    /// SM3 tree, SM2 signatures (国密).
    Sm3Sm2,
}

const SM2_DISTID: &str = "1234567812345678";

impl Suite {
    /// The name in the checkpoint's suite line and in configuration.
    pub fn name(self) -> &'static str {
        match self {
            Suite::Sha256Ed25519 => "sha256-ed25519",
            Suite::Sm3Sm2 => "sm3-sm2",
        }
    }

    /// Parses a suite name.
    pub fn parse(s: &str) -> Option<Suite> {
        [Suite::Sha256Ed25519, Suite::Sm3Sm2]
            .into_iter()
            .find(|x| x.name() == s)
    }

    /// The tree hash of the suite.
    pub fn hash(self) -> HashAlg {
        match self {
            Suite::Sha256Ed25519 => HashAlg::Sha256,
            Suite::Sm3Sm2 => HashAlg::Sm3,
        }
    }

    fn alg_bytes(self) -> &'static [u8] {
        match self {
            Suite::Sha256Ed25519 => &[0x01],
            Suite::Sm3Sm2 => b"\xffsm2",
        }
    }
}

/// Why a checkpoint or key was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note or key text is not in the expected format.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// No signature by the given key, or the signature is wrong.
    #[error("signature does not verify")]
    BadSignature,
    /// The key is not usable.
    #[error("bad key: {0}")]
    BadKey(String),
}

/// A verified tree head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log identity.
    pub origin: String,
    /// Leaves covered.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// Suite named by the checkpoint.
    pub suite: Suite,
}

impl Checkpoint {
    /// The note body that is signed.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\nsuite {}\n",
            self.origin,
            self.size,
            B64.encode(self.root),
            self.suite.name()
        )
    }

    fn parse_body(body: &str) -> Result<Checkpoint, CheckpointError> {
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or(CheckpointError::Malformed("origin"))?;
        let size = lines
            .next()
            .and_then(|l| l.parse::<u64>().ok())
            .ok_or(CheckpointError::Malformed("size"))?;
        let root: Hash = lines
            .next()
            .and_then(|l| B64.decode(l).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or(CheckpointError::Malformed("root"))?;
        let suite = lines
            .next()
            .and_then(|l| l.strip_prefix("suite "))
            .and_then(Suite::parse)
            .ok_or(CheckpointError::Malformed("suite"))?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            suite,
        })
    }
}

enum Key {
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// Signs checkpoints with the log's key.
pub struct Signer {
    name: String,
    suite: Suite,
    key: Key,
}

fn key_id(name: &str, suite: Suite, public: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(suite.alg_bytes());
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

impl Signer {
    /// A signer named `name` (the log origin) with a 32-byte secret seed.
    pub fn new(name: &str, suite: Suite, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        let key = match suite {
            Suite::Sha256Ed25519 => {
                Key::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(seed)))
            }
            Suite::Sm3Sm2 => Key::Sm2(Box::new(
                sm2::dsa::SigningKey::from_slice(SM2_DISTID, seed)
                    .map_err(|e| CheckpointError::BadKey(e.to_string()))?,
            )),
        };
        Ok(Self {
            name: name.to_string(),
            suite,
            key,
        })
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The log origin (key name).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn public(&self) -> Vec<u8> {
        match &self.key {
            Key::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            Key::Sm2(k) => k.verifying_key().to_sec1_bytes().to_vec(),
        }
    }

    /// The verifier key a discipline commission keeps: `<name>+<key id hex>+<base64(alg ‖ key)>`.
    pub fn verifier_key(&self) -> String {
        let public = self.public();
        let id = key_id(&self.name, self.suite, &public);
        let mut enc = self.suite.alg_bytes().to_vec();
        enc.extend_from_slice(&public);
        format!("{}+{}+{}", self.name, hex::encode(id), B64.encode(enc))
    }

    /// Signs a tree head; returns the whole note text.
    pub fn sign(&self, size: u64, root: Hash) -> String {
        let cp = Checkpoint {
            origin: self.name.clone(),
            size,
            root,
            suite: self.suite,
        };
        let body = cp.body();
        let sig: Vec<u8> = match &self.key {
            Key::Ed25519(k) => {
                use ed25519_dalek::Signer as _;
                k.sign(body.as_bytes()).to_bytes().to_vec()
            }
            Key::Sm2(k) => {
                use sm2::dsa::signature::Signer as _;
                let s: sm2::dsa::Signature = k.sign(body.as_bytes());
                s.to_bytes().to_vec()
            }
        };
        let mut blob = key_id(&self.name, self.suite, &self.public()).to_vec();
        blob.extend_from_slice(&sig);
        format!("{body}\n\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// Checks a signed checkpoint note against a verifier key; returns the tree head.
pub fn verify(note: &str, verifier_key: &str) -> Result<Checkpoint, CheckpointError> {
    let mut parts = verifier_key.splitn(3, '+');
    let (name, id_hex, key_b64) = match (parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(i), Some(k)) => (n, i, k),
        _ => return Err(CheckpointError::Malformed("verifier key")),
    };
    let enc = B64
        .decode(key_b64)
        .map_err(|_| CheckpointError::Malformed("verifier key"))?;
    let (suite, public) = if enc.first() == Some(&0x01) {
        (Suite::Sha256Ed25519, &enc[1..])
    } else if enc.starts_with(b"\xffsm2") {
        (Suite::Sm3Sm2, &enc[4..])
    } else {
        return Err(CheckpointError::Malformed("key algorithm"));
    };
    let id = key_id(name, suite, public);
    if hex::encode(id) != id_hex {
        return Err(CheckpointError::Malformed("key id"));
    }
    let (body, sigs) = note
        .split_once("\n\n")
        .map(|(b, s)| (format!("{b}\n"), s))
        .ok_or(CheckpointError::Malformed("note"))?;
    let cp = Checkpoint::parse_body(&body)?;
    if cp.suite != suite || cp.origin != name {
        return Err(CheckpointError::BadSignature);
    }
    for line in sigs.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            continue;
        };
        let Some((signer, sig_b64)) = rest.split_once(' ') else {
            continue;
        };
        let Ok(blob) = B64.decode(sig_b64) else {
            continue;
        };
        if signer != name || blob.len() < 4 || blob[..4] != id {
            continue;
        }
        let sig = &blob[4..];
        let ok = match suite {
            Suite::Sha256Ed25519 => {
                let vk = ed25519_dalek::VerifyingKey::from_bytes(
                    public
                        .try_into()
                        .map_err(|_| CheckpointError::BadKey("length".into()))?,
                )
                .map_err(|e| CheckpointError::BadKey(e.to_string()))?;
                let s = ed25519_dalek::Signature::from_slice(sig)
                    .map_err(|_| CheckpointError::BadSignature)?;
                vk.verify_strict(body.as_bytes(), &s).is_ok()
            }
            Suite::Sm3Sm2 => {
                use sm2::dsa::signature::Verifier as _;
                let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTID, public)
                    .map_err(|e| CheckpointError::BadKey(e.to_string()))?;
                let s = sm2::dsa::Signature::from_slice(sig)
                    .map_err(|_| CheckpointError::BadSignature)?;
                vk.verify(body.as_bytes(), &s).is_ok()
            }
        };
        if ok {
            return Ok(cp);
        }
        return Err(CheckpointError::BadSignature);
    }
    Err(CheckpointError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_checkpoint_verifies_and_a_changed_one_does_not() {
        for suite in [Suite::Sha256Ed25519, Suite::Sm3Sm2] {
            let s = Signer::new("duban.example/qs", suite, &[7u8; 32]).unwrap();
            let root = suite.hash().leaf(b"x");
            let note = s.sign(42, root);
            assert!(note.starts_with("duban.example/qs\n42\n"), "{note}");
            assert!(note.contains(&format!(
                "suite {}\n\n\u{2014} duban.example/qs ",
                suite.name()
            )));
            let cp = verify(&note, &s.verifier_key()).unwrap();
            assert_eq!((cp.size, cp.root, cp.suite), (42, root, suite));
            let forged = note.replacen("\n42\n", "\n43\n", 1);
            assert_eq!(
                verify(&forged, &s.verifier_key()),
                Err(CheckpointError::BadSignature)
            );
            let other = Signer::new("duban.example/qs", suite, &[8u8; 32]).unwrap();
            assert!(verify(&note, &other.verifier_key()).is_err());
        }
    }

    #[test]
    fn the_ed25519_key_id_follows_c2sp_signed_note() {
        let s = Signer::new("example.com/log", Suite::Sha256Ed25519, &[1u8; 32]).unwrap();
        let vkey = s.verifier_key();
        let parts: Vec<_> = vkey.split('+').collect();
        let enc = B64.decode(parts[2]).unwrap();
        assert_eq!(enc[0], 0x01);
        assert_eq!(enc.len(), 33);
        let mut h = Sha256::new();
        h.update(b"example.com/log\n\x01");
        h.update(&enc[1..]);
        assert_eq!(parts[1], hex::encode(&h.finalize()[..4]));
    }
}
