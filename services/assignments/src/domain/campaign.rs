//! Campaign rules (专项整治): ordered phases, the categories problems are filed under.

use super::assignment::DomainError;
use chrono::NaiveDate;
use duban_api::LaunchCampaignInput;
use duban_schema::assignments::{AssignmentsEvent, CampaignSnapshot, PhaseSnapshot};

/// A campaign as its rules see it: the snapshot events carry, and the phase last announced
/// (0 before the first; one past the last once it ended).
#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    /// What events carry.
    pub snapshot: CampaignSnapshot,
    /// The phase last announced.
    pub announced_phase: i32,
}

/// The six categories of the seeds (004), used when a campaign names none.
pub const DEFAULT_CATEGORIES: [&str; 6] = [
    "慢作为",
    "不作为",
    "乱作为",
    "文山会海",
    "官僚作风",
    "弄虚作假",
];

/// Checks a campaign's name and phases (in order; a phase may start the day the last
/// one ends, as 自查自纠 2/24–3/10 and 整改落实 3/10–6/10 do) and settles its categories.
pub fn validate(
    name: &str,
    phases: &[(String, NaiveDate, NaiveDate)],
    categories: Option<Vec<String>>,
) -> Result<Vec<String>, DomainError> {
    if name.trim().is_empty() {
        return Err(DomainError::Invalid {
            field: "name",
            message: "请填写专项整治名称".into(),
        });
    }
    if phases.is_empty() {
        return Err(DomainError::Invalid {
            field: "phases",
            message: "请至少设置一个阶段".into(),
        });
    }
    let mut previous_end: Option<NaiveDate> = None;
    for (i, (phase, starts, ends)) in phases.iter().enumerate() {
        if phase.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "phases",
                message: format!("第{}个阶段缺少名称", i + 1),
            });
        }
        if ends < starts {
            return Err(DomainError::Invalid {
                field: "phases",
                message: format!("阶段「{phase}」的结束日期早于开始日期"),
            });
        }
        if previous_end.is_some_and(|p| *starts < p) {
            return Err(DomainError::Invalid {
                field: "phases",
                message: format!("阶段「{phase}」须在上一阶段结束后开始"),
            });
        }
        previous_end = Some(*ends);
    }
    let categories: Vec<String> = match categories {
        Some(c) if !c.is_empty() => c.into_iter().map(|s| s.trim().to_string()).collect(),
        _ => DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect(),
    };
    let mut seen = std::collections::HashSet::new();
    if categories
        .iter()
        .any(|c| c.is_empty() || !seen.insert(c.clone()))
    {
        return Err(DomainError::Invalid {
            field: "categories",
            message: "问题类别不能为空或重复".into(),
        });
    }
    Ok(categories)
}

/// A new campaign over the unit `scope_unit_id`: its phases numbered in order, its
/// categories settled and its report deadlines by date.
pub fn launch(
    input: &LaunchCampaignInput,
    scope_unit_id: &str,
    id: String,
) -> Result<Campaign, DomainError> {
    let phases: Vec<(String, NaiveDate, NaiveDate)> = input
        .phases
        .iter()
        .map(|p| (p.name.trim().to_string(), p.starts_on, p.ends_on))
        .collect();
    let categories = validate(&input.name, &phases, input.categories.clone())?;
    let mut report_deadlines = input.report_deadlines.clone();
    if let Some(index) = report_deadlines
        .iter()
        .position(|d| d.name.trim().is_empty())
    {
        return Err(DomainError::InvalidItem {
            list: "reportDeadlines",
            index,
            field: "name",
            message: "请填写报告名称".into(),
        });
    }
    report_deadlines.sort_by_key(|d| d.due_on);
    Ok(Campaign {
        snapshot: CampaignSnapshot {
            id,
            name: input.name.trim().to_string(),
            document_number: input.document_number.trim().to_string(),
            scope_unit_id: scope_unit_id.to_string(),
            phases: phases
                .into_iter()
                .enumerate()
                .map(|(i, (name, starts_on, ends_on))| PhaseSnapshot {
                    ordinal: i as i32 + 1,
                    name,
                    starts_on,
                    ends_on,
                })
                .collect(),
            categories,
            report_deadlines,
        },
        announced_phase: 0,
    })
}

/// Which phase runs on `today`: 0 before the first, `phases.len() + 1` after the last.
/// A day that ends one phase and starts the next belongs to the next.
pub fn phase_on(phases: &[PhaseSnapshot], today: NaiveDate) -> i32 {
    match phases.last() {
        Some(last) if today > last.ends_on => phases.len() as i32 + 1,
        _ => phases
            .iter()
            .rev()
            .find(|p| p.starts_on <= today)
            .map_or(0, |p| p.ordinal),
    }
}

/// The announcement due on `today`, if the running phase changed since the last one: the
/// campaign after it and the event (a phase started, or the campaign ended).
pub fn announce(c: &Campaign, today: NaiveDate) -> Option<(Campaign, AssignmentsEvent)> {
    let s = &c.snapshot;
    let now_phase = phase_on(&s.phases, today);
    if now_phase <= c.announced_phase {
        return None;
    }
    let event = match s.phases.iter().find(|p| p.ordinal == now_phase) {
        Some(phase) => AssignmentsEvent::CampaignPhaseStarted {
            campaign_id: s.id.clone(),
            campaign_name: s.name.clone(),
            scope_unit_id: s.scope_unit_id.clone(),
            phase: phase.clone(),
        },
        None => AssignmentsEvent::CampaignEnded {
            campaign_id: s.id.clone(),
            campaign_name: s.name.clone(),
            scope_unit_id: s.scope_unit_id.clone(),
        },
    };
    let next = Campaign {
        snapshot: s.clone(),
        announced_phase: now_phase,
    };
    Some((next, event))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn the_seeds_three_phases_are_valid_and_get_the_six_categories() {
        let phases = vec![
            ("自查自纠".to_string(), d(2, 24), d(3, 10)),
            ("整改落实".to_string(), d(3, 10), d(6, 10)),
            ("巩固提升".to_string(), d(6, 10), d(12, 10)),
        ];
        let cats = validate("改进作风、狠抓落实", &phases, None).unwrap();
        assert_eq!(cats, DEFAULT_CATEGORIES.map(String::from).to_vec());
    }

    #[test]
    fn overlapping_or_reversed_phases_and_duplicate_categories_are_refused() {
        let overlap = vec![
            ("一".to_string(), d(2, 24), d(3, 10)),
            ("二".to_string(), d(3, 1), d(6, 10)),
        ];
        assert!(matches!(
            validate("x", &overlap, None),
            Err(DomainError::Invalid {
                field: "phases",
                ..
            })
        ));
        let reversed = vec![("一".to_string(), d(3, 10), d(2, 24))];
        assert!(matches!(
            validate("x", &reversed, None),
            Err(DomainError::Invalid {
                field: "phases",
                ..
            })
        ));
        let ok = vec![("一".to_string(), d(2, 24), d(3, 10))];
        assert!(matches!(
            validate("x", &ok, Some(vec!["慢作为".into(), "慢作为".into()])),
            Err(DomainError::Invalid {
                field: "categories",
                ..
            })
        ));
        assert!(matches!(
            validate(" ", &ok, None),
            Err(DomainError::Invalid { field: "name", .. })
        ));
    }

    #[test]
    fn a_shared_boundary_day_belongs_to_the_next_phase() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let phase = |ordinal, s, e| PhaseSnapshot {
            ordinal,
            name: format!("第{ordinal}阶段"),
            starts_on: s,
            ends_on: e,
        };
        let phases = vec![phase(1, d(2, 24), d(3, 10)), phase(2, d(3, 10), d(6, 10))];
        assert_eq!(phase_on(&phases, d(2, 23)), 0);
        assert_eq!(phase_on(&phases, d(2, 24)), 1);
        assert_eq!(phase_on(&phases, d(3, 10)), 2);
        assert_eq!(phase_on(&phases, d(6, 10)), 2);
        assert_eq!(phase_on(&phases, d(6, 11)), 3);
    }

    #[test]
    fn a_launched_campaign_numbers_its_phases_orders_its_reports_and_announces_each_once() {
        use duban_api::PhaseInput;
        use duban_schema::assignments::ReportDeadlineSnapshot;
        let report = |name: &str, due_on| ReportDeadlineSnapshot {
            name: name.into(),
            due_on,
        };
        let mut input = LaunchCampaignInput {
            name: " 改进作风 ".into(),
            document_number: "X发〔2026〕1号".into(),
            scope_unit_id: "c".into(),
            phases: vec![
                PhaseInput {
                    name: "自查自纠".into(),
                    starts_on: d(2, 24),
                    ends_on: d(3, 10),
                },
                PhaseInput {
                    name: "整改落实".into(),
                    starts_on: d(3, 10),
                    ends_on: d(6, 10),
                },
            ],
            categories: None,
            report_deadlines: vec![report("总结", d(6, 10)), report("自查", d(3, 10))],
        };
        let c = launch(&input, "c", "k1".into()).unwrap();
        let s = &c.snapshot;
        assert_eq!(s.name, "改进作风");
        assert_eq!(
            s.phases.iter().map(|p| p.ordinal).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(s.report_deadlines[0].name, "自查");
        assert_eq!(announce(&c, d(2, 23)).map(|a| a.0.announced_phase), None);
        let (first, _) = announce(&c, d(2, 24)).unwrap();
        assert_eq!(first.announced_phase, 1);
        assert!(announce(&first, d(3, 1)).is_none(), "announced once");
        let (ended, event) = announce(&first, d(6, 11)).unwrap();
        assert_eq!(ended.announced_phase, 3);
        assert!(matches!(event, AssignmentsEvent::CampaignEnded { .. }));
        input.report_deadlines.push(report(" ", d(7, 1)));
        assert!(matches!(
            launch(&input, "c", "k2".into()),
            Err(DomainError::InvalidItem {
                list: "reportDeadlines",
                index: 2,
                field: "name",
                ..
            })
        ));
    }
}
