//! 好差评 over GraphQL: `ratingLink`, `ratings`, `ratingFigures`, `appealRating`,
//! `decideRatingAppeal`. The person served rates through `/public/v1/rating`.

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::DateTime;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use duban_api::RatingView;

/// The five levels of 好差评 (the last two are 差评).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RatingLevel {
    /// 非常满意.
    VerySatisfied,
    /// 满意.
    Satisfied,
    /// 基本满意.
    FairlySatisfied,
    /// 不满意 (差评).
    Dissatisfied,
    /// 非常不满意 (差评).
    VeryDissatisfied,
}

impl RatingLevel {
    fn parse(s: &str) -> Self {
        match s {
            "VERY_SATISFIED" => Self::VerySatisfied,
            "SATISFIED" => Self::Satisfied,
            "FAIRLY_SATISFIED" => Self::FairlySatisfied,
            "DISSATISFIED" => Self::Dissatisfied,
            _ => Self::VeryDissatisfied,
        }
    }
}

/// An appeal (申诉) of a 差评.
#[derive(SimpleObject)]
pub struct RatingAppeal {
    /// `PENDING`, `UPHELD` or `REFUSED`.
    pub status: String,
    /// The unit's reasons.
    pub reasons: String,
    /// Its evidence.
    pub evidence: Option<String>,
    /// Who appealed.
    pub appealed_by: ID,
    /// When.
    pub appealed_at: DateTime,
    /// The supervisor who decided.
    pub decided_by: Option<ID>,
    /// When.
    pub decided_at: Option<DateTime>,
    /// Why.
    pub decision_note: Option<String>,
}

/// One rating; the rater is never recorded.
#[derive(SimpleObject)]
pub struct Rating {
    /// Id.
    pub id: ID,
    /// The rated assignment or problem.
    pub item_id: ID,
    /// `ASSIGNMENT` or `PROBLEM`.
    pub item_kind: String,
    /// Its title.
    pub title: String,
    /// The unit that handled it.
    pub unit_id: ID,
    /// Its name.
    pub unit_name: String,
    /// The level.
    pub level: RatingLevel,
    /// The level in Chinese.
    pub level_label: String,
    /// 差评.
    pub bad: bool,
    /// What the rater wrote.
    pub comment: String,
    /// When.
    pub rated_at: DateTime,
    /// The item's latest rating (a rating again supersedes it).
    pub current: bool,
    /// A 差评 whose 整改 is verified.
    pub rectified: bool,
    /// The 整改 assignment.
    pub rectification_id: Option<ID>,
    /// Its appeal.
    pub appeal: Option<RatingAppeal>,
}

impl From<RatingView> for Rating {
    fn from(v: RatingView) -> Self {
        Self {
            id: ID(v.id),
            item_id: ID(v.item_id),
            item_kind: v.item_kind,
            title: v.title,
            unit_id: ID(v.unit_id),
            unit_name: v.unit_name,
            level: RatingLevel::parse(&v.level),
            level_label: v.level_label,
            bad: v.bad,
            comment: v.comment,
            rated_at: DateTime(v.rated_at),
            current: v.current,
            rectified: v.rectified,
            rectification_id: v.rectification_id.map(ID),
            appeal: v.appeal.map(|a| RatingAppeal {
                status: a.status,
                reasons: a.reasons,
                evidence: a.evidence,
                appealed_by: ID(a.appealed_by),
                appealed_at: DateTime(a.appealed_at),
                decided_by: a.decided_by.map(ID),
                decided_at: a.decided_at.map(DateTime),
                decision_note: a.decision_note,
            }),
        }
    }
}

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
        Ok(v.into_iter().map(Into::into).collect())
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
        Ok(services(ctx)?
            .evaluation
            .appeal_rating(a, &input.rating_id, &input.reasons, input.evidence)
            .await
            .gql()?
            .into())
    }

    /// A supervisor decides an appeal.
    async fn decide_rating_appeal(
        &self,
        ctx: &Context<'_>,
        input: DecideRatingAppealInput,
    ) -> async_graphql::Result<Rating> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .evaluation
            .decide_rating_appeal(a, &input.rating_id, input.upheld, &input.note)
            .await
            .gql()?
            .into())
    }
}
