//! `#[graphql_input(name = "…")]`: a contract input as the GraphQL input object callers send,
//! its doc lines the descriptions. Fields are served as `graphql_object` serves them (ids,
//! instants and days as their scalars, the same `#[gql(id|plain|skip)]` markers); a field with
//! `#[serde(default)]` or `#[gql(default)]` may be left out, `#[gql(default_with = "…")]` names
//! its value; a `#[serde(flatten)]` field's fields are served in its place. The input object is a private twin of the type, converted on parse, so resolvers
//! take the contract type itself.

use crate::object::{also_derived, field_name, marks, serde_says, served, Args, Served};
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Fields, ItemStruct};

/// The type as it was, and its GraphQL input object beside it.
pub(crate) fn expand(args: &Args, mut item: ItemStruct) -> syn::Result<Tokens> {
    let take = !also_derived(&item.attrs, "graphql_object");
    let ident = item.ident.clone();
    let docs: Vec<_> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let Fields::Named(fields) = &mut item.fields else {
        return Err(syn::Error::new_spanned(&item, "expected named fields"));
    };
    let (mut twin, mut taken, mut given) = (Vec::new(), Vec::new(), Vec::new());
    for field in fields.named.iter_mut() {
        let m = marks(field, take)?;
        let name = field_name(field);
        let f = field.ident.clone();
        let (ty, from, to) = match served(field, &name, &m)? {
            Served::Skip => {
                taken.push(quote!(#f: ::core::default::Default::default()));
                continue;
            }
            Served::AsIs => {
                let ty = &field.ty;
                (quote!(#ty), quote!(g.#f), quote!(o.#f))
            }
            Served::Converted(ty) => {
                let ty: syn::Type = syn::parse_str(&ty)?;
                (
                    quote!(#ty),
                    quote!(crate::graphql::GraphqlForm::from_graphql(g.#f)),
                    quote!(crate::graphql::GraphqlForm::to_graphql(o.#f)),
                )
            }
        };
        let optional = ty.to_string().starts_with("Option");
        let default = match (
            &m.default_with,
            m.default || serde_says(&field.attrs, "default"),
        ) {
            _ if serde_says(&field.attrs, "flatten") => quote!(#[graphql(flatten)]),
            (Some(with), _) => quote!(#[graphql(default_with = #with)]),
            (None, true) if !optional => quote!(#[graphql(default)]),
            _ => quote!(),
        };
        let field_docs = field.attrs.iter().filter(|a| a.path().is_ident("doc"));
        twin.push(quote!(#(#field_docs)* #default #f: #ty));
        taken.push(quote!(#f: #from));
        given.push(quote!(#f: #to));
    }
    let name = &args.name;
    let gate = args.feature.as_ref().map(|f| quote!(#[cfg(feature = #f)]));
    Ok(quote! {
        #item

        #gate
        const _: () = {
            use async_graphql::{InputType, InputValueError, InputValueResult, Value};

            #(#docs)*
            #[derive(async_graphql::InputObject)]
            #[graphql(name = #name)]
            struct Twin {
                #(#twin,)*
            }

            impl ::core::convert::From<Twin> for #ident {
                fn from(g: Twin) -> Self {
                    Self { #(#taken,)* }
                }
            }

            impl ::core::convert::From<#ident> for Twin {
                fn from(o: #ident) -> Self {
                    Self { #(#given,)* }
                }
            }

            impl InputType for #ident {
                type RawValueType = Self;

                fn type_name() -> ::std::borrow::Cow<'static, str> {
                    <Twin as InputType>::type_name()
                }

                fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
                    <Twin as InputType>::create_type_info(registry)
                }

                fn parse(value: Option<Value>) -> InputValueResult<Self> {
                    <Twin as InputType>::parse(value)
                        .map(Self::from)
                        .map_err(InputValueError::propagate)
                }

                fn to_value(&self) -> Value {
                    Twin::from(::core::clone::Clone::clone(self)).to_value()
                }

                fn as_raw_value(&self) -> Option<&Self> {
                    Some(self)
                }
            }

            impl async_graphql::InputObjectType for #ident {}
        };
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(item: &str) -> syn::Result<String> {
        let args: Args = syn::parse_str(r#"name = "ThingInput", feature = "graphql""#)?;
        Ok(expand(&args, syn::parse_str(item)?)?.to_string())
    }

    #[test]
    fn the_twin_serves_ids_and_days_as_scalars_and_takes_defaults_from_serde_or_markers() {
        let out = expanded(
            "struct T { lead_unit_id: String, unit_ids: Vec<String>, due_on: Option<chrono::NaiveDate>, \
             title: String, #[serde(default)] urgency: Urgency, #[serde(default)] campaign_id: Option<String>, \
             #[gql(default)] description: String, #[gql(default_with = \"Source::A\")] source: Source, \
             #[gql(skip)] hidden: u8, #[gql(into = \"Kind\")] kind: String }",
        )
        .unwrap();
        let twin = &out[out.find("struct Twin").unwrap()..out.find("impl").unwrap()];
        for want in [
            "lead_unit_id : async_graphql :: ID",
            "unit_ids : Vec < async_graphql :: ID >",
            "due_on : Option < crate :: graphql :: Date >",
            "title : String",
            "# [graphql (default)] urgency : Urgency",
            "# [graphql (default)] description : String",
            "# [graphql (default_with = \"Source::A\")] source : Source",
            "kind : Kind",
        ] {
            assert!(twin.contains(want), "{want}: {twin}");
        }
        assert!(
            !twin.contains("default)] campaign_id"),
            "an option needs no default: {twin}"
        );
        assert!(!twin.contains("hidden"), "{twin}");
        assert!(
            out.contains("kind : crate :: graphql :: GraphqlForm :: from_graphql (g . kind)"),
            "{out}"
        );
        assert!(
            out.contains("hidden : :: core :: default :: Default :: default ()"),
            "{out}"
        );
        assert!(out.contains("# [cfg (feature = \"graphql\")]"), "{out}");
        assert!(!out.contains("gql"), "the markers are consumed: {out}");
    }

    #[test]
    fn a_flattened_field_is_flattened_in_the_twin_and_carried_whole() {
        let out =
            expanded("struct T { #[serde(flatten)] brief: Brief, lead_unit_id: String }").unwrap();
        let twin = &out[out.find("struct Twin").unwrap()..out.find("impl").unwrap()];
        assert!(
            twin.contains("# [graphql (flatten)] brief : Brief"),
            "{twin}"
        );
        assert!(out.contains("brief : g . brief"), "{out}");
    }

    #[test]
    fn beside_graphql_object_the_markers_stay_for_it() {
        let out =
            expanded("#[graphql_object(name = \"T\")] struct T { #[gql(id)] by: String }").unwrap();
        assert!(out.contains("# [gql (id)]"), "{out}");
        assert!(out.contains("by : async_graphql :: ID"), "{out}");
    }
}
