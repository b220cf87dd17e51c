//! A county's worth of work for benchmarks and demos: townships × offices, a leader in
//! each office, and assignments issued over simulated months, each in the state its age
//! gives it (older ones closed, recent ones open), with their deadline reminders pending.
//! Rows are written in large multi-row statements, not through the commands (a million
//! items through the commands would take an hour); the shapes are those the commands write.

use chrono::{Days, NaiveDate};
use duban_api::ApiError;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

/// How big a county to make.
#[derive(Clone, Debug)]
pub struct CountySpec {
    /// Id prefix, so several generations can live side by side.
    pub prefix: String,
    /// Townships.
    pub townships: usize,
    /// Offices per township.
    pub offices: usize,
}

impl CountySpec {
    /// Units the spec makes: the townships and their offices.
    pub fn units(&self) -> usize {
        self.townships * (self.offices + 1)
    }

    /// Id of township `t` (from 0).
    pub fn township(&self, t: usize) -> String {
        format!("{}-t{:02}", self.prefix, t + 1)
    }

    /// Id of office `o` of township `t`.
    pub fn office(&self, t: usize, o: usize) -> String {
        format!("{}-t{:02}-o{:02}", self.prefix, t + 1, o + 1)
    }

    /// Account of the supervisor of township `t` (效能办).
    pub fn supervisor(&self, t: usize) -> String {
        format!("{}-sup", self.township(t))
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Adds the spec's units under `county_path` (the county's own path, e.g. `/qs`), a leader
/// and a clerk in each office and a supervisor in each township.
pub async fn directory(
    db: &DatabaseConnection,
    county_id: &str,
    county_path: &str,
    spec: &CountySpec,
) -> Result<(), ApiError> {
    let txn = db.begin().await.map_err(internal)?;
    let mut units = Vec::new();
    let mut people = Vec::new();
    for t in 0..spec.townships {
        let tid = spec.township(t);
        let tpath = format!("{county_path}/{tid}");
        units.push(format!(
            "('{tid}', '{county_id}', 'TOWNSHIP', '压测{}镇', NULL, '{tpath}')",
            t + 1
        ));
        people.push(format!(
            "('p-{acc}', '{acc}', '督查{n}', '效能办主任', '{tid}', '{tpath}', 'SUPERVISOR', NULL, false)",
            acc = spec.supervisor(t),
            n = t + 1
        ));
        for o in 0..spec.offices {
            let oid = spec.office(t, o);
            units.push(format!(
                "('{oid}', '{tid}', 'OFFICE', '压测{}镇第{}办', NULL, '{tpath}/{oid}')",
                t + 1,
                o + 1
            ));
            people.push(format!(
                "('p-{oid}-leader', '{oid}-leader', '负责人{oid}', '主任', '{oid}', '{tpath}/{oid}', 'UNIT_LEADER', NULL, false)"
            ));
        }
    }
    for chunk in units.chunks(500) {
        txn.execute_unprepared(&format!(
            "INSERT INTO org_unit (id, parent_id, kind, name, division_code, path) VALUES {}",
            chunk.join(",")
        ))
        .await
        .map_err(internal)?;
    }
    for chunk in people.chunks(500) {
        txn.execute_unprepared(&format!(
            "INSERT INTO person (id, account, name, title, unit_id, unit_path, roles, supervising_leader_id, deactivated) VALUES {}",
            chunk.join(",")
        ))
        .await
        .map_err(internal)?;
    }
    txn.commit().await.map_err(internal)
}

/// A small deterministic generator (Knuth's MMIX constants), so two runs make the same
/// county; the simulation draws its choices from it too.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A draw in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Adds `count` assignments (numbered from `first`) spread evenly over the spec's offices,
/// issued over the `months` before `today`: those whose time limit has passed are closed,
/// the rest open (issued, acknowledged or in progress) and due within the next
/// `months` months, each with its DueSoon and Overdue reminders pending. Returns the open ones.
pub async fn assignments(
    db: &DatabaseConnection,
    spec: &CountySpec,
    county_path: &str,
    first: usize,
    count: usize,
    today: NaiveDate,
    months: u32,
) -> Result<usize, ApiError> {
    let mut rng = Lcg(first as u64 + 7);
    let offices = spec.townships * spec.offices;
    let span = u64::from(months) * 30;
    let mut open = 0;
    let mut batch = Vec::with_capacity(1000);
    let mut schedule = Vec::with_capacity(2000);
    for i in first..first + count {
        let k = i % offices;
        let (t, o) = (k / spec.offices, k % spec.offices);
        let oid = spec.office(t, o);
        let path = format!("{county_path}/{}/{oid}", spec.township(t));
        let age = rng.next() % span;
        let issued = today - Days::new(age);
        let limit = 5 + rng.next() % 40;
        let due = issued + Days::new(limit * 7 / 5);
        let (state, percent, due) = if due < today {
            ("CLOSED", 100, due)
        } else {
            open += 1;
            match rng.next() % 3 {
                0 => ("ISSUED", 0, due),
                1 => ("ACKNOWLEDGED", 0, due),
                _ => ("IN_PROGRESS", (rng.next() % 90) as i32, due),
            }
        };
        let id = format!("{}-a{:08}", spec.prefix, i);
        batch.push(format!(
            "('{id}', '第{i}项压测事项：清理规范村级组织工作事项', '对照清单逐项落实', 'KEY_TASK', 'p-bench', '{county}', '{oid}', '{path}', '压测办', 'p-{oid}-leader', '{state}', {limit}, '{issued}T09:00:00+08:00', '{due}', {percent}, 1)",
            county = spec.prefix,
        ));
        if state != "CLOSED" {
            let soon = due - Days::new(2);
            let after = due + Days::new(1);
            schedule.push(format!(
                "('{id}', 'DUE_SOON', '{due}', '{}')",
                soon.max(today + Days::new(1))
            ));
            schedule.push(format!("('{id}', 'OVERDUE', '{due}', '{after}')"));
        }
        if batch.len() == 1000 {
            flush(db, &mut batch, &mut schedule).await?;
        }
    }
    flush(db, &mut batch, &mut schedule).await?;
    Ok(open)
}

async fn flush(
    db: &DatabaseConnection,
    batch: &mut Vec<String>,
    schedule: &mut Vec<String>,
) -> Result<(), ApiError> {
    if batch.is_empty() {
        return Ok(());
    }
    let txn = db.begin().await.map_err(internal)?;
    txn.execute_unprepared(&format!(
        "INSERT INTO assignment (id, title, description, source, issuer_id, issuer_unit_id, lead_unit_id, lead_unit_path, lead_unit_name, responsible_person_id, state, time_limit_days, issued_at, due_on, progress_percent, version) VALUES {}",
        batch.join(",")
    ))
    .await
    .map_err(internal)?;
    if !schedule.is_empty() {
        txn.execute_unprepared(&format!(
            "INSERT INTO deadline_schedule (assignment_id, kind, due_on, fire_on) VALUES {}",
            schedule.join(",")
        ))
        .await
        .map_err(internal)?;
    }
    txn.commit().await.map_err(internal)?;
    batch.clear();
    schedule.clear();
    Ok(())
}
