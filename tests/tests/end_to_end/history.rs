//! The history on the real path: durable before answered, and kept across a crash.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use signoff_agent_sdk::{Environment, Verdict};
use signoff_tui::store::{self, Filter, Store};

use crate::support::{BINARY, TestConsole, Tmux, approve, shell, within};

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
        // The agent has heard it: the history must already have it (another connection reads it).
        let store = Store::open(&dir).unwrap();
        let rows = store::rows(&store, &Filter::default()).unwrap();
        assert_eq!(
            rows.len(),
            n + 1,
            "decision {n} answered before it was recorded"
        );
        assert_eq!(rows[0].summary, format!("ls dir{n}"));
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
    let store = Store::open(&dir).unwrap();
    let newest = &store::rows(&store, &Filter::default()).unwrap()[0];
    assert_eq!(
        (newest.verdict.as_str(), newest.decided_by.as_str()),
        ("approved", "person")
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_history_cannot_commit_no_agent_hears_a_decision() {
    let console = TestConsole::start_with_history().await;
    let session = console.session("blocked").await;
    // Warm up: the history exists and works.
    assert!(
        within(session.propose(shell("ls", Environment::Dev)))
            .await
            .unwrap()
            .is_approved()
    );

    // Another connection takes the database's write lock: the writer's commit must wait for it.
    let blocker =
        rusqlite::Connection::open(console.dir.path().join("history").join(store::FILE_NAME))
            .unwrap();
    blocker.busy_timeout(Duration::from_secs(5)).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let session = std::sync::Arc::new(session);
    let proposing = session.clone();
    let decision =
        tokio::spawn(async move { proposing.propose(shell("ls src", Environment::Dev)).await });
    // The decision is made (it streams) but cannot be recorded: the agent must not hear it (nor
    // its assessment, which travels with it).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !decision.is_finished(),
        "the agent heard a decision the history had not recorded"
    );
    blocker.execute_batch("ROLLBACK").unwrap();
    let decision = within(decision).await.unwrap().unwrap();
    assert!(decision.is_approved());
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
    let deadline = Instant::now() + Duration::from_secs(30);
    while approved.lock().unwrap().len() < 40 {
        assert!(Instant::now() < deadline, "the agents were never approved");
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = Command::new("kill")
        .args(["-9", &console.pid()])
        .status()
        .unwrap();
    assert!(killed.success());
    for agent in agents {
        agent.join().unwrap();
    }
    drop(console);

    let approved = approved.lock().unwrap().clone();
    let output = Command::new(BINARY)
        .args(["history", "--json", "--limit", "100000", "--data-dir"])
        .arg(dir.path().join("history"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recorded: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    for summary in &approved {
        // The history shows what ran: `true crash-test-…`.
        let row = recorded
            .iter()
            .find(|row| row["summary"] == format!("true {summary}").as_str());
        assert!(
            row.is_some_and(|row| row["verdict"] == "approved"),
            "{summary} ran but is not in the history as approved"
        );
    }
    // And the chain is whole.
    let verify = Command::new(BINARY)
        .args(["history", "verify", "--data-dir"])
        .arg(dir.path().join("history"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(approved.len() >= 40);
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
