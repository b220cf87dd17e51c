//! The assignment state machine: one function per transition, each returning the
//! new snapshot or why the transition is not allowed.

use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_clock::workdays::Calendar;
use duban_schema::assignments::{
    AssignmentBrief, AssignmentSnapshot, AssignmentState, SupervisionLevel,
};

/// Why a transition was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The current state does not allow it.
    #[error("cannot {action} from {from:?}")]
    Illegal {
        /// Current state.
        from: AssignmentState,
        /// The transition, in Chinese.
        action: &'static str,
    },
    /// An input field is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong, in Chinese.
        message: String,
    },
    /// A field of one element of an input list is wrong (`list[index].field`, or
    /// `list[index]` when `field` is empty).
    #[error("{list}[{index}].{field}: {message}")]
    InvalidItem {
        /// The list.
        list: &'static str,
        /// The element's place in it, from 0.
        index: usize,
        /// The element's field, or empty for the element itself.
        field: &'static str,
        /// What is wrong, in Chinese.
        message: String,
    },
}

fn require(
    a: &AssignmentSnapshot,
    allowed: &[AssignmentState],
    action: &'static str,
) -> Result<(), DomainError> {
    if allowed.contains(&a.state) {
        Ok(())
    } else {
        Err(DomainError::Illegal {
            from: a.state,
            action,
        })
    }
}

/// Refuses the lead unit's own steps on an item it sent back to the issuer (回退).
fn held_by_lead_unit(a: &AssignmentSnapshot, action: &'static str) -> Result<(), DomainError> {
    if a.returned_to_issuer {
        Err(DomainError::Illegal {
            from: a.state,
            action,
        })
    } else {
        Ok(())
    }
}

fn non_empty(field: &'static str, text: &str, what: &str) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        Err(DomainError::Invalid {
            field,
            message: format!("请填写{what}"),
        })
    } else {
        Ok(())
    }
}

fn next(a: &AssignmentSnapshot, state: AssignmentState) -> AssignmentSnapshot {
    AssignmentSnapshot {
        state,
        version: a.version + 1,
        ..a.clone()
    }
}

/// Checks that a new assignment has a title and a time limit of 1 to 365 working days (its
/// texts' bounds are [`validate_brief`]'s).
pub fn validate_issue(title: &str, time_limit_days: i32) -> Result<(), DomainError> {
    non_empty("title", title, "交办事项标题")?;
    if !(1..=365).contains(&time_limit_days) {
        return Err(DomainError::Invalid {
            field: "timeLimitDays",
            message: "办理时限须为1至365个工作日".into(),
        });
    }
    Ok(())
}

/// The title of an item issued about another (`好差评整改：…`): the prefix and the other's
/// title, shortened with "…" to fit a title's bound.
pub fn prefixed_title(prefix: &str, title: &str) -> String {
    let room = AssignmentBrief::TITLE_MAX_CHARS - prefix.chars().count();
    format!("{prefix}{}", shortened(title, room))
}

/// `text` in at most `room` characters, its end replaced by "…" when it does not fit.
pub fn shortened(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        text.to_string()
    } else {
        let kept: String = text.chars().take(room.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// Every text of a brief within its bound.
pub fn validate_brief(brief: &AssignmentBrief) -> Result<(), DomainError> {
    for t in brief.bounded_texts() {
        if t.text.is_some_and(|s| s.chars().count() > t.max_chars) {
            return Err(DomainError::Invalid {
                field: t.field,
                message: format!("{}不能超过{}字", t.label, t.max_chars),
            });
        }
    }
    Ok(())
}

/// 签收: the lead unit signs for an issued item.
pub fn acknowledge(a: &AssignmentSnapshot) -> Result<AssignmentSnapshot, DomainError> {
    require(a, &[AssignmentState::Issued], "签收")?;
    Ok(next(a, AssignmentState::Acknowledged))
}

/// 进度报送: the lead unit reports progress; the item is then in progress.
pub fn report_progress(
    a: &AssignmentSnapshot,
    percent: i32,
    text: &str,
) -> Result<AssignmentSnapshot, DomainError> {
    require(
        a,
        &[
            AssignmentState::Acknowledged,
            AssignmentState::InProgress,
            AssignmentState::Returned,
        ],
        "报送进度",
    )?;
    held_by_lead_unit(a, "报送进度（已回退交办方，等待重新确定承办单位）")?;
    if !(0..=100).contains(&percent) {
        return Err(DomainError::Invalid {
            field: "percent",
            message: "进度须在0到100之间".into(),
        });
    }
    non_empty("text", text, "进度情况")?;
    let mut n = next(a, AssignmentState::InProgress);
    n.progress_percent = percent;
    Ok(n)
}

/// 办结: the lead unit reports the item done; it awaits verification.
pub fn complete(a: &AssignmentSnapshot, result: &str) -> Result<AssignmentSnapshot, DomainError> {
    require(
        a,
        &[
            AssignmentState::Acknowledged,
            AssignmentState::InProgress,
            AssignmentState::Returned,
        ],
        "办结",
    )?;
    held_by_lead_unit(a, "办结（已回退交办方，等待重新确定承办单位）")?;
    non_empty("result", result, "办理结果")?;
    let mut n = next(a, AssignmentState::Completed);
    n.progress_percent = 100;
    Ok(n)
}

/// 审核销号: the issuer accepts the result and closes the item.
pub fn verify(a: &AssignmentSnapshot) -> Result<AssignmentSnapshot, DomainError> {
    require(a, &[AssignmentState::Completed], "审核销号")?;
    Ok(next(a, AssignmentState::Closed))
}

/// 退回: the issuer sends a completed item back to the lead unit.
pub fn return_to_lead_unit(
    a: &AssignmentSnapshot,
    reason: &str,
) -> Result<AssignmentSnapshot, DomainError> {
    require(a, &[AssignmentState::Completed], "退回")?;
    non_empty("reason", reason, "退回理由")?;
    Ok(next(a, AssignmentState::Returned))
}

/// 撤销: the issuer withdraws an item that is not yet closed.
pub fn cancel(a: &AssignmentSnapshot, reason: &str) -> Result<AssignmentSnapshot, DomainError> {
    require(
        a,
        &[
            AssignmentState::Issued,
            AssignmentState::Acknowledged,
            AssignmentState::InProgress,
            AssignmentState::Suspended,
            AssignmentState::Returned,
            AssignmentState::Completed,
        ],
        "撤销",
    )?;
    non_empty("reason", reason, "撤销理由")?;
    let mut n = next(a, AssignmentState::Cancelled);
    n.suspended_on = None;
    Ok(n)
}

/// 重新打开: a follow-up review (回头看) finds a closed item not really done.
pub fn reopen(
    a: &AssignmentSnapshot,
    reason: &str,
    limit: (Option<i32>, Option<NaiveDate>),
    today: NaiveDate,
    cal: &Calendar,
) -> Result<AssignmentSnapshot, DomainError> {
    require(a, &[AssignmentState::Closed], "重新打开")?;
    non_empty("reason", reason, "重新打开的理由")?;
    let mut n = next(a, AssignmentState::InProgress);
    (n.time_limit_days, n.due_on) = new_time_limit(limit.0, limit.1, today, cal)?;
    Ok(n)
}

/// A new time limit as given: working days from `today` (1 to 365) or a last day not
/// before `today`, exactly one of them: `(days, last day)`.
pub fn new_time_limit(
    days: Option<i32>,
    date: Option<NaiveDate>,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<(Option<i32>, NaiveDate), DomainError> {
    time_limit("新的时限", days, date, today, cal)
}

/// 时限, the one rule every item and problem is held to: `days` working days from `today`
/// (1 to 365), or a last day from today on within the input range, one of the two;
/// `what` names it in the messages (办结时限, 整改时限, 新的时限).
pub fn time_limit(
    what: &str,
    days: Option<i32>,
    date: Option<NaiveDate>,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<(Option<i32>, NaiveDate), DomainError> {
    match (days, date) {
        (Some(n), None) if (1..=365).contains(&n) => {
            Ok((Some(n), cal.add_working_days(today, n as u32)))
        }
        (Some(_), None) => Err(DomainError::Invalid {
            field: "timeLimitDays",
            message: format!("{what}须为1至365个工作日"),
        }),
        (None, Some(d)) if d < today => Err(DomainError::Invalid {
            field: "dueOn",
            message: format!("{what}不能早于今天"),
        }),
        (None, Some(d)) if !duban_clock::workdays::within_input_range(d, today) => {
            Err(DomainError::Invalid {
                field: "dueOn",
                message: format!(
                    "日期须在今天前后{}年以内",
                    duban_clock::workdays::INPUT_YEARS
                ),
            })
        }
        (None, Some(d)) => Ok((None, d)),
        _ => Err(DomainError::Invalid {
            field: "timeLimitDays",
            message: format!("请给出{what}：工作日数（timeLimitDays）或截止日期（dueOn）二选一"),
        }),
    }
}

/// 催办 → 督办 → 挂牌督办: a supervisor presses harder; the level only goes up.
pub fn raise_supervision(
    a: &AssignmentSnapshot,
    level: SupervisionLevel,
) -> Result<AssignmentSnapshot, DomainError> {
    if a.state.is_finished() {
        return Err(DomainError::Illegal {
            from: a.state,
            action: "提升督办级别",
        });
    }
    if level <= a.supervision_level {
        return Err(DomainError::Invalid {
            field: "level",
            message: format!(
                "督办级别只能提高，当前为「{}」",
                a.supervision_level.label()
            ),
        });
    }
    let mut n = next(a, a.state);
    n.supervision_level = level;
    Ok(n)
}

/// 中止: the item waits on something outside the lead unit; its clock stops on `today`.
pub fn suspend(
    a: &AssignmentSnapshot,
    reason: &str,
    today: NaiveDate,
) -> Result<AssignmentSnapshot, DomainError> {
    require(
        a,
        &[AssignmentState::Acknowledged, AssignmentState::InProgress],
        "中止",
    )?;
    non_empty("reason", reason, "中止理由")?;
    let mut n = next(a, AssignmentState::Suspended);
    n.suspended_on = Some(today);
    Ok(n)
}

/// 恢复: the clock runs again and the time limit moves by the working days suspended
/// (a ledger entry, not an overwritten date). Returns the snapshot and those days.
pub fn resume(
    a: &AssignmentSnapshot,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<(AssignmentSnapshot, i64), DomainError> {
    require(a, &[AssignmentState::Suspended], "恢复")?;
    let since = a.suspended_on.unwrap_or(today);
    let days = cal.working_days_between(since, today).max(0);
    let state = if a.progress_percent > 0 {
        AssignmentState::InProgress
    } else {
        AssignmentState::Acknowledged
    };
    let mut n = next(a, state);
    n.suspended_on = None;
    n.due_on = cal.add_working_days(a.due_on, days as u32);
    Ok((n, days))
}

/// A time limit after one calendar day changed its kind: an item whose counted working
/// days (after `issued_on`, up to `due_on`) include `day` moves by that one working day —
/// later when the day stops being worked, earlier when it starts — and nothing else that
/// moved the limit (extensions, suspensions) is undone. `cal` is the calendar after.
pub fn due_after_calendar_change(
    issued_on: NaiveDate,
    due_on: NaiveDate,
    day: NaiveDate,
    was_workday: bool,
    cal: &Calendar,
) -> NaiveDate {
    let is_workday = cal.is_workday(day);
    if day <= issued_on || day > due_on || was_workday == is_workday {
        return due_on;
    }
    if was_workday {
        return cal.add_working_days(due_on, 1);
    }
    // One more working day before the limit: it comes a working day earlier.
    let mut d = due_on;
    while let Some(p) = d.pred_opt() {
        d = p;
        if d <= issued_on || cal.is_workday(d) {
            break;
        }
    }
    d.max(issued_on)
}

/// Longest extension one request may ask for, in working days, unless configured.
pub const DEFAULT_EXTENSION_CAP: i32 = 10;

/// Working days after issue within which a wrong lead unit may send an item back.
pub const RETURN_WINDOW_DAYS: i64 = 2;

/// 申请延期: the lead unit asks for `days` more working days (at most `cap`).
pub fn request_extension(
    a: &AssignmentSnapshot,
    days: i32,
    reason: &str,
    cap: i32,
) -> Result<AssignmentSnapshot, DomainError> {
    require(
        a,
        &[
            AssignmentState::Acknowledged,
            AssignmentState::InProgress,
            AssignmentState::Returned,
        ],
        "申请延期",
    )?;
    held_by_lead_unit(a, "申请延期（已回退交办方，等待重新确定承办单位）")?;
    if a.pending_extension_days.is_some() {
        return Err(DomainError::Invalid {
            field: "id",
            message: "已有待审批的延期申请，请等待交办单位决定".into(),
        });
    }
    if !(1..=cap).contains(&days) {
        return Err(DomainError::Invalid {
            field: "days",
            message: format!("延期须为1至{cap}个工作日"),
        });
    }
    non_empty("reason", reason, "延期理由")?;
    let mut n = next(a, a.state);
    n.pending_extension_days = Some(days);
    Ok(n)
}

/// 审批延期: the issuer grants (the time limit moves by the days asked) or refuses.
pub fn decide_extension(
    a: &AssignmentSnapshot,
    approve: bool,
    cal: &Calendar,
) -> Result<(AssignmentSnapshot, i32), DomainError> {
    let Some(days) = a.pending_extension_days else {
        return Err(DomainError::Invalid {
            field: "id",
            message: "该事项没有待审批的延期申请".into(),
        });
    };
    let mut n = next(a, a.state);
    n.pending_extension_days = None;
    if approve {
        n.due_on = cal.add_working_days(a.due_on, days as u32);
        n.extension_count += 1;
    }
    Ok((n, days))
}

/// 申请转办: the lead unit asks the issuer to hand the item to `to_unit`.
pub fn request_transfer(
    a: &AssignmentSnapshot,
    to_unit: &str,
    reason: &str,
) -> Result<AssignmentSnapshot, DomainError> {
    require(
        a,
        &[
            AssignmentState::Issued,
            AssignmentState::Acknowledged,
            AssignmentState::InProgress,
        ],
        "申请转办",
    )?;
    if a.pending_transfer_unit_id.is_some() {
        return Err(DomainError::Invalid {
            field: "id",
            message: "已有待审批的转办申请".into(),
        });
    }
    if to_unit == a.lead_unit_id {
        return Err(DomainError::Invalid {
            field: "toUnitId",
            message: "转办对象不能是本单位".into(),
        });
    }
    non_empty("reason", reason, "转办理由")?;
    let mut n = next(a, a.state);
    n.pending_transfer_unit_id = Some(to_unit.to_string());
    Ok(n)
}

/// 审批转办: when approved the item goes to the new lead unit, starting again as issued
/// there; the count is kept so repeated transfers show as passing the buck.
/// The new unit of an approved transfer signs for the item within as many working days,
/// counted from `today`, as the first unit was given (never past the time limit).
pub fn decide_transfer(
    a: &AssignmentSnapshot,
    approve: bool,
    new_unit: Option<(&str, &str, &str, &str)>,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<AssignmentSnapshot, DomainError> {
    if a.pending_transfer_unit_id.is_none() {
        return Err(DomainError::Invalid {
            field: "id",
            message: "该事项没有待审批的转办申请".into(),
        });
    }
    let mut n = next(a, a.state);
    n.pending_transfer_unit_id = None;
    if approve {
        let Some((id, path, name, responsible)) = new_unit else {
            return Err(DomainError::Invalid {
                field: "id",
                message: "转办对象单位不存在".into(),
            });
        };
        n.lead_unit_id = id.to_string();
        n.lead_unit_path = path.to_string();
        n.lead_unit_name = name.to_string();
        n.responsible_person_id = responsible.to_string();
        n.state = AssignmentState::Issued;
        n.transfer_count += 1;
        let issued_on = duban_clock::local_date(&a.issued_at);
        let ack_days = a
            .ack_due_on
            .map_or(1, |d| cal.working_days_between(issued_on, d).clamp(0, 10));
        n.ack_due_on = Some(
            cal.add_working_days(today, ack_days as u32)
                .min(a.due_on.max(today)),
        );
    }
    Ok(n)
}

/// 回退: a lead unit that is not the right one sends the item back to the issuer within
/// [`RETURN_WINDOW_DAYS`] working days of issue; after that 首问负责 applies.
pub fn return_to_issuer(
    a: &AssignmentSnapshot,
    reason: &str,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<AssignmentSnapshot, DomainError> {
    require(
        a,
        &[AssignmentState::Issued, AssignmentState::Acknowledged],
        "回退",
    )?;
    non_empty("reason", reason, "回退理由")?;
    if cal.working_days_between(duban_clock::local_date(&a.issued_at), today) > RETURN_WINDOW_DAYS {
        return Err(DomainError::Invalid {
            field: "id",
            message: format!(
                "交办已超过{RETURN_WINDOW_DAYS}个工作日，按首问负责制不能回退，请办理或申请转办"
            ),
        });
    }
    let mut n = next(a, AssignmentState::Returned);
    n.returned_to_issuer = true;
    Ok(n)
}

/// 重新确定承办单位: after a 回退 the issuer names the right lead unit
/// (`(id, path, name, responsible)`) and a new time limit; the new unit signs within one
/// working day, and the old one can no longer act on the item.
pub fn reassign(
    a: &AssignmentSnapshot,
    unit: (&str, &str, &str, &str),
    reason: &str,
    limit: (Option<i32>, Option<NaiveDate>),
    today: NaiveDate,
    cal: &Calendar,
) -> Result<AssignmentSnapshot, DomainError> {
    require(a, &[AssignmentState::Returned], "重新确定承办单位")?;
    if !a.returned_to_issuer {
        return Err(DomainError::Illegal {
            from: a.state,
            action: "重新确定承办单位（该事项是审核退回，不是承办单位回退）",
        });
    }
    non_empty("reason", reason, "重新交办的理由")?;
    let mut n = next(a, AssignmentState::Issued);
    (n.time_limit_days, n.due_on) = new_time_limit(limit.0, limit.1, today, cal)?;
    n.lead_unit_id = unit.0.to_string();
    n.lead_unit_path = unit.1.to_string();
    n.lead_unit_name = unit.2.to_string();
    n.responsible_person_id = unit.3.to_string();
    n.returned_to_issuer = false;
    n.ack_due_on = Some(cal.add_working_days(today, 1).min(n.due_on));
    Ok(n)
}

/// Whether the item's time limit has passed at `now` without it being finished.
pub fn is_overdue(a: &AssignmentSnapshot, now: DateTime<FixedOffset>) -> bool {
    !a.state.is_finished() && now.date_naive() > a.due_on
}

/// 更换责任人: another person of the lead unit answers for the item from now on; an item
/// still open or awaiting verification may change hands, a closed or cancelled one not.
pub fn change_responsible(
    a: &AssignmentSnapshot,
    person_id: &str,
    reason: &str,
) -> Result<AssignmentSnapshot, DomainError> {
    if matches!(
        a.state,
        AssignmentState::Closed | AssignmentState::Cancelled
    ) {
        return Err(DomainError::Illegal {
            from: a.state,
            action: "更换责任人",
        });
    }
    non_empty("reason", reason, "更换责任人的理由")?;
    if person_id == a.responsible_person_id {
        return Err(DomainError::Invalid {
            field: "personId",
            message: "新责任人与现责任人相同".into(),
        });
    }
    let mut n = next(a, a.state);
    n.responsible_person_id = person_id.to_string();
    Ok(n)
}

mod command;
mod issue;
pub use command::{decide, Assignment, Command, Context, Decision, Line, NewUnit};
pub use issue::{issue, FoundUnit, IssueFacts};

#[cfg(test)]
mod tests;
