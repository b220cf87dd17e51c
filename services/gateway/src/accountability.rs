//! 追责问责 and the 作风表现台账 over GraphQL: `recordAccountability` (DISCIPLINE only),
//! `accountabilityRecords`, `accountabilityForms`, `setAccountabilityForms`,
//! `conductLedger`, `conductCategories`, `setConductCategories`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::Date;
use async_graphql::{Context, Object, ID};

pub use duban_schema::evaluation::AccountabilitySubject;

pub use duban_api::AccountabilityView as AccountabilityRecord;

pub use duban_api::ConductLedgerView as ConductLedger;

pub use duban_api::ConductCategoriesView as ConductCategories;

/// 追责问责 queries.
#[derive(Default)]
pub struct AccountabilityQuery;

#[Object]
impl AccountabilityQuery {
    /// Records in the caller's county the caller may read (DISCIPLINE, SUPERVISOR and ADMIN
    /// of the scope, the person, the unit's leaders), of one subject or all, decided
    /// between `from` and `to`, newest first.
    async fn accountability_records(
        &self,
        ctx: &Context<'_>,
        subject_id: Option<ID>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> async_graphql::Result<Vec<AccountabilityRecord>> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .evaluation
            .accountability_records(
                a,
                subject_id.map(|s| s.0),
                from.map(|d| d.0),
                to.map(|d| d.0),
            )
            .await
            .gql()?;
        Ok(v.into_iter().collect())
    }

    /// A cadre's 作风表现台账 from `from` to `to`: the cadre, their unit's leaders and
    /// 分管领导, DISCIPLINE, SUPERVISOR and ADMIN of the scope.
    async fn conduct_ledger(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<ConductLedger> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .conduct_ledger(a, &person_id, from.0, to.0)
            .await
            .gql()
    }

    /// The county's 作风台账 categories and the category of each kind of line.
    async fn conduct_categories(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ConductCategories> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.conduct_categories(a).await.gql()
    }

    /// The county's accountability forms, mildest first.
    async fn accountability_forms(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .accountability_forms(a)
            .await
            .gql()
    }
}

/// 追责问责 mutations.
#[derive(Default)]
pub struct AccountabilityMutation;

#[Object]
impl AccountabilityMutation {
    /// Records an accountability decision (DISCIPLINE only); the person and the unit's
    /// leaders are told. A correction names the record it supersedes.
    async fn record_accountability(
        &self,
        ctx: &Context<'_>,
        input: duban_api::RecordAccountabilityInput,
    ) -> async_graphql::Result<AccountabilityRecord> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .record_accountability(a, input)
            .await
            .gql()
    }

    /// Sets the county's 作风台账 categories (SUPERVISOR or ADMIN).
    async fn set_conduct_categories(
        &self,
        ctx: &Context<'_>,
        input: ConductCategories,
    ) -> async_graphql::Result<ConductCategories> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .set_conduct_categories(a, input)
            .await
            .gql()
    }

    /// Sets the county's accountability forms (DISCIPLINE or ADMIN).
    async fn set_accountability_forms(
        &self,
        ctx: &Context<'_>,
        forms: Vec<String>,
    ) -> async_graphql::Result<Vec<String>> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .set_accountability_forms(a, forms)
            .await
            .gql()
    }
}
