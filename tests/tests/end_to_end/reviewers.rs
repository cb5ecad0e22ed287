//! `signoff.v1.Reviewer` on the console's real socket: only a paired reviewer's credential opens
//! it, decisions carry the reviewer's name and bind to the action seen, revocation ends a stream
//! at once, and the two-person rule needs two different reviewers.

use signoff_agent_sdk::{DecidedBy, Environment, Gate, Tier, Verdict};
use signoff_protocol::pb::{self, pair_event, reviewer_client::ReviewerClient};
use signoff_tui::queue::QueueConfig;
use signoff_tui::server::{RemoteOptions, Token};
use signoff_tui::tls::TlsPem;
use tonic::transport::Channel;
use tonic::{Code, Request};

use crate::support::{TestConsole, approve_typed, shell, within};

async fn channel(console: &TestConsole) -> Channel {
    Gate::builder(&console.socket).channel().await.unwrap()
}

/// A request carrying `authorization: <value>`.
fn with_auth<T>(message: T, value: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", value.parse().unwrap());
    request
}

/// Pairs as `name`: the code is asked for over the socket, and typed "at the console".
async fn pair(console: &TestConsole, name: &str) -> String {
    pair_over(channel(console).await, console, name).await
}

/// Pairs as `name`, asking over `channel`.
async fn pair_over(channel: Channel, console: &TestConsole, name: &str) -> String {
    let mut client = ReviewerClient::new(channel);
    let mut events = client
        .pair(pb::PairRequest {
            name: name.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let Some(pair_event::Event::Code(code)) = events.message().await.unwrap().unwrap().event else {
        panic!("the first event is the code");
    };
    assert_eq!(console.reviewers().confirm(&code).unwrap(), name);
    let Some(pair_event::Event::Credential(credential)) =
        events.message().await.unwrap().unwrap().event
    else {
        panic!("then the credential");
    };
    format!("Reviewer {credential}")
}

fn decide(item: &pb::QueueItem, verdict: pb::Verdict, typed: &str) -> pb::DecideRequest {
    pb::DecideRequest {
        session_id: item.session_id.clone(),
        proposal_id: item.proposal_id.clone(),
        action_digest: item.action_digest.clone(),
        verdict: verdict as i32,
        typed_text: typed.into(),
        note: "not now".into(),
    }
}

/// The next waiting item a Watch stream shows.
async fn next_waiting(stream: &mut tonic::Streaming<pb::QueueEvent>) -> pb::QueueItem {
    loop {
        let event = within(stream.message()).await.unwrap().unwrap();
        if let Some(pb::queue_event::Event::Waiting(item)) = event.event {
            return item;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_paired_credential_the_reviewer_service_refuses_everything() {
    let console = TestConsole::start().await;
    let mut client = ReviewerClient::new(channel(&console).await);
    let refused = [
        client.watch(pb::WatchRequest {}).await.err(),
        client
            .watch(with_auth(pb::WatchRequest {}, "Bearer signoff_0123"))
            .await
            .err(),
        client
            .watch(with_auth(
                pb::WatchRequest {},
                "Reviewer signoff_reviewer_00",
            ))
            .await
            .err(),
        client
            .set_paused(pb::SetPausedRequest { paused: true })
            .await
            .err(),
        client
            .confirm_pairing(pb::ConfirmPairingRequest {
                code: "AAAA-AAAA".into(),
            })
            .await
            .err(),
    ];
    for status in refused {
        assert_eq!(status.map(|s| s.code()), Some(Code::Unauthenticated));
    }
    // Asking to pair is open to anyone, and gives a code, not a credential.
    let mut events = client
        .pair(pb::PairRequest {
            name: "mallory".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let first = events.message().await.unwrap().unwrap();
    assert!(matches!(first.event, Some(pair_event::Event::Code(_))));
    assert!(console.reviewers().list().is_empty());
    // A reviewer cannot take a name decisions use for the console itself.
    let reserved = client
        .pair(pb::PairRequest {
            name: "terminal".into(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap();
    assert_eq!(reserved.code(), Code::InvalidArgument);
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paired_reviewer_sees_the_queue_and_its_decision_reaches_the_agent() {
    let mut console = TestConsole::start_with_history().await;
    let session = console.session("ops").await;
    // Waiting before the screen attaches: it is in the picture the screen starts from.
    let pending = session
        .submit(shell("touch F", Environment::Staging), None)
        .await
        .unwrap();
    let decision = tokio::spawn(pending.decision());
    console.next_waiting().await;

    let alice = pair(&console, "alice").await;
    let mut client = ReviewerClient::new(channel(&console).await);
    let mut alice_watch = client
        .watch(with_auth(pb::WatchRequest {}, &alice))
        .await
        .unwrap()
        .into_inner();
    let bob = pair(&console, "bob").await;
    let mut bob_watch = client
        .watch(with_auth(pb::WatchRequest {}, &bob))
        .await
        .unwrap()
        .into_inner();
    let item = next_waiting(&mut alice_watch).await;
    assert_eq!(next_waiting(&mut bob_watch).await, item);

    // Bound to the action seen: another digest is refused.
    let mut stale = decide(&item, pb::Verdict::Approved, "");
    stale.action_digest = "00".repeat(32);
    let refused = client.decide(with_auth(stale, &alice)).await.err().unwrap();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("not the action you saw"),
        "{refused:?}"
    );

    client
        .decide(with_auth(decide(&item, pb::Verdict::Approved, ""), &alice))
        .await
        .unwrap();
    let decision = within(decision).await.unwrap().unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Approved, DecidedBy::Person("alice".into()))
    );
    // The other screen sees it decided, by alice.
    loop {
        let event = within(bob_watch.message()).await.unwrap().unwrap();
        if let Some(pb::queue_event::Event::Decided(decided)) = event.event {
            assert_eq!(decided.item.unwrap().proposal_id, item.proposal_id);
            assert_eq!(decided.decision.unwrap().reviewers, "alice");
            break;
        }
    }
    // Two reviewers pressing on the same item: one decision wins, the other is told.
    let late = client
        .decide(with_auth(decide(&item, pb::Verdict::Denied, ""), &bob))
        .await
        .err()
        .unwrap();
    assert_eq!(late.code(), Code::FailedPrecondition);

    // The history's pages, over the reviewers' service: who decided, and the action itself.
    let decisions = pb::HistoryRequest {
        page: Some(pb::history_request::Page::Decisions(pb::DecisionsPage {
            session_id: item.session_id.clone(),
            ..Default::default()
        })),
        offset: 0,
    };
    let refused = client.history(decisions.clone()).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let recorded = loop {
        let page = client
            .history(with_auth(decisions.clone(), &bob))
            .await
            .unwrap()
            .into_inner();
        if let Some(decision) = page.decisions.into_iter().next() {
            break decision;
        }
        // Indexed behind the journal, within 100 ms.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(
        (recorded.decided_by.as_str(), recorded.verdict.as_str()),
        ("alice", "approved")
    );
    assert_eq!(recorded.action, item.action);
    let sessions = pb::HistoryRequest {
        page: Some(pb::history_request::Page::Sessions(pb::SessionsPage {
            text: "ops".into(),
        })),
        offset: 0,
    };
    let page = client
        .history(with_auth(sessions, &alice))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.sessions.len(), 1, "{page:?}");
    assert_eq!(page.sessions[0].approved, 1);

    let dir = console.shutdown().await;
    let store = signoff_tui::store::Store::open(&dir.path().join("history")).unwrap();
    let rows = signoff_tui::store::rows(&store, &Default::default()).unwrap();
    assert_eq!(rows[0].decided_by, "alice", "the history says who decided");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_reviewer_is_refused_mid_stream() {
    let console = TestConsole::start().await;
    let alice = pair(&console, "alice").await;
    let mut client = ReviewerClient::new(channel(&console).await);
    let mut watch = client
        .watch(with_auth(pb::WatchRequest {}, &alice))
        .await
        .unwrap()
        .into_inner();
    let listed = client
        .list_reviewers(with_auth(pb::ListReviewersRequest {}, &alice))
        .await
        .unwrap()
        .into_inner()
        .reviewers;
    assert_eq!(listed.len(), 1);
    // Revoked from a trusted screen (here, the console's).
    assert!(console.reviewers().revoke(&listed[0].reviewer_id));
    let ended = loop {
        match within(watch.message()).await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended without saying why"),
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), Code::PermissionDenied);
    let refused = client
        .set_paused(with_auth(pb::SetPausedRequest { paused: true }, &alice))
        .await
        .err()
        .unwrap();
    assert_eq!(refused.code(), Code::Unauthenticated);
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_two_person_rule_a_critical_item_needs_two_different_reviewers() {
    let mut console = TestConsole::start_with(QueueConfig {
        two_person: Some(Tier::Critical),
        ..QueueConfig::default()
    })
    .await;
    let session = console.session("ops").await;
    let mut delete = shell("railway volume delete vol-7f3a", Environment::Production);
    delete.target.resource = "vol-7f3a".into();
    let pending = session.submit(delete, None).await.unwrap();
    assert_eq!(pending.assessed().assessment.tier, Tier::Critical);
    let decision = tokio::spawn(pending.decision());
    let waiting = console.next_waiting().await;

    let alice = pair(&console, "alice").await;
    let mut client = ReviewerClient::new(channel(&console).await);
    let mut watch = client
        .watch(with_auth(pb::WatchRequest {}, &alice))
        .await
        .unwrap()
        .into_inner();
    let item = next_waiting(&mut watch).await;
    // Without the name typed: refused, as at the console.
    let untyped = client
        .decide(with_auth(decide(&item, pb::Verdict::Approved, ""), &alice))
        .await
        .err()
        .unwrap();
    assert_eq!(untyped.code(), Code::FailedPrecondition);
    client
        .decide(with_auth(
            decide(&item, pb::Verdict::Approved, "vol-7f3a"),
            &alice,
        ))
        .await
        .unwrap();
    // Everyone sees "1 of 2"; the agent hears nothing yet.
    loop {
        let event = within(watch.message()).await.unwrap().unwrap();
        if let Some(pb::queue_event::Event::FirstApproval(first)) = event.event {
            assert_eq!(first.by, "alice");
            break;
        }
    }
    assert!(!decision.is_finished(), "one approval does not run it");
    let again = client
        .decide(with_auth(
            decide(&item, pb::Verdict::Approved, "vol-7f3a"),
            &alice,
        ))
        .await
        .err()
        .unwrap();
    assert!(again.message().contains("another reviewer"), "{again:?}");
    assert!(
        !decision.is_finished(),
        "two approvals by one reviewer do not run it"
    );

    // The console's terminal is the second reviewer.
    console.decide(&waiting, approve_typed("vol-7f3a")).await;
    let decision = within(decision).await.unwrap().unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (
            Verdict::Approved,
            DecidedBy::Person("alice and terminal".into())
        )
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signoff_serve_has_no_screen_its_first_code_makes_the_first_reviewer_and_sigterm_withdraws()
{
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let private = |command: &mut Command| {
        for (name, sub) in [
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_DATA_HOME", "data"),
        ] {
            command.env(name, dir.path().join(sub));
        }
    };
    let mut serve = Command::new(crate::support::BINARY);
    serve
        .arg("--socket")
        .arg(&socket)
        .arg("serve")
        .stdout(Stdio::piped());
    private(&mut serve);
    let mut serve = serve.spawn().unwrap();
    let mut lines = std::io::BufReader::new(serve.stdout.take().unwrap()).lines();
    let code = loop {
        let line = lines.next().expect("serve printed no code").unwrap();
        if let Some(rest) = line.split("signoff attach --code ").nth(1) {
            break rest.trim().to_string();
        }
    };
    let run = |file: &std::path::Path| {
        let mut run = Command::new(crate::support::BINARY);
        run.args(["run", "--env", "staging", "--socket"])
            .arg(&socket)
            .args(["--", "touch"])
            .arg(file);
        private(&mut run);
        run.spawn().unwrap()
    };

    let channel = Gate::builder(&socket).channel().await.unwrap();
    let mut client = ReviewerClient::new(channel);
    let wrong = client
        .pair(pb::PairRequest {
            name: "mallory".into(),
            first_code: "AAAA-AAAA".into(),
        })
        .await
        .err()
        .unwrap();
    assert_eq!(wrong.code(), Code::PermissionDenied);
    let mut events = client
        .pair(pb::PairRequest {
            name: "on-call".into(),
            first_code: code.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let Some(pair_event::Event::Credential(credential)) =
        events.message().await.unwrap().unwrap().event
    else {
        panic!("the first code gives a credential at once");
    };
    let on_call = format!("Reviewer {credential}");
    let mut watch = client
        .watch(with_auth(pb::WatchRequest {}, &on_call))
        .await
        .unwrap()
        .into_inner();

    let approved = dir.path().join("approved");
    let mut agent = run(&approved);
    let item = next_waiting(&mut watch).await;
    client
        .decide(with_auth(
            decide(&item, pb::Verdict::Approved, ""),
            &on_call,
        ))
        .await
        .unwrap();
    assert_eq!(agent.wait().unwrap().code(), Some(0));
    assert!(approved.exists());

    // SIGTERM while an agent waits: withdrawn, not run; serve stops cleanly.
    let withdrawn = dir.path().join("withdrawn");
    let mut agent = run(&withdrawn);
    next_waiting(&mut watch).await;
    let pid = serve.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(serve.wait().unwrap().success());
    assert_ne!(agent.wait().unwrap().code(), Some(0));
    assert!(!withdrawn.exists());
    assert!(!socket.exists(), "the socket goes with it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_a_remote_reviewer_pairs_and_decides_with_its_own_credential_never_the_agents_token()
 {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (certified.cert.pem(), certified.signing_key.serialize_pem());
    let token = Token::generate().unwrap();
    let console = TestConsole::start_remote(RemoteOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        token: token.clone(),
        tls: Some(TlsPem {
            cert: cert.clone().into(),
            key: key.clone().into(),
        }),
    })
    .await;
    let url = format!("https://{}", console.remote_addr());
    let remote = Gate::builder(&url)
        .ca_certificate(cert.as_bytes())
        .channel()
        .await
        .unwrap();

    // No agent's token is needed to ask, and a person must still type the code.
    let alice = pair_over(remote.clone(), &console, "alice").await;
    let mut client = ReviewerClient::new(remote.clone());
    let mut watch = client
        .watch(with_auth(pb::WatchRequest {}, &alice))
        .await
        .unwrap()
        .into_inner();
    let session = console.session("ops").await;
    let pending = session
        .submit(shell("touch F", Environment::Staging), None)
        .await
        .unwrap();
    let decision = tokio::spawn(pending.decision());
    let item = next_waiting(&mut watch).await;
    client
        .decide(with_auth(decide(&item, pb::Verdict::Approved, ""), &alice))
        .await
        .unwrap();
    let decision = within(decision).await.unwrap().unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Approved, DecidedBy::Person("alice".into()))
    );

    // The agents' token opens nothing of the reviewers' service, and a reviewer's credential
    // opens nothing of the agents'.
    let bearer = format!("Bearer {}", token.as_str());
    let refused = client
        .list_reviewers(with_auth(pb::ListReviewersRequest {}, &bearer))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let mut gate = pb::agent_gate_client::AgentGateClient::new(remote);
    let refused = gate
        .open_session(with_auth(pb::OpenSessionRequest::default(), &alice))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(refused.message().contains("wrong token"), "{refused:?}");
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_plain_tcp_reviewers_are_served_on_loopback_only() {
    let token = Token::generate().unwrap();
    for (listen, served) in [("127.0.0.1:0", true), ("0.0.0.0:0", false)] {
        let console = TestConsole::start_remote(RemoteOptions {
            listen: listen.parse().unwrap(),
            token: token.clone(),
            tls: None,
        })
        .await;
        let url = format!("http://127.0.0.1:{}", console.remote_addr().port());
        let mut client = ReviewerClient::new(Gate::builder(&url).channel().await.unwrap());
        let asked = client
            .pair(pb::PairRequest {
                name: "alice".into(),
                ..Default::default()
            })
            .await;
        match asked {
            Ok(_) => assert!(served, "{listen}: reviewers were served in clear text"),
            Err(status) => {
                assert!(!served, "{listen}: {status:?}");
                assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
            }
        }
        console.shutdown().await;
    }
}
