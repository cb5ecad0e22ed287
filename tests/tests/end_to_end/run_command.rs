//! `signoff run` as a real process against the real console.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use signoff_agent_sdk::{OutcomeStatus, Verdict};
use signoff_tui::queue::UiEvent;
use tokio::process::Command;

use crate::support::{TestConsole, approve, deny, within};

pub(crate) fn signoff(socket: &Path, workdir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signoff-under-test"));
    command
        .args(args)
        .env("SIGNOFF_SOCKET", socket)
        .current_dir(workdir)
        .kill_on_drop(true);
    command
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_command_runs_at_once() {
    let console = TestConsole::start().await;
    let output = within(
        signoff(
            &console.socket,
            console.dir.path(),
            &["run", "--env", "dev", "--", "echo", "hi"],
        )
        .output(),
    )
    .await
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hi\n");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_own_exit_status_comes_back() {
    let console = TestConsole::start().await;
    let args = ["run", "--env", "dev", "--", "sh", "-c", "exit 3"];
    let output = within(signoff(&console.socket, console.dir.path(), &args).output())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staging_change_waits_and_runs_once_approved() {
    let mut console = TestConsole::start().await;
    let file = console.dir.path().join("F");
    let run = signoff(
        &console.socket,
        console.dir.path(),
        &["run", "--env", "staging", "--", "touch", "F"],
    )
    .output();
    let run = tokio::spawn(run);
    let item = console.next_waiting().await;
    assert!(!file.exists(), "nothing runs before the person answers");
    console.decide(&item, approve()).await;
    let output = within(run).await.unwrap().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("waiting for a person"),
        "{}",
        stderr(&output)
    );
    assert!(file.exists());
    // The outcome comes back to the console.
    loop {
        if let UiEvent::Outcome { key, outcome } = console.next_event().await {
            assert_eq!(key, item.key);
            assert_eq!(
                (outcome.status, outcome.exit_code),
                (OutcomeStatus::Succeeded, Some(0))
            );
            break;
        }
    }
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_command_never_starts_and_exits_77() {
    let mut console = TestConsole::start().await;
    let file = console.dir.path().join("F");
    let run = signoff(
        &console.socket,
        console.dir.path(),
        &["run", "--env", "staging", "--", "touch", "F"],
    )
    .output();
    let run = tokio::spawn(run);
    let item = console.next_waiting().await;
    console.decide(&item, deny("use the fixture instead")).await;
    let output = within(run).await.unwrap().unwrap();
    assert_eq!(output.status.code(), Some(77));
    let message = stderr(&output);
    assert!(
        message.contains("denied") && message.contains("use the fixture instead"),
        "{message}"
    );
    assert!(!file.exists());
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_command_expires_with_75() {
    let mut console = TestConsole::start().await;
    let args = [
        "run",
        "--env",
        "staging",
        "--timeout",
        "1",
        "--",
        "touch",
        "F",
    ];
    let output = within(signoff(&console.socket, console.dir.path(), &args).output())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(75), "{}", stderr(&output));
    assert!(!console.dir.path().join("F").exists());
    let (_, decision) = console.next_decided().await;
    assert_eq!(decision.verdict, Verdict::Expired);
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_console_the_command_never_starts_and_exits_69_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("nobody.sock");
    let started = Instant::now();
    let output = within(signoff(&socket, dir.path(), &["run", "--", "touch", "F"]).output())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(69));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "one clear line: {message}");
    assert!(
        message.contains("not reachable") && message.contains("nobody.sock"),
        "{message}"
    );
    assert!(!dir.path().join("F").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_run_in_the_agents_session_share_it_and_its_circuit_breaker() {
    let mut console = TestConsole::start().await;
    // An agent that gates each command with `signoff run`, four staging changes at once.
    let runs: Vec<_> = (0..4)
        .map(|n| {
            let file = format!("F{n}");
            let mut run = signoff(
                &console.socket,
                console.dir.path(),
                &["run", "--env", "staging", "--", "touch", &file],
            );
            run.env("SIGNOFF_SESSION", "agent-run-7");
            tokio::spawn(run.output())
        })
        .collect();
    let mut sessions = std::collections::HashSet::new();
    let frozen = loop {
        match console.next_event().await {
            UiEvent::Waiting(item) => {
                sessions.insert(item.key.session.clone());
            }
            UiEvent::SessionFrozen { id, why } => break (id, why),
            _ => {}
        }
    };
    assert_eq!(sessions.len(), 1, "one session for the agent's commands");
    assert!(sessions.contains(&frozen.0), "{frozen:?}");
    assert!(frozen.1.contains("risky"), "{}", frozen.1);
    let dir = console.shutdown().await;
    for run in runs {
        let output = within(run).await.unwrap().unwrap();
        assert_ne!(output.status.code(), Some(0));
    }
    for n in 0..4 {
        assert!(!dir.path().join(format!("F{n}")).exists());
    }
}
