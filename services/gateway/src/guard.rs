//! What the gateway refuses inside GraphQL itself: too many aliases or fields in one
//! document, too many errors in one answer, and refusals without a code (depth, cost,
//! parse, unknown fields) turned into API.md's codes with Chinese messages. Documents
//! that passed are kept by their text, so a client's repeated operation is not parsed again.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Positioned, ServerError, ServerResult, Variables};
use hashlink::LruCache;
use std::sync::{Arc, Mutex};

/// The most aliased fields one document may hold.
pub const MAX_ALIASES: usize = 30;
/// The most field selections one document may hold, fragments counted once.
pub const MAX_FIELDS: usize = 500;
/// The most errors one answer lists.
pub const MAX_ERRORS: usize = 20;
/// How many admitted documents are kept, most recently used first.
pub const KEPT_DOCUMENTS: usize = 128;
/// The longest query text kept (a longer one is parsed each time).
pub const KEPT_TEXT_BYTES: usize = 8 * 1024;

/// Admitted documents by their text.
type Kept = Arc<Mutex<LruCache<String, Arc<ExecutableDocument>>>>;

/// The extension counting a document's aliases and fields once it is parsed, and, for
/// callers without a token, refusing introspection; it keeps the documents it admits.
pub struct DocumentBounds {
    /// Refuse `__schema` and `__type` (callers without a token, outside a demo).
    refuse_introspection: bool,
    kept: Kept,
}

impl DocumentBounds {
    /// The bounds, refusing introspection when `refuse_introspection`.
    pub fn new(refuse_introspection: bool) -> Self {
        Self {
            refuse_introspection,
            kept: Arc::new(Mutex::new(LruCache::new(KEPT_DOCUMENTS))),
        }
    }
}

impl ExtensionFactory for DocumentBounds {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentBoundsExtension {
            refuse_introspection: self.refuse_introspection,
            kept: self.kept.clone(),
        })
    }
}

struct DocumentBoundsExtension {
    refuse_introspection: bool,
    kept: Kept,
}

impl DocumentBoundsExtension {
    /// A kept document of this text; the lock is never held across an await.
    fn kept(&self, query: &str) -> Option<ExecutableDocument> {
        let doc = {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.get(query).cloned()
        };
        doc.map(|d| (*d).clone())
    }

    fn keep(&self, query: &str, doc: &ExecutableDocument) {
        if query.len() <= KEPT_TEXT_BYTES {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.insert(query.to_string(), Arc::new(doc.clone()));
        }
    }

    /// Refuses a document over the bounds.
    fn check(&self, doc: &ExecutableDocument) -> ServerResult<()> {
        let mut t = Tally::default();
        for (_, op) in doc.operations.iter() {
            count(&op.node.selection_set, &mut t);
        }
        for f in doc.fragments.values() {
            count(&f.node.selection_set, &mut t);
        }
        if self.refuse_introspection && t.introspection {
            return Err(refused(
                "UNAUTHENTICATED",
                "接口结构仅向已登录的调用方开放，请携带令牌后再查询".into(),
            ));
        }
        if t.aliases > MAX_ALIASES {
            return Err(refused(
                "QUERY_TOO_COMPLEX",
                format!(
                    "一次查询最多使用{MAX_ALIASES}个别名（本次{}个），请分多次查询",
                    t.aliases
                ),
            ));
        }
        if t.fields > MAX_FIELDS {
            return Err(refused(
                "QUERY_TOO_COMPLEX",
                format!(
                    "一次查询最多选择{MAX_FIELDS}个字段（本次{}个），请分多次查询",
                    t.fields
                ),
            ));
        }
        Ok(())
    }
}

#[derive(Default)]
struct Tally {
    aliases: usize,
    fields: usize,
    introspection: bool,
}

fn count(set: &Positioned<SelectionSet>, t: &mut Tally) {
    for s in &set.node.items {
        match &s.node {
            Selection::Field(f) => {
                t.fields += 1;
                t.aliases += usize::from(f.node.alias.is_some());
                let name = f.node.name.node.as_str();
                t.introspection |= name == "__schema" || name == "__type";
                count(&f.node.selection_set, t);
            }
            Selection::InlineFragment(i) => count(&i.node.selection_set, t),
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn refused(code: &'static str, message: String) -> ServerError {
    async_graphql::Error::new(message)
        .extend_with(|_, e| e.set("code", code))
        .into_server_error(async_graphql::Pos::default())
}

#[async_trait::async_trait]
impl Extension for DocumentBoundsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // A kept document passed parsing, async-graphql's depth and directive checks and
        // these bounds under the same schema; none depends on anything but the text.
        if let Some(doc) = self.kept(query) {
            return Ok(doc);
        }
        let doc = next.run(ctx, query, variables).await?;
        self.check(&doc)?;
        self.keep(query, &doc);
        Ok(doc)
    }
}

/// The code and Chinese message for a refusal async-graphql raised without a code.
fn classify(message: &str) -> (&'static str, String) {
    let m = message;
    if m.contains("too complex") {
        (
            "QUERY_TOO_COMPLEX",
            "查询成本过高：请减少每页条数（first）、别名或字段后分页查询".into(),
        )
    } else if m.contains("nested too deep") {
        ("QUERY_TOO_COMPLEX", "查询嵌套层数过多，请减少嵌套".into())
    } else if m.contains("recursion depth") || m.contains("Too many directives") {
        ("QUERY_TOO_COMPLEX", "查询中的嵌套或指令过多".into())
    } else if m.contains("introspection") || m.contains("Unknown field \"__") {
        ("FORBIDDEN", "请先登录后再查询接口结构".into())
    } else if m.contains("Unknown") || m.contains("unknown") || m.contains("Invalid value") {
        ("VALIDATION", format!("查询有误：{}", strip_suggestion(m)))
    } else {
        (
            "VALIDATION",
            format!("查询语法或参数有误：{}", strip_suggestion(m)),
        )
    }
}

/// The message without async-graphql's "Did you mean" hint.
fn strip_suggestion(m: &str) -> &str {
    m.split(" Did you mean").next().unwrap_or(m)
}

/// Gives every error without a code one from API.md's table, with a Chinese message (the
/// original kept as `detail`), and lists at most [`MAX_ERRORS`] of them.
pub fn code_errors(resp: &mut async_graphql::Response, anonymous: bool) {
    let total = resp.errors.len();
    resp.errors.truncate(MAX_ERRORS);
    for e in &mut resp.errors {
        let coded = e
            .extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some());
        if coded {
            continue;
        }
        let (code, message) = classify(&e.message);
        let detail = if anonymous {
            strip_suggestion(&e.message).to_string()
        } else {
            std::mem::take(&mut e.message)
        };
        e.message = message;
        let ext = e.extensions.get_or_insert_with(Default::default);
        ext.set("code", code);
        ext.set("detail", detail);
    }
    if total > MAX_ERRORS {
        let mut more = ServerError::new(format!("另有{}个错误未列出", total - MAX_ERRORS), None);
        more.extensions
            .get_or_insert_with(Default::default)
            .set("code", "VALIDATION");
        resp.errors.push(more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_without_a_code_get_one_and_a_chinese_message() {
        for (english, code) in [
            ("Query is too complex.", "QUERY_TOO_COMPLEX"),
            ("Query is nested too deep.", "QUERY_TOO_COMPLEX"),
            (
                "Unknown field \"x\" on type \"Query\". Did you mean \"me\"?",
                "VALIDATION",
            ),
            (
                " --> 1:3\n  |\n1 | { {\n  |   ^---\n  |\n  = expected name",
                "VALIDATION",
            ),
        ] {
            let mut resp =
                async_graphql::Response::from_errors(vec![ServerError::new(english, None)]);
            code_errors(&mut resp, true);
            let e = &resp.errors[0];
            let ext = serde_json::to_value(e.extensions.as_ref()).unwrap_or_default();
            assert_eq!(ext["code"], code, "{english}");
            assert!(!e.message.is_ascii(), "a Chinese message for {english}");
            assert!(!ext["detail"]
                .as_str()
                .unwrap_or("")
                .contains("Did you mean"));
        }
    }

    #[test]
    fn the_error_list_is_capped() {
        let errors = (0..100).map(|i| ServerError::new(format!("Unknown field {i}"), None));
        let mut resp = async_graphql::Response::from_errors(errors.collect());
        code_errors(&mut resp, false);
        assert_eq!(resp.errors.len(), MAX_ERRORS + 1);
        assert!(resp.errors[MAX_ERRORS].message.contains("80"));
    }

    struct Q;

    #[async_graphql::Object]
    impl Q {
        async fn a(&self) -> i32 {
            1
        }
        async fn b(&self) -> i32 {
            2
        }
    }

    type S =
        async_graphql::Schema<Q, async_graphql::EmptyMutation, async_graphql::EmptySubscription>;

    fn schema(refuse_introspection: bool) -> (S, Kept) {
        let bounds = DocumentBounds::new(refuse_introspection);
        let kept = bounds.kept.clone();
        let s = async_graphql::Schema::build(
            Q,
            async_graphql::EmptyMutation,
            async_graphql::EmptySubscription,
        )
        .extension(bounds)
        .finish();
        (s, kept)
    }

    fn kept_len(k: &Kept) -> usize {
        k.lock().unwrap().len()
    }

    fn code(r: &async_graphql::Response) -> Option<String> {
        let e = r.errors.first()?;
        let ext = serde_json::to_value(e.extensions.as_ref()?).ok()?;
        ext["code"].as_str().map(String::from)
    }

    #[tokio::test]
    async fn a_refused_document_is_refused_every_time_and_only_admitted_ones_are_kept() {
        let (s, kept) = schema(false);
        let aliases: String = (0..=MAX_ALIASES).map(|i| format!("x{i}: a ")).collect();
        let over = format!("{{ {aliases} }}");
        for _ in 0..2 {
            let r = s.execute(over.as_str()).await;
            assert_eq!(code(&r).as_deref(), Some("QUERY_TOO_COMPLEX"), "{r:?}");
        }
        assert_eq!(kept_len(&kept), 0);
        for _ in 0..2 {
            let r = s.execute("{ a }").await;
            assert!(r.errors.is_empty(), "{r:?}");
            assert_eq!(r.data.to_string(), "{a: 1}");
        }
        assert_eq!(kept_len(&kept), 1);
        let long = format!("{{ a {} }}", " ".repeat(KEPT_TEXT_BYTES));
        assert!(s.execute(long.as_str()).await.errors.is_empty());
        assert_eq!(kept_len(&kept), 1, "a text over the bound is not kept");
        for i in 0..KEPT_DOCUMENTS + 5 {
            assert!(s
                .execute(format!("{{ a # {i}\n }}"))
                .await
                .errors
                .is_empty());
        }
        assert_eq!(kept_len(&kept), KEPT_DOCUMENTS);
    }

    #[tokio::test]
    async fn introspection_admitted_for_one_schema_is_still_refused_by_the_other() {
        let (signed_in, _) = schema(false);
        let (anonymous, kept) = schema(true);
        let q = "{ __schema { queryType { name } } }";
        assert!(signed_in.execute(q).await.errors.is_empty());
        for _ in 0..2 {
            let r = anonymous.execute(q).await;
            assert_eq!(code(&r).as_deref(), Some("UNAUTHENTICATED"), "{r:?}");
        }
        assert_eq!(kept_len(&kept), 0);
    }

    #[tokio::test]
    async fn a_kept_document_skips_by_each_request_s_own_variables() {
        let (s, _) = schema(false);
        let q = "query($s: Boolean!) { a b @skip(if: $s) }";
        let run = |skip: bool| {
            let r = async_graphql::Request::new(q).variables(async_graphql::Variables::from_json(
                serde_json::json!({"s": skip}),
            ));
            s.execute(r)
        };
        assert_eq!(run(true).await.data.to_string(), "{a: 1}");
        assert_eq!(run(false).await.data.to_string(), "{a: 1, b: 2}");
        assert_eq!(run(true).await.data.to_string(), "{a: 1}");
    }
}
