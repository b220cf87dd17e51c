//! Demo data drawn from the seeds: 青山县 with three townships and two departments,
//! people in every role, the campaign 「改进作风、狠抓落实」, and assignments in every
//! state, issued weeks ago on a demo clock so that time limits and colors are real.

use crate::AssignmentsService;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use duban_api::{
    ApiError, AssignmentCommand, IssueAssignmentInput, ReportProgressInput, TextTransitionInput,
    TransitionInput,
};
use duban_auth::Role;
use duban_clock::ManualClock;
use duban_schema::assignments::{
    AssignmentSource, CampaignSnapshot, OrgUnitSnapshot, PersonSnapshot, PhaseSnapshot,
    ReportDeadlineSnapshot, SupervisionLevel, UnitKind,
};
use std::sync::Arc;

/// The six problem categories of the seeds (004).
pub use crate::domain::campaign::DEFAULT_CATEGORIES as PROBLEM_CATEGORIES;

const COUNTY: &str = "qs";

struct Unit {
    id: &'static str,
    parent: Option<&'static str>,
    kind: UnitKind,
    name: &'static str,
    code: Option<&'static str>,
}

const UNITS: &[Unit] = &[
    Unit {
        id: COUNTY,
        parent: None,
        kind: UnitKind::County,
        name: "青山县",
        code: Some("360123"),
    },
    Unit {
        id: "qs-dcs",
        parent: Some(COUNTY),
        kind: UnitKind::Office,
        name: "县委督查室",
        code: None,
    },
    Unit {
        id: "qs-jw",
        parent: Some(COUNTY),
        kind: UnitKind::Department,
        name: "县纪委监委",
        code: None,
    },
    Unit {
        id: "qs-jw-bgs",
        parent: Some("qs-jw"),
        kind: UnitKind::Office,
        name: "县纪委监委办公室",
        code: None,
    },
    Unit {
        id: "qs-fgj",
        parent: Some(COUNTY),
        kind: UnitKind::Department,
        name: "县发展和改革局",
        code: None,
    },
    Unit {
        id: "qs-fgj-bgs",
        parent: Some("qs-fgj"),
        kind: UnitKind::Office,
        name: "县发展和改革局办公室",
        code: None,
    },
    Unit {
        id: "qs-zwfw",
        parent: Some(COUNTY),
        kind: UnitKind::Department,
        name: "县政务服务中心",
        code: None,
    },
    Unit {
        id: "qs-zwfw-bgs",
        parent: Some("qs-zwfw"),
        kind: UnitKind::Office,
        name: "县政务服务中心办公室",
        code: None,
    },
    Unit {
        id: "qingshi",
        parent: Some(COUNTY),
        kind: UnitKind::Township,
        name: "青石镇",
        code: Some("360123100"),
    },
    Unit {
        id: "qingshi-dzb",
        parent: Some("qingshi"),
        kind: UnitKind::Office,
        name: "青石镇党政办公室",
        code: None,
    },
    Unit {
        id: "baisha",
        parent: Some(COUNTY),
        kind: UnitKind::Township,
        name: "白沙乡",
        code: Some("360123200"),
    },
    Unit {
        id: "baisha-dzb",
        parent: Some("baisha"),
        kind: UnitKind::Office,
        name: "白沙乡党政办公室",
        code: None,
    },
    Unit {
        id: "liuhe",
        parent: Some(COUNTY),
        kind: UnitKind::Township,
        name: "柳河镇",
        code: Some("360123101"),
    },
    Unit {
        id: "liuhe-dzb",
        parent: Some("liuhe"),
        kind: UnitKind::Office,
        name: "柳河镇党政办公室",
        code: None,
    },
];

const PEOPLE: &[(&str, &str, &str, &str, &[Role])] = &[
    // account, name, title, unit, roles
    (
        "county-supervisor",
        "王建国",
        "县委督查室主任",
        "qs-dcs",
        &[Role::Supervisor],
    ),
    (
        "county-admin",
        "刘芳",
        "系统管理员",
        "qs-dcs",
        &[Role::Admin],
    ),
    (
        "county-discipline",
        "赵正清",
        "县纪委监委党风政风监督室主任",
        "qs-jw-bgs",
        &[Role::Discipline],
    ),
    (
        "fgj-leader",
        "孙立群",
        "县发展和改革局办公室主任",
        "qs-fgj-bgs",
        &[Role::UnitLeader],
    ),
    (
        "fgj-clerk",
        "周敏",
        "县发展和改革局办公室科员",
        "qs-fgj-bgs",
        &[Role::Clerk],
    ),
    (
        "zwfw-leader",
        "吴海燕",
        "县政务服务中心办公室主任",
        "qs-zwfw-bgs",
        &[Role::UnitLeader],
    ),
    (
        "zwfw-clerk",
        "郑晓东",
        "县政务服务中心办公室科员",
        "qs-zwfw-bgs",
        &[Role::Clerk],
    ),
    (
        "qingshi-supervisor",
        "陈志远",
        "青石镇党委副书记（效能办）",
        "qingshi-dzb",
        &[Role::Supervisor],
    ),
    (
        "qingshi-leader",
        "李明",
        "青石镇党政办公室主任",
        "qingshi-dzb",
        &[Role::UnitLeader],
    ),
    (
        "qingshi-clerk",
        "张伟",
        "青石镇党政办公室干事",
        "qingshi-dzb",
        &[Role::Clerk],
    ),
    (
        "baisha-supervisor",
        "黄少华",
        "白沙乡纪委书记",
        "baisha-dzb",
        &[Role::Supervisor],
    ),
    (
        "baisha-leader",
        "林静",
        "白沙乡党政办公室主任",
        "baisha-dzb",
        &[Role::UnitLeader],
    ),
    (
        "baisha-clerk",
        "何磊",
        "白沙乡党政办公室干事",
        "baisha-dzb",
        &[Role::Clerk],
    ),
    (
        "liuhe-supervisor",
        "马骏",
        "柳河镇党委副书记",
        "liuhe-dzb",
        &[Role::Supervisor],
    ),
    (
        "liuhe-leader",
        "罗红梅",
        "柳河镇党政办公室主任",
        "liuhe-dzb",
        &[Role::UnitLeader],
    ),
    (
        "liuhe-clerk",
        "高翔",
        "柳河镇党政办公室干事",
        "liuhe-dzb",
        &[Role::Clerk],
    ),
];

/// How far an item of the demo gets.
#[derive(Clone, Copy)]
enum Reach {
    Issued,
    Acknowledged,
    InProgress(i32),
    Completed,
    Closed,
    Returned,
}

/// One step of a demo item's history.
#[derive(Clone, Copy)]
enum Step {
    Issue,
    Acknowledge,
    /// Suspended, or raised to 挂牌督办, while lagging.
    Lag,
    Progress(i32),
    Complete,
    Verify,
    Return,
}

/// The steps an item takes to reach `reach`, each with its day counted from the issue.
fn plan(reach: &Reach) -> Vec<(i64, Step)> {
    let mut steps = vec![(0, Step::Issue)];
    if matches!(reach, Reach::Issued) {
        return steps;
    }
    steps.push((1, Step::Acknowledge));
    if matches!(reach, Reach::Acknowledged) {
        steps.push((2, Step::Lag));
        return steps;
    }
    let percent = match reach {
        Reach::InProgress(p) => *p,
        _ => 50,
    };
    steps.push((3, Step::Progress(percent)));
    if matches!(reach, Reach::InProgress(_)) {
        return steps;
    }
    steps.push((6, Step::Complete));
    match reach {
        Reach::Closed => steps.push((7, Step::Verify)),
        Reach::Returned => steps.push((7, Step::Return)),
        _ => {}
    }
    steps
}

const ASSIGNMENTS: &[(&str, &str, &str, i32, i64, Reach)] = &[
    // title, description, lead unit, time limit (working days), issued days ago, how far
    ("建立每周一总结、一计划、一通报、一点评工作推进机制", "按整改方案建立周工作推进机制，每周一报送上周总结和本周计划，以评促推工作落实。", "qingshi-dzb", 10, 12, Reach::InProgress(60)),
    ("开展“传帮带”活动，乡科级干部联系办公室干部", "由乡科级干部联系一名办公室干部，按照“缺什么、教什么”的原则开展传帮带，信息文稿由成长导师审核定稿。", "baisha-dzb", 15, 6, Reach::Acknowledged),
    ("制定干部学习计划并开展一堂集中学习培训课", "结合知识结构和岗位制定个人学习计划，采取“自我学习＋理论培训”方式提升“三服务”能力。", "liuhe-dzb", 10, 1, Reach::Issued),
    ("推行“无会周＋套开合并”制度，精简文件会议", "对同类会议整合为集成式会议，会前发放议题说明书，会后建立落实进度表。", "qs-fgj-bgs", 20, 30, Reach::Completed),
    ("为每名干部建立作风表现台账", "记录干部在落实八项规定、服务群众、担当作为等方面的具体表现，作为评先评优依据。", "qs-zwfw-bgs", 15, 35, Reach::Closed),
    ("整治政务服务“门好进、脸好看、事难办”问题", "开展换位体验，以普通群众身份到政务大厅办事，查找流程不畅、态度不佳问题并整改。", "qs-zwfw-bgs", 10, 20, Reach::Returned),
    ("落实首问负责制和限时办结制，杜绝推诿扯皮", "对基层请示事项实行首问负责，能办的马上办，难办的协调办，限时办结。", "qingshi-dzb", 5, 15, Reach::Acknowledged),
    ("清理规范各类工作群和填表报数，破除过度留痕", "全面清理工作群和重复填报表格，建立报表准入制度。", "baisha-dzb", 5, 9, Reach::InProgress(20)),
];

/// Loads the demo into an empty directory; does nothing when units exist.
/// `real` is the service on the real clock; a second instance on a demo clock
/// backdates the history.
pub async fn load(real: &AssignmentsService) -> Result<bool, ApiError> {
    if !real.is_empty().await? {
        return Ok(false);
    }
    let today = real.clock_today();
    let start = Utc.from_utc_datetime(
        &(today - Duration::days(40))
            .and_hms_opt(1, 30, 0)
            .unwrap_or_default(),
    );
    let demo_clock = ManualClock::new(start);
    let svc = real.with_clock(Arc::new(demo_clock.clone()));

    let mut paths = std::collections::HashMap::new();
    for u in UNITS {
        let path = match u.parent {
            Some(p) => format!("{}/{}", paths.get(p).cloned().unwrap_or_default(), u.id),
            None => format!("/{}", u.id),
        };
        paths.insert(u.id, path.clone());
        svc.register_unit(OrgUnitSnapshot {
            id: u.id.into(),
            parent_id: u.parent.map(Into::into),
            kind: u.kind,
            name: u.name.into(),
            division_code: u.code.map(Into::into),
            path,
            version: 1,
        })
        .await?;
    }
    for (account, name, title, unit, roles) in PEOPLE {
        svc.register_person(PersonSnapshot {
            id: format!("p-{account}"),
            account: (*account).into(),
            name: (*name).into(),
            title: (*title).into(),
            unit_id: (*unit).into(),
            unit_path: paths.get(unit).cloned().unwrap_or_default(),
            roles: roles.to_vec(),
            supervising_leader_id: None,
            deactivated: false,
            version: 1,
        })
        .await?;
    }
    let year = today.year();
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(year, m, day).unwrap_or(today);
    svc.launch_campaign(CampaignSnapshot {
        id: format!("gzzf-{year}"),
        name: "改进作风、狠抓落实".into(),
        document_number: format!("青办发〔{year}〕5号"),
        scope_unit_id: COUNTY.into(),
        phases: vec![
            PhaseSnapshot {
                ordinal: 1,
                name: "自查自纠".into(),
                starts_on: d(2, 24),
                ends_on: d(3, 10),
            },
            PhaseSnapshot {
                ordinal: 2,
                name: "整改落实".into(),
                starts_on: d(3, 10),
                ends_on: d(6, 10),
            },
            PhaseSnapshot {
                ordinal: 3,
                name: "巩固提升".into(),
                starts_on: d(6, 10),
                ends_on: d(12, 10),
            },
        ],
        categories: PROBLEM_CATEGORIES.iter().map(|c| c.to_string()).collect(),
        report_deadlines: vec![
            ReportDeadlineSnapshot {
                name: "自查自纠情况报告".into(),
                due_on: d(3, 10),
            },
            ReportDeadlineSnapshot {
                name: "整改落实情况报告".into(),
                due_on: d(6, 10),
            },
            ReportDeadlineSnapshot {
                name: "专项整治工作总结".into(),
                due_on: d(12, 10),
            },
        ],
    })
    .await?;

    let actor = |account: &str| {
        let svc = svc.clone();
        let account = account.to_string();
        async move {
            let p = svc.find_person(&account).await?;
            svc.actor_for(&p).await
        }
    };
    let supervisor = actor("county-supervisor").await?;
    // Every item's steps, taken in the order they happened, so that the history reads
    // as a county's days did (evaluation closes each day as it passes).
    let mut steps: Vec<(i64, usize, usize, Step)> = Vec::new();
    for (n, a) in ASSIGNMENTS.iter().enumerate() {
        for (k, (after, step)) in plan(&a.5).into_iter().enumerate() {
            steps.push((40 - a.4 + after, n, k, step));
        }
    }
    steps.sort_by_key(|s| (s.0, s.1, s.2));
    let mut held: std::collections::HashMap<usize, (String, i64)> = Default::default();
    for (day, n, _, step) in steps {
        let (title, description, unit, limit, _, _) = ASSIGNMENTS[n];
        demo_clock.set(start + Duration::days(day));
        let prefix = unit.split('-').next().unwrap_or(unit);
        let clerk_account = match prefix {
            "qs" => format!("{}-clerk", unit.split('-').nth(1).unwrap_or("")),
            other => format!("{other}-clerk"),
        };
        let clerk = actor(&clerk_account).await?;
        let (id, version) = held.get(&n).cloned().unwrap_or_default();
        let move_on = |id: &str| TransitionInput {
            id: id.to_string(),
            expected_version: version,
        };
        let with_text = |text: &str| TextTransitionInput {
            id: id.clone(),
            expected_version: version,
            text: text.into(),
        };
        let after = match step {
            Step::Issue => {
                let mut input = IssueAssignmentInput::new(
                    title,
                    description,
                    AssignmentSource::KeyTask,
                    unit,
                    limit,
                );
                input.brief.source_text =
                    Some("请各承办单位对照整改清单逐项落实，按时限办结并报送佐证材料。".into());
                input.brief.campaign_id = Some(format!("gzzf-{year}"));
                svc.issue_assignment(&supervisor, input).await?
            }
            Step::Acknowledge => svc.acknowledge_assignment(&clerk, move_on(&id)).await?,
            // Two acknowledged items show what supervisors do with lagging work.
            Step::Lag => {
                let command = if title.contains("首问负责") {
                    AssignmentCommand::RaiseSupervision {
                        level: SupervisionLevel::Listed,
                    }
                } else {
                    AssignmentCommand::Suspend {
                        reason: "等待县委组织部统一安排导师名单".into(),
                    }
                };
                svc.command(&supervisor, &id, version, command).await?
            }
            Step::Progress(percent) => {
                svc.report_progress(
                    &clerk,
                    ReportProgressInput {
                        id: id.clone(),
                        expected_version: version,
                        percent,
                        text: "已召开专题会议部署，明确责任人和完成时限，正在逐项推进。".into(),
                        evidence: vec!["专题会议纪要".into()],
                    },
                )
                .await?
            }
            Step::Complete => {
                let text = "已按要求整改到位，相关制度已印发执行，佐证材料已上传。";
                svc.complete_assignment(&clerk, with_text(text)).await?
            }
            Step::Verify => svc.verify_assignment(&supervisor, move_on(&id)).await?,
            Step::Return => {
                let text = "整改佐证材料不全，缺少群众回访记录，请补充后重新报送。";
                svc.return_assignment(&supervisor, with_text(text)).await?
            }
        };
        held.insert(n, (after.assignment.id.clone(), after.assignment.version));
    }
    Ok(true)
}

/// Accounts of the demo, for documentation and tests.
pub fn accounts() -> impl Iterator<Item = &'static str> {
    PEOPLE.iter().map(|p| p.0)
}

impl AssignmentsService {
    fn clock_today(&self) -> NaiveDate {
        self.clock().today()
    }
}
