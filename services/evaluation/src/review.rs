//! 作风体检 — the monthly conduct review, as rules: who scores which unit from which
//! source (科室自评, 分管领导点评, 全体干部互评), and how a closed round's scores become
//! two-decimal means, a weighted total and a rank, computed in decimal. No I/O.

use rust_decimal::prelude::*;
use rust_decimal::RoundingStrategy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a score comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    /// 自评: the unit's own leader.
    SelfAssessment,
    /// 点评: the unit's 分管领导.
    LeaderComment,
    /// 互评: a cadre of another unit in the scope.
    Peer,
}

impl Source {
    /// Every source, in the order a result lists them.
    pub const ALL: [Source; 3] = [Source::SelfAssessment, Source::LeaderComment, Source::Peer];

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Source::SelfAssessment => "自评",
            Source::LeaderComment => "分管领导点评",
            Source::Peer => "互评",
        }
    }
}

/// The default dimensions (seed 003).
pub const DEFAULT_DIMENSIONS: [&str; 3] = ["工作态度", "办事效率", "廉洁自律"];

/// Weights of the three sources, in percent, summing to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    /// 自评.
    pub self_assessment: u32,
    /// 点评.
    pub leader_comment: u32,
    /// 互评.
    pub peer: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            self_assessment: 20,
            leader_comment: 40,
            peer: 40,
        }
    }
}

impl Weights {
    fn of(&self, s: Source) -> Decimal {
        Decimal::from(match s {
            Source::SelfAssessment => self.self_assessment,
            Source::LeaderComment => self.leader_comment,
            Source::Peer => self.peer,
        })
    }
}

/// How a mean is cut to two decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rounding {
    /// GB/T 8170 数值修约: 四舍六入五成双 (an exact half goes to the even digit).
    #[default]
    Gbt8170,
    /// 四舍五入: an exact half goes up.
    HalfUp,
}

impl Rounding {
    /// `d` to two decimals, written with both (80 is 80.00).
    pub fn two_decimals(self, d: Decimal) -> Decimal {
        let strategy = match self {
            Rounding::Gbt8170 => RoundingStrategy::MidpointNearestEven,
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        };
        let mut r = d.round_dp_with_strategy(2, strategy);
        r.rescale(2);
        r
    }
}

/// A round's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Dimensions scored, each 0–100.
    pub dimensions: Vec<String>,
    /// Source weights.
    pub weights: Weights,
    /// Rounding of means.
    pub rounding: Rounding,
    /// 中国式排名 (ties share a rank, the next follows on) instead of competition ranking.
    pub dense_ranking: bool,
}

/// Why a submission or a setting is refused: the field, and what to do, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// The input field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// A refusal of `field`, saying what is wrong.
pub(crate) fn refuse(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        field,
        message: message.into(),
    }
}

/// Checks a round's settings: 1–10 distinct named dimensions, weights summing to 100.
pub fn check_settings(s: &Settings) -> Result<(), Refusal> {
    if s.dimensions.is_empty() || s.dimensions.len() > 10 {
        return Err(refuse("dimensions", "评议维度须为 1 至 10 项"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in &s.dimensions {
        let n = d.trim().chars().count();
        if n == 0 || n > 20 || !seen.insert(d.trim()) {
            return Err(refuse("dimensions", "评议维度名称须为 1 至 20 字且不重复"));
        }
    }
    let w = s.weights;
    if w.self_assessment + w.leader_comment + w.peer != 100 {
        return Err(refuse("weights", "自评、点评、互评的权重之和须为 100"));
    }
    Ok(())
}

/// Who a person is to one unit under review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reviewer {
    /// They work in the unit under review (or below it).
    pub in_target: bool,
    /// They lead their own unit (UNIT_LEADER).
    pub leads: bool,
    /// They are the 分管领导 of the unit under review.
    pub supervises_target: bool,
}

/// The source a reviewer scores a unit from: 点评 when they are its 分管领导, 自评 when
/// they lead it, 互评 when they work in another unit; refused for a cadre of the unit
/// itself who does not lead it (互评 is never of one's own unit).
pub fn source_for(r: &Reviewer) -> Result<Source, Refusal> {
    if r.supervises_target {
        Ok(Source::LeaderComment)
    } else if r.in_target && r.leads {
        Ok(Source::SelfAssessment)
    } else if r.in_target {
        Err(refuse(
            "unitId",
            "互评只评其他科室；本科室的自评由科室负责人填报",
        ))
    } else {
        Ok(Source::Peer)
    }
}

/// Checks one submission's scores: each dimension once, each 0–100, none missing.
pub fn check_scores(dimensions: &[String], scores: &BTreeMap<String, u32>) -> Result<(), Refusal> {
    for (d, v) in scores {
        if !dimensions.contains(d) {
            return Err(refuse("scores", format!("没有「{d}」这一评议维度")));
        }
        if *v > 100 {
            return Err(refuse("scores", format!("「{d}」的分数须在 0 至 100 之间")));
        }
    }
    if let Some(missing) = dimensions.iter().find(|d| !scores.contains_key(*d)) {
        return Err(refuse("scores", format!("请为「{missing}」打分")));
    }
    Ok(())
}

/// One stored submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scored {
    /// The unit scored.
    pub target: String,
    /// From which source.
    pub source: Source,
    /// By dimension.
    pub scores: BTreeMap<String, u32>,
}

/// One unit's result of a closed round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitResult {
    /// The unit.
    pub unit_id: String,
    /// Per dimension: the weighted mean of the sources that came in, two decimals.
    pub dimensions: Vec<(String, Decimal)>,
    /// Per source: the mean over dimensions and scorers, two decimals (absent: none came).
    pub sources: Vec<(Source, Option<Decimal>)>,
    /// Scorers per source.
    pub counts: Vec<(Source, usize)>,
    /// The weighted total, two decimals (absent when nothing came in).
    pub total: Option<Decimal>,
    /// Rank by total among the units of the round (absent without a total).
    pub rank: Option<u32>,
    /// Sources with no submission: scored without them.
    pub missing: Vec<Source>,
}

fn mean(values: &[Decimal]) -> Option<Decimal> {
    (!values.is_empty())
        .then(|| values.iter().copied().sum::<Decimal>() / Decimal::from(values.len()))
}

/// The results of a round over `targets`: per source and dimension the exact mean; per
/// dimension the mean of the sources present, weighted and re-normalised over them; the
/// total the mean of the dimensions; all cut to two decimals only at the end; ranks by the
/// rounded total, ties sharing a rank.
pub fn results(targets: &[String], settings: &Settings, scored: &[Scored]) -> Vec<UnitResult> {
    let r = settings.rounding;
    let mut by_target: std::collections::HashMap<&str, Vec<&Scored>> =
        std::collections::HashMap::new();
    for s in scored {
        by_target.entry(s.target.as_str()).or_default().push(s);
    }
    let mut out: Vec<UnitResult> = targets
        .iter()
        .map(|unit| {
            let mine: Vec<&Scored> = by_target.remove(unit.as_str()).unwrap_or_default();
            let by_source = |src: Source, dim: &str| -> Option<Decimal> {
                let v: Vec<Decimal> = mine
                    .iter()
                    .filter(|s| s.source == src)
                    .filter_map(|s| s.scores.get(dim).map(|x| Decimal::from(*x)))
                    .collect();
                mean(&v)
            };
            let present: Vec<Source> = Source::ALL
                .into_iter()
                .filter(|s| mine.iter().any(|m| m.source == *s))
                .collect();
            let weight_sum: Decimal = present.iter().map(|s| settings.weights.of(*s)).sum();
            let exact_dims: Vec<(String, Option<Decimal>)> = settings
                .dimensions
                .iter()
                .map(|d| {
                    let weighted: Option<Decimal> = (!weight_sum.is_zero()).then(|| {
                        present
                            .iter()
                            .filter_map(|s| by_source(*s, d).map(|m| m * settings.weights.of(*s)))
                            .sum::<Decimal>()
                            / weight_sum
                    });
                    (d.clone(), weighted)
                })
                .collect();
            let total = mean(
                &exact_dims
                    .iter()
                    .filter_map(|(_, v)| *v)
                    .collect::<Vec<_>>(),
            )
            .map(|t| r.two_decimals(t));
            UnitResult {
                unit_id: unit.clone(),
                dimensions: exact_dims
                    .into_iter()
                    .filter_map(|(d, v)| v.map(|v| (d, r.two_decimals(v))))
                    .collect(),
                sources: Source::ALL
                    .into_iter()
                    .map(|s| {
                        let v: Vec<Decimal> = settings
                            .dimensions
                            .iter()
                            .filter_map(|d| by_source(s, d))
                            .collect();
                        (s, mean(&v).map(|m| r.two_decimals(m)))
                    })
                    .collect(),
                counts: Source::ALL
                    .into_iter()
                    .map(|s| (s, mine.iter().filter(|m| m.source == s).count()))
                    .collect(),
                total,
                rank: None,
                missing: Source::ALL
                    .into_iter()
                    .filter(|s| !present.contains(s))
                    .collect(),
            }
        })
        .collect();
    let totals: Vec<Option<Decimal>> = out.iter().map(|u| u.total).collect();
    for (u, rank) in out.iter_mut().zip(ranks(&totals, settings.dense_ranking)) {
        u.rank = rank;
    }
    out.sort_by(|a, b| {
        a.rank
            .unwrap_or(u32::MAX)
            .cmp(&b.rank.unwrap_or(u32::MAX))
            .then_with(|| a.unit_id.cmp(&b.unit_id))
    });
    out
}

/// Ranks of `values`, highest first; equal values share a rank; the next rank skips the
/// tied places (competition ranking, 1 1 3) or follows on (中国式排名, 1 1 2); none has none.
pub fn ranks(values: &[Option<Decimal>], dense: bool) -> Vec<Option<u32>> {
    let mut sorted: Vec<Decimal> = values.iter().flatten().copied().collect();
    sorted.sort_by(|a, b| b.cmp(a));
    let mut distinct = sorted.clone();
    distinct.dedup();
    let order = if dense { &distinct } else { &sorted };
    values
        .iter()
        .map(|v| v.map(|t| order.iter().position(|x| *x == t).unwrap_or(0) as u32 + 1))
        .collect()
}

/// The `n` lowest-ranked units with a total (all tied at the cut included).
pub fn lowest(results: &[UnitResult], n: usize) -> Vec<&UnitResult> {
    let ranked: Vec<&UnitResult> = results.iter().filter(|u| u.rank.is_some()).collect();
    if n == 0 || ranked.is_empty() {
        return Vec::new();
    }
    let cut = ranked
        .iter()
        .rev()
        .nth(n.min(ranked.len()) - 1)
        .and_then(|u| u.total);
    ranked
        .into_iter()
        .filter(|u| u.total.is_some_and(|t| Some(t) <= cut))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn settings() -> Settings {
        Settings {
            dimensions: DEFAULT_DIMENSIONS.iter().map(|s| s.to_string()).collect(),
            weights: Weights::default(),
            rounding: Rounding::Gbt8170,
            dense_ranking: false,
        }
    }

    fn scored(target: &str, source: Source, v: [u32; 3]) -> Scored {
        Scored {
            target: target.into(),
            source,
            scores: DEFAULT_DIMENSIONS
                .iter()
                .zip(v)
                .map(|(k, x)| (k.to_string(), x))
                .collect(),
        }
    }

    #[test]
    fn gbt_8170_takes_an_exact_half_to_even_and_half_up_takes_it_up() {
        assert_eq!(Rounding::Gbt8170.two_decimals(d("84.385")), d("84.38"));
        assert_eq!(Rounding::Gbt8170.two_decimals(d("84.375")), d("84.38"));
        assert_eq!(Rounding::Gbt8170.two_decimals(d("84.3851")), d("84.39"));
        assert_eq!(Rounding::HalfUp.two_decimals(d("84.385")), d("84.39"));
        assert_eq!(Rounding::Gbt8170.two_decimals(d("80")).to_string(), "80.00");
    }

    #[test]
    fn sources_are_weighted_and_a_missing_one_is_left_out_of_the_weights() {
        // A: 自评 90, 点评 80, 互评 70 and 80 (mean 75) → 0.2·90 + 0.4·80 + 0.4·75 = 80.
        // B: no 自评; 点评 90, 互评 60 → (0.4·90 + 0.4·60) / 0.8 = 75.
        let s = settings();
        let r = results(
            &["A".into(), "B".into()],
            &s,
            &[
                scored("A", Source::SelfAssessment, [90, 90, 90]),
                scored("A", Source::LeaderComment, [80, 80, 80]),
                scored("A", Source::Peer, [70, 70, 70]),
                scored("A", Source::Peer, [80, 80, 80]),
                scored("B", Source::LeaderComment, [90, 90, 90]),
                scored("B", Source::Peer, [60, 60, 60]),
            ],
        );
        assert_eq!((r[0].unit_id.as_str(), r[0].total), ("A", Some(d("80"))));
        assert_eq!((r[1].unit_id.as_str(), r[1].total), ("B", Some(d("75"))));
        assert_eq!(r[1].missing, [Source::SelfAssessment]);
        assert!(r[0].missing.is_empty());
        assert_eq!(r[0].counts[2], (Source::Peer, 2));
        assert_eq!(r[0].sources[2], (Source::Peer, Some(d("75"))));
    }

    #[test]
    fn means_are_exact_until_the_last_cut() {
        // Peers 85, 84, 84 → 84.333…; with no other source the total is 84.33, not a sum
        // of rounded parts.
        let s = settings();
        let r = results(
            &["A".into()],
            &s,
            &[
                scored("A", Source::Peer, [85, 85, 85]),
                scored("A", Source::Peer, [84, 84, 84]),
                scored("A", Source::Peer, [84, 84, 84]),
            ],
        );
        assert_eq!(r[0].total, Some(d("84.33")));
        assert_eq!(r[0].dimensions[0].1, d("84.33"));
    }

    #[test]
    fn ties_share_a_rank_in_either_style_and_the_lowest_include_a_tie() {
        let mut s = settings();
        let subs = [
            scored("A", Source::Peer, [90, 90, 90]),
            scored("B", Source::Peer, [80, 80, 80]),
            scored("C", Source::Peer, [80, 80, 80]),
            scored("D", Source::Peer, [70, 70, 70]),
            scored("E", Source::Peer, [70, 70, 70]),
        ];
        let units: Vec<String> = ["A", "B", "C", "D", "E", "F"].map(String::from).into();
        let ranks = |s: &Settings| -> Vec<(String, Option<u32>)> {
            results(&units, s, &subs)
                .into_iter()
                .map(|u| (u.unit_id, u.rank))
                .collect()
        };
        let competition = ranks(&s);
        assert_eq!(
            competition[..5].iter().map(|x| x.1).collect::<Vec<_>>(),
            [Some(1), Some(2), Some(2), Some(4), Some(4)]
        );
        assert_eq!(competition[5], ("F".into(), None), "nothing came in for F");
        s.dense_ranking = true;
        let dense = ranks(&s);
        assert_eq!(dense[3].1, Some(3));
        let all = results(&units, &settings(), &subs);
        let low: Vec<&str> = lowest(&all, 1).iter().map(|u| u.unit_id.as_str()).collect();
        assert_eq!(low, ["D", "E"], "both tied last");
        assert_eq!(lowest(&all, 0).len(), 0);
    }

    #[test]
    fn a_cadre_scores_other_units_a_leader_their_own_a_supervisor_those_they_supervise() {
        let r = |in_target, leads, supervises_target| Reviewer {
            in_target,
            leads,
            supervises_target,
        };
        assert_eq!(source_for(&r(false, false, false)), Ok(Source::Peer));
        assert!(
            source_for(&r(true, false, false)).is_err(),
            "never one's own unit"
        );
        assert_eq!(
            source_for(&r(true, true, false)),
            Ok(Source::SelfAssessment)
        );
        assert_eq!(source_for(&r(false, true, false)), Ok(Source::Peer));
        assert_eq!(source_for(&r(true, true, true)), Ok(Source::LeaderComment));
    }

    #[test]
    fn scores_cover_each_dimension_once_within_0_to_100() {
        let dims: Vec<String> = DEFAULT_DIMENSIONS.iter().map(|s| s.to_string()).collect();
        let good = scored("A", Source::Peer, [0, 100, 50]).scores;
        assert!(check_scores(&dims, &good).is_ok());
        let mut high = good.clone();
        high.insert("工作态度".into(), 101);
        assert_eq!(check_scores(&dims, &high).unwrap_err().field, "scores");
        let mut short = good.clone();
        short.remove("廉洁自律");
        assert!(check_scores(&dims, &short)
            .unwrap_err()
            .message
            .contains("廉洁自律"));
        let mut extra = good;
        extra.insert("登录次数".into(), 90);
        assert!(check_scores(&dims, &extra).is_err(), "no score of activity");
        let mut s = settings();
        s.weights.peer = 50;
        assert_eq!(check_settings(&s).unwrap_err().field, "weights");
    }
}
