//! The GraphQL face of the contracts, which the gateway serves: the scalars and conversions
//! of `duban_schema::graphql`, here because `#[graphql_object]` names them as
//! `crate::graphql::…` in this crate's views too.

pub use duban_schema::graphql::*;

/// A GraphQL object served in place of a tuple the contracts carry: its fields, in the
/// tuple's order, and the `GraphqlForm` between the two.
macro_rules! tuple_object {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident: $ty:ty),+ $(,)? }) => {
        $(#[$m])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty),+
        }

        impl $crate::graphql::GraphqlForm<$name> for ($($ty,)+) {
            fn to_graphql(self) -> $name {
                let ($($field,)+) = self;
                $name { $($field),+ }
            }
            fn from_graphql(g: $name) -> Self {
                ($(g.$field,)+)
            }
        }
    };
}
pub(crate) use tuple_object;
