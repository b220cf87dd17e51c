//! Queries, mutations and subscriptions; each resolver checks the caller and calls one service.

use crate::clients::Services;
use crate::error::{forbidden, ApiResultExt};
use crate::resolve::*;
use crate::types::*;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Schema, Subscription, ID};
use duban_api::ApiError;
use duban_auth::{Actor, Role as AuthRole};
use futures::{Stream, StreamExt};

/// The executable schema.
pub type DubanSchema = Schema<Query, Mutation, SubscriptionRoot>;

/// Every query: the core ones and the audit proofs.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    QueryRoot,
    AuditQuery,
    crate::ledger::LedgerQuery,
    crate::color_rules::ColorRulesQuery,
    crate::board::BoardQuery,
    crate::pushes::PushQuery,
    crate::bulletin::BulletinQuery,
    crate::notice_rules::NoticeRulesQuery,
    crate::conduct_review::ConductReviewQuery,
    crate::survey::SurveyQuery,
    crate::rating::RatingQuery,
    crate::accountability::AccountabilityQuery,
    crate::referral::ReferralQuery,
    crate::assessment::AssessmentQuery,
);

/// Every mutation: assignments and the directory, then the ledger and duties.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    crate::mutations::MutationRoot,
    crate::ledger::LedgerMutation,
    crate::color_rules::ColorRulesMutation,
    crate::pushes::PushMutation,
    crate::bulletin::BulletinMutation,
    crate::notice_rules::NoticeRulesMutation,
    crate::accounts::AccountsMutation,
    crate::conduct_review::ConductReviewMutation,
    crate::survey::SurveyMutation,
    crate::rating::RatingMutation,
    crate::accountability::AccountabilityMutation,
    crate::referral::ReferralMutation,
    crate::assessment::AssessmentMutation,
);

/// The deepest query served: the standard introspection query (graphql-js
/// `getIntrospectionQuery`, nine levels of `ofType`) is 15 deep.
pub const MAX_DEPTH: usize = 16;
/// The highest cost served; a list field costs its page size times its selection.
pub const MAX_COMPLEXITY: usize = 10_000;

fn bounded(
    services: Services,
    max_page_size: usize,
    anonymous: bool,
    trusted_documents: bool,
) -> async_graphql::SchemaBuilder<Query, Mutation, SubscriptionRoot> {
    Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
        .data(services)
        .data(MaxPageSize(max_page_size))
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(16)
        .extension(crate::trusted::TrustedDocuments {
            only_registered: trusted_documents,
        })
        .extension(crate::guard::DocumentBounds::new(anonymous))
}

/// Builds the schema with its services and limits, for signed-in callers; with
/// `trusted_documents`, only the compiled-in operations run.
pub fn build_schema(
    services: Services,
    max_page_size: usize,
    trusted_documents: bool,
) -> DubanSchema {
    bounded(services, max_page_size, false, trusted_documents).finish()
}

/// The schema for callers without a valid token: the same limits, no introspection and
/// no "did you mean" suggestions.
pub fn build_anonymous_schema(
    services: Services,
    max_page_size: usize,
    trusted_documents: bool,
) -> DubanSchema {
    bounded(services, max_page_size, true, trusted_documents)
        .disable_introspection()
        .disable_suggestions()
        .finish()
}

/// Read side.
#[derive(Default)]
pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// The signed-in caller.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Actor> {
        Ok(actor(ctx)?.clone())
    }

    /// Every day of `year` on the working calendar: weekends, the State Council's
    /// holidays and make-up workdays, and the county's own changes.
    async fn work_calendar(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> async_graphql::Result<Vec<CalendarDay>> {
        let a = actor(ctx)?;
        services(ctx)?
            .assignments
            .work_calendar(a, year)
            .await
            .gql()
    }

    /// The `days`th working day after `from`: a time limit's last day, to preview it.
    async fn add_working_days(
        &self,
        ctx: &Context<'_>,
        from: Date,
        days: i32,
    ) -> async_graphql::Result<Date> {
        let a = actor(ctx)?;
        Ok(Date(
            services(ctx)?
                .assignments
                .add_working_days(a, from.0, days)
                .await
                .gql()?,
        ))
    }

    /// Units in the caller's scope and above it, ordered by path.
    async fn org_units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .assignments
            .org_units(a)
            .await
            .gql()?
            .into_iter()
            .collect())
    }

    /// One person in the caller's scope.
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Person> {
        let a = actor(ctx)?;
        services(ctx)?.assignments.person(a, &id).await.gql()
    }

    /// Campaigns covering the caller.
    async fn campaigns(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Campaign>> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .assignments
            .campaigns(a)
            .await
            .gql()?
            .into_iter()
            .collect())
    }

    /// One assignment in the caller's scope.
    async fn assignment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Assignment> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let wanted = selects(&[ctx.look_ahead()], &COLOR);
        with_color(s, s.assignments.assignment(a, &id).await.gql()?, wanted).await
    }

    /// Assignments in the caller's scope, by time limit then id. At most 100 a page.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        filter: Option<duban_api::AssignmentFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Assignment, Totals, EmptyFields>> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let f = filter.unwrap_or_default();
        let result = s
            .assignments
            .assignments(a, f, page(ctx, first, after)?)
            .await
            .gql()?;
        let ids: Vec<String> = result
            .items
            .iter()
            .map(|(_, v)| v.assignment.id.clone())
            .collect();
        let node = ctx.look_ahead().field("edges").field("node");
        let nodes = ctx.look_ahead().field("nodes");
        let wanted = selects(&[node, nodes], &COLOR);
        let mut colors = if wanted {
            s.evaluation.colors(&ids).await.gql()?
        } else {
            Default::default()
        };
        let conn = connection(result, |v| {
            let c = colors.remove(&v.assignment.id);
            Assignment::new(v, c)
        });
        Ok(conn)
    }

    /// The caller's notices, newest first. At most 100 a page.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] unread_only: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Notification, Totals, EmptyFields>> {
        let a = actor(ctx)?;
        let p = services(ctx)?
            .notifications
            .my_notifications(a, unread_only, page(ctx, first, after)?)
            .await
            .gql()?;
        Ok(connection(p, |v| v))
    }

    /// The audit log in the caller's scope, oldest first (DISCIPLINE and ADMIN). At most 100 a page.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn audit_entries(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, duban_api::AuditEntryView, Totals, EmptyFields>>
    {
        let a = actor(ctx)?;
        if !a.has_any(&[AuthRole::Discipline, AuthRole::Admin]) {
            return Err(forbidden("只有纪检监察人员可以查阅审计日志"));
        }
        let filter = filter.unwrap_or_default();
        let scope_path = match filter.scope {
            Some(unit) => Some(
                services(ctx)?
                    .assignments
                    .org_unit(a, &unit)
                    .await
                    .gql()?
                    .path,
            ),
            None => None,
        };
        let f = duban_api::AuditFilter {
            aggregate_id: filter.aggregate_id.map(|i| i.0),
            correlation_id: filter.correlation_id.map(|i| i.0),
            actor: filter.actor.map(|i| i.0),
            scope_path,
            from: filter.from.map(|d| d.0),
            to: filter.to.map(|d| d.0),
        };
        let p = services(ctx)?
            .audit
            .entries(a, f, page(ctx, first, after)?)
            .await
            .gql()?;
        Ok(connection(p, |v| v))
    }
}

/// Audit proofs for discipline commissions.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The latest signed checkpoint of the audit log (signed now if the log grew). DISCIPLINE and ADMIN.
    async fn audit_checkpoint(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<duban_api::CheckpointView> {
        let a = actor(ctx)?;
        services(ctx)?.audit.checkpoint(a).await.gql()
    }

    /// Proof that an event is in the log, at `treeSize` (default: the latest checkpoint).
    async fn audit_inclusion_proof(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        tree_size: Option<i32>,
    ) -> async_graphql::Result<duban_api::InclusionProofView> {
        let a = actor(ctx)?;
        let size = tree_size.map(|s| s.max(0) as u64);
        services(ctx)?
            .audit
            .inclusion_proof(a, &event_id, size)
            .await
            .gql()
    }

    /// Proof that the log of `toSize` (default: latest) extends the log of `fromSize`.
    async fn audit_consistency_proof(
        &self,
        ctx: &Context<'_>,
        from_size: i32,
        to_size: Option<i32>,
    ) -> async_graphql::Result<duban_api::ConsistencyProofView> {
        let a = actor(ctx)?;
        services(ctx)?
            .audit
            .consistency_proof(a, from_size.max(0) as u64, to_size.map(|s| s.max(0) as u64))
            .await
            .gql()
    }

    /// The verifier key of the checkpoints (C2SP signed-note format), to keep beside them.
    async fn audit_verifier_key(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        actor(ctx)?;
        services(ctx)?.audit.verifier_key().await.gql()
    }
}

/// How often an open subscription asks the directory whether its caller is still signed in.
const REAUTHENTICATE: std::time::Duration = std::time::Duration::from_secs(2);

/// Live updates over `graphql-transport-ws` at `/graphql/ws`.
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Each new notice for the caller, as it arrives, and again when the caller
    /// acknowledges it (with `acknowledgedAt` set).
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = Notification>> {
        let a = actor(ctx)?;
        let subject = ctx.data::<duban_auth::Subject>()?.clone();
        let services = services(ctx)?;
        let directory = services.assignments.clone();
        // The stream ends once the directory no longer knows the caller as signed in
        // (deactivated, revoked), checked every REAUTHENTICATE.
        let revoked = async move {
            loop {
                tokio::time::sleep(REAUTHENTICATE).await;
                if let Err(ApiError::Unauthenticated(_)) = directory.authenticate(&subject).await {
                    return;
                }
            }
        };
        Ok(services
            .notifications
            .watch(&a.person_id)
            .map(Notification::from)
            .take_until(Box::pin(revoked)))
    }

    /// Announces that the figures of `scope`'s board (default: the caller's whole scope)
    /// changed, at most once a second; read the board again on each.
    async fn board_changed(
        &self,
        ctx: &Context<'_>,
        scope: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = crate::board::BoardChange>> {
        let a = actor(ctx)?;
        let subject = ctx.data::<duban_auth::Subject>()?.clone();
        let services = services(ctx)?;
        let units = services
            .assignments
            .board_units(a, scope.as_ref().map(|s| s.0.clone()))
            .await
            .gql()?;
        let (root, _) = crate::board::board_root(&units)?;
        let directory = services.assignments.clone();
        let revoked = async move {
            loop {
                tokio::time::sleep(REAUTHENTICATE).await;
                if let Err(ApiError::Unauthenticated(_)) = directory.authenticate(&subject).await {
                    return;
                }
            }
        };
        let changes = services.evaluation.figure_changes();
        Ok(
            crate::board::debounced(changes, root.path.clone(), ID(root.id.clone()))
                .take_until(Box::pin(revoked)),
        )
    }
}

/// The schema with no services behind it: for its SDL and for checking documents.
pub fn unserved() -> DubanSchema {
    Schema::build(Query::default(), Mutation::default(), SubscriptionRoot).finish()
}

/// The schema in SDL, as exported to `schema/duban.graphql`.
pub fn sdl() -> String {
    unserved().sdl()
}
