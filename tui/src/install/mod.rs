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
    #[error("{path} is not valid TOML ({message}); fix it first, it was not changed")]
    Toml { path: PathBuf, message: String },
    #[error("no home directory to find the agent's settings in; use --project")]
    NoHome,
}

pub mod codex;
pub mod mcp;

/// Where an agent keeps its hooks: for the user (Codex: `$CODEX_HOME`, else `~/.codex`), or for
/// the project in `dir`.
pub fn settings_path(agent: Agent, project: Option<&Path>) -> Result<PathBuf, InstallError> {
    let relative = match agent {
        Agent::ClaudeCode => ".claude/settings.json",
        Agent::Codex => ".codex/hooks.json",
        Agent::Cursor => ".cursor/hooks.json",
        Agent::Gemini => ".gemini/settings.json",
    };
    if let (Agent::Codex, None) = (agent, project)
        && let Some(home) = std::env::var_os("CODEX_HOME").filter(|h| !h.is_empty())
    {
        return Ok(PathBuf::from(home).join("hooks.json"));
    }
    match project {
        Some(dir) => Ok(dir.join(relative)),
        None => directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().join(relative))
            .ok_or(InstallError::NoHome),
    }
}

/// How long the agents wait for the hook, as installed: ten minutes for a person to answer.
pub const HOOK_TIMEOUT_SECS: u64 = 600;

/// The program `signoff install` has the agents run, when it stands beside `signoff`: the hook
/// alone, which starts in about half the time.
pub const HOOK_PROGRAM: &str = "signoff-hook";

/// The command the agent runs, by absolute path (a hook the agent cannot find lets the tool run):
/// `signoff-hook` beside this signoff (`exe`), else this signoff's `hook`; answering 10 s before
/// the agent would give up.
pub fn command(agent: Agent, env: &str, exe: &Path) -> String {
    let quoted = |path: &Path| {
        let path = path.display().to_string();
        let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+".contains(c);
        if path.chars().all(safe) {
            path
        } else {
            format!("'{}'", path.replace('\'', r"'\''"))
        }
    };
    let hook = exe.with_file_name(HOOK_PROGRAM);
    let program = if hook.is_file() {
        quoted(&hook)
    } else {
        format!("{} hook", quoted(exe))
    };
    let timeout = match agent {
        Agent::Cursor => String::new(),
        _ => format!(" --timeout {}", HOOK_TIMEOUT_SECS - 10),
    };
    format!("{program} {} --env {env}{timeout}", agent.kind())
}

/// Whether a hook entry's command is signoff's for this agent (by path or on `PATH`).
fn ours(agent: Agent, entry: &Value) -> bool {
    entry
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(|c| is_ours(agent, c))
}

/// Whether `command` runs signoff's hook for `agent`: `signoff-hook <agent>` or
/// `signoff hook <agent>`, by path or on `PATH`.
pub fn is_ours(agent: Agent, command: &str) -> bool {
    [(HOOK_PROGRAM, ""), ("signoff", " hook")]
        .into_iter()
        .any(|(name, subcommand)| {
            let call = format!("{subcommand} {}", agent.kind());
            command.split_once(&call).is_some_and(|(program, _)| {
                let program = program.trim_matches('\'');
                program == name || program.ends_with(&format!("/{name}"))
            })
        })
}

/// The events signoff hooks into for `agent`, and the group (for Cursor, the entry) it adds
/// under each. Every tool reaches signoff: shell, edits, notebooks, MCP tools and tools that do
/// not exist yet (read-only ones stream through at once).
pub fn entries(agent: Agent, command: &str) -> Vec<(&'static str, Value)> {
    let handler = json!({"type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECS});
    match agent {
        Agent::ClaudeCode | Agent::Codex => {
            vec![("PreToolUse", json!({"matcher": "*", "hooks": [handler]}))]
        }
        // Gemini CLI counts its hook timeout in milliseconds.
        Agent::Gemini => vec![(
            "BeforeTool",
            json!({"matcher": "*", "hooks": [{"type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECS * 1000}]}),
        )],
        // Cursor: a failing or missing hook must block, not allow.
        Agent::Cursor => ["beforeShellExecution", "beforeMCPExecution"]
            .into_iter()
            .map(|event| (event, json!({"command": command, "failClosed": true})))
            .collect(),
    }
}

/// The events signoff may have hooks under, this version's and earlier ones'.
fn all_events(agent: Agent) -> Vec<&'static str> {
    entries(agent, "")
        .into_iter()
        .map(|(event, _)| event)
        .collect()
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

/// One file's new text, and the diff from its old text.
#[derive(Debug, PartialEq, Eq)]
pub struct Edit {
    pub path: PathBuf,
    pub text: String,
    pub diff: String,
}

/// Adds signoff's hook for `agent` to the settings file at `path`, run as `command`; for Codex
/// also trusts it in `config.toml` beside it. Installing again with other options replaces
/// signoff's hook in place. No edits: it was installed already.
pub fn install(agent: Agent, path: &Path, command: &str) -> Result<Vec<Edit>, InstallError> {
    let (before, mut settings) = read(path)?;
    if agent == Agent::Cursor && !settings.contains_key("version") {
        settings.insert("version".into(), json!(1));
    }
    let mut placed = Vec::new();
    for (event, group) in entries(agent, command) {
        let groups = event_array(path, &mut settings, event)?;
        let at = match groups.iter().position(|g| group_is_ours(agent, g)) {
            Some(at) => {
                groups[at] = group.clone();
                at
            }
            None => {
                groups.push(group.clone());
                groups.len() - 1
            }
        };
        placed.push((at, group));
    }
    let mut edits = Vec::from_iter(changed(&before, &settings, path));
    if agent == Agent::Codex {
        let (at, group) = &placed[0];
        edits.extend(codex::trust(path, *at, group)?);
    }
    Ok(edits)
}

/// Removes exactly what [`install`] added (for Codex, its trust entry too, keeping the hooks
/// after it trusted).
pub fn uninstall(agent: Agent, path: &Path) -> Result<Vec<Edit>, InstallError> {
    let (before, mut settings) = read(path)?;
    let mut removed_at = None;
    if let Some(hooks) = settings.get_mut("hooks").and_then(Value::as_object_mut) {
        for event in all_events(agent) {
            let Some(groups) = hooks.get_mut(event).and_then(Value::as_array_mut) else {
                continue;
            };
            if let Some(at) = groups.iter().position(|g| group_is_ours(agent, g)) {
                groups.remove(at);
                removed_at.get_or_insert(at);
            }
            // Containers left empty are ones install created.
            if groups.is_empty() {
                hooks.remove(event);
            }
        }
        if hooks.is_empty() {
            settings.remove("hooks");
        }
    }
    let Some(at) = removed_at else {
        return Ok(Vec::new());
    };
    let mut edits = Vec::from_iter(changed(&before, &settings, path));
    if agent == Agent::Codex {
        edits.extend(codex::untrust(path, at)?);
    }
    Ok(edits)
}

/// The settings file's edit; none when its content is the same (its layout is left alone).
fn changed(before: &str, settings: &Map<String, Value>, path: &Path) -> Option<Edit> {
    let same = serde_json::from_str::<Map<String, Value>>(before)
        .ok()
        .as_ref()
        == Some(settings)
        || (before.trim().is_empty() && settings.is_empty());
    if same {
        return None;
    }
    let mut text = serde_json::to_string_pretty(settings).unwrap_or_default();
    text.push('\n');
    edit(path, before, text)
}

/// An edit of `path` from `before` to `text`; none when nothing changes.
fn edit(path: &Path, before: &str, text: String) -> Option<Edit> {
    if text == before {
        return None;
    }
    let diff = signoff_protocol::unified_diff(&path.display().to_string(), before, &text);
    Some(Edit {
        path: path.to_path_buf(),
        text,
        diff,
    })
}

/// What the person must still do by hand after installing, in sentences.
pub fn still_to_do(agent: Agent, path: &Path) -> Vec<String> {
    let mut lines = vec![format!(
        "Restart {} sessions that are running: they read their hooks when they start.",
        agent.name()
    )];
    match agent {
        Agent::Codex => lines.push(format!(
            "Codex runs the hook because {} trusts it now; re-installing (another --env) \
             trusts the new one.",
            codex::config_path(path).display()
        )),
        Agent::Gemini => lines.push(
            "Gemini CLI runs hooks only in folders it trusts: trust each project folder when \
             Gemini asks (or add it to ~/.gemini/trustedFolders.json); in an untrusted folder \
             nothing is gated. `signoff doctor` in the folder says which it is."
                .into(),
        ),
        Agent::Cursor => lines.push(
            "Cursor blocks a shell command or MCP tool when the hook fails (failClosed); its \
             file edits have no hook signoff has verified, so they are not gated."
                .into(),
        ),
        Agent::ClaudeCode => {}
    }
    lines.push("Then run `signoff doctor` to check that the gate is live.".into());
    lines
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
