//! Decisions exported as OpenTelemetry log records (`--otlp`) to a real OTLP/gRPC receiver: the
//! OpenTelemetry project's protocol package from PyPI, served with grpcio
//! (`tests/python/otlp_receiver.py`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use signoff_agent_sdk::{Environment, Verdict};
use tokio::sync::mpsc;

use crate::python::python_venv;
use crate::support::{BINARY, TestConsole, deny, next_alert, shell, within};

/// A child process, killed if the test ends before it does.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The receiver, running; its records as they arrive, one JSON value each.
struct Receiver {
    _child: Killed,
    port: u16,
    records: mpsc::UnboundedReceiver<serde_json::Value>,
}

impl Receiver {
    /// Serves plain gRPC, or over TLS with `tls` (certificate and key files, PEM). `None` when
    /// this machine has no Python.
    async fn start(venv: &Path, tls: &[&Path]) -> Option<Receiver> {
        let venv = venv.to_path_buf();
        let python = tokio::task::spawn_blocking(move || {
            python_venv(&venv, &["grpcio".as_ref(), "opentelemetry-proto".as_ref()])
        })
        .await
        .unwrap()?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/otlp_receiver.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(tls)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (port_tx, port) = tokio::sync::oneshot::channel();
        let (tx, records) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            let first = lines.next().unwrap().unwrap();
            let port: u16 = first.strip_prefix("listening ").unwrap().parse().unwrap();
            let _ = port_tx.send(port);
            for line in lines.map_while(Result::ok) {
                let _ = tx.send(serde_json::from_str(&line).unwrap());
            }
        });
        let port = within(port).await.unwrap();
        Some(Receiver {
            _child: Killed(child),
            port,
            records,
        })
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn next(&mut self) -> serde_json::Value {
        within(self.records.recv()).await.unwrap()
    }
}

/// `signoff history --json`, read from the file by the real binary: one value per decision.
fn history(dir: &Path) -> Vec<serde_json::Value> {
    let output = Command::new(BINARY)
        .args(["history", "--json", "--data-dir"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_reach_a_real_collector_with_their_place_in_the_history_chain() {
    let venv = tempfile::tempdir().unwrap();
    let Some(mut receiver) = Receiver::start(venv.path(), &[]).await else {
        eprintln!("SKIPPED: python3 is not installed, so no OTLP receiver can be run");
        return;
    };
    let mut console = TestConsole::start_exporting(&receiver.endpoint()).await;
    let session = console.session("exported").await;

    // One the policy streams through, one a person denies.
    let listed = within(session.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(listed.is_approved());
    let pending = session
        .submit(
            shell("kubectl delete namespace payments", Environment::Production),
            None,
        )
        .await
        .unwrap();
    let item = console.next_waiting().await;
    console
        .decide(&item, deny("not the payments namespace"))
        .await;
    assert_eq!(
        within(pending.decision()).await.unwrap().verdict,
        Verdict::Denied
    );

    let streamed = receiver.next().await;
    let denied = receiver.next().await;
    let dir = console.shutdown().await;
    let rows = history(&dir.path().join("history"));
    assert_eq!(rows.len(), 2, "{rows:?}");

    for (record, verdict, source, tier) in [
        (&streamed, "approved", "config", "read_only"),
        (&denied, "denied", "user", "critical"),
    ] {
        assert_eq!(record["event_name"], "signoff.tool_decision", "{record}");
        assert_eq!(record["resource"]["service.name"], "signoff", "{record}");
        let attributes = &record["attributes"];
        assert_eq!(attributes["tool_name"], "shell", "{record}");
        assert_eq!(attributes["decision"], verdict, "{record}");
        assert_eq!(attributes["source"], source, "{record}");
        assert_eq!(attributes["signoff.tier"], tier, "{record}");
        assert_eq!(attributes["signoff.agent"], "exported", "{record}");
        // The decision's place in the history: the same link of the chain, the same action.
        let row = rows
            .iter()
            .find(|row| row["verdict"] == verdict)
            .unwrap_or_else(|| panic!("no {verdict} decision in {rows:?}"));
        assert_eq!(
            attributes["signoff.chain.seq"], row["seq"],
            "{record} {row}"
        );
        assert_eq!(
            attributes["signoff.action.digest"], row["action_digest"],
            "{record} {row}"
        );
        assert_eq!(
            attributes["signoff.environment"], row["environment"],
            "{record} {row}"
        );
    }
    assert_eq!(
        denied["body"],
        "denied shell (critical, production) by terminal"
    );
    // The command itself stays in the history: a command line can hold a secret.
    assert!(!denied.to_string().contains("payments"), "{denied}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_never_answers_holds_up_no_decision() {
    // Accepts the exporter's connection and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let mut console = TestConsole::start_exporting(&endpoint).await;
    let session = console.session("unheard").await;
    let first = within(session.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(first.is_approved());
    // The exporter is connected, and waiting for a collector that will not answer,
    let (held, _) = within(silent.accept()).await.unwrap();
    // while decisions go on being answered as before.
    for n in 0..50 {
        let decision = within(session.propose(shell(&format!("ls dir{n}"), Environment::Dev)))
            .await
            .unwrap();
        assert!(decision.is_approved());
    }
    let pending = session
        .submit(shell("touch F", Environment::Staging), None)
        .await
        .unwrap();
    let item = console.next_waiting().await;
    console.decide(&item, deny("no")).await;
    assert_eq!(
        within(pending.decision()).await.unwrap().verdict,
        Verdict::Denied
    );
    drop(held);
    within(console.shutdown()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_is_down_fails_nothing_and_the_person_is_told() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut console = TestConsole::start_exporting(&endpoint).await;
    let session = console.session("unsent").await;
    let decision = within(session.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(decision.is_approved());
    let alert = next_alert(&mut console).await;
    assert!(
        alert.starts_with(&format!("OTLP export to {endpoint} failed")),
        "{alert}"
    );
    assert!(
        alert.contains("the history still records every decision"),
        "{alert}"
    );
    // Recorded all the same.
    let dir = console.shutdown().await;
    let rows = history(&dir.path().join("history"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["verdict"], "approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_binary_exports_to_a_collector_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let Some(mut receiver) = Receiver::start(&dir.path().join("venv"), &[&cert, &key]).await else {
        eprintln!("SKIPPED: python3 is not installed, so no OTLP receiver can be run");
        return;
    };
    let socket = dir.path().join("signoff.sock");
    let signoff = |args: &[&str]| {
        let mut command = Command::new(BINARY);
        command
            .arg("--socket")
            .arg(&socket)
            .args(args)
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            // The collector's certificate is trusted as a system root would be.
            .env("SSL_CERT_FILE", &cert)
            .current_dir(dir.path());
        command
    };
    let endpoint = format!("https://127.0.0.1:{}", receiver.port);
    let mut serve = Killed(
        signoff(&["--otlp", &endpoint, "serve"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(serve.0.stdout.take().unwrap()).lines();
    let listening = lines.next().unwrap().unwrap();
    assert!(listening.contains("agents connect to"), "{listening}");

    let ran = signoff(&["run", "--env", "dev", "--", "true"])
        .output()
        .unwrap();
    assert!(ran.status.success(), "{ran:?}");
    let record = receiver.next().await;
    assert_eq!(record["attributes"]["decision"], "approved", "{record}");
    assert_eq!(
        record["attributes"]["signoff.agent"], "signoff run",
        "{record}"
    );
    assert_eq!(record["attributes"]["signoff.chain.seq"], 1, "{record}");

    let stopped = Command::new("kill")
        .args(["-TERM", &serve.0.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(serve.0.wait().unwrap().success());
}
