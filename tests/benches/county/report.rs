//! The results table and the machine it was measured on.

use std::fmt::Write as _;

pub(crate) fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The report: rows of (section, measure, result, ratio, target).
#[derive(Default)]
pub(crate) struct Report {
    rows: Vec<[String; 5]>,
}

impl Report {
    pub(crate) fn add(
        &mut self,
        section: &str,
        measure: &str,
        result: String,
        ratio: String,
        target: &str,
    ) {
        println!("{section:<10} {measure:<60} {result:>22} {ratio:>10} {target}");
        self.rows
            .push([section.into(), measure.into(), result, ratio, target.into()]);
    }

    pub(crate) fn markdown(&self) -> String {
        let mut s =
            String::from("| | measure | result | ratio | target |\n|---|---|---|---|---|\n");
        // Grouped by section in the order sections first appear.
        let mut sections: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !sections.contains(&r[0].as_str()) {
                sections.push(&r[0]);
            }
        }
        let ordered = sections
            .iter()
            .flat_map(|sec| self.rows.iter().filter(move |r| r[0] == *sec));
        for r in ordered {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
        s
    }
}

pub(crate) fn f1(x: f64) -> String {
    format!("{x:.1}")
}

pub(crate) fn f2(x: f64) -> String {
    format!("{x:.2}")
}

pub(crate) fn vm_hwm(pid: &str) -> Option<u64> {
    memory_kib(pid, "VmHWM:")
}

/// The `field` line of process `pid`'s status (`self` for this one), in KiB.
pub(crate) fn memory_kib(pid: &str, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub(crate) fn peak_rss_of(pattern: &str) -> Option<u64> {
    let out = std::process::Command::new("pgrep")
        .arg("-f")
        .arg(pattern)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(vm_hwm)
        .max()
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_string();
    let cores = cpu.lines().filter(|l| l.starts_with("processor")).count();
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total: u64 = mem
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    format!(
        "{model}, {cores} cores, {:.1} GiB RAM; one run, release build",
        total as f64 / 1048576.0
    )
}

/// `r` as a share of the `versus` baseline `base` and, when measured, of the floor.
pub(crate) fn shares(r: f64, base: f64, versus: &str, floor: Option<&f64>) -> String {
    let mut s = format!("{} of {versus}", f2(r / base));
    if let Some(f) = floor {
        let _ = write!(s, ", {} of the floor", f2(r / f));
    }
    s
}
