//! The history on the real path: durable before answered, and kept across a crash.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use signoff_agent_sdk::{Environment, Verdict};
use signoff_tui::store::{self, Filter, Store};

use crate::support::{BINARY, TestConsole, Tmux, approve, next_alert, shell, within};

/// The decisions the history holds durably: SQLite's, and the journal's not yet indexed (read
/// first, as `signoff history verify` reads them), all chained.
fn chained(dir: &std::path::Path) -> u64 {
    let journal = store::journal::read(dir).unwrap();
    Store::open(dir).unwrap().verify(&journal.records).unwrap()
}

/// Waits until the history's pages show `count` decisions; the newest of them.
async fn shown(dir: &std::path::Path, count: usize) -> store::HistoryRow {
    within(async {
        loop {
            let store = Store::open(dir).unwrap();
            let rows = store::rows(&store, &Filter::default()).unwrap();
            if rows.len() >= count {
                assert_eq!(rows.len(), count);
                return rows.into_iter().next().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_the_agent_heard_is_already_in_the_history() {
    let mut console = TestConsole::start_with_history().await;
    let dir = console.dir.path().join("history");
    let session = console.session("recorder").await;
    for n in 0..100 {
        let decision = within(session.propose(shell(&format!("ls dir{n}"), Environment::Dev)))
            .await
            .unwrap();
        assert!(decision.is_approved());
        // The agent has heard it: the history must already hold it (another process reads it),
        assert_eq!(
            chained(&dir),
            n + 1,
            "decision {n} answered before it was recorded"
        );
        // and its pages show it soon after.
        assert_eq!(
            shown(&dir, n as usize + 1).await.summary,
            format!("ls dir{n}")
        );
    }
    let pending = session
        .submit(shell("touch F", Environment::Staging), None)
        .await
        .unwrap();
    let decision = tokio::spawn(pending.decision());
    let item = console.next_waiting().await;
    console.decide(&item, approve()).await;
    assert_eq!(
        within(decision).await.unwrap().unwrap().verdict,
        Verdict::Approved
    );
    let newest = shown(&dir, 101).await;
    assert_eq!(
        (newest.verdict.as_str(), newest.decided_by.as_str()),
        ("approved", signoff_protocol::TERMINAL),
        "the history names who decided"
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_sqlite_is_locked_agents_are_answered_from_the_journal_until_it_cannot_keep_up() {
    let mut console = TestConsole::start_with_history().await;
    let dir = console.dir.path().join("history");
    let session = console.session("blocked").await;
    let ls = || shell("ls", Environment::Dev);
    assert!(within(session.propose(ls())).await.unwrap().is_approved());
    shown(&dir, 1).await;

    // Another program takes SQLite's write lock (a `sqlite3` shell left in a transaction).
    let blocker = rusqlite::Connection::open(dir.join(store::FILE_NAME)).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    // The journal has the decision: the agent is answered, and verification finds it.
    assert!(within(session.propose(ls())).await.unwrap().is_approved());
    assert_eq!(chained(&dir), 2);
    // Once the index has waited out its busy timeout, nothing more is answered, and the
    // person is told.
    let alert = next_alert(&mut console).await;
    assert!(
        alert.contains("could not record") && alert.contains("database is locked"),
        "{alert}"
    );
    assert!(
        within(session.propose(ls())).await.is_err(),
        "answered without an index"
    );
    // The lock released, the index catches up and the agents are answered again.
    blocker.execute_batch("ROLLBACK").unwrap();
    loop {
        let alert = next_alert(&mut console).await;
        if alert.contains("records again") {
            break;
        }
        assert!(alert.contains("could not record"), "{alert}");
    }
    let session = console.session("after").await;
    assert!(within(session.propose(ls())).await.unwrap().is_approved());
    shown(&dir, 3).await;
    console.shutdown().await;
}

/// Starts the console in tmux (it needs a terminal) with its files in `dir`, and waits until it
/// listens.
fn console_in_tmux(dir: &std::path::Path) -> Tmux {
    let command = format!(
        "env XDG_CONFIG_HOME={d}/config XDG_STATE_HOME={d}/state {BINARY} --socket {d}/signoff.sock --data-dir {d}/history --no-notify",
        d = dir.display()
    );
    let tmux = Tmux::start(&command);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::os::unix::net::UnixStream::connect(dir.join("signoff.sock")).is_err() {
        assert!(Instant::now() < deadline, "the console never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    tmux
}

#[test]
fn killed_with_sigkill_while_agents_stream_nothing_an_agent_saw_approved_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let console = console_in_tmux(dir.path());

    // Four agents gate commands one after another; each notes what it saw approved (exit 0:
    // the command ran), each command told apart by its argument.
    let approved: Arc<Mutex<Vec<String>>> = Arc::default();
    let agents: Vec<_> = (0..4)
        .map(|agent| {
            let approved = approved.clone();
            let socket = socket.clone();
            std::thread::spawn(move || {
                for n in 0.. {
                    let summary = format!("crash-test-{agent}-{n}");
                    let status = Command::new(BINARY)
                        .args(["run", "--socket"])
                        .arg(&socket)
                        .args(["--env", "dev", "--", "true", &summary])
                        .stderr(std::process::Stdio::null())
                        .status()
                        .unwrap();
                    match status.code() {
                        Some(0) => approved.lock().unwrap().push(summary),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Let them stream, then kill the console without warning.
    kill_once_approved(&console, &approved, 40);
    for agent in agents {
        agent.join().unwrap();
    }
    drop(console);

    // The history shows what ran: `true crash-test-…`.
    let approved: Vec<String> = approved
        .lock()
        .unwrap()
        .iter()
        .map(|summary| format!("true {summary}"))
        .collect();
    assert!(approved.len() >= 40);
    assert_recorded_as_approved(&dir.path().join("history"), &approved);
}

/// Once the agents have heard `count` approvals, kills the console without warning (SIGKILL).
fn kill_once_approved(console: &Tmux, approved: &Mutex<Vec<String>>, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while approved.lock().unwrap().len() < count {
        assert!(Instant::now() < deadline, "the agents were never approved");
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = Command::new("kill")
        .args(["-9", &console.pid()])
        .status()
        .unwrap();
    assert!(killed.success());
}

/// `signoff history` (in a new process, as after a crash) shows every one of `summaries` as
/// approved, and `signoff history verify` finds the chain whole.
fn assert_recorded_as_approved(history: &std::path::Path, summaries: &[String]) {
    let output = Command::new(BINARY)
        .args(["history", "--json", "--limit", "1000000", "--data-dir"])
        .arg(history)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recorded: std::collections::HashMap<String, String> =
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| {
                let row: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    row["summary"].as_str().unwrap().to_string(),
                    row["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    for summary in summaries {
        assert_eq!(
            recorded.get(summary).map(String::as_str),
            Some("approved"),
            "{summary} was approved but is not in the history as approved"
        );
    }
    let verify = Command::new(BINARY)
        .args(["history", "verify", "--data-dir"])
        .arg(history)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn killed_with_sigkill_under_256_agents_nothing_an_agent_heard_approved_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let console = console_in_tmux(dir.path());
    let approved: Arc<Mutex<Vec<String>>> = Arc::default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // 256 agents, a connection each, stream read-only commands as fast as they are answered.
    let agents: Vec<_> = (0..256)
        .map(|agent| {
            let (approved, socket) = (approved.clone(), socket.clone());
            runtime.spawn(async move {
                let gate = signoff_agent_sdk::Gate::connect_to(&socket).await.unwrap();
                let session = gate.session(format!("agent-{agent}")).open().await.unwrap();
                for n in 0.. {
                    let summary = format!("ls crash-{agent}-{n}");
                    match session.propose(shell(&summary, Environment::Dev)).await {
                        Ok(decision) if decision.is_approved() => {
                            approved.lock().unwrap().push(summary);
                        }
                        _ => return,
                    }
                }
            })
        })
        .collect();
    kill_once_approved(&console, &approved, 5_000);
    runtime.block_on(async {
        for agent in agents {
            agent.await.unwrap();
        }
    });
    drop(console);
    let approved = approved.lock().unwrap().clone();
    assert_recorded_as_approved(&dir.path().join("history"), &approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_every_record_and_verify_names_the_tampered_one() {
    let console = TestConsole::start_with_history().await;
    let session = console.session("exporter").await;
    for n in 0..3 {
        within(session.propose(shell(&format!("ls dir{n}"), Environment::Dev)))
            .await
            .unwrap();
    }
    let kept = console.shutdown().await;
    let dir = kept.path().join("history");

    let file = dir.join("export.jsonl");
    let export = Command::new(BINARY)
        .args(["history", "export"])
        .arg(&file)
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summaries: Vec<&str> = lines
        .iter()
        .map(|l| l["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["ls dir0", "ls dir1", "ls dir2"], "oldest first");
    assert!(lines.iter().all(|l| l["verdict"] == "approved"
        && l["action_digest"].as_str().is_some_and(|d| d.len() == 64)));

    let verify = || {
        Command::new(BINARY)
            .args(["history", "verify", "--data-dir"])
            .arg(&dir)
            .output()
            .unwrap()
    };
    assert!(verify().status.success());
    let conn = rusqlite::Connection::open(dir.join(store::FILE_NAME)).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.execute("UPDATE decisions SET verdict = 'denied' WHERE seq = 2", [])
        .unwrap();
    drop(conn);
    let broken = verify();
    assert!(!broken.status.success());
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(message.contains("record 2 was altered"), "{message}");
}

#[test]
fn history_without_a_history_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["history", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("no history at") && message.contains("history.sqlite3"),
        "{message}"
    );
}
