//! The assignment command pipeline: 交办 (issue), and one transaction per transition with its
//! event, for 签收, 进度报送, 办结, 审核 and 退回.

use crate::access::{check_party, in_scope, may_issue, may_keep_duty, Holder, Party};
use crate::domain::{assignment as rules, assignment::DomainError};
use crate::entity::{
    assignment, campaign, deadline_change, deadline_schedule, org_unit, problem, progress_report,
    transfer,
};
use crate::rows::{bare_view, domain_err, internal, snapshot, source_str, to_json_list};
use crate::scheduler::{ack_reminder, ACK_OVERDUE, DUE_SOON, OVERDUE};
use crate::service::AssignmentsService;
use crate::units::{pick_responsible, unit_with_people};
use chrono::{DateTime, FixedOffset};
use duban_api::{
    ApiError, AssignmentView, IssueAssignmentInput, ReportProgressInput, TextTransitionInput,
    TransitionInput,
};
use duban_auth::Actor;
use duban_schema::assignments::{
    AssignmentSnapshot, AssignmentState, AssignmentsEvent, ProgressReportSnapshot,
    SupervisionLevel, Urgency,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    Set, TransactionTrait,
};

/// Rows a transition writes beside the assignment.
pub(crate) enum Extra {
    /// A progress report.
    Report(progress_report::ActiveModel),
    /// A move of the time limit.
    DeadlineChange(deadline_change::ActiveModel),
    /// A decided transfer request.
    Transfer(transfer::ActiveModel),
}

impl AssignmentsService {
    /// Checks and writes a new assignment with its schedule and event inside `txn`; used
    /// by `issueAssignment`, imports and recurring duties alike.
    pub(crate) async fn issue_in(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        input: &IssueAssignmentInput,
        duty_id: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<assignment::Model, ApiError> {
        match &duty_id {
            None => may_issue(actor)?,
            Some(_) => {
                let lead = org_unit::Entity::find_by_id(input.lead_unit_id.clone())
                    .one(txn)
                    .await
                    .map_err(internal)?;
                may_keep_duty(actor, lead.as_ref().map_or("", |u| u.path.as_str()))?
            }
        }
        let cal = self
            .calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let today = now.date_naive();
        rules::validate_issue(&input.title, input.time_limit_days.unwrap_or(1))
            .map_err(domain_err)?;
        let (time_limit_days, due_on) =
            rules::time_limit("办结时限", input.time_limit_days, input.due_on, today, &cal)
                .map_err(domain_err)?;
        let ack_days = input.ack_time_limit_days.unwrap_or(match input.urgency {
            Urgency::VeryUrgent => 0,
            _ => 1,
        });
        if !(0..=10).contains(&ack_days) {
            return Err(ApiError::validation(
                "ackTimeLimitDays",
                "签收时限须为0（当日）至10个工作日",
            ));
        }
        let ack_due_on = if ack_days == 0 {
            today
        } else {
            cal.add_working_days(today, ack_days as u32)
        }
        .min(due_on);
        let (lead, people) = unit_with_people(txn, &input.lead_unit_id)
            .await?
            .filter(|(u, _)| in_scope(actor, &u.path))
            .ok_or_else(|| {
                ApiError::validation(
                    "leadUnitId",
                    "承办单位不存在或不在您的督查范围内，请从单位列表中选择",
                )
            })?;
        let mut cooperating = Vec::new();
        let mut cooperating_people = Vec::new();
        for (i, uid) in input.cooperating_unit_ids.iter().enumerate() {
            let field = format!("cooperatingUnitIds[{i}]");
            if uid == &lead.id {
                return Err(ApiError::validation(&field, "配合单位不能是承办单位本身"));
            }
            if cooperating.contains(uid) {
                return Err(ApiError::validation(&field, "配合单位重复"));
            }
            let (_, people) = unit_with_people(txn, uid)
                .await?
                .filter(|(u, _)| actor.can_see(&u.path))
                .ok_or_else(|| {
                    ApiError::validation(&field, "配合单位不存在或不在您的督查范围内")
                })?;
            cooperating.push(uid.clone());
            cooperating_people.extend(pick_responsible(&people, None));
        }
        if let Some(cid) = &input.campaign_id {
            let c = campaign::Entity::find_by_id(cid.clone())
                .one(txn)
                .await
                .map_err(internal)?
                .ok_or_else(|| ApiError::validation("campaignId", "专项整治不存在"))?;
            if let Some(cat) = &input.category {
                let cats: Vec<String> = serde_json::from_str(&c.categories).unwrap_or_default();
                if !cats.contains(cat) {
                    return Err(ApiError::validation(
                        "category",
                        format!("类别须为该专项整治的类别之一：{}", cats.join("、")),
                    ));
                }
            }
        }
        if let Some(pid) = &input.problem_id {
            problem::Entity::find_by_id(pid.clone())
                .one(txn)
                .await
                .map_err(internal)?
                .filter(|p| actor.can_see(&p.unit_path))
                .ok_or_else(|| ApiError::validation("problemId", "台账问题不存在"))?;
        }
        let responsible = pick_responsible(&people, input.responsible_person_id.as_deref())
            .ok_or_else(|| match input.responsible_person_id {
                Some(_) => {
                    ApiError::validation("responsiblePersonId", "责任人须是承办单位的在岗人员")
                }
                None => ApiError::validation("leadUnitId", "承办单位尚无人员，无法明确责任人"),
            })?;
        let id = duban_outbox::new_event_id(now).to_string();
        let snap = AssignmentSnapshot {
            id: id.clone(),
            title: input.title.trim().to_string(),
            description: input.description.trim().to_string(),
            source: input.source,
            source_text: input.source_text.clone(),
            issuer_id: actor.person_id.clone(),
            issuer_unit_id: actor.unit_id.clone(),
            lead_unit_id: lead.id.clone(),
            lead_unit_path: lead.path.clone(),
            lead_unit_name: lead.name.clone(),
            responsible_person_id: responsible,
            state: AssignmentState::Issued,
            time_limit_days,
            issued_at: now,
            due_on,
            progress_percent: 0,
            version: 1,
            supervision_level: SupervisionLevel::Normal,
            suspended_on: None,
            pending_extension_days: None,
            extension_count: 0,
            pending_transfer_unit_id: None,
            transfer_count: 0,
            urgency: input.urgency,
            cooperating_unit_ids: cooperating,
            cooperating_person_ids: cooperating_people,
            returned_to_issuer: false,
            ack_due_on: Some(ack_due_on),
            campaign_id: input.campaign_id.clone(),
            category: input.category.clone(),
            problem_id: input.problem_id.clone(),
            duty_id,
        };
        let model = assignment::ActiveModel {
            id: Set(id.clone()),
            title: Set(snap.title.clone()),
            description: Set(snap.description.clone()),
            source: Set(source_str(snap.source).into()),
            source_text: Set(snap.source_text.clone()),
            issuer_id: Set(snap.issuer_id.clone()),
            issuer_unit_id: Set(snap.issuer_unit_id.clone()),
            lead_unit_id: Set(snap.lead_unit_id.clone()),
            lead_unit_path: Set(snap.lead_unit_path.clone()),
            lead_unit_name: Set(snap.lead_unit_name.clone()),
            responsible_person_id: Set(snap.responsible_person_id.clone()),
            state: Set(snap.state.as_str().into()),
            time_limit_days: Set(snap.time_limit_days),
            issued_at: Set(now),
            due_on: Set(due_on),
            progress_percent: Set(0),
            version: Set(1),
            acknowledged_at: Set(None),
            completed_at: Set(None),
            result: Set(None),
            return_reason: Set(None),
            supervision_level: Set(SupervisionLevel::Normal.as_str().into()),
            suspended_on: Set(None),
            pending_extension_days: Set(None),
            pending_extension_reason: Set(None),
            extension_count: Set(0),
            pending_transfer_unit_id: Set(None),
            pending_transfer_reason: Set(None),
            transfer_count: Set(0),
            urgency: Set(snap.urgency.as_str().into()),
            cooperating_unit_ids: Set(to_json_list(&snap.cooperating_unit_ids)),
            cooperating_person_ids: Set(to_json_list(&snap.cooperating_person_ids)),
            returned_to_issuer: Set(false),
            last_sequence: Set(1),
            ack_due_on: Set(snap.ack_due_on),
            campaign_id: Set(snap.campaign_id.clone()),
            category: Set(snap.category.clone()),
            problem_id: Set(snap.problem_id.clone()),
            duty_id: Set(snap.duty_id.clone()),
        }
        .insert(txn)
        .await
        .map_err(internal)?;
        let path = snap.lead_unit_path.clone();
        let reminders = self
            .reminders(&cal, &id, due_on, [DUE_SOON, OVERDUE])
            .into_iter()
            .chain([ack_reminder(&id, ack_due_on)]);
        deadline_schedule::Entity::insert_many(reminders)
            .exec_without_returning(txn)
            .await
            .map_err(internal)?;
        self.emit(
            txn,
            &actor.person_id,
            &path,
            &id,
            1,
            AssignmentsEvent::AssignmentIssued { assignment: snap },
        )
        .await?;
        Ok(model)
    }

    /// Runs one transition in one transaction: authorise, check the version, apply the
    /// domain rule, save with a version guard, write the event, commit.
    pub(crate) async fn transition<F>(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        party: Party,
        apply: F,
    ) -> Result<AssignmentView, ApiError>
    where
        F: FnOnce(
            &AssignmentSnapshot,
            &mut assignment::ActiveModel,
            DateTime<FixedOffset>,
        )
            -> Result<(AssignmentSnapshot, AssignmentsEvent, Vec<Extra>), DomainError>,
    {
        let txn = self.db.begin().await.map_err(internal)?;
        let model = assignment::Entity::find_by_id(id.to_string())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|m| actor.can_see(&m.lead_unit_path) || actor.works_in(&m.lead_unit_path))
            .ok_or_else(|| ApiError::not_found("交办事项", id))?;
        let issuer_unit = match party {
            Party::Issuer => org_unit::Entity::find_by_id(model.issuer_unit_id.clone())
                .one(&txn)
                .await
                .map_err(internal)?,
            _ => None,
        };
        check_party(
            actor,
            party,
            &Holder {
                lead_unit_path: &model.lead_unit_path,
                issuer_id: &model.issuer_id,
                issuer_unit_path: issuer_unit.as_ref().map(|u| u.path.as_str()),
            },
        )?;
        if model.version != expected_version {
            return Err(ApiError::VersionConflict {
                expected: expected_version,
                actual: model.version,
            });
        }
        let current = snapshot(&model)?;
        let now = self.clock.now();
        let sequence = model.last_sequence + 1;
        let mut active = model.clone().into_active_model();
        active.last_sequence = Set(sequence);
        let (next, event, report) = apply(&current, &mut active, now).map_err(domain_err)?;
        active.state = Set(next.state.as_str().to_string());
        active.progress_percent = Set(next.progress_percent);
        active.version = Set(next.version);
        active.supervision_level = Set(next.supervision_level.as_str().to_string());
        active.suspended_on = Set(next.suspended_on);
        active.due_on = Set(next.due_on);
        active.pending_extension_days = Set(next.pending_extension_days);
        active.extension_count = Set(next.extension_count);
        if next.pending_extension_days.is_none() {
            active.pending_extension_reason = Set(None);
        }
        active.pending_transfer_unit_id = Set(next.pending_transfer_unit_id.clone());
        if next.pending_transfer_unit_id.is_none() {
            active.pending_transfer_reason = Set(None);
        }
        active.transfer_count = Set(next.transfer_count);
        active.lead_unit_id = Set(next.lead_unit_id.clone());
        active.lead_unit_path = Set(next.lead_unit_path.clone());
        active.lead_unit_name = Set(next.lead_unit_name.clone());
        active.responsible_person_id = Set(next.responsible_person_id.clone());
        active.ack_due_on = Set(next.ack_due_on);
        active.returned_to_issuer = Set(next.returned_to_issuer);
        let saved = assignment::Entity::update_many()
            .set(active)
            .filter(assignment::Column::Id.eq(id))
            .filter(assignment::Column::Version.eq(expected_version))
            .exec_with_returning(&txn)
            .await
            .map_err(internal)?
            .pop()
            .ok_or(ApiError::VersionConflict {
                expected: expected_version,
                actual: expected_version + 1,
            })?;
        for extra in report {
            match extra {
                Extra::Report(r) => {
                    r.insert(&txn).await.map_err(internal)?;
                }
                Extra::DeadlineChange(c) => {
                    c.insert(&txn).await.map_err(internal)?;
                }
                Extra::Transfer(t) => {
                    t.insert(&txn).await.map_err(internal)?;
                }
            }
        }
        if let (Some(ack), true) = (next.ack_due_on, next.ack_due_on != current.ack_due_on) {
            deadline_schedule::Entity::delete_many()
                .filter(deadline_schedule::Column::AssignmentId.eq(id))
                .filter(deadline_schedule::Column::Kind.eq(ACK_OVERDUE))
                .exec(&txn)
                .await
                .map_err(internal)?;
            deadline_schedule::Entity::insert(ack_reminder(id, ack))
                .exec_without_returning(&txn)
                .await
                .map_err(internal)?;
        }
        let resumed =
            current.state == AssignmentState::Suspended && next.state != AssignmentState::Suspended;
        if next.due_on != current.due_on || resumed {
            let cal = self
                .calendar
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            self.schedule(&txn, &cal, &next.id, next.due_on).await?;
        }
        self.emit(
            &txn,
            &actor.person_id,
            &next.lead_unit_path,
            &next.id,
            sequence,
            event,
        )
        .await?;
        self.commit(txn).await?;
        // Like a new item's, a command's answer leaves out the item's history.
        bare_view(saved)
    }

    pub(crate) async fn issue_assignment(
        &self,
        actor: &Actor,
        input: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let model = self
            .issue_in(&txn, actor, &input, None, self.clock.now())
            .await?;
        self.commit(txn).await?;
        // A new item has no reports, deadline changes or transfers to look up.
        bare_view(model)
    }

    pub(crate) async fn acknowledge_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        let who = actor.person_id.clone();
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::LeadUnit,
            |a, m, now| {
                let next = rules::acknowledge(a)?;
                m.acknowledged_at = Set(Some(now));
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentAcknowledged {
                        assignment: next,
                        acknowledged_by: who,
                    },
                    vec![],
                ))
            },
        )
        .await
    }

    pub(crate) async fn report_progress(
        &self,
        actor: &Actor,
        input: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError> {
        let who = actor.person_id.clone();
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::LeadUnit,
            |a, _m, now| {
                let next = rules::report_progress(a, input.percent, &input.text)?;
                let report = ProgressReportSnapshot {
                    id: duban_outbox::new_event_id(now).to_string(),
                    percent: input.percent,
                    text: input.text.trim().to_string(),
                    reported_by: who,
                    reported_at: now,
                    evidence: input
                        .evidence
                        .iter()
                        .map(|e| e.trim().to_string())
                        .filter(|e| !e.is_empty())
                        .collect(),
                };
                let row = progress_report::ActiveModel {
                    id: Set(report.id.clone()),
                    assignment_id: Set(a.id.clone()),
                    percent: Set(report.percent),
                    text: Set(report.text.clone()),
                    reported_by: Set(report.reported_by.clone()),
                    reported_at: Set(now),
                    evidence: Set(to_json_list(&report.evidence)),
                };
                Ok((
                    next.clone(),
                    AssignmentsEvent::ProgressReported {
                        assignment: next,
                        report,
                    },
                    vec![Extra::Report(row)],
                ))
            },
        )
        .await
    }

    pub(crate) async fn complete_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::LeadUnit,
            |a, m, now| {
                let next = rules::complete(a, &input.text)?;
                m.completed_at = Set(Some(now));
                m.result = Set(Some(input.text.trim().to_string()));
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentCompleted {
                        assignment: next,
                        result: input.text.trim().to_string(),
                    },
                    vec![],
                ))
            },
        )
        .await
    }

    pub(crate) async fn verify_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::Issuer,
            |a, _m, _now| {
                let next = rules::verify(a)?;
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentVerified { assignment: next },
                    vec![],
                ))
            },
        )
        .await
    }

    pub(crate) async fn return_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        self.transition(
            actor,
            &input.id,
            input.expected_version,
            Party::Issuer,
            |a, m, _now| {
                let next = rules::return_to_lead_unit(a, &input.text)?;
                m.return_reason = Set(Some(input.text.trim().to_string()));
                Ok((
                    next.clone(),
                    AssignmentsEvent::AssignmentReturned {
                        assignment: next,
                        reason: input.text.trim().to_string(),
                    },
                    vec![],
                ))
            },
        )
        .await
    }
}
