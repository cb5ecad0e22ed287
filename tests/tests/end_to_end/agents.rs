//! Agents on the SDK against the real server.

use std::time::{Duration, Instant};

use signoff_agent_sdk::{DecidedBy, Environment, Error, Gate, Tier, Verdict};
use signoff_tui::queue::{DecideError, QueueConfig, UiEvent};

use crate::support::{TestConsole, approve, approve_typed, deny, shell, within};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_action_streams_through_with_no_person() {
    let console = TestConsole::start().await;
    let session = console.session("reader").await;
    let pending = session
        .submit(shell("ls -la", Environment::Dev), None)
        .await
        .unwrap();
    assert_eq!(pending.assessed().assessment.tier, Tier::ReadOnly);
    assert_eq!(pending.assessed().queue_position, 0);
    let decision = within(pending.decision()).await.unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Approved, DecidedBy::Stream)
    );
    console.shutdown().await;
}

/// A hook, a process per call, opens its session in the proposal itself: the first call opens
/// it, the next (another process, the same external id) reuses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_opens_or_reuses_its_session_in_the_same_request() {
    let mut console = TestConsole::start().await;
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let gate = Gate::connect_to(&console.socket).await.unwrap();
        let builder = gate.session("hook").external_id("claude-code:abc");
        let pending = builder
            .submit(shell("ls -la", Environment::Dev), None)
            .await
            .unwrap();
        let decision = within(pending.decision()).await.unwrap();
        assert_eq!(decision.verdict, Verdict::Approved);
        let session = within(async {
            loop {
                if let Some(UiEvent::Decided { item, .. }) = console.events().await {
                    break item.key.session.clone();
                }
            }
        })
        .await;
        sessions.push(session);
    }
    assert_eq!(
        sessions[0], sessions[1],
        "the second call reused the session"
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_risky_action_waits_for_the_person_and_is_approved() {
    let mut console = TestConsole::start().await;
    let session = console.session("builder").await;
    let action = shell("touch F", Environment::Staging);
    let pending = session.submit(action.clone(), None).await.unwrap();
    let assessed = pending.assessed().clone();
    assert_eq!(assessed.assessment.tier, Tier::Risky);
    assert_eq!(assessed.queue_position, 1);
    assert!(!assessed.assessment.reasons.is_empty());

    let decision = tokio::spawn(pending.decision());
    let item = console.next_waiting().await;
    assert_eq!(
        item.action, action,
        "the screen shows exactly what the agent proposed"
    );
    assert!(
        !decision.is_finished(),
        "nothing is decided before the person answers"
    );
    console.decide(&item, approve()).await;

    let decision = within(decision).await.unwrap().unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (
            Verdict::Approved,
            DecidedBy::Person(signoff_protocol::TERMINAL.into())
        )
    );
    assert_eq!(
        decision.action_digest,
        signoff_agent_sdk::ActionDigest::of(&action)
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denial_reaches_the_agent_with_its_note() {
    let mut console = TestConsole::start().await;
    let session = console.session("migrator").await;
    let pending = session
        .submit(shell("psql -c vacuum", Environment::Production), None)
        .await
        .unwrap();
    let decision = tokio::spawn(pending.decision());
    let item = console.next_waiting().await;
    console
        .decide(&item, deny("not during business hours"))
        .await;
    let decision = within(decision).await.unwrap().unwrap();
    assert_eq!(decision.verdict, Verdict::Denied);
    assert_eq!(decision.note, "not during business hours");
    assert!(!decision.is_approved());
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_answering_before_the_deadline_expires_the_proposal() {
    let mut console = TestConsole::start().await;
    let session = console.session("impatient").await;
    // The agent is willing to wait one second; the console expires the item at that deadline.
    let started = Instant::now();
    let pending = session
        .submit(
            shell("touch F", Environment::Staging),
            Some(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    let decision = within(pending.decision()).await.unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Expired, DecidedBy::Console)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "expired early: {:?}",
        started.elapsed()
    );
    let (_, shown) = console.next_decided().await;
    assert_eq!(
        shown.verdict,
        Verdict::Expired,
        "the screen shows it as expired, not denied"
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_that_disconnects_withdraws_its_proposal() {
    let mut console = TestConsole::start().await;
    let session = console.session("flaky").await;
    let pending = session
        .submit(shell("touch F", Environment::Staging), None)
        .await
        .unwrap();
    console.next_waiting().await;
    drop(pending);
    let (item, decision) = console.next_decided().await;
    assert_eq!(item.action.kind.display(), "touch F");
    assert_eq!(decision.verdict, Verdict::Withdrawn);
    assert_eq!(decision.note, "the agent disconnected");
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_console_is_an_error_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let error = Gate::connect_to(dir.path().join("nobody.sock"))
        .await
        .err()
        .expect("no console");
    assert!(matches!(error, Error::Unreachable { .. }), "{error}");
    assert!(error.to_string().contains("nobody.sock"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_console_answers_waiting_agents_without_approving() {
    let mut console = TestConsole::start().await;
    let session = console.session("waiter").await;
    let pending = session
        .submit(shell("touch F", Environment::Staging), None)
        .await
        .unwrap();
    let decision = tokio::spawn(pending.decision());
    console.next_waiting().await;
    let socket = console.socket.clone();
    console.shutdown().await;
    match within(decision).await.unwrap() {
        Ok(decision) => {
            assert_eq!(decision.verdict, Verdict::Withdrawn);
            assert_eq!(decision.note, "the console was closed");
        }
        Err(error) => assert!(matches!(error, Error::Disconnected), "{error}"),
    }
    assert!(!socket.exists(), "the socket is removed on the way out");
    // And now nothing is reachable there.
    assert!(matches!(
        Gate::connect_to(&socket).await,
        Err(Error::Unreachable { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_agents_wait_in_arrival_order() {
    let mut console = TestConsole::start().await;
    let mut decisions = Vec::new();
    let mut sessions = Vec::new();
    for (n, name) in ["claude", "codex", "gemini"].into_iter().enumerate() {
        let session = console.session(name).await;
        let pending = session
            .submit(shell(&format!("touch f{n}"), Environment::Staging), None)
            .await
            .unwrap();
        assert_eq!(pending.assessed().queue_position, n as u32 + 1);
        decisions.push(tokio::spawn(pending.decision()));
        sessions.push(session);
    }
    let mut items = Vec::new();
    for expected in ["claude", "codex", "gemini"] {
        let item = console.next_waiting().await;
        assert_eq!(item.agent, expected, "oldest first");
        items.push(item);
    }
    console.decide(&items[1], deny("one at a time")).await;
    console.decide(&items[0], approve()).await;
    console.decide(&items[2], approve()).await;
    let verdicts: Vec<Verdict> = {
        let mut verdicts = Vec::new();
        for decision in decisions {
            verdicts.push(within(decision).await.unwrap().unwrap().verdict);
        }
        verdicts
    };
    assert_eq!(
        verdicts,
        [Verdict::Approved, Verdict::Denied, Verdict::Approved]
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_action_waits_for_its_name_typed() {
    let mut console = TestConsole::start().await;
    let session = console.session("ops").await;
    let mut delete = shell("railway volume delete vol-7f3a", Environment::Production);
    delete.target.resource = "vol-7f3a".into();
    let pending = session.submit(delete, None).await.unwrap();
    assert_eq!(pending.assessed().assessment.tier, Tier::Critical);
    let decision = tokio::spawn(pending.decision());
    let item = console.next_waiting().await;
    let one_key = console
        .queue()
        .decide(item.key.clone(), signoff_protocol::TERMINAL, approve())
        .await
        .unwrap();
    assert_eq!(
        one_key,
        Err(DecideError::ConfirmationMismatch),
        "one key never approves a critical action"
    );
    let typed = approve_typed("vol-7f3a");
    console.decide(&item, typed).await;
    assert!(within(decision).await.unwrap().unwrap().is_approved());
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_caps_the_wait_an_agent_asks_for() {
    let config = QueueConfig {
        max_wait: Duration::from_secs(1),
        ..QueueConfig::default()
    };
    let console = TestConsole::start_with(config).await;
    let session = console.session("patient").await;
    let pending = session
        .submit(
            shell("touch F", Environment::Staging),
            Some(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let decision = within(pending.decision()).await.unwrap();
    assert_eq!(decision.verdict, Verdict::Expired);
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_runs_the_work_only_when_approved_and_reports_how_it_went() {
    use signoff_agent_sdk::{Action, GuardError, OutcomeStatus};
    use signoff_tui::queue::UiEvent;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let mut console = TestConsole::start().await;
    let session = console.session("guarded").await;
    let runs = AtomicUsize::new(0);

    let edit = Action::file_edit("notes.md", "a\n", "b\n").env(Environment::Dev);
    let result = session
        .guard(edit, || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>("disk full")
        })
        .await;
    assert!(matches!(result, Err(GuardError::Failed("disk full"))));
    let outcome = loop {
        if let UiEvent::Outcome { outcome, .. } = console.next_event().await {
            break outcome;
        }
    };
    assert_eq!(
        (outcome.status, outcome.result.as_str()),
        (OutcomeStatus::Failed, "disk full")
    );

    let delete = Action::shell(["rm", "-rf", "/srv/data"]).env(Environment::Production);
    let guarded = session.guard(delete, || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), String>(())
    });
    let (result, ()) = tokio::join!(guarded, async {
        let item = console.next_waiting().await;
        console.decide(&item, deny("not in production")).await;
    });
    match result {
        Err(GuardError::NotApproved(decision)) => assert_eq!(decision.note, "not in production"),
        other => panic!("{other:?}"),
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the denied work never ran");
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_on_a_destructive_streak_is_frozen_and_its_next_read_waits() {
    let mut console = TestConsole::start().await;
    let session = console.session("streaky").await;
    let mut pending = Vec::new();
    for n in 0..4 {
        let action = shell(&format!("touch F{n}"), Environment::Staging);
        pending.push(session.submit(action, None).await.unwrap());
    }
    let why = within(async {
        loop {
            if let signoff_tui::queue::UiEvent::SessionFrozen { why, .. } =
                console.next_event().await
            {
                return why;
            }
        }
    })
    .await;
    assert_eq!(why, "4 risky or critical actions within 10 s");
    let read = session
        .submit(shell("ls -la", Environment::Dev), None)
        .await
        .unwrap();
    assert_eq!(read.assessed().assessment.tier, Tier::ReadOnly);
    assert_eq!(
        read.assessed().queue_position,
        5,
        "a read-only action from a frozen agent waits behind its four risky ones"
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_agent_is_refused_and_the_person_hears_which_one() {
    let mut console = TestConsole::start_with(QueueConfig {
        max_waiting_per_session: 5,
        ..QueueConfig::default()
    })
    .await;
    let session = console.session("flooder").await;
    // Frozen after its fourth risky action, and then refused at five waiting: nothing it sends
    // is approved meanwhile.
    let mut waiting = Vec::new();
    for n in 0..5 {
        let action = shell(&format!("touch F{n}"), Environment::Staging);
        waiting.push(session.submit(action, None).await.unwrap());
    }
    let refused = session
        .submit(shell("touch F5", Environment::Staging), None)
        .await
        .err()
        .expect("the sixth is refused");
    assert!(
        matches!(&refused, Error::Refused(message) if message.contains("already has 5 proposals waiting")),
        "{refused}"
    );
    let alert = within(async {
        loop {
            if let signoff_tui::queue::UiEvent::Alert(alert) = console.next_event().await {
                return alert;
            }
        }
    })
    .await;
    assert!(
        alert.starts_with("flooder is flooding the queue"),
        "{alert}"
    );
    console.shutdown().await;
}
