//! The soak: 100 agents streaming read-only work and 5 risky proposals waiting at any time, for
//! `--minutes N` (10 by default), against a console with its history on disk. A stand-in person
//! approves each waiting item after 200 ms. Every minute it prints the streaming latency and the
//! process's memory (console and agents: they share the process); at the end it checks that every approval an agent heard is in the history.
//! Run only on request: `cargo bench -p signoff-tests -- --only soak [--minutes N]`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use signoff_agent_sdk::{Action, Environment, Gate};
use signoff_tui::queue::{PersonDecision, UiEvent};
use signoff_tui::store;
use tokio::sync::Mutex;

use crate::{Summary, quantile, recorded_in, runtime, start_console};

const STREAMING_AGENTS: usize = 100;
const WAITING_AGENTS: usize = 5;
/// Each streaming agent's pause between proposals: ~2,000 proposals a second in all.
const PACE: Duration = Duration::from_millis(50);
const PERSON_DELAY: Duration = Duration::from_millis(200);

fn resident_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

pub fn run(args: &[String], summary: &mut Summary) {
    let minutes: u64 = args
        .iter()
        .position(|arg| arg == "--minutes")
        .and_then(|at| args.get(at + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("signoff.sock");
    let servers = runtime();
    let agents = runtime();
    let mut console = start_console(&servers, &socket, recorded_in(dir.path().join("history")));
    // The stand-in person: approves each waiting item a moment after it appears.
    let mut events = std::mem::replace(
        &mut console.events,
        tokio::sync::mpsc::unbounded_channel().1,
    );
    let queue = console.queue.clone();
    servers.spawn(async move {
        while let Some(event) = events.recv().await {
            if let UiEvent::Waiting(item) = event {
                let queue = queue.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(PERSON_DELAY).await;
                    let approve = PersonDecision::Approve { typed: None };
                    let _ = queue
                        .decide(item.key.clone(), signoff_protocol::TERMINAL, approve)
                        .await;
                });
            }
        }
    });

    println!(
        "soak: {STREAMING_AGENTS} agents streaming, {WAITING_AGENTS} waiting at any time, {minutes} min"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let heard_approved = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let mut tasks = Vec::new();
    for n in 0..STREAMING_AGENTS + WAITING_AGENTS {
        let (socket, stop) = (socket.clone(), stop.clone());
        let (heard, failures, latencies) =
            (heard_approved.clone(), failures.clone(), latencies.clone());
        let streaming = n < STREAMING_AGENTS;
        tasks.push(agents.spawn(async move {
            let gate = Gate::connect_to(&socket).await.expect("connects");
            let session = gate
                .session(if streaming { "streamer" } else { "waiter" })
                .open()
                .await
                .expect("opens");
            while !stop.load(Ordering::Relaxed) {
                let action = if streaming {
                    Action::shell(["git", "status"]).env(Environment::Dev)
                } else {
                    Action::shell(["touch", "F"]).env(Environment::Staging)
                };
                let started = Instant::now();
                match session.propose(action).await {
                    Ok(decision) if decision.is_approved() => {
                        heard.fetch_add(1, Ordering::Relaxed);
                        if streaming {
                            latencies.lock().await.push(started.elapsed());
                        }
                    }
                    _ => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if streaming {
                    tokio::time::sleep(PACE).await;
                }
            }
        }));
    }

    let mut rss_per_minute = Vec::new();
    let mut minute_p99 = Vec::new();
    for minute in 1..=minutes {
        std::thread::sleep(Duration::from_secs(60));
        let mut times = agents.block_on(async { std::mem::take(&mut *latencies.lock().await) });
        times.sort();
        let rss = resident_mb();
        rss_per_minute.push(rss);
        let (p50, p99) = if times.is_empty() {
            (Duration::ZERO, Duration::ZERO)
        } else {
            (quantile(&times, 0.5), quantile(&times, 0.99))
        };
        minute_p99.push(p99);
        println!(
            "  minute {minute}: {} streamed, p50 {:.2} ms, p99 {:.2} ms, RSS {rss:.1} MB",
            times.len(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    stop.store(true, Ordering::Relaxed);
    agents.block_on(async {
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    });
    servers.block_on(console.shutdown());

    // Every approval an agent heard is in the history.
    let history = rusqlite::Connection::open(dir.path().join("history").join(store::FILE_NAME))
        .expect("the history opens");
    let recorded: i64 = history
        .query_row(
            "SELECT count(*) FROM decisions WHERE verdict = 'approved'",
            [],
            |row| row.get(0),
        )
        .expect("counted");
    let recorded = recorded.unsigned_abs();
    let heard = heard_approved.load(Ordering::Relaxed);
    summary.add("soak_minutes", minutes as f64, "min");
    summary.add("soak_approvals_heard", heard as f64, "decisions");
    summary.add("soak_approvals_recorded", recorded as f64, "decisions");
    summary.add(
        "soak_approvals_missing_from_history",
        heard.saturating_sub(recorded) as f64,
        "decisions",
    );
    summary.add(
        "soak_failed_proposals",
        failures.load(Ordering::Relaxed) as f64,
        "proposals",
    );
    // Memory once everything runs (after the first minute) against the end: the growth.
    if let (Some(first), Some(last)) = (rss_per_minute.first(), rss_per_minute.last()) {
        let max = rss_per_minute.iter().copied().fold(0.0, f64::max);
        summary.add("soak_rss_first_minute", *first, "MB");
        summary.add("soak_rss_last_minute", *last, "MB");
        summary.add("soak_rss_max", max, "MB");
    }
    if let (Some(first), Some(last)) = (minute_p99.first(), minute_p99.last()) {
        summary.millis("soak_p99_first_minute", *first);
        summary.millis("soak_p99_last_minute", *last);
    }
}
