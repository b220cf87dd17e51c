//! 追责问责 as rules: the forms a county uses, what a record must hold, and which record
//! stands when corrections supersede one another (nothing is edited or deleted). No I/O.

use crate::review::{refuse, Refusal};
use chrono::NaiveDate;

/// The forms, mildest first (the county may set its own list).
pub const DEFAULT_FORMS: [&str; 7] = [
    "提醒谈话",
    "批评教育",
    "责令检查",
    "通报批评",
    "诫勉谈话",
    "组织处理",
    "纪律处分",
];

/// The form a higher level's 通报批评 is recorded under.
pub const CRITICISM: &str = "通报批评";

/// What a new record says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft<'a> {
    /// The form.
    pub form: &'a str,
    /// Grounds.
    pub grounds: &'a str,
    /// Who decided.
    pub decided_by: &'a str,
    /// The day decided.
    pub decided_on: NaiveDate,
    /// Linked items and problems.
    pub item_ids: &'a [String],
    /// A higher level's document number (for its 通报批评).
    pub document_number: Option<&'a str>,
}

/// Checks a record against the county's forms and today: a listed form, grounds and the
/// deciding organ named, a decision day not in the future nor more than five years back,
/// at most 20 linked items, and a document number only (and always) for a higher level's
/// 通报批评.
pub fn check(d: &Draft<'_>, forms: &[String], today: NaiveDate) -> Result<(), Refusal> {
    if !forms.iter().any(|f| f == d.form) {
        return Err(refuse(
            "form",
            format!("问责形式须为：{}", forms.join("、")),
        ));
    }
    let grounds = d.grounds.trim().chars().count();
    if grounds == 0 || grounds > 2000 {
        return Err(refuse("grounds", "请写明问责依据和事实（不超过2000字）"));
    }
    let by = d.decided_by.trim().chars().count();
    if by == 0 || by > 50 {
        return Err(refuse(
            "decidedBy",
            "请写明作出决定的机关或负责人（不超过50字）",
        ));
    }
    if d.decided_on > today || d.decided_on < today - chrono::Days::new(5 * 366) {
        return Err(refuse(
            "decidedOn",
            "决定日期不能晚于今天，也不能早于五年前",
        ));
    }
    if d.item_ids.len() > 20 {
        return Err(refuse("itemIds", "关联事项不超过20项"));
    }
    match d.document_number.map(str::trim) {
        Some(_) if d.form != CRITICISM => {
            return Err(refuse("documentNumber", "只有上级通报批评需要填写文号"));
        }
        Some(n) if n.is_empty() || n.chars().count() > 50 => {
            return Err(refuse(
                "documentNumber",
                "请填写上级通报的文号（不超过50字）",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Checks a county's list of forms: 1–20 distinct names of 1–10 characters, 通报批评 among
/// them (a higher level's criticism is always recorded).
pub fn check_forms(forms: &[String]) -> Result<(), Refusal> {
    if forms.is_empty() || forms.len() > 20 {
        return Err(refuse("forms", "问责形式须为 1 至 20 种"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in forms {
        if f.trim().is_empty() || f.chars().count() > 10 || !seen.insert(f.trim()) {
            return Err(refuse("forms", format!("问责形式「{f}」为空、过长或重复")));
        }
    }
    if !forms.iter().any(|f| f == CRITICISM) {
        return Err(refuse("forms", "问责形式须包含通报批评"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn forms() -> Vec<String> {
        DEFAULT_FORMS.map(String::from).into()
    }

    fn draft<'a>(form: &'a str, number: Option<&'a str>) -> Draft<'a> {
        Draft {
            form,
            grounds: "未按期完成整改，经核实属实",
            decided_by: "县纪委监委",
            decided_on: day(2026, 3, 2),
            item_ids: &[],
            document_number: number,
        }
    }

    #[test]
    fn a_record_names_a_listed_form_its_grounds_and_a_past_day() {
        let today = day(2026, 3, 2);
        assert!(check(&draft("诫勉谈话", None), &forms(), today).is_ok());
        assert_eq!(
            check(&draft("记过", None), &forms(), today)
                .unwrap_err()
                .field,
            "form"
        );
        let mut d = draft("提醒谈话", None);
        d.grounds = " ";
        assert_eq!(check(&d, &forms(), today).unwrap_err().field, "grounds");
        d = draft("提醒谈话", None);
        d.decided_on = day(2026, 3, 3);
        assert_eq!(check(&d, &forms(), today).unwrap_err().field, "decidedOn");
    }

    #[test]
    fn only_a_criticism_carries_a_document_number() {
        let today = day(2026, 3, 2);
        assert!(check(
            &draft("通报批评", Some("市纪办〔2026〕3号")),
            &forms(),
            today
        )
        .is_ok());
        assert!(check(&draft("通报批评", None), &forms(), today).is_ok());
        assert_eq!(
            check(&draft("诫勉谈话", Some("x")), &forms(), today)
                .unwrap_err()
                .field,
            "documentNumber"
        );
        assert!(check(&draft("通报批评", Some(" ")), &forms(), today).is_err());
    }

    #[test]
    fn a_county_list_keeps_criticism_and_has_no_repeats() {
        assert!(check_forms(&forms()).is_ok());
        assert!(check_forms(&["提醒谈话".into()]).is_err());
        assert!(check_forms(&["通报批评".into(), "通报批评".into()]).is_err());
    }
}
