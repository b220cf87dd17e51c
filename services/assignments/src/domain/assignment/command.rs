//! An assignment's commands as one pure function: its state, the command and what the
//! store looked up go in; the new state, its event and the ledger lines it writes come out,
//! reasons and timestamps included.

use super::*;
use duban_api::AssignmentCommand;
use duban_schema::assignments::{AssignmentsEvent, ProgressReportSnapshot};

/// An assignment as its rules see it: the snapshot its events carry, and what only its
/// ledger row keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// What events carry.
    pub snapshot: AssignmentSnapshot,
    /// The reason of the undecided extension request.
    pub pending_extension_reason: Option<String>,
    /// The reason of the undecided transfer request.
    pub pending_transfer_reason: Option<String>,
    /// When the lead unit signed for it.
    pub acknowledged_at: Option<DateTime<FixedOffset>>,
    /// When the lead unit reported it done.
    pub completed_at: Option<DateTime<FixedOffset>>,
    /// The result it reported.
    pub result: Option<String>,
    /// Why it was last sent back (退回 or 回退).
    pub return_reason: Option<String>,
    /// Events written about it so far.
    pub last_sequence: i64,
}

impl Assignment {
    /// A new assignment, as issued: its first event is written.
    pub fn issued(snapshot: AssignmentSnapshot) -> Self {
        Self {
            snapshot,
            pending_extension_reason: None,
            pending_transfer_reason: None,
            acknowledged_at: None,
            completed_at: None,
            result: None,
            return_reason: None,
            last_sequence: 1,
        }
    }
}

/// A command on an existing assignment.
#[derive(Clone, Debug)]
pub enum Command {
    /// 签收.
    Acknowledge,
    /// 进度报送.
    ReportProgress {
        /// Progress, 0–100.
        percent: i32,
        /// What was done.
        text: String,
        /// Evidence references.
        evidence: Vec<String>,
    },
    /// 办结, with the result.
    Complete {
        /// The result.
        result: String,
    },
    /// 审核销号.
    Verify,
    /// 退回, with the reason.
    Return {
        /// The reason.
        reason: String,
    },
    /// Extension, transfer, 回退, reassignment, cancel, reopen, supervision, suspension,
    /// change of 责任人.
    Item(AssignmentCommand),
}

/// A unit a command moves the item to, with its 责任人.
#[derive(Clone, Debug)]
pub struct NewUnit {
    /// Unit id.
    pub id: String,
    /// Unit path.
    pub path: String,
    /// Unit name.
    pub name: String,
    /// Its 责任人.
    pub responsible: String,
}

/// What a command needs besides the state: who acts and when, the calendar, and what the
/// store looked up for it.
pub struct Context<'a> {
    /// The acting person's id.
    pub by: &'a str,
    /// Now.
    pub now: DateTime<FixedOffset>,
    /// The working calendar.
    pub calendar: &'a Calendar,
    /// Most working days one extension may ask for.
    pub extension_cap: i32,
    /// Id for a ledger line the command writes.
    pub line_id: String,
    /// The unit a transfer decision or reassignment names, when it exists in scope.
    pub unit: Option<NewUnit>,
    /// The unit path of the new 责任人 a change names, when they exist in scope.
    pub successor_unit_path: Option<String>,
}

/// A ledger line a command writes beside the assignment.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// A progress report.
    Progress(ProgressReportSnapshot),
    /// A move of the time limit, with its reason.
    Deadline {
        /// Line id.
        id: String,
        /// The limit before.
        from: NaiveDate,
        /// The limit after.
        to: NaiveDate,
        /// Why, in Chinese.
        reason: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// A decided transfer request.
    Transfer {
        /// Line id.
        id: String,
        /// The unit it was asked away from.
        from_unit_id: String,
        /// The unit asked for.
        to_unit_id: String,
        /// The request's reason.
        reason: String,
        /// Granted or not.
        approved: bool,
        /// Who decided.
        decided_by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

/// What a command decided.
#[derive(Clone, Debug)]
pub struct Decision {
    /// The assignment after it.
    pub state: Assignment,
    /// Its event.
    pub event: AssignmentsEvent,
    /// Ledger lines to write beside it.
    pub lines: Vec<Line>,
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        message: message.into(),
    }
}

/// Runs `command` on `current`: the one place an assignment's state changes after issue.
pub fn decide(
    current: &Assignment,
    command: Command,
    ctx: &Context,
) -> Result<Decision, DomainError> {
    let a = &current.snapshot;
    let now = ctx.now;
    let mut state = current.clone();
    let mut lines = Vec::new();
    let deadline = |next: &AssignmentSnapshot, reason: String| Line::Deadline {
        id: ctx.line_id.clone(),
        from: a.due_on,
        to: next.due_on,
        reason,
        at: now,
    };
    let (next, event) = match command {
        Command::Acknowledge => {
            let next = acknowledge(a)?;
            state.acknowledged_at = Some(now);
            let event = AssignmentsEvent::AssignmentAcknowledged {
                assignment: next.clone(),
                acknowledged_by: ctx.by.to_string(),
            };
            (next, event)
        }
        Command::ReportProgress {
            percent,
            text,
            evidence,
        } => {
            let next = report_progress(a, percent, &text)?;
            let report = ProgressReportSnapshot {
                id: ctx.line_id.clone(),
                percent,
                text: text.trim().to_string(),
                reported_by: ctx.by.to_string(),
                reported_at: now,
                evidence: evidence
                    .iter()
                    .map(|e| e.trim().to_string())
                    .filter(|e| !e.is_empty())
                    .collect(),
            };
            lines.push(Line::Progress(report.clone()));
            let event = AssignmentsEvent::ProgressReported {
                assignment: next.clone(),
                report,
            };
            (next, event)
        }
        Command::Complete { result } => {
            let next = complete(a, &result)?;
            let result = result.trim().to_string();
            state.completed_at = Some(now);
            state.result = Some(result.clone());
            let event = AssignmentsEvent::AssignmentCompleted {
                assignment: next.clone(),
                result,
            };
            (next, event)
        }
        Command::Verify => {
            let next = verify(a)?;
            let event = AssignmentsEvent::AssignmentVerified {
                assignment: next.clone(),
            };
            (next, event)
        }
        Command::Return { reason } => {
            let next = return_to_lead_unit(a, &reason)?;
            let reason = reason.trim().to_string();
            state.return_reason = Some(reason.clone());
            let event = AssignmentsEvent::AssignmentReturned {
                assignment: next.clone(),
                reason,
            };
            (next, event)
        }
        Command::Item(c) => item(current, c, ctx, &mut state, &mut lines, &deadline)?,
    };
    state.snapshot = next;
    if state.snapshot.pending_extension_days.is_none() {
        state.pending_extension_reason = None;
    }
    if state.snapshot.pending_transfer_unit_id.is_none() {
        state.pending_transfer_reason = None;
    }
    state.last_sequence += 1;
    Ok(Decision {
        state,
        event,
        lines,
    })
}

/// The commands beyond the main line.
fn item(
    current: &Assignment,
    command: AssignmentCommand,
    ctx: &Context,
    state: &mut Assignment,
    lines: &mut Vec<Line>,
    deadline: &dyn Fn(&AssignmentSnapshot, String) -> Line,
) -> Result<(AssignmentSnapshot, AssignmentsEvent), DomainError> {
    let a = &current.snapshot;
    let (now, today, cal) = (ctx.now, ctx.now.date_naive(), ctx.calendar);
    let unit_named = |id: &str| {
        ctx.unit.as_ref().filter(|u| u.id == id).map(|u| {
            (
                u.id.as_str(),
                u.path.as_str(),
                u.name.as_str(),
                u.responsible.as_str(),
            )
        })
    };
    Ok(match command {
        AssignmentCommand::RequestExtension { days, reason } => {
            let next = request_extension(a, days, &reason, ctx.extension_cap)?;
            let reason = reason.trim().to_string();
            state.pending_extension_reason = Some(reason.clone());
            let event = AssignmentsEvent::ExtensionRequested {
                assignment: next.clone(),
                days,
                reason,
            };
            (next, event)
        }
        AssignmentCommand::DecideExtension { approve, note } => {
            let asked = current.pending_extension_reason.clone().unwrap_or_default();
            let (next, days) = decide_extension(a, approve, cal)?;
            if approve {
                let reason = format!(
                    "批准延期{days}个工作日（第{}次）：{asked}",
                    next.extension_count
                );
                lines.push(deadline(&next, reason));
            }
            let event = AssignmentsEvent::ExtensionDecided {
                assignment: next.clone(),
                approved: approve,
                days,
                note: note.trim().to_string(),
            };
            (next, event)
        }
        AssignmentCommand::RequestTransfer { to_unit_id, reason } => {
            let next = request_transfer(a, &to_unit_id, &reason)?;
            let reason = reason.trim().to_string();
            state.pending_transfer_reason = Some(reason.clone());
            let event = AssignmentsEvent::TransferRequested {
                assignment: next.clone(),
                to_unit_id,
                reason,
            };
            (next, event)
        }
        AssignmentCommand::DecideTransfer { approve } => {
            let asked = a.pending_transfer_unit_id.clone().unwrap_or_default();
            let unit = if approve { unit_named(&asked) } else { None };
            let next = decide_transfer(a, approve, unit, today, cal)?;
            lines.push(Line::Transfer {
                id: ctx.line_id.clone(),
                from_unit_id: a.lead_unit_id.clone(),
                to_unit_id: asked,
                reason: current.pending_transfer_reason.clone().unwrap_or_default(),
                approved: approve,
                decided_by: ctx.by.to_string(),
                at: now,
            });
            let event = AssignmentsEvent::TransferDecided {
                assignment: next.clone(),
                approved: approve,
                from_unit_id: a.lead_unit_id.clone(),
                buck_passing: next.buck_passing(),
            };
            (next, event)
        }
        AssignmentCommand::Reassign {
            lead_unit_id,
            reason,
            time_limit_days,
            due_on,
        } => {
            let unit = unit_named(&lead_unit_id)
                .ok_or_else(|| invalid("leadUnitId", "承办单位不存在或不在您的督查范围内"))?;
            let next = reassign(a, unit, &reason, (time_limit_days, due_on), today, cal)?;
            let reason = reason.trim().to_string();
            lines.push(deadline(
                &next,
                format!("重新确定承办单位为{}：{reason}", next.lead_unit_name),
            ));
            let event = AssignmentsEvent::AssignmentReassigned {
                assignment: next.clone(),
                from_unit_id: a.lead_unit_id.clone(),
                reason,
            };
            (next, event)
        }
        AssignmentCommand::ReturnToIssuer { reason } => {
            let next = return_to_issuer(a, &reason, today, cal)?;
            let reason = reason.trim().to_string();
            state.return_reason = Some(reason.clone());
            let event = AssignmentsEvent::ReturnedToIssuer {
                assignment: next.clone(),
                reason,
            };
            (next, event)
        }
        AssignmentCommand::Cancel { reason } => {
            let next = cancel(a, &reason)?;
            let event = AssignmentsEvent::AssignmentCancelled {
                assignment: next.clone(),
                reason: reason.trim().to_string(),
            };
            (next, event)
        }
        AssignmentCommand::Reopen {
            reason,
            time_limit_days,
            due_on,
        } => {
            let next = reopen(a, &reason, (time_limit_days, due_on), today, cal)?;
            let reason = reason.trim().to_string();
            lines.push(deadline(&next, format!("回头看重新打开：{reason}")));
            let event = AssignmentsEvent::AssignmentReopened {
                assignment: next.clone(),
                reason,
            };
            (next, event)
        }
        AssignmentCommand::ChangeResponsible { person_id, reason } => {
            let works_there = ctx
                .successor_unit_path
                .as_deref()
                .is_some_and(|p| duban_auth::in_subtree(p, &a.lead_unit_path));
            if !works_there {
                return Err(invalid(
                    "personId",
                    format!("新责任人须是承办单位（{}）的人员", a.lead_unit_name),
                ));
            }
            let next = change_responsible(a, &person_id, &reason)?;
            let event = AssignmentsEvent::AssignmentResponsibleChanged {
                assignment: next.clone(),
                from_person_id: a.responsible_person_id.clone(),
                reason: reason.trim().to_string(),
            };
            (next, event)
        }
        AssignmentCommand::RaiseSupervision { level } => {
            let next = raise_supervision(a, level)?;
            let event = AssignmentsEvent::SupervisionRaised {
                assignment: next.clone(),
                from: a.supervision_level,
            };
            (next, event)
        }
        AssignmentCommand::Suspend { reason } => {
            let next = suspend(a, &reason, today)?;
            let event = AssignmentsEvent::AssignmentSuspended {
                assignment: next.clone(),
                reason: reason.trim().to_string(),
            };
            (next, event)
        }
        AssignmentCommand::Resume => {
            let (next, days) = resume(a, today, cal)?;
            if next.due_on != a.due_on {
                lines.push(deadline(
                    &next,
                    format!("中止{days}个工作日，办结时限相应顺延"),
                ));
            }
            let event = AssignmentsEvent::AssignmentResumed {
                assignment: next.clone(),
                suspended_working_days: days,
            };
            (next, event)
        }
    })
}
