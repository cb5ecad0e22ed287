use std::time::UNIX_EPOCH;

use signoff_protocol::{
    ActionKind, Environment, OutcomeStatus, ShellCommand, TERMINAL, Target, Tier,
};

use super::*;
use crate::policy::Engine;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

fn shell(words: &str, environment: Environment) -> Action {
    Action {
        target: Target {
            environment,
            resource: String::new(),
        },
        ..Action::new(ActionKind::Shell(ShellCommand::Argv {
            argv: words.split_whitespace().map(String::from).collect(),
            cwd: "/repo".into(),
        }))
    }
}

fn risky(words: &str) -> Action {
    shell(words, Environment::Staging)
}

fn key(session: &str, proposal: &str) -> ProposalKey {
    ProposalKey {
        session: SessionId(session.into()),
        proposal: ProposalId(proposal.into()),
    }
}

fn queue() -> Queue {
    queue_with(QueueConfig::default())
}

fn queue_with(config: QueueConfig) -> Queue {
    let mut queue = Queue::new(Box::new(Engine::default()), config);
    for (id, name) in [("s1", "claude"), ("s2", "codex")] {
        let info = SessionInfo {
            agent_name: name.into(),
            ..SessionInfo::default()
        };
        queue.open_session(SessionId(id.into()), info, None);
    }
    queue
}

/// `subscriber` proposes `action` as `key` at `now`, with no wait of its own.
fn try_propose(
    queue: &mut Queue,
    now: SystemTime,
    subscriber: SubscriberId,
    key: ProposalKey,
    action: Action,
) -> Result<Vec<Effect>, ProposeError> {
    queue.propose(now, subscriber, key, action, None)
}

/// The same, for a proposal the queue takes: what it did.
#[track_caller]
fn propose(
    queue: &mut Queue,
    now: SystemTime,
    subscriber: SubscriberId,
    key: ProposalKey,
    action: Action,
) -> Vec<Effect> {
    try_propose(queue, now, subscriber, key, action).unwrap()
}

/// The events answered to `subscriber`, in order.
fn answers(effects: &[Effect], subscriber: SubscriberId) -> Vec<ProposeEvent> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Answer { to, event } if *to == subscriber => Some(event.clone()),
            _ => None,
        })
        .collect()
}

fn decision_for(effects: &[Effect], subscriber: SubscriberId) -> Option<Decision> {
    answers(effects, subscriber)
        .into_iter()
        .find_map(|event| match event {
            ProposeEvent::Decided(decision) => Some(decision),
            ProposeEvent::Assessed(_) => None,
        })
}

fn position(effects: &[Effect], subscriber: SubscriberId) -> u32 {
    match answers(effects, subscriber).first() {
        Some(ProposeEvent::Assessed(assessed)) => assessed.queue_position,
        other => panic!("expected an assessment first, got {other:?}"),
    }
}

#[test]
fn a_read_only_action_streams_through_at_once() {
    let mut queue = queue();
    let effects = propose(
        &mut queue,
        at(0),
        1,
        key("s1", "p1"),
        shell("ls", Environment::Dev),
    );
    assert_eq!(position(&effects, 1), 0);
    let decision = decision_for(&effects, 1).expect("decided at once");
    assert_eq!(decision.verdict, Verdict::Approved);
    assert_eq!(decision.decided_by, DecidedBy::Stream);
    assert_eq!(
        decision.action_digest,
        ActionDigest::of(&shell("ls", Environment::Dev))
    );
    assert_eq!(queue.waiting().count(), 0);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Show(UiEvent::Decided { .. })))
    );
}

#[test]
fn a_risky_action_waits_for_a_person() {
    let mut queue = queue();
    let effects = propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    assert_eq!(position(&effects, 1), 1);
    assert_eq!(decision_for(&effects, 1), None);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Show(UiEvent::Waiting(_))))
    );

    let effects = queue
        .decide(
            at(5),
            &key("s1", "p1"),
            TERMINAL,
            PersonDecision::Approve { typed: None },
        )
        .unwrap();
    let decision = decision_for(&effects, 1).unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Approved, DecidedBy::Person(TERMINAL.into()))
    );
    assert_eq!(decision.decided_at, at(5));
    assert_eq!(queue.waiting().count(), 0);
    // Decided once: a second answer finds nothing waiting.
    assert_eq!(
        queue
            .decide(
                at(6),
                &key("s1", "p1"),
                TERMINAL,
                PersonDecision::Approve { typed: None }
            )
            .unwrap_err(),
        DecideError::NotWaiting(ProposalId("p1".into()))
    );
}

#[test]
fn a_denial_carries_the_note_to_the_agent() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    let effects = queue
        .decide(
            at(1),
            &key("s1", "p1"),
            TERMINAL,
            PersonDecision::Deny {
                note: "use the fixture".into(),
            },
        )
        .unwrap();
    let decision = decision_for(&effects, 1).unwrap();
    assert_eq!(decision.verdict, Verdict::Denied);
    assert_eq!(decision.note, "use the fixture");
}

#[test]
fn a_critical_action_is_never_approved_by_one_key() {
    let mut queue = queue();
    let delete = shell("railway volume delete vol-7f3a", Environment::Production);
    let effects = propose(&mut queue, at(0), 1, key("s1", "p1"), delete);
    match answers(&effects, 1).first() {
        Some(ProposeEvent::Assessed(assessed)) => {
            assert_eq!(assessed.assessment.tier, Tier::Critical)
        }
        other => panic!("{other:?}"),
    }
    for typed in [None, Some("vol-7f3"), Some("VOL-7F3A"), Some("")] {
        let answer = PersonDecision::Approve {
            typed: typed.map(String::from),
        };
        assert_eq!(
            queue
                .decide(at(1), &key("s1", "p1"), TERMINAL, answer)
                .unwrap_err(),
            DecideError::ConfirmationMismatch
        );
    }
    assert_eq!(
        queue.waiting().count(),
        1,
        "a refused approval leaves the item waiting"
    );
    let answer = PersonDecision::Approve {
        typed: Some("vol-7f3a".into()),
    };
    let effects = queue
        .decide(at(2), &key("s1", "p1"), TERMINAL, answer)
        .unwrap();
    assert_eq!(
        decision_for(&effects, 1).unwrap().verdict,
        Verdict::Approved
    );
}

/// A queue under the two-person rule for critical items, with the seed incident waiting.
fn two_person_queue_with_the_volume_delete() -> Queue {
    let mut queue = queue_with(QueueConfig {
        two_person: Some(Tier::Critical),
        ..QueueConfig::default()
    });
    let delete = shell("railway volume delete vol-7f3a", Environment::Production);
    propose(&mut queue, at(0), 1, key("s1", "p1"), delete);
    queue
}

fn typed_name() -> PersonDecision {
    PersonDecision::Approve {
        typed: Some("vol-7f3a".into()),
    }
}

#[test]
fn under_the_two_person_rule_one_approval_answers_nobody_and_the_second_reviewer_decides() {
    let mut queue = two_person_queue_with_the_volume_delete();
    let effects = queue
        .decide(at(1), &key("s1", "p1"), TERMINAL, typed_name())
        .unwrap();
    assert_eq!(
        decision_for(&effects, 1),
        None,
        "the agent hears nothing yet"
    );
    assert!(matches!(
        effects.as_slice(),
        [Effect::Show(UiEvent::FirstApproval { key: k, by })] if *k == key("s1", "p1") && by == TERMINAL
    ));
    assert_eq!(queue.waiting().count(), 1);

    // The same reviewer again is not a second person.
    assert_eq!(
        queue
            .decide(at(2), &key("s1", "p1"), TERMINAL, typed_name())
            .unwrap_err(),
        DecideError::SameReviewer
    );
    // The second reviewer types the name too.
    assert_eq!(
        queue
            .decide(
                at(2),
                &key("s1", "p1"),
                "Jer's phone",
                PersonDecision::Approve { typed: None }
            )
            .unwrap_err(),
        DecideError::ConfirmationMismatch
    );
    let effects = queue
        .decide(at(3), &key("s1", "p1"), "Jer's phone", typed_name())
        .unwrap();
    let decision = decision_for(&effects, 1).unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (
            Verdict::Approved,
            DecidedBy::Person("terminal and Jer's phone".into())
        )
    );
    assert_eq!(queue.waiting().count(), 0);
}

#[test]
fn under_the_two_person_rule_one_denial_ends_it_and_no_grant_covers_it() {
    let mut queue = two_person_queue_with_the_volume_delete();
    queue
        .decide(at(1), &key("s1", "p1"), TERMINAL, typed_name())
        .unwrap();
    let effects = queue
        .decide(
            at(2),
            &key("s1", "p1"),
            "on-call",
            PersonDecision::Deny {
                note: "not on a Friday".into(),
            },
        )
        .unwrap();
    let decision = decision_for(&effects, 1).unwrap();
    assert_eq!(
        (
            decision.verdict,
            decision.decided_by,
            decision.note.as_str()
        ),
        (
            Verdict::Denied,
            DecidedBy::Person("on-call".into()),
            "not on a Friday"
        )
    );

    // A risky item under a rule that starts at risky cannot be granted: a grant is one person.
    let mut queue = queue_with(QueueConfig {
        two_person: Some(Tier::Risky),
        ..QueueConfig::default()
    });
    propose(
        &mut queue,
        at(0),
        1,
        key("s1", "p1"),
        risky("git push origin feature"),
    );
    assert_eq!(
        queue
            .grant(at(1), &key("s1", "p1"), TERMINAL, Duration::from_secs(600))
            .unwrap_err(),
        DecideError::NeedsTwo
    );
    // Below the rule's tier, one approval is enough.
    propose(
        &mut queue,
        at(0),
        2,
        key("s1", "p2"),
        shell("touch notes.txt", Environment::Dev),
    );
    assert_eq!(queue.waiting().count(), 1, "a reversible action streams");
}

#[test]
fn an_unanswered_proposal_expires_at_its_deadline() {
    let mut queue = queue();
    queue
        .propose(
            at(0),
            1,
            key("s1", "p1"),
            risky("touch F"),
            Some(Duration::from_secs(30)),
        )
        .unwrap();
    assert_eq!(queue.next_deadline(), Some(at(30)));
    assert!(queue.tick(at(29)).is_empty());
    let effects = queue.tick(at(30));
    let decision = decision_for(&effects, 1).unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Expired, DecidedBy::Console)
    );
    assert_eq!(queue.next_deadline(), None);
}

#[test]
fn the_console_caps_how_long_anything_waits() {
    let mut queue = queue();
    queue
        .propose(
            at(0),
            1,
            key("s1", "p1"),
            risky("touch F"),
            Some(Duration::from_secs(999_999)),
        )
        .unwrap();
    assert_eq!(queue.next_deadline(), Some(at(3600)));
    propose(&mut queue, at(0), 2, key("s1", "p2"), risky("touch G"));
    assert_eq!(queue.next_deadline(), Some(at(300)));
}

#[test]
fn a_proposal_is_withdrawn_when_its_last_follower_leaves() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    // A retry of the same proposal follows it rather than queueing it twice.
    let effects = propose(&mut queue, at(1), 2, key("s1", "p1"), risky("touch F"));
    assert_eq!(position(&effects, 2), 1);
    assert_eq!(queue.waiting().count(), 1);

    assert!(
        queue.unsubscribe(at(2), 1).is_empty(),
        "one follower is still there"
    );
    let effects = queue.unsubscribe(at(3), 2);
    let withdrawn = effects.iter().find_map(|effect| match effect {
        Effect::Show(UiEvent::Decided { decision, .. }) => Some(decision.clone()),
        _ => None,
    });
    assert_eq!(withdrawn.unwrap().verdict, Verdict::Withdrawn);
    assert_eq!(queue.waiting().count(), 0);
    // Unsubscribing after the decision (the normal end of a stream) changes nothing.
    assert!(queue.unsubscribe(at(4), 2).is_empty());
}

#[test]
fn a_retry_after_the_decision_hears_the_same_decision() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    queue
        .decide(
            at(1),
            &key("s1", "p1"),
            TERMINAL,
            PersonDecision::Deny { note: "no".into() },
        )
        .unwrap();
    let effects = propose(&mut queue, at(2), 7, key("s1", "p1"), risky("touch F"));
    let decision = decision_for(&effects, 7).unwrap();
    assert_eq!(
        (decision.verdict, decision.note.as_str()),
        (Verdict::Denied, "no")
    );
}

#[test]
fn a_proposal_id_cannot_be_reused_for_another_action() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    let err = try_propose(&mut queue, at(1), 2, key("s1", "p1"), risky("rm -rf F")).unwrap_err();
    assert_eq!(err, ProposeError::ProposalIdReused(ProposalId("p1".into())));

    propose(
        &mut queue,
        at(0),
        3,
        key("s1", "p2"),
        shell("ls", Environment::Dev),
    );
    let err = try_propose(
        &mut queue,
        at(1),
        4,
        key("s1", "p2"),
        shell("rm -rf /", Environment::Dev),
    )
    .unwrap_err();
    assert_eq!(err, ProposeError::ProposalIdReused(ProposalId("p2".into())));
    // The same id in another session is another proposal.
    assert!(try_propose(&mut queue, at(1), 5, key("s2", "p1"), risky("rm -rf F")).is_ok());
}

#[test]
fn proposals_need_an_open_session() {
    let mut queue = queue();
    let err = try_propose(&mut queue, at(0), 1, key("nope", "p1"), risky("touch F")).unwrap_err();
    assert_eq!(err, ProposeError::UnknownSession(SessionId("nope".into())));
}

#[test]
fn the_waiting_queue_is_in_arrival_order() {
    let mut queue = queue();
    let mut positions = Vec::new();
    for (n, session) in ["s1", "s2", "s1"].iter().enumerate() {
        let effects = propose(
            &mut queue,
            at(n as u64),
            n as u64,
            key(session, &format!("p{n}")),
            risky(&format!("touch f{n}")),
        );
        positions.push(position(&effects, n as u64));
    }
    assert_eq!(positions, [1, 2, 3]);
    let order: Vec<String> = queue
        .waiting()
        .map(|item| item.key.proposal.0.clone())
        .collect();
    assert_eq!(order, ["p0", "p1", "p2"]);
    // Deciding the oldest moves a retry of the newest up.
    queue
        .decide(
            at(9),
            &key("s1", "p0"),
            TERMINAL,
            PersonDecision::Deny {
                note: String::new(),
            },
        )
        .unwrap();
    let effects = propose(&mut queue, at(9), 99, key("s1", "p2"), risky("touch f2"));
    assert_eq!(position(&effects, 99), 2);
}

#[test]
fn closing_a_session_withdraws_only_its_proposals() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    propose(&mut queue, at(0), 2, key("s2", "p1"), risky("touch F"));
    let effects = queue.close_session(at(1), &SessionId("s1".into()));
    assert_eq!(
        decision_for(&effects, 1).unwrap().verdict,
        Verdict::Withdrawn
    );
    assert_eq!(decision_for(&effects, 2), None);
    assert_eq!(queue.waiting().count(), 1);
    assert_eq!(queue.open_sessions(), 1);
    assert!(try_propose(&mut queue, at(2), 3, key("s1", "p9"), risky("touch F")).is_err());
}

#[test]
fn shutting_down_answers_every_waiting_agent() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    propose(&mut queue, at(0), 2, key("s2", "p1"), risky("touch G"));
    let effects = queue.shutdown(at(1));
    for subscriber in [1, 2] {
        let decision = decision_for(&effects, subscriber).unwrap();
        assert_eq!(decision.verdict, Verdict::Withdrawn);
        assert_eq!(decision.note, "the console was closed");
    }
    assert_eq!(queue.waiting().count(), 0);
}

#[test]
fn outcomes_are_taken_for_approved_proposals_only() {
    let mut queue = queue();
    let outcome = Outcome {
        status: OutcomeStatus::Succeeded,
        exit_code: Some(0),
        result: String::new(),
    };
    propose(
        &mut queue,
        at(0),
        1,
        key("s1", "p1"),
        shell("ls", Environment::Dev),
    );
    assert!(
        queue
            .report_outcome(key("s1", "p1"), outcome.clone())
            .is_ok()
    );

    propose(&mut queue, at(0), 2, key("s1", "p2"), risky("touch F"));
    assert!(
        queue
            .report_outcome(key("s1", "p2"), outcome.clone())
            .is_err(),
        "still waiting"
    );
    queue
        .decide(
            at(1),
            &key("s1", "p2"),
            TERMINAL,
            PersonDecision::Deny {
                note: String::new(),
            },
        )
        .unwrap();
    assert!(
        queue.report_outcome(key("s1", "p2"), outcome).is_err(),
        "denied"
    );
}

#[test]
fn an_external_id_reopens_the_same_session() {
    let mut queue = queue();
    let info = SessionInfo {
        agent_kind: "claude-code".into(),
        ..SessionInfo::default()
    };
    let (first, effects) = queue.open_session(
        SessionId("a".into()),
        info.clone(),
        Some("claude-123".into()),
    );
    assert_eq!(effects.len(), 1);
    let (second, effects) = queue.open_session(
        SessionId("b".into()),
        info.clone(),
        Some("claude-123".into()),
    );
    assert_eq!((first.clone(), effects.len()), (second, 0));
    queue.close_session(at(0), &first);
    let (third, _) = queue.open_session(SessionId("c".into()), info, Some("claude-123".into()));
    assert_eq!(third, SessionId("c".into()));
}

#[test]
fn remembered_decisions_are_bounded() {
    let config = QueueConfig {
        remembered_decisions: 2,
        ..QueueConfig::default()
    };
    let mut queue = Queue::new(Box::new(Engine::default()), config);
    queue.open_session(SessionId("s".into()), SessionInfo::default(), None);
    for n in 0..5 {
        propose(
            &mut queue,
            at(0),
            n,
            key("s", &format!("p{n}")),
            shell("ls", Environment::Dev),
        );
    }
    assert_eq!(queue.decided.len(), 2);
}

fn decided_by(effects: &[Effect], subscriber: SubscriberId) -> Option<DecidedBy> {
    decision_for(effects, subscriber).map(|d| d.decided_by)
}

#[test]
fn paused_everything_waits_and_resuming_streams_it() {
    let mut queue = queue();
    let effects = queue.set_paused(at(0), true);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Show(UiEvent::Paused(true))]
    ));
    let effects = propose(
        &mut queue,
        at(1),
        1,
        key("s1", "p1"),
        shell("ls", Environment::Dev),
    );
    assert_eq!(
        position(&effects, 1),
        1,
        "a read-only action waits while paused"
    );
    propose(&mut queue, at(1), 2, key("s1", "p2"), risky("touch F"));
    let effects = queue.set_paused(at(2), false);
    assert_eq!(decided_by(&effects, 1), Some(DecidedBy::Stream));
    assert_eq!(
        decision_for(&effects, 2),
        None,
        "a risky item still waits for a person"
    );
    assert_eq!(queue.waiting().count(), 1);
}

#[test]
fn a_grant_covers_similar_actions_in_the_session_for_its_time() {
    let mut queue = queue();
    propose(
        &mut queue,
        at(0),
        1,
        key("s1", "p1"),
        risky("git push origin feature"),
    );
    let effects = queue
        .grant(at(1), &key("s1", "p1"), TERMINAL, Duration::from_secs(600))
        .unwrap();
    assert_eq!(
        decided_by(&effects, 1),
        Some(DecidedBy::Person(TERMINAL.into()))
    );
    let grant = effects
        .iter()
        .find_map(|e| match e {
            Effect::Show(UiEvent::Granted(grant)) => Some(grant.clone()),
            _ => None,
        })
        .expect("the grant is shown");
    assert_eq!(queue.grants().len(), 1);

    // Similar: same session, program, environment, tier.
    let effects = propose(
        &mut queue,
        at(2),
        2,
        key("s1", "p2"),
        risky("git push origin other"),
    );
    assert_eq!(
        decided_by(&effects, 2),
        Some(DecidedBy::Grant(grant.id.clone()))
    );
    // Not similar: another program, another session, another environment.
    for (n, (session, action)) in [
        ("s1", risky("touch F")),
        ("s2", risky("git push origin feature")),
        (
            "s1",
            shell("git push origin feature", Environment::Production),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let subscriber = 10 + n as u64;
        let effects = propose(
            &mut queue,
            at(3),
            subscriber,
            key(session, &format!("q{n}")),
            action,
        );
        assert_eq!(decision_for(&effects, subscriber), None, "case {n} waits");
    }
    // The grant lapses at its deadline.
    let effects = queue.tick(at(601));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Show(UiEvent::GrantEnded { id }) if *id == grant.id))
    );
    let effects = propose(
        &mut queue,
        at(602),
        20,
        key("s1", "p3"),
        risky("git push origin again"),
    );
    assert_eq!(decision_for(&effects, 20), None);
}

#[test]
fn a_revoked_grant_covers_nothing_and_critical_items_are_never_granted() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch A"));
    let effects = queue
        .grant(at(0), &key("s1", "p1"), TERMINAL, Duration::from_secs(600))
        .unwrap();
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::Show(UiEvent::Granted(grant)) => Some(grant.id.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(queue.revoke(&id).len(), 1);
    let effects = propose(&mut queue, at(1), 2, key("s1", "p2"), risky("touch B"));
    assert_eq!(decision_for(&effects, 2), None);

    let delete = shell("railway volume delete vol-7f3a", Environment::Production);
    propose(&mut queue, at(2), 3, key("s1", "p3"), delete);
    assert_eq!(
        queue
            .grant(at(2), &key("s1", "p3"), TERMINAL, Duration::from_secs(600))
            .unwrap_err(),
        DecideError::CriticalNotGrantable
    );
    assert_eq!(
        queue.waiting().count(),
        2,
        "refused: the critical item still waits"
    );
}

#[test]
fn paused_grants_cover_nothing() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch A"));
    queue
        .grant(at(0), &key("s1", "p1"), TERMINAL, Duration::from_secs(600))
        .unwrap();
    queue.set_paused(at(1), true);
    let effects = propose(&mut queue, at(1), 2, key("s1", "p2"), risky("touch B"));
    assert_eq!(decision_for(&effects, 2), None);
}

#[test]
fn closing_a_session_ends_its_grants() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch A"));
    queue
        .grant(at(0), &key("s1", "p1"), TERMINAL, Duration::from_secs(600))
        .unwrap();
    let effects = queue.close_session(at(1), &SessionId("s1".into()));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Show(UiEvent::GrantEnded { .. })))
    );
    assert!(queue.grants().is_empty());
}

/// The `SessionFrozen` reasons among `effects`.
fn frozen(effects: &[Effect]) -> Vec<(SessionId, String)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Show(UiEvent::SessionFrozen { id, why }) => Some((id.clone(), why.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_fourth_risky_action_within_ten_seconds_freezes_its_session() {
    let mut queue = queue();
    let mut subscriber = 0;
    let mut propose_next = |queue: &mut Queue, secs: u64, session: &str, action: Action| {
        subscriber += 1;
        let effects = propose(
            queue,
            at(secs),
            subscriber,
            key(session, &format!("p{subscriber}")),
            action,
        );
        (subscriber, effects)
    };
    for secs in [0, 3, 6] {
        let (_, effects) = propose_next(&mut queue, secs, "s1", risky("touch F"));
        assert!(frozen(&effects).is_empty(), "three are not a streak");
    }
    // The fourth within 10 s (at 9 s) trips the breaker and says why.
    let (_, effects) = propose_next(&mut queue, 9, "s1", risky("touch G"));
    assert_eq!(
        frozen(&effects),
        [(
            SessionId("s1".into()),
            "4 risky or critical actions within 10 s".to_string()
        )]
    );
    // Now even a read-only action from that session waits for a person...
    let (ls, effects) = propose_next(&mut queue, 10, "s1", shell("ls", Environment::Dev));
    assert_eq!(decision_for(&effects, ls), None);
    assert!(position(&effects, ls) > 0);
    assert!(frozen(&effects).is_empty(), "frozen once, said once");
    // ...while another agent still streams.
    let (other, effects) = propose_next(&mut queue, 10, "s2", shell("ls", Environment::Dev));
    assert_eq!(decided_by(&effects, other), Some(DecidedBy::Stream));

    // Unfrozen by the person: what waited only because of the freeze streams, and the count
    // starts again (one more risky action does not freeze it again).
    let effects = queue.set_frozen(at(11), &SessionId("s1".into()), false);
    assert!(matches!(
        effects.first(),
        Some(Effect::Show(UiEvent::SessionUnfrozen { .. }))
    ));
    assert_eq!(decided_by(&effects, ls), Some(DecidedBy::Stream));
    assert_eq!(queue.waiting().count(), 4, "the risky ones still wait");
    let (_, effects) = propose_next(&mut queue, 12, "s1", risky("touch H"));
    assert!(frozen(&effects).is_empty());
}

#[test]
fn risky_actions_spread_over_time_never_freeze() {
    let mut queue = queue();
    for n in 0..10u64 {
        let effects = propose(
            &mut queue,
            at(n * 4),
            n + 1,
            key("s1", &format!("p{n}")),
            risky("touch F"),
        );
        assert!(frozen(&effects).is_empty(), "at {} s", n * 4);
    }
}

#[test]
fn a_frozen_session_gets_nothing_from_its_grants_and_a_person_can_freeze_one() {
    let mut queue = queue();
    propose(&mut queue, at(0), 1, key("s1", "p1"), risky("touch F"));
    queue
        .grant(at(1), &key("s1", "p1"), TERMINAL, Duration::from_secs(600))
        .unwrap();
    let effects = queue.set_frozen(at(2), &SessionId("s1".into()), true);
    assert_eq!(
        frozen(&effects),
        [(SessionId("s1".into()), "frozen by you".to_string())]
    );
    let effects = propose(&mut queue, at(3), 2, key("s1", "p2"), risky("touch F"));
    assert_eq!(
        decision_for(&effects, 2),
        None,
        "the grant covers nothing while frozen"
    );
    assert!(
        queue
            .set_frozen(at(4), &SessionId("s1".into()), true)
            .is_empty(),
        "freezing a frozen session changes nothing"
    );
}

#[test]
fn the_breaker_setting_reads_limit_and_seconds() {
    assert_eq!(
        "5/30".parse::<Breaker>(),
        Ok(Breaker {
            limit: 5,
            window: Duration::from_secs(30)
        })
    );
    assert_eq!("3/10s".parse::<Breaker>(), Ok(Breaker::default()));
    for bad in ["0/10", "3/0", "3", "three/10", "3/-1"] {
        assert!(bad.parse::<Breaker>().is_err(), "{bad}");
    }
}

#[test]
fn an_agent_cannot_bury_the_queue() {
    let config = QueueConfig {
        max_waiting_per_session: 3,
        // Not under test here: a streak of risky actions would freeze the session first.
        breaker: Breaker {
            limit: 100,
            window: Duration::from_secs(1),
        },
        ..QueueConfig::default()
    };
    let mut queue = Queue::new(Box::new(Engine::default()), config);
    for id in ["s1", "s2"] {
        queue.open_session(SessionId(id.into()), SessionInfo::default(), None);
    }
    for n in 1..=3 {
        propose(
            &mut queue,
            at(0),
            n,
            key("s1", &format!("p{n}")),
            risky("touch F"),
        );
    }
    let refused = try_propose(&mut queue, at(1), 4, key("s1", "p4"), risky("touch F")).unwrap_err();
    let ProposeError::Flooding {
        limit: 3,
        alert: Some(alert),
    } = &refused
    else {
        panic!("{refused:?}");
    };
    assert!(alert.contains("is flooding the queue"), "{alert}");
    // The person hears it once, not once per refusal.
    assert!(matches!(
        try_propose(&mut queue, at(2), 5, key("s1", "p5"), risky("touch F")),
        Err(ProposeError::Flooding { alert: None, .. })
    ));
    // What streams is not held back; other agents are not held back.
    let effects = propose(
        &mut queue,
        at(2),
        6,
        key("s1", "p6"),
        shell("ls", Environment::Dev),
    );
    assert_eq!(decided_by(&effects, 6), Some(DecidedBy::Stream));
    assert!(try_propose(&mut queue, at(2), 7, key("s2", "p7"), risky("touch F")).is_ok());
    // Answer one, and the agent may propose again.
    queue
        .decide(
            at(3),
            &key("s1", "p1"),
            TERMINAL,
            PersonDecision::Deny {
                note: String::new(),
            },
        )
        .unwrap();
    assert!(try_propose(&mut queue, at(3), 8, key("s1", "p8"), risky("touch F")).is_ok());
}

#[test]
fn resuming_from_a_pause_does_not_stream_what_a_frozen_session_proposed() {
    let mut queue = queue();
    queue.set_frozen(at(0), &SessionId("s1".into()), true);
    queue.set_paused(at(0), true);
    for (n, session) in [(1, "s1"), (2, "s2")] {
        propose(
            &mut queue,
            at(1),
            n,
            key(session, &format!("p{n}")),
            shell("ls", Environment::Dev),
        );
    }
    let effects = queue.set_paused(at(2), false);
    assert_eq!(decided_by(&effects, 2), Some(DecidedBy::Stream));
    assert_eq!(
        decision_for(&effects, 1),
        None,
        "the frozen session's read still waits"
    );
}

/// The tier `effects` answered to `subscriber`.
fn tier_for(effects: &[Effect], subscriber: SubscriberId) -> Tier {
    match answers(effects, subscriber).first() {
        Some(ProposeEvent::Assessed(assessed)) => assessed.assessment.tier,
        other => panic!("expected an assessment first, got {other:?}"),
    }
}

#[test]
fn a_file_the_agent_created_while_watched_is_reversible_to_remove_in_its_own_session() {
    let mut queue = Queue::new(Box::new(Engine::default()), QueueConfig::default());
    for id in ["s1", "s2"] {
        let info = SessionInfo {
            workspace: "/repo".into(),
            ..SessionInfo::default()
        };
        queue.open_session(SessionId(id.into()), info, None);
    }
    let create = |path: &str| {
        Action::new(ActionKind::File(signoff_protocol::FileChange {
            op: signoff_protocol::FileOp::Create,
            path: path.into(),
            new_path: String::new(),
            unified_diff: String::new(),
        }))
    };
    let seen_missing = Facts {
        new_file: true,
        ..Facts::default()
    };
    let rm = |path: &str| shell(&format!("rm {path}"), Environment::Dev);
    // Before: removing a file is risky (`fs.delete` with no dry run).
    let effects = propose(&mut queue, at(0), 1, key("s1", "p0"), rm("/repo/notes.txt"));
    assert_eq!(tier_for(&effects, 1), Tier::Risky);

    // The creation streams through (reversible); the console had seen the path missing.
    let effects = queue
        .propose_with(
            at(1),
            2,
            key("s1", "p1"),
            create("/repo/notes.txt"),
            None,
            seen_missing.clone(),
        )
        .unwrap();
    assert_eq!(tier_for(&effects, 2), Tier::Reversible, "{effects:?}");
    assert_eq!(
        decision_for(&effects, 2).unwrap().verdict,
        Verdict::Approved
    );
    // A creation of a path that was there is not the agent's to remove.
    queue
        .propose_with(
            at(1),
            3,
            key("s1", "p2"),
            create("/repo/kept.txt"),
            None,
            Facts::default(),
        )
        .unwrap();

    let effects = propose(&mut queue, at(2), 4, key("s1", "p3"), rm("/repo/notes.txt"));
    assert_eq!(tier_for(&effects, 4), Tier::Reversible);
    let effects = propose(&mut queue, at(2), 5, key("s1", "p4"), rm("/repo/kept.txt"));
    assert_eq!(tier_for(&effects, 5), Tier::Risky);
    // A creation a person approves counts once approved.
    let staged = Action {
        target: Target {
            environment: Environment::Staging,
            resource: String::new(),
        },
        ..create("/repo/plan.md")
    };
    let effects = queue
        .propose_with(
            at(3),
            7,
            key("s1", "p6"),
            staged,
            None,
            seen_missing.clone(),
        )
        .unwrap();
    assert_eq!(tier_for(&effects, 7), Tier::Risky);
    queue
        .decide(
            at(4),
            &key("s1", "p6"),
            TERMINAL,
            PersonDecision::Approve { typed: None },
        )
        .unwrap();
    let effects = propose(&mut queue, at(5), 8, key("s1", "p7"), rm("/repo/plan.md"));
    assert_eq!(tier_for(&effects, 8), Tier::Reversible);
    // Another agent did not create it.
    let effects = propose(&mut queue, at(2), 6, key("s2", "p5"), rm("/repo/notes.txt"));
    assert_eq!(tier_for(&effects, 6), Tier::Risky);
}
