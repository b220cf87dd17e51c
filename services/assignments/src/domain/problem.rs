//! The problem ledger's rules (问题清单台账): registering a problem with its measures,
//! asking for close-out with evidence, closing (销号) or returning it, and reopening it
//! when a follow-up review (回头看) finds it back.

use chrono::{DateTime, FixedOffset};
use duban_api::ProblemCommand;
use duban_clock::workdays::Calendar;
use duban_schema::assignments::{AssignmentsEvent, ProblemSnapshot, ProblemState};

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

/// A time-limit error of the one rule, on the same field.
fn limit_err(e: super::assignment::DomainError) -> ProblemError {
    match e {
        super::assignment::DomainError::Invalid { field, message } => invalid(field, message),
        other => invalid("dueOn", other.to_string()),
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

/// A problem as its rules see it: the snapshot its events carry, and how many events it has.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// What events carry.
    pub snapshot: ProblemSnapshot,
    /// Events written about it so far.
    pub last_sequence: i64,
}

/// What a ledger command needs besides the state.
pub struct Context<'a> {
    /// Now.
    pub now: DateTime<FixedOffset>,
    /// The working calendar.
    pub calendar: &'a Calendar,
    /// Who decides a close-out request (looked up for that command only).
    pub reviewers: Vec<String>,
}

/// What a ledger command decided: the new state, its event, and its line in the problem's
/// history (the text and evidence; the action is the event's name).
#[derive(Clone, Debug)]
pub struct Decision {
    /// The problem after it.
    pub state: Problem,
    /// Its event.
    pub event: AssignmentsEvent,
    /// The history line's text.
    pub text: String,
    /// The history line's evidence.
    pub evidence: Vec<String>,
}

/// Runs a ledger command on `current`: the one place a problem's state changes after
/// registration, its reopened time limit by the one time-limit rule.
pub fn decide(
    current: &Problem,
    command: ProblemCommand,
    ctx: &Context,
) -> Result<Decision, ProblemError> {
    let p = &current.snapshot;
    let (next, event, text, evidence) = match command {
        ProblemCommand::RequestCloseOut { summary, evidence } => {
            let evidence: Vec<String> = evidence
                .iter()
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect();
            let next = request_close_out(p, &summary, &evidence)?;
            let summary = summary.trim().to_string();
            let event = AssignmentsEvent::ProblemCloseOutRequested {
                problem: next.clone(),
                summary: summary.clone(),
                evidence: evidence.clone(),
                reviewers: ctx.reviewers.clone(),
            };
            (next, event, summary, evidence)
        }
        ProblemCommand::Close => {
            let next = close(p)?;
            let event = AssignmentsEvent::ProblemClosed {
                problem: next.clone(),
            };
            (next, event, "销号".to_string(), vec![])
        }
        ProblemCommand::Return { reason } => {
            let next = return_close_out(p, &reason)?;
            let reason = reason.trim().to_string();
            let event = AssignmentsEvent::ProblemReturned {
                problem: next.clone(),
                reason: reason.clone(),
            };
            (next, event, reason, vec![])
        }
        ProblemCommand::Reopen {
            reason,
            time_limit_days,
            due_on,
        } => {
            // The state is checked first: a problem not closed is an illegal transition,
            // whatever time limit came with it.
            reopen(p, &reason, p.due_on)?;
            let today = ctx.now.date_naive();
            let (_, due) =
                super::assignment::new_time_limit(time_limit_days, due_on, today, ctx.calendar)
                    .map_err(limit_err)?;
            let next = reopen(p, &reason, due)?;
            let reason = reason.trim().to_string();
            let event = AssignmentsEvent::ProblemReopened {
                problem: next.clone(),
                reason: reason.clone(),
            };
            (next, event, reason, vec![])
        }
    };
    Ok(Decision {
        state: Problem {
            snapshot: next,
            last_sequence: current.last_sequence + 1,
        },
        event,
        text,
        evidence,
    })
}

/// What a new problem needs besides its input: its id, who registers it and when, the
/// calendar, its unit and people as found, and its campaign's categories when it names one.
pub struct RegisterFacts<'a> {
    /// Its id.
    pub id: String,
    /// Who registers it.
    pub by: &'a str,
    /// When.
    pub now: DateTime<FixedOffset>,
    /// The working calendar.
    pub calendar: &'a Calendar,
    /// Its unit.
    pub unit: super::assignment::FoundUnit<'a>,
    /// The categories of its campaign.
    pub campaign_categories: Option<Vec<String>>,
}

/// 登记: a problem with its cause and measures, a category of its campaign, a 责任人 in its
/// unit and a 整改时限 by the one time-limit rule; rectification starts.
pub fn register(
    input: &duban_api::RegisterProblemInput,
    f: &RegisterFacts,
) -> Result<Problem, ProblemError> {
    let measures: Vec<String> = input
        .measures
        .iter()
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    validate_register(&ProblemText {
        description: &input.description,
        cause_analysis: &input.cause_analysis,
        measures: &measures,
        category: &input.category,
    })?;
    if let Some(cats) = &f.campaign_categories {
        if !cats.iter().any(|k| k == input.category.trim()) {
            return Err(invalid(
                "category",
                format!("类别须为该专项整治的类别之一：{}", cats.join("、")),
            ));
        }
    }
    let responsible =
        super::directory::pick_responsible(&f.unit.people, input.responsible_person_id.as_deref())
            .ok_or_else(|| match input.responsible_person_id {
                Some(_) => invalid("responsiblePersonId", "责任人须是该单位的在岗人员"),
                None => invalid("unitId", "该单位尚无人员，无法明确责任人"),
            })?;
    let (_, due_on) = super::assignment::time_limit(
        "整改时限",
        input.time_limit_days,
        input.due_on,
        f.now.date_naive(),
        f.calendar,
    )
    .map_err(limit_err)?;
    Ok(Problem {
        snapshot: ProblemSnapshot {
            id: f.id.clone(),
            campaign_id: input.campaign_id.clone(),
            category: input.category.trim().to_string(),
            source: input.source,
            description: input.description.trim().to_string(),
            cause_analysis: input.cause_analysis.trim().to_string(),
            measures,
            unit_id: f.unit.id.to_string(),
            unit_path: f.unit.path.to_string(),
            unit_name: f.unit.name.to_string(),
            responsible_person_id: responsible,
            responsible_leader_id: input.responsible_leader_id.clone(),
            registered_by: f.by.to_string(),
            registered_at: f.now,
            due_on,
            state: ProblemState::Rectifying,
            version: 1,
            return_count: 0,
            reopen_count: 0,
        },
        last_sequence: 1,
    })
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

    #[test]
    fn a_ledger_command_decides_its_event_history_line_and_reopened_limit() {
        let cal = Calendar::official();
        let ctx = |now: &str, reviewers: Vec<String>| Context {
            now: chrono::DateTime::parse_from_rfc3339(now).unwrap(),
            calendar: &cal,
            reviewers,
        };
        let p = Problem {
            snapshot: problem(),
            last_sequence: 4,
        };
        let asked = decide(
            &p,
            ProblemCommand::RequestCloseOut {
                summary: " 已建立台账 ".into(),
                evidence: vec![" 会议记录 ".into(), " ".into()],
            },
            &ctx("2026-04-01T09:00:00+08:00", vec!["s".into()]),
        )
        .unwrap();
        assert_eq!(asked.state.last_sequence, 5);
        assert_eq!(
            (asked.text.as_str(), asked.evidence.as_slice()),
            ("已建立台账", &["会议记录".to_string()][..])
        );
        assert!(matches!(
            &asked.event,
            AssignmentsEvent::ProblemCloseOutRequested { reviewers, problem, .. }
                if reviewers == &["s".to_string()] && *problem == asked.state.snapshot
        ));
        // Reopening a problem not closed is illegal, whatever limit comes with it.
        let early = decide(
            &p,
            ProblemCommand::Reopen {
                reason: "反弹".into(),
                time_limit_days: Some(0),
                due_on: None,
            },
            &ctx("2026-04-01T09:00:00+08:00", vec![]),
        );
        assert!(
            matches!(early, Err(ProblemError::Illegal { .. })),
            "{early:?}"
        );
        let closed = decide(
            &asked.state,
            ProblemCommand::Close,
            &ctx("2026-04-02T09:00:00+08:00", vec![]),
        )
        .unwrap();
        assert_eq!(closed.text, "销号");
        let bad = decide(
            &closed.state,
            ProblemCommand::Reopen {
                reason: "反弹".into(),
                time_limit_days: Some(400),
                due_on: None,
            },
            &ctx("2026-05-06T09:00:00+08:00", vec![]),
        );
        assert!(
            matches!(&bad, Err(ProblemError::Invalid { field, .. }) if field == "timeLimitDays"),
            "{bad:?}"
        );
        let reopened = decide(
            &closed.state,
            ProblemCommand::Reopen {
                reason: "回头看发现反弹".into(),
                time_limit_days: Some(5),
                due_on: None,
            },
            &ctx("2026-05-06T09:00:00+08:00", vec![]),
        )
        .unwrap();
        let due = cal.add_working_days(chrono::NaiveDate::from_ymd_opt(2026, 5, 6).unwrap(), 5);
        assert_eq!(reopened.state.snapshot.due_on, due);
        assert_eq!(reopened.state.snapshot.reopen_count, 1);
    }
}
