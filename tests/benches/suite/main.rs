//! The benchmark suite: every figure of BENCHMARKS.md in one run, the gate measured side by side
//! with bare tonic over the same kind of socket.
//!
//! `cargo bench -p signoff-tests` (about 3 minutes, the first run longer: it fills a 1,000,000
//! decision history kept under `target/`); `cargo bench -p signoff-tests -- --quick` (under a
//! minute: shorter runs, a 100,000 decision history). `-- --only NAME` runs one part
//! (transport, hook, classify, render, history, reviewers); `-- --only soak [--minutes N]` runs the soak,
//! which is not part of the default run.
#![allow(clippy::print_stdout)]

mod classify;
mod history;
mod hook;
mod render;
mod reviewers;
mod soak;
mod transport;

use std::path::{Path, PathBuf};
use std::time::Duration;

use signoff_tui::console::{Console, ConsoleOptions, History};
use signoff_tui::policy::Engine;
use signoff_tui::queue::QueueConfig;
use tokio::runtime::Runtime;

/// Every figure, printed as it is measured and once more at the end as the summary block.
#[derive(Default)]
pub struct Summary {
    lines: Vec<String>,
}

impl Summary {
    /// One figure: `name: value unit`.
    pub fn add(&mut self, name: &str, value: f64, unit: &str) {
        let digits = if value >= 100.0 {
            0
        } else if value >= 10.0 {
            1
        } else {
            2
        };
        let line = format!("{name}: {value:.digits$} {unit}");
        println!("  {line}");
        self.lines.push(line);
    }

    pub fn millis(&mut self, name: &str, time: Duration) {
        self.add(name, time.as_secs_f64() * 1e3, "ms");
    }

    pub fn micros(&mut self, name: &str, time: Duration) {
        self.add(name, time.as_secs_f64() * 1e6, "us");
    }
}

/// The `fraction` quantile of sorted times (nearest rank).
pub fn quantile(sorted: &[Duration], fraction: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * fraction).round() as usize]
}

/// The process's peak resident memory, in MB (Linux).
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Where a console records, with the default durability.
pub fn recorded_in(dir: PathBuf) -> Option<History> {
    Some(History {
        dir,
        keep_days: None,
        durability: Default::default(),
    })
}

/// A console on `socket`, its screen's events consumed as the screen would; `history`: where it
/// records (`None`: it records nothing).
pub fn console(servers: &Runtime, socket: &Path, history: Option<History>) -> Console {
    let mut console = start_console(servers, socket, history);
    let mut events = std::mem::replace(
        &mut console.events,
        tokio::sync::mpsc::unbounded_channel().1,
    );
    servers.spawn(async move { while events.recv().await.is_some() {} });
    console
}

/// A console on `socket`; its screen's events are the caller's.
pub fn start_console(servers: &Runtime, socket: &Path, history: Option<History>) -> Console {
    servers.block_on(async {
        Console::start(ConsoleOptions {
            socket: socket.to_path_buf(),
            queue: QueueConfig::default(),
            policy: Engine::default(),
            history,
            remote: None,
            web: None,
            otlp: None,
        })
        .expect("the console starts")
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // A part that must run in a process of its own (memory is measured per process).
    if history::is_child() {
        history::child(&args);
        return;
    }
    let quick = args.iter().any(|arg| arg == "--quick");
    let only = args
        .iter()
        .position(|arg| arg == "--only")
        .and_then(|at| args.get(at + 1));
    let runs = |part: &str| only.is_none_or(|only| only == part);
    let mut summary = Summary::default();
    println!(
        "signoff benchmarks ({}), {} cores",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if runs("transport") {
        transport::run(quick, &mut summary);
        // Its hundreds of megabytes of history reach the disk now, not during the next part.
        let _ = std::process::Command::new("sync").status();
    }
    if runs("hook") {
        hook::run(quick, &mut summary);
    }
    if runs("classify") {
        classify::run(quick, &mut summary);
    }
    if runs("render") {
        render::run(quick, &mut summary);
    }
    if runs("history") {
        history::run(quick, &args, &mut summary);
    }
    if runs("reviewers") {
        reviewers::run(quick, &mut summary);
    }
    // Ten minutes: only when asked for by name.
    if only.is_some_and(|only| only == "soak") {
        soak::run(&args, &mut summary);
    }
    println!("\n== summary ==");
    for line in &summary.lines {
        println!("{line}");
    }
}
