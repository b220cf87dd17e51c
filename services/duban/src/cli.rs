//! The command line: `serve` (the default), `migrate`, `simulate`, `token`, `audit`.

use crate::run;
use crate::single::ServiceName;
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use duban_auth::TokenKeys;
use duban_clock::{SharedClock, SystemClock};
use duban_config::{Config, ConfigArgs};
use std::io::Write as _;
use std::sync::Arc;

/// 督办 duban: assignments, time limits, three-color warnings, evaluations and an
/// audit trail for county and township work-style drives.
#[derive(Debug, Parser)]
#[command(name = "duban", version)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start duban: every service in one process, or one service alone.
    Serve {
        /// Only this service (for the distributed deployment).
        service: Option<ServiceName>,
    },
    /// Create or upgrade every service's tables, then exit.
    Migrate,
    /// The audit log: check it, export a bundle, verify a bundle offline.
    Audit {
        /// What to do.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Simulate a county's months of work through the commands on a fast clock: townships
    /// and offices registered, assignments issued every working day, offices working at
    /// their own pace (some late), supervisors verifying; then wait for every service to
    /// catch up and exit. For demos and load; `duban` afterwards serves the result.
    Simulate {
        /// Townships to add under the county.
        #[arg(long, default_value_t = 10)]
        townships: usize,
        /// Offices in each township.
        #[arg(long, default_value_t = 8)]
        offices: usize,
        /// Days simulated, ending yesterday.
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// Assignments each township issues per working day.
        #[arg(long, default_value_t = 3)]
        per_day: u32,
        /// Seed of the simulated choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Prefix of the new units' ids and accounts.
        #[arg(long, default_value = "sim")]
        prefix: String,
    },
    /// The installation operator's directory commands: a new county.
    County {
        /// What to do.
        #[command(subcommand)]
        command: CountyCommand,
    },
    /// Set a new initial password for a person (to be changed at the next sign-in) and
    /// print it: the operator's way back in for a locked-out administrator.
    Password {
        /// Person id or account.
        #[arg(long)]
        person: String,
    },
    /// Print a development token for a person, or list the people.
    Token {
        /// Person id or account, e.g. `county-supervisor`.
        #[arg(long, conflicts_with = "list")]
        person: Option<String>,
        /// One line per person: id, name, org unit path, roles (tab-separated).
        #[arg(long)]
        list: bool,
    },
}

/// The installation operator's directory commands (never reachable through the API).
#[derive(Debug, Subcommand)]
pub enum CountyCommand {
    /// Register a new county, a root of the directory, with its first 系统管理员, who
    /// registers everyone else (`registerPerson`) with a token from `duban token`.
    Add {
        /// Id, e.g. `qs`.
        #[arg(long)]
        id: String,
        /// Official name, e.g. 青石县.
        #[arg(long)]
        name: String,
        /// 统计用区划代码 (6 digits).
        #[arg(long)]
        division_code: Option<String>,
        /// The first administrator's account (also their person id), e.g. `qs-admin`.
        #[arg(long)]
        admin: String,
        /// The first administrator's name.
        #[arg(long)]
        admin_name: String,
    },
}

/// Audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check a bundle offline, without a database; exits non-zero naming the first bad entry.
    Verify {
        /// The bundle file (JSON).
        bundle: std::path::PathBuf,
        /// The verifier key you keep (C2SP signed-note); the bundle's own when omitted.
        #[arg(long)]
        key: Option<String>,
    },
    /// Export a scope's events over a period with their proofs and a signed checkpoint.
    Export {
        /// Unit path, e.g. `/qs/qingshi` (default: the whole county).
        #[arg(long, default_value = "")]
        scope: String,
        /// Start, RFC 3339 (inclusive).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// End, RFC 3339 (exclusive).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// Output file.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Re-hash every stored entry and check the tree against every signed checkpoint.
    Check,
    /// Print the verifier key of the log's checkpoints.
    Key,
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(&cli.config)?;
    let separate = matches!(&cli.command, Some(Command::Serve { service: Some(_) }));
    config.settle_secrets(separate)?;
    let role = match &cli.command {
        Some(Command::Serve {
            service: Some(name),
        }) => format!("duban-{}", format!("{name:?}").to_lowercase()),
        _ => "duban".to_string(),
    };
    crate::init_tracing_as(&config, &role);
    let clock: SharedClock = Arc::new(SystemClock);
    match cli.command.unwrap_or(Command::Serve { service: None }) {
        Command::Serve { service: None } => serve(&config, clock).await,
        Command::Serve {
            service: Some(name),
        } => {
            let node = crate::single::start_service(&config, clock, name).await?;
            println!(
                "duban {} 已启动：http://{}",
                format!("{name:?}").to_lowercase(),
                node.addr
            );
            wait_for_signal().await;
            tracing::info!("shutting down");
            node.shutdown().await
        }
        Command::Migrate => {
            run::open_databases(&config).await?;
            println!("数据库已迁移到最新版本");
            Ok(())
        }
        Command::Token { person, list } => token(&config, clock, person, list).await,
        Command::Password { person } => {
            let svc = directory(&config, clock).await?;
            let who = svc.find_person(&person).await?;
            let p = svc.initial_passwords(&[who.account.as_str()]).await?;
            for p in p {
                println!(
                    "{}（{}）的初始密码：{}\n首次登录须修改；请当面或经可靠渠道交给本人。",
                    p.name, p.account, p.password
                );
            }
            Ok(())
        }
        Command::County {
            command:
                CountyCommand::Add {
                    id,
                    name,
                    division_code,
                    admin,
                    admin_name,
                },
        } => {
            let svc = directory(&config, clock).await?;
            let unit = svc
                .register_county(&id, &name, division_code.as_deref(), (&admin, &admin_name))
                .await?;
            let initial = svc.initial_passwords(&[admin.as_str()]).await?;
            println!(
                "已登记县级单位 {}（{}）及系统管理员 {admin_name}（{admin}）；\
                 初始密码：{}（首次登录须修改）；运维令牌：duban token --person {admin}",
                unit.name,
                unit.path,
                initial.first().map(|p| p.password.as_str()).unwrap_or("")
            );
            Ok(())
        }
        Command::Simulate {
            townships,
            offices,
            days,
            per_day,
            seed,
            prefix,
        } => {
            let sim = duban_assignments::simulation::Simulation {
                spec: duban_assignments::loadgen::CountySpec {
                    prefix,
                    townships,
                    offices,
                },
                days,
                issues_per_township_day: per_day,
                seed,
            };
            simulate(&config, clock, &sim).await
        }
        Command::Audit { command } => audit(&config, clock, command).await,
    }
}

async fn simulate(
    config: &Config,
    clock: SharedClock,
    sim: &duban_assignments::simulation::Simulation,
) -> anyhow::Result<()> {
    let running = run::start(config, clock).await?;
    let started = std::time::Instant::now();
    let r = duban_assignments::simulation::run(&running.assignments, sim).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "模拟完成：{} 个工作日，登记单位 {} 个、人员 {} 名；交办 {} 项，签收 {} 次，报送进度 {} 次，\
         办结 {} 次（超时限 {} 次），退回 {} 次，审核销号 {} 项；仍在办 {} 项（超期未办结、应亮红牌 {} 项）；\
         时限提醒 {} 次。共 {} 条命令，用时 {secs:.1} 秒（每秒 {:.0} 条）。",
        r.working_days,
        r.units,
        r.people,
        r.issued,
        r.acknowledged,
        r.progress_reports,
        r.completed,
        r.completed_late,
        r.returned,
        r.verified,
        r.open,
        r.open_overdue,
        r.reminders,
        r.commands,
        r.commands as f64 / secs.max(1e-3),
    );
    println!("正在等待评价、通知和审计服务处理完全部事件……");
    running
        .databases
        .settle(std::time::Duration::from_secs(600))
        .await?;
    println!(
        "已全部处理。运行 duban 后可用 duban token --person {} 等账号查看（各镇效能办）。",
        sim.spec.supervisor(0)
    );
    running.shutdown().await
}

async fn serve(config: &Config, clock: SharedClock) -> anyhow::Result<()> {
    if config.is_explicit_demo() && config.uses_dev_secret() {
        tracing::warn!("demo: using the built-in development token key; never outside a demo");
    }
    let running = run::start(config, clock).await?;
    let url = format!("http://{}", running.addr);
    tracing::info!(%url, "duban is serving");
    println!("督办 duban 已启动：");
    println!("  效能看板（浏览器）  {url}/");
    println!("  GraphQL / GraphiQL  {url}/graphql");
    println!("  订阅 (WebSocket)    ws://{}/graphql/ws", running.addr);
    println!("  健康检查            {url}/healthz  {url}/readyz");
    println!("  获取令牌            duban token --list ；duban token --person county-supervisor");
    wait_for_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn audit(config: &Config, clock: SharedClock, command: AuditCommand) -> anyhow::Result<()> {
    if let AuditCommand::Verify { bundle, key } = &command {
        let text = std::fs::read_to_string(bundle)
            .with_context(|| format!("cannot read {}", bundle.display()))?;
        let b: duban_audit::bundle::Bundle =
            serde_json::from_str(&text).context("not a duban audit bundle")?;
        if key.is_none() {
            eprintln!("注意：未提供 --key，使用包内自带的公钥核验；请用本单位留存的公钥");
        }
        let n = duban_audit::bundle::verify(&b, key.as_deref())
            .map_err(|e| anyhow::anyhow!("核验失败：{e}"))?;
        println!("核验通过：{n} 条记录均在签名树头（大小 {}）中", b.tree_size);
        return Ok(());
    }
    let [.., db] = run::migrated_databases(config).await?;
    let svc = crate::wiring::open_audit(config, db, &clock).await?;
    match command {
        AuditCommand::Export {
            scope,
            from,
            to,
            out,
        } => {
            let bundle = svc.export(&scope, from, to).await?;
            std::fs::write(&out, serde_json::to_string_pretty(&bundle)?)?;
            println!("已导出 {} 条记录到 {}", bundle.entries.len(), out.display());
        }
        AuditCommand::Check => {
            let size = svc
                .verify_store()
                .await
                .map_err(|e| anyhow::anyhow!("审计日志核验失败：{e}"))?;
            println!("审计日志完好：{size} 条记录，与全部签名树头一致");
        }
        AuditCommand::Key => println!("{}", svc.verifier_key_text()),
        AuditCommand::Verify { .. } => {}
    }
    Ok(())
}

/// The assignments service over its database, for commands that read or write the
/// directory; its events wait in the outbox for the next `duban serve`.
async fn directory(
    config: &Config,
    clock: SharedClock,
) -> anyhow::Result<duban_assignments::AssignmentsService> {
    let [db, ..] = run::migrated_databases(config).await?;
    let bus = duban_outbox::EventBus {
        transport: Arc::new(duban_transport::InProcessTransport::new()),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    Ok(duban_assignments::AssignmentsService::new(
        db,
        bus,
        clock,
        &config.tenant,
    ))
}

async fn token(
    config: &Config,
    clock: SharedClock,
    person: Option<String>,
    list: bool,
) -> anyhow::Result<()> {
    let svc = directory(config, clock).await?;
    if list {
        let people = svc.people().await?;
        if people.is_empty() {
            anyhow::bail!("数据库中还没有人员：先运行一次 `duban serve` 载入演示数据");
        }
        let mut out = std::io::stdout().lock();
        for p in people {
            let roles: Vec<_> = p.roles.iter().map(|r| r.as_str()).collect();
            let line = writeln!(
                out,
                "{}\t{}\t{}\t{}",
                p.id,
                p.name,
                p.unit_path,
                roles.join(",")
            );
            if line.is_err() {
                // The reader went away (`| head`): nothing more to say.
                break;
            }
        }
        return Ok(());
    }
    let who = person.context("请用 --person <id 或账号> 指定人员，或用 --list 列出人员")?;
    let claims = svc.claims_for(&who, config.token_ttl_hours * 3600).await?;
    println!(
        "{}",
        TokenKeys::new(config.jwt_secret.expose().as_bytes()).sign(&claims)?
    );
    Ok(())
}
