//! `#[service("name")]` on a service trait of `duban-api`: from the trait as written, the
//! call enum and its dispatch (the server side), the client over any transport, the
//! wrapper that runs something around every write, the one that runs every operation on
//! the process's runtime, and a macro that implements the trait
//! by the implementing type's own methods of the same names. An operation is declared once.
//! `#[graphql_object(name = "…")]` on a contract type: the GraphQL object it is;
//! `#[graphql_input(name = "…")]`: the GraphQL input object it is.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::{
    parse_macro_input, FnArg, Ident, ItemTrait, LitStr, Pat, ReturnType, TraitItem, TraitItemFn,
    Type,
};

mod input;
mod object;

/// Derives the GraphQL object a contract type is (see `object.rs`): `name = "…"`, and
/// `feature = "…"` when the derive hangs on a feature of the crate.
#[proc_macro_attribute]
pub fn graphql_object(attr: TokenStream, item: TokenStream) -> TokenStream {
    graphql_derive(attr, item, object::expand)
}

/// Derives the GraphQL input object a contract input is (see `input.rs`): `name = "…"`, and
/// `feature = "…"` when it hangs on a feature of the crate.
#[proc_macro_attribute]
pub fn graphql_input(attr: TokenStream, item: TokenStream) -> TokenStream {
    graphql_derive(attr, item, input::expand)
}

/// Parses a GraphQL attribute and its struct, and expands them by `expand`.
fn graphql_derive(
    attr: TokenStream,
    item: TokenStream,
    expand: fn(&object::Args, syn::ItemStruct) -> syn::Result<Tokens>,
) -> TokenStream {
    let args = parse_macro_input!(attr as object::Args);
    let item = parse_macro_input!(item as syn::ItemStruct);
    expand(&args, item)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Generates the internal call plumbing of a service trait; `#[write]` marks its writes.
#[proc_macro_attribute]
pub fn service(attr: TokenStream, item: TokenStream) -> TokenStream {
    let name = parse_macro_input!(attr as LitStr);
    let mut tr = parse_macro_input!(item as ItemTrait);
    match expand(&name, &mut tr) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// One operation of the trait, as the generated code needs it.
struct Op {
    sig: syn::Signature,
    docs: Vec<syn::Attribute>,
    variant: Ident,
    params: Vec<(Ident, Type, bool)>,
    write: bool,
    stream: bool,
}

fn upper_camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn op(f: &mut TraitItemFn) -> syn::Result<Op> {
    let write = f.attrs.iter().any(|a| a.path().is_ident("write"));
    f.attrs.retain(|a| !a.path().is_ident("write"));
    let docs = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let stream = f.sig.asyncness.is_none();
    if stream
        && !matches!(&f.sig.output, ReturnType::Type(_, t) if quote!(#t).to_string().contains("BoxStream"))
    {
        return Err(syn::Error::new_spanned(
            &f.sig,
            "an operation is an async fn, or a fn returning a BoxStream",
        ));
    }
    let mut params = Vec::new();
    for input in f.sig.inputs.iter().skip(1) {
        let FnArg::Typed(pt) = input else {
            return Err(syn::Error::new_spanned(input, "a parameter after &self"));
        };
        let Pat::Ident(id) = pt.pat.as_ref() else {
            return Err(syn::Error::new_spanned(
                &pt.pat,
                "parameters are plain names",
            ));
        };
        let (ty, by_ref) = match pt.ty.as_ref() {
            Type::Reference(r) => (r.elem.as_ref().clone(), true),
            t => (t.clone(), false),
        };
        params.push((id.ident.clone(), ty, by_ref));
    }
    if write && params.first().map(|p| p.0.to_string()).as_deref() != Some("actor") {
        return Err(syn::Error::new_spanned(
            &f.sig,
            "a #[write] operation takes `actor: &Actor` first",
        ));
    }
    Ok(Op {
        variant: Ident::new(&upper_camel(&f.sig.ident.to_string()), f.sig.ident.span()),
        sig: f.sig.clone(),
        docs,
        params,
        write,
        stream,
    })
}

fn expand(name: &LitStr, tr: &mut ItemTrait) -> syn::Result<Tokens> {
    let mut ops = Vec::new();
    for item in tr.items.iter_mut() {
        if let TraitItem::Fn(f) = item {
            ops.push(op(f)?);
        }
    }
    let api = &tr.ident;
    let base = api.to_string();
    let base = base.strip_suffix("Api").unwrap_or(&base);
    let call = format_ident!("{base}Call");
    let forward = format_ident!("impl_{}_api", base.to_lowercase());
    let call_doc = format!(
        "A call to the {} service: one variant per operation.",
        name.value()
    );
    let forward_doc = format!(
        "Implements [`{api}`] for a type by its own methods of the same names and signatures."
    );

    let variants = ops.iter().map(|o| {
        let (v, docs, wire) = (&o.variant, &o.docs, o.sig.ident.to_string());
        let fields = o.params.iter().map(|(p, t, by_ref)| {
            if *by_ref {
                quote!(#p: <#t as ::std::borrow::ToOwned>::Owned)
            } else {
                quote!(#p: #t)
            }
        });
        quote!(#(#docs)* #[serde(rename = #wire)] #v { #(#fields,)* })
    });
    let op_names = ops.iter().map(|o| {
        let (v, wire) = (&o.variant, o.sig.ident.to_string());
        quote!(#call::#v { .. } => #wire)
    });
    let args = |o: &Op| -> Vec<Tokens> {
        o.params
            .iter()
            .map(|(p, _, by_ref)| if *by_ref { quote!(&#p) } else { quote!(#p) })
            .collect()
    };
    fn plain(o: &Op) -> Vec<&Ident> {
        o.params.iter().map(|p| &p.0).collect()
    }
    let arms = ops.iter().map(|o| {
        let (v, m, names, args) = (&o.variant, &o.sig.ident, plain(o), args(o));
        if o.stream {
            quote!(#call::#v { #(#names,)* } => ::duban_api::rpc::Answer::Stream(
                ::duban_api::rpc::items(api.#m(#(#args),*))))
        } else {
            quote!(#call::#v { #(#names,)* } => ::duban_api::rpc::Answer::Value(
                ::duban_api::rpc::answer(api.#m(#(#args),*).await)))
        }
    });
    let client = ops.iter().map(|o| {
        let (v, sig, wire) = (&o.variant, &o.sig, o.sig.ident.to_string());
        let owned = o.params.iter().map(|(p, _, by_ref)| {
            if *by_ref {
                quote!(#p: ::std::borrow::ToOwned::to_owned(#p))
            } else {
                quote!(#p)
            }
        });
        let send = if o.stream {
            quote!(::duban_api::rpc::open(&self.0, #wire, &call))
        } else {
            quote!(::duban_api::rpc::call(&self.0, #wire, &call).await)
        };
        quote!(#sig { let call = #call::#v { #(#owned,)* }; #send })
    });
    let wrapped = ops.iter().map(|o| {
        let (sig, m, names, wire) = (&o.sig, &o.sig.ident, plain(o), o.sig.ident.to_string());
        let rest: Vec<_> = names.iter().skip(1).collect();
        if o.stream {
            quote!(#sig { self.inner.#m(#(#names),*) })
        } else if o.write {
            quote!(#sig {
                let request = ::duban_api::rpc::request(&(#(&#rest,)*))?;
                self.writes.write(actor, #wire, request, self.inner.#m(#(#names),*)).await
            })
        } else {
            quote!(#sig { self.inner.#m(#(#names),*).await })
        }
    });
    let on_runtime = ops.iter().map(|o| {
        let (sig, m, names) = (&o.sig, &o.sig.ident, plain(o));
        if o.stream {
            return quote!(#sig { self.stream(self.inner.#m(#(#names),*)) });
        }
        let owned = o.params.iter().map(|(p, _, by_ref)| {
            if *by_ref {
                quote!(let #p = ::std::borrow::ToOwned::to_owned(#p);)
            } else {
                quote!()
            }
        });
        let args = args(o);
        quote!(#sig {
            let inner = self.inner.clone();
            #(#owned)*
            self.run(async move { inner.#m(#(#args),*).await }).await
        })
    });
    let forwards = ops.iter().map(|o| {
        let (sig, m, names) = (&o.sig, &o.sig.ident, plain(o));
        if o.stream {
            quote!(#sig { <$t>::#m(self, #(#names),*) })
        } else {
            quote!(#sig { <$t>::#m(self, #(#names),*).await })
        }
    });
    let sigs_for_macro = quote!(#(#forwards)*);
    let names: Vec<&Ident> = ops.iter().map(|o| &o.sig.ident).collect();
    let service = name.value();
    let span = Span::call_site();
    let at = quote::quote_spanned!(span=> ::async_trait::async_trait);

    Ok(quote! {
        #[#at]
        #tr

        #[doc = #call_doc]
        #[derive(::serde::Serialize, ::serde::Deserialize)]
        #[serde(tag = "op", content = "args")]
        #[allow(clippy::large_enum_variant)] // built once per request, never stored
        pub enum #call { #(#variants,)* }

        #[#at]
        impl ::duban_api::rpc::Call for #call {
            type Api = dyn #api;
            const SERVICE: &'static str = #service;
            fn op(&self) -> &'static str {
                match self { #(#op_names,)* }
            }
            async fn dispatch(self, api: &Self::Api) -> ::duban_api::rpc::Answer {
                match self { #(#arms,)* }
            }
        }

        #[#at]
        impl<T: ::duban_api::rpc::Transport> #api for ::duban_api::rpc::Remote<T> {
            #(#client)*
        }

        #[#at]
        impl<I: #api, W: ::duban_api::rpc::Writes> #api for ::duban_api::rpc::Wrapped<I, W> {
            #(#wrapped)*
        }

        #[#at]
        impl<I: #api + ?Sized + 'static> #api for ::duban_api::rpc::OnRuntime<I> {
            #(#on_runtime)*
        }

        #[doc = #forward_doc]
        #[macro_export]
        macro_rules! #forward {
            ($t:ty) => {
                const _: () = {
                    use ::duban_api::prelude::*;
                    // Without an inherent method of an operation's name, its call below is
                    // ambiguous between this trait and the service trait: a compile error,
                    // where forwarding to the trait method would recurse forever.
                    #[allow(dead_code)]
                    trait MissingInherentMethod { #(fn #names(&self) {})* }
                    impl<X: ?Sized> MissingInherentMethod for X {}
                    #[::async_trait::async_trait]
                    impl ::duban_api::#api for $t {
                        #sigs_for_macro
                    }
                };
            };
        }
    })
}
