//! Package managers and publishing: installs are restorable, publishing is forever.

use signoff_protocol::Tier;

use super::{Command, Runs};
use crate::policy::finding::{Effect, Finding, Scope};

const PUBLISH: &[&str] = &[
    "publish",
    "upload",
    "push",
    "release",
    "yank",
    "unpublish",
    "deprecate",
];
const READ: &[&str] = &[
    "ls",
    "list",
    "tree",
    "outdated",
    "view",
    "info",
    "show",
    "search",
    "why",
    "explain",
    "help",
    "metadata",
    "freeze",
    "check",
    "audit",
    "version",
    "--version",
    "-v",
    "-V",
    "config",
    "doctor",
    "whoami",
    "env",
    "pkgid",
    "locate-project",
    "bin",
    "root",
    "prefix",
    "query",
];

pub fn classify(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) {
    let program = command.program;
    let positionals = command.positionals();
    let verb = positionals.first().copied().unwrap_or("");
    let operands = command.operands(&[
        "-C",
        "--prefix",
        "-w",
        "--workspace",
        "--filter",
        "--dir",
        "--cwd",
    ]);
    if let Some(script) = package_script(program, &operands) {
        runs.push(Runs::PackageScript(script.to_string()));
    }
    // Installing runs the project's own install scripts: package.json's, setup.py.
    match (program, operands.as_slice()) {
        ("npm" | "pnpm" | "yarn" | "bun", ["install" | "i" | "ci" | "add", ..])
        | ("yarn" | "bun", []) => {
            for hook in ["preinstall", "install", "postinstall", "prepare"] {
                runs.push(Runs::PackageScript(hook.to_string()));
            }
        }
        ("pip" | "pip3" | "uv", [.., "install", dir] | ["install", .., dir])
            if *dir == "." || dir.starts_with("./") || dir.ends_with('/') =>
        {
            runs.push(Runs::OptionalFile {
                path: format!("{}/setup.py", dir.trim_end_matches('/')),
                language: super::Language::Python,
            });
        }
        _ => {}
    }
    let global = command.has("-g")
        || command.has("--global")
        || command.has("--user")
        || command.has("--system");
    let finding = match (program, verb) {
        ("gh", _) => return gh(command, out),
        (
            "brew" | "apt" | "apt-get" | "yum" | "dnf" | "pacman" | "apk",
            "list" | "search" | "info" | "show" | "policy" | "outdated" | "doctor" | "-Q" | "-Ss",
        ) => Finding::new(
            "package.read",
            Effect::Read,
            Scope::Machine,
            format!("`{program} {verb}` only reads."),
        ),
        ("brew" | "apt" | "apt-get" | "yum" | "dnf" | "pacman" | "apk", _) => Finding::new(
            "package.system",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` changes the machine's installed software."),
        ),
        (
            "npm" | "pnpm" | "yarn" | "bun" | "pip" | "pip3" | "uv" | "poetry" | "cargo" | "gem"
            | "go",
            v,
        ) if READ.contains(&v)
            && !command.has("fix")
            && !(v == "config"
                && positionals
                    .get(1)
                    .is_some_and(|s| matches!(*s, "set" | "delete" | "edit"))) =>
        {
            Finding::new(
                "package.read",
                Effect::Read,
                Scope::Workspace,
                format!("`{program} {verb}` only reads."),
            )
        }
        ("cargo", "install" | "uninstall") => Finding::new(
            "package.global",
            Effect::Write,
            Scope::Machine,
            format!("`cargo {verb}` changes programs installed for the user."),
        ),
        (_, v) if PUBLISH.contains(&v) && command.has("--dry-run") => Finding::new(
            "package.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program} {verb} --dry-run` only shows what it would publish."),
        ),
        (_, "unpublish") => Finding::new(
            "package.unpublish",
            Effect::Destroy,
            Scope::Remote,
            format!("`{program} {verb}` deletes a published version that others may depend on."),
        )
        .resource(positionals.get(1).copied().unwrap_or_default()),
        (_, v) if PUBLISH.contains(&v) && !matches!(program, "go" | "brew" | "npx") => {
            let rule = if v == "yank" {
                "package.unpublish"
            } else {
                "package.publish"
            };
            Finding::new(
                rule,
                Effect::Write,
                Scope::Remote,
                format!(
                    "`{program} {verb}` publishes to a public registry, which cannot be taken back."
                ),
            )
            .floor(Tier::Risky)
        }
        ("yarn", "npm") if positionals.get(1) == Some(&"publish") => Finding::new(
            "package.publish",
            Effect::Write,
            Scope::Remote,
            "`yarn npm publish` publishes to a public registry, which cannot be taken back.",
        )
        .floor(Tier::Risky),
        (_, "run" | "run-script") if positionals.get(1).is_some_and(|s| deploy_script(s)) => {
            let script = positionals[1];
            Finding::new(
                "package.deploy-script",
                Effect::Write,
                Scope::Remote,
                format!("Runs the `{script}` script, which deploys or publishes."),
            )
        }
        (_, v) if deploy_script(v) && matches!(program, "npm" | "pnpm" | "yarn" | "bun") => {
            Finding::new(
                "package.deploy-script",
                Effect::Write,
                Scope::Remote,
                format!("Runs the `{v}` script, which deploys or publishes."),
            )
        }
        _ if global => Finding::new(
            "package.global",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` installs for the whole machine, not the workspace."),
        ),
        _ => {
            let shown = format!("{program} {verb}");
            Finding::new(
                "package.local",
                Effect::Write,
                Scope::Workspace,
                format!("`{}` works in the workspace.", shown.trim()),
            )
        }
    };
    out.push(finding);
}

/// The package.json script a command runs: `npm run build`, `npm test`, `yarn lint`,
/// `pnpm dev`, `bun run seed`.
fn package_script<'a>(program: &str, positionals: &[&'a str]) -> Option<&'a str> {
    if !matches!(program, "npm" | "pnpm" | "yarn" | "bun") {
        return None;
    }
    match positionals {
        ["run" | "run-script", name, ..] => Some(name),
        [verb @ ("test" | "t" | "start" | "stop" | "restart"), ..] if program != "bun" => {
            Some(if *verb == "t" { "test" } else { verb })
        }
        // `yarn lint`, `pnpm dev`: a script's name where a verb would be.
        [name, ..]
            if matches!(program, "yarn" | "pnpm")
                && !BUILTIN_VERBS.contains(name)
                && !READ.contains(name)
                && !PUBLISH.contains(name) =>
        {
            Some(name)
        }
        _ => None,
    }
}

/// The package managers' own verbs, which are not script names.
const BUILTIN_VERBS: &[&str] = &[
    "install",
    "i",
    "add",
    "remove",
    "rm",
    "uninstall",
    "un",
    "update",
    "up",
    "upgrade",
    "link",
    "unlink",
    "init",
    "create",
    "dlx",
    "exec",
    "x",
    "run",
    "test",
    "start",
    "cache",
    "store",
    "import",
    "prune",
    "dedupe",
    "rebuild",
    "patch",
    "patch-commit",
    "setup",
    "env",
    "set",
    "workspace",
    "workspaces",
    "global",
    "login",
    "logout",
    "pack",
    "plugin",
    "version",
    "node",
    "config",
    "bin",
    "audit",
    "licenses",
    "fetch",
    "install-test",
    "ci",
    "owner",
    "team",
    "access",
    "dist-tag",
    "token",
    "profile",
    "hook",
    "star",
    "unstar",
];

fn deploy_script(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["deploy", "publish", "release"]
        .iter()
        .any(|word| lower.contains(word))
}

/// The GitHub CLI: its API and repository verbs act on github.com.
fn gh(command: &Command, out: &mut Vec<Finding>) {
    let positionals = command.positionals();
    let method = command
        .value(&["-X", "--method"])
        .unwrap_or("GET")
        .to_ascii_uppercase();
    let finding = match positionals.as_slice() {
        ["api", ..] if method == "DELETE" => Finding::new(
            "gh.delete",
            Effect::Destroy,
            Scope::Remote,
            "`gh api -X DELETE` deletes something on GitHub.",
        ),
        ["api", ..] if method == "GET" => Finding::new(
            "gh.read",
            Effect::Read,
            Scope::Remote,
            "`gh api` only reads.",
        ),
        [_, verb, ..] if matches!(*verb, "delete" | "archive") => {
            let target = positionals
                .get(2)
                .map(|s| s.to_string())
                .unwrap_or_default();
            Finding::new(
                "gh.delete",
                Effect::Destroy,
                Scope::Remote,
                format!("`gh {} {verb}` deletes {target} on GitHub.", positionals[0]),
            )
            .resource(target)
        }
        [_, verb, ..]
            if matches!(
                *verb,
                "list" | "view" | "status" | "diff" | "checks" | "search"
            ) =>
        {
            Finding::new(
                "gh.read",
                Effect::Read,
                Scope::Remote,
                "Only reads from GitHub.",
            )
        }
        ["auth" | "status" | "search" | "browse", ..] => Finding::new(
            "gh.read",
            Effect::Read,
            Scope::Remote,
            "Only reads from GitHub.",
        ),
        _ => Finding::new(
            "gh.change",
            Effect::Write,
            Scope::Remote,
            "Changes something on GitHub.",
        ),
    };
    out.push(finding);
}
