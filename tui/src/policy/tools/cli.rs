//! The verbs of cloud and platform CLIs (`railway volume delete`, `aws ec2 terminate-instances`,
//! `heroku apps:destroy`): what a verb does, and what it names.

use super::Command;
use crate::policy::finding::{Effect, Finding, Scope};

const DESTROY: &[&str] = &[
    "delete",
    "destroy",
    "remove",
    "rm",
    "rb",
    "terminate",
    "purge",
    "drop",
    "reset",
    "uninstall",
    "wipe",
    "nuke",
    "erase",
    "flush",
    "flushall",
    "flushdb",
    "truncate",
    "prune",
    "deprovision",
    "decommission",
    "teardown",
    "rmi",
    "del",
    "deregister",
    "unregister",
];
const READ: &[&str] = &[
    "list",
    "ls",
    "get",
    "describe",
    "show",
    "status",
    "logs",
    "log",
    "info",
    "whoami",
    "view",
    "inspect",
    "plan",
    "version",
    "help",
    "history",
    "top",
    "explain",
    "output",
    "read",
    "search",
    "check",
    "validate",
    "doctor",
    "ps",
    "open",
    "tail",
    "preview",
    "synth",
    "diff",
    "lint",
    "template",
    "config-view",
    "outputs",
    "whoami",
    "me",
    "current",
    "heads",
    "health",
];

/// Programs that act on a remote platform by nature.
pub const CLOUD_PROGRAMS: &[&str] = &[
    "aws",
    "gcloud",
    "gsutil",
    "bq",
    "az",
    "doctl",
    "railway",
    "fly",
    "flyctl",
    "heroku",
    "vercel",
    "netlify",
    "firebase",
    "render",
    "wrangler",
    "serverless",
    "sls",
    "linode-cli",
    "hcloud",
    "oci",
    "ibmcloud",
    "scw",
    "upctl",
    "vultr-cli",
    "exoscale",
    "eb",
    "sam",
    "copilot",
    "amplify",
    "zeet",
    "koyeb",
    "northflank",
    "porter",
    "cf",
    "ssh-keygen-remote",
    // Hosted databases and APIs.
    "neonctl",
    "neon",
    "pscale",
    "turso",
    "xata",
    "convex",
    "upstash",
    "atlas",
    "stripe",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliVerb {
    pub effect: Effect,
    /// The command up to and including its verb, as written (`volume delete`).
    pub verb: String,
    /// What the verb acts on: the next argument, or an id-like flag's value.
    pub target: Option<String>,
}

/// The first verb among the first positionals: destroy, read, or (when none is recognised) write.
pub fn verb_of(command: &Command) -> CliVerb {
    verb_among(command, command.positionals())
}

/// [`verb_of`] over the words a tool says are positional (its flags' values left out).
pub fn verb_among(command: &Command, positionals: Vec<&str>) -> CliVerb {
    for (index, word) in positionals.iter().enumerate().take(4) {
        // `aws s3 rm s3://x`: a URL or path is never the verb.
        if word.contains("://") || word.contains('/') {
            continue;
        }
        let Some(effect) = verb_effect(word) else {
            continue;
        };
        let target = positionals
            .get(index + 1)
            .map(|t| t.to_string())
            .or_else(|| id_flag(command).map(String::from));
        return CliVerb {
            effect,
            verb: positionals[..=index].join(" "),
            target,
        };
    }
    CliVerb {
        effect: Effect::Write,
        verb: positionals.first().copied().unwrap_or("").to_string(),
        target: id_flag(command).map(String::from),
    }
}

/// What a verb such as `terminate-instances`, `apps:destroy` or `list` does; `None` when it is
/// not a verb signoff knows.
fn verb_effect(word: &str) -> Option<Effect> {
    let lower = word.to_ascii_lowercase();
    let tokens: Vec<&str> = lower.split([':', '-', '_', '.']).collect();
    // `describe-instances` and `apps:info` both lead with their verb once the noun before `:` is
    // dropped; `ps:restart` is a restart, not a `ps`.
    let action = lower.rsplit(':').next().unwrap_or(&lower);
    let verb = action.split(['-', '_', '.']).next().unwrap_or("");
    if tokens.iter().any(|t| DESTROY.contains(t)) {
        Some(Effect::Destroy)
    } else if READ.contains(&verb) {
        Some(Effect::Read)
    } else {
        None
    }
}

/// Whether a word (`teardown`, `db:drop`, `destroy-prod`) has a token that destroys.
pub fn destroys(word: &str) -> bool {
    word.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| DESTROY.contains(&t))
}

/// An infrastructure operation given as provider, resource and verb.
pub fn infra(provider: &str, resource: &str, verb: &str) -> Finding {
    let id = resource.split_whitespace().last().unwrap_or("");
    match verb_effect(verb) {
        Some(Effect::Destroy) => Finding::new(
            "infra.destroy",
            Effect::Destroy,
            Scope::Remote,
            format!("{provider}: `{verb}` on {resource} cannot be undone."),
        )
        .resource(id),
        Some(Effect::Read) => Finding::new(
            "infra.read",
            Effect::Read,
            Scope::Remote,
            format!("{provider}: `{verb}` only reads."),
        ),
        _ => Finding::new(
            "infra.change",
            Effect::Write,
            Scope::Remote,
            format!("{provider}: `{verb}` changes {resource}."),
        ),
    }
}

fn id_flag<'a>(command: &'a Command) -> Option<&'a str> {
    command.args.iter().enumerate().find_map(|(index, arg)| {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (arg.as_str(), None),
        };
        let idish = flag.starts_with("--")
            && (flag.ends_with("-id")
                || flag.ends_with("-ids")
                || flag.ends_with("-identifier")
                || flag.ends_with("-name")
                || matches!(
                    flag,
                    "--app" | "--name" | "--bucket" | "--id" | "--project" | "--service"
                ));
        if !idish && flag != "-a" {
            return None;
        }
        inline.or_else(|| command.args.get(index + 1).map(String::as_str))
    })
}

/// A cloud or platform CLI: everything it does is remote; its verb says what.
pub fn classify_cloud(command: &Command, out: &mut Vec<Finding>) -> bool {
    if !CLOUD_PROGRAMS.contains(&command.program) {
        return false;
    }
    out.push(cloud_finding(command));
    true
}

/// A remote platform CLI's command, judged by its verb.
pub fn cloud_finding(command: &Command) -> Finding {
    let program = command.program;
    let verb = verb_of(command);
    match verb.effect {
        Effect::Read => Finding::new(
            "cloud.read",
            Effect::Read,
            Scope::Remote,
            format!("`{program} {}` only reads.", verb.verb),
        ),
        Effect::Destroy => {
            let what = verb.target.clone().unwrap_or_else(|| "a resource".into());
            Finding::new(
                "cloud.destroy",
                Effect::Destroy,
                Scope::Remote,
                format!("`{program} {}` destroys {what}.", verb.verb),
            )
            .resource(verb.target.unwrap_or_default())
        }
        Effect::Write => {
            let shown = format!("{program} {}", verb.verb);
            Finding::new(
                "cloud.change",
                Effect::Write,
                Scope::Remote,
                format!("`{}` changes something on {program}.", shown.trim()),
            )
        }
    }
}
