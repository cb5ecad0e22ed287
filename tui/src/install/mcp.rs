//! `signoff install <agent> --mcp`: puts `signoff mcp` in front of every MCP server the agent
//! starts itself (a `command`), so that each tool call is proposed to the console and the tools'
//! definitions are pinned; `uninstall --mcp` takes it out again, leaving the server as it was.
//! The wrapped server keeps everything else of its entry (environment, working directory…): its
//! command becomes this signoff, and its arguments `mcp --name NAME --env ENV -- COMMAND ARGS…`,
//! which is also how a wrapped entry is recognised. Servers reached by URL cannot be wrapped
//! (signoff does not start them): they are named in a note, and only the hook gates them.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Edit, InstallError, changed, edit, read};
use crate::hooks::Agent;

/// Where the agent keeps its MCP servers: the user's (Claude Code: `~/.claude.json`, which also
/// holds each project's own servers) or the project's in `dir`.
pub fn config_path(agent: Agent, project: Option<&Path>) -> Result<PathBuf, InstallError> {
    let home = || {
        directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().to_path_buf())
            .ok_or(InstallError::NoHome)
    };
    Ok(match (agent, project) {
        (Agent::ClaudeCode, Some(dir)) => dir.join(".mcp.json"),
        (Agent::ClaudeCode, None) => home()?.join(".claude.json"),
        (Agent::Codex, _) => super::codex::config_path(&super::settings_path(agent, project)?),
        (Agent::Gemini, _) => super::settings_path(agent, project)?,
        (Agent::Cursor, Some(dir)) => dir.join(".cursor/mcp.json"),
        (Agent::Cursor, None) => home()?.join(".cursor/mcp.json"),
    })
}

/// The edit that wraps every server in `path` (none when each is wrapped already as asked), and
/// a note for each server that cannot be. `socket`: the console's, when it is not the default
/// (agents need not pass their environment on to the servers they start).
pub fn wrap(
    agent: Agent,
    path: &Path,
    exe: &str,
    env: &str,
    socket: Option<&Path>,
) -> Result<(Option<Edit>, Vec<String>), InstallError> {
    let mut notes = Vec::new();
    let socket = socket.map(|s| s.display().to_string());
    let mut each = |name: &str, command: Option<&str>, args: &[String]| match command {
        Some(command) => {
            let (command, args) =
                unwrapped(command, args).unwrap_or_else(|| (command.to_string(), args.to_vec()));
            let mut wrapped = vec!["mcp"];
            if let Some(socket) = &socket {
                wrapped.extend(["--socket", socket]);
            }
            wrapped.extend(["--name", name, "--env", env, "--", &command]);
            wrapped.extend(args.iter().map(String::as_str));
            Some((
                exe.to_string(),
                wrapped.into_iter().map(String::from).collect(),
            ))
        }
        None => {
            notes.push(format!(
                "`{name}` is reached by URL: signoff cannot start it behind `signoff mcp`; \
                 only the hook gates its tools"
            ));
            None
        }
    };
    let edit = rewrite(agent, path, &mut each)?;
    Ok((edit, notes))
}

/// The edit that takes `signoff mcp` out of every server it wraps in `path`.
pub fn unwrap(agent: Agent, path: &Path) -> Result<Option<Edit>, InstallError> {
    rewrite(agent, path, &mut |_, command, args| {
        unwrapped(command?, args)
    })
}

/// The server's own command and arguments, when `command args` is `signoff mcp … -- SERVER…`.
fn unwrapped(command: &str, args: &[String]) -> Option<(String, Vec<String>)> {
    let ours = command == "signoff" || command.ends_with("/signoff");
    if !ours || args.first().map(String::as_str) != Some("mcp") {
        return None;
    }
    let start = args.iter().position(|a| a == "--")? + 1;
    let (server, rest) = args.get(start..)?.split_first()?;
    Some((server.clone(), rest.to_vec()))
}

/// For each server: its name, command (none for a URL) and arguments → its new command and
/// arguments, or none to leave it.
type Rewrite<'a> = dyn FnMut(&str, Option<&str>, &[String]) -> Option<(String, Vec<String>)> + 'a;

fn rewrite(agent: Agent, path: &Path, each: &mut Rewrite) -> Result<Option<Edit>, InstallError> {
    if agent == Agent::Codex {
        return rewrite_toml(path, each);
    }
    let (before, mut settings) = read(path)?;
    rewrite_servers(settings.get_mut("mcpServers"), each);
    // Claude Code keeps the servers of each project (its default scope) in the same file.
    if agent == Agent::ClaudeCode
        && let Some(projects) = settings.get_mut("projects").and_then(Value::as_object_mut)
    {
        for project in projects.values_mut() {
            rewrite_servers(project.get_mut("mcpServers"), each);
        }
    }
    Ok(changed(&before, &settings, path))
}

fn rewrite_servers(servers: Option<&mut Value>, each: &mut Rewrite) {
    let Some(servers) = servers.and_then(Value::as_object_mut) else {
        return;
    };
    for (name, server) in servers.iter_mut() {
        let Some(server) = server.as_object_mut() else {
            continue;
        };
        let command = server.get("command").and_then(Value::as_str);
        // Arguments that are not all strings are not a server signoff knows how to start: left.
        let args: Option<Vec<String>> = match server.get("args") {
            None => Some(Vec::new()),
            Some(args) => args
                .as_array()
                .and_then(|a| a.iter().map(|v| v.as_str().map(String::from)).collect()),
        };
        let Some(args) = args else { continue };
        if let Some((command, args)) = each(name, command, &args) {
            set(server, command, args);
        }
    }
}

/// Sets a server's command and arguments; no arguments leaves out the key.
fn set(server: &mut Map<String, Value>, command: String, args: Vec<String>) {
    server.insert("command".into(), Value::from(command));
    if args.is_empty() {
        server.remove("args");
    } else {
        server.insert("args".into(), Value::from(args));
    }
}

/// Codex: `[mcp_servers.NAME]` tables of `config.toml`, edited in place (comments and layout
/// kept).
fn rewrite_toml(path: &Path, each: &mut Rewrite) -> Result<Option<Edit>, InstallError> {
    let before = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(InstallError::Io {
                verb: "read",
                path: path.into(),
                source,
            });
        }
    };
    let mut doc: toml_edit::DocumentMut =
        before
            .parse()
            .map_err(|e: toml_edit::TomlError| InstallError::Toml {
                path: path.into(),
                message: e.to_string(),
            })?;
    let Some(servers) = doc
        .get_mut("mcp_servers")
        .and_then(toml_edit::Item::as_table_like_mut)
    else {
        return Ok(None);
    };
    for (name, server) in servers.iter_mut() {
        let Some(server) = server.as_table_like_mut() else {
            continue;
        };
        let command = server.get("command").and_then(|c| c.as_str());
        let args: Option<Vec<String>> = match server.get("args") {
            None => Some(Vec::new()),
            Some(args) => args
                .as_array()
                .and_then(|a| a.iter().map(|v| v.as_str().map(String::from)).collect()),
        };
        let Some(args) = args else { continue };
        if let Some((command, args)) = each(&name, command, &args) {
            server.insert("command", toml_edit::value(command));
            if args.is_empty() {
                server.remove("args");
            } else {
                server.insert("args", toml_edit::value(toml_edit::Array::from_iter(args)));
            }
        }
    }
    Ok(edit(path, &before, doc.to_string()))
}

#[cfg(test)]
mod tests;
