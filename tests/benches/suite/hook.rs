//! A hook call as Claude Code makes it, for an action that streams through: start the `signoff`
//! process, read the payload, connect, open (reuse) the session, propose, hear the decision,
//! print the answer, exit. Against a real console on a real socket with its history on disk.
//! `cargo bench -p signoff-tui --bench hook` (`--quick`: fewer calls). Target: median under 5 ms.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use signoff_tui::console::{Console, ConsoleOptions, History};
use signoff_tui::policy::Engine;
use signoff_tui::queue::QueueConfig;

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (warmup, calls) = if quick { (10, 50) } else { (50, 500) };
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("signoff.sock");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut console = runtime.block_on(async {
        Console::start(ConsoleOptions {
            socket: socket.clone(),
            queue: QueueConfig::default(),
            policy: Engine::default(),
            history: Some(History {
                dir: dir.path().join("history"),
                keep_days: None,
            }),
            remote: None,
        })
        .expect("console starts")
    });
    // The screen's events, consumed as the screen would.
    let mut events = std::mem::replace(
        &mut console.events,
        tokio::sync::mpsc::unbounded_channel().1,
    );
    runtime.spawn(async move { while events.recv().await.is_some() {} });

    let payload = serde_json::json!({
        "session_id": "bench-session", "cwd": dir.path(), "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git status", "description": "Show status"},
        "tool_use_id": "toolu_bench", "permission_mode": "default",
    })
    .to_string();
    let call = || {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_signoff"))
            .args(["hook", "claude-code", "--env", "dev", "--socket"])
            .arg(&socket)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts signoff");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(payload.as_bytes())
            .expect("writes the payload");
        drop(stdin);
        let output = child.wait_with_output().expect("signoff exits");
        let elapsed = started.elapsed();
        let answer = String::from_utf8_lossy(&output.stdout);
        assert!(
            answer.contains(r#""permissionDecision":"allow""#),
            "{answer}"
        );
        elapsed
    };
    for _ in 0..warmup {
        call();
    }
    let mut times: Vec<Duration> = (0..calls).map(|_| call()).collect();
    times.sort();
    let at = |fraction: f64| times[((times.len() - 1) as f64 * fraction) as usize];
    println!(
        "hook claude-code, `git status` streamed, {calls} calls: median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms (target: median under 5 ms)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
    );
    runtime.block_on(console.shutdown());
}
