use super::*;
use crate::{FileChange, Target};

fn shell(argv: &[&str]) -> Action {
    Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        cwd: "/repo".into(),
    }))
}

#[test]
fn same_action_same_digest() {
    assert_eq!(
        ActionDigest::of(&shell(&["ls", "-l"])),
        ActionDigest::of(&shell(&["ls", "-l"]))
    );
}

#[test]
fn word_boundaries_are_part_of_the_digest() {
    // "rm -rf" "/" must not collide with "rm" "-rf /": lengths are encoded.
    let a = ActionDigest::of(&shell(&["rm", "-rf", "/"]));
    let b = ActionDigest::of(&shell(&["rm", "-rf /"]));
    assert_ne!(a, b);
}

#[test]
fn every_field_changes_the_digest() {
    let base = shell(&["touch", "F"]);
    let digest = ActionDigest::of(&base);
    let variants: Vec<Action> = vec![
        Action {
            summary: "x".into(),
            ..base.clone()
        },
        Action {
            target: Target {
                environment: crate::Environment::Production,
                resource: String::new(),
            },
            ..base.clone()
        },
        Action {
            target: Target {
                environment: crate::Environment::Unknown,
                resource: "db".into(),
            },
            ..base.clone()
        },
        Action {
            rationale: "why".into(),
            ..base.clone()
        },
        Action {
            claims_reversible: Some(true),
            ..base.clone()
        },
        Action {
            claims_reversible: Some(false),
            ..base.clone()
        },
        Action {
            dry_run: crate::DryRun {
                diff: "+a".into(),
                ..Default::default()
            },
            ..base.clone()
        },
        Action {
            dry_run: crate::DryRun {
                counts: [("rows".to_string(), 3)].into(),
                ..Default::default()
            },
            ..base.clone()
        },
        Action {
            labels: [("k".to_string(), "v".to_string())].into(),
            ..base.clone()
        },
        Action::new(ActionKind::Shell(ShellCommand::Script {
            script: "touch F".into(),
            cwd: "/repo".into(),
        })),
        Action::new(ActionKind::File(FileChange {
            op: FileOp::Create,
            path: "F".into(),
            new_path: String::new(),
            unified_diff: String::new(),
        })),
    ];
    for variant in variants {
        assert_ne!(ActionDigest::of(&variant), digest, "{variant:?}");
    }
}

#[test]
fn hex_round_trip() {
    let digest = ActionDigest::of(&shell(&["ls"]));
    assert_eq!(ActionDigest::from_hex(&digest.to_hex()), Some(digest));
    assert_eq!(ActionDigest::from_hex("zz"), None);
    assert_eq!(digest.short().len(), 12);
}
