//! What an assignment's events tell the lead unit, the issuer and the 配合单位. Pure.

use super::{Draft, To};
use duban_schema::assignments::AssignmentsEvent;
use duban_schema::notifications::NotificationKind;

/// What 配合单位 are told: the item when it is issued, every change of its time limit,
/// its suspension, resumption or withdrawal, and its completion.
pub(super) fn cooperating_drafts(event: &AssignmentsEvent) -> Vec<Draft> {
    let Some(a) = event.assignment() else {
        return vec![];
    };
    let due = a.due_on.format("%Y年%m月%d日");
    let (kind, title, body) = match event {
        AssignmentsEvent::AssignmentIssued { .. } => (
            NotificationKind::SupervisionNotice,
            format!("配合督办通知：{}", a.brief.title),
            format!(
                "「{}」由{}牵头办理，请你单位积极配合，确保于{due}前办结。",
                a.brief.title, a.lead_unit_name
            ),
        ),
        AssignmentsEvent::AssignmentDeadlineMoved { .. }
        | AssignmentsEvent::ExtensionDecided { approved: true, .. }
        | AssignmentsEvent::AssignmentReopened { .. } => (
            NotificationKind::DeadlineChanged,
            format!("时限调整（配合事项）：{}", a.brief.title),
            format!("你单位配合办理的「{}」办结时限现为{due}。", a.brief.title),
        ),
        AssignmentsEvent::AssignmentSuspended { reason, .. } => (
            NotificationKind::SuspensionNotice,
            format!("中止通知（配合事项）：{}", a.brief.title),
            format!(
                "你单位配合办理的「{}」已中止（{reason}），办结时限暂停计算。",
                a.brief.title
            ),
        ),
        AssignmentsEvent::AssignmentResumed { .. } => (
            NotificationKind::ResumptionNotice,
            format!("恢复办理（配合事项）：{}", a.brief.title),
            format!(
                "你单位配合办理的「{}」已恢复办理，办结时限顺延至{due}。",
                a.brief.title
            ),
        ),
        AssignmentsEvent::AssignmentVerified { .. } => (
            NotificationKind::VerificationResult,
            format!("已办结（配合事项）：{}", a.brief.title),
            format!(
                "你单位配合办理的「{}」已由{}办结并经审核销号，感谢配合。",
                a.brief.title, a.lead_unit_name
            ),
        ),
        AssignmentsEvent::AssignmentCancelled { reason, .. } => (
            NotificationKind::CancellationNotice,
            format!("撤销通知（配合事项）：{}", a.brief.title),
            format!(
                "你单位配合办理的「{}」已撤销（{reason}），无需继续配合。",
                a.brief.title
            ),
        ),
        _ => return vec![],
    };
    a.cooperating_person_ids
        .iter()
        .map(|r| Draft {
            to: To::Person(r.clone()),
            kind,
            title: title.clone(),
            body: body.clone(),
            assignment_id: Some(a.id.clone()),
            problem_id: None,
            copy: false,
        })
        .collect()
}

/// What the lead unit and the issuer are told.
pub(super) fn lead_drafts(event: &AssignmentsEvent) -> Vec<Draft> {
    let Some(a) = event.assignment() else {
        return super::problem::problem_drafts(event);
    };
    let to = |recipient: &str, kind, title: String, body: String| Draft {
        to: To::Person(recipient.to_string()),
        kind,
        title,
        body,
        assignment_id: Some(a.id.clone()),
        problem_id: None,
        copy: false,
    };
    match event {
        AssignmentsEvent::AssignmentIssued { .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("督办通知：{}", a.brief.title),
            format!(
                "{}：现将「{}」（{}）交由你单位承办，请于{}前签收，{}前办结{}，并及时报送进度。",
                a.lead_unit_name,
                a.brief.title,
                a.brief.urgency.label(),
                a.ack_due_on.unwrap_or(a.due_on).format("%Y年%m月%d日"),
                a.due_on.format("%Y年%m月%d日"),
                a.time_limit_days
                    .map(|d| format!("（{d}个工作日）"))
                    .unwrap_or_default()
            ),
        )],
        AssignmentsEvent::AssignmentResponsibleChanged { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("督办通知：{}", a.brief.title),
            format!(
                "「{}」改由你负责办理（{reason}），请于{}前办结，并及时报送进度。",
                a.brief.title,
                a.due_on.format("%Y年%m月%d日"),
            ),
        )],
        AssignmentsEvent::AssignmentReassigned { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("督办通知：{}", a.brief.title),
            format!(
                "{}：「{}」经重新确定承办单位（{reason}），交由你单位承办，请于{}前签收，{}前办结，并及时报送进度。",
                a.lead_unit_name,
                a.brief.title,
                a.ack_due_on.unwrap_or(a.due_on).format("%Y年%m月%d日"),
                a.due_on.format("%Y年%m月%d日"),
            ),
        )],
        AssignmentsEvent::AcknowledgementOverdue { .. } => [&a.responsible_person_id, &a.issuer_id]
            .into_iter()
            .map(|r| {
                to(
                    r,
                    NotificationKind::OverdueNotice,
                    format!("签收超时：{}", a.brief.title),
                    format!(
                        "「{}」应于{}前签收，{}至今未签收，请立即签收办理。",
                        a.brief.title,
                        a.ack_due_on.unwrap_or(a.due_on).format("%Y年%m月%d日"),
                        a.lead_unit_name
                    ),
                )
            })
            .collect(),
        AssignmentsEvent::AssignmentAcknowledged { .. } => vec![to(
            &a.issuer_id,
            NotificationKind::AcknowledgementReceipt,
            format!("已签收：{}", a.brief.title),
            format!("{}已签收「{}」。", a.lead_unit_name, a.brief.title),
        )],
        AssignmentsEvent::ProgressReported { report, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::ProgressUpdate,
            format!("进度报送：{}（{}%）", a.brief.title, report.percent),
            format!(
                "{}报送进度{}%：{}",
                a.lead_unit_name, report.percent, report.text
            ),
        )],
        AssignmentsEvent::AssignmentCompleted { result, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::CompletionPending,
            format!("办结待审：{}", a.brief.title),
            format!(
                "{}报告已办结：{}。请审核销号或退回。",
                a.lead_unit_name, result
            ),
        )],
        AssignmentsEvent::AssignmentVerified { .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::VerificationResult,
            format!("已销号：{}", a.brief.title),
            format!("「{}」经审核已销号。", a.brief.title),
        )],
        AssignmentsEvent::AssignmentReturned { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::VerificationResult,
            format!("已退回：{}", a.brief.title),
            format!(
                "「{}」被退回，理由：{}。请整改后重新报送。",
                a.brief.title, reason
            ),
        )],
        AssignmentsEvent::AssignmentDueSoon {
            working_days_left, ..
        } => vec![to(
            &a.responsible_person_id,
            NotificationKind::DueSoonReminder,
            format!("到期提醒：{}", a.brief.title),
            format!(
                "「{}」将于{}到期，还剩{}个工作日，请抓紧办结。",
                a.brief.title,
                a.due_on.format("%Y年%m月%d日"),
                working_days_left
            ),
        )],
        AssignmentsEvent::AssignmentOverdue { .. } => {
            let body = format!(
                "「{}」已超过办结时限（{}），请说明原因并尽快办结。",
                a.brief.title,
                a.due_on.format("%Y年%m月%d日")
            );
            vec![
                to(
                    &a.responsible_person_id,
                    NotificationKind::OverdueNotice,
                    format!("超期督办：{}", a.brief.title),
                    body.clone(),
                ),
                to(
                    &a.issuer_id,
                    NotificationKind::OverdueNotice,
                    format!("超期：{}（{}）", a.brief.title, a.lead_unit_name),
                    body,
                ),
            ]
        }
        AssignmentsEvent::SupervisionRaised { .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("{}：{}", a.supervision_level.label(), a.brief.title),
            format!(
                "「{}」已升级为{}，请于{}前办结并报送进度。",
                a.brief.title,
                a.supervision_level.label(),
                a.due_on.format("%Y年%m月%d日")
            ),
        )],
        AssignmentsEvent::ExtensionRequested { days, reason, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::ExtensionRequest,
            format!("延期申请：{}", a.brief.title),
            format!(
                "{}申请延期{}个工作日，理由：{}。请审批。",
                a.lead_unit_name, days, reason
            ),
        )],
        AssignmentsEvent::ExtensionDecided {
            approved,
            days,
            note,
            ..
        } => vec![to(
            &a.responsible_person_id,
            NotificationKind::DeadlineChanged,
            format!(
                "延期{}：{}",
                if *approved { "已批准" } else { "未批准" },
                a.brief.title
            ),
            if *approved {
                format!(
                    "延期{}个工作日已批准，办结时限为{}。{}",
                    days,
                    a.due_on.format("%Y年%m月%d日"),
                    note
                )
            } else {
                format!(
                    "延期申请未批准，办结时限仍为{}。{}",
                    a.due_on.format("%Y年%m月%d日"),
                    note
                )
            },
        )],
        AssignmentsEvent::TransferRequested { reason, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::TransferRequest,
            format!("转办申请：{}", a.brief.title),
            format!(
                "{}申请转办「{}」，理由：{}。请审批。",
                a.lead_unit_name, a.brief.title, reason
            ),
        )],
        AssignmentsEvent::TransferDecided {
            approved: true,
            buck_passing,
            from_unit_id,
            ..
        } => vec![
            Draft {
                to: To::LeadersOf(from_unit_id.clone()),
                ..to(
                    "",
                    NotificationKind::TransferredAway,
                    format!("转出通知：{}", a.brief.title),
                    format!(
                        "「{}」的转办申请已批准，改由{}承办，你单位不再承办。",
                        a.brief.title, a.lead_unit_name
                    ),
                )
            },
            to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("督办通知（转办）：{}", a.brief.title),
            format!(
                "{}：「{}」转由你单位承办，请于{}前办结。{}",
                a.lead_unit_name,
                a.brief.title,
                a.due_on.format("%Y年%m月%d日"),
                if *buck_passing {
                    "该事项已多次转办，请务必首问负责、不得再推诿。"
                } else {
                    ""
                }
            ),
            ),
        ],
        AssignmentsEvent::TransferDecided {
            approved: false, ..
        } => vec![to(
            &a.responsible_person_id,
            NotificationKind::VerificationResult,
            format!("转办未批准：{}", a.brief.title),
            format!("「{}」的转办申请未批准，请继续办理。", a.brief.title),
        )],
        AssignmentsEvent::ReturnedToIssuer { reason, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::VerificationResult,
            format!("事项回退：{}", a.brief.title),
            format!(
                "{}回退「{}」，理由：{}。请重新确定承办单位。",
                a.lead_unit_name, a.brief.title, reason
            ),
        )],
        AssignmentsEvent::AssignmentCancelled { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::CancellationNotice,
            format!("已撤销：{}", a.brief.title),
            format!("「{}」已撤销，理由：{}。", a.brief.title, reason),
        )],
        AssignmentsEvent::AssignmentSuspended { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SuspensionNotice,
            format!("中止通知：{}", a.brief.title),
            format!(
                "「{}」已中止，理由：{reason}。中止期间办结时限暂停计算，恢复后顺延。",
                a.brief.title
            ),
        )],
        AssignmentsEvent::AssignmentResumed {
            suspended_working_days,
            ..
        } => vec![to(
            &a.responsible_person_id,
            NotificationKind::ResumptionNotice,
            format!("恢复办理：{}", a.brief.title),
            format!(
                "「{}」已恢复办理，办结时限顺延{suspended_working_days}个工作日至{}，请抓紧办理。",
                a.brief.title,
                a.due_on.format("%Y年%m月%d日")
            ),
        )],
        AssignmentsEvent::AssignmentReopened { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::ReopenNotice,
            format!("回头看重新打开：{}", a.brief.title),
            format!(
                "「{}」经回头看重新打开，理由：{}。请继续整改并报送进度。",
                a.brief.title, reason
            ),
        )],
        AssignmentsEvent::AssignmentDeadlineMoved { from, reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::DeadlineChanged,
            format!("时限调整：{}", a.brief.title),
            format!(
                "「{}」的办结时限由{}调整为{}。{}",
                a.brief.title,
                from.format("%Y年%m月%d日"),
                a.due_on.format("%Y年%m月%d日"),
                reason
            ),
        )],
        _ => vec![],
    }
}
