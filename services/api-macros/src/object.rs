//! `#[graphql_object(name = "…")]`: a contract type as the GraphQL object the gateway serves,
//! its doc lines the descriptions. Ids (`id`, `…_id`, `…_ids` of strings) become `ID`,
//! instants `DateTime`, days `Date`, each through `crate::graphql`; `#[gql(id)]` makes any
//! string field an id, `#[gql(plain)]` keeps an `…_id` a string, `#[gql(skip)]` hides one; a `#[serde(flatten)]`
//! field's fields are served in its place.

use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Fields, ItemStruct, LitStr};

/// What the attribute names: the GraphQL name, and the feature it hangs on, if any.
pub(crate) struct Args {
    pub(crate) name: LitStr,
    pub(crate) feature: Option<LitStr>,
}

impl syn::parse::Parse for Args {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let (mut name, mut feature) = (None, None);
        let pairs =
            syn::punctuated::Punctuated::<syn::MetaNameValue, syn::Token![,]>::parse_terminated(
                input,
            )?;
        for p in pairs {
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &p.value
            else {
                return Err(syn::Error::new_spanned(&p.value, "expected a string"));
            };
            if p.path.is_ident("name") {
                name = Some(s.clone());
            } else if p.path.is_ident("feature") {
                feature = Some(s.clone());
            } else {
                return Err(syn::Error::new_spanned(&p.path, "expected name or feature"));
            }
        }
        let name = name.ok_or_else(|| input.error("name = \"…\" is required"))?;
        Ok(Args { name, feature })
    }
}

/// How a field is served.
pub(crate) enum Served {
    AsIs,
    Skip,
    Converted(String),
}

/// What a field's `#[gql(…)]` markers say: how it is served (`id`, `plain`, `skip`, or
/// `into = "Type"` for a GraphQL type the contract's value converts to by `GraphqlForm`), the
/// name a converted field is served under (`name = "…"`, snake case) and, for inputs, its
/// default (`default`, `default_with = "…"`).
#[derive(Default)]
pub(crate) struct Marks {
    pub(crate) serve: Option<String>,
    pub(crate) default: bool,
    pub(crate) default_with: Option<LitStr>,
    pub(crate) into: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
}

/// Reads a field's `#[gql(…)]` markers, and takes them off it when `take`.
pub(crate) fn marks(field: &mut syn::Field, take: bool) -> syn::Result<Marks> {
    let mut m = Marks::default();
    for a in field.attrs.iter().filter(|a| a.path().is_ident("gql")) {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                m.name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("into") {
                m.into = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("default_with") {
                m.default_with = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("default") {
                m.default = true;
            } else if let Some(i) = meta.path.get_ident() {
                m.serve = Some(i.to_string());
            }
            Ok(())
        })?;
    }
    if take {
        field.attrs.retain(|a| !a.path().is_ident("gql"));
    }
    Ok(m)
}

/// Whether the item also carries the other GraphQL attribute, which then reads the markers.
pub(crate) fn also_derived(attrs: &[syn::Attribute], other: &str) -> bool {
    attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == other))
}

/// Whether the field's `#[serde(…)]` names `flag` (`default`, `flatten`).
pub(crate) fn serde_says(attrs: &[syn::Attribute], flag: &str) -> bool {
    attrs.iter().any(|a| {
        let mut found = false;
        if a.path().is_ident("serde") {
            let _ = a.parse_nested_meta(|m| {
                found |= m.path.is_ident(flag);
                if m.input.peek(syn::Token![=]) {
                    m.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            });
        }
        found
    })
}

/// The field's name as written.
pub(crate) fn field_name(field: &syn::Field) -> String {
    field
        .ident
        .as_ref()
        .map(|i| i.to_string())
        .unwrap_or_default()
}

/// How a field is served, from its name, its type and its marker.
pub(crate) fn served(field: &syn::Field, name: &str, marks: &Marks) -> syn::Result<Served> {
    if let Some(into) = &marks.into {
        return Ok(Served::Converted(into.value()));
    }
    let marker = marks.serve.as_deref();
    let ty: String = quote::ToTokens::to_token_stream(&field.ty)
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace("chrono::", "");
    let id_named = name == "id" || name.ends_with("_id");
    let ids_named = name.ends_with("_ids");
    Ok(match (marker, ty.as_str()) {
        (Some("skip"), _) => Served::Skip,
        (Some("plain"), _) => Served::AsIs,
        (Some("id"), "String") => Served::Converted("async_graphql::ID".into()),
        (Some("id"), "Option<String>") => Served::Converted("Option<async_graphql::ID>".into()),
        (Some(m), _) => {
            return Err(syn::Error::new_spanned(
                field,
                format!("#[gql({m})]: expected skip, plain, or id on a string"),
            ))
        }
        (None, "String") if id_named => Served::Converted("async_graphql::ID".into()),
        (None, "Option<String>") if id_named => {
            Served::Converted("Option<async_graphql::ID>".into())
        }
        (None, "Vec<String>") if ids_named => Served::Converted("Vec<async_graphql::ID>".into()),
        (None, "Option<Vec<String>>") if ids_named => {
            Served::Converted("Option<Vec<async_graphql::ID>>".into())
        }
        (None, "DateTime<FixedOffset>") => Served::Converted("crate::graphql::DateTime".into()),
        (None, "Option<DateTime<FixedOffset>>") => {
            Served::Converted("Option<crate::graphql::DateTime>".into())
        }
        (None, "NaiveDate") => Served::Converted("crate::graphql::Date".into()),
        (None, "Option<NaiveDate>") => Served::Converted("Option<crate::graphql::Date>".into()),
        (None, _) => Served::AsIs,
    })
}

/// The struct with its GraphQL derive and each field's serving attribute.
pub(crate) fn expand(args: &Args, mut item: ItemStruct) -> syn::Result<Tokens> {
    let gate = |attr: Tokens| match &args.feature {
        Some(f) => quote!(#[cfg_attr(feature = #f, #attr)]),
        None => quote!(#[#attr]),
    };
    let take = !also_derived(&item.attrs, "graphql_input");
    let Fields::Named(fields) = &mut item.fields else {
        return Err(syn::Error::new_spanned(&item, "expected named fields"));
    };
    for field in fields.named.iter_mut() {
        let m = marks(field, take)?;
        let name = field_name(field);
        let extra = match served(field, &name, &m)? {
            Served::AsIs | Served::Skip if m.name.is_some() => {
                return Err(syn::Error::new_spanned(
                    field,
                    "#[gql(name)] renames a converted field; use #[graphql(name)] on others",
                ))
            }
            Served::AsIs if serde_says(&field.attrs, "flatten") => {
                Some(gate(quote!(graphql(flatten))))
            }
            Served::AsIs => None,
            Served::Skip => Some(gate(quote!(graphql(skip)))),
            Served::Converted(into) => {
                let with = "crate::graphql::GraphqlForm::to_graphql";
                let name = m.name.as_ref().map_or(name, LitStr::value);
                Some(gate(
                    quote!(graphql(skip_output, derived(name = #name, into = #into, owned, with = #with))),
                ))
            }
        };
        if let Some(extra) = extra {
            field.attrs.push(syn::parse_quote!(#extra));
        }
    }
    let name = &args.name;
    let derive = gate(quote!(derive(async_graphql::SimpleObject)));
    let named = gate(quote!(graphql(name = #name)));
    Ok(quote! {
        #derive
        #named
        #item
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(item: &str) -> syn::Result<String> {
        let args: Args = syn::parse_str(r#"name = "Thing", feature = "graphql""#)?;
        Ok(expand(&args, syn::parse_str(item)?)?.to_string())
    }

    #[test]
    fn ids_instants_and_days_are_served_as_their_scalars_and_the_rest_as_they_are() {
        let out = expanded(
            "struct T { id: String, lead_unit_ids: Vec<String>, parent_id: Option<String>, \
             name: String, at: DateTime<FixedOffset>, on: Option<NaiveDate>, \
             #[gql(id)] reported_by: String, #[gql(plain)] code_id: String, \
             #[gql(skip)] path: String, #[gql(id, name = \"actor_id\")] actor: String }",
        )
        .unwrap();
        for (field, into) in [
            ("id", "async_graphql::ID"),
            ("lead_unit_ids", "Vec<async_graphql::ID>"),
            ("parent_id", "Option<async_graphql::ID>"),
            ("at", "crate::graphql::DateTime"),
            ("on", "Option<crate::graphql::Date>"),
            ("reported_by", "async_graphql::ID"),
            ("actor_id", "async_graphql::ID"),
        ] {
            let want = format!("derived (name = \"{field}\" , into = \"{into}\"");
            assert!(out.contains(&want), "{field}: {out}");
        }
        for plain in ["name", "code_id"] {
            assert!(
                !out.contains(&format!("name = \"{plain}\"")),
                "{plain}: {out}"
            );
        }
        assert!(out.contains("graphql (skip)"), "{out}");
        assert!(!out.contains("gql"), "the markers are consumed: {out}");
        assert!(out.contains("cfg_attr (feature = \"graphql\""), "{out}");
    }

    #[test]
    fn a_flattened_field_serves_its_fields_in_its_place() {
        let out = expanded("struct T { id: String, #[serde(flatten)] brief: Brief }").unwrap();
        assert!(
            out.contains(
                "# [serde (flatten)] # [cfg_attr (feature = \"graphql\" , graphql (flatten))] brief"
            ),
            "{out}"
        );
    }

    #[test]
    fn an_unknown_marker_is_an_error() {
        assert!(expanded("struct T { #[gql(bogus)] a: String }").is_err());
        assert!(expanded("struct T { #[gql(id)] n: i32 }").is_err());
        assert!(expanded("struct T { #[gql(name = \"m\")] n: i32 }").is_err());
    }
}
