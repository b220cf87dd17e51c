//! The notices' audiences and words, from the events' fixtures.

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
    let json = include_str!("../../../../schema/tests/fixtures/assignment_issued.json");
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
    let json = include_str!("../../../../schema/tests/fixtures/assignment_issued.json");
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
        .any(|d| d.to.person() == Some("p-helper") && d.kind == NotificationKind::DeadlineChanged));
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
    let json = include_str!("../../../../schema/tests/fixtures/assignment_issued.json");
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
    let json = include_str!("../../../../schema/tests/fixtures/assignment_issued.json");
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
