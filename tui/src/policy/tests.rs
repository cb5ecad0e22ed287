//! The case table (`cases.toml`): real commands agents run, with the tier each must get.

use signoff_protocol::{Action, ActionKind, Confirmation, ShellCommand, Target};

use super::*;
use crate::explain::CaseTable;

/// The rows judged from the action alone (those with a `context` need its files: see
/// `facts::tests::the_case_table_with_contexts`).
pub fn cases() -> Vec<(Action, SessionInfo, String, Option<String>)> {
    let table: CaseTable = toml::from_str(include_str!("cases.toml")).expect("cases.toml parses");
    table
        .case
        .into_iter()
        .filter(|case| case.context.is_none())
        .map(|case| {
            let (action, session) = case.action.into_action("/repo").expect("a valid action");
            (action, session, case.tier, case.typed)
        })
        .collect()
}

#[test]
fn the_case_table() {
    let engine = Engine::default();
    let all = cases();
    assert!(all.len() >= 300, "the table has {} cases", all.len());
    let mut failures = Vec::new();
    for (action, session, tier, typed) in &all {
        let assessment = engine.assess(action, session, &Facts::default());
        let typed_ok = match (typed, &assessment.confirmation) {
            (None, _) => true,
            (Some(expected), Confirmation::Typed(actual)) => expected == actual,
            (Some(_), _) => false,
        };
        if assessment.tier.as_str() != tier || !typed_ok {
            let got_typed = match &assessment.confirmation {
                Confirmation::Typed(text) => format!(" typed {text:?}"),
                _ => String::new(),
            };
            let rules: Vec<&str> = assessment
                .reasons
                .iter()
                .map(|r| r.rule_id.as_str())
                .collect();
            failures.push(format!(
                "{} [{}]\n    expected {tier}{}; got {}{got_typed} ({})",
                action.kind.display(),
                action.target.environment,
                typed
                    .as_ref()
                    .map(|t| format!(" typed {t:?}"))
                    .unwrap_or_default(),
                assessment.tier,
                rules.join(", "),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

fn shell(script: &str, environment: Environment) -> Action {
    Action {
        target: Target {
            environment,
            resource: String::new(),
        },
        ..Action::new(ActionKind::Shell(ShellCommand::Script {
            script: script.into(),
            cwd: "/repo".into(),
        }))
    }
}

fn assess(action: &Action) -> Assessment {
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    Engine::default().assess(action, &session, &Facts::default())
}

#[test]
fn claims_only_raise_the_tier() {
    let mut touch = shell("touch F", Environment::Dev);
    touch.claims_reversible = Some(false);
    let assessment = assess(&touch);
    assert_eq!(assessment.tier, Tier::Risky);
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.rule_id == "claim.irreversible")
    );

    let mut rm = shell("rm -rf ~", Environment::Unknown);
    rm.claims_reversible = Some(true);
    assert!(assess(&rm).tier >= Tier::Risky);
}

#[test]
fn a_destructive_action_without_a_dry_run_says_so() {
    let mut rm = shell("rm -rf src", Environment::Dev);
    assert!(
        assess(&rm)
            .reasons
            .iter()
            .any(|r| r.rule_id == "dry-run.missing")
    );
    rm.dry_run.plan = "removes 3 files".into();
    assert!(
        !assess(&rm)
            .reasons
            .iter()
            .any(|r| r.rule_id == "dry-run.missing")
    );
}

#[test]
fn the_declared_environment_is_never_lowered() {
    let assessment = assess(&shell("touch F", Environment::Staging));
    assert_eq!(
        (assessment.tier, assessment.environment),
        (Tier::Risky, Environment::Staging)
    );
    let named_dev = assess(&shell(
        "kubectl --context dev-cluster delete pod x",
        Environment::Production,
    ));
    assert_eq!(
        (named_dev.tier, named_dev.environment),
        (Tier::Critical, Environment::Production)
    );
}

#[test]
fn typed_text_is_what_the_action_names() {
    let assessment = assess(&shell(
        "railway volume delete vol-7f3a",
        Environment::Production,
    ));
    assert_eq!(
        assessment.confirmation,
        Confirmation::Typed("vol-7f3a".into())
    );
    let mut nothing_named = shell("terraform destroy", Environment::Unknown);
    assert_eq!(
        assess(&nothing_named).confirmation,
        Confirmation::Typed("production".into())
    );
    nothing_named.target.resource = "infra-main".into();
    assert_eq!(
        assess(&nothing_named).confirmation,
        Confirmation::Typed("infra-main".into())
    );
}

#[test]
fn protected_branches() {
    let context = Context::default();
    assert!(context.is_protected_branch("main"));
    assert!(context.is_protected_branch("release/1.2"));
    assert!(!context.is_protected_branch("feature/x"));
    assert!(!context.is_protected_branch("mainline"));
}

#[test]
fn never_panics_on_arbitrary_input() {
    // A small deterministic generator of shell-ish garbage: quotes, operators, wrappers, unicode.
    let pieces = [
        "rm",
        "-rf",
        "/",
        "'",
        "\"",
        "$(",
        ")",
        "`",
        "|",
        "&&",
        ";",
        "<<EOF\n",
        "EOF",
        "bash -c",
        "sudo",
        "ssh",
        "find",
        "-exec",
        "{}",
        "\\;",
        "xargs",
        "kubectl exec",
        "--",
        "${",
        "}",
        "*",
        "~",
        "..",
        "psql -c",
        "DROP",
        "é",
        "\u{202e}",
        "\0",
        "\n",
        "(",
        "<(",
        ">",
        ">>",
        "2>&1",
        "=",
        "$X_TOKEN",
        "git push -f",
        "+main",
        ":",
        "curl",
        "-d",
        "@.env",
        "mutation {",
        "python -c",
        "shutil.rmtree(",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let engine = Engine::default();
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    for _ in 0..3000 {
        let mut script = String::new();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        for n in 0..(state % 12) {
            let index = ((state >> (n * 5)) as usize) % pieces.len();
            script.push_str(pieces[index]);
            script.push(' ');
        }
        for environment in Environment::ALL {
            let assessment =
                engine.assess(&shell(&script, environment), &session, &Facts::default());
            assert!(!assessment.reasons.is_empty(), "{script:?}");
        }
    }
}

#[test]
fn an_untracked_file_is_risky_to_change_and_a_tracked_one_is_not() {
    let edit = Action::new(ActionKind::File(signoff_protocol::FileChange {
        op: signoff_protocol::FileOp::Modify,
        path: "/repo/notes.md".into(),
        new_path: String::new(),
        unified_diff: String::new(),
    }));
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    let engine = Engine::default();
    assert_eq!(
        engine.assess(&edit, &session, &Facts::default()).tier,
        Tier::Reversible
    );
    let untracked = engine.assess(
        &edit,
        &session,
        &Facts {
            file_untracked: true,
            ..Facts::default()
        },
    );
    assert_eq!(untracked.tier, Tier::Risky);
    assert!(
        untracked
            .reasons
            .iter()
            .any(|r| r.rule_id == "file.untracked")
    );
}

/// Real commands agents ran (`transcripts/`, with their sources): what share of them signoff
/// does not know at all. Issue 14's measure: under 3%.
#[test]
#[allow(clippy::print_stdout)] // the figure BENCHMARKS.md quotes (`-- --nocapture`)
fn the_transcripts() {
    #[derive(serde::Deserialize)]
    struct Line {
        command: String,
    }
    let engine = Engine::default();
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    let facts = Facts {
        variables: [("HOME".to_string(), "/home/u".to_string())].into(),
        ..Facts::default()
    };
    let mut unknown = std::collections::BTreeMap::<String, usize>::new();
    let mut total = 0;
    let mut unknown_commands = 0;
    for line in include_str!("transcripts/commands.jsonl").lines() {
        let line: Line = serde_json::from_str(line).expect("a valid line");
        total += 1;
        let findings = engine.findings(&shell(&line.command, Environment::Dev), &session, &facts);
        let programs: Vec<String> = findings
            .iter()
            .filter(|f| matches!(f.rule, "shell.program" | "app.task-unknown"))
            .filter_map(|f| f.why.split('`').nth(1).map(String::from))
            .collect();
        if !programs.is_empty() {
            unknown_commands += 1;
        }
        for program in programs {
            *unknown.entry(program).or_default() += 1;
        }
    }
    let share = unknown_commands as f64 / total as f64;
    let mut worst: Vec<_> = unknown.into_iter().collect();
    worst.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let worst: Vec<String> = worst
        .iter()
        .take(40)
        .map(|(p, n)| format!("{p} {n}"))
        .collect();

    println!(
        "{unknown_commands} of {total} transcript commands unknown ({:.2}%)",
        share * 100.0
    );
    assert!(total >= 1500, "{total} commands");
    assert!(
        share < 0.03,
        "{:.2}% unknown: {}",
        share * 100.0,
        worst.join(", ")
    );
}
