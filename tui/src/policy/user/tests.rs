use std::path::Path;

use super::*;
use crate::policy::{Engine, Facts, Policy};
use signoff_protocol::{ActionKind, SessionInfo, ShellCommand};

fn load(text: &str) -> Result<(Context, Vec<UserRule>), PolicyError> {
    parse(text, Path::new("policy.toml"))
}

fn error(text: &str) -> String {
    load(text).expect_err("refused").to_string()
}

fn shell(script: &str, environment: Environment) -> Action {
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Script {
        script: script.into(),
        cwd: "/repo".into(),
    }));
    action.target.environment = environment;
    action
}

fn engine(text: &str) -> Engine {
    let (context, rules) = load(text).unwrap();
    Engine { context, rules }
}

fn tier(engine: &Engine, script: &str, environment: Environment) -> Tier {
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    engine
        .assess(&shell(script, environment), &session, &Facts::default())
        .tier
}

const RAISE: &str = r#"
[[rule]]
id = "team.terraform-apply"
why = "Applies go through CI."
kind = "shell"
command = '\bterraform\s+apply\b'
tier = "critical"
examples = ["terraform apply -auto-approve"]
not_examples = ["terraform plan"]
"#;

#[test]
fn a_rule_raises_the_tier() {
    let engine = engine(RAISE);
    assert_eq!(
        tier(&engine, "terraform apply", Environment::Dev),
        Tier::Critical
    );
    assert_eq!(
        tier(&engine, "terraform plan", Environment::Dev),
        Tier::ReadOnly
    );
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    let assessment = engine.assess(
        &shell("terraform apply", Environment::Dev),
        &session,
        &Facts::default(),
    );
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.rule_id == "team.terraform-apply" && r.sentence == "Applies go through CI.")
    );
}

#[test]
fn a_rule_lowers_only_where_it_may() {
    let engine = engine(
        r#"
[[rule]]
id = "team.fixtures"
why = "Fixtures are regenerated."
command = '^rm -rf tests/fixtures/'
env = ["dev"]
tier = "reversible"
examples = ["rm -rf tests/fixtures/generated"]
"#,
    );
    assert_eq!(
        tier(&engine, "rm -rf tests/fixtures/x", Environment::Dev),
        Tier::Reversible
    );
    assert_eq!(
        tier(&engine, "rm -rf tests/fixtures/x", Environment::Staging),
        Tier::Risky,
        "env does not match"
    );
    assert_eq!(tier(&engine, "rm -rf src", Environment::Dev), Tier::Risky);
}

#[test]
fn a_rule_never_lowers_a_critical_action() {
    let engine = engine(
        r#"
[[rule]]
id = "team.yolo"
why = "We trust it."
command = 'rm'
env = ["dev"]
tier = "read_only"
examples = ["rm -rf /"]
"#,
    );
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    let assessment = engine.assess(
        &shell("rm -rf /", Environment::Dev),
        &session,
        &Facts::default(),
    );
    assert_eq!(assessment.tier, Tier::Critical);
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.rule_id == "policy.not-lowered")
    );
}

#[test]
fn load_errors_name_the_rule() {
    let message = error(&RAISE.replace("terraform apply -auto-approve", "tf apply"));
    assert!(
        message.contains("rule `team.terraform-apply`")
            && message.contains("does not match its own example `tf apply`"),
        "{message}"
    );
    let message = error(&RAISE.replace(
        r#"not_examples = ["terraform plan"]"#,
        r#"not_examples = ["terraform apply"]"#,
    ));
    assert!(
        message.contains("matches `terraform apply`, which it lists under not_examples"),
        "{message}"
    );
    let message = error(&RAISE.replace(r#"tier = "critical""#, r#"tier = "reversible""#));
    assert!(
        message.contains("in every environment, production included"),
        "{message}"
    );
    let message = error(&RAISE.replace(
        r#"tier = "critical""#,
        "tier = \"read_only\"\nenv = [\"dev\", \"production\"]",
    ));
    assert!(message.contains("refused"), "{message}");
    let message = error(&RAISE.replace(r#"tier = "critical""#, r#"tier = "severe""#));
    assert!(message.contains("unknown tier `severe`"), "{message}");
    let message = error(&RAISE.replace(r#"'\bterraform\s+apply\b'"#, "'(unclosed'"));
    assert!(message.contains("not a valid regex"), "{message}");
    let message = error("[[rule]]\nid = \"x\"\ntier = \"risky\"\nwhy = \"y\"\n");
    assert!(message.contains("at least one of"), "{message}");
    assert!(error("[[rule]]\nid = 1").contains("not a valid policy file"));
    assert!(error("colour = \"blue\"").contains("unknown field `colour`"));
}

#[test]
fn environments_and_branches_are_configurable() {
    let (context, _) = load("protected_branches = [\"trunk\", \"deploy/*\"]\n[environments]\nproduction = [\"prd01\"]\n").unwrap();
    assert!(context.is_protected_branch("deploy/eu"));
    assert!(!context.is_protected_branch("main"));
    assert_eq!(
        context.names.of("db-prd01.internal"),
        Some(Environment::Production)
    );
    assert_eq!(
        context.names.of("db-prod.internal"),
        Some(Environment::Production),
        "built-in words stay"
    );
}

#[test]
fn the_default_file_loads_and_its_commented_rules_are_valid() {
    let text = default_file();
    let (context, rules) = load(&text).unwrap();
    assert!(rules.is_empty());
    assert_eq!(
        context.protected_branches,
        Context::default().protected_branches
    );
    // Uncommenting the examples gives a valid file too.
    let uncommented: String = text
        .lines()
        .map(|line| {
            line.strip_prefix("# ")
                .filter(|l| l.starts_with('[') || l.contains(" = "))
                .unwrap_or(line)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (_, rules) = load(&uncommented).unwrap();
    assert_eq!(rules.len(), 2);
}

#[test]
fn a_missing_default_file_is_no_error_but_a_named_one_is() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("policy.toml");
    assert!(super::load(&missing, false).is_ok());
    let message = super::load(&missing, true).err().unwrap().to_string();
    assert!(message.starts_with("cannot read"), "{message}");
}

#[test]
fn a_file_with_many_rules_loads() {
    // Not a timing assertion: a sanity check that a 50-rule file loads (the benchmark times it).
    let mut text = String::new();
    for n in 0..50 {
        text.push_str(&RAISE.replace("team.terraform-apply", &format!("team.rule-{n}")));
    }
    assert_eq!(load(&text).unwrap().1.len(), 50);
}

#[test]
fn users_map_their_own_names_to_environments_and_each_pattern_is_shown_by_an_example() {
    let (context, _) = load(
        r#"
[environments]
production = ["gold", "acme-main", "*.db.acme.com", "https://api.acme.com/*"]
dev = ["ci-*"]

[environments.examples]
"acme-main" = "production"
"pg-1.db.acme.com" = "production"
"https://api.acme.com/v1/users" = "production"
"ci-runner-3" = "dev"
"#,
    )
    .unwrap();
    let names = &context.names;
    assert_eq!(names.of("acme-main"), Some(Environment::Production));
    assert_eq!(
        names.of("team-gold-1"),
        Some(Environment::Production),
        "a word is a token"
    );
    assert_eq!(
        names.of("postgres://u@pg-2.db.acme.com:5432/app"),
        Some(Environment::Production),
        "a host pattern matches a URL's host"
    );
    assert_eq!(names.of("ci-runner-9"), Some(Environment::Dev));
    assert_eq!(
        names.of("acme-mainframe"),
        None,
        "a pattern is a whole name"
    );
    // A production-looking name is never made less by a dev pattern.
    assert_eq!(names.of("ci-prod-mirror"), Some(Environment::Production));

    let no_example = error("[environments]\nproduction = [\"*.db.acme.com\"]\n");
    assert!(
        no_example.contains("`*.db.acme.com` has no example"),
        "{no_example}"
    );
    let wrong = error(
        "[environments]\ndev = [\"shop-*\"]\n[environments.examples]\n\"shop-prod-1\" = \"dev\"\n",
    );
    assert!(wrong.contains("maps to production, not dev"), "{wrong}");
    let everything = error("[environments]\ndev = [\"*\"]\n");
    assert!(
        everything.contains("would match almost any name"),
        "{everything}"
    );
    let bad = error("[environments]\nstaging = [\"shop[stage\"]\n");
    assert!(bad.contains("not a valid pattern"), "{bad}");
}
