//! The console's risk policy: it, never the agent, decides how risky an action is.
//!
//! [`Policy`] is the one interface the rest of the console sees. [`BuiltinPolicy`] is a first,
//! deliberately conservative cut: it finds the effect (read, write, destroy) and the scope
//! (workspace, remote) of an action from a few well-known programs and verbs, then applies the tier
//! table of PRODUCT.md. Anything it cannot read with confidence is treated as risky, never as safe.

use signoff_protocol::{
    Action, ActionKind, Assessment, Confirmation, Environment, FileOp, Reason, SessionInfo,
    ShellCommand, Tier,
};

/// Judges actions. Implementations must be pure: no IO, same input, same assessment.
pub trait Policy: Send + 'static {
    fn assess(&self, action: &Action, session: &SessionInfo) -> Assessment;
}

/// What an action does to the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    Read,
    Write,
    Destroy,
}

/// Where the effect lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The local workspace and local dev services.
    Local,
    /// Something shared or remote.
    Remote,
}

struct Finding {
    effect: Effect,
    scope: Scope,
    reason: Reason,
}

/// The built-in policy of this version of signoff.
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltinPolicy;

pub const POLICY_VERSION: &str = "builtin-1";

impl Policy for BuiltinPolicy {
    fn assess(&self, action: &Action, _session: &SessionInfo) -> Assessment {
        let finding = match &action.kind {
            ActionKind::Shell(shell) => shell_finding(shell),
            ActionKind::File(file) => match file.op {
                FileOp::Delete => finding(
                    Effect::Destroy,
                    Scope::Local,
                    "file.delete",
                    "Deletes a file.",
                ),
                FileOp::Create => {
                    finding(Effect::Write, Scope::Local, "file.write", "Creates a file.")
                }
                FileOp::Modify => {
                    finding(Effect::Write, Scope::Local, "file.write", "Changes a file.")
                }
                FileOp::Rename => finding(
                    Effect::Write,
                    Scope::Local,
                    "file.rename",
                    "Renames a file.",
                ),
            },
            ActionKind::Sql(sql) => sql_finding(&sql.statement, action.target.environment),
            ActionKind::Http(http) => http_finding(&http.method, &http.url),
            ActionKind::Infra(infra) => infra_finding(&infra.verb),
            ActionKind::Tool(tool) => finding(
                Effect::Write,
                Scope::Remote,
                "tool.unknown",
                format!(
                    "`{}` is a tool signoff cannot judge, so a person decides.",
                    tool.tool
                ),
            ),
        };
        judge(action, finding)
    }
}

fn finding(effect: Effect, scope: Scope, rule: &str, sentence: impl Into<String>) -> Finding {
    Finding {
        effect,
        scope,
        reason: Reason::new(rule, sentence),
    }
}

/// Applies the tier table of PRODUCT.md to what the action does.
fn judge(action: &Action, finding: Finding) -> Assessment {
    let declared = action.target.environment;
    // Never guess downwards: an unknown environment of a remote effect counts as production.
    let environment = match (declared, finding.scope) {
        (Environment::Unknown, Scope::Remote) => Environment::Production,
        _ => declared,
    };
    let mut reasons = vec![finding.reason];
    let shared_env = matches!(environment, Environment::Staging | Environment::Production);

    let mut tier = match finding.effect {
        Effect::Read => Tier::ReadOnly,
        Effect::Write if finding.scope == Scope::Remote || shared_env => Tier::Risky,
        Effect::Write => Tier::Reversible,
        Effect::Destroy if environment == Environment::Production => Tier::Critical,
        Effect::Destroy => Tier::Risky,
    };
    if tier >= Tier::Risky && shared_env {
        reasons.push(Reason::new(
            format!("env.{environment}"),
            format!("It changes something in {environment}."),
        ));
    }
    if declared == Environment::Unknown && environment == Environment::Production {
        reasons.push(Reason::new(
            "env.unknown-remote",
            "The environment is unknown and the effect is remote, so it counts as production.",
        ));
    }
    if finding.effect == Effect::Destroy && action.dry_run.is_empty() {
        reasons.push(Reason::new(
            "dry-run.missing",
            "It destroys something and comes with no dry run.",
        ));
    }
    // The agent's claims can raise the tier, never lower it.
    if action.claims_reversible == Some(false) && tier < Tier::Risky {
        tier = Tier::Risky;
        reasons.push(Reason::new(
            "claim.irreversible",
            "The agent itself says this cannot be undone.",
        ));
    }

    let confirmation = match tier {
        Tier::ReadOnly | Tier::Reversible => Confirmation::None,
        Tier::Risky => Confirmation::Keystroke,
        Tier::Critical => Confirmation::Typed(typed_text(action, environment)),
    };
    Assessment {
        tier,
        reasons,
        confirmation,
        environment,
        policy_version: POLICY_VERSION.into(),
    }
}

/// What the reviewer types to approve a critical action: the resource it names, else the
/// environment.
fn typed_text(action: &Action, environment: Environment) -> String {
    let named = match &action.kind {
        _ if !action.target.resource.trim().is_empty() => action.target.resource.trim(),
        ActionKind::Infra(infra) => infra.resource.trim(),
        ActionKind::Sql(sql) => sql.database.trim(),
        _ => "",
    };
    // A resource such as "volume vol-7f3a" is typed as its last word, the id.
    match named.split_whitespace().last() {
        Some(word) => word.to_string(),
        None => environment.to_string(),
    }
}

const READ_ONLY_PROGRAMS: &[&str] = &[
    "cat", "date", "df", "diff", "du", "echo", "file", "grep", "head", "jq", "less", "ls",
    "printf", "pwd", "rg", "sort", "stat", "tail", "tree", "true", "false", "uname", "uniq", "wc",
    "which", "whoami",
];
const LOCAL_DESTROY_PROGRAMS: &[&str] = &["dd", "mkfs", "rm", "rmdir", "shred", "truncate"];
const REMOTE_PROGRAMS: &[&str] = &[
    "aws",
    "az",
    "curl",
    "doctl",
    "fly",
    "flyctl",
    "gcloud",
    "heroku",
    "helm",
    "kubectl",
    "mongo",
    "mongosh",
    "mysql",
    "psql",
    "railway",
    "redis-cli",
    "scp",
    "ssh",
    "terraform",
    "vercel",
    "wget",
];
const DESTROY_VERBS: &[&str] = &[
    "delete",
    "destroy",
    "drop",
    "purge",
    "remove",
    "rm",
    "terminate",
    "uninstall",
];
const READ_GIT_SUBCOMMANDS: &[&str] = &["blame", "diff", "log", "rev-parse", "show", "status"];

fn shell_finding(shell: &ShellCommand) -> Finding {
    let words: Vec<&str> = match shell {
        ShellCommand::Argv { argv, .. } => argv.iter().map(String::as_str).collect(),
        ShellCommand::Script { script, .. } => {
            // This first policy reads simple commands only; anything with shell syntax goes to a
            // person until the shell parser reads it.
            if script.contains(|c| ";|&<>$`(){}\n\\'\"*?".contains(c)) {
                return finding(
                    Effect::Write,
                    Scope::Remote,
                    "shell.unparsed",
                    "A shell script signoff does not read yet, so a person decides.",
                );
            }
            script.split_whitespace().collect()
        }
    };
    let program = words
        .first()
        .map_or("", |word| word.rsplit('/').next().unwrap_or(word));
    let args = words.get(1..).unwrap_or_default();
    let destroy_verb = args.iter().any(|arg| DESTROY_VERBS.contains(arg));

    if program == "git" {
        return git_finding(args);
    }
    if REMOTE_PROGRAMS.contains(&program) {
        return if destroy_verb {
            finding(
                Effect::Destroy,
                Scope::Remote,
                "remote.destroy",
                format!("`{program}` deletes a remote resource."),
            )
        } else {
            finding(
                Effect::Write,
                Scope::Remote,
                "remote.call",
                format!("`{program}` acts on a remote resource."),
            )
        };
    }
    if LOCAL_DESTROY_PROGRAMS.contains(&program) || program.starts_with("mkfs.") {
        return finding(
            Effect::Destroy,
            Scope::Local,
            "local.destroy",
            format!("`{program}` deletes or overwrites data."),
        );
    }
    if READ_ONLY_PROGRAMS.contains(&program) {
        return finding(
            Effect::Read,
            Scope::Local,
            "local.read",
            format!("`{program}` only reads."),
        );
    }
    finding(
        Effect::Write,
        Scope::Local,
        "local.write",
        format!("`{program}` may change files in the workspace."),
    )
}

fn git_finding(args: &[&str]) -> Finding {
    let subcommand = args.first().copied().unwrap_or("");
    let has = |flag: &str| args.contains(&flag);
    match subcommand {
        "push"
            if has("--force")
                || has("-f")
                || has("--force-with-lease")
                || args.iter().any(|a| a.starts_with('+')) =>
        {
            finding(
                Effect::Destroy,
                Scope::Remote,
                "git.force-push",
                "Force-pushing rewrites history others may have.",
            )
        }
        "push" => finding(
            Effect::Write,
            Scope::Remote,
            "git.push",
            "Pushes commits to a shared remote.",
        ),
        "reset" if has("--hard") => finding(
            Effect::Destroy,
            Scope::Local,
            "git.reset-hard",
            "Throws away uncommitted work.",
        ),
        "clean" => finding(
            Effect::Destroy,
            Scope::Local,
            "git.clean",
            "Deletes untracked files.",
        ),
        _ if READ_GIT_SUBCOMMANDS.contains(&subcommand) => finding(
            Effect::Read,
            Scope::Local,
            "git.read",
            format!("`git {subcommand}` only reads."),
        ),
        _ => finding(
            Effect::Write,
            Scope::Local,
            "git.write",
            "Changes the local repository.",
        ),
    }
}

fn sql_finding(statement: &str, environment: Environment) -> Finding {
    let upper = statement.trim_start().to_ascii_uppercase();
    let first = upper.split_whitespace().next().unwrap_or("");
    // A local dev database is a local service; every other database is shared.
    let scope = if environment == Environment::Dev {
        Scope::Local
    } else {
        Scope::Remote
    };
    match first {
        "SELECT" | "SHOW" | "EXPLAIN" | "DESCRIBE" => {
            finding(Effect::Read, scope, "sql.read", "The statement only reads.")
        }
        "DROP" | "TRUNCATE" => finding(
            Effect::Destroy,
            scope,
            "sql.drop",
            "The statement drops or empties data.",
        ),
        "DELETE" | "UPDATE" if !upper.contains("WHERE") => finding(
            Effect::Destroy,
            scope,
            "sql.no-where",
            "The statement changes every row: it has no WHERE.",
        ),
        _ => finding(
            Effect::Write,
            scope,
            "sql.write",
            "The statement changes data or schema.",
        ),
    }
}

fn http_finding(method: &str, url: &str) -> Finding {
    let method = method.to_ascii_uppercase();
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let local = host == "localhost"
        || host.starts_with("localhost:")
        || host.starts_with("127.")
        || host.starts_with("[::1]");
    let scope = if local { Scope::Local } else { Scope::Remote };
    match method.as_str() {
        "GET" | "HEAD" | "OPTIONS" => finding(
            Effect::Read,
            scope,
            "http.read",
            format!("{method} only reads."),
        ),
        "DELETE" => finding(Effect::Destroy, scope, "http.delete", "A DELETE request."),
        _ => finding(
            Effect::Write,
            scope,
            "http.write",
            format!("A {method} request changes something."),
        ),
    }
}

fn infra_finding(verb: &str) -> Finding {
    let verb = verb.to_ascii_lowercase();
    if DESTROY_VERBS.contains(&verb.as_str()) {
        finding(
            Effect::Destroy,
            Scope::Remote,
            "infra.destroy",
            format!("It {verb}s an infrastructure resource."),
        )
    } else if matches!(verb.as_str(), "get" | "list" | "describe" | "show" | "read") {
        finding(
            Effect::Read,
            Scope::Remote,
            "infra.read",
            "It only reads infrastructure state.",
        )
    } else {
        finding(
            Effect::Write,
            Scope::Remote,
            "infra.write",
            format!("It changes infrastructure ({verb})."),
        )
    }
}

#[cfg(test)]
mod tests;
