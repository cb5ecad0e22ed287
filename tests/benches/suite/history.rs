//! The history at scale: with 1,000,000 recorded decisions, how long the console takes to open
//! it at start (including finding what a crash left open), how long the History view's queries
//! take, and the process's memory. `cargo bench -p signoff-tui --bench history` (`--quick`: 100,000).
//! Targets: start under 300 ms, a History view query under 100 ms, memory under 150 MB.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use signoff_protocol::{
    Action, ActionDigest, ActionKind, DecidedBy, Decision, Environment, ProposalId, SessionId,
    SessionInfo, ShellCommand, Verdict,
};
use signoff_tui::policy::{Engine, Facts, Policy};
use signoff_tui::queue::{Item, ProposalKey, UiEvent};
use signoff_tui::store::writer::{Committed, StoreWriter};
use signoff_tui::store::{self, Filter, Store};

const PER_SESSION: u64 = 1_000;

fn fill(dir: &std::path::Path, total: u64) {
    let store = Store::open(dir).expect("opens");
    let (reports, mut committed) = tokio::sync::mpsc::unbounded_channel();
    let mut writer = StoreWriter::spawn(store, reports, None).expect("writer");
    let engine = Engine::default();
    let commands = [
        "cargo test",
        "git status",
        "npm run build",
        "git push origin feature",
        "rm -rf build",
    ];
    let mut last = 0;
    let now = SystemTime::now();
    for n in 0..total {
        let session = SessionId(format!("session-{}", n / PER_SESSION));
        if n % PER_SESSION == 0 {
            let info = SessionInfo {
                agent_name: format!("agent-{}", n / PER_SESSION % 7),
                workspace: "/home/you/src/shop".into(),
                ..SessionInfo::default()
            };
            writer.record(UiEvent::SessionOpened {
                id: session.clone(),
                info,
            });
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
        last = writer.record(UiEvent::Decided {
            item,
            decision,
            waited: false,
        });
    }
    loop {
        match committed.blocking_recv() {
            Some(Committed::UpTo(up_to)) if up_to >= last => break,
            Some(Committed::Failed { error, .. }) => panic!("{error}"),
            Some(_) => {}
            None => panic!("the writer stopped"),
        }
    }
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let total: u64 = if quick { 100_000 } else { 1_000_000 };
    // Kept between runs: filling a million records takes a while.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../target/bench-history-{total}"));
    let ready = Store::open(&dir)
        .ok()
        .and_then(|s| s.last_seq().ok().flatten())
        .is_some_and(|seq| seq as u64 >= total);
    if let Some(fill_dir) = std::env::var_os("SIGNOFF_BENCH_FILL") {
        fill(std::path::Path::new(&fill_dir), total);
        return;
    }
    if !ready {
        // Filled by a child process, then measured by another: this process's peak memory must
        // be the reading's alone.
        let _ = std::fs::remove_dir_all(&dir);
        let started = Instant::now();
        let this = std::env::current_exe().expect("this program");
        let filled = std::process::Command::new(&this)
            .args(std::env::args().skip(1))
            .env("SIGNOFF_BENCH_FILL", &dir)
            .status();
        assert!(
            filled.is_ok_and(|s| s.success()),
            "filling the history failed"
        );
        println!(
            "filled {total} decisions in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let measured = std::process::Command::new(&this)
            .args(std::env::args().skip(1))
            .status()
            .expect("runs");
        std::process::exit(measured.code().unwrap_or(1));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;

    // Start-up: what Console::start does with the history.
    let started = Instant::now();
    let mut store = Store::open(&dir).expect("opens");
    let withdrawn = store.withdraw_unanswered(SystemTime::now()).expect("runs");
    let startup = started.elapsed();
    assert!(withdrawn.is_empty());

    let time = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        f();
        started.elapsed()
    };
    let sessions = time(&mut || {
        store::sessions(&store, None, 0, 200).expect("sessions");
    });
    let newest = time(&mut || {
        store::rows(
            &store,
            &Filter {
                limit: Some(200),
                ..Filter::default()
            },
        )
        .expect("rows");
    });
    let one_session = time(&mut || {
        let filter = Filter {
            session: Some("session-42".into()),
            limit: Some(200),
            ..Filter::default()
        };
        store::rows(&store, &filter).expect("rows");
    });
    let filtered = time(&mut || {
        let filter = Filter {
            session: Some("session-42".into()),
            verdict: Some("denied".into()),
            tier: Some("risky".into()),
            text: Some("push".into()),
            limit: Some(200),
            ..Filter::default()
        };
        store::rows(&store, &filter).expect("rows");
    });
    let denied_everywhere = time(&mut || {
        store::rows(
            &store,
            &Filter {
                verdict: Some("denied".into()),
                limit: Some(200),
                ..Filter::default()
            },
        )
        .expect("rows");
    });

    println!("{total} recorded decisions");
    println!("history_startup: {:.1} ms", ms(startup));
    println!("history_sessions_page: {:.1} ms", ms(sessions));
    println!("history_newest_page: {:.1} ms", ms(newest));
    println!("history_session_page: {:.1} ms", ms(one_session));
    println!("history_session_filtered: {:.1} ms", ms(filtered));
    println!("history_denied_page: {:.1} ms", ms(denied_everywhere));
    println!("history_rss_peak: {:.1} MB", rss_mb());
}
