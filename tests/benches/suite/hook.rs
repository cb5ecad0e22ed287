//! A hook call as Claude Code makes it, for an action that streams through: start the
//! `signoff-hook` process (what `signoff install` has the agent run), read the payload, connect,
//! open (reuse) the session, propose, hear the decision, print the answer, exit. Against a real
//! console on a real socket with its history on disk. Once more for `kubectl get pods`, for which
//! the console reads the agent's kubeconfig, and once through `signoff hook`, the console's own
//! binary (older installs). Target: median under 2.5 ms.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Summary, console, quantile, recorded_in, runtime};

pub fn run(quick: bool, summary: &mut Summary) {
    let (warmup, calls) = if quick { (10, 50) } else { (50, 500) };
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("signoff.sock");
    let runtime = runtime();
    let console = console(&runtime, &socket, recorded_in(dir.path().join("history")));

    // `kubectl get pods` makes the console read the kubeconfig of the agent's home.
    let kube = dir.path().join("kube");
    signoff_tui::facts::fixture::install("kube", &kube).expect("the fixture");
    let hook_program = env!("CARGO_BIN_EXE_signoff-hook-under-test");
    let signoff = env!("CARGO_BIN_EXE_signoff-under-test");
    for (name, program, command, home) in [
        ("hook", hook_program, "git status", None),
        (
            "hook_context",
            hook_program,
            "kubectl get pods",
            Some(kube.join("home")),
        ),
        ("hook_subcommand", signoff, "git status", None),
    ] {
        let payload = serde_json::json!({
            "session_id": "bench-session", "cwd": dir.path(), "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": {"command": command, "description": "Show status"},
            "tool_use_id": "toolu_bench", "permission_mode": "default",
        })
        .to_string();
        let call = || {
            let started = Instant::now();
            let mut hook = Command::new(program);
            if program == signoff {
                hook.arg("hook");
            }
            if let Some(home) = &home {
                hook.env("HOME", home);
            }
            let mut child = hook
                .args(["claude-code", "--env", "dev", "--socket"])
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
        println!(
            "{name}: `{} claude-code` as a process per call, `{command}` streamed, {calls} calls",
            if program == signoff {
                "signoff hook"
            } else {
                "signoff-hook"
            }
        );
        summary.millis(&format!("{name}_median"), quantile(&times, 0.5));
        summary.millis(&format!("{name}_p90"), quantile(&times, 0.9));
    }
    runtime.block_on(console.shutdown());
}
