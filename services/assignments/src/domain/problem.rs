//! The problem ledger's rules (问题清单台账): registering a problem with its measures,
//! asking for close-out with evidence, closing (销号) or returning it, and reopening it
//! when a follow-up review (回头看) finds it back.

use duban_schema::assignments::{ProblemSnapshot, ProblemState};

/// Why a ledger command was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProblemError {
    /// The problem's state does not allow it.
    #[error("cannot {action} from {from:?}")]
    Illegal {
        /// Current state.
        from: ProblemState,
        /// The command, in Chinese.
        action: &'static str,
    },
    /// An input field is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as named in GraphQL.
        field: String,
        /// What is wrong, in Chinese.
        message: String,
    },
}

fn invalid(field: &str, message: impl Into<String>) -> ProblemError {
    ProblemError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

fn non_empty(field: &str, text: &str, what: &str) -> Result<(), ProblemError> {
    if text.trim().is_empty() {
        Err(invalid(field, format!("请填写{what}")))
    } else {
        Ok(())
    }
}

/// The free-text fields of a new problem, checked before anything is looked up.
pub struct ProblemText<'a> {
    /// 问题表现.
    pub description: &'a str,
    /// 原因剖析.
    pub cause_analysis: &'a str,
    /// 整改措施.
    pub measures: &'a [String],
    /// The category.
    pub category: &'a str,
}

/// Checks a new problem's text: a description, a cause analysis and at least one measure,
/// as the seeds require every ledger line to have (问题、原因、措施、责任人、时限).
pub fn validate_register(t: &ProblemText<'_>) -> Result<(), ProblemError> {
    non_empty("description", t.description, "问题表现")?;
    if t.description.chars().count() > 2000 {
        return Err(invalid("description", "问题表现不能超过2000字"));
    }
    non_empty("causeAnalysis", t.cause_analysis, "原因剖析")?;
    non_empty("category", t.category, "问题类别")?;
    if t.measures.iter().all(|m| m.trim().is_empty()) {
        return Err(invalid("measures", "请至少填写一条整改措施"));
    }
    Ok(())
}

fn require(
    p: &ProblemSnapshot,
    allowed: ProblemState,
    action: &'static str,
) -> Result<(), ProblemError> {
    if p.state == allowed {
        Ok(())
    } else {
        Err(ProblemError::Illegal {
            from: p.state,
            action,
        })
    }
}

fn next(p: &ProblemSnapshot, state: ProblemState) -> ProblemSnapshot {
    ProblemSnapshot {
        state,
        version: p.version + 1,
        ..p.clone()
    }
}

/// 申请销号: the unit reports what it did, with at least one piece of evidence.
pub fn request_close_out(
    p: &ProblemSnapshot,
    summary: &str,
    evidence: &[String],
) -> Result<ProblemSnapshot, ProblemError> {
    require(p, ProblemState::Rectifying, "申请销号")?;
    non_empty("summary", summary, "整改情况")?;
    if evidence.iter().all(|e| e.trim().is_empty()) {
        return Err(invalid("evidence", "申请销号须附整改佐证材料"));
    }
    Ok(next(p, ProblemState::CloseOutRequested))
}

/// 销号: a supervisor accepts the rectification.
pub fn close(p: &ProblemSnapshot) -> Result<ProblemSnapshot, ProblemError> {
    require(p, ProblemState::CloseOutRequested, "销号")?;
    Ok(next(p, ProblemState::Closed))
}

/// 退回: a supervisor refuses the close-out; rectification goes on.
pub fn return_close_out(
    p: &ProblemSnapshot,
    reason: &str,
) -> Result<ProblemSnapshot, ProblemError> {
    require(p, ProblemState::CloseOutRequested, "退回销号申请")?;
    non_empty("reason", reason, "退回理由")?;
    let mut n = next(p, ProblemState::Rectifying);
    n.return_count += 1;
    Ok(n)
}

/// 回头看: a follow-up review found the problem back; it is open again.
pub fn reopen(
    p: &ProblemSnapshot,
    reason: &str,
    due_on: chrono::NaiveDate,
) -> Result<ProblemSnapshot, ProblemError> {
    require(p, ProblemState::Closed, "重新打开（回头看）")?;
    non_empty("reason", reason, "回头看发现的情况")?;
    let mut n = next(p, ProblemState::Rectifying);
    n.reopen_count += 1;
    n.due_on = due_on;
    Ok(n)
}

/// 更换责任人: a successor answers for an open problem from now on.
pub fn change_responsible(
    p: &ProblemSnapshot,
    person_id: &str,
    reason: &str,
) -> Result<ProblemSnapshot, ProblemError> {
    if p.state == ProblemState::Closed {
        return Err(ProblemError::Illegal {
            from: p.state,
            action: "更换责任人",
        });
    }
    non_empty("reason", reason, "更换责任人的理由")?;
    if person_id == p.responsible_person_id {
        return Err(invalid("personId", "新责任人与现责任人相同"));
    }
    let mut n = next(p, p.state);
    n.responsible_person_id = person_id.to_string();
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_schema::assignments::ProblemSource;

    fn problem() -> ProblemSnapshot {
        ProblemSnapshot {
            id: "p1".into(),
            campaign_id: None,
            category: "担当作为方面".into(),
            source: ProblemSource::SelfFound,
            description: "遇到矛盾绕道走".into(),
            cause_analysis: "责任意识不强".into(),
            measures: vec!["建立首问负责台账".into()],
            unit_id: "u".into(),
            unit_path: "/u".into(),
            unit_name: "单位".into(),
            responsible_person_id: "a".into(),
            responsible_leader_id: None,
            registered_by: "s".into(),
            registered_at: chrono::DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00")
                .unwrap(),
            due_on: chrono::NaiveDate::from_ymd_opt(2026, 6, 10).unwrap(),
            state: ProblemState::Rectifying,
            version: 1,
            return_count: 0,
            reopen_count: 0,
        }
    }

    #[test]
    fn the_whole_ledger_cycle_counts_returns_and_reopenings() {
        let ev = vec!["会议记录2026-04".to_string()];
        let p = request_close_out(&problem(), "已建立台账", &ev).unwrap();
        assert_eq!((p.state, p.version), (ProblemState::CloseOutRequested, 2));
        let p = return_close_out(&p, "佐证不足").unwrap();
        assert_eq!((p.state, p.return_count), (ProblemState::Rectifying, 1));
        let p = request_close_out(&p, "补充佐证", &ev).unwrap();
        let p = close(&p).unwrap();
        assert_eq!((p.state, p.version), (ProblemState::Closed, 5));
        let later = p.due_on + chrono::Duration::days(30);
        let p = reopen(&p, "回头看发现问题反弹", later).unwrap();
        assert_eq!(
            (p.state, p.reopen_count, p.due_on),
            (ProblemState::Rectifying, 1, later)
        );
    }

    #[test]
    fn every_illegal_step_names_the_current_state() {
        let rect = problem();
        let requested = request_close_out(&rect, "x", &["e".into()]).unwrap();
        let closed = close(&requested).unwrap();
        let illegal = |r: Result<ProblemSnapshot, ProblemError>, from| {
            assert!(matches!(r, Err(ProblemError::Illegal { from: f, .. }) if f == from));
        };
        illegal(close(&rect), ProblemState::Rectifying);
        illegal(return_close_out(&rect, "r"), ProblemState::Rectifying);
        let due = rect.due_on;
        illegal(reopen(&rect, "r", due), ProblemState::Rectifying);
        illegal(
            request_close_out(&requested, "x", &["e".into()]),
            ProblemState::CloseOutRequested,
        );
        illegal(
            reopen(&requested, "r", due),
            ProblemState::CloseOutRequested,
        );
        illegal(
            request_close_out(&closed, "x", &["e".into()]),
            ProblemState::Closed,
        );
        illegal(close(&closed), ProblemState::Closed);
        illegal(return_close_out(&closed, "r"), ProblemState::Closed);
    }

    #[test]
    fn close_out_needs_evidence_and_register_needs_measures() {
        let r = request_close_out(&problem(), "已整改", &[" ".into()]);
        assert!(matches!(r, Err(ProblemError::Invalid { field, .. }) if field == "evidence"));
        let none: Vec<String> = vec![];
        let r = validate_register(&ProblemText {
            description: "d",
            cause_analysis: "c",
            measures: &none,
            category: "k",
        });
        assert!(matches!(r, Err(ProblemError::Invalid { field, .. }) if field == "measures"));
        let r = validate_register(&ProblemText {
            description: "d",
            cause_analysis: " ",
            measures: &["m".into()],
            category: "k",
        });
        assert!(matches!(r, Err(ProblemError::Invalid { field, .. }) if field == "causeAnalysis"));
    }
}
