//! What the county's own events tell whom: a campaign's phases and reports, cards,
//! bulletins, and the escalation of an unanswered notice. Pure.

use super::{Draft, To};
use duban_schema::assignments::AssignmentsEvent;
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::notifications::NotificationKind;
use duban_schema::Color;

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

/// The notices a bulletin about the unit at `path` produces: its unit's leaders are told
/// it is out (a county's, the leaders of every unit in the county), and told of each
/// comment under it (一点评).
pub fn bulletin_drafts(event: &EvaluationEvent, path: &str) -> Vec<Draft> {
    // A county's bulletin is issued to all its units (各乡镇、县直各单位).
    let county = path.trim_matches('/').split('/').count() == 1;
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
    let to = match event {
        EvaluationEvent::BulletinPublished { .. } if county => To::LeadersUnder(path.to_string()),
        _ => To::LeadersOf(unit.clone()),
    };
    vec![Draft {
        to,
        kind: NotificationKind::WeeklyBulletin,
        title,
        body,
        assignment_id: None,
        problem_id: None,
        copy: false,
    }]
}

/// The reminder of a 作风体检 round about to close, to each person with scores left to
/// give.
pub fn review_drafts(event: &EvaluationEvent) -> Vec<Draft> {
    let EvaluationEvent::ConductReviewDue {
        scope_name,
        month,
        deadline,
        person_ids,
        ..
    } = event
    else {
        return vec![];
    };
    let due = deadline.format("%Y年%m月%d日");
    person_ids
        .iter()
        .map(|p| Draft {
            to: To::Person(p.clone()),
            kind: NotificationKind::ConductReviewDue,
            title: format!("作风体检评分提醒：{scope_name}{month}"),
            body: format!(
                "{scope_name}{month}作风体检将于{due}截止，您还有单位未评分，请登录督办系统「作风体检」页面按时完成评分。"
            ),
            assignment_id: None,
            problem_id: None,
            copy: false,
        })
        .collect()
}

/// An accountability decision: the person held to account is told, and the leaders of
/// the unit (of the person's unit, or of the unit itself).
pub fn accountability_drafts(event: &EvaluationEvent) -> Vec<Draft> {
    let EvaluationEvent::AccountabilityRecorded {
        subject_kind,
        subject_id,
        unit_id,
        form,
        grounds,
        decided_on,
        decided_by,
        supersedes,
        document_number,
        ..
    } = event
    else {
        return vec![];
    };
    let number = document_number
        .as_deref()
        .map(|n| format!("（{n}）"))
        .unwrap_or_default();
    let correction = if supersedes.is_some() {
        "（更正此前记录）"
    } else {
        ""
    };
    let on = decided_on.format("%Y年%m月%d日");
    let body = format!("{decided_by}于{on}作出{form}{number}的决定{correction}。依据：{grounds}");
    let draft = |to| Draft {
        to,
        kind: NotificationKind::AccountabilityNotice,
        title: format!("追责问责通知：{form}"),
        body: body.clone(),
        assignment_id: None,
        problem_id: None,
        copy: false,
    };
    let mut out = vec![draft(To::LeadersOf(unit_id.clone()))];
    if subject_kind == "PERSON" {
        out.insert(0, draft(To::Person(subject_id.clone())));
    }
    out
}

/// A clue referred, or one of its steps due: the DISCIPLINE users of the county of `path`
/// are told. The referral's grounds go to the commission only.
pub fn referral_drafts(event: &EvaluationEvent, path: &str) -> Vec<Draft> {
    let county = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let (kind, title, body) = match event {
        EvaluationEvent::ClueReferred {
            grounds,
            referred_by,
            receipt_due_on,
            ..
        } => {
            let by = if referred_by == "system" {
                "按移送规则自动移送"
            } else {
                "由督查部门移送"
            };
            (
                NotificationKind::ReferralNotice,
                "线索移送通知".to_string(),
                format!(
                    "收到一条作风问题线索（{by}），请于{}前签收。线索摘要：{grounds}",
                    receipt_due_on.format("%Y年%m月%d日")
                ),
            )
        }
        EvaluationEvent::ReferralDue {
            step,
            due_on,
            overdue,
            ..
        } => {
            let what = match step.as_str() {
                "RECEIPT" => "签收",
                "CHOOSE" => "处置方式的确定",
                "TALK_OR_LETTER" => "谈话函询",
                "PRELIMINARY_CHECK" => "初步核实",
                "SHELVED" => "暂存待查的复查",
                _ => "予以了结的办结",
            };
            let due = due_on.format("%Y年%m月%d日");
            let when = if *overdue {
                "已超过时限"
            } else {
                "将于明天到期"
            };
            (
                NotificationKind::ReferralDue,
                format!("线索处置时限提醒：{what}"),
                format!(
                    "一条移送线索的{what}时限为{due}，{when}，请登录督办系统「线索处置」页面办理。"
                ),
            )
        }
        _ => return vec![],
    };
    vec![Draft {
        to: To::DisciplineOf(county.to_string()),
        kind,
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
