//! Remote agents: the console also serving TCP on a real port, only to agents with its token,
//! over TLS when given a certificate.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use signoff_agent_sdk::{DecidedBy, Environment, Error, Gate, Verdict};
use signoff_tui::server::{Remote, RemoteError, RemoteOptions, Token};
use signoff_tui::tls::TlsPem;

use crate::hooks::{claude, decision, run_hook};
use crate::support::{BINARY, TestConsole, shell, within};

fn plain(token: &Token) -> RemoteOptions {
    RemoteOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        token: token.clone(),
        tls: None,
    }
}

/// Opens a session over `gate` and proposes a read-only command, which streams through.
async fn streams_through(gate: &Gate) {
    let session = within(gate.session("remote").open()).await.unwrap();
    let decision = within(session.propose(shell("ls -la", Environment::Dev)))
        .await
        .unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Approved, DecidedBy::Stream)
    );
}

/// What opening a session says when the gate was made without (or with the wrong) token.
async fn refusal(gate: Gate) -> String {
    match within(gate.session("intruder").open()).await {
        Err(Error::Unauthenticated(message)) => message,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a session opened without the console's token"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_auth_accepted_and_refused() {
    let token = Token::generate().unwrap();
    let console = TestConsole::start_remote(plain(&token)).await;
    let url = format!("http://{}", console.remote_addr());

    let gate = Gate::builder(&url)
        .token(token.as_str())
        .connect()
        .await
        .unwrap();
    streams_through(&gate).await;

    let without = Gate::builder(&url).connect().await.unwrap();
    assert!(refusal(without).await.contains("set SIGNOFF_TOKEN"));
    let wrong = Token::generate().unwrap();
    let with_wrong = Gate::builder(&url)
        .token(wrong.as_str())
        .connect()
        .await
        .unwrap();
    assert!(refusal(with_wrong).await.contains("wrong token"));

    // Nothing on the TCP side answers without the token, not even health or reflection.
    let channel = tonic::transport::Endpoint::from_shared(url.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let health = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await;
    assert_eq!(health.unwrap_err().code(), tonic::Code::Unauthenticated);

    // The Unix socket stays as it was: private to the user, no token.
    streams_through(&console.gate().await).await;
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_agents_that_trust_the_certificate_and_no_one_in_plain_text() {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (certified.cert.pem(), certified.signing_key.serialize_pem());
    let token = Token::generate().unwrap();
    let console = TestConsole::start_remote(RemoteOptions {
        tls: Some(TlsPem {
            cert: cert.clone().into(),
            key: key.clone().into(),
        }),
        ..plain(&token)
    })
    .await;
    let addr = console.remote_addr();

    let gate = Gate::builder(format!("https://{addr}"))
        .token(token.as_str())
        .ca_certificate(cert.as_bytes())
        .connect()
        .await
        .unwrap();
    streams_through(&gate).await;

    // A certificate the agent has no reason to trust: no connection, so no approval.
    let untrusted = Gate::builder(format!("https://{addr}"))
        .token(token.as_str())
        .connect()
        .await;
    assert!(matches!(untrusted, Err(Error::Unreachable { .. })));
    // Plain HTTP/2 to a TLS port gets nothing either.
    match Gate::builder(format!("http://{addr}"))
        .token(token.as_str())
        .connect()
        .await
    {
        Err(Error::Unreachable { .. }) => {}
        Ok(gate) => {
            let opened = within(gate.session("plain").open()).await;
            assert!(opened.is_err(), "a session opened over plain text");
        }
        Err(other) => panic!("unexpected: {other}"),
    }
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_that_cannot_be_used_stops_the_start_with_the_reason() {
    let token = Token::generate().unwrap();
    let broken = RemoteOptions {
        tls: Some(TlsPem {
            cert: b"not a certificate".to_vec(),
            key: b"not a key".to_vec(),
        }),
        ..plain(&token)
    };
    let error = Remote::bind(broken).err().expect("refused at start");
    assert!(matches!(error, RemoteError::Tls(_)), "{error}");
    assert!(
        error.to_string().contains("TLS certificate and key"),
        "{error}"
    );

    // The port is taken: the console says which address.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = Remote::bind(RemoteOptions {
        listen: addr,
        ..plain(&token)
    })
    .err()
    .expect("refused at start");
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot listen on {addr}")),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_in_a_container_reaches_the_console_with_the_token_from_its_environment() {
    let token = Token::generate().unwrap();
    let console = TestConsole::start_remote(plain(&token)).await;
    let url = std::path::PathBuf::from(format!("http://{}", console.remote_addr()));
    let cwd = tempfile::tempdir().unwrap();
    let payload = claude(
        "Bash",
        serde_json::json!({"command": "ls", "description": "List files"}),
        cwd.path(),
    );
    let args = ["claude-code", "--env", "dev", "--timeout", "20"];

    let (answer, code) =
        run_hook(&url, &args, &payload, &[("SIGNOFF_TOKEN", token.as_str())]).await;
    assert_eq!((decision(&answer).0, code), ("allow", Some(0)));

    let (answer, code) = run_hook(&url, &args, &payload, &[]).await;
    let (verdict, reason) = decision(&answer);
    assert_eq!((verdict, code), ("deny", Some(0)));
    assert!(reason.contains("SIGNOFF_TOKEN"), "{reason}");
    console.shutdown().await;
}

#[test]
fn token_new_stores_a_private_token_and_the_console_asks_for_one_when_there_is_none() {
    let home = tempfile::tempdir().unwrap();
    let signoff = |args: &[&str]| {
        Command::new(BINARY)
            .args(args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_RUNTIME_DIR", home.path())
            .output()
            .unwrap()
    };
    let file = home.path().join("config/signoff/token");

    let output = signoff(&["--listen", "127.0.0.1:0"]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(&format!(
            "no token at {}: run `signoff token new` first",
            file.display()
        )),
        "{said}"
    );
    assert!(!signoff(&["token", "show"]).status.success());

    let output = signoff(&["token", "new"]);
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let stored = std::fs::read_to_string(&file).unwrap();
    assert_eq!(printed, stored);
    assert!(printed.starts_with("signoff_"));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(signoff(&["token", "show"]).stdout, printed.as_bytes());

    let again = signoff(&["token", "new"]);
    assert_ne!(
        again.stdout,
        printed.as_bytes(),
        "a new token replaces the old"
    );
}
