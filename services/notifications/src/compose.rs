//! Which notice an assignment event produces, for whom, in what words. Pure.

use duban_schema::assignments::AssignmentsEvent;
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::notifications::{Audience, NotificationKind};
use duban_schema::Color;

/// Whom a notice goes to: a person the event names, or one the directory answers for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum To {
    /// This person.
    Person(String),
    /// The active leaders of this unit (科室负责人负直接责任).
    LeadersOf(String),
    /// This person's 分管领导 (分管领导负领导责任).
    SupervisorOf(String),
    /// The DISCIPLINE users of this county.
    DisciplineOf(String),
    /// The leaders of every unit at or under this path.
    LeadersUnder(String),
}

impl To {
    /// The person, when the event names one.
    pub fn person(&self) -> Option<&str> {
        match self {
            To::Person(p) => Some(p),
            _ => None,
        }
    }
}

/// A notice to put into the inboxes of its audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// Whom it is for.
    pub to: To,
    /// Kind.
    pub kind: NotificationKind,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// The assignment, for notices about one.
    pub assignment_id: Option<String>,
    /// The ledger problem, for notices about one.
    pub problem_id: Option<String>,
    /// A copy for those who answer for the recipient (leaders, 分管领导, issuer): for
    /// their information, never to be acknowledged.
    pub copy: bool,
}

/// What an event's notices are about beyond their words: the item's time limit, who
/// issued it (the last rung of escalation), and whether it cannot wait for the morning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct About {
    /// The item's time limit.
    pub due_on: Option<chrono::NaiveDate>,
    /// Who issued the item or registered the problem.
    pub issuer_id: Option<String>,
    /// 特急 items and red cards: pushed even in quiet hours.
    pub urgent: bool,
    /// The 责任人.
    pub responsible_id: Option<String>,
    /// The lead unit.
    pub lead_unit_id: Option<String>,
    /// The 配合单位's people.
    pub cooperating: Vec<String>,
    /// A problem's 责任领导.
    pub problem_leader: Option<String>,
}

/// [`About`] an assignments event.
pub fn about(event: &AssignmentsEvent) -> About {
    if let Some(a) = event.assignment() {
        return About {
            due_on: Some(a.due_on),
            issuer_id: Some(a.issuer_id.clone()),
            urgent: a.urgency == duban_schema::assignments::Urgency::VeryUrgent,
            responsible_id: Some(a.responsible_person_id.clone()),
            lead_unit_id: Some(a.lead_unit_id.clone()),
            cooperating: a.cooperating_person_ids.clone(),
            problem_leader: None,
        };
    }
    match event.problem() {
        Some(p) => About {
            due_on: Some(p.due_on),
            issuer_id: Some(p.registered_by.clone()),
            urgent: false,
            responsible_id: Some(p.responsible_person_id.clone()),
            lead_unit_id: Some(p.unit_id.clone()),
            cooperating: Vec::new(),
            problem_leader: p.responsible_leader_id.clone().filter(|l| !l.is_empty()),
        },
        None => About::default(),
    }
}

/// [`About`] a card: a red card cannot wait.
pub fn about_card(event: &EvaluationEvent) -> About {
    match event {
        EvaluationEvent::ColorChanged {
            to,
            issuer_id,
            unit_id,
            responsible_person_id,
            ..
        } => About {
            issuer_id: Some(issuer_id.clone()).filter(|i| !i.is_empty()),
            urgent: *to == Color::Red,
            responsible_id: Some(responsible_person_id.clone()).filter(|i| !i.is_empty()),
            lead_unit_id: Some(unit_id.clone()),
            ..About::default()
        },
        _ => About::default(),
    }
}

/// Who `to` is to the item, so a county's rule can take or leave it.
pub fn role_of(to: &To, about: &About) -> Audience {
    match to {
        To::LeadersOf(_) | To::LeadersUnder(_) => Audience::UnitLeaders,
        To::SupervisorOf(_) => Audience::SupervisingLeader,
        To::DisciplineOf(_) => Audience::Discipline,
        To::Person(p) if about.responsible_id.as_ref() == Some(p) => Audience::Responsible,
        To::Person(p) if about.cooperating.contains(p) => Audience::Cooperating,
        To::Person(p) if about.problem_leader.as_ref() == Some(p) => Audience::ProblemLeader,
        To::Person(p) if about.issuer_id.as_ref() == Some(p) => Audience::Issuer,
        // Reviewers of a close-out decide as the issuer does.
        To::Person(_) => Audience::Issuer,
    }
}

/// Where a county's rule sends `kind` beyond what the event composed: the audiences it
/// names, as this item's people (the DISCIPLINE users of `county`).
pub fn audience_of(who: Audience, about: &About, county: &str) -> Vec<To> {
    let person = |p: &Option<String>| p.iter().map(|p| To::Person(p.clone())).collect();
    match who {
        Audience::Responsible => person(&about.responsible_id),
        Audience::Issuer => person(&about.issuer_id),
        Audience::ProblemLeader => person(&about.problem_leader),
        Audience::Cooperating => about.cooperating.iter().cloned().map(To::Person).collect(),
        Audience::UnitLeaders => about
            .lead_unit_id
            .iter()
            .cloned()
            .map(To::LeadersOf)
            .collect(),
        Audience::SupervisingLeader => about
            .responsible_id
            .iter()
            .cloned()
            .map(To::SupervisorOf)
            .collect(),
        Audience::Discipline => vec![To::DisciplineOf(county.to_string())],
    }
}

/// The notice to the leaders of every unit a campaign covers when one of its phases
/// starts (`path`: the campaign's scope).
pub fn campaign_drafts(event: &AssignmentsEvent, path: &str) -> Vec<Draft> {
    let AssignmentsEvent::CampaignPhaseStarted {
        campaign_name,
        phase,
        ..
    } = event
    else {
        return vec![];
    };
    let (from, to) = (
        phase.starts_on.format("%Y年%m月%d日"),
        phase.ends_on.format("%Y年%m月%d日"),
    );
    vec![Draft {
        to: To::LeadersUnder(path.to_string()),
        kind: NotificationKind::CampaignPhase,
        title: format!("专项整治阶段通知：{campaign_name}"),
        body: format!(
            "「{campaign_name}」自{from}起进入第{}阶段「{}」，至{to}止。请对照方案抓好落实，并于{to}前报送本阶段工作情况。",
            phase.ordinal, phase.name
        ),
        assignment_id: None,
        problem_id: None,
        copy: false,
    }]
}

/// Working days before a campaign's report deadline its units are reminded.
pub const REPORT_REMINDER_DAYS: i64 = 2;

/// The reminder of a campaign's report due in `left` working days, to the leaders of
/// every unit it covers (`path`).
pub fn report_due(
    campaign: &str,
    report: &str,
    due_on: chrono::NaiveDate,
    left: i64,
    path: &str,
) -> Draft {
    let due = due_on.format("%Y年%m月%d日");
    let when = if left <= 0 {
        "今天到期".to_string()
    } else {
        format!("还剩{left}个工作日")
    };
    Draft {
        to: To::LeadersUnder(path.to_string()),
        kind: NotificationKind::CampaignReportDue,
        title: format!("专项整治报送提醒：{report}"),
        body: format!("「{campaign}」要求于{due}前报送「{report}」，{when}，请抓紧报送。"),
        assignment_id: None,
        problem_id: None,
        copy: false,
    }
}

/// The notice one rung up when `original` (to the person who had to acknowledge it) went
/// unanswered for `hours` office hours (事事有回音).
pub fn escalation(original_title: &str, created: &str, hours: u32, rung: i32) -> (String, String) {
    let who = match rung {
        1 => "请单位负责人督促",
        2 => "请分管领导督促",
        _ => "请督办人跟进",
    };
    (
        format!("逾时未回复：{original_title}"),
        format!(
            "「{original_title}」于{created}发出，要求签收回复，已超过{hours}个工作小时仍未回复，现提级提醒，{who}落实。"
        ),
    )
}

/// The key that keeps a reminder or escalation from reaching the same person twice with
/// the same words about the same item and time limit, however often its cause is
/// delivered or fired; none for kinds where a repeat is news (a second progress report).
pub fn dedupe_key(
    person: &str,
    kind: NotificationKind,
    item: Option<&str>,
    due_on: Option<chrono::NaiveDate>,
    body: &str,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let reminder = matches!(
        kind,
        NotificationKind::DueSoonReminder
            | NotificationKind::OverdueNotice
            | NotificationKind::EscalationNotice
            | NotificationKind::CampaignReportDue
    );
    let item = item.filter(|_| reminder)?;
    let mut h = Sha256::new();
    for part in [
        person,
        &format!("{kind:?}"),
        item,
        &due_on.map(|d| d.to_string()).unwrap_or_default(),
        body,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    Some(hex::encode(h.finalize()))
}

/// The notices a ledger event produces.
fn problem_drafts(event: &AssignmentsEvent) -> Vec<Draft> {
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

/// The notices an event produces.
/// Besides the 责任人, the lead unit's leaders and the 责任人's 分管领导 hear of what they
/// answer for: the item itself, its suspension, withdrawal and lateness; a problem's
/// 责任领导 hears that it is listed, late or reopened.
pub fn drafts(event: &AssignmentsEvent) -> Vec<Draft> {
    let mut out = lead_drafts(event);
    if let Some(a) = event.assignment() {
        let responsible = To::Person(a.responsible_person_id.clone());
        let also = [
            To::LeadersOf(a.lead_unit_id.clone()),
            To::SupervisorOf(a.responsible_person_id.clone()),
        ];
        let copies = copied(&out, &responsible, &also, |k| ANSWERED_FOR.contains(&k));
        out.extend(copies);
    }
    if let Some(p) = event.problem() {
        // A problem's 责任领导 hears that it is listed, late, or back on the list.
        let leader = p.responsible_leader_id.as_deref().filter(|l| !l.is_empty());
        let concerns_leader = matches!(
            event,
            AssignmentsEvent::ProblemRegistered { .. }
                | AssignmentsEvent::ProblemOverdue { .. }
                | AssignmentsEvent::ProblemReopened { .. }
        );
        if let (Some(leader), true) = (leader, concerns_leader) {
            let responsible = To::Person(p.responsible_person_id.clone());
            let copies = copied(&out, &responsible, &[To::Person(leader.into())], |_| true);
            out.extend(copies);
        }
    }
    out.extend(cooperating_drafts(event));
    out
}

/// Copies for each of `also` of the drafts among `out` addressed to `to` whose kind
/// `kinds` takes.
fn copied(
    out: &[Draft],
    to: &To,
    also: &[To],
    kinds: impl Fn(NotificationKind) -> bool,
) -> Vec<Draft> {
    out.iter()
        .filter(|d| &d.to == to && kinds(d.kind))
        .flat_map(|d| {
            also.iter().map(|a| Draft {
                to: a.clone(),
                copy: true,
                ..d.clone()
            })
        })
        .collect()
}

/// Kinds the lead unit's leaders and the 分管领导 receive with the 责任人.
const ANSWERED_FOR: [NotificationKind; 4] = [
    NotificationKind::SupervisionNotice,
    NotificationKind::OverdueNotice,
    NotificationKind::SuspensionNotice,
    NotificationKind::CancellationNotice,
];

/// What 配合单位 are told: the item when it is issued, every change of its time limit,
/// its suspension, resumption or withdrawal, and its completion.
fn cooperating_drafts(event: &AssignmentsEvent) -> Vec<Draft> {
    let Some(a) = event.assignment() else {
        return vec![];
    };
    let due = a.due_on.format("%Y年%m月%d日");
    let (kind, title, body) = match event {
        AssignmentsEvent::AssignmentIssued { .. } => (
            NotificationKind::SupervisionNotice,
            format!("配合督办通知：{}", a.title),
            format!(
                "「{}」由{}牵头办理，请你单位积极配合，确保于{due}前办结。",
                a.title, a.lead_unit_name
            ),
        ),
        AssignmentsEvent::AssignmentDeadlineMoved { .. }
        | AssignmentsEvent::ExtensionDecided { approved: true, .. }
        | AssignmentsEvent::AssignmentReopened { .. } => (
            NotificationKind::DeadlineChanged,
            format!("时限调整（配合事项）：{}", a.title),
            format!("你单位配合办理的「{}」办结时限现为{due}。", a.title),
        ),
        AssignmentsEvent::AssignmentSuspended { reason, .. } => (
            NotificationKind::SuspensionNotice,
            format!("中止通知（配合事项）：{}", a.title),
            format!(
                "你单位配合办理的「{}」已中止（{reason}），办结时限暂停计算。",
                a.title
            ),
        ),
        AssignmentsEvent::AssignmentResumed { .. } => (
            NotificationKind::ResumptionNotice,
            format!("恢复办理（配合事项）：{}", a.title),
            format!(
                "你单位配合办理的「{}」已恢复办理，办结时限顺延至{due}。",
                a.title
            ),
        ),
        AssignmentsEvent::AssignmentVerified { .. } => (
            NotificationKind::VerificationResult,
            format!("已办结（配合事项）：{}", a.title),
            format!(
                "你单位配合办理的「{}」已由{}办结并经审核销号，感谢配合。",
                a.title, a.lead_unit_name
            ),
        ),
        AssignmentsEvent::AssignmentCancelled { reason, .. } => (
            NotificationKind::CancellationNotice,
            format!("撤销通知（配合事项）：{}", a.title),
            format!(
                "你单位配合办理的「{}」已撤销（{reason}），无需继续配合。",
                a.title
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
fn lead_drafts(event: &AssignmentsEvent) -> Vec<Draft> {
    let Some(a) = event.assignment() else {
        return problem_drafts(event);
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
            format!("督办通知：{}", a.title),
            format!(
                "{}：现将「{}」（{}）交由你单位承办，请于{}前签收，{}前办结{}，并及时报送进度。",
                a.lead_unit_name,
                a.title,
                a.urgency.label(),
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
            format!("督办通知：{}", a.title),
            format!(
                "「{}」改由你负责办理（{reason}），请于{}前办结，并及时报送进度。",
                a.title,
                a.due_on.format("%Y年%m月%d日"),
            ),
        )],
        AssignmentsEvent::AssignmentReassigned { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("督办通知：{}", a.title),
            format!(
                "{}：「{}」经重新确定承办单位（{reason}），交由你单位承办，请于{}前签收，{}前办结，并及时报送进度。",
                a.lead_unit_name,
                a.title,
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
                    format!("签收超时：{}", a.title),
                    format!(
                        "「{}」应于{}前签收，{}至今未签收，请立即签收办理。",
                        a.title,
                        a.ack_due_on.unwrap_or(a.due_on).format("%Y年%m月%d日"),
                        a.lead_unit_name
                    ),
                )
            })
            .collect(),
        AssignmentsEvent::AssignmentAcknowledged { .. } => vec![to(
            &a.issuer_id,
            NotificationKind::AcknowledgementReceipt,
            format!("已签收：{}", a.title),
            format!("{}已签收「{}」。", a.lead_unit_name, a.title),
        )],
        AssignmentsEvent::ProgressReported { report, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::ProgressUpdate,
            format!("进度报送：{}（{}%）", a.title, report.percent),
            format!(
                "{}报送进度{}%：{}",
                a.lead_unit_name, report.percent, report.text
            ),
        )],
        AssignmentsEvent::AssignmentCompleted { result, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::CompletionPending,
            format!("办结待审：{}", a.title),
            format!(
                "{}报告已办结：{}。请审核销号或退回。",
                a.lead_unit_name, result
            ),
        )],
        AssignmentsEvent::AssignmentVerified { .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::VerificationResult,
            format!("已销号：{}", a.title),
            format!("「{}」经审核已销号。", a.title),
        )],
        AssignmentsEvent::AssignmentReturned { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::VerificationResult,
            format!("已退回：{}", a.title),
            format!(
                "「{}」被退回，理由：{}。请整改后重新报送。",
                a.title, reason
            ),
        )],
        AssignmentsEvent::AssignmentDueSoon {
            working_days_left, ..
        } => vec![to(
            &a.responsible_person_id,
            NotificationKind::DueSoonReminder,
            format!("到期提醒：{}", a.title),
            format!(
                "「{}」将于{}到期，还剩{}个工作日，请抓紧办结。",
                a.title,
                a.due_on.format("%Y年%m月%d日"),
                working_days_left
            ),
        )],
        AssignmentsEvent::AssignmentOverdue { .. } => {
            let body = format!(
                "「{}」已超过办结时限（{}），请说明原因并尽快办结。",
                a.title,
                a.due_on.format("%Y年%m月%d日")
            );
            vec![
                to(
                    &a.responsible_person_id,
                    NotificationKind::OverdueNotice,
                    format!("超期督办：{}", a.title),
                    body.clone(),
                ),
                to(
                    &a.issuer_id,
                    NotificationKind::OverdueNotice,
                    format!("超期：{}（{}）", a.title, a.lead_unit_name),
                    body,
                ),
            ]
        }
        AssignmentsEvent::SupervisionRaised { .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("{}：{}", a.supervision_level.label(), a.title),
            format!(
                "「{}」已升级为{}，请于{}前办结并报送进度。",
                a.title,
                a.supervision_level.label(),
                a.due_on.format("%Y年%m月%d日")
            ),
        )],
        AssignmentsEvent::ExtensionRequested { days, reason, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::ExtensionRequest,
            format!("延期申请：{}", a.title),
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
                a.title
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
            format!("转办申请：{}", a.title),
            format!(
                "{}申请转办「{}」，理由：{}。请审批。",
                a.lead_unit_name, a.title, reason
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
                    format!("转出通知：{}", a.title),
                    format!(
                        "「{}」的转办申请已批准，改由{}承办，你单位不再承办。",
                        a.title, a.lead_unit_name
                    ),
                )
            },
            to(
            &a.responsible_person_id,
            NotificationKind::SupervisionNotice,
            format!("督办通知（转办）：{}", a.title),
            format!(
                "{}：「{}」转由你单位承办，请于{}前办结。{}",
                a.lead_unit_name,
                a.title,
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
            format!("转办未批准：{}", a.title),
            format!("「{}」的转办申请未批准，请继续办理。", a.title),
        )],
        AssignmentsEvent::ReturnedToIssuer { reason, .. } => vec![to(
            &a.issuer_id,
            NotificationKind::VerificationResult,
            format!("事项回退：{}", a.title),
            format!(
                "{}回退「{}」，理由：{}。请重新确定承办单位。",
                a.lead_unit_name, a.title, reason
            ),
        )],
        AssignmentsEvent::AssignmentCancelled { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::CancellationNotice,
            format!("已撤销：{}", a.title),
            format!("「{}」已撤销，理由：{}。", a.title, reason),
        )],
        AssignmentsEvent::AssignmentSuspended { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::SuspensionNotice,
            format!("中止通知：{}", a.title),
            format!(
                "「{}」已中止，理由：{reason}。中止期间办结时限暂停计算，恢复后顺延。",
                a.title
            ),
        )],
        AssignmentsEvent::AssignmentResumed {
            suspended_working_days,
            ..
        } => vec![to(
            &a.responsible_person_id,
            NotificationKind::ResumptionNotice,
            format!("恢复办理：{}", a.title),
            format!(
                "「{}」已恢复办理，办结时限顺延{suspended_working_days}个工作日至{}，请抓紧办理。",
                a.title,
                a.due_on.format("%Y年%m月%d日")
            ),
        )],
        AssignmentsEvent::AssignmentReopened { reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::ReopenNotice,
            format!("回头看重新打开：{}", a.title),
            format!(
                "「{}」经回头看重新打开，理由：{}。请继续整改并报送进度。",
                a.title, reason
            ),
        )],
        AssignmentsEvent::AssignmentDeadlineMoved { from, reason, .. } => vec![to(
            &a.responsible_person_id,
            NotificationKind::DeadlineChanged,
            format!("时限调整：{}", a.title),
            format!(
                "「{}」的办结时限由{}调整为{}。{}",
                a.title,
                from.format("%Y年%m月%d日"),
                a.due_on.format("%Y年%m月%d日"),
                reason
            ),
        )],
        _ => vec![],
    }
}

/// The notices a bulletin produces: its unit's leaders are told it is out, and told of
/// each comment under it (一点评).
pub fn bulletin_drafts(event: &EvaluationEvent) -> Vec<Draft> {
    let (unit, title, body) = match event {
        EvaluationEvent::BulletinPublished {
            scope_unit_id,
            title,
            ..
        } => (
            scope_unit_id,
            format!("周通报：{title}"),
            format!("{title}已印发，请认真对照，抓好落实。"),
        ),
        EvaluationEvent::BulletinCommented {
            scope_unit_id,
            title,
            text,
            ..
        } => (
            scope_unit_id,
            format!("周通报点评：{title}"),
            format!("{title}有新的点评：{text}"),
        ),
        _ => return vec![],
    };
    vec![Draft {
        to: To::LeadersOf(unit.clone()),
        kind: NotificationKind::WeeklyBulletin,
        title,
        body,
        assignment_id: None,
        problem_id: None,
        copy: false,
    }]
}

/// The notices a card produces: a yellow or red card shown on an item goes to its 责任人,
/// the lead unit's leaders, the 责任人's 分管领导 and its issuer, each once. A carded item
/// passed to a new 责任人 (the same color again) tells the new 责任人, their unit's
/// leaders and 分管领导, not the issuer again. A card withdrawn (back to blue) tells no one.
pub fn card_drafts(event: &EvaluationEvent) -> Vec<Draft> {
    let EvaluationEvent::ColorChanged {
        item_id,
        unit_id,
        from,
        to,
        reason,
        kind,
        title,
        responsible_person_id,
        issuer_id,
        ..
    } = event
    else {
        return vec![];
    };
    let (notice, label) = match to {
        Color::Yellow => (NotificationKind::YellowCard, "黄牌预警通知"),
        Color::Red => (NotificationKind::RedCard, "红牌督办通知"),
        Color::Blue => return vec![],
    };
    let handed_over = *from == Some(*to);
    let problem = kind == "PROBLEM";
    let what = if problem {
        "台账问题"
    } else {
        "督办事项"
    };
    let mut audience = vec![
        To::Person(responsible_person_id.clone()),
        To::LeadersOf(unit_id.clone()),
        To::SupervisorOf(responsible_person_id.clone()),
    ];
    if !handed_over {
        audience.push(To::Person(issuer_id.clone()));
    }
    audience
        .into_iter()
        .filter(|a| a.person() != Some(""))
        .map(|to| Draft {
            copy: to != To::Person(responsible_person_id.clone()),
            to,
            kind: notice,
            title: format!("{label}：{title}"),
            body: format!("{what}「{title}」：{reason}。请抓紧办理并及时报送进展。"),
            assignment_id: (!problem).then(|| item_id.clone()),
            problem_id: problem.then(|| item_id.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_is_keyed_by_person_item_limit_and_words_and_news_is_not_keyed() {
        let due = chrono::NaiveDate::from_ymd_opt(2026, 12, 7);
        let key = |p: &str, k, body: &str| dedupe_key(p, k, Some("a-1"), due, body);
        let overdue = NotificationKind::OverdueNotice;
        assert!(key("p1", overdue, "超期").is_some());
        assert_eq!(key("p1", overdue, "超期"), key("p1", overdue, "超期"));
        assert_ne!(key("p1", overdue, "超期"), key("p2", overdue, "超期"));
        assert_ne!(
            key("p1", NotificationKind::DueSoonReminder, "还剩3个工作日"),
            key("p1", NotificationKind::DueSoonReminder, "还剩1个工作日")
        );
        assert_ne!(
            dedupe_key("p1", overdue, Some("a-1"), due, "超期"),
            dedupe_key(
                "p1",
                overdue,
                Some("a-1"),
                due.and_then(|d| d.succ_opt()),
                "超期"
            )
        );
        assert_eq!(key("p1", NotificationKind::ProgressUpdate, "50%"), None);
    }

    #[test]
    fn an_issued_assignment_sends_a_supervision_notice_to_the_responsible_person() {
        let json = include_str!("../../../schema/tests/fixtures/assignment_issued.json");
        let env: duban_schema::Envelope<AssignmentsEvent> = serde_json::from_str(json).unwrap();
        let d = drafts(&env.event);
        let to: Vec<&To> = d.iter().map(|d| &d.to).collect();
        // The 责任人, with copies to the lead unit's leaders and the 分管领导.
        assert_eq!(
            to,
            [
                &To::Person("p-t1-leader".into()),
                &To::LeadersOf("t1-office".into()),
                &To::SupervisorOf("p-t1-leader".into())
            ]
        );
        assert_eq!(d[0].kind, NotificationKind::SupervisionNotice);
        assert!(d[0].title.starts_with("督办通知"));
        assert!(d[0].body.contains("2026年03月17日"), "{}", d[0].body);
    }

    #[test]
    fn cooperating_units_hear_of_the_item_and_of_every_change_of_its_limit() {
        let json = include_str!("../../../schema/tests/fixtures/assignment_issued.json");
        let env: duban_schema::Envelope<AssignmentsEvent> = serde_json::from_str(json).unwrap();
        let AssignmentsEvent::AssignmentIssued { mut assignment } = env.event else {
            panic!("the fixture is an issue");
        };
        assignment.cooperating_person_ids = vec!["p-helper".into()];
        let issued = drafts(&AssignmentsEvent::AssignmentIssued {
            assignment: assignment.clone(),
        });
        let helper: Vec<_> = issued
            .iter()
            .filter(|d| d.to.person() == Some("p-helper"))
            .collect();
        assert_eq!(helper.len(), 1);
        assert!(helper[0].title.starts_with("配合督办通知"));
        let moved = drafts(&AssignmentsEvent::AssignmentDeadlineMoved {
            assignment: assignment.clone(),
            from: assignment.due_on,
            reason: "工作日历调整".into(),
        });
        assert!(moved
            .iter()
            .any(|d| d.to.person() == Some("p-helper")
                && d.kind == NotificationKind::DeadlineChanged));
        let verified = drafts(&AssignmentsEvent::AssignmentVerified {
            assignment: assignment.clone(),
        });
        assert!(verified.iter().any(|d| d.to.person() == Some("p-helper")
            && d.kind == NotificationKind::VerificationResult
            && d.title.starts_with("已办结（配合事项）")));
        let progress = drafts(&AssignmentsEvent::ProgressReported {
            assignment: assignment.clone(),
            report: duban_schema::assignments::ProgressReportSnapshot {
                id: "r-1".into(),
                percent: 50,
                text: "推进中".into(),
                reported_by: "p-t1-leader".into(),
                reported_at: assignment.issued_at,
                evidence: vec![],
            },
        });
        assert!(progress.iter().all(|d| d.to.person() != Some("p-helper")));
    }

    #[test]
    fn extension_and_transfer_requests_reach_the_issuer_each_under_its_own_kind() {
        let json = include_str!("../../../schema/tests/fixtures/assignment_issued.json");
        let env: duban_schema::Envelope<AssignmentsEvent> = serde_json::from_str(json).unwrap();
        let AssignmentsEvent::AssignmentIssued { assignment } = env.event else {
            panic!("the fixture is an issue");
        };
        let extension = drafts(&AssignmentsEvent::ExtensionRequested {
            assignment: assignment.clone(),
            days: 3,
            reason: "需协调".into(),
        });
        let transfer = drafts(&AssignmentsEvent::TransferRequested {
            assignment: assignment.clone(),
            to_unit_id: "t2-office".into(),
            reason: "不属本单位职责".into(),
        });
        assert_eq!(
            (
                extension[0].kind,
                extension[0].to.person().unwrap_or_default()
            ),
            (
                NotificationKind::ExtensionRequest,
                assignment.issuer_id.as_str()
            )
        );
        assert_eq!(
            (
                transfer[0].kind,
                transfer[0].to.person().unwrap_or_default()
            ),
            (
                NotificationKind::TransferRequest,
                assignment.issuer_id.as_str()
            )
        );
    }

    #[test]
    fn suspension_resumption_withdrawal_and_transfer_each_reach_whom_they_concern() {
        let json = include_str!("../../../schema/tests/fixtures/assignment_issued.json");
        let env: duban_schema::Envelope<AssignmentsEvent> = serde_json::from_str(json).unwrap();
        let AssignmentsEvent::AssignmentIssued { mut assignment } = env.event else {
            panic!("the fixture is an issue");
        };
        assignment.cooperating_person_ids = vec!["p-helper".into()];
        let who = |d: &[Draft], kind| -> Vec<To> {
            d.iter()
                .filter(|d| d.kind == kind)
                .map(|d| d.to.clone())
                .collect()
        };
        let answerable = vec![
            To::Person("p-t1-leader".into()),
            To::LeadersOf("t1-office".into()),
            To::SupervisorOf("p-t1-leader".into()),
            To::Person("p-helper".into()),
        ];
        let suspended = drafts(&AssignmentsEvent::AssignmentSuspended {
            assignment: assignment.clone(),
            reason: "等待上级答复".into(),
        });
        assert_eq!(
            who(&suspended, NotificationKind::SuspensionNotice),
            answerable
        );
        let cancelled = drafts(&AssignmentsEvent::AssignmentCancelled {
            assignment: assignment.clone(),
            reason: "任务调整".into(),
        });
        assert_eq!(
            who(&cancelled, NotificationKind::CancellationNotice),
            answerable
        );
        let resumed = drafts(&AssignmentsEvent::AssignmentResumed {
            assignment: assignment.clone(),
            suspended_working_days: 3,
        });
        assert_eq!(
            who(&resumed, NotificationKind::ResumptionNotice),
            [
                To::Person("p-t1-leader".into()),
                To::Person("p-helper".into())
            ]
        );
        assert!(
            resumed[0].body.contains("顺延3个工作日至2026年03月17日"),
            "{}",
            resumed[0].body
        );
        let moved = drafts(&AssignmentsEvent::TransferDecided {
            assignment: assignment.clone(),
            approved: true,
            from_unit_id: "t0-office".into(),
            buck_passing: false,
        });
        assert_eq!(
            who(&moved, NotificationKind::TransferredAway),
            [To::LeadersOf("t0-office".into())]
        );
        assert_eq!(who(&moved, NotificationKind::SupervisionNotice).len(), 3);
    }

    #[test]
    fn a_card_reaches_the_responsible_their_leaders_and_the_issuer_and_a_handover_not_the_issuer() {
        let card = |from| EvaluationEvent::ColorChanged {
            item_id: "a-1".into(),
            unit_id: "t1-office".into(),
            from,
            to: Color::Red,
            reason: "已超过办结时限1个工作日，红牌督办".into(),
            rule: "RED_OVERDUE".into(),
            kind: "ASSIGNMENT".into(),
            title: "事项".into(),
            responsible_person_id: "p-clerk".into(),
            issuer_id: "p-sup".into(),
            raise: false,
        };
        let to = |d: Vec<Draft>| d.into_iter().map(|d| d.to).collect::<Vec<_>>();
        let mut shown = vec![
            To::Person("p-clerk".into()),
            To::LeadersOf("t1-office".into()),
            To::SupervisorOf("p-clerk".into()),
            To::Person("p-sup".into()),
        ];
        assert_eq!(to(card_drafts(&card(Some(Color::Yellow)))), shown);
        shown.pop();
        assert_eq!(to(card_drafts(&card(Some(Color::Red)))), shown);
    }
}
