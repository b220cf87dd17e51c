//! 年度考核 / 评先评优 as rules: each indicator's figure from recorded outcomes, the
//! weighted composite, the quotas (先进工作者 30%, 先进科室 40% by default), ties at the
//! boundary, and eligibility after 甄别. No I/O.

use crate::review::{refuse, Refusal, Rounding};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use duban_schema::evaluation::AssessmentIndicator as Indicator;
use duban_schema::WireName;

/// How a fractional quota becomes a number of places.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuotaRounding {
    /// Down (4.8 → 4): never more than the share.
    #[default]
    Down,
    /// 四舍五入 (4.5 → 5).
    HalfUp,
    /// 进一法 (4.2 → 5).
    Up,
}

/// What happens when candidates tied on the same score straddle the last place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TieRule {
    /// The 考评组 chooses among the tied for the places left, and its choice is recorded.
    #[default]
    Panel,
    /// All the tied are taken, over the quota.
    IncludeAll,
    /// None of the tied are taken, under the quota.
    ExcludeAll,
}

/// A county's assessment rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Weight of each indicator (0 leaves it out).
    pub weights: Vec<(Indicator, u32)>,
    /// 先进工作者: percent of the people assessed.
    pub person_quota_pct: u32,
    /// 先进科室: percent of the units assessed.
    pub unit_quota_pct: u32,
    /// How a fractional quota rounds.
    pub quota_rounding: QuotaRounding,
    /// Ties at the last place.
    pub tie_rule: TieRule,
    /// Points off 督办牌 per yellow card.
    pub yellow_card_points: u32,
    /// Points off 督办牌 per red card.
    pub red_card_points: u32,
    /// How the composite is cut to two decimals.
    pub rounding: Rounding,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            weights: vec![
                (Indicator::OnTime, 30),
                (Indicator::Cards, 10),
                (Indicator::Review, 15),
                (Indicator::Survey, 15),
                (Indicator::Ratings, 10),
                (Indicator::Report, 20),
            ],
            person_quota_pct: 30,
            unit_quota_pct: 40,
            quota_rounding: QuotaRounding::Down,
            tie_rule: TieRule::Panel,
            yellow_card_points: 2,
            red_card_points: 5,
            rounding: Rounding::Gbt8170,
        }
    }
}

/// Checks a county's rules: each indicator weighed once, 0–100, not all 0; quotas 1–100%;
/// card points 0–50.
pub fn check_settings(s: &Settings) -> Result<(), Refusal> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, w) in &s.weights {
        if !seen.insert(*i) || *w > 100 {
            return Err(refuse("weights", "每项指标只能设置一次权重，且为 0 至 100"));
        }
    }
    if s.weights.iter().all(|(_, w)| *w == 0) {
        return Err(refuse("weights", "至少一项指标的权重大于 0"));
    }
    if !(1..=100).contains(&s.person_quota_pct) {
        return Err(refuse("personQuotaPct", "先进工作者比例须为 1% 至 100%"));
    }
    if !(1..=100).contains(&s.unit_quota_pct) {
        return Err(refuse("unitQuotaPct", "先进科室比例须为 1% 至 100%"));
    }
    if s.yellow_card_points > 50 || s.red_card_points > 50 {
        return Err(refuse("yellowCardPoints", "每张督办牌扣分不超过 50 分"));
    }
    Ok(())
}

/// What the system recorded about one person (or one unit, summed over its people) in the
/// year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Items done within their limit.
    pub on_time: u32,
    /// Items done after it.
    pub late: u32,
    /// Yellow cards on items they were responsible for.
    pub yellow: u32,
    /// Red cards.
    pub red: u32,
    /// 好评 of items they handled.
    pub good: u32,
    /// Standing 差评 (an upheld appeal takes one out).
    pub bad: u32,
    /// Their unit's 作风体检 mean.
    pub review: Option<Decimal>,
    /// Their unit's 满意度评议 mean.
    pub survey: Option<Decimal>,
    /// The 考评组's 述职 score.
    pub report: Option<Decimal>,
}

fn percent(part: u32, whole: u32) -> Option<Decimal> {
    (whole > 0).then(|| Decimal::from(part) * Decimal::from(100) / Decimal::from(whole))
}

/// Each indicator's figure from the facts, exact (cut only in the composite); absent where
/// nothing was recorded (no item done, no rating, no round, no 述职 yet).
pub fn figures(f: &Facts, s: &Settings) -> Vec<(Indicator, Option<Decimal>)> {
    let off = Decimal::from(s.yellow_card_points * f.yellow + s.red_card_points * f.red);
    Indicator::ALL
        .iter()
        .map(|&i| {
            let v = match i {
                Indicator::OnTime => percent(f.on_time, f.on_time + f.late),
                Indicator::Cards => Some((Decimal::from(100) - off).max(Decimal::ZERO)),
                Indicator::Review => f.review,
                Indicator::Survey => f.survey,
                Indicator::Ratings => percent(f.good, f.good + f.bad),
                Indicator::Report => f.report,
            };
            (i, v)
        })
        .collect()
}

/// The composite: the weighted mean of the figures present (an absent figure's weight is
/// left out, not counted as 0), plus bonus less penalty points, cut to two decimals at the
/// end. Absent when no weighed figure is present.
pub fn composite(
    values: &[(Indicator, Option<Decimal>)],
    s: &Settings,
    adjustment: Decimal,
) -> Option<Decimal> {
    let (mut sum, mut weight) = (Decimal::ZERO, Decimal::ZERO);
    for (i, v) in values {
        let w = s
            .weights
            .iter()
            .find(|(x, _)| x == i)
            .map(|(_, w)| Decimal::from(*w))
            .unwrap_or_default();
        if let (Some(v), false) = (v, w.is_zero()) {
            sum += *v * w;
            weight += w;
        }
    }
    (!weight.is_zero()).then(|| s.rounding.two_decimals(sum / weight + adjustment))
}

/// Places for `pct` percent of `n`.
pub fn quota(n: usize, pct: u32, rounding: QuotaRounding) -> usize {
    let exact = n as u64 * u64::from(pct);
    let (whole, rest) = ((exact / 100) as usize, exact % 100);
    match rounding {
        QuotaRounding::Down => whole,
        QuotaRounding::HalfUp if rest >= 50 => whole + 1,
        QuotaRounding::HalfUp => whole,
        QuotaRounding::Up if rest > 0 => whole + 1,
        QuotaRounding::Up => whole,
    }
}

/// The candidates taken, and a tie the 考评组 still has to decide.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Selection {
    /// Taken, best first.
    pub selected: Vec<String>,
    /// Tied at the last place and waiting for the 考评组.
    pub tied: Vec<String>,
    /// Places left for the tied.
    pub places: usize,
}

/// Takes `quota` of the eligible candidates (id, composite), best first. When the tied at
/// the last place straddle it, `rule` decides; under [`TieRule::Panel`] the 考评组's choice
/// (`decided`: exactly the places left, all from the tied) settles it, and until then the
/// tied wait.
pub fn select(
    eligible: &[(String, Decimal)],
    quota: usize,
    rule: TieRule,
    decided: Option<&[String]>,
) -> Result<Selection, Refusal> {
    let mut sorted: Vec<&(String, Decimal)> = eligible.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if quota == 0 {
        return Ok(Selection::default());
    }
    if sorted.len() <= quota || sorted[quota - 1].1 != sorted[quota].1 {
        return Ok(Selection {
            selected: sorted.iter().take(quota).map(|c| c.0.clone()).collect(),
            ..Selection::default()
        });
    }
    let last = sorted[quota - 1].1;
    let above: Vec<String> = sorted
        .iter()
        .filter(|c| c.1 > last)
        .map(|c| c.0.clone())
        .collect();
    let tied: Vec<String> = sorted
        .iter()
        .filter(|c| c.1 == last)
        .map(|c| c.0.clone())
        .collect();
    let places = quota - above.len();
    Ok(match (rule, decided) {
        (TieRule::IncludeAll, _) => Selection {
            selected: above.into_iter().chain(tied).collect(),
            ..Selection::default()
        },
        (TieRule::ExcludeAll, _) => Selection {
            selected: above,
            ..Selection::default()
        },
        (TieRule::Panel, Some(chosen)) => {
            let distinct: std::collections::BTreeSet<&String> = chosen.iter().collect();
            if chosen.len() != places
                || distinct.len() != places
                || chosen.iter().any(|c| !tied.contains(c))
            {
                return Err(refuse(
                    "chosenIds",
                    format!("请从并列的 {} 人（个）中确定 {places} 个名额", tied.len()),
                ));
            }
            Selection {
                selected: above.into_iter().chain(chosen.iter().cloned()).collect(),
                ..Selection::default()
            }
        }
        (TieRule::Panel, None) => Selection {
            selected: above,
            tied,
            places,
        },
    })
}

/// Competition ranks (1, 1, 3) of the composites, best first; absent without a composite.
pub fn ranks(scores: &[Option<Decimal>]) -> Vec<Option<u32>> {
    scores
        .iter()
        .map(|s| s.map(|v| 1 + scores.iter().filter(|o| o.is_some_and(|o| o > v)).count() as u32))
        .collect()
}

/// A 述职 score, an override or a bonus/penalty: 0–100 with at most two decimals, and a
/// reason for anything but a 述职 score.
pub fn check_entry(value: Decimal, reason: &str, needs_reason: bool) -> Result<(), Refusal> {
    if value < Decimal::ZERO || value > Decimal::from(100) || value.scale() > 2 {
        return Err(refuse("value", "分值须为 0 至 100，最多两位小数"));
    }
    let n = reason.trim().chars().count();
    if (needs_reason && n == 0) || n > 500 {
        return Err(refuse("reason", "请写明理由（不超过500字）"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_composite_weighs_the_figures_present_and_adds_the_adjustment() {
        let s = Settings::default();
        // 9 on time of 10 → 90; 1 yellow and 1 red → 93; review 85.5; no survey; 3 好评
        // and 1 差评 → 75; 述职 88.
        let f = Facts {
            on_time: 9,
            late: 1,
            yellow: 1,
            red: 1,
            good: 3,
            bad: 1,
            review: Some(d("85.5")),
            survey: None,
            report: Some(d("88")),
        };
        let v = figures(&f, &s);
        assert_eq!(v[0].1, Some(d("90")));
        assert_eq!(v[1].1, Some(d("93")));
        assert_eq!(v[4].1, Some(d("75")));
        // (90×30 + 93×10 + 85.5×15 + 75×10 + 88×20) ÷ 85 = 7422.5 ÷ 85 = 87.3235…
        assert_eq!(composite(&v, &s, Decimal::ZERO), Some(d("87.32")));
        assert_eq!(composite(&v, &s, d("-2")), Some(d("85.32")));
        let nothing = figures(&Facts::default(), &s);
        let only_cards = Settings {
            weights: vec![(Indicator::OnTime, 1)],
            ..Settings::default()
        };
        assert_eq!(composite(&nothing, &only_cards, Decimal::ZERO), None);
    }

    #[test]
    fn fractional_quotas_round_as_the_county_says() {
        assert_eq!(quota(16, 30, QuotaRounding::Down), 4);
        assert_eq!(quota(16, 30, QuotaRounding::HalfUp), 5);
        assert_eq!(quota(7, 40, QuotaRounding::Down), 2);
        assert_eq!(quota(7, 40, QuotaRounding::Up), 3);
        assert_eq!(quota(10, 30, QuotaRounding::Up), 3);
    }

    #[test]
    fn a_tie_at_the_last_place_waits_for_the_panel_unless_the_rule_settles_it() {
        let c = |id: &str, v: &str| (id.to_string(), d(v));
        let pool = [
            c("a", "95"),
            c("b", "90"),
            c("c", "90"),
            c("d", "90"),
            c("e", "80"),
        ];
        let s = select(&pool, 2, TieRule::Panel, None).unwrap();
        assert_eq!(s.selected, ["a"]);
        assert_eq!((s.tied.len(), s.places), (3, 1));
        let s = select(&pool, 2, TieRule::Panel, Some(&["c".into()])).unwrap();
        assert_eq!(s.selected, ["a", "c"]);
        assert!(select(&pool, 2, TieRule::Panel, Some(&["e".into()])).is_err());
        assert!(select(&pool, 2, TieRule::Panel, Some(&["b".into(), "c".into()])).is_err());
        assert_eq!(
            select(&pool, 2, TieRule::IncludeAll, None)
                .unwrap()
                .selected
                .len(),
            4
        );
        assert_eq!(
            select(&pool, 2, TieRule::ExcludeAll, None)
                .unwrap()
                .selected,
            ["a"]
        );
        // A tie inside the quota needs nobody.
        assert_eq!(
            select(&pool, 4, TieRule::Panel, None).unwrap().selected,
            ["a", "b", "c", "d"]
        );
        assert_eq!(
            ranks(&[Some(d("90")), Some(d("95")), Some(d("90")), None]),
            [Some(2), Some(1), Some(2), None]
        );
    }
}
