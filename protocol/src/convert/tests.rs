use super::*;

fn shell_pb(argv: &[&str], script: &str) -> pb::Action {
    pb::Action {
        kind: Some(Kind::Shell(pb::ShellCommand {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            script: script.into(),
            cwd: "/repo".into(),
        })),
        target: Some(pb::Target {
            environment: pb::Environment::Dev as i32,
            resource: String::new(),
        }),
        ..Default::default()
    }
}

#[test]
fn action_round_trips_through_the_wire() {
    let mut action = Action::try_from(shell_pb(&["cargo", "test"], "")).unwrap();
    action.summary = "run the tests".into();
    action.claims_reversible = Some(true);
    action.dry_run.counts.insert("files".into(), 2);
    action.labels.insert("ticket".into(), "ABC-1".into());
    let back = Action::try_from(pb::Action::from(action.clone())).unwrap();
    assert_eq!(back, action);
}

#[test]
fn invalid_actions_are_refused_with_the_reason() {
    let cases: Vec<(pb::Action, InvalidMessage)> = vec![
        (pb::Action::default(), InvalidMessage::NoActionKind),
        (shell_pb(&[], ""), InvalidMessage::ShellEmpty),
        (shell_pb(&["ls"], "ls"), InvalidMessage::ShellArgvAndScript),
        (shell_pb(&["", "x"], ""), InvalidMessage::EmptyProgram),
        (
            shell_pb(&["rm", "a\0b"], ""),
            InvalidMessage::NulByte("argv"),
        ),
        (
            pb::Action {
                kind: Some(Kind::File(pb::FileChange {
                    op: pb::FileOp::Rename as i32,
                    path: "a".into(),
                    ..Default::default()
                })),
                ..Default::default()
            },
            InvalidMessage::RenameWithoutNewPath,
        ),
        (
            pb::Action {
                kind: Some(Kind::Sql(pb::SqlStatement::default())),
                ..Default::default()
            },
            InvalidMessage::Empty("sql.statement"),
        ),
        (
            pb::Action {
                target: Some(pb::Target {
                    environment: 99,
                    resource: String::new(),
                }),
                ..shell_pb(&["ls"], "")
            },
            InvalidMessage::UnknownEnumValue {
                field: "target.environment",
                value: 99,
            },
        ),
    ];
    for (action, expected) in cases {
        assert_eq!(
            Action::try_from(action.clone()),
            Err(expected),
            "{action:?}"
        );
    }
}

#[test]
fn unspecified_values_read_as_the_most_restrictive_choice() {
    let mut action = shell_pb(&["ls"], "");
    action.target = None;
    assert_eq!(
        Action::try_from(action).unwrap().target.environment,
        Environment::Production
    );

    let mut action = shell_pb(&["ls"], "");
    action.target = Some(pb::Target::default());
    assert_eq!(
        Action::try_from(action).unwrap().target.environment,
        Environment::Production
    );

    let file = pb::Action {
        kind: Some(Kind::File(pb::FileChange {
            path: "a".into(),
            ..Default::default()
        })),
        ..Default::default()
    };
    match Action::try_from(file).unwrap().kind {
        ActionKind::File(file) => assert_eq!(file.op, FileOp::Delete),
        other => panic!("{other:?}"),
    }

    let assessment = Assessment::from(pb::Assessment::default());
    assert_eq!(assessment.tier, Tier::Critical);
    assert_eq!(assessment.confirmation, Confirmation::Typed(String::new()));
    assert_eq!(assessment.environment, Environment::Production);
    assert_eq!(Tier::from(42), Tier::Critical);
}

#[test]
fn an_unspecified_verdict_is_never_an_approval() {
    let decision = pb::Decision {
        action_digest: "00".repeat(32),
        ..Default::default()
    };
    assert_eq!(
        Decision::try_from(decision.clone()),
        Err(InvalidMessage::UnspecifiedVerdict)
    );
    let unknown = pb::Decision {
        verdict: 17,
        ..decision
    };
    assert!(Decision::try_from(unknown).is_err());
}

#[test]
fn decisions_and_events_round_trip() {
    let decision = Decision {
        verdict: Verdict::Approved,
        decided_by: DecidedBy::Grant("g-1".into()),
        note: String::new(),
        action_digest: ActionDigest([7; 32]),
        decided_at: from_unix_ms(1_700_000_000_123),
    };
    let event = ProposeEvent::Decided(decision);
    assert_eq!(
        ProposeEvent::try_from(pb::ProposeEvent::from(event.clone())),
        Ok(event)
    );

    let assessed = ProposeEvent::Assessed(Assessed {
        assessment: Assessment {
            tier: Tier::Critical,
            reasons: vec![Reason::new(
                "infra.delete",
                "Deletes a volume in production.",
            )],
            confirmation: Confirmation::Typed("vol-7f3a".into()),
            environment: Environment::Production,
            policy_version: "test".into(),
        },
        queue_position: 3,
        expires_at: from_unix_ms(1_700_000_300_000),
        action_digest: ActionDigest([1; 32]),
    });
    assert_eq!(
        ProposeEvent::try_from(pb::ProposeEvent::from(assessed.clone())),
        Ok(assessed)
    );
}

#[test]
fn ids_are_checked() {
    assert!(crate::ProposalId::parse("abc".into()).is_ok());
    assert_eq!(
        crate::ProposalId::parse(String::new()),
        Err(InvalidMessage::Empty("proposal_id"))
    );
    assert!(crate::ProposalId::parse("x".repeat(129)).is_err());
    assert!(crate::SessionId::parse("a\nb".into()).is_err());
}

#[test]
fn actions_round_trip_through_their_stored_form() {
    let mut action = Action::try_from(shell_pb(&["rm", "-rf", "build"], "")).unwrap();
    action.dry_run.diff = "-a\n+b".into();
    action.claims_reversible = Some(false);
    let back = Action::from_bytes(&action.to_bytes()).unwrap();
    assert_eq!(back, action);
    assert_eq!(ActionDigest::of(&back), ActionDigest::of(&action));
    assert!(Action::from_bytes(b"\xff\xff garbage").is_err());
}
