//! 线索移送 over GraphQL: `referClue` (SUPERVISOR), `receiveReferral`, `disposeReferral`,
//! `concludeReferral` (DISCIPLINE), `referrals`, `referral` with its sealed evidence,
//! `referralFigures`, `referralSettings`, `setReferralSettings`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::DateTime;
use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use duban_api::ReferralView;
use duban_schema::WireName;

pub use duban_schema::evaluation::Disposition;

/// A clue referred to the discipline commission. The fields from `dueOn` on are the
/// commission's: empty for the referring supervisor, who sees the state only.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Referral {
    /// What the evaluation service answers of it.
    #[graphql(flatten)]
    pub view: ReferralView,
}

impl From<ReferralView> for Referral {
    fn from(view: ReferralView) -> Self {
        Self { view }
    }
}

/// One event of a referral's evidence.
#[derive(SimpleObject)]
pub struct EvidenceEntry {
    /// Leaf index in the audit log.
    pub index: String,
    /// Event type.
    pub event_type: String,
    /// The item (or the referral).
    pub aggregate_id: String,
    /// When.
    pub occurred_at: DateTime,
    /// By whom.
    pub actor: String,
}

/// The evidence sealed at a referral: its items' history proven in the audit log.
#[derive(SimpleObject)]
pub struct ReferralEvidence {
    /// The log size the proofs are at: just after the referral's own event.
    pub tree_size: String,
    /// The events, oldest first.
    pub entries: Vec<EvidenceEntry>,
    /// The `duban-audit-bundle/1` JSON, checked offline with `duban audit verify`.
    pub bundle: String,
}

#[ComplexObject]
impl Referral {
    /// The evidence (DISCIPLINE or ADMIN of the scope), from the audit log.
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<ReferralEvidence> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .audit
            .referral_evidence(a, &self.view.id)
            .await
            .gql()?;
        Ok(ReferralEvidence {
            tree_size: v.tree_size.to_string(),
            bundle: v.bundle,
            entries: v
                .entries
                .into_iter()
                .map(|e| EvidenceEntry {
                    index: e.index.to_string(),
                    event_type: e.event_type,
                    aggregate_id: e.aggregate_id,
                    occurred_at: DateTime(e.occurred_at),
                    actor: e.actor,
                })
                .collect(),
        })
    }
}

pub use duban_api::ReferralSettings;

/// 线索移送 queries.
#[derive(Default)]
pub struct ReferralQuery;

#[Object]
impl ReferralQuery {
    /// Referrals the caller may see, newest first, at most 200: the county's for
    /// DISCIPLINE, with its notes; their state for SUPERVISOR of the scope.
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] open_only: bool,
    ) -> async_graphql::Result<Vec<Referral>> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .evaluation
            .referrals(a, open_only)
            .await
            .gql()?;
        Ok(v.into_iter().map(Into::into).collect())
    }

    /// One referral the caller may see.
    async fn referral(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Referral> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .referral(a, &id)
            .await
            .gql()?
            .into())
    }

    /// Referrals open, late and concluded under each unit of `paths`.
    async fn referral_figures(
        &self,
        ctx: &Context<'_>,
        paths: Vec<String>,
    ) -> async_graphql::Result<Vec<duban_api::ReferralFiguresView>> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .evaluation
            .referral_figures(a, paths)
            .await
            .gql()?;
        Ok(v.into_iter().collect())
    }

    /// The county's referral rules and time limits.
    async fn referral_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ReferralSettings> {
        let a = actor(ctx)?;
        services(ctx)?.evaluation.referral_settings(a).await.gql()
    }
}

/// 线索移送 mutations.
#[derive(Default)]
pub struct ReferralMutation;

impl ReferralMutation {
    async fn step(
        ctx: &Context<'_>,
        step: &str,
        input: duban_api::ReferralStepInput,
    ) -> async_graphql::Result<Referral> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .referral_step(a, step, input)
            .await
            .gql()?
            .into())
    }
}

#[Object]
impl ReferralMutation {
    /// Refers a clue to the discipline commission (SUPERVISOR of the scope); the full
    /// history of its items goes with it, sealed in the audit log.
    async fn refer_clue(
        &self,
        ctx: &Context<'_>,
        input: duban_api::ReferClueInput,
    ) -> async_graphql::Result<Referral> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .refer_clue(a, input)
            .await
            .gql()?
            .into())
    }

    /// Signs for a referral (签收, DISCIPLINE); the disposition is then due within the
    /// receipt time limit.
    async fn receive_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] note: String,
    ) -> async_graphql::Result<Referral> {
        Self::step(
            ctx,
            "RECEIVE",
            duban_api::ReferralStepInput {
                referral_id: id.0,
                note,
                disposition: None,
                accountability_record_id: None,
            },
        )
        .await
    }

    /// Chooses the disposition (DISCIPLINE), once; its time limit starts.
    async fn dispose_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        disposition: Disposition,
        #[graphql(default)] note: String,
    ) -> async_graphql::Result<Referral> {
        let d = Some(disposition.as_str().to_string());
        Self::step(
            ctx,
            "DISPOSE",
            duban_api::ReferralStepInput {
                referral_id: id.0,
                note,
                disposition: d,
                accountability_record_id: None,
            },
        )
        .await
    }

    /// Finishes a referral (办结, DISCIPLINE), naming the accountability record it led to.
    async fn conclude_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] note: String,
        accountability_record_id: Option<ID>,
    ) -> async_graphql::Result<Referral> {
        Self::step(
            ctx,
            "CONCLUDE",
            duban_api::ReferralStepInput {
                referral_id: id.0,
                note,
                disposition: None,
                accountability_record_id: accountability_record_id.map(|r| r.0),
            },
        )
        .await
    }

    /// Sets the county's referral rules and time limits (DISCIPLINE or ADMIN).
    async fn set_referral_settings(
        &self,
        ctx: &Context<'_>,
        settings: ReferralSettings,
    ) -> async_graphql::Result<ReferralSettings> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .set_referral_settings(a, settings)
            .await
            .gql()
    }
}
