//! `signoff doctor`: for each agent on this machine, whether signoff's hook is installed, covers
//! shell, edits and MCP tools, fails closed, is trusted (Codex) or in a trusted folder (Gemini
//! CLI), and runs a signoff that exists; whether the console is reachable; then a read-only canary
//! through each installed hook, exactly as the agent would run it. Anything that would let an
//! action through ungated is a failure.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use crate::hooks::Agent;
use crate::install::{self, codex};

const AGENTS: [Agent; 4] = [
    Agent::ClaudeCode,
    Agent::Codex,
    Agent::Gemini,
    Agent::Cursor,
];
/// How long a canary may take before it counts as failed.
const CANARY_LIMIT: Duration = Duration::from_secs(20);

/// Where to look: the user's home, Codex's home, the project directory.
pub struct Places {
    pub home: PathBuf,
    pub codex_home: PathBuf,
    pub cwd: PathBuf,
}

impl Places {
    pub fn of_this_user() -> anyhow::Result<Places> {
        let home = directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().to_path_buf())
            .ok_or_else(|| anyhow::anyhow!("no home directory"))?;
        let codex_home = std::env::var_os("CODEX_HOME")
            .filter(|h| !h.is_empty())
            .map_or_else(|| home.join(".codex"), PathBuf::from);
        Ok(Places {
            codex_home,
            cwd: std::env::current_dir()?,
            home,
        })
    }

    /// The agent's settings files that can hold hooks: the user's, then the project's.
    fn settings(&self, agent: Agent) -> Vec<PathBuf> {
        let user = match agent {
            Agent::Codex => self.codex_home.join("hooks.json"),
            _ => install::settings_path(agent, Some(&self.home)).unwrap_or_default(),
        };
        let project = install::settings_path(agent, Some(&self.cwd)).unwrap_or_default();
        if project == user {
            vec![user]
        } else {
            vec![user, project]
        }
    }

    /// Whether the agent is on this machine: its settings directory, or its program on `PATH`.
    fn found(&self, agent: Agent) -> bool {
        let (dir, programs): (PathBuf, &[&str]) = match agent {
            Agent::ClaudeCode => (self.home.join(".claude"), &["claude"]),
            Agent::Codex => (self.codex_home.clone(), &["codex"]),
            Agent::Gemini => (self.home.join(".gemini"), &["gemini"]),
            Agent::Cursor => (self.home.join(".cursor"), &["cursor", "cursor-agent"]),
        };
        dir.is_dir() || programs.iter().any(|p| on_path(p).is_some())
    }
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub ok: bool,
    pub detail: String,
}

fn check(check: &'static str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        check,
        ok,
        detail: detail.into(),
    }
}

#[derive(Debug, Serialize)]
pub struct AgentReport {
    pub agent: &'static str,
    pub found: bool,
    pub checks: Vec<Check>,
    /// The hook commands installed, for the canary.
    #[serde(skip)]
    pub commands: Vec<String>,
}

/// A hook handler of signoff's as installed: where, under which event and matcher.
struct Installed {
    file: PathBuf,
    event: String,
    /// Index of its group in the event's array (Codex's trust key).
    group: usize,
    matcher: Option<String>,
    handler: Value,
}

/// Every signoff handler in the agent's settings files.
fn installed(agent: Agent, files: &[PathBuf]) -> (Vec<Installed>, Vec<Check>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                problems.push(check(
                    "settings readable",
                    false,
                    format!("{}: {e}", file.display()),
                ));
                continue;
            }
        };
        let settings: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(e) => {
                problems.push(check(
                    "settings readable",
                    false,
                    format!(
                        "{} is not valid JSON ({e}): the agent may ignore it",
                        file.display()
                    ),
                ));
                continue;
            }
        };
        let Some(events) = settings.get("hooks").and_then(Value::as_object) else {
            continue;
        };
        for (event, groups) in events {
            for (index, group) in groups.as_array().into_iter().flatten().enumerate() {
                // Cursor's entries are handlers themselves; the others' groups hold handlers.
                let handlers: Vec<&Value> = match group.get("hooks").and_then(Value::as_array) {
                    Some(handlers) => handlers.iter().collect(),
                    None => vec![group],
                };
                for handler in handlers {
                    let command = handler.get("command").and_then(Value::as_str).unwrap_or("");
                    if install::is_ours(agent, command) {
                        found.push(Installed {
                            file: file.clone(),
                            event: event.clone(),
                            group: index,
                            matcher: group
                                .get("matcher")
                                .and_then(Value::as_str)
                                .map(String::from),
                            handler: handler.clone(),
                        });
                    }
                }
            }
        }
    }
    (found, problems)
}

/// Whether `matcher` sends `tool` to the hook, as the agent reads matchers.
fn matches(agent: Agent, matcher: Option<&str>, tool: &str) -> bool {
    let Some(matcher) = matcher.filter(|m| !m.is_empty() && *m != "*") else {
        return true;
    };
    // Codex: only letters, digits, `_` and `|` is a list of exact names; anything else a regex.
    if agent == Agent::Codex
        && matcher
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_|".contains(c))
    {
        return matcher.split('|').any(|name| name == tool);
    }
    let anchored = match agent {
        Agent::ClaudeCode => format!("^(?:{matcher})$"),
        _ => matcher.to_string(),
    };
    regex::Regex::new(&anchored).is_ok_and(|re| re.is_match(tool))
}

/// The tools each kind of action reaches the agent's hook as.
fn probes(agent: Agent) -> [(&'static str, &'static str); 3] {
    match agent {
        Agent::ClaudeCode => [
            ("shell", "Bash"),
            ("edits", "Edit"),
            ("MCP tools", "mcp__server__tool"),
        ],
        Agent::Codex => [
            ("shell", "Bash"),
            ("edits", "apply_patch"),
            ("MCP tools", "mcp__server__tool"),
        ],
        Agent::Gemini => [
            ("shell", "run_shell_command"),
            ("edits", "replace"),
            ("MCP tools", "mcp_server_tool"),
        ],
        Agent::Cursor => [
            ("shell", "beforeShellExecution"),
            ("edits", ""),
            ("MCP tools", "beforeMCPExecution"),
        ],
    }
}

/// The static checks of one agent.
pub fn examine(agent: Agent, places: &Places) -> AgentReport {
    let files = places.settings(agent);
    let found = places.found(agent);
    let (hooks, mut checks) = installed(agent, &files);
    let mut report = AgentReport {
        agent: agent.kind(),
        found,
        checks: Vec::new(),
        commands: Vec::new(),
    };
    if hooks.is_empty() {
        let looked: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        checks.push(check(
            "installed",
            false,
            format!(
                "no signoff hook in {}: run `signoff install {}`",
                looked.join(" or "),
                agent.kind()
            ),
        ));
        report.checks = checks;
        return report;
    }
    let places_text: Vec<String> = hooks
        .iter()
        .map(|h| format!("{} ({})", h.file.display(), h.event))
        .collect();
    checks.push(check("installed", true, places_text.join(", ")));

    // Coverage: every kind of action reaches the hook.
    let mut missing = Vec::new();
    for (what, tool) in probes(agent) {
        let covered = match agent {
            Agent::Cursor => !tool.is_empty() && hooks.iter().any(|h| h.event == tool),
            _ => hooks
                .iter()
                .any(|h| matches(agent, h.matcher.as_deref(), tool)),
        };
        if !covered {
            missing.push(what);
        }
    }
    checks.push(if missing.is_empty() {
        check(
            "covers shell, edits and MCP tools",
            true,
            "every tool reaches signoff",
        )
    } else if agent == Agent::Cursor && missing == ["edits"] {
        check(
            "covers shell, edits and MCP tools",
            false,
            "Cursor has no hook before a file edit: its edits are not gated",
        )
    } else {
        check(
            "covers shell, edits and MCP tools",
            false,
            format!(
                "{} do not reach the hook: run `signoff install {}` again",
                missing.join(", "),
                agent.kind()
            ),
        )
    });

    // Fail-closed: the agent waits longer than signoff takes to answer (else it gives up on the
    // hook and runs the tool), or, for Cursor, blocks when the hook fails.
    for hook in &hooks {
        let command = hook
            .handler
            .get("command")
            .and_then(Value::as_str)
            .unwrap_or("");
        let answers_within = command
            .split_whitespace()
            .skip_while(|w| *w != "--timeout")
            .nth(1)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(55);
        let closed = match agent {
            Agent::Cursor => (
                hook.handler.get("failClosed") == Some(&Value::Bool(true)),
                "failClosed is set: a hook that fails blocks".to_string(),
            ),
            _ => {
                let waits = hook.handler.get("timeout").and_then(Value::as_u64);
                let waits_secs = match (agent, waits) {
                    (Agent::Gemini, Some(ms)) => ms / 1000,
                    (Agent::Gemini, None) => 60,
                    (_, Some(secs)) => secs,
                    (_, None) => 600,
                };
                (
                    waits_secs > answers_within,
                    format!(
                        "the agent waits {waits_secs} s, signoff answers within {answers_within} s"
                    ),
                )
            }
        };
        let detail = if closed.0 {
            closed.1
        } else if agent == Agent::Cursor {
            "failClosed is not set: a hook that fails lets the command run".into()
        } else {
            format!("{}: the agent gives up first and runs the tool", closed.1)
        };
        checks.push(check("fails closed", closed.0, detail));
        report.commands.push(command.to_string());
        checks.push(program_exists(command));
    }

    // Codex: trusted with the hash it computes, or it skips the hook silently.
    if agent == Agent::Codex {
        for hook in hooks.iter().filter(|h| h.event == "PreToolUse") {
            let config = codex::config_path(&hook.file);
            let text = std::fs::read_to_string(&config).unwrap_or_default();
            let key = codex::state_key(&hook.file, hook.group, 0);
            let wanted = codex::hook_hash(hook.matcher.as_deref(), &hook.handler);
            checks.push(match codex::trusted_hash(&text, &key) {
                Some(hash) if hash == wanted => check("trusted by Codex", true, format!("{} trusts it", config.display())),
                Some(_) => check("trusted by Codex", false, format!("{} trusts another version of it: Codex skips it; run `signoff install codex` again", config.display())),
                None => check("trusted by Codex", false, format!("{} does not trust it: Codex skips it silently; run `signoff install codex` again", config.display())),
            });
        }
    }
    // Gemini CLI: hooks run only in a folder it trusts.
    if agent == Agent::Gemini {
        checks.push(gemini_trust(places));
    }
    report.checks = checks;
    report
}

/// The program a hook command runs exists (by its path, or on `PATH`).
fn program_exists(command: &str) -> Check {
    let program = match command.strip_prefix('\'') {
        Some(rest) => rest.split('\'').next().unwrap_or("").to_string(),
        None => command.split_whitespace().next().unwrap_or("").to_string(),
    };
    let path = if program.contains('/') {
        Some(PathBuf::from(&program)).filter(|p| is_executable(p))
    } else {
        on_path(&program)
    };
    match path {
        Some(path) => check(
            "runs a signoff that exists",
            true,
            path.display().to_string(),
        ),
        None => check(
            "runs a signoff that exists",
            false,
            format!(
                "`{program}` is not there: the agent cannot run the hook (and may run the tool); install again"
            ),
        ),
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| is_executable(p))
    })
}

/// Whether Gemini CLI trusts the project folder: folder trust turned off, or
/// `~/.gemini/trustedFolders.json` trusting it or a folder above it.
fn gemini_trust(places: &Places) -> Check {
    let name = "in a folder Gemini CLI trusts";
    let settings: Value = std::fs::read_to_string(places.home.join(".gemini/settings.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    if settings.pointer("/security/folderTrust/enabled") == Some(&Value::Bool(false)) {
        return check(
            name,
            true,
            "folder trust is turned off in Gemini's settings",
        );
    }
    let file = places.home.join(".gemini/trustedFolders.json");
    let rules: serde_json::Map<String, Value> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let cwd = &places.cwd;
    // The deepest rule that covers the folder decides.
    let decided = rules
        .iter()
        .filter_map(|(path, rule)| {
            let path = Path::new(path);
            let (root, trusted) = match rule.as_str()? {
                "TRUST_FOLDER" => (path, true),
                "TRUST_PARENT" => (path.parent()?, true),
                "DO_NOT_TRUST" => (path, false),
                _ => return None,
            };
            cwd.starts_with(root)
                .then_some((root.components().count(), trusted, root))
        })
        .max_by_key(|(depth, _, _)| *depth);
    match decided {
        Some((_, true, root)) => check(
            name,
            true,
            format!("{} trusts {}", file.display(), root.display()),
        ),
        Some((_, false, root)) => check(
            name,
            false,
            format!(
                "{} distrusts {}: Gemini runs no hooks here, so nothing is gated",
                file.display(),
                root.display()
            ),
        ),
        None => check(
            name,
            false,
            format!(
                "{} is not trusted in {}: Gemini runs no hooks here, so nothing is gated; trust it when Gemini asks",
                cwd.display(),
                file.display()
            ),
        ),
    }
}

/// Whether a console answers on `socket`.
pub async fn console(socket: &Path) -> Check {
    match signoff_agent_sdk::Gate::connect_to(socket).await {
        Ok(_) => check("console reachable", true, socket.display().to_string()),
        Err(e) => check(
            "console reachable",
            false,
            // The error names the socket already.
            format!("{e}; start `signoff` (hooks deny everything while no console runs)"),
        ),
    }
}

/// A read-only command through the hook `command`, run as the agent runs it (`sh -c`), in the
/// agent's payload format: it must come back allowed, which only the console can say.
pub async fn canary(agent: Agent, command: &str, cwd: &Path) -> Check {
    let payload = match agent {
        Agent::Cursor => {
            json!({"hook_event_name": "beforeShellExecution", "conversation_id": "signoff-doctor", "command": "true", "cwd": cwd, "workspace_roots": [cwd]})
        }
        Agent::Gemini => {
            json!({"session_id": "signoff-doctor", "cwd": cwd, "hook_event_name": "BeforeTool", "tool_name": "run_shell_command", "tool_input": {"command": "true"}})
        }
        _ => {
            json!({"session_id": "signoff-doctor", "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "true"}})
        }
    };
    let started = Instant::now();
    let run = async {
        use tokio::io::AsyncWriteExt;
        let mut child = tokio::process::Command::new("sh")
            .args(["-c", command])
            .current_dir(cwd)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(payload.to_string().as_bytes()).await?;
        }
        child.wait_with_output().await
    };
    let name = "canary";
    let output = match tokio::time::timeout(CANARY_LIMIT, run).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return check(name, false, format!("the hook did not run: {e}")),
        Err(_) => {
            return check(
                name,
                false,
                format!("no answer within {}s", CANARY_LIMIT.as_secs()),
            );
        }
    };
    let took = started.elapsed().as_millis();
    let text = String::from_utf8_lossy(&output.stdout);
    let answer: Value = serde_json::from_str(text.trim()).unwrap_or(Value::Null);
    let (allowed, reason) = match agent {
        // Codex's allow is no output at all.
        Agent::Codex if text.trim().is_empty() => (true, String::new()),
        Agent::Cursor => (
            answer["permission"] == "allow",
            answer["user_message"].as_str().unwrap_or("").to_string(),
        ),
        Agent::Gemini => (
            answer["decision"] == "allow",
            answer["reason"].as_str().unwrap_or("").to_string(),
        ),
        _ => (
            answer.pointer("/hookSpecificOutput/permissionDecision") == Some(&json!("allow")),
            answer
                .pointer("/hookSpecificOutput/permissionDecisionReason")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        ),
    };
    if allowed && output.status.success() {
        check(
            name,
            true,
            format!("`true` went through the hook to the console and streamed back in {took} ms"),
        )
    } else if !output.status.success() {
        check(
            name,
            false,
            format!(
                "the hook exited {}: the agent would run the tool ungated",
                output.status
            ),
        )
    } else {
        check(
            name,
            false,
            format!(
                "the hook answered deny ({}) for a read-only command",
                if reason.is_empty() {
                    text.trim()
                } else {
                    &reason
                }
            ),
        )
    }
}

/// Runs every check; prints them (or JSON lines); says whether all passed.
pub async fn run(places: &Places, socket: &Path, json: bool) -> bool {
    let console = console(socket).await;
    let mut reports = Vec::new();
    for agent in AGENTS {
        let mut report = examine(agent, places);
        if !report.found && report.commands.is_empty() {
            reports.push(report);
            continue;
        }
        for command in report.commands.clone() {
            if console.ok {
                report
                    .checks
                    .push(canary(agent, &command, &places.cwd).await);
            }
        }
        reports.push(report);
    }
    // An agent that is not on this machine (and has no hook) cannot act ungated.
    let healthy = console.ok
        && reports
            .iter()
            .filter(|r| r.found || !r.commands.is_empty())
            .all(|r| r.checks.iter().all(|c| c.ok));
    print_reports(&reports, &console, healthy, json);
    healthy
}

#[allow(clippy::print_stdout)]
fn print_reports(reports: &[AgentReport], console: &Check, healthy: bool, json: bool) {
    if json {
        println!(
            "{}",
            json!({"console": console, "agents": reports, "ok": healthy})
        );
        return;
    }
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    println!("{} console: {}", mark(console.ok), console.detail);
    for report in reports {
        let agent = AGENTS
            .iter()
            .find(|a| a.kind() == report.agent)
            .map_or(report.agent, |a| a.name());
        if !report.found && report.commands.is_empty() {
            println!("- {agent}: not on this machine");
            continue;
        }
        println!("{agent}:");
        for c in &report.checks {
            println!("  {} {}: {}", mark(c.ok), c.check, c.detail);
        }
    }
    if healthy {
        println!("Every agent found is gated.");
    } else {
        println!("What is marked ✗ lets an action through ungated, or stops every action.");
    }
}

#[cfg(test)]
mod tests;
