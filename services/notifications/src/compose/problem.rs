//! What a ledger problem's events tell whom (问题台账). Pure.

use super::{Draft, To};
use duban_schema::assignments::AssignmentsEvent;
use duban_schema::notifications::NotificationKind;

/// The notices a ledger event produces.
pub(super) fn problem_drafts(event: &AssignmentsEvent) -> Vec<Draft> {
    let Some(p) = event.problem() else {
        return vec![];
    };
    let short: String = p.description.chars().take(30).collect();
    let to = |recipient: &str, title: String, body: String| Draft {
        to: To::Person(recipient.to_string()),
        kind: NotificationKind::ProblemNotice,
        title,
        body,
        assignment_id: None,
        problem_id: Some(p.id.clone()),
        copy: false,
    };
    let due = p.due_on.format("%Y年%m月%d日");
    match event {
        AssignmentsEvent::ProblemRegistered { .. } => vec![to(
            &p.responsible_person_id,
            format!("问题整改：{short}"),
            format!(
                "{}问题清单新增一项（{}，{}）：「{}」。请按整改措施于{due}前完成整改并申请销号。",
                p.unit_name,
                p.category,
                p.source.label(),
                p.description
            ),
        )],
        AssignmentsEvent::ProblemCloseOutRequested {
            summary, reviewers, ..
        } => {
            // Events from before reviewers were named go to whoever registered the problem.
            let registrant = [p.registered_by.clone()];
            let recipients = if reviewers.is_empty() {
                &registrant[..]
            } else {
                &reviewers[..]
            };
            recipients
                .iter()
                .map(|r| {
                    to(
                        r,
                        format!("申请销号：{short}"),
                        format!(
                            "{}申请对「{}」销号：{summary}。请审核。",
                            p.unit_name, p.description
                        ),
                    )
                })
                .collect()
        }
        AssignmentsEvent::ProblemDueSoon {
            working_days_left, ..
        } => vec![Draft {
            kind: NotificationKind::DueSoonReminder,
            ..to(
                &p.responsible_person_id,
                format!("整改到期提醒：{short}"),
                format!(
                    "「{}」的整改时限为{due}，还剩{working_days_left}个工作日，请抓紧整改并申请销号。",
                    p.description
                ),
            )
        }],
        AssignmentsEvent::ProblemOverdue { .. } => {
            let mut recipients = vec![p.responsible_person_id.clone()];
            if p.registered_by != p.responsible_person_id {
                recipients.push(p.registered_by.clone());
            }
            recipients
                .iter()
                .map(|r| Draft {
                    kind: NotificationKind::OverdueNotice,
                    ..to(
                        r,
                        format!("整改超期：{short}"),
                        format!(
                            "{}「{}」的整改时限{due}已过，仍未销号，请立即整改到位。",
                            p.unit_name, p.description
                        ),
                    )
                })
                .collect()
        }
        AssignmentsEvent::ProblemClosed { .. } => vec![to(
            &p.responsible_person_id,
            format!("已销号：{short}"),
            format!("「{}」整改到位，已销号。", p.description),
        )],
        AssignmentsEvent::ProblemReturned { reason, .. } => vec![to(
            &p.responsible_person_id,
            format!("销号申请被退回：{short}"),
            format!(
                "「{}」的销号申请被退回：{reason}。请继续整改，于{due}前重新申请。",
                p.description
            ),
        )],
        AssignmentsEvent::ProblemReopened { reason, .. } => vec![to(
            &p.responsible_person_id,
            format!("回头看发现问题反弹：{short}"),
            format!("「{}」经回头看重新列入整改：{reason}。", p.description),
        )],
        AssignmentsEvent::ProblemResponsibleChanged { reason, .. } => vec![to(
            &p.responsible_person_id,
            format!("问题整改交由你负责：{short}"),
            format!(
                "{}的「{}」改由你负责整改（{reason}），请按整改措施于{due}前完成整改并申请销号。",
                p.unit_name, p.description
            ),
        )],
        _ => vec![],
    }
}
