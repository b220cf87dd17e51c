//! 年度考核 computed: each person's and unit's figures from what the system recorded in the
//! year (the 作风台账 facts, closed 作风体检 rounds and 满意度评议, accountability
//! records), the 考评组's entries beside them, eligibility after 甄别, ranks and places.

use crate::assessment::{self as rules, Facts, Indicator, Settings};
use crate::conduct::Fact;
use crate::entity::{
    accountability_record, assessment, assessment_entry, conduct_entry, org_unit_copy, person_copy,
    review_round, survey,
};
use crate::service::{internal, under, EvaluationService};
use duban_api::{AdjustmentView, ApiError, AssessedView, FigureView, TieView};
use duban_auth::in_subtree;
use duban_schema::WireName;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

/// Eligibility wire names.
pub(crate) const ELIGIBLE: &str = "ELIGIBLE";
pub(crate) const PENDING: &str = "PENDING_SCREENING";
pub(crate) const EXCLUDED: &str = "EXCLUDED";
pub(crate) const RESTORED: &str = "RESTORED";

/// An assessment as computed now.
pub(crate) struct Computed {
    pub people: Vec<AssessedView>,
    pub units: Vec<AssessedView>,
    pub ties: Vec<TieView>,
    pub pending: Vec<String>,
    pub person_places: usize,
    pub unit_places: usize,
}

/// The 考评组's entries, the latest of each kind standing.
#[derive(Default)]
struct Entries {
    report: HashMap<(String, String), Decimal>,
    overrides: HashMap<(String, String, Indicator), (Decimal, String)>,
    adjustments: HashMap<(String, String), Vec<AdjustmentView>>,
    screening: HashMap<(String, String), assessment_entry::Model>,
    ties: HashMap<String, Vec<String>>,
}

impl Entries {
    fn of(rows: Vec<assessment_entry::Model>) -> Self {
        let mut e = Entries::default();
        for r in rows {
            let key = (r.subject_kind.clone(), r.subject_id.clone());
            let value = r.value.as_deref().and_then(|v| v.parse::<Decimal>().ok());
            match (r.kind.as_str(), value) {
                ("REPORT", Some(v)) => {
                    e.report.insert(key, v);
                }
                ("OVERRIDE", Some(v)) => {
                    if let Some(i) = r.indicator.as_deref().and_then(Indicator::parse) {
                        e.overrides.insert((key.0, key.1, i), (v, r.reason.clone()));
                    }
                }
                ("BONUS" | "PENALTY", Some(v)) => {
                    let points = if r.kind == "BONUS" { v } else { -v };
                    e.adjustments.entry(key).or_default().push(AdjustmentView {
                        points: points.to_string(),
                        reason: r.reason.clone(),
                        entered_by: r.entered_by.clone(),
                    });
                }
                ("SCREENING", _) => {
                    e.screening.insert(key, r);
                }
                ("TIE", _) => {
                    let chosen = serde_json::from_str(&r.chosen_ids).unwrap_or_default();
                    e.ties.insert(r.subject_kind.clone(), chosen);
                }
                _ => {}
            }
        }
        e
    }
}

fn two(s: &Settings, d: Decimal) -> String {
    s.rounding.two_decimals(d).to_string()
}

fn mean(values: &[Decimal]) -> Option<Decimal> {
    (!values.is_empty())
        .then(|| values.iter().copied().sum::<Decimal>() / Decimal::from(values.len()))
}

fn record_line(r: &accountability_record::Model) -> String {
    let number = r
        .document_number
        .as_deref()
        .map(|n| format!("（{n}）"))
        .unwrap_or_default();
    format!("{} {}{number}：{}", r.decided_on, r.form, r.grounds)
}

/// Eligibility and grounds from standing records and the latest 甄别 after them.
fn screened(
    records: &[&accountability_record::Model],
    screening: Option<&assessment_entry::Model>,
) -> (&'static str, Vec<String>) {
    if records.is_empty() {
        return (ELIGIBLE, Vec::new());
    }
    let mut grounds: Vec<String> = records.iter().map(|r| record_line(r)).collect();
    let last = records.iter().map(|r| r.recorded_at).max();
    match screening.filter(|s| Some(s.entered_at) >= last) {
        Some(s) if s.own_fault == Some(true) => {
            grounds.push(format!("甄别：属本人责任，取消评先资格（{}）", s.reason));
            (EXCLUDED, grounds)
        }
        Some(s) => {
            grounds.push(format!("甄别：非本人责任，恢复评先资格（{}）", s.reason));
            (RESTORED, grounds)
        }
        None => {
            grounds.push("待考评组甄别".into());
            (PENDING, grounds)
        }
    }
}

/// The stored results of a closed round or survey.
pub(crate) fn results_of<T: serde::de::DeserializeOwned>(
    json: &Option<String>,
) -> Result<Vec<T>, ApiError> {
    Ok(json
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(internal)?
        .unwrap_or_default())
}

impl EvaluationService {
    /// The 作风体检 rounds closed from `from` to `to`, both days included.
    pub(crate) async fn closed_rounds(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<review_round::Model>, ApiError> {
        review_round::Entity::find()
            .filter(review_round::Column::Status.eq("CLOSED"))
            .filter(review_round::Column::ClosedAt.gte(duban_clock::start_of(from)))
            .filter(
                review_round::Column::ClosedAt.lt(duban_clock::start_of(to + chrono::Days::new(1))),
            )
            .all(&self.db)
            .await
            .map_err(internal)
    }

    /// The 满意度评议 closed from `from` to `to`, both days included.
    pub(crate) async fn closed_surveys(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<survey::Model>, ApiError> {
        survey::Entity::find()
            .filter(survey::Column::Status.eq("CLOSED"))
            .filter(survey::Column::ClosedAt.gte(duban_clock::start_of(from)))
            .filter(survey::Column::ClosedAt.lt(duban_clock::start_of(to + chrono::Days::new(1))))
            .all(&self.db)
            .await
            .map_err(internal)
    }

    /// Computes `a` under `s` from what is recorded now.
    pub(crate) async fn compute_assessment(
        &self,
        a: &assessment::Model,
        s: &Settings,
    ) -> Result<Computed, ApiError> {
        let unit_ids: Vec<String> = serde_json::from_str(&a.unit_ids).map_err(internal)?;
        let assessed = self.units(&unit_ids).await?;
        let units: Vec<&org_unit_copy::Model> =
            unit_ids.iter().filter_map(|u| assessed.get(u)).collect();
        let in_scope = org_unit_copy::Entity::find()
            .filter(under(org_unit_copy::Column::Path, &a.scope_path))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let path_of: HashMap<String, String> =
            in_scope.into_iter().map(|u| (u.id, u.path)).collect();
        let home = |path: &str| units.iter().find(|u| in_subtree(path, &u.path)).copied();
        let mut people: Vec<(String, &org_unit_copy::Model)> = person_copy::Entity::find()
            .filter(person_copy::Column::UnitId.is_in(path_of.keys().cloned().collect::<Vec<_>>()))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .filter_map(|p| {
                let u = home(path_of.get(&p.unit_id)?)?;
                Some((p.person_id, u))
            })
            .collect();
        people.sort_by(|x, y| x.0.cmp(&y.0));
        let from = chrono::NaiveDate::from_ymd_opt(a.year, 1, 1).ok_or_else(|| internal("year"))?;
        let to = chrono::NaiveDate::from_ymd_opt(a.year, 12, 31).ok_or_else(|| internal("year"))?;
        let ids: Vec<String> = people.iter().map(|(p, _)| p.clone()).collect();

        let mut facts: HashMap<String, Facts> = HashMap::new();
        let entries = conduct_entry::Entity::find()
            .filter(conduct_entry::Column::PersonId.is_in(ids.clone()))
            .filter(conduct_entry::Column::OnDay.between(from, to))
            .all(&self.db)
            .await
            .map_err(internal)?;
        for (fact, e) in self.standing_entries(entries).await? {
            let f = facts.entry(e.person_id).or_default();
            match fact {
                Fact::DoneOnTime => f.on_time += 1,
                Fact::DoneLate => f.late += 1,
                Fact::YellowCard => f.yellow += 1,
                Fact::RedCard => f.red += 1,
                Fact::GoodRating => f.good += 1,
                Fact::BadRating => f.bad += 1,
                _ => {}
            }
        }

        // The unit-level figures of the year's closed rounds and surveys.
        let mut review: BTreeMap<String, Vec<Decimal>> = BTreeMap::new();
        let mut surveyed: BTreeMap<String, Vec<Decimal>> = BTreeMap::new();
        let keep = |into: &mut BTreeMap<String, Vec<Decimal>>, unit: &str, v: Option<Decimal>| {
            if let Some((v, u)) = v.zip(path_of.get(unit).and_then(|p| home(p))) {
                into.entry(u.id.clone()).or_default().push(v);
            }
        };
        for round in self.closed_rounds(from, to).await? {
            for r in results_of::<crate::review::UnitResult>(&round.results)? {
                keep(&mut review, &r.unit_id, r.total);
            }
        }
        for sv in self.closed_surveys(from, to).await? {
            for r in results_of::<crate::survey::UnitResult>(&sv.results)? {
                keep(&mut surveyed, &r.unit_id, r.overall);
            }
        }

        let entered = Entries::of(
            assessment_entry::Entity::find()
                .filter(assessment_entry::Column::AssessmentId.eq(a.id.clone()))
                .order_by_asc(assessment_entry::Column::Id)
                .all(&self.db)
                .await
                .map_err(internal)?,
        );
        let records: Vec<accountability_record::Model> = accountability_record::Entity::find()
            .filter(accountability_record::Column::DecidedOn.between(from, to))
            .filter(under(
                accountability_record::Column::UnitPath,
                &a.scope_path,
            ))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let standing: Vec<&accountability_record::Model> = records
            .iter()
            .filter(|r| {
                !records
                    .iter()
                    .any(|c| c.supersedes.as_deref() == Some(r.id.as_str()))
            })
            .collect();

        let view = |kind: &str,
                    id: &str,
                    unit_id: &str,
                    f: &Facts,
                    eligibility: (&'static str, Vec<String>)| {
            let key = (kind.to_string(), id.to_string());
            let mut figures = Vec::new();
            let mut used = Vec::new();
            for (i, computed) in rules::figures(f, s) {
                let over = entered
                    .overrides
                    .get(&(kind.to_string(), id.to_string(), i));
                let value = over.map(|(v, _)| *v).or(computed);
                used.push((i, value));
                figures.push(FigureView {
                    indicator: i.as_str().into(),
                    computed: computed.map(|c| two(s, c)),
                    value: value.map(|v| two(s, v)),
                    override_reason: over.map(|(_, r)| r.clone()),
                });
            }
            let adjustments = entered.adjustments.get(&key).cloned().unwrap_or_default();
            let adjustment: Decimal = adjustments
                .iter()
                .filter_map(|a| a.points.parse::<Decimal>().ok())
                .sum();
            let composite = rules::composite(&used, s, adjustment);
            (
                composite,
                AssessedView {
                    subject_kind: kind.into(),
                    subject_id: id.into(),
                    unit_id: unit_id.into(),
                    figures,
                    adjustments,
                    composite: composite.map(|c| c.to_string()),
                    rank: None,
                    eligibility: eligibility.0.into(),
                    grounds: eligibility.1,
                    selected: false,
                    recommended: false,
                },
            )
        };

        let mut person_rows = Vec::new();
        for (p, u) in &people {
            let mut f = facts.get(p).cloned().unwrap_or_default();
            f.review = mean(review.get(&u.id).map(Vec::as_slice).unwrap_or(&[]));
            f.survey = mean(surveyed.get(&u.id).map(Vec::as_slice).unwrap_or(&[]));
            f.report = entered.report.get(&("PERSON".into(), p.clone())).copied();
            let own: Vec<&accountability_record::Model> = standing
                .iter()
                .filter(|r| r.subject_kind == "PERSON" && r.subject_id == *p)
                .copied()
                .collect();
            let e = screened(&own, entered.screening.get(&("PERSON".into(), p.clone())));
            person_rows.push(view("PERSON", p, &u.id, &f, e));
        }
        let mut unit_rows = Vec::new();
        for u in &units {
            let mut f = Facts::default();
            for (p, home) in &people {
                if home.id != u.id {
                    continue;
                }
                if let Some(x) = facts.get(p) {
                    f.on_time += x.on_time;
                    f.late += x.late;
                    f.yellow += x.yellow;
                    f.red += x.red;
                    f.good += x.good;
                    f.bad += x.bad;
                }
            }
            f.review = mean(review.get(&u.id).map(Vec::as_slice).unwrap_or(&[]));
            f.survey = mean(surveyed.get(&u.id).map(Vec::as_slice).unwrap_or(&[]));
            f.report = entered.report.get(&("UNIT".into(), u.id.clone())).copied();
            let own: Vec<&accountability_record::Model> = standing
                .iter()
                .filter(|r| r.subject_kind == "UNIT" && in_subtree(&r.unit_path, &u.path))
                .copied()
                .collect();
            let (mut status, mut grounds) =
                screened(&own, entered.screening.get(&("UNIT".into(), u.id.clone())));
            for (_, row) in person_rows.iter().filter(|(_, r)| r.unit_id == u.id) {
                if row.eligibility == EXCLUDED {
                    grounds.push(format!(
                        "本科室干部{}经甄别属本人责任，取消科室评先资格",
                        row.subject_id
                    ));
                    status = EXCLUDED;
                } else if row.eligibility == PENDING && status != EXCLUDED {
                    grounds.push(format!("本科室干部{}待甄别", row.subject_id));
                    status = PENDING;
                }
            }
            unit_rows.push(view("UNIT", &u.id, &u.id, &f, (status, grounds)));
        }

        let mut pending = Vec::new();
        let mut ties = Vec::new();
        let person_places = rules::quota(person_rows.len(), s.person_quota_pct, s.quota_rounding);
        let unit_places = rules::quota(unit_rows.len(), s.unit_quota_pct, s.quota_rounding);
        let mut finish = |rows: &mut Vec<(Option<Decimal>, AssessedView)>,
                          kind: &str,
                          places: usize,
                          label: &str| {
            let scores: Vec<Option<Decimal>> = rows.iter().map(|(c, _)| *c).collect();
            for ((_, row), rank) in rows.iter_mut().zip(rules::ranks(&scores)) {
                row.rank = rank;
                if row.eligibility == PENDING {
                    pending.push(format!("{label}{}待甄别", row.subject_id));
                }
            }
            let eligible: Vec<(String, Decimal)> = rows
                .iter()
                .filter(|(_, r)| r.eligibility == ELIGIBLE || r.eligibility == RESTORED)
                .filter_map(|(c, r)| c.map(|c| (r.subject_id.clone(), c)))
                .collect();
            let decided = entered.ties.get(kind).map(Vec::as_slice);
            let selection = rules::select(&eligible, places, s.tie_rule, decided)
                .or_else(|_| rules::select(&eligible, places, s.tie_rule, None))
                .unwrap_or_default();
            if !selection.tied.is_empty() {
                pending.push(format!(
                    "{label}第{}名并列，待考评组从{}个中确定{}个",
                    places,
                    selection.tied.len(),
                    selection.places
                ));
                ties.push(TieView {
                    subject_kind: kind.into(),
                    tied_ids: selection.tied.clone(),
                    places: selection.places as u32,
                });
            }
            for (_, row) in rows.iter_mut() {
                row.selected = selection.selected.contains(&row.subject_id);
                row.recommended = row.selected && kind == "PERSON";
            }
            rows.sort_by(|a, b| {
                a.1.rank
                    .unwrap_or(u32::MAX)
                    .cmp(&b.1.rank.unwrap_or(u32::MAX))
                    .then_with(|| a.1.subject_id.cmp(&b.1.subject_id))
            });
        };
        finish(&mut person_rows, "PERSON", person_places, "先进工作者：");
        finish(&mut unit_rows, "UNIT", unit_places, "先进科室：");
        Ok(Computed {
            people: person_rows.into_iter().map(|(_, r)| r).collect(),
            units: unit_rows.into_iter().map(|(_, r)| r).collect(),
            ties,
            pending,
            person_places,
            unit_places,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> chrono::DateTime<chrono::FixedOffset> {
        duban_clock::shanghai()
            .with_ymd_and_hms(2026, 11, day, 9, 0, 0)
            .single()
            .unwrap_or_else(|| duban_clock::start_of(chrono::NaiveDate::MIN))
    }

    fn record(id: &str, day: u32) -> accountability_record::Model {
        accountability_record::Model {
            id: id.into(),
            subject_kind: "PERSON".into(),
            subject_id: "p".into(),
            unit_id: "u".into(),
            unit_path: "/c/u".into(),
            form: "通报批评".into(),
            grounds: "延误".into(),
            item_ids: "[]".into(),
            referral_id: None,
            decided_on: at(day).date_naive(),
            decided_by: "县纪委监委".into(),
            recorded_by: "d".into(),
            recorded_at: at(day),
            supersedes: None,
            document_number: None,
        }
    }

    fn screening(day: u32, own: bool) -> assessment_entry::Model {
        assessment_entry::Model {
            id: format!("s{day}"),
            assessment_id: "a".into(),
            kind: "SCREENING".into(),
            subject_kind: "PERSON".into(),
            subject_id: "p".into(),
            indicator: None,
            value: None,
            own_fault: Some(own),
            chosen_ids: "[]".into(),
            reason: "经核实".into(),
            entered_by: "panel".into(),
            entered_at: at(day),
        }
    }

    #[test]
    fn a_record_made_after_the_screening_needs_a_new_one() {
        let first = record("r1", 2);
        let restored = screening(3, false);
        assert_eq!(screened(&[&first], Some(&restored)).0, RESTORED);
        let second = record("r2", 4);
        let (status, grounds) = screened(&[&first, &second], Some(&restored));
        assert_eq!(status, PENDING);
        assert_eq!(grounds.len(), 3, "{grounds:?}");
        assert_eq!(
            screened(&[&first, &second], Some(&screening(5, true))).0,
            EXCLUDED
        );
        assert_eq!(screened(&[], None).0, ELIGIBLE);
    }
}
