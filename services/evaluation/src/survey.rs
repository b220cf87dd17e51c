//! 满意度评议 (万人评议) as rules: who may answer a survey, what an answer must hold, and how
//! the scores become per-indicator two-decimal means, an overall mean and ranks with ties,
//! computed in decimal from exact sums. No I/O.

use crate::review::{ranks, refuse, Refusal, Rounding};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The six indicators of the 机关效能评议 (seed 001).
pub const DEFAULT_INDICATORS: [&str; 6] = [
    "业务工作",
    "制度建设和落实",
    "依法行政依法办事",
    "政务公开和事务公开",
    "办事效率和服务质量",
    "廉政建设和行风服务",
];

/// The smallest number of respondents per unit for a representative result, by default.
pub const DEFAULT_MIN_SAMPLE: u32 = 30;

/// Who answers a survey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Group {
    /// 机关干部: cadres of the scope, signed in, never scoring their own unit.
    Cadre,
    /// 服务对象: the public, each through a one-time link.
    Public,
    /// 两代表一委员: invited deputies and committee members, each through a one-time link.
    Deputy,
}

impl Group {
    /// Every group.
    pub const ALL: [Group; 3] = [Group::Cadre, Group::Public, Group::Deputy];

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Group::Cadre => "机关干部",
            Group::Public => "服务对象",
            Group::Deputy => "两代表一委员",
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Cadre => "CADRE",
            Group::Public => "PUBLIC",
            Group::Deputy => "DEPUTY",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// Whether this group answers through one-time links rather than an account.
    pub fn by_link(self) -> bool {
        self != Group::Cadre
    }
}

/// A survey's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Indicators, each scored 0–100.
    pub indicators: Vec<String>,
    /// Groups asked.
    pub groups: Vec<Group>,
    /// Respondents a unit needs for its result to be representative.
    pub min_sample: u32,
    /// Rounding of means.
    pub rounding: Rounding,
    /// 中国式排名 instead of competition ranking.
    pub dense_ranking: bool,
}

/// Checks a survey's settings: 1–12 distinct named indicators, at least one group, a
/// minimum sample of 1–10,000.
pub fn check_settings(s: &Settings) -> Result<(), Refusal> {
    if s.indicators.is_empty() || s.indicators.len() > 12 {
        return Err(refuse("indicators", "评议指标须为 1 至 12 项"));
    }
    let mut seen = BTreeSet::new();
    for i in &s.indicators {
        if i.is_empty() || i.chars().count() > 20 {
            return Err(refuse("indicators", "每项指标名称须为 1 至 20 个字"));
        }
        if !seen.insert(i) {
            return Err(refuse("indicators", format!("指标「{i}」重复")));
        }
    }
    if s.groups.is_empty() {
        return Err(refuse("groups", "至少选择一类评议对象"));
    }
    if !(1..=10_000).contains(&s.min_sample) {
        return Err(refuse("minSample", "最低样本量须为 1 至 10000"));
    }
    Ok(())
}

/// One answer: the scores a respondent gives one unit, by indicator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The unit scored.
    pub unit_id: String,
    /// By indicator.
    pub scores: BTreeMap<String, u32>,
}

/// Checks a response: at least one unit, each a unit of the survey, once, never the
/// respondent's own; every indicator scored once, 0–100, and nothing else.
pub fn check_response(
    settings: &Settings,
    units: &[String],
    own_units: &[String],
    answers: &[Answer],
) -> Result<(), Refusal> {
    if answers.is_empty() {
        return Err(refuse("answers", "请至少对一个单位评分"));
    }
    let mut seen = BTreeSet::new();
    for a in answers {
        if !units.contains(&a.unit_id) {
            return Err(refuse("answers", "所评单位不在本次评议之内"));
        }
        if own_units.contains(&a.unit_id) {
            return Err(refuse("answers", "不能评议本人所在单位"));
        }
        if !seen.insert(&a.unit_id) {
            return Err(refuse("answers", "同一单位只能评一次"));
        }
        for (i, v) in &a.scores {
            if !settings.indicators.contains(i) {
                return Err(refuse("answers", format!("「{i}」不是本次评议的指标")));
            }
            if *v > 100 {
                return Err(refuse(
                    "answers",
                    format!("「{i}」的分值须在 0 至 100 之间"),
                ));
            }
        }
        if let Some(i) = settings
            .indicators
            .iter()
            .find(|i| !a.scores.contains_key(*i))
        {
            return Err(refuse("answers", format!("请为「{i}」评分")));
        }
    }
    Ok(())
}

/// The exact sum and count of one unit's scores on one indicator (read by the database).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The unit.
    pub unit_id: String,
    /// Index of the indicator in the settings.
    pub indicator: usize,
    /// Sum of the scores.
    pub sum: i64,
    /// How many.
    pub count: i64,
}

/// One indicator of one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorResult {
    /// The indicator.
    pub indicator: String,
    /// Two-decimal mean (absent: nobody scored it).
    pub mean: Option<Decimal>,
    /// Scores it is the mean of.
    pub count: u64,
    /// Rank on this indicator among the survey's units.
    pub rank: Option<u32>,
}

/// One unit's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitResult {
    /// The unit.
    pub unit_id: String,
    /// Per indicator.
    pub indicators: Vec<IndicatorResult>,
    /// The mean of its indicator means, two decimals.
    pub overall: Option<Decimal>,
    /// Rank by the overall mean.
    pub rank: Option<u32>,
    /// Respondents who scored it.
    pub respondents: u64,
    /// Whether `respondents` reaches the survey's minimum sample.
    pub representative: bool,
}

/// The results of a survey over `units`: per indicator the exact mean (sum ÷ count), the
/// overall mean the mean of the exact indicator means, each cut to two decimals only at
/// the end; ranks on the two-decimal values (so two units shown at 84.39 share a rank),
/// ties sharing as the settings say. Units keep the order given.
pub fn results(
    units: &[String],
    settings: &Settings,
    tallies: &[Tally],
    respondents: &HashMap<String, u64>,
) -> Vec<UnitResult> {
    let r = settings.rounding;
    let by: HashMap<(&str, usize), &Tally> = tallies
        .iter()
        .map(|t| ((t.unit_id.as_str(), t.indicator), t))
        .collect();
    let exact = |u: &str, i: usize| -> Option<(Decimal, u64)> {
        let t = by.get(&(u, i)).filter(|t| t.count > 0)?;
        Some((
            Decimal::from(t.sum) / Decimal::from(t.count),
            t.count as u64,
        ))
    };
    let mut out: Vec<UnitResult> = units
        .iter()
        .map(|u| {
            let means: Vec<Option<(Decimal, u64)>> = (0..settings.indicators.len())
                .map(|i| exact(u, i))
                .collect();
            let present: Vec<Decimal> = means.iter().flatten().map(|(m, _)| *m).collect();
            let overall = (!present.is_empty()).then(|| {
                r.two_decimals(present.iter().sum::<Decimal>() / Decimal::from(present.len()))
            });
            let n = respondents.get(u).copied().unwrap_or(0);
            UnitResult {
                unit_id: u.clone(),
                indicators: settings
                    .indicators
                    .iter()
                    .zip(&means)
                    .map(|(name, m)| IndicatorResult {
                        indicator: name.clone(),
                        mean: m.map(|(v, _)| r.two_decimals(v)),
                        count: m.map_or(0, |(_, c)| c),
                        rank: None,
                    })
                    .collect(),
                overall,
                rank: None,
                respondents: n,
                representative: n >= u64::from(settings.min_sample),
            }
        })
        .collect();
    for i in 0..settings.indicators.len() {
        let values: Vec<Option<Decimal>> = out.iter().map(|u| u.indicators[i].mean).collect();
        for (u, rank) in out.iter_mut().zip(ranks(&values, settings.dense_ranking)) {
            u.indicators[i].rank = rank;
        }
    }
    let overall: Vec<Option<Decimal>> = out.iter().map(|u| u.overall).collect();
    for (u, rank) in out.iter_mut().zip(ranks(&overall, settings.dense_ranking)) {
        u.rank = rank;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn settings(indicators: &[&str], dense: bool) -> Settings {
        Settings {
            indicators: indicators.iter().map(|s| s.to_string()).collect(),
            groups: vec![Group::Cadre, Group::Public],
            min_sample: 3,
            rounding: Rounding::Gbt8170,
            dense_ranking: dense,
        }
    }

    fn tally(unit: &str, indicator: usize, scores: &[i64]) -> Tally {
        Tally {
            unit_id: unit.into(),
            indicator,
            sum: scores.iter().sum(),
            count: scores.len() as i64,
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn sum(unit: &str, indicator: usize, sum: i64, count: i64) -> Tally {
        Tally {
            unit_id: unit.into(),
            indicator,
            sum,
            count,
        }
    }

    /// Three units, two indicators, checked by hand:
    /// A: 业务 16878 / 200 = 84.39, 效率 16878 / 200 = 84.39; overall 84.39.
    /// B: 业务 25316 / 300 = 84.38666…, 效率 25317 / 300 = 84.39; overall
    ///    (84.38666… + 84.39) / 2 = 84.38833… → 84.39, below A unrounded, equal as shown.
    /// C: 业务 (90, 70) = 80, 效率 (80) = 80; overall 80.00, two respondents.
    /// Overall: A and B both first (ranked as shown, at 84.39); C third under competition
    /// ranking, second under 中国式排名. 业务: A and B 84.39 first, C third.
    #[test]
    fn means_and_ranks_match_a_hand_computation_with_ties() {
        let units: Vec<String> = ["A", "B", "C"].map(String::from).into();
        let tallies = [
            sum("A", 0, 16878, 200),
            sum("A", 1, 16878, 200),
            sum("B", 0, 25316, 300),
            sum("B", 1, 25317, 300),
            tally("C", 0, &[90, 70]),
            tally("C", 1, &[80]),
        ];
        let counts: HashMap<String, u64> =
            [("A".into(), 200), ("B".into(), 300), ("C".into(), 2)].into();
        let s = settings(&["业务工作", "办事效率"], false);
        let r = results(&units, &s, &tallies, &counts);
        assert_eq!(r[0].overall, Some(d("84.39")));
        assert_eq!(r[1].overall, Some(d("84.39")));
        assert_eq!(r[2].overall, Some(d("80.00")));
        assert_eq!(
            r.iter().map(|u| u.rank).collect::<Vec<_>>(),
            [Some(1), Some(1), Some(3)]
        );
        assert_eq!(r[1].indicators[0].mean, Some(d("84.39")));
        assert_eq!(r[1].indicators[0].count, 300);
        assert_eq!(r[2].indicators[1].count, 1);
        assert_eq!(
            r.iter().map(|u| u.indicators[0].rank).collect::<Vec<_>>(),
            [Some(1), Some(1), Some(3)]
        );
        assert!(r[0].representative && !r[2].representative);
        let dense = results(
            &units,
            &settings(&["业务工作", "办事效率"], true),
            &tallies,
            &counts,
        );
        assert_eq!(
            dense.iter().map(|u| u.rank).collect::<Vec<_>>(),
            [Some(1), Some(1), Some(2)]
        );
    }

    #[test]
    fn an_exact_half_rounds_to_even_by_default_and_up_by_setting() {
        // 84.385 exactly: (84.38 + 84.39) / 2 — scores 8438.5 / 100 are not integers, so
        // use a mean: 16877 / 200 = 84.385.
        let tallies = [Tally {
            unit_id: "A".into(),
            indicator: 0,
            sum: 16877,
            count: 200,
        }];
        let units = vec!["A".to_string()];
        let counts = HashMap::new();
        let mut s = settings(&["业务工作"], false);
        assert_eq!(
            results(&units, &s, &tallies, &counts)[0].overall,
            Some(d("84.38"))
        );
        s.rounding = Rounding::HalfUp;
        assert_eq!(
            results(&units, &s, &tallies, &counts)[0].overall,
            Some(d("84.39"))
        );
    }

    #[test]
    fn a_unit_nobody_scored_has_no_mean_and_no_rank() {
        let units: Vec<String> = ["A", "B"].map(String::from).into();
        let r = results(
            &units,
            &settings(&["业务工作"], false),
            &[tally("A", 0, &[90])],
            &HashMap::new(),
        );
        assert_eq!((r[1].overall, r[1].rank), (None, None));
        assert_eq!(r[0].rank, Some(1));
        assert!(!r[1].representative);
    }

    fn answer(unit: &str, pairs: &[(&str, u32)]) -> Answer {
        Answer {
            unit_id: unit.into(),
            scores: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn a_response_scores_units_of_the_survey_on_every_indicator_and_never_ones_own() {
        let s = settings(&["业务工作", "办事效率"], false);
        let units: Vec<String> = ["A", "B"].map(String::from).into();
        let full = |u| answer(u, &[("业务工作", 90), ("办事效率", 80)]);
        assert!(check_response(&s, &units, &[], &[full("A"), full("B")]).is_ok());
        let refused =
            |a: &[Answer], own: &[String]| check_response(&s, &units, own, a).unwrap_err().message;
        assert!(refused(&[], &[]).contains("至少"));
        assert!(refused(&[full("Z")], &[]).contains("不在"));
        assert!(refused(&[full("A")], &["A".into()]).contains("本人所在单位"));
        assert!(refused(&[full("A"), full("A")], &[]).contains("只能评一次"));
        assert!(refused(&[answer("A", &[("业务工作", 90)])], &[]).contains("办事效率"));
        assert!(
            refused(&[answer("A", &[("业务工作", 90), ("办事效率", 101)])], &[])
                .contains("0 至 100")
        );
        // Activity is not an indicator: a score of it is refused.
        assert!(refused(
            &[answer(
                "A",
                &[("业务工作", 90), ("办事效率", 80), ("登录次数", 100)]
            )],
            &[]
        )
        .contains("不是本次评议的指标"));
    }

    #[test]
    fn settings_need_named_distinct_indicators_a_group_and_a_sane_sample() {
        let mut s = settings(&["业务工作"], false);
        assert!(check_settings(&s).is_ok());
        s.indicators.push("业务工作".into());
        assert_eq!(check_settings(&s).unwrap_err().field, "indicators");
        s.indicators.pop();
        s.groups.clear();
        assert_eq!(check_settings(&s).unwrap_err().field, "groups");
        s.groups.push(Group::Deputy);
        s.min_sample = 0;
        assert_eq!(check_settings(&s).unwrap_err().field, "minSample");
    }
}
