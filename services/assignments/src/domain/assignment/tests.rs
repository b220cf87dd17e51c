//! The assignment rules, each transition and limit checked.

use super::*;
use duban_clock::workdays::Special;
use duban_schema::assignments::{AssignmentBrief, AssignmentSource};

fn issued() -> AssignmentSnapshot {
    let at = DateTime::parse_from_rfc3339("2026-03-10T09:00:00+08:00").unwrap();
    AssignmentSnapshot {
        brief: AssignmentBrief::new("t", "d", AssignmentSource::KeyTask),
        issuer_id: "s".into(),
        issuer_unit_id: "su".into(),
        lead_unit_id: "u".into(),
        lead_unit_path: "/c/u".into(),
        lead_unit_name: "u".into(),
        responsible_person_id: "p".into(),
        time_limit_days: Some(5),
        issued_at: at,
        due_on: at.date_naive() + chrono::Duration::days(7),
        ..AssignmentSnapshot::example("a")
    }
}

#[test]
fn a_calendar_change_moves_a_limit_by_its_one_day_and_keeps_what_else_moved_it() {
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let mut cal = Calendar::official();
    // Issued Mon 9 March, five working days to Mon 16, extended three to Thu 19.
    let (issued, due) = (d(3, 9), d(3, 19));
    cal.set(d(3, 11), Some(Special::Holiday("县庆".into())));
    assert_eq!(
        due_after_calendar_change(issued, due, d(3, 11), true, &cal),
        d(3, 20)
    );
    // A Saturday worked: the limit comes a working day earlier.
    let mut cal = Calendar::official();
    cal.set(d(3, 14), Some(Special::Workday("调休".into())));
    assert_eq!(
        due_after_calendar_change(issued, due, d(3, 14), false, &cal),
        d(3, 18)
    );
    // A day outside the counted span, or of the same kind, moves nothing.
    assert_eq!(
        due_after_calendar_change(issued, due, d(3, 23), true, &cal),
        due
    );
    assert_eq!(
        due_after_calendar_change(issued, due, d(3, 9), true, &cal),
        due
    );
    assert_eq!(
        due_after_calendar_change(issued, due, d(3, 12), true, &Calendar::official()),
        due
    );
}

#[test]
fn the_second_approved_transfer_flags_the_item_as_passing_the_buck() {
    let a = issued();
    let r = request_transfer(&a, "u2", "属乙单位职责").unwrap();
    assert!(request_transfer(&r, "u3", "x").is_err());
    let cal = Calendar::official();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let once = decide_transfer(&r, true, Some(("u2", "/c/u2", "乙", "p2")), day(12), &cal).unwrap();
    assert_eq!(
        (once.lead_unit_id.as_str(), once.state, once.buck_passing()),
        ("u2", AssignmentState::Issued, false)
    );
    let r2 = request_transfer(&once, "u3", "属丙单位职责").unwrap();
    let twice =
        decide_transfer(&r2, true, Some(("u3", "/c/u3", "丙", "p3")), day(13), &cal).unwrap();
    assert!(twice.buck_passing());
    let refused = decide_transfer(
        &request_transfer(&a, "u2", "x").unwrap(),
        false,
        None,
        day(12),
        &cal,
    )
    .unwrap();
    assert_eq!(
        (refused.lead_unit_id.as_str(), refused.transfer_count),
        ("u", 0)
    );
    assert!(matches!(
        request_transfer(&a, "u", "x"),
        Err(DomainError::Invalid {
            field: "toUnitId",
            ..
        })
    ));
}

#[test]
fn an_extension_is_capped_asked_once_at_a_time_and_moves_the_limit_when_granted() {
    let cal = Calendar::official();
    let a = acknowledge(&issued()).unwrap();
    assert!(matches!(
        request_extension(&a, 11, "x", DEFAULT_EXTENSION_CAP),
        Err(DomainError::Invalid { field: "days", .. })
    ));
    let r = request_extension(&a, 3, "需协调县直部门", DEFAULT_EXTENSION_CAP).unwrap();
    assert!(matches!(
        request_extension(&r, 2, "x", DEFAULT_EXTENSION_CAP),
        Err(DomainError::Invalid { field: "id", .. })
    ));
    let (granted, days) = decide_extension(&r, true, &cal).unwrap();
    assert_eq!((days, granted.extension_count), (3, 1));
    assert_eq!(granted.due_on, cal.add_working_days(a.due_on, 3));
    let (refused, _) = decide_extension(&r, false, &cal).unwrap();
    assert_eq!((refused.due_on, refused.extension_count), (a.due_on, 0));
    assert!(decide_extension(&refused, true, &cal).is_err());
}

#[test]
fn a_wrong_lead_unit_returns_within_two_working_days_only() {
    let cal = Calendar::official();
    let a = issued(); // Tue 10 Mar 2026
    let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
    assert_eq!(
        return_to_issuer(&a, "不属本单位职责", d(12), &cal)
            .unwrap()
            .state,
        AssignmentState::Returned
    );
    assert!(matches!(
        return_to_issuer(&a, "不属本单位职责", d(13), &cal),
        Err(DomainError::Invalid { field: "id", .. })
    ));
    assert!(return_to_issuer(&a, " ", d(11), &cal).is_err());
}

#[test]
fn a_suspension_moves_the_time_limit_by_the_working_days_suspended() {
    let cal = Calendar::official();
    let a = acknowledge(&issued()).unwrap();
    // Suspended Thu 12 Mar, resumed Tue 17 Mar 2026: Fri 13, Mon 16, Tue 17 = 3 working days.
    let s = suspend(
        &a,
        "等待县自然资源局出具意见",
        NaiveDate::from_ymd_opt(2026, 3, 12).unwrap(),
    )
    .unwrap();
    assert_eq!(s.state, AssignmentState::Suspended);
    let (r, days) = resume(&s, NaiveDate::from_ymd_opt(2026, 3, 17).unwrap(), &cal).unwrap();
    assert_eq!(days, 3);
    assert_eq!(r.due_on, cal.add_working_days(a.due_on, 3));
    assert_eq!(
        (r.state, r.suspended_on),
        (AssignmentState::Acknowledged, None)
    );
    assert!(matches!(
        report_progress(&s, 10, "x"),
        Err(DomainError::Illegal { .. })
    ));
}

#[test]
fn supervision_only_goes_up_and_a_closed_item_can_be_reopened_not_cancelled() {
    let a = raise_supervision(&issued(), SupervisionLevel::Supervised).unwrap();
    assert!(matches!(
        raise_supervision(&a, SupervisionLevel::Urged),
        Err(DomainError::Invalid { field: "level", .. })
    ));
    let closed = verify(&complete(&acknowledge(&issued()).unwrap(), "done").unwrap()).unwrap();
    assert!(matches!(
        cancel(&closed, "x"),
        Err(DomainError::Illegal { .. })
    ));
    let today = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let cal = Calendar::official();
    let limit = (Some(5), None);
    let reopened = reopen(&closed, "回头看发现问题反弹", limit, today, &cal).unwrap();
    assert_eq!(
        (reopened.state, reopened.due_on),
        (
            AssignmentState::InProgress,
            NaiveDate::from_ymd_opt(2026, 4, 9).unwrap()
        ),
        "five working days from 1 April, over 清明 (4–6 April)"
    );
    assert!(matches!(
        new_time_limit(None, None, today, &cal),
        Err(DomainError::Invalid {
            field: "timeLimitDays",
            ..
        })
    ));
    assert!(matches!(
        new_time_limit(None, today.pred_opt(), today, &cal),
        Err(DomainError::Invalid { field: "dueOn", .. })
    ));
    assert!(matches!(
        reopen(&closed, " ", limit, today, &cal),
        Err(DomainError::Invalid {
            field: "reason",
            ..
        })
    ));
    assert_eq!(
        cancel(&issued(), "任务调整").unwrap().state,
        AssignmentState::Cancelled
    );
}

#[test]
fn the_whole_happy_path_advances_the_version_each_step() {
    let a = acknowledge(&issued()).unwrap();
    assert_eq!((a.state, a.version), (AssignmentState::Acknowledged, 2));
    let a = report_progress(&a, 40, "已完成摸排").unwrap();
    assert_eq!(
        (a.state, a.progress_percent, a.version),
        (AssignmentState::InProgress, 40, 3)
    );
    let a = complete(&a, "机制已建立并运行").unwrap();
    assert_eq!(
        (a.state, a.progress_percent),
        (AssignmentState::Completed, 100)
    );
    let a = verify(&a).unwrap();
    assert_eq!((a.state, a.version), (AssignmentState::Closed, 5));
}

#[test]
fn acknowledging_twice_is_an_illegal_transition() {
    let a = acknowledge(&issued()).unwrap();
    assert_eq!(
        acknowledge(&a),
        Err(DomainError::Illegal {
            from: AssignmentState::Acknowledged,
            action: "签收"
        })
    );
}

#[test]
fn progress_cannot_be_reported_before_acknowledging() {
    assert!(matches!(
        report_progress(&issued(), 10, "x"),
        Err(DomainError::Illegal { .. })
    ));
}

#[test]
fn progress_outside_0_to_100_names_the_percent_field() {
    let a = acknowledge(&issued()).unwrap();
    assert!(matches!(
        report_progress(&a, 101, "x"),
        Err(DomainError::Invalid {
            field: "percent",
            ..
        })
    ));
    assert!(matches!(
        report_progress(&a, 50, "  "),
        Err(DomainError::Invalid { field: "text", .. })
    ));
}

#[test]
fn a_returned_item_goes_back_into_progress() {
    let a = complete(&acknowledge(&issued()).unwrap(), "done").unwrap();
    let r = return_to_lead_unit(&a, "佐证材料不全").unwrap();
    assert_eq!(r.state, AssignmentState::Returned);
    assert_eq!(
        report_progress(&r, 90, "补充材料").unwrap().state,
        AssignmentState::InProgress
    );
    assert!(matches!(
        return_to_lead_unit(&a, ""),
        Err(DomainError::Invalid {
            field: "reason",
            ..
        })
    ));
}

#[test]
fn time_limits_must_be_between_1_and_365_working_days() {
    assert!(validate_issue("x", 0).is_err());
    assert!(validate_issue("x", 366).is_err());
    assert!(validate_issue("", 5).is_err());
    assert!(validate_issue("x", 5).is_ok());
}

#[test]
fn an_unfinished_item_past_its_due_day_is_overdue() {
    let a = issued();
    let after = DateTime::parse_from_rfc3339("2026-03-18T09:00:00+08:00").unwrap();
    let on = DateTime::parse_from_rfc3339("2026-03-17T23:00:00+08:00").unwrap();
    assert!(is_overdue(&a, after));
    assert!(!is_overdue(&a, on));
}

#[test]
fn one_time_limit_rule_for_items_problems_and_reopening() {
    let cal = Calendar::official();
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let message = |r: Result<(Option<i32>, NaiveDate), DomainError>| match r {
        Err(DomainError::Invalid { field, message }) => format!("{field}: {message}"),
        other => format!("{other:?}"),
    };
    assert_eq!(
        time_limit("整改时限", Some(5), None, today, &cal).unwrap(),
        (Some(5), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap())
    );
    assert!(message(time_limit("整改时限", Some(0), None, today, &cal))
        .starts_with("timeLimitDays: 整改时限须为1至365个工作日"));
    assert!(
        message(time_limit("办结时限", None, today.pred_opt(), today, &cal))
            .starts_with("dueOn: 办结时限不能早于今天")
    );
    let far = NaiveDate::from_ymd_opt(2032, 1, 1);
    assert!(message(time_limit("整改时限", None, far, today, &cal)).starts_with("dueOn: 日期须在"));
    assert!(message(new_time_limit(None, None, today, &cal)).contains("请给出新的时限"));
}

#[test]
fn a_change_of_responsible_person_keeps_suspension_pending_requests_and_limits() {
    let cal = Calendar::official();
    let a = acknowledge(&issued()).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
    // Suspended: it changes hands still suspended, and resuming moves the same limit.
    let s = suspend(&a, "等待县自然资源局出具意见", today).unwrap();
    let moved = change_responsible(&s, "p-successor", "原责任人调离").unwrap();
    assert_eq!(
        (moved.state, moved.suspended_on, moved.due_on),
        (s.state, s.suspended_on, s.due_on)
    );
    assert_eq!(moved.version, s.version + 1);
    let next_day = NaiveDate::from_ymd_opt(2026, 3, 17).unwrap();
    let (after, _) = resume(&moved, next_day, &cal).unwrap();
    let (unmoved, _) = resume(&s, next_day, &cal).unwrap();
    assert_eq!(after.due_on, unmoved.due_on);
    assert_eq!(after.responsible_person_id, "p-successor");
    // A pending extension and a pending transfer stay pending with the new person.
    let e = request_extension(&a, 3, "需协调县直部门", DEFAULT_EXTENSION_CAP).unwrap();
    let e2 = change_responsible(&e, "p-successor", "原责任人调离").unwrap();
    assert_eq!(e2.pending_extension_days, Some(3));
    let (granted, _) = decide_extension(&e2, true, &cal).unwrap();
    assert_eq!(granted.due_on, cal.add_working_days(a.due_on, 3));
    let t = request_transfer(&a, "baisha-dzb", "属白沙乡职责").unwrap();
    let t2 = change_responsible(&t, "p-successor", "原责任人调离").unwrap();
    assert_eq!(t2.pending_transfer_unit_id, t.pending_transfer_unit_id);
    // Closed or cancelled: no change; reopened: it may change hands again.
    let closed = verify(&complete(&a, "已办结").unwrap()).unwrap();
    assert!(matches!(
        change_responsible(&closed, "p-successor", "x"),
        Err(DomainError::Illegal { .. })
    ));
    let reopened = reopen(&closed, "回头看发现反弹", (Some(5), None), today, &cal).unwrap();
    assert!(change_responsible(&reopened, "p-successor", "x").is_ok());
    assert!(matches!(
        change_responsible(&a, &a.responsible_person_id, "x"),
        Err(DomainError::Invalid {
            field: "personId",
            ..
        })
    ));
}

fn ctx<'a>(cal: &'a Calendar, now: &str, unit: Option<NewUnit>) -> Context<'a> {
    Context {
        by: "p-decider",
        now: DateTime::parse_from_rfc3339(now).unwrap(),
        calendar: cal,
        extension_cap: 10,
        line_id: "line-1".into(),
        unit,
        successor_unit_path: None,
    }
}

#[test]
fn a_command_decides_the_reasons_timestamps_event_and_ledger_lines_with_the_state() {
    use duban_api::AssignmentCommand as C;
    let cal = Calendar::official();
    let mut a = Assignment::issued(issued());
    a.snapshot.state = AssignmentState::InProgress;
    let asked = decide(
        &a,
        Command::Item(C::RequestExtension {
            days: 3,
            reason: "  汛期施工受阻 ".into(),
        }),
        &ctx(&cal, "2026-03-11T10:00:00+08:00", None),
    )
    .unwrap();
    assert_eq!(
        asked.state.pending_extension_reason.as_deref(),
        Some("汛期施工受阻")
    );
    assert_eq!(asked.state.last_sequence, a.last_sequence + 1);
    assert!(asked.lines.is_empty());

    let granted = decide(
        &asked.state,
        Command::Item(C::DecideExtension {
            approve: true,
            note: String::new(),
        }),
        &ctx(&cal, "2026-03-12T10:00:00+08:00", None),
    )
    .unwrap();
    assert_eq!(granted.state.pending_extension_reason, None);
    assert_eq!(granted.state.snapshot.extension_count, 1);
    let Line::Deadline {
        from, to, reason, ..
    } = &granted.lines[0]
    else {
        panic!("{:?}", granted.lines)
    };
    assert_eq!(
        (*from, *to),
        (a.snapshot.due_on, granted.state.snapshot.due_on)
    );
    assert_eq!(reason, "批准延期3个工作日（第1次）：汛期施工受阻");
    assert!(matches!(
        &granted.event,
        duban_schema::assignments::AssignmentsEvent::ExtensionDecided { days: 3, approved: true, assignment, .. }
            if *assignment == granted.state.snapshot
    ));

    let done = decide(
        &granted.state,
        Command::Complete {
            result: " 已完成 ".into(),
        },
        &ctx(&cal, "2026-03-13T16:30:00+08:00", None),
    )
    .unwrap();
    assert_eq!(done.state.result.as_deref(), Some("已完成"));
    assert_eq!(
        done.state.completed_at,
        Some(DateTime::parse_from_rfc3339("2026-03-13T16:30:00+08:00").unwrap())
    );
    assert_eq!(done.state.acknowledged_at, None, "only 签收 sets it");
}

#[test]
fn an_approved_transfer_goes_only_to_the_unit_asked_and_keeps_the_request_in_the_ledger() {
    use duban_api::AssignmentCommand as C;
    let cal = Calendar::official();
    let a = Assignment::issued(issued());
    let asked = decide(
        &a,
        Command::Item(C::RequestTransfer {
            to_unit_id: "u2".into(),
            reason: "不属本单位职责".into(),
        }),
        &ctx(&cal, "2026-03-10T10:00:00+08:00", None),
    )
    .unwrap();
    let unit = |id: &str| NewUnit {
        id: id.into(),
        path: format!("/c/{id}"),
        name: "水利局".into(),
        responsible: "p2".into(),
    };
    let approve = Command::Item(C::DecideTransfer { approve: true });
    let now = "2026-03-11T09:00:00+08:00";
    let wrong = decide(
        &asked.state,
        approve.clone(),
        &ctx(&cal, now, Some(unit("u3"))),
    );
    assert!(
        matches!(wrong, Err(DomainError::Invalid { field: "id", .. })),
        "{wrong:?}"
    );
    let moved = decide(&asked.state, approve, &ctx(&cal, now, Some(unit("u2")))).unwrap();
    assert_eq!(moved.state.snapshot.lead_unit_id, "u2");
    assert_eq!(moved.state.snapshot.responsible_person_id, "p2");
    assert_eq!(moved.state.pending_transfer_reason, None);
    assert_eq!(
        moved.lines,
        [Line::Transfer {
            id: "line-1".into(),
            from_unit_id: "u".into(),
            to_unit_id: "u2".into(),
            reason: "不属本单位职责".into(),
            approved: true,
            decided_by: "p-decider".into(),
            at: DateTime::parse_from_rfc3339(now).unwrap(),
        }]
    );
}

fn staff(id: &str, leader: bool) -> duban_schema::assignments::PersonSnapshot {
    duban_schema::assignments::PersonSnapshot {
        id: id.into(),
        account: id.into(),
        name: id.into(),
        title: String::new(),
        unit_id: "u".into(),
        unit_path: "/c/u".into(),
        roles: vec![if leader {
            duban_auth::Role::UnitLeader
        } else {
            duban_auth::Role::Clerk
        }],
        supervising_leader_id: None,
        deactivated: false,
        version: 1,
    }
}

fn found<'a>(id: &'a str, people: Vec<duban_schema::assignments::PersonSnapshot>) -> FoundUnit<'a> {
    FoundUnit {
        id,
        path: "/c/u",
        name: "水利局",
        people,
    }
}

#[test]
fn a_new_assignment_takes_its_limits_cooperating_units_category_and_leader_by_the_rules() {
    use duban_schema::assignments::Urgency;
    let cal = Calendar::official();
    // Wednesday 11 March 2026.
    let now = DateTime::parse_from_rfc3339("2026-03-11T09:00:00+08:00").unwrap();
    let facts = |cooperating: Vec<FoundUnit<'static>>, cats: Option<Vec<String>>| IssueFacts {
        id: "a1".into(),
        by: ("p-s", "su"),
        now,
        calendar: &cal,
        lead: found("u", vec![staff("p-a", false), staff("p-b", true)]),
        cooperating,
        campaign_categories: cats,
        duty_id: None,
    };
    let mut input =
        duban_api::IssueAssignmentInput::new(" 清理积案 ", "", AssignmentSource::KeyTask, "u", 5);
    input.brief.urgency = Urgency::VeryUrgent;
    let a = issue(&input, &facts(vec![], None)).unwrap().snapshot;
    assert_eq!(a.brief.title, "清理积案");
    assert_eq!(a.responsible_person_id, "p-b", "the unit leader by default");
    assert_eq!(
        a.ack_due_on,
        Some(now.date_naive()),
        "very urgent: sign the same day"
    );
    assert_eq!(a.due_on, cal.add_working_days(now.date_naive(), 5));

    input.brief.cooperating_unit_ids = vec!["v".into(), "u".into()];
    let e = issue(
        &input,
        &facts(vec![found("v", vec![]), found("u", vec![])], None),
    );
    assert!(
        matches!(
            e,
            Err(DomainError::InvalidItem {
                list: "cooperatingUnitIds",
                index: 1,
                ..
            })
        ),
        "{e:?}"
    );
    input.brief.cooperating_unit_ids = vec![];
    input.brief.category = Some("乱作为".into());
    let e = issue(&input, &facts(vec![], Some(vec!["慢作为".into()])));
    assert!(
        matches!(
            e,
            Err(DomainError::Invalid {
                field: "category",
                ..
            })
        ),
        "{e:?}"
    );
    input.ack_time_limit_days = Some(11);
    let e = issue(&input, &facts(vec![], None));
    assert!(
        matches!(
            e,
            Err(DomainError::Invalid {
                field: "ackTimeLimitDays",
                ..
            })
        ),
        "{e:?}"
    );
}

#[test]
fn a_brief_is_carried_whole_and_each_of_its_texts_kept_within_its_bound() {
    let cal = Calendar::official();
    let now = DateTime::parse_from_rfc3339("2026-03-11T09:00:00+08:00").unwrap();
    let facts = IssueFacts {
        id: "a1".into(),
        by: ("p-s", "su"),
        now,
        calendar: &cal,
        lead: found("u", vec![staff("p-b", true)]),
        cooperating: vec![],
        campaign_categories: None,
        duty_id: None,
    };
    let mut input = duban_api::IssueAssignmentInput::new(
        "清理积案",
        "逐件清理",
        AssignmentSource::KeyTask,
        "u",
        5,
    );
    input.brief.source_text = Some("批".repeat(5000));
    input.brief.category = Some("类".repeat(50));
    input.brief.campaign_id = Some("c1".into());
    let a = issue(&input, &facts).unwrap().snapshot;
    assert_eq!(a.brief, input.brief, "carried as given");
    for (field, words, at_most) in [
        ("title", "标题不能超过200字", 200),
        ("description", "事项内容不能超过5000字", 5000),
        ("sourceText", "批示原文不能超过5000字", 5000),
        ("category", "类别不能超过50字", 50),
    ] {
        let mut over = input.clone();
        let long = "字".repeat(at_most + 1);
        match field {
            "title" => over.brief.title = long,
            "description" => over.brief.description = long,
            "sourceText" => over.brief.source_text = Some(long),
            _ => over.brief.category = Some(long),
        }
        match issue(&over, &facts) {
            Err(DomainError::Invalid { field: f, message }) => {
                assert_eq!((f, message.as_str()), (field, words));
            }
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn an_item_issued_about_another_fits_its_title_within_the_bound() {
    let long = "整".repeat(200);
    let t = prefixed_title("好差评整改：", &long);
    assert_eq!(t.chars().count(), AssignmentBrief::TITLE_MAX_CHARS);
    assert!(t.starts_with("好差评整改：整") && t.ends_with('…'), "{t}");
    assert!(validate_brief(&AssignmentBrief::new(
        t.clone(),
        "",
        AssignmentSource::KeyTask
    ))
    .is_ok());
    let fits = "整".repeat(194);
    assert_eq!(
        prefixed_title("好差评整改：", &fits),
        format!("好差评整改：{fits}"),
        "kept whole when it fits"
    );
}
