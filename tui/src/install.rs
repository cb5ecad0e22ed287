//! `signoff install|uninstall <agent>`: adds signoff's hook to an agent's settings file, or removes
//! exactly what it added. Every other setting and hook is kept, in its order; a malformed file is
//! refused (with where it breaks) and left untouched; installing twice changes nothing.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::hooks::Agent;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(
        "{path} is not valid JSON (line {line}, column {column}: {message}); fix it first, it was not changed"
    )]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: `{key}` is not {expected}; it was not changed")]
    Shape {
        path: PathBuf,
        key: String,
        expected: &'static str,
    },
    #[error("cannot {verb} {path}: {source}")]
    Io {
        verb: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no home directory to find the agent's settings in; use --project")]
    NoHome,
}

/// Where an agent keeps its hooks: for the user, or for the project in `dir`.
pub fn settings_path(agent: Agent, project: Option<&Path>) -> Result<PathBuf, InstallError> {
    let relative = match agent {
        Agent::ClaudeCode => ".claude/settings.json",
        Agent::Codex => ".codex/hooks.json",
        Agent::Cursor => ".cursor/hooks.json",
        Agent::Gemini => ".gemini/settings.json",
    };
    match project {
        Some(dir) => Ok(dir.join(relative)),
        None => directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().join(relative))
            .ok_or(InstallError::NoHome),
    }
}

/// How long Claude Code and Codex wait for the hook, as installed.
const PRE_TOOL_USE_TIMEOUT_SECS: u64 = 600;

/// The command the agent runs. Where the agent waits long, so may the person: the hook answers
/// 10 s before the agent would give up (elsewhere the hook's default, 55 s, fits).
fn command(agent: Agent, env: &str) -> String {
    let timeout = match agent {
        Agent::ClaudeCode | Agent::Codex => {
            format!(" --timeout {}", PRE_TOOL_USE_TIMEOUT_SECS - 10)
        }
        Agent::Cursor | Agent::Gemini => String::new(),
    };
    format!("signoff hook {} --env {env}{timeout}", agent.kind())
}

/// Hook entries whose command is signoff's for this agent.
fn ours(agent: Agent, entry: &Value) -> bool {
    entry
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(|c| c.starts_with(&format!("signoff hook {}", agent.kind())))
}

/// (event, the group signoff adds under it)
fn group(agent: Agent, env: &str) -> (&'static str, Value) {
    let command = command(agent, env);
    match agent {
        Agent::ClaudeCode => (
            "PreToolUse",
            json!({"matcher": "Bash|Write|Edit|MultiEdit", "hooks": [{"type": "command", "command": command, "timeout": PRE_TOOL_USE_TIMEOUT_SECS}]}),
        ),
        Agent::Codex => (
            "PreToolUse",
            json!({"matcher": "Bash", "hooks": [{"type": "command", "command": command, "timeout": PRE_TOOL_USE_TIMEOUT_SECS}]}),
        ),
        Agent::Cursor => ("beforeShellExecution", json!({"command": command})),
        Agent::Gemini => (
            "BeforeTool",
            json!({"matcher": "run_shell_command|write_file|replace", "hooks": [{"type": "command", "command": command, "timeout": 60000}]}),
        ),
    }
}

fn read(path: &Path) -> Result<(String, Map<String, Value>), InstallError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((String::new(), Map::new()));
        }
        Err(source) => {
            return Err(InstallError::Io {
                verb: "read",
                path: path.into(),
                source,
            });
        }
    };
    if text.trim().is_empty() {
        return Ok((text, Map::new()));
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| InstallError::Malformed {
        path: path.into(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    match value {
        Value::Object(map) => Ok((text, map)),
        _ => Err(InstallError::Shape {
            path: path.into(),
            key: "(the whole file)".into(),
            expected: "a JSON object",
        }),
    }
}

/// `settings.hooks[event]` as an array, created when missing.
fn event_array<'a>(
    path: &Path,
    settings: &'a mut Map<String, Value>,
    event: &str,
) -> Result<&'a mut Vec<Value>, InstallError> {
    let shape = |key: &str, expected| InstallError::Shape {
        path: path.into(),
        key: key.into(),
        expected,
    };
    let hooks = settings.entry("hooks").or_insert_with(|| json!({}));
    let hooks = hooks
        .as_object_mut()
        .ok_or_else(|| shape("hooks", "an object"))?;
    hooks
        .entry(event)
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| shape(&format!("hooks.{event}"), "an array"))
}

/// Whether a group (or, for Cursor, an entry) is signoff's.
fn group_is_ours(agent: Agent, group: &Value) -> bool {
    ours(agent, group)
        || group
            .get("hooks")
            .and_then(Value::as_array)
            .is_some_and(|hooks| hooks.iter().any(|h| ours(agent, h)))
}

/// What installing or uninstalling did.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    /// The file's new text and the diff from the old.
    Changed {
        text: String,
        diff: String,
    },
}

pub fn install(agent: Agent, path: &Path, env: &str) -> Result<Change, InstallError> {
    let (before, mut settings) = read(path)?;
    let (event, group) = group(agent, env);
    if agent == Agent::Cursor && !settings.contains_key("version") {
        settings.insert("version".into(), json!(1));
    }
    let groups = event_array(path, &mut settings, event)?;
    // Installing again with other options (another --env) replaces signoff's hook in place.
    match groups.iter().position(|g| group_is_ours(agent, g)) {
        Some(at) if groups[at] == group => return Ok(Change::Unchanged),
        Some(at) => groups[at] = group,
        None => groups.push(group),
    }
    Ok(changed(&before, &settings, path))
}

pub fn uninstall(agent: Agent, path: &Path) -> Result<Change, InstallError> {
    let (before, mut settings) = read(path)?;
    let (event, _) = group(agent, "");
    let Some(hooks) = settings.get_mut("hooks").and_then(Value::as_object_mut) else {
        return Ok(Change::Unchanged);
    };
    let Some(groups) = hooks.get_mut(event).and_then(Value::as_array_mut) else {
        return Ok(Change::Unchanged);
    };
    let count = groups.len();
    groups.retain(|g| !group_is_ours(agent, g));
    if groups.len() == count {
        return Ok(Change::Unchanged);
    }
    // Containers left empty are ones install created.
    if groups.is_empty() {
        hooks.remove(event);
    }
    if hooks.is_empty() {
        settings.remove("hooks");
    }
    Ok(changed(&before, &settings, path))
}

fn changed(before: &str, settings: &Map<String, Value>, path: &Path) -> Change {
    let mut text = serde_json::to_string_pretty(settings).unwrap_or_default();
    text.push('\n');
    let diff = signoff_protocol::unified_diff(&path.display().to_string(), before, &text);
    Change::Changed { text, diff }
}

/// Writes the new text in place of the file (through a temporary file, keeping its mode).
pub fn write(path: &Path, text: &str) -> Result<(), InstallError> {
    let io = |verb, source| InstallError::Io {
        verb,
        path: path.into(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
    }
    let staging = path.with_extension("signoff-tmp");
    std::fs::write(&staging, text).map_err(|e| io("write", e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&staging, meta.permissions());
    }
    std::fs::rename(&staging, path).map_err(|e| io("replace", e))
}

#[cfg(test)]
mod tests;
