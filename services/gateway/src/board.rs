//! The board (排名通报的底表): a scope's totals and one row per child unit with its
//! figures and its rank among its siblings, from evaluation's running tallies.

use crate::error::ApiResultExt;
use crate::resolve::{actor, services};
use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use duban_api::{ApiError, Figures, UnitFiguresView};
use duban_schema::assignments::OrgUnitSnapshot;

/// A figure to rank by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum BoardOrder {
    /// 按时办结率.
    OnTimeRate,
    /// 及时签收率.
    AckOnTimeRate,
    /// Open items.
    Open,
    /// Overdue items.
    Overdue,
    /// Red cards.
    Red,
    /// Yellow cards.
    Yellow,
    /// Items issued.
    Issued,
    /// Items closed (销号).
    Closed,
}

/// The period a board's figures cover.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum BoardPeriod {
    /// 本周: from the Monday of the board's day.
    Week,
    /// 本月: from the 1st.
    Month,
    /// 本年: from 1 January.
    Year,
}

impl From<BoardPeriod> for duban_api::Period {
    fn from(p: BoardPeriod) -> Self {
        match p {
            BoardPeriod::Week => Self::Week,
            BoardPeriod::Month => Self::Month,
            BoardPeriod::Year => Self::Year,
        }
    }
}

/// How ties rank.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum RankingStyle {
    /// 1, 2, 2, 4: a tie takes the places it fills (the default).
    #[default]
    Competition,
    /// 1, 2, 2, 3 (中国式排名): a tie takes one place.
    Dense,
}

impl RankingStyle {
    /// The sentence a bulletin states the ranking with.
    pub fn note(self) -> &'static str {
        duban_api::ranking_note(self == Self::Dense)
    }
}

/// A unit on the board.
#[derive(SimpleObject)]
pub struct BoardUnit {
    /// Unit id.
    pub id: ID,
    /// Name.
    pub name: String,
}

/// A unit's figures with everything under it, and its rank among its siblings.
#[derive(SimpleObject)]
pub struct BoardRow {
    /// The unit.
    pub unit: BoardUnit,
    /// Rank among the rows by the chosen figure; null on the total.
    pub rank: Option<i32>,
    /// Assignments issued.
    pub issued: i32,
    /// Being worked on.
    pub open: i32,
    /// Reported done, awaiting verification.
    pub completed: i32,
    /// Closed (销号).
    pub closed: i32,
    /// Open and past their limit now.
    pub overdue: i32,
    /// Showing a red card now.
    pub red: i32,
    /// Showing a yellow card now.
    pub yellow: i32,
    /// Showing blue now.
    pub blue: i32,
    /// Times verification sent items back.
    pub returns: i32,
    /// 按时办结率 as a fraction 0–1: `onTimeNumerator / onTimeDenominator`; null when
    /// nothing was done yet.
    pub on_time_rate: Option<f64>,
    /// Items done within their limit.
    pub on_time_numerator: i32,
    /// Items done.
    pub on_time_denominator: i32,
    /// 及时签收率 as a fraction 0–1: `ackOnTimeNumerator / ackOnTimeDenominator`; null
    /// when no sign-for was due yet.
    pub ack_on_time_rate: Option<f64>,
    /// Items signed for by their day.
    pub ack_on_time_numerator: i32,
    /// Sign-fors due: made, or missed past their day.
    pub ack_on_time_denominator: i32,
    /// Mean working days from issue to being reported done, over the items done; null
    /// when none is done: `workDaysTotal / onTimeDenominator`.
    pub mean_work_days: Option<f64>,
    /// Working days to completion, summed over the items done.
    pub work_days_total: i32,
    /// Times done items were reopened (回头看).
    pub reopens: i32,
    /// Items the unit handed on by an approved transfer (转办).
    pub transfers: i32,
    /// Items held that were transferred twice or more (推诿).
    pub buck_passing: i32,
    /// Ledger problems registered.
    pub problems_registered: i32,
    /// Ledger problems closed.
    pub problems_closed: i32,
    /// Ledger problems open and past their 整改时限.
    pub problems_overdue: i32,
    /// 好差评: 好评率 and 差评整改率 over every rating so far (not by period or day);
    /// read only when asked for.
    pub ratings: Option<duban_api::RatingFiguresView>,
    /// Referrals to the discipline commission (asked for by DISCIPLINE and SUPERVISOR).
    pub referrals: Option<duban_api::ReferralFiguresView>,
    /// Its mark in the latest published 年度考核 covering it (read only when asked for).
    pub assessment: Option<duban_api::AssessmentMarkView>,
}

fn n(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl BoardRow {
    fn new(unit: &OrgUnitSnapshot, f: &UnitFiguresView) -> Self {
        let (a, p): (&Figures, &Figures) = (&f.assignments, &f.problems);
        let done = a.done_on_time + a.done_late;
        Self {
            unit: BoardUnit {
                id: ID(unit.id.clone()),
                name: unit.name.clone(),
            },
            rank: None,
            issued: n(a.issued),
            open: n(a.open),
            completed: n(a.completed),
            closed: n(a.closed),
            overdue: n(a.overdue),
            red: n(a.red),
            yellow: n(a.yellow),
            blue: n(a.blue),
            returns: n(a.returns),
            on_time_rate: (done > 0).then(|| a.done_on_time as f64 / done as f64),
            on_time_numerator: n(a.done_on_time),
            on_time_denominator: n(done),
            ack_on_time_rate: (a.ack_due > 0).then(|| a.ack_on_time as f64 / a.ack_due as f64),
            ack_on_time_numerator: n(a.ack_on_time),
            ack_on_time_denominator: n(a.ack_due),
            mean_work_days: (done > 0).then(|| a.work_days as f64 / done as f64),
            work_days_total: n(a.work_days),
            reopens: n(a.reopens),
            transfers: n(a.transfers),
            buck_passing: n(a.buck_passing),
            problems_registered: n(p.issued),
            problems_closed: n(p.closed),
            problems_overdue: n(p.overdue),
            ratings: None,
            referrals: None,
            assessment: None,
        }
    }

    fn value(&self, by: BoardOrder) -> f64 {
        match by {
            BoardOrder::OnTimeRate => self.on_time_rate.unwrap_or(-1.0),
            BoardOrder::AckOnTimeRate => self.ack_on_time_rate.unwrap_or(-1.0),
            BoardOrder::Open => self.open.into(),
            BoardOrder::Overdue => self.overdue.into(),
            BoardOrder::Red => self.red.into(),
            BoardOrder::Yellow => self.yellow.into(),
            BoardOrder::Issued => self.issued.into(),
            BoardOrder::Closed => self.closed.into(),
        }
    }
}

pub use duban_api::ranks;

/// A scope's board.
#[derive(SimpleObject)]
pub struct Board {
    /// The scope's own figures, everything under it included.
    pub total: BoardRow,
    /// One row per child unit, in rank order.
    pub rows: Vec<BoardRow>,
    /// How ties were ranked, for the bulletin to state.
    pub ranking: RankingStyle,
    /// The bulletin's sentence on the ranking, e.g. 并列者名次相同，其后名次顺延（1、2、2、4）.
    pub ranking_note: String,
    /// The period's first day; null: everything so far. Within a period, what
    /// accumulates (issued, done, closed, returns, sign-fors, reopens, transfers) counts
    /// what happened in it; what stands (open, overdue, cards, 推诿) is as at `to`.
    pub from: Option<crate::types::Date>,
    /// The day the figures stand at (today: live).
    pub to: crate::types::Date,
}

/// The board query.
#[derive(Default)]
pub struct BoardQuery;

#[Object]
impl BoardQuery {
    /// The board of `scope` (default: the caller's whole scope): its totals and each child
    /// unit's figures and rank by `orderBy` (default 按时办结率, highest first), now or as
    /// the day `asOf` closed, over everything so far or the `period` that day lies in. A
    /// row's unit is the `scope` of the board one level down. Ties rank as `ranking`, or
    /// as the county set. Reads a few rows per unit.
    #[allow(clippy::too_many_arguments)]
    async fn board(
        &self,
        ctx: &Context<'_>,
        scope: Option<ID>,
        campaign_id: Option<ID>,
        as_of: Option<crate::types::Date>,
        period: Option<BoardPeriod>,
        order_by: Option<BoardOrder>,
        descending: Option<bool>,
        ranking: Option<RankingStyle>,
    ) -> async_graphql::Result<Board> {
        let (a, s) = (actor(ctx)?, services(ctx)?);
        let units = s
            .assignments
            .board_units(a, scope.map(|s| s.0))
            .await
            .gql()?;
        let (root, children) = board_root(&units)?;
        let paths: Vec<String> = units.iter().map(|u| u.path.clone()).collect();
        let figures = s
            .evaluation
            .unit_figures(
                a,
                paths.clone(),
                campaign_id.map(|c| c.0),
                as_of.map(|d| d.0),
                period.map(Into::into),
            )
            .await
            .gql()?;
        let mut total = BoardRow::new(root, &figures[0]);
        let mut rows: Vec<BoardRow> = children
            .iter()
            .zip(&figures[1..])
            .map(|(u, f)| BoardRow::new(u, f))
            .collect();
        let look = ctx.look_ahead();
        if look.field("total").field("ratings").exists()
            || look.field("rows").field("ratings").exists()
        {
            let mut rated = s
                .evaluation
                .rating_figures(a, paths.clone())
                .await
                .gql()?
                .into_iter();
            total.ratings = rated.next();
            for (row, r) in rows.iter_mut().zip(rated) {
                row.ratings = Some(r);
            }
        }
        if look.field("total").field("referrals").exists()
            || look.field("rows").field("referrals").exists()
        {
            let mut referred = s
                .evaluation
                .referral_figures(a, paths.clone())
                .await
                .gql()?
                .into_iter();
            total.referrals = referred.next();
            for (row, r) in rows.iter_mut().zip(referred) {
                row.referrals = Some(r);
            }
        }
        if look.field("rows").field("assessment").exists() {
            let marks = s
                .evaluation
                .assessment_marks(a, paths[1..].to_vec())
                .await
                .gql()?;
            for (row, m) in rows.iter_mut().zip(marks) {
                row.assessment = m;
            }
        }
        let by = order_by.unwrap_or(BoardOrder::OnTimeRate);
        let ranking = match ranking {
            Some(r) => r,
            None => {
                let county = s.evaluation.color_rules(a).await.gql()?;
                let dense = county.sets.first().is_some_and(|c| c.rules.dense_ranking);
                if dense {
                    RankingStyle::Dense
                } else {
                    RankingStyle::Competition
                }
            }
        };
        let values: Vec<f64> = rows.iter().map(|r| r.value(by)).collect();
        let ranked = ranks(
            &values,
            descending.unwrap_or(true),
            ranking == RankingStyle::Dense,
        );
        for (row, rank) in rows.iter_mut().zip(ranked) {
            row.rank = Some(rank);
        }
        rows.sort_by_key(|r| (r.rank, r.unit.name.clone()));
        Ok(Board {
            total,
            rows,
            ranking,
            ranking_note: ranking.note().to_string(),
            from: figures[0].from.map(crate::types::Date),
            to: crate::types::Date(figures[0].to),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ranks;

    #[test]
    fn ties_share_a_rank_in_either_style() {
        let v = [0.9, 0.8, 0.8, 0.5];
        assert_eq!(ranks(&v, true, false), [1, 2, 2, 4]);
        assert_eq!(ranks(&v, true, true), [1, 2, 2, 3]);
        assert_eq!(ranks(&v, false, false), [4, 2, 2, 1]);
        assert_eq!(ranks(&[3.0, 3.0, 3.0], true, false), [1, 1, 1]);
    }
}

/// The unit a board is of and those under it, as `board_units` answers.
pub(crate) fn board_root(
    units: &[OrgUnitSnapshot],
) -> async_graphql::Result<(&OrgUnitSnapshot, &[OrgUnitSnapshot])> {
    units
        .split_first()
        .ok_or_else(|| ApiError::validation("scope", "范围单位不存在或不在您的权限范围内"))
        .gql()
}

/// A board's figures changed.
#[derive(SimpleObject, Clone)]
pub struct BoardChange {
    /// The scope subscribed to.
    pub scope: ID,
}

/// Changes of the figures under `scope_path`, at most one a second: the first at once,
/// those that come within the second after it together at its end.
pub fn debounced(
    changes: futures::stream::BoxStream<'static, String>,
    scope_path: String,
    scope: ID,
) -> impl futures::Stream<Item = BoardChange> {
    use futures::{FutureExt, StreamExt};
    const QUIET: std::time::Duration = std::time::Duration::from_secs(1);
    let under = changes
        .filter(move |p| futures::future::ready(duban_auth::in_subtree(p, &scope_path)))
        .boxed();
    futures::stream::unfold(
        (under, None::<tokio::time::Instant>),
        move |(mut s, last)| {
            let scope = scope.clone();
            async move {
                s.next().await?;
                if let Some(l) = last {
                    tokio::time::sleep_until(l + QUIET).await;
                }
                // What came meanwhile is told by this one message.
                while let Some(Some(_)) = s.next().now_or_never() {}
                Some((
                    BoardChange { scope },
                    (s, Some(tokio::time::Instant::now())),
                ))
            }
        },
    )
}
