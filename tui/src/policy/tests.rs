use super::*;
use signoff_protocol::{HttpRequest, InfraOperation, SqlStatement, Target};

fn action(kind: ActionKind, environment: Environment) -> Action {
    Action {
        target: Target {
            environment,
            resource: String::new(),
        },
        ..Action::new(kind)
    }
}

fn argv(words: &str) -> ActionKind {
    ActionKind::Shell(ShellCommand::Argv {
        argv: words.split_whitespace().map(String::from).collect(),
        cwd: "/repo".into(),
    })
}

fn script(text: &str) -> ActionKind {
    ActionKind::Shell(ShellCommand::Script {
        script: text.into(),
        cwd: "/repo".into(),
    })
}

fn assess(action: &Action) -> Assessment {
    BuiltinPolicy.assess(action, &SessionInfo::default())
}

fn tier(kind: ActionKind, environment: Environment) -> Tier {
    assess(&action(kind, environment)).tier
}

#[test]
fn the_tier_table() {
    use Environment::*;
    let cases: Vec<(ActionKind, Environment, Tier)> = vec![
        (argv("echo hi"), Dev, Tier::ReadOnly),
        (argv("ls -la"), Production, Tier::ReadOnly),
        (argv("/bin/cat README.md"), Unknown, Tier::ReadOnly),
        (argv("git status"), Staging, Tier::ReadOnly),
        (argv("touch F"), Dev, Tier::Reversible),
        (argv("touch F"), Unknown, Tier::Reversible),
        (argv("touch F"), Staging, Tier::Risky),
        (argv("touch F"), Production, Tier::Risky),
        (argv("cargo build"), Dev, Tier::Reversible),
        (argv("rm -rf build"), Dev, Tier::Risky),
        (argv("rm -rf /var/lib/postgres"), Production, Tier::Critical),
        (argv("git push origin main"), Dev, Tier::Risky),
        (
            argv("git push --force origin main"),
            Unknown,
            Tier::Critical,
        ),
        (argv("git push origin +main"), Production, Tier::Critical),
        (argv("git reset --hard"), Dev, Tier::Risky),
        (argv("kubectl get pods"), Dev, Tier::Risky),
        (
            argv("railway volume delete vol-7f3a"),
            Production,
            Tier::Critical,
        ),
        (
            argv("railway volume delete vol-7f3a"),
            Unknown,
            Tier::Critical,
        ),
        (argv("railway volume delete vol-7f3a"), Staging, Tier::Risky),
        (script("ls -la"), Dev, Tier::ReadOnly),
        (script("ls && rm -rf /"), Dev, Tier::Risky),
        (
            ActionKind::Sql(SqlStatement {
                statement: "DROP TABLE users".into(),
                database: "app".into(),
                dialect: String::new(),
            }),
            Production,
            Tier::Critical,
        ),
        (
            ActionKind::Sql(SqlStatement {
                statement: "select * from users".into(),
                database: "app".into(),
                dialect: String::new(),
            }),
            Production,
            Tier::ReadOnly,
        ),
        (
            ActionKind::Sql(SqlStatement {
                statement: "DELETE FROM users".into(),
                database: "app".into(),
                dialect: String::new(),
            }),
            Dev,
            Tier::Risky,
        ),
        (
            ActionKind::Http(HttpRequest {
                method: "GET".into(),
                url: "https://api.example.com/x".into(),
                body_preview: String::new(),
            }),
            Unknown,
            Tier::ReadOnly,
        ),
        (
            ActionKind::Http(HttpRequest {
                method: "POST".into(),
                url: "http://localhost:3000/api".into(),
                body_preview: String::new(),
            }),
            Dev,
            Tier::Reversible,
        ),
        (
            ActionKind::Http(HttpRequest {
                method: "DELETE".into(),
                url: "https://api.example.com/volumes/1".into(),
                body_preview: String::new(),
            }),
            Unknown,
            Tier::Critical,
        ),
        (
            ActionKind::Infra(InfraOperation {
                provider: "aws".into(),
                resource: "i-123".into(),
                verb: "describe".into(),
            }),
            Production,
            Tier::ReadOnly,
        ),
    ];
    for (kind, environment, expected) in cases {
        let shown = kind.display();
        assert_eq!(
            tier(kind, environment),
            expected,
            "{shown} in {environment}"
        );
    }
}

#[test]
fn critical_actions_need_the_resource_typed() {
    let mut delete = action(
        ActionKind::Infra(InfraOperation {
            provider: "railway".into(),
            resource: "volume vol-7f3a".into(),
            verb: "delete".into(),
        }),
        Environment::Production,
    );
    let assessment = assess(&delete);
    assert_eq!(assessment.tier, Tier::Critical);
    assert_eq!(
        assessment.confirmation,
        Confirmation::Typed("vol-7f3a".into())
    );

    // The declared target resource wins; with none at all, the environment is typed.
    delete.target.resource = "prod-db-volume".into();
    assert_eq!(
        assess(&delete).confirmation,
        Confirmation::Typed("prod-db-volume".into())
    );
    let rm = action(argv("rm -rf /srv/data"), Environment::Production);
    assert_eq!(
        assess(&rm).confirmation,
        Confirmation::Typed("production".into())
    );
}

#[test]
fn an_unknown_remote_environment_counts_as_production() {
    let assessment = assess(&action(
        argv("git push -f origin main"),
        Environment::Unknown,
    ));
    assert_eq!(assessment.environment, Environment::Production);
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.rule_id == "env.unknown-remote")
    );
    // A local effect in an unknown environment stays local.
    let local = assess(&action(argv("touch F"), Environment::Unknown));
    assert_eq!(local.environment, Environment::Unknown);
}

#[test]
fn claims_only_raise_the_tier() {
    let mut touch = action(argv("touch F"), Environment::Dev);
    touch.claims_reversible = Some(false);
    let assessment = assess(&touch);
    assert_eq!(assessment.tier, Tier::Risky);
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.rule_id == "claim.irreversible")
    );

    let mut rm = action(argv("rm -rf /srv"), Environment::Production);
    rm.claims_reversible = Some(true);
    assert_eq!(assess(&rm).tier, Tier::Critical);
}

#[test]
fn a_destructive_action_without_a_dry_run_says_so() {
    let mut rm = action(argv("rm -rf build"), Environment::Dev);
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
fn confirmation_follows_the_tier() {
    let read = assess(&action(argv("ls"), Environment::Dev));
    assert_eq!(read.confirmation, Confirmation::None);
    let risky = assess(&action(argv("touch F"), Environment::Staging));
    assert_eq!(risky.confirmation, Confirmation::Keystroke);
    assert!(!risky.reasons.is_empty());
}
