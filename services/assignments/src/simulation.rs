//! A county's months of work through the real commands on a fast clock: townships ×
//! offices registered like any directory change, supervisors issuing assignments every
//! working day, offices acknowledging, reporting and completing at their own pace (some
//! late, so yellow and red cards and overdue reminders are earned, not written), and
//! supervisors verifying or returning the results; the deadline scheduler ticks every
//! simulated morning, and the townships work at once, one client each, every township
//! with its own choices so a seed still gives one history. Every step is a command with its event, so evaluation,
//! notifications and audit see the same history a real county would give them. The
//! bulk generator in [`crate::loadgen`] writes rows directly instead, for sizes commands
//! cannot reach in a benchmark's time.

use crate::entity::org_unit;
use crate::loadgen::{CountySpec, Lcg};
use crate::AssignmentsService;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use duban_api::{
    ApiError, IssueAssignmentInput, ReportProgressInput, TextTransitionInput, TransitionInput,
};
use duban_auth::{Actor, Role};
use duban_clock::{ManualClock, SharedClock};
use duban_schema::assignments::{AssignmentSource, OrgUnitSnapshot, PersonSnapshot, UnitKind};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Arc;
use std::time::Instant;

/// Longest simulation: ten years of days.
pub const MAX_DAYS: u32 = 3660;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// The county's townships and offices (ids and accounts follow the spec's prefix).
    pub spec: CountySpec,
    /// Days simulated, ending yesterday.
    pub days: u32,
    /// Assignments each township's supervisor issues per working day.
    pub issues_per_township_day: u32,
    /// Seed of the choices (offices' pace, time limits, who gets what): the same seed on
    /// the same calendar gives the same history.
    pub seed: u64,
}

/// What the simulated months produced, counted as the commands succeeded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimulationReport {
    /// Units registered (townships and offices).
    pub units: u64,
    /// People registered.
    pub people: u64,
    /// Working days simulated.
    pub working_days: u64,
    /// Assignments issued.
    pub issued: u64,
    /// Acknowledgements.
    pub acknowledged: u64,
    /// Progress reports.
    pub progress_reports: u64,
    /// Completions reported, counting those after a return.
    pub completed: u64,
    /// Completions reported after the time limit.
    pub completed_late: u64,
    /// Results the supervisor returned for more work.
    pub returned: u64,
    /// Assignments verified and closed.
    pub verified: u64,
    /// Assignments still open at the end.
    pub open: u64,
    /// Open assignments past their time limit and not reported done at the end: the
    /// red cards evaluation should show.
    pub open_overdue: u64,
    /// Reminders and overdue notices the deadline scheduler fired.
    pub reminders: u64,
    /// Every command, directory changes included.
    pub commands: u64,
}

/// Where a simulation's time went, apart from the history it made (which a seed fixes).
#[derive(Clone, Copy, Debug, Default)]
pub struct SimulationTimes {
    /// Registering the townships' directories, all townships at once.
    pub directory: std::time::Duration,
    /// The scheduler's morning ticks, one day after another.
    pub mornings: std::time::Duration,
    /// The working days' commands, the townships at once, meeting at each day's end.
    pub working_days: std::time::Duration,
    /// Of the townships' time in the working days, the share spent done for the day and
    /// waiting for the last township to finish it (0 when all finish together).
    pub waiting_share: f64,
}

/// How an office keeps time: its acknowledgement lag and when it finishes, in working
/// days and as a share of the time limit.
#[derive(Clone, Copy, Debug)]
enum Pace {
    Prompt,
    Steady,
    Lagging,
}

impl Pace {
    fn ack_lag(self, rng: &mut Lcg) -> u32 {
        match self {
            Pace::Prompt => 0,
            Pace::Steady => rng.below(2) as u32,
            Pace::Lagging => 1 + rng.below(3) as u32,
        }
    }

    /// Working days the office takes for a time limit of `limit`, in percent of it.
    fn finish_percent(self, rng: &mut Lcg) -> u64 {
        match self {
            Pace::Prompt => 50 + rng.below(40),
            Pace::Steady => 80 + rng.below(30),
            Pace::Lagging => 100 + rng.below(60),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Issued,
    Working,
    Completed,
    Closed,
}

struct Item {
    id: String,
    version: i64,
    office: usize,
    due: NaiveDate,
    start: NaiveDate,
    finish: NaiveDate,
    next: NaiveDate,
    stage: Stage,
}

const TOWNSHIPS: &[&str] = &[
    "东山", "西河", "南岭", "北坪", "龙泉", "桃源", "石门", "清溪", "白沙", "金竹", "柳塘", "梅岭",
    "杨桥", "凤凰", "双河", "高桥", "新田", "长岭", "大坪", "黄土",
];

const OFFICES: &[&str] = &[
    "党政办",
    "经济发展办",
    "社会事务办",
    "综治中心",
    "财政所",
    "自然资源所",
    "农业综合服务中心",
    "便民服务中心",
    "应急管理办",
    "卫生健康办",
    "退役军人服务站",
    "综合文化站",
];

/// Tasks of the kind the seeds list (作风建设、效能革命), issued in turn.
const TASKS: &[(&str, &str, AssignmentSource)] = &[
    (
        "清理规范村级组织工作事项和机制牌子",
        "对照清单逐项清理，报送清理前后对比照片。",
        AssignmentSource::KeyTask,
    ),
    (
        "整治群众办事多头跑、反复跑问题",
        "梳理高频事项办理流程，实行一窗受理、限时办结。",
        AssignmentSource::KeyTask,
    ),
    (
        "落实首问负责制和限时办结制",
        "明确首问责任人，建立登记台账，按时限答复。",
        AssignmentSource::MeetingDecision,
    ),
    (
        "办理12345热线转办群众诉求",
        "核实诉求情况，按时办结并回访群众。",
        AssignmentSource::PublicRequest,
    ),
    (
        "整改作风建设督查反馈问题",
        "对照督查反馈问题清单，逐条制定整改措施。",
        AssignmentSource::Problem,
    ),
    (
        "精简会议文件，减轻基层负担",
        "统计本季度会议和发文数量，提出精简措施。",
        AssignmentSource::LeaderInstruction,
    ),
    (
        "开展安全生产隐患排查整治",
        "对辖区重点场所开展排查，建立隐患整改台账。",
        AssignmentSource::LeaderInstruction,
    ),
    (
        "推进营商环境问题线索核查",
        "核查企业反映问题线索，反馈处理结果。",
        AssignmentSource::KeyTask,
    ),
];

const TIME_LIMITS: &[i32] = &[3, 5, 7, 10, 15, 20];

fn unit(id: String, parent: &str, kind: UnitKind, name: String, path: String) -> OrgUnitSnapshot {
    OrgUnitSnapshot {
        id,
        parent_id: Some(parent.to_string()),
        kind,
        name,
        division_code: None,
        path,
        version: 1,
    }
}

fn person(
    account: String,
    name: String,
    title: &str,
    unit: &OrgUnitSnapshot,
    role: Role,
) -> PersonSnapshot {
    PersonSnapshot {
        id: format!("p-{account}"),
        account,
        name,
        title: title.into(),
        unit_id: unit.id.clone(),
        unit_path: unit.path.clone(),
        roles: vec![role],
        supervising_leader_id: None,
        deactivated: false,
        version: 1,
    }
}

/// Runs `sim` on the county `real` serves (its first county unit), on a clock that starts
/// `sim.days` ago and ends yesterday; returns what happened. Fails before any change when
/// the spec is empty, the days are out of range or the spec's first township exists.
pub async fn run(
    real: &AssignmentsService,
    sim: &Simulation,
) -> Result<SimulationReport, ApiError> {
    Ok(run_timed(real, sim).await?.0)
}

/// [`run`], also saying where the time went.
pub async fn run_timed(
    real: &AssignmentsService,
    sim: &Simulation,
) -> Result<(SimulationReport, SimulationTimes), ApiError> {
    if sim.spec.townships == 0 {
        return Err(ApiError::validation("townships", "乡镇数须至少为1"));
    }
    if sim.spec.offices == 0 {
        return Err(ApiError::validation("offices", "每个乡镇的科室数须至少为1"));
    }
    if !(1..=MAX_DAYS).contains(&sim.days) {
        return Err(ApiError::validation(
            "days",
            format!("模拟天数须在1到{MAX_DAYS}天之间"),
        ));
    }
    let county = org_unit::Entity::find()
        .filter(org_unit::Column::Kind.eq(crate::rows::kind_str(UnitKind::County)))
        .order_by_asc(org_unit::Column::Id)
        .one(real.db())
        .await
        .map_err(crate::rows::internal)?
        .ok_or_else(|| ApiError::validation("county", "尚无县级单位，请先登记县"))?;
    if org_unit::Entity::find_by_id(sim.spec.township(0))
        .one(real.db())
        .await
        .map_err(crate::rows::internal)?
        .is_some()
    {
        return Err(ApiError::validation(
            "prefix",
            format!("前缀「{}」的模拟单位已存在，请换一个前缀", sim.spec.prefix),
        ));
    }
    let today = real.clock().today();
    let first = today - Duration::days(i64::from(sim.days));
    let at = |d: NaiveDate, hour: u32| {
        Utc.from_utc_datetime(&d.and_hms_opt(hour, 0, 0).unwrap_or_default()) - Duration::hours(8)
    };
    let clock = ManualClock::new(at(first, 8));
    let shared: SharedClock = Arc::new(clock.clone());
    let svc = real.with_clock(shared);
    let cal = svc.calendar_now();
    let mut rng = Lcg(sim.seed);
    let mut report = SimulationReport::default();
    let mut times = SimulationTimes::default();

    // Each office's pace, drawn township by township in the order the seed fixes; then
    // the townships register their directory at once, as their offices would.
    let paces: Vec<Vec<Pace>> = (0..sim.spec.townships)
        .map(|_| {
            (0..sim.spec.offices)
                .map(|_| match rng.below(20) {
                    0..=9 => Pace::Prompt,
                    10..=16 => Pace::Steady,
                    _ => Pace::Lagging,
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let registering = paces
        .into_iter()
        .enumerate()
        .map(|(t, paces)| Township::register(&svc, sim, &county, t, paces));
    let mut townships = futures::future::try_join_all(registering).await?;
    times.directory = started.elapsed();
    report.units = (sim.spec.townships * (1 + sim.spec.offices)) as u64;
    report.people = (sim.spec.townships * (1 + 2 * sim.spec.offices)) as u64;
    report.commands += report.units + report.people;

    let mut busy = std::time::Duration::ZERO;
    let day_of = Arc::new((sim.clone(), cal.clone()));
    let mut day = first;
    while day < today {
        // The scheduler's morning tick, every day, as the service runs it.
        clock.set(at(day, 8));
        let started = Instant::now();
        report.reminders += u64::from(svc.deadline_tick().await?);
        times.mornings += started.elapsed();
        if !cal.is_workday(day) {
            day = day.succ_opt().unwrap_or(today);
            continue;
        }
        report.working_days += 1;
        clock.set(at(day, 9));
        // The townships work at once, as a county's do: one client each, each its own
        // task, so that their commands run on every core as separate requests would.
        let started = Instant::now();
        let work: Vec<_> = townships
            .drain(..)
            .map(|mut tw| {
                let (svc, day_of, clock) = (svc.clone(), day_of.clone(), clock.clone());
                tokio::spawn(async move {
                    let (sim, cal) = &*day_of;
                    let done = tw.work_day(&svc, sim, day, cal, &clock).await;
                    (tw, done, started.elapsed())
                })
            })
            .collect();
        for joined in futures::future::join_all(work).await {
            let (tw, done, took) = joined.map_err(crate::rows::internal)?;
            done?;
            busy += took;
            townships.push(tw);
        }
        times.working_days += started.elapsed();
        day = day.succ_opt().unwrap_or(today);
    }
    let offered = times.working_days.as_secs_f64() * townships.len() as f64;
    if offered > 0.0 {
        times.waiting_share = 1.0 - busy.as_secs_f64() / offered;
    }
    for tw in &townships {
        let r = &tw.report;
        report.issued += r.issued;
        report.acknowledged += r.acknowledged;
        report.progress_reports += r.progress_reports;
        report.completed += r.completed;
        report.completed_late += r.completed_late;
        report.returned += r.returned;
        report.verified += r.verified;
        for item in &tw.items {
            if item.stage != Stage::Closed {
                report.open += 1;
                if item.due < today && item.stage != Stage::Completed {
                    report.open_overdue += 1;
                }
            }
        }
    }
    report.commands += report.issued
        + report.acknowledged
        + report.progress_reports
        + report.completed
        + report.returned
        + report.verified;
    Ok((report, times))
}

/// One township's part: its supervisor, its offices' clerks and paces, its own choices
/// and its items.
struct Township {
    t: usize,
    sup: Actor,
    clerks: Vec<Actor>,
    paces: Vec<Pace>,
    rng: Lcg,
    items: Vec<Item>,
    report: SimulationReport,
}

impl Township {
    /// Registers township `t` of `county`: its unit and supervisor, then each office with
    /// its leader and clerk, one after another.
    async fn register(
        svc: &AssignmentsService,
        sim: &Simulation,
        county: &org_unit::Model,
        t: usize,
        paces: Vec<Pace>,
    ) -> Result<Township, ApiError> {
        let name = match TOWNSHIPS.get(t) {
            Some(n) => format!("{n}镇"),
            None => format!("第{}镇", t + 1),
        };
        let tid = sim.spec.township(t);
        let township = unit(
            tid.clone(),
            &county.id,
            UnitKind::Township,
            name.clone(),
            format!("{}/{tid}", county.path),
        );
        svc.register_unit(township.clone()).await?;
        let sup = person(
            sim.spec.supervisor(t),
            format!("{name}效能办"),
            "效能办主任",
            &township,
            Role::Supervisor,
        );
        svc.register_person(sup.clone()).await?;
        let sup = svc.actor_for(&sup).await?;
        let mut clerks = Vec::new();
        for o in 0..sim.spec.offices {
            let oid = sim.spec.office(t, o);
            let oname = match OFFICES.get(o) {
                Some(n) => format!("{name}{n}"),
                None => format!("{name}第{}办", o + 1),
            };
            let office = unit(
                oid.clone(),
                &tid,
                UnitKind::Office,
                oname.clone(),
                format!("{}/{oid}", township.path),
            );
            svc.register_unit(office.clone()).await?;
            let leader = person(
                format!("{oid}-leader"),
                format!("{oname}负责人"),
                "主任",
                &office,
                Role::UnitLeader,
            );
            svc.register_person(leader).await?;
            let clerk = person(
                format!("{oid}-clerk"),
                format!("{oname}经办人"),
                "经办人",
                &office,
                Role::Clerk,
            );
            svc.register_person(clerk.clone()).await?;
            clerks.push(svc.actor_for(&clerk).await?);
        }
        Ok(Township {
            t,
            sup,
            clerks,
            paces,
            // Each township its own choices: they work at once, and a seed is one history.
            rng: Lcg(sim.seed ^ (t as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            items: Vec::new(),
            report: SimulationReport::default(),
        })
    }

    /// A working day: the supervisor issues the day's assignments, then everyone takes
    /// the next step of each item whose turn has come. Each command moves the clock a second.
    async fn work_day(
        &mut self,
        svc: &AssignmentsService,
        sim: &Simulation,
        day: NaiveDate,
        cal: &duban_clock::workdays::Calendar,
        clock: &ManualClock,
    ) -> Result<(), ApiError> {
        let tick = || clock.advance(Duration::seconds(1));
        for _ in 0..sim.issues_per_township_day {
            let o = self.rng.below(sim.spec.offices as u64) as usize;
            let (title, description, source) =
                TASKS[(self.report.issued as usize * sim.spec.townships + self.t) % TASKS.len()];
            let limit = TIME_LIMITS[self.rng.below(TIME_LIMITS.len() as u64) as usize];
            tick();
            let v = svc
                .issue_assignment(
                    &self.sup,
                    IssueAssignmentInput::new(
                        title,
                        description,
                        source,
                        sim.spec.office(self.t, o),
                        limit,
                    ),
                )
                .await?;
            let pace = self.paces[o];
            let span = (limit as u64 * pace.finish_percent(&mut self.rng)).div_ceil(100) as u32;
            self.items.push(Item {
                id: v.assignment.id,
                version: v.assignment.version,
                office: o,
                due: v.assignment.due_on,
                start: day,
                finish: cal.add_working_days(day, span.max(1)),
                next: cal.add_working_days(day, pace.ack_lag(&mut self.rng)),
                stage: Stage::Issued,
            });
            self.report.issued += 1;
        }
        for item in self
            .items
            .iter_mut()
            .filter(|i| i.stage != Stage::Closed && i.next <= day)
        {
            let clerk = &self.clerks[item.office];
            tick();
            item.version = act(
                svc,
                item,
                day,
                clerk,
                &self.sup,
                cal,
                &mut self.rng,
                &mut self.report,
            )
            .await?;
        }
        Ok(())
    }
}

/// The next step of `item` on `day`, by whoever's turn it is; returns the new version.
#[allow(clippy::too_many_arguments)]
async fn act(
    svc: &AssignmentsService,
    item: &mut Item,
    day: NaiveDate,
    clerk: &Actor,
    supervisor: &Actor,
    cal: &duban_clock::workdays::Calendar,
    rng: &mut Lcg,
    report: &mut SimulationReport,
) -> Result<i64, ApiError> {
    let turn = TransitionInput {
        id: item.id.clone(),
        expected_version: item.version,
    };
    let view = match item.stage {
        Stage::Issued => {
            item.stage = Stage::Working;
            item.next = cal
                .add_working_days(day, 2 + rng.below(3) as u32)
                .min(item.finish);
            report.acknowledged += 1;
            svc.acknowledge_assignment(clerk, turn).await?
        }
        Stage::Working if day >= item.finish => {
            item.stage = Stage::Completed;
            item.next = cal.add_working_days(day, 1);
            report.completed += 1;
            if day > item.due {
                report.completed_late += 1;
            }
            svc.complete_assignment(
                clerk,
                TextTransitionInput {
                    id: turn.id,
                    expected_version: turn.expected_version,
                    text: "已按要求办理到位，佐证材料已上传。".into(),
                },
            )
            .await?
        }
        Stage::Working => {
            let planned = cal.working_days_between(item.start, item.finish).max(1);
            let done = cal.working_days_between(item.start, day).clamp(0, planned);
            item.next = cal
                .add_working_days(day, 2 + rng.below(3) as u32)
                .min(item.finish);
            report.progress_reports += 1;
            svc.report_progress(
                clerk,
                ReportProgressInput {
                    id: turn.id,
                    expected_version: turn.expected_version,
                    percent: (done * 90 / planned) as i32,
                    text: "正在按计划推进，已完成阶段性工作。".into(),
                    evidence: vec![],
                },
            )
            .await?
        }
        Stage::Completed if rng.below(10) == 0 => {
            item.stage = Stage::Working;
            item.finish = cal.add_working_days(day, 1 + rng.below(2) as u32);
            item.next = item.finish;
            report.returned += 1;
            svc.return_assignment(
                supervisor,
                TextTransitionInput {
                    id: turn.id,
                    expected_version: turn.expected_version,
                    text: "佐证材料不全，请补充群众回访记录后重新报送。".into(),
                },
            )
            .await?
        }
        Stage::Completed => {
            item.stage = Stage::Closed;
            report.verified += 1;
            svc.verify_assignment(supervisor, turn).await?
        }
        Stage::Closed => return Ok(item.version),
    };
    Ok(view.assignment.version)
}
