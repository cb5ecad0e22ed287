//! The shell and SQL classifier on arbitrary text: it must never panic, whatever the text.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use signoff_protocol::{Action, ActionKind, Environment, SessionInfo, ShellCommand, SqlStatement};
use signoff_tui::policy::{Engine, Facts, Policy};

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::default);

fuzz_target!(|text: &str| {
    let session = SessionInfo {
        workspace: "/repo".into(),
        ..SessionInfo::default()
    };
    let script = Action::new(ActionKind::Shell(ShellCommand::Script {
        script: text.to_string(),
        cwd: "/repo".into(),
    }));
    let sql = Action::new(ActionKind::Sql(SqlStatement {
        database: "app".into(),
        statement: text.to_string(),
        dialect: String::new(),
    }));
    for mut action in [script, sql] {
        for environment in [Environment::Dev, Environment::Production] {
            action.target.environment = environment;
            let assessment = ENGINE.assess(&action, &session, &Facts::default());
            // A declared production is never lowered.
            if environment == Environment::Production {
                assert_eq!(assessment.environment, Environment::Production);
            }
        }
    }
});
