//! Accounts over GraphQL: `resetPassword`, an administrator's reset of a person's
//! password (signing in itself is `/auth/v1`, outside GraphQL).

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use async_graphql::{Context, Object, SimpleObject, ID};

/// A password set by an administrator, shown once: hand it to the person, who must
/// change it at the next sign-in.
#[derive(SimpleObject)]
pub struct InitialPassword {
    /// The person.
    pub person_id: ID,
    /// Their account.
    pub account: String,
    /// Their name.
    pub name: String,
    /// The initial password.
    pub password: String,
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Sets a new initial password for a person in the caller's scope (ADMIN); their
    /// sessions end, they must change it at the next sign-in, and the reset is audited.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
    ) -> async_graphql::Result<InitialPassword> {
        let a = actor(ctx)?;
        let p = services(ctx)?
            .assignments
            .reset_password(a, &person_id)
            .await
            .gql()?;
        Ok(InitialPassword {
            person_id: ID(p.person_id),
            account: p.account,
            name: p.name,
            password: p.password,
        })
    }
}
