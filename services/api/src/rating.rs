//! 好差评 as callers see it: an item's rating link, the ratings of a scope with their
//! appeals and rectifications, and the units' figures (好评率, 差评整改率).

use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::graphql_object;
use serde::{Deserialize, Serialize};

/// A rating link, shown to the unit to hand to the person served.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RatingLinkView {
    /// The token (the link is `/p/#r=<token>`).
    pub token: String,
    /// The item.
    pub item_id: String,
}

/// What a rating link shows: its one item, nothing else.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PublicRatingForm {
    /// The item's title.
    pub title: String,
    /// The unit that handled it.
    pub unit_name: String,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// Whether a rating may be given now.
    pub may_rate: bool,
    /// Why not, in Chinese.
    pub note: Option<String>,
    /// The last rating given through this link (level wire name and label).
    pub previous: Option<(String, String)>,
}

/// An appeal (申诉) of a 差评.
#[graphql_object(name = "RatingAppeal")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RatingAppealView {
    /// `PENDING`, `UPHELD` or `REFUSED`.
    pub status: String,
    /// The unit's reasons.
    pub reasons: String,
    /// Its evidence.
    pub evidence: Option<String>,
    /// Who appealed.
    #[gql(id)]
    pub appealed_by: String,
    /// When.
    pub appealed_at: DateTime<FixedOffset>,
    /// The supervisor who decided.
    #[gql(id)]
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<FixedOffset>>,
    /// Why.
    pub decision_note: Option<String>,
}

/// One rating; the rater is never recorded.
#[graphql_object(name = "Rating")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RatingView {
    /// Id.
    pub id: String,
    /// The rated assignment or problem.
    pub item_id: String,
    /// `ASSIGNMENT` or `PROBLEM`.
    pub item_kind: String,
    /// Its title.
    pub title: String,
    /// The unit that handled it.
    pub unit_id: String,
    /// Its name.
    pub unit_name: String,
    /// The level.
    #[gql(into = "duban_schema::evaluation::RatingLevel")]
    pub level: String,
    /// The level in Chinese.
    pub level_label: String,
    /// 差评.
    pub bad: bool,
    /// What the rater wrote.
    pub comment: String,
    /// When.
    pub rated_at: DateTime<FixedOffset>,
    /// The item's latest rating (a rating again supersedes it).
    pub current: bool,
    /// A 差评 whose 整改 is verified.
    pub rectified: bool,
    /// The 整改 assignment.
    pub rectification_id: Option<String>,
    /// Its appeal.
    pub appeal: Option<RatingAppealView>,
}

/// A unit's 好差评 figures, everything under it included (all ratings so far).
#[graphql_object(name = "RatingFigures")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RatingFiguresView {
    /// The unit's path.
    pub path: String,
    /// Items rated (each item's latest rating; upheld appeals left out).
    pub rated: u64,
    /// 好评 (满意, 非常满意) among them.
    pub good: u64,
    /// 差评 received (upheld appeals left out).
    pub bad: u64,
    /// 差评 whose 整改 is verified.
    pub rectified: u64,
    /// 差评 taken out by upheld appeals (kept on record).
    pub appealed_away: u64,
    /// 好评率 in percent, two decimals.
    pub good_rate: Option<String>,
    /// 差评整改率 in percent, two decimals.
    pub rectification_rate: Option<String>,
}
