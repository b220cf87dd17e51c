//! 好差评 over GraphQL: `ratingLink`, `ratings`, `ratingFigures`, `appealRating`,
//! `decideRatingAppeal`. The person served rates through `/public/v1/rating`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

pub use duban_api::RatingView as Rating;

/// A rating link for the person served.
#[derive(SimpleObject)]
pub struct RatingLink {
    /// The item.
    pub item_id: ID,
    /// The token.
    pub token: String,
    /// The path to open or print as a QR code (token in the fragment).
    pub path: String,
}

/// Input of `appealRating`.
#[derive(InputObject)]
pub struct AppealRatingInput {
    /// The 差评.
    pub rating_id: ID,
    /// Why it is untrue.
    pub reasons: String,
    /// Evidence (what and where).
    pub evidence: Option<String>,
}

/// Input of `decideRatingAppeal`.
#[derive(InputObject)]
pub struct DecideRatingAppealInput {
    /// The 差评 appealed.
    pub rating_id: ID,
    /// Upheld: the 差评 leaves the figures (kept on record).
    pub upheld: bool,
    /// Why.
    pub note: String,
}

/// 好差评 queries.
#[derive(Default)]
pub struct RatingQuery;

#[Object]
impl RatingQuery {
    /// Ratings of the units under `scopePath` (default: the caller's scope), newest
    /// first, at most 200.
    async fn ratings(
        &self,
        ctx: &Context<'_>,
        scope_path: Option<String>,
        #[graphql(default)] bad_only: bool,
    ) -> async_graphql::Result<Vec<Rating>> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .evaluation
            .ratings(a, scope_path, bad_only)
            .await
            .gql()?;
        Ok(v.into_iter().collect())
    }

    /// 好评率 and 差评整改率 of each unit path given (each in the caller's scope).
    async fn rating_figures(
        &self,
        ctx: &Context<'_>,
        paths: Vec<String>,
    ) -> async_graphql::Result<Vec<duban_api::RatingFiguresView>> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .evaluation
            .rating_figures(a, paths)
            .await
            .gql()?;
        Ok(v.into_iter().collect())
    }
}

/// 好差评 mutations.
#[derive(Default)]
pub struct RatingMutation;

#[Object]
impl RatingMutation {
    /// A rating link for a completed public-serving item (群众诉求, or a problem raised by
    /// the public or by petition) in the caller's scope; a new link replaces the last until
    /// a rating comes in.
    async fn rating_link(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
    ) -> async_graphql::Result<RatingLink> {
        let a = actor(ctx)?;
        let l = services(ctx)?
            .evaluation
            .rating_link(a, &item_id)
            .await
            .gql()?;
        Ok(RatingLink {
            path: format!("/p/#r={}", l.token),
            item_id: ID(l.item_id),
            token: l.token,
        })
    }

    /// The unit appeals a 差评 (its leader, once).
    async fn appeal_rating(
        &self,
        ctx: &Context<'_>,
        input: AppealRatingInput,
    ) -> async_graphql::Result<Rating> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .appeal_rating(a, &input.rating_id, &input.reasons, input.evidence)
            .await
            .gql()
    }

    /// A supervisor decides an appeal.
    async fn decide_rating_appeal(
        &self,
        ctx: &Context<'_>,
        input: DecideRatingAppealInput,
    ) -> async_graphql::Result<Rating> {
        let a = actor(ctx)?;
        services(ctx)?
            .evaluation
            .decide_rating_appeal(a, &input.rating_id, input.upheld, &input.note)
            .await
            .gql()
    }
}
