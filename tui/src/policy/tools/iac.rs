//! Infrastructure as code: plans read, applies change, destroys destroy.

use super::Command;
use crate::policy::finding::{Effect, Finding, Scope};

const READ: &[&str] = &[
    "plan",
    "show",
    "validate",
    "output",
    "providers",
    "graph",
    "version",
    "preview",
    "synth",
    "diff",
    "list",
    "ls",
    "doctor",
    "whoami",
    "metadata",
    "console",
    "get",
];
const LOCAL: &[&str] = &[
    "init",
    "fmt",
    "get",
    "login",
    "logout",
    "new",
    "bootstrap",
    "context",
    "test",
];

pub fn classify(command: &Command, out: &mut Vec<Finding>) {
    let program = command.program;
    let positionals = command.positionals();
    let verb = positionals.first().copied().unwrap_or("");
    let object = positionals.get(1).copied().unwrap_or("");
    let remote = |rule, effect, why: String| Finding::new(rule, effect, Scope::Remote, why);
    let auto = command.args.iter().any(|a| {
        a == "-auto-approve"
            || a == "--auto-approve"
            || a == "--yes"
            || a == "-y"
            || a == "--require-approval=never"
            || a == "--force"
    });
    let approval = if auto {
        " without asking for confirmation"
    } else {
        ""
    };
    let finding = match verb {
        "destroy" => remote(
            "iac.destroy",
            Effect::Destroy,
            format!("`{program} destroy` tears down every resource it manages{approval}."),
        ),
        "apply" | "up" | "update" if command.has("-destroy") || command.has("--destroy") => remote(
            "iac.destroy",
            Effect::Destroy,
            format!("`{program} {verb} -destroy` tears down every resource it manages{approval}."),
        ),
        "apply" | "up" | "update" | "deploy" | "refresh" | "import" | "taint" | "untaint"
        | "run-all" => remote(
            "iac.apply",
            Effect::Write,
            format!("`{program} {verb}` changes real infrastructure{approval}."),
        ),
        "state" if command.has("-dry-run") => Finding::new(
            "iac.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program} {verb} {object} -dry-run` only shows what it would change."),
        ),
        "state" | "stack"
            if matches!(object, "rm" | "mv" | "push" | "replace-provider" | "rename")
                && !(verb == "stack" && object == "rm") =>
        {
            remote(
                "iac.state",
                Effect::Write,
                format!("`{program} {verb} {object}` rewrites what it believes exists."),
            )
        }
        "state" | "stack" if object == "delete" || object == "rm" => remote(
            "iac.destroy",
            Effect::Destroy,
            format!("`{program} {verb} {object}` deletes a stack."),
        ),
        "state" | "stack" | "workspace" | "config"
            if matches!(
                object,
                "list" | "ls" | "show" | "pull" | "get" | "output" | ""
            ) =>
        {
            Finding::new(
                "iac.read",
                Effect::Read,
                Scope::Workspace,
                format!("`{program} {verb}` only reads."),
            )
        }
        "workspace" if object == "delete" => remote(
            "iac.state",
            Effect::Write,
            "Deletes a workspace's state.".into(),
        ),
        "workspace" | "config" | "stack" => Finding::new(
            "iac.local",
            Effect::Write,
            Scope::Workspace,
            format!("`{program} {verb} {object}` changes local settings."),
        ),
        v if READ.contains(&v) => Finding::new(
            "iac.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program} {v}` only reads (a plan changes nothing)."),
        ),
        v if LOCAL.contains(&v) => Finding::new(
            "iac.local",
            Effect::Write,
            Scope::Workspace,
            format!("`{program} {v}` works in the workspace."),
        ),
        _ => remote(
            "iac.apply",
            Effect::Write,
            format!("`{program} {verb}` may change real infrastructure."),
        ),
    };
    out.push(finding);
}

/// Ansible: a playbook, or an ad-hoc module, runs on the inventory's hosts; check mode and the
/// listing flags only read. (`-m shell -a CMD` is unwrapped by the shell walker.)
pub fn ansible(command: &Command, out: &mut Vec<Finding>) {
    let reads = [
        "--check",
        "-C",
        "--syntax-check",
        "--list-hosts",
        "--list-tasks",
        "--list-tags",
    ]
    .iter()
    .any(|flag| command.has(flag));
    let what = match command.program {
        "ansible-playbook" => {
            let playbooks = command.operands(&[
                "-i",
                "--inventory",
                "-l",
                "--limit",
                "-e",
                "--extra-vars",
                "-u",
                "--user",
                "-t",
                "--tags",
                "--skip-tags",
                "-f",
                "--forks",
                "--vault-password-file",
                "--private-key",
            ]);
            format!("the playbook {}", playbooks.join(" "))
        }
        _ => format!(
            "the module `{}`",
            command.value(&["-m", "--module-name"]).unwrap_or("command")
        ),
    };
    out.push(if reads {
        Finding::new(
            "ansible.check",
            Effect::Read,
            Scope::Remote,
            format!("Ansible only checks {what} against its hosts."),
        )
    } else {
        Finding::new(
            "ansible.run",
            Effect::Write,
            Scope::Remote,
            format!("Ansible runs {what} on the hosts of its inventory."),
        )
    });
}
