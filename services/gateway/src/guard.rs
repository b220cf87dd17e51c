//! What the gateway refuses inside GraphQL itself: too many aliases or fields in one
//! document, too many errors in one answer, and refusals without a code (depth, cost,
//! parse, unknown fields) turned into API.md's codes with Chinese messages.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Positioned, ServerError, ServerResult, Variables};
use std::sync::Arc;

/// The most aliased fields one document may hold.
pub const MAX_ALIASES: usize = 30;
/// The most field selections one document may hold, fragments counted once.
pub const MAX_FIELDS: usize = 500;
/// The most errors one answer lists.
pub const MAX_ERRORS: usize = 20;

/// The extension counting a document's aliases and fields once it is parsed, and, for
/// callers without a token, refusing introspection.
pub struct DocumentBounds {
    /// Refuse `__schema` and `__type` (callers without a token, outside a demo).
    pub refuse_introspection: bool,
}

impl ExtensionFactory for DocumentBounds {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentBoundsExtension {
            refuse_introspection: self.refuse_introspection,
        })
    }
}

struct DocumentBoundsExtension {
    refuse_introspection: bool,
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
        let doc = next.run(ctx, query, variables).await?;
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
}
