//! Task runners and scripts that name an environment: `make deploy-prod`, `./deploy.sh
//! production`, `cap production deploy`, `npm run migrate:staging`. What they name is the only
//! context they have, so a target that names staging or production acts there. A target that
//! only builds, tests or serves names production as a build mode, not as a place.

use signoff_protocol::Environment;

use super::Command;
use super::cli::destroys;
use crate::policy::Context;
use crate::policy::env::rank;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::place::{Place, Site};

/// Programs whose arguments are targets or tasks.
const RUNNERS: &[&str] = &[
    "make", "gmake", "just", "task", "mage", "invoke", "inv", "fab", "cap", "mina", "dep", "kamal",
];
/// Interpreters whose first operand is a script file.
const INTERPRETERS: &[&str] = &[
    "bash", "sh", "zsh", "dash", "python", "python3", "node", "ruby", "perl", "php", "deno",
];
/// Words of targets that stay on this machine.
const LOCAL: &[&str] = &[
    "build",
    "compile",
    "bundle",
    "test",
    "tests",
    "lint",
    "check",
    "fmt",
    "format",
    "typecheck",
    "start",
    "serve",
    "watch",
    "dev",
    "preview",
    "docs",
    "install",
];
/// Words of targets that reach further, whatever else they say.
const REMOTE: &[&str] = &[
    "deploy",
    "release",
    "publish",
    "migrate",
    "rollout",
    "promote",
    "push",
    "sync",
    "seed",
    "provision",
    "apply",
    "upload",
    "ship",
];

/// The words that name the target or script and its arguments, and what to call it.
fn target<'a>(command: &'a Command, invoked_as: &'a str) -> Option<(&'static str, Vec<&'a str>)> {
    let args: Vec<&str> = command.args.iter().map(String::as_str).collect();
    let program = command.program;
    if RUNNERS.contains(&program) {
        return Some(("target", args));
    }
    if matches!(program, "npm" | "pnpm" | "yarn" | "bun")
        && matches!(args.first(), Some(&("run" | "run-script")))
    {
        return Some(("script", args[1..].to_vec()));
    }
    if INTERPRETERS.contains(&program) {
        // `python -c CODE`, `node -e CODE`: code, read elsewhere, not a script file.
        if args
            .iter()
            .any(|a| matches!(*a, "-c" | "-e" | "-m" | "--eval" | "-p" | "--print" | "-r"))
        {
            return None;
        }
        let script = command.positionals().first().copied()?;
        let at = args.iter().position(|a| *a == script)?;
        return Some(("script", args[at..].to_vec()));
    }
    if invoked_as.contains('/') {
        let mut words = vec![invoked_as];
        words.extend(args);
        return Some(("script", words));
    }
    None
}

/// A finding when `command` (run as `invoked_as`) runs a target or script that names staging or
/// production, and is not only a build, test or server.
pub fn classify(command: &Command, invoked_as: &str, context: &Context, out: &mut Vec<Finding>) {
    let Some((kind, words)) = target(command, invoked_as) else {
        return;
    };
    let named = words
        .iter()
        .filter_map(|word| Some((context.names.of(word)?, *word)))
        .filter(|(environment, _)| {
            matches!(environment, Environment::Staging | Environment::Production)
        })
        .max_by_key(|(environment, _)| rank(*environment));
    let Some((environment, word)) = named else {
        return;
    };
    let tokens: Vec<String> = words
        .iter()
        .flat_map(|w| {
            w.to_ascii_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    let has = |list: &[&str]| tokens.iter().any(|t| list.contains(&t.as_str()));
    let destroy = words.iter().any(|w| destroys(w));
    if has(LOCAL) && !has(REMOTE) && !destroy {
        return;
    }
    let first = words.first().copied().unwrap_or(word);
    let mut finding = Finding::new(
        "target.names-env",
        if destroy {
            Effect::Destroy
        } else {
            Effect::Write
        },
        Scope::Remote,
        format!("`{}` names {environment}: it acts there.", words.join(" ")),
    )
    .resource(first.rsplit('/').next().unwrap_or(first));
    finding.place = Some(Place {
        environment: Some(environment),
        site: Site::Remote,
        source: format!("the {kind} `{word}`"),
    });
    out.push(finding);
}
