//! The commands on an existing item beyond its main line: extension, transfer, 回退 and
//! reassignment, cancel, reopen, suspend and resume, supervision level, change of 责任人.

use crate::access::{in_scope, Party};
use crate::commands::Extra;
use crate::domain::{assignment as rules, assignment::DomainError};
use crate::entity::{assignment, person, transfer};
use crate::rows::internal;
use crate::scheduler::deadline_line;
use crate::service::AssignmentsService;
use crate::units::{pick_responsible, unit_with_people};
use duban_api::{ApiError, AssignmentCommand, AssignmentView};
use duban_auth::{in_subtree, Actor};
use duban_schema::assignments::AssignmentsEvent;
use sea_orm::{EntityTrait, Set};

impl AssignmentsService {
    pub(crate) async fn command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError> {
        let cal = self
            .calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let party = match command {
            AssignmentCommand::RequestExtension { .. }
            | AssignmentCommand::ReturnToIssuer { .. }
            | AssignmentCommand::RequestTransfer { .. } => Party::LeadUnit,
            AssignmentCommand::RaiseSupervision { .. }
            | AssignmentCommand::ChangeResponsible { .. } => Party::Supervisor,
            _ => Party::Issuer,
        };
        // The new 责任人 is read before the transaction; the transition checks they work
        // in the lead unit it finds.
        let successor = match &command {
            AssignmentCommand::ChangeResponsible { person_id, .. } => Some(
                person::Entity::find_by_id(person_id.clone())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .filter(|p| !p.deactivated && actor.can_see(&p.unit_path))
                    .ok_or_else(|| {
                        ApiError::validation("personId", "人员不存在、已停用或不在您的督查范围内")
                    })?,
            ),
            _ => None,
        };
        // Units a transfer names are read before the transaction; the transition checks
        // they still match what it finds.
        let target = match &command {
            AssignmentCommand::RequestTransfer { to_unit_id, .. } => Some(to_unit_id.clone()),
            AssignmentCommand::Reassign { lead_unit_id, .. } => Some(lead_unit_id.clone()),
            AssignmentCommand::DecideTransfer { approve: true } => {
                assignment::Entity::find_by_id(id.to_string())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .and_then(|m| m.pending_transfer_unit_id)
            }
            _ => None,
        };
        let new_unit = match &target {
            Some(unit_id) => {
                let deciding = matches!(
                    command,
                    AssignmentCommand::DecideTransfer { .. } | AssignmentCommand::Reassign { .. }
                );
                let field = match command {
                    AssignmentCommand::Reassign { .. } => "leadUnitId",
                    _ => "toUnitId",
                };
                let (unit, people) = unit_with_people(&self.db, unit_id)
                    .await?
                    .filter(|(u, _)| !deciding || in_scope(actor, &u.path))
                    .ok_or_else(|| ApiError::validation(field, "单位不存在或不在您的督查范围内"))?;
                let responsible = pick_responsible(&people, None)
                    .ok_or_else(|| ApiError::validation(field, "该单位尚无人员，无法明确责任人"))?;
                Some((unit.id, unit.path, unit.name, responsible))
            }
            None => None,
        };
        let decider = actor.person_id.clone();
        let cap = self.extension_cap;
        self.transition(actor, id, expected_version, party, move |a, m, now| {
            Ok(match command {
                AssignmentCommand::RequestExtension { days, reason } => {
                    let next = rules::request_extension(a, days, &reason, cap)?;
                    let reason = reason.trim().to_string();
                    m.pending_extension_reason = Set(Some(reason.clone()));
                    (
                        next.clone(),
                        AssignmentsEvent::ExtensionRequested {
                            assignment: next,
                            days,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::DecideExtension { approve, note } => {
                    let asked_reason = match &m.pending_extension_reason {
                        sea_orm::ActiveValue::Set(r) | sea_orm::ActiveValue::Unchanged(r) => {
                            r.clone().unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    let (next, days) = rules::decide_extension(a, approve, &cal)?;
                    let mut extras = vec![];
                    if approve {
                        extras.push(Extra::DeadlineChange(deadline_line(
                            &a.id,
                            a.due_on,
                            next.due_on,
                            format!(
                                "批准延期{days}个工作日（第{}次）：{asked_reason}",
                                next.extension_count
                            ),
                            now,
                        )));
                    }
                    (
                        next.clone(),
                        AssignmentsEvent::ExtensionDecided {
                            assignment: next,
                            approved: approve,
                            days,
                            note: note.trim().to_string(),
                        },
                        extras,
                    )
                }
                AssignmentCommand::RequestTransfer { to_unit_id, reason } => {
                    let next = rules::request_transfer(a, &to_unit_id, &reason)?;
                    let reason = reason.trim().to_string();
                    m.pending_transfer_reason = Set(Some(reason.clone()));
                    (
                        next.clone(),
                        AssignmentsEvent::TransferRequested {
                            assignment: next,
                            to_unit_id,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::DecideTransfer { approve } => {
                    let asked = a.pending_transfer_unit_id.clone().unwrap_or_default();
                    let unit = new_unit
                        .as_ref()
                        .filter(|u| u.0 == asked)
                        .map(|u| (u.0.as_str(), u.1.as_str(), u.2.as_str(), u.3.as_str()));
                    let reason = match &m.pending_transfer_reason {
                        sea_orm::ActiveValue::Set(r) | sea_orm::ActiveValue::Unchanged(r) => {
                            r.clone().unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    let next = rules::decide_transfer(
                        a,
                        approve,
                        if approve { unit } else { None },
                        now.date_naive(),
                        &cal,
                    )?;
                    let row = transfer::ActiveModel {
                        id: Set(duban_outbox::new_event_id(now).to_string()),
                        assignment_id: Set(a.id.clone()),
                        from_unit_id: Set(a.lead_unit_id.clone()),
                        to_unit_id: Set(asked),
                        reason: Set(reason),
                        approved: Set(approve),
                        decided_by: Set(decider.clone()),
                        decided_at: Set(now),
                    };
                    let buck_passing = next.buck_passing();
                    (
                        next.clone(),
                        AssignmentsEvent::TransferDecided {
                            assignment: next,
                            approved: approve,
                            from_unit_id: a.lead_unit_id.clone(),
                            buck_passing,
                        },
                        vec![Extra::Transfer(row)],
                    )
                }
                AssignmentCommand::Reassign {
                    lead_unit_id,
                    reason,
                    time_limit_days,
                    due_on,
                } => {
                    let unit = new_unit
                        .as_ref()
                        .filter(|u| u.0 == lead_unit_id)
                        .map(|u| (u.0.as_str(), u.1.as_str(), u.2.as_str(), u.3.as_str()))
                        .ok_or(DomainError::Invalid {
                            field: "leadUnitId",
                            message: "承办单位不存在或不在您的督查范围内".into(),
                        })?;
                    let next = rules::reassign(
                        a,
                        unit,
                        &reason,
                        (time_limit_days, due_on),
                        now.date_naive(),
                        &cal,
                    )?;
                    let reason = reason.trim().to_string();
                    let change = deadline_line(
                        &a.id,
                        a.due_on,
                        next.due_on,
                        format!("重新确定承办单位为{}：{reason}", next.lead_unit_name),
                        now,
                    );
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentReassigned {
                            assignment: next,
                            from_unit_id: a.lead_unit_id.clone(),
                            reason,
                        },
                        vec![Extra::DeadlineChange(change)],
                    )
                }
                AssignmentCommand::ReturnToIssuer { reason } => {
                    let next = rules::return_to_issuer(a, &reason, now.date_naive(), &cal)?;
                    let reason = reason.trim().to_string();
                    m.return_reason = Set(Some(reason.clone()));
                    (
                        next.clone(),
                        AssignmentsEvent::ReturnedToIssuer {
                            assignment: next,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Cancel { reason } => {
                    let next = rules::cancel(a, &reason)?;
                    let reason = reason.trim().to_string();
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentCancelled {
                            assignment: next,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Reopen {
                    reason,
                    time_limit_days,
                    due_on,
                } => {
                    let limit = (time_limit_days, due_on);
                    let next = rules::reopen(a, &reason, limit, now.date_naive(), &cal)?;
                    let reason = reason.trim().to_string();
                    let change = deadline_line(
                        &a.id,
                        a.due_on,
                        next.due_on,
                        format!("回头看重新打开：{reason}"),
                        now,
                    );
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentReopened {
                            assignment: next,
                            reason,
                        },
                        vec![Extra::DeadlineChange(change)],
                    )
                }
                AssignmentCommand::ChangeResponsible { person_id, reason } => {
                    let works_there = successor
                        .as_ref()
                        .is_some_and(|p| in_subtree(&p.unit_path, &a.lead_unit_path));
                    if !works_there {
                        return Err(DomainError::Invalid {
                            field: "personId",
                            message: format!("新责任人须是承办单位（{}）的人员", a.lead_unit_name),
                        });
                    }
                    let next = rules::change_responsible(a, &person_id, &reason)?;
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentResponsibleChanged {
                            assignment: next,
                            from_person_id: a.responsible_person_id.clone(),
                            reason: reason.trim().to_string(),
                        },
                        vec![],
                    )
                }
                AssignmentCommand::RaiseSupervision { level } => {
                    let next = rules::raise_supervision(a, level)?;
                    (
                        next.clone(),
                        AssignmentsEvent::SupervisionRaised {
                            assignment: next,
                            from: a.supervision_level,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Suspend { reason } => {
                    let next = rules::suspend(a, &reason, now.date_naive())?;
                    let reason = reason.trim().to_string();
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentSuspended {
                            assignment: next,
                            reason,
                        },
                        vec![],
                    )
                }
                AssignmentCommand::Resume => {
                    let (next, days) = rules::resume(a, now.date_naive(), &cal)?;
                    let mut extras = vec![];
                    if next.due_on != a.due_on {
                        extras.push(Extra::DeadlineChange(deadline_line(
                            &a.id,
                            a.due_on,
                            next.due_on,
                            format!("中止{days}个工作日，办结时限相应顺延"),
                            now,
                        )));
                    }
                    (
                        next.clone(),
                        AssignmentsEvent::AssignmentResumed {
                            assignment: next,
                            suspended_working_days: days,
                        },
                        extras,
                    )
                }
            })
        })
        .await
    }
}
