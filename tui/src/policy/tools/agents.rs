//! Other agents started with their safety off.

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
