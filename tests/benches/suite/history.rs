//! The history at scale: with 1,000,000 recorded decisions (`--quick`: 100,000), how long the
//! console takes to start (opening the history, finding what a crash left open, binding the
//! socket), how long the History view's queries take, and the console's memory. Filled once and
//! kept under `target/`; filled and measured in processes of their own, so that the memory is the
//! console's alone. Also how soon an answered decision shows in the History view's newest page.
//! Targets: start under 300 ms, a History view query under 100 ms (issue 16: 20 ms), a decision
//! in the pages within 100 ms of its answer, memory under 150 MB.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use signoff_protocol::{
    Action, ActionDigest, ActionKind, DecidedBy, Decision, Environment, ProposalId, SessionId,
    SessionInfo, ShellCommand, Verdict,
};
use signoff_tui::console::{Console, ConsoleOptions};
use signoff_tui::policy::{Engine, Facts, Policy};
use signoff_tui::queue::QueueConfig;
use signoff_tui::queue::{Item, ProposalKey, UiEvent};
use signoff_tui::store::writer::{Settings, StoreWriter};
use signoff_tui::store::{self, Filter, Store};

use crate::Summary;

/// Set in a child process: `fill DIR` or `measure DIR`.
const ROLE: &str = "SIGNOFF_BENCH_HISTORY";

const PER_SESSION: u64 = 1_000;

fn fill(dir: &std::path::Path, total: u64) {
    let store = Store::open(dir).expect("opens");
    // The journal task runs on a runtime of its own; this thread waits on it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("a runtime");
    let _inside = runtime.enter();
    let writer =
        StoreWriter::spawn(store, Settings::default(), |alert| panic!("{alert}")).expect("writer");
    let engine = Engine::default();
    let commands = [
        "cargo test",
        "git status",
        "npm run build",
        "git push origin feature",
        "rm -rf build",
    ];
    let now = SystemTime::now();
    for n in 0..total {
        let session = SessionId(format!("session-{}", n / PER_SESSION));
        if n % PER_SESSION == 0 {
            let info = SessionInfo {
                agent_name: format!("agent-{}", n / PER_SESSION % 7),
                workspace: "/home/you/src/shop".into(),
                ..SessionInfo::default()
            };
            writer.record(
                vec![UiEvent::SessionOpened {
                    id: session.clone(),
                    info,
                }],
                None,
            );
        }
        let mut action = Action::new(ActionKind::Shell(ShellCommand::Argv {
            argv: commands[(n % 5) as usize]
                .split(' ')
                .map(String::from)
                .collect(),
            cwd: "/home/you/src/shop".into(),
        }));
        action.target.environment = if n % 11 == 0 {
            Environment::Staging
        } else {
            Environment::Dev
        };
        let assessment = engine.assess(&action, &SessionInfo::default(), &Facts::default());
        let digest = ActionDigest::of(&action);
        let item = Arc::new(Item {
            key: ProposalKey {
                session,
                proposal: ProposalId(n.to_string()),
            },
            seq: n,
            agent: format!("agent-{}", n / PER_SESSION % 7),
            action,
            assessment,
            digest,
            arrived_at: now,
            expires_at: now,
        });
        let verdict = if n % 13 == 0 {
            Verdict::Denied
        } else {
            Verdict::Approved
        };
        let decision = Decision {
            verdict,
            decided_by: DecidedBy::Stream,
            note: String::new(),
            action_digest: digest,
            decided_at: now + Duration::from_millis(n),
        };
        writer.record(
            vec![UiEvent::Decided {
                item,
                decision,
                waited: false,
            }],
            None,
        );
    }
    // Closing waits until everything is journaled and indexed.
    writer.close_blocking();
}

pub fn is_child() -> bool {
    std::env::var_os(ROLE).is_some()
}

/// In the child process: fill the history, or start a console on it and measure.
pub fn child(args: &[String]) {
    let quick = args.iter().any(|arg| arg == "--quick");
    let role = std::env::var(ROLE).expect("a role");
    match role.split_once(' ') {
        Some(("fill", dir)) => fill(std::path::Path::new(dir), total(quick)),
        Some(("measure", dir)) => measure(std::path::Path::new(dir)),
        _ => panic!("unknown role {role}"),
    }
}

fn total(quick: bool) -> u64 {
    if quick { 100_000 } else { 1_000_000 }
}

pub fn run(quick: bool, args: &[String], summary: &mut Summary) {
    let total = total(quick);
    // Kept between runs: filling a million records takes a while.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../target/bench-history-{total}"));
    let ready = Store::open(&dir)
        .ok()
        .and_then(|s| s.last_seq().ok().flatten())
        .is_some_and(|seq| seq as u64 >= total);
    let this = std::env::current_exe().expect("this program");
    let child = |role: &str| {
        std::process::Command::new(&this)
            .args(&args[1..])
            .env(ROLE, format!("{role} {}", dir.display()))
            .output()
            .expect("runs")
    };
    if !ready {
        let _ = std::fs::remove_dir_all(&dir);
        let started = Instant::now();
        let filled = child("fill");
        assert!(filled.status.success(), "filling the history failed");
        println!(
            "history: filled {total} decisions in {:.1} s (kept in {})",
            started.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    let measured = child("measure");
    assert!(
        measured.status.success(),
        "measuring failed: {}",
        String::from_utf8_lossy(&measured.stderr)
    );
    println!("history: {total} recorded decisions");
    for line in String::from_utf8_lossy(&measured.stdout).lines() {
        let figure = line.split_once(": ").and_then(|(name, rest)| {
            let (value, unit) = rest.split_once(' ')?;
            Some((name, value.parse::<f64>().ok()?, unit))
        });
        match figure {
            Some((name, value, unit)) => summary.add(name, value, unit),
            None => println!("  {line}"),
        }
    }
}

/// Starts a console on the filled history as `signoff` does, then runs the History view's
/// queries as the screen does (a connection per page); prints `name: value unit` lines.
fn measure(dir: &std::path::Path) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let socket_dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let console = runtime.block_on(async {
        Console::start(ConsoleOptions {
            socket: socket_dir.path().join("signoff.sock"),
            queue: QueueConfig::default(),
            policy: Engine::default(),
            history: Some(signoff_tui::console::History {
                dir: dir.to_path_buf(),
                keep_days: None,
                durability: Default::default(),
            }),
            remote: None,
            web: None,
            otlp: None,
        })
        .expect("the console starts")
    });
    let startup = started.elapsed();

    // The median of five, each on a connection of its own as the screen opens one per page.
    let time = |filter: Option<Filter>| {
        let mut times: Vec<Duration> = (0..5)
            .map(|_| {
                let started = Instant::now();
                let store = Store::open(dir).expect("opens");
                match &filter {
                    None => drop(store::sessions(&store, None, 0, 200).expect("sessions")),
                    Some(filter) => drop(store::rows(&store, filter).expect("rows")),
                }
                started.elapsed()
            })
            .collect();
        times.sort();
        times[2]
    };
    let page = |filter: Filter| {
        Some(Filter {
            limit: Some(200),
            ..filter
        })
    };
    let sessions = time(None);
    let newest = time(page(Filter::default()));
    let one_session = time(page(Filter {
        session: Some("session-42".into()),
        ..Filter::default()
    }));
    let filtered = time(page(Filter {
        session: Some("session-42".into()),
        verdict: Some("denied".into()),
        tier: Some("risky".into()),
        text: Some("push".into()),
        ..Filter::default()
    }));
    let denied_everywhere = time(page(Filter {
        verdict: Some("denied".into()),
        ..Filter::default()
    }));
    let visible = visible_after_answer(&runtime, &socket_dir.path().join("signoff.sock"), dir);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("history_startup: {:.2} ms", ms(startup));
    println!("history_sessions_page: {:.2} ms", ms(sessions));
    println!("history_newest_page: {:.2} ms", ms(newest));
    println!("history_session_page: {:.2} ms", ms(one_session));
    println!("history_session_filtered: {:.2} ms", ms(filtered));
    println!("history_denied_page: {:.2} ms", ms(denied_everywhere));
    println!(
        "history_visible_p50: {:.2} ms",
        ms(crate::quantile(&visible, 0.5))
    );
    println!(
        "history_visible_p99: {:.2} ms",
        ms(crate::quantile(&visible, 0.99))
    );
    println!("history_console_rss_peak: {:.1} MB", crate::peak_rss_mb());
    runtime.block_on(console.shutdown());
}

/// From the moment an agent hears a streamed decision to the moment the History view's newest
/// page (read as the screen reads it, a connection per look) shows it: 200 proposals, one at a
/// time, sorted.
fn visible_after_answer(
    runtime: &tokio::runtime::Runtime,
    socket: &std::path::Path,
    dir: &std::path::Path,
) -> Vec<Duration> {
    let newest = Filter {
        limit: Some(20),
        ..Filter::default()
    };
    let mut times = runtime.block_on(async {
        let gate = signoff_agent_sdk::Gate::connect_to(socket)
            .await
            .expect("connects");
        let session = gate.session("visibility").open().await.expect("opens");
        let mut times = Vec::new();
        for _ in 0..200 {
            let action = Action::shell(["git", "status"]).env(Environment::Dev);
            let pending = session.submit(action, None).await.expect("assessed");
            let proposal = pending.proposal_id().0.clone();
            assert!(pending.decision().await.expect("decided").is_approved());
            let heard = Instant::now();
            loop {
                let rows = store::rows(&Store::open(dir).expect("opens"), &newest).expect("rows");
                if rows.iter().any(|row| row.proposal_id == proposal) {
                    break;
                }
                assert!(
                    heard.elapsed() < Duration::from_secs(5),
                    "not in the history 5 s after its answer"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            times.push(heard.elapsed());
        }
        times
    });
    times.sort();
    times
}
