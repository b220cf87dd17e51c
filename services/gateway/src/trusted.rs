//! Trusted documents: the dashboard's GraphQL operations are compiled into the binary and
//! named by the SHA-256 of their text; a request may send only that hash (Apollo's
//! `extensions.persistedQuery`). In trusted mode nothing else runs, over HTTP or WebSocket.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{ErrorExtensions, Request, ServerError, ServerResult, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

/// The dashboard's operations, one per block (see the file's head).
pub const SOURCE: &str = include_str!("../assets/dashboard/operations.graphql");

/// The registered operations: by hash the text, by name the hash.
pub struct Registry {
    by_hash: HashMap<String, String>,
    /// Operation name → hash, for the page.
    pub names: BTreeMap<String, String>,
}

fn starts_operation(line: &str) -> Option<&str> {
    ["query ", "mutation ", "subscription "]
        .iter()
        .find_map(|k| line.strip_prefix(k))
        .map(|rest| rest.split(['(', ' ', '{']).next().unwrap_or(""))
}

/// The hex SHA-256 of a document's text.
pub fn hash(text: &str) -> String {
    hash_bytes(text.as_bytes())
}

/// The hex SHA-256 of bytes.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Registry {
    /// Splits `source` into operations: each starts at a line beginning with `query`,
    /// `mutation` or `subscription` and runs, with the fragments after it, to the next.
    pub fn parse(source: &str) -> Self {
        let mut blocks: Vec<(String, String)> = Vec::new();
        for line in source.lines() {
            if let Some(name) = starts_operation(line) {
                blocks.push((name.to_string(), String::new()));
            }
            if let Some((_, text)) = blocks.last_mut() {
                if !line.starts_with('#') {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        let mut by_hash = HashMap::new();
        let mut names = BTreeMap::new();
        for (name, text) in blocks {
            let text = text.trim().to_string();
            let h = hash(&text);
            names.insert(name, h.clone());
            by_hash.insert(h, text);
        }
        Self { by_hash, names }
    }

    /// The text registered under `hash`.
    pub fn get(&self, hash: &str) -> Option<&str> {
        self.by_hash.get(hash).map(String::as_str)
    }

    /// Every registered operation's text.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.by_hash.values().map(String::as_str)
    }
}

/// The registry of the compiled-in operations.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry::parse(SOURCE));

/// The extension that fills a request from its hash and, in trusted mode, refuses
/// documents that are not registered.
pub struct TrustedDocuments {
    /// Refuse every document that is not registered.
    pub only_registered: bool,
}

impl ExtensionFactory for TrustedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TrustedDocumentsExtension {
            only_registered: self.only_registered,
        })
    }
}

struct TrustedDocumentsExtension {
    only_registered: bool,
}

fn refused(code: &'static str, message: &str) -> ServerError {
    async_graphql::Error::new(message)
        .extend_with(|_, e| e.set("code", code))
        .into_server_error(async_graphql::Pos::default())
}

fn sent_hash(request: &Request) -> Option<String> {
    match request.extensions.get("persistedQuery") {
        Some(Value::Object(o)) => match o.get("sha256Hash") {
            Some(Value::String(h)) => Some(h.to_ascii_lowercase()),
            _ => None,
        },
        _ => None,
    }
}

/// What the request runs, or why it is refused.
pub fn admit(mut request: Request, only_registered: bool) -> ServerResult<Request> {
    match sent_hash(&request) {
        Some(h) => {
            let Some(text) = REGISTRY.get(&h) else {
                return Err(refused(
                    "PERSISTED_QUERY_NOT_FOUND",
                    "未登记的查询编号；请刷新页面后重试",
                ));
            };
            if request.query.trim().is_empty() {
                request.query = text.to_string();
            } else if hash(request.query.trim()) != h {
                return Err(refused("VALIDATION", "查询文本与其编号（sha256Hash）不符"));
            }
            Ok(request)
        }
        None if only_registered && REGISTRY.get(&hash(request.query.trim())).is_none() => {
            Err(refused(
                "UNTRUSTED_OPERATION",
                "本系统只执行已登记的查询（可信文档模式），请使用督办看板或联系管理员",
            ))
        }
        None => Ok(request),
    }
}

#[async_trait::async_trait]
impl Extension for TrustedDocumentsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = admit(request, self.only_registered)?;
        next.run(ctx, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_hash(h: &str) -> Request {
        let mut r = Request::new("");
        r.extensions.insert(
            "persistedQuery".into(),
            Value::from_json(serde_json::json!({"version": 1, "sha256Hash": h})).unwrap(),
        );
        r
    }

    #[test]
    fn every_operation_is_registered_by_name_with_its_fragments() {
        let r = &*REGISTRY;
        for name in [
            "Me",
            "Board",
            "UnitItems",
            "Item",
            "Mine",
            "Acknowledge",
            "BoardChanged",
        ] {
            assert!(r.names.contains_key(name), "{name}");
        }
        let board = r.get(&r.names["Board"]).unwrap();
        assert!(board.starts_with("query Board(") && board.contains("fragment Figures"));
        assert!(!board.contains("query UnitItems"));
        assert!(r.texts().all(|t| !t.contains("# ")));
    }

    #[test]
    fn a_hash_fills_the_query_and_trusted_mode_refuses_the_rest() {
        let h = REGISTRY.names["Me"].clone();
        let filled = admit(with_hash(&h), true).unwrap();
        assert!(filled.query.starts_with("query Me"));
        let code = |e: ServerError| e.extensions.and_then(|x| x.get("code").cloned());
        let unknown = admit(with_hash(&"0".repeat(64)), false).unwrap_err();
        assert_eq!(
            code(unknown),
            Some(Value::from("PERSISTED_QUERY_NOT_FOUND"))
        );
        let mut mismatched = with_hash(&h);
        mismatched.query = "{ orgUnits { id } }".into();
        assert!(admit(mismatched, false).is_err());
        let free = Request::new("{ orgUnits { id } }");
        assert!(admit(free, false).is_ok(), "open mode runs any document");
        let free = Request::new("{ orgUnits { id } }");
        let e = admit(free, true).unwrap_err();
        assert_eq!(code(e), Some(Value::from("UNTRUSTED_OPERATION")));
        let registered_text = Request::new(REGISTRY.get(&h).unwrap());
        assert!(admit(registered_text, true).is_ok());
    }
}
