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
