//! Other agents started with their safety off, and signoff itself run by an agent.

use signoff_protocol::Tier;

use super::Command;
use crate::policy::finding::{Effect, Finding, Scope};

const SAFETY_OFF: &[&str] = &[
    "--dangerously-skip-permissions",
    "--dangerously-bypass-approvals-and-sandbox",
    "--yolo",
    "--trust-all-tools",
    "--allow-dangerously-skip-permissions",
    "--yes-always",
];

pub fn classify(command: &Command, out: &mut Vec<Finding>) {
    let program = command.program;
    let mode = command.value(&[
        "--permission-mode",
        "--approval-mode",
        "--ask-for-approval",
        "-a",
    ]);
    let off = command
        .args
        .iter()
        .find(|a| SAFETY_OFF.contains(&a.as_str()))
        .map(String::as_str)
        .or(mode.filter(|m| matches!(*m, "bypassPermissions" | "yolo" | "never")))
        .or_else(|| (program == "gemini" && command.has("-y")).then_some("-y"));
    // `claude mcp add`, `codex mcp remove`, `gemini hooks …`, `claude config set`: changing what
    // an agent can reach or what checks it runs.
    let changes_agent = matches!(
        command.positionals().as_slice(),
        ["mcp" | "hooks" | "plugin" | "plugins" | "extensions", verb, ..]
            if !matches!(*verb, "list" | "get" | "ls" | "show")
    ) || matches!(
        command.positionals().as_slice(),
        ["config", "set" | "add" | "remove", ..]
    );
    if changes_agent {
        out.push(
            Finding::new(
                "agent.settings",
                Effect::Write,
                Scope::Machine,
                format!("Changes `{program}`'s own tools or settings: what it can reach, or what checks it."),
            )
            .floor(Tier::Risky),
        );
        return;
    }
    if off.is_none()
        && matches!(
            command.positionals().as_slice(),
            [
                "mcp" | "hooks" | "plugin" | "plugins" | "extensions",
                "list" | "get" | "ls" | "show",
                ..
            ]
        )
    {
        out.push(Finding::new(
            "agent.read",
            Effect::Read,
            Scope::Machine,
            format!("`{program}` only lists its own tools or settings."),
        ));
        return;
    }
    let finding = match off {
        Some(flag) => Finding::new(
            "agent.safety-off",
            Effect::Write,
            Scope::Machine,
            format!("Starts `{program}` with `{flag}`: an agent that asks nobody before it acts."),
        )
        .floor(Tier::Risky),
        None => Finding::new(
            "agent.run",
            Effect::Write,
            Scope::Workspace,
            format!("Starts `{program}` in the workspace."),
        ),
    };
    out.push(finding);
}

/// signoff itself, run by an agent. Reaching for a reviewer's powers (`attach`: pairing,
/// deciding) or taking the gate away (`uninstall`) is critical: an agent must never approve its
/// own actions. Reading (`history`, `explain`, `policy`, `--help`) is read-only; anything else
/// is left unknown (risky).
pub fn signoff(command: &Command, out: &mut Vec<Finding>) {
    let program = command.program;
    let words = command.positionals();
    // Any word: `signoff --socket X attach` has the flag's value first.
    let named = |verb: &str| command.args.iter().any(|arg| arg == verb);
    if named("attach") || named("uninstall") {
        out.push(
            Finding::new(
                "signoff.reviewer",
                Effect::Write,
                Scope::Machine,
                format!(
                    "`{program}` reaches for signoff's own controls (attach: becoming a reviewer; uninstall: removing the gate): an agent must never review itself."
                ),
            )
            .floor(Tier::Critical)
            .resource(program.to_string()),
        );
        return;
    }
    let reads = command.has("--help")
        || command.has("--version")
        || matches!(words.first(), Some(&("explain" | "policy")))
        || (words.first() == Some(&"history") && !named("export"));
    if reads {
        out.push(Finding::new(
            "signoff.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program}` reads its policy or history, or explains a command."),
        ));
    }
}

/// A program other than signoff talking to signoff's socket (`grpcurl -unix …/signoff.sock`,
/// `socat`, `nc -U`): it could do what a reviewer does. Critical.
pub fn signoff_socket(command: &Command, out: &mut Vec<Finding>) -> bool {
    let Some(socket) = command.args.iter().find(|arg| arg.contains("signoff.sock")) else {
        return false;
    };
    out.push(
        Finding::new(
            "signoff.socket",
            Effect::Write,
            Scope::Machine,
            format!(
                "`{}` talks to signoff's console directly ({socket}): only signoff's own clients may.",
                command.program
            ),
        )
        .floor(Tier::Critical)
        .resource(socket.clone()),
    );
    true
}
