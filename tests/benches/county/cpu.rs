//! CPU spent by this process, PostgreSQL and the broker, read from /proc.

/// CPU seconds so far of each process matching `pattern` (`self`: this process), by pid.
fn cpu_secs(pattern: &str) -> std::collections::HashMap<String, f64> {
    let pids: Vec<String> = if pattern == "self" {
        vec!["self".into()]
    } else {
        std::process::Command::new("pgrep")
            .arg("-f")
            .arg(pattern)
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    pids.into_iter()
        .filter_map(|p| {
            let s = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let cpu = (f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0;
            Some((p, cpu))
        })
        .collect()
}

/// CPU of this process, PostgreSQL's and the broker's, by pid.
pub type Cpu = [std::collections::HashMap<String, f64>; 3];

/// CPU milliseconds per operation in this process, PostgreSQL and the broker over a run.
#[derive(Clone, Copy, Default)]
pub struct Split([f64; 3]);

impl Split {
    /// All three processes together.
    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [duban, pg, kafka] = self.0;
        write!(
            f,
            "duban+client {duban:.1}, PostgreSQL {pg:.1}, Kafka {kafka:.1} ms CPU per mutation ({:.2} ms in all)",
            self.total()
        )
    }
}

/// What each process still running spent since `before`, per operation (a process that
/// exited meanwhile, such as a closed connection's backend, is not counted, rather than
/// counted negative).
pub fn cpu_split(before: Cpu, ops: f64) -> Split {
    let after = cpu_now();
    let per = |i: usize| {
        let spent: f64 = after[i]
            .iter()
            .map(|(pid, now)| now - before[i].get(pid).copied().unwrap_or(0.0))
            .map(|d| d.max(0.0))
            .sum();
        spent * 1e3 / ops.max(1.0)
    };
    Split([per(0), per(1), per(2)])
}

/// The CPU spent so far by this process, PostgreSQL and the broker, by pid.
pub fn cpu_now() -> Cpu {
    [
        cpu_secs("self"),
        cpu_secs("postgres"),
        cpu_secs("kafka.Kafka"),
    ]
}
