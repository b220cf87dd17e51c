//! Campaign rules (专项整治): ordered phases, the categories problems are filed under.

use super::assignment::DomainError;
use chrono::NaiveDate;

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
}
