//! `signoff hook <agent>`: the adapters that gate Claude Code, Codex, Cursor and Gemini CLI
//! through their hook protocols (see docs/agent-hooks.md).
//!
//! Each reads the agent's JSON payload on stdin, turns the tool call into an action (a shell
//! command, a file change with the real unified diff against the file on disk, or a tool signoff
//! has no kind for), proposes it in a session keyed by the agent's own session id, and answers in
//! the agent's format. The answer is always printed and the exit status is always 0: for these
//! agents a non-zero exit or a timeout lets the tool run, so anything that goes wrong — the
//! console unreachable, a malformed payload, no decision before our own deadline — answers
//! "deny" with the reason.

mod action;
mod payload;

use std::time::Duration;

use signoff_agent_sdk::{Action, Decision, Environment, Gate, Verdict};

pub use payload::{Agent, HookRequest};

/// The largest payload read from the agent.
pub const MAX_PAYLOAD: usize = 16 * 1024 * 1024;

pub struct HookOptions {
    pub agent: Agent,
    pub socket: std::path::PathBuf,
    pub environment: Environment,
    /// Answer within this long, before the agent's own hook timeout gives up on us.
    pub timeout: Duration,
}

/// Answers one hook call: reads the payload on stdin, prints the answer on stdout, exits 0
/// whatever happens (a panic answers deny too). One short request: a runtime without worker
/// threads.
pub fn answer(options: &HookOptions) -> std::process::ExitCode {
    use std::io::{Read, Write};
    let mut input = Vec::new();
    let read = std::io::stdin()
        .take(MAX_PAYLOAD as u64 + 1)
        .read_to_end(&mut input);
    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match (read, runtime) {
            (Ok(_), Ok(runtime)) => runtime.block_on(run(options, &input)),
            (Err(error), _) => deny(
                options.agent,
                &format!("signoff: cannot read the hook payload ({error}); not approved"),
            ),
            (_, Err(error)) => deny(
                options.agent,
                &format!("signoff: cannot start ({error}); not approved"),
            ),
        }
    }))
    .unwrap_or_else(|_| deny(options.agent, "signoff: the hook failed; not approved"));
    if !answer.is_empty() {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{answer}").and_then(|()| stdout.flush());
    }
    std::process::ExitCode::SUCCESS
}

/// The answer for the agent: what to print on stdout.
async fn run(options: &HookOptions, input: &[u8]) -> String {
    let verdict = match tokio::time::timeout(options.timeout, decide(options, input)).await {
        Ok(Ok(decision)) => Answer::from_decision(&decision),
        Ok(Err(reason)) => Answer::deny(reason),
        Err(_) => Answer::deny(format!(
            "signoff: no decision within {}s, so not approved",
            options.timeout.as_secs()
        )),
    };
    verdict.render(options.agent)
}

/// What a payload asks for, before any console is involved: the request and its action (with
/// the diff against the file on disk). An error says why the payload cannot be taken.
pub fn actions_for(agent: Agent, input: &[u8]) -> Result<(HookRequest, Vec<Action>), String> {
    if input.len() > MAX_PAYLOAD {
        return Err(format!(
            "signoff: the hook payload is larger than {MAX_PAYLOAD} bytes, so not approved"
        ));
    }
    let request = payload::parse(agent, input)
        .map_err(|e| format!("signoff: cannot read the hook payload ({e}), so not approved"))?;
    let actions = action::from_tool(&request);
    Ok((request, actions))
}

async fn decide(options: &HookOptions, input: &[u8]) -> Result<Decision, String> {
    let (request, actions) = actions_for(options.agent, input)?;
    let gate = Gate::connect_to(&options.socket)
        .await
        .map_err(|e| format!("signoff: {e}; not approved"))?;
    let mut session = gate
        .session(request.agent_name.clone())
        .agent_kind(options.agent.kind())
        .workspace(request.cwd.clone());
    if let Some(model) = &request.model {
        session = session.model(model.clone());
    }
    if let Some(subagent) = &request.subagent {
        session = session.label("subagent", subagent.clone());
    }
    // The agent started this hook: it is the session's process. The session is opened (or the
    // one under the agent's session id reused) by the proposal itself: one round trip.
    let session = session
        .pid(std::os::unix::process::parent_id())
        .external_id(request.session_key.clone());
    // Leave the console a little less than our own deadline, so its verdict arrives in time.
    let wait = options
        .timeout
        .saturating_sub(Duration::from_secs(2))
        .max(Duration::from_secs(1));
    // A patch of several files is approved only when every file is; the first refusal answers.
    let mut last = None;
    for mut action in actions {
        action.target.environment = options.environment;
        let pending = session
            .submit(action, Some(wait))
            .await
            .map_err(|e| format!("signoff: {e}; not approved"))?;
        let decision = pending
            .decision()
            .await
            .map_err(|e| format!("signoff: {e}; not approved"))?;
        if !decision.is_approved() {
            return Ok(decision);
        }
        last = Some(decision);
    }
    last.ok_or_else(|| "signoff: the tool call holds nothing to run; not approved".to_string())
}

/// A deny answer in `agent`'s format.
fn deny(agent: Agent, reason: &str) -> String {
    Answer::deny(reason.to_string()).render(agent)
}

/// allow, or deny with a reason.
struct Answer {
    allow: bool,
    reason: String,
}

impl Answer {
    fn deny(reason: String) -> Answer {
        Answer {
            allow: false,
            reason,
        }
    }

    fn from_decision(decision: &Decision) -> Answer {
        let note = if decision.note.is_empty() {
            String::new()
        } else {
            format!(": {}", decision.note)
        };
        match decision.verdict {
            Verdict::Approved => Answer {
                allow: true,
                reason: format!("approved in signoff ({})", decision.decided_by.who()),
            },
            Verdict::Denied => Answer::deny(format!("denied in signoff by a person{note}")),
            Verdict::Expired => {
                Answer::deny("signoff: nobody decided before the deadline, so not approved".into())
            }
            Verdict::Withdrawn => Answer::deny(format!("signoff: withdrawn{note}; not approved")),
        }
    }

    /// The agent's own format. Codex rejects unknown fields, so each carries only its documented
    /// ones; Codex reports an `allow` without `updatedInput` as a failed hook, so its allow is no
    /// output at all ("no objection").
    fn render(&self, agent: Agent) -> String {
        if self.allow && agent == Agent::Codex {
            return String::new();
        }
        let decision = if self.allow { "allow" } else { "deny" };
        let value = match agent {
            Agent::ClaudeCode | Agent::Codex => serde_json::json!({
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": decision,
                    "permissionDecisionReason": self.reason,
                }
            }),
            Agent::Cursor => serde_json::json!({
                "permission": decision,
                "user_message": self.reason,
                "agent_message": self.reason,
            }),
            Agent::Gemini => serde_json::json!({ "decision": decision, "reason": self.reason }),
        };
        value.to_string()
    }
}

#[cfg(test)]
mod tests;
