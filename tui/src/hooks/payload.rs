//! The agents' hook payloads, read leniently (unknown fields are ignored; tools signoff does not
//! know become a generic tool call).

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    ClaudeCode,
    Codex,
    Cursor,
    Gemini,
}

impl Agent {
    pub fn kind(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Codex => "codex",
            Agent::Cursor => "cursor",
            Agent::Gemini => "gemini",
        }
    }

    /// The agent's name as people know it.
    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "Claude Code",
            Agent::Codex => "Codex",
            Agent::Cursor => "Cursor",
            Agent::Gemini => "Gemini CLI",
        }
    }
}

/// What a hook call asks, whatever the agent.
#[derive(Debug, Clone, PartialEq)]
pub struct HookRequest {
    /// The agent's own session id: one agent session is one signoff session.
    pub session_key: String,
    pub agent_name: String,
    pub cwd: String,
    pub model: Option<String>,
    /// Set for a sub-agent (its type, or its id).
    pub subagent: Option<String>,
    pub tool: Tool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tool {
    Shell {
        command: String,
        description: String,
    },
    Write {
        path: String,
        content: String,
    },
    /// Edits applied in order to the file's current content.
    Edit {
        path: String,
        edits: Vec<Edit>,
    },
    /// Codex's `apply_patch`: its patch text, one or more files added, changed, moved or deleted.
    Patch {
        text: String,
    },
    /// Claude Code's `NotebookEdit`: one cell of a notebook.
    NotebookEdit {
        path: String,
        cell: String,
        mode: String,
        source: String,
    },
    /// A tool of an MCP server: `mcp__server__tool` (Claude Code, Codex), `mcp_server_tool`
    /// (Gemini CLI), Cursor's `beforeMCPExecution`.
    Mcp {
        server: String,
        tool: String,
        arguments: Value,
    },
    Other {
        name: String,
        input: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Edit {
    pub old_string: String,
    pub new_string: String,
    #[serde(default)]
    pub replace_all: bool,
}

/// Claude Code, Codex and Gemini CLI share this shape.
#[derive(Deserialize)]
struct ToolPayload {
    session_id: String,
    #[serde(default)]
    cwd: String,
    tool_name: String,
    #[serde(default)]
    tool_input: Value,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    agent_type: Option<String>,
}

/// Cursor's `beforeShellExecution` (`command`) and `beforeMCPExecution` (`tool_name`,
/// `tool_input` as JSON text, and the server as its `url` or `command`).
#[derive(Deserialize)]
struct CursorPayload {
    conversation_id: String,
    #[serde(default)]
    hook_event_name: String,
    #[serde(default)]
    command: String,
    #[serde(default)]
    cwd: String,
    #[serde(default)]
    workspace_roots: Vec<String>,
    #[serde(default)]
    tool_name: String,
    #[serde(default)]
    tool_input: Value,
    #[serde(default)]
    url: String,
}

fn text(input: &Value, key: &str) -> String {
    input
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// An MCP tool's server and name: `mcp__railway__volume_delete`; Gemini CLI joins them with
/// single underscores (`mcp_railway_volume_delete`), so its server is the first word.
fn mcp_name(agent: Agent, name: &str) -> Option<(String, String)> {
    let (server, tool) = match name.strip_prefix("mcp__") {
        Some(rest) => rest.split_once("__")?,
        None if agent == Agent::Gemini => name.strip_prefix("mcp_")?.split_once('_')?,
        None => return None,
    };
    Some((server.to_string(), tool.to_string()))
}

/// Arguments given as JSON text (Cursor) read as JSON; anything else as it is.
fn json_text(value: Value) -> Value {
    match &value {
        Value::String(text) => serde_json::from_str(text).unwrap_or(value),
        _ => value,
    }
}

pub fn parse(agent: Agent, input: &[u8]) -> Result<HookRequest, serde_json::Error> {
    if agent == Agent::Cursor {
        let payload: CursorPayload = serde_json::from_slice(input)?;
        let cwd = if payload.cwd.is_empty() {
            payload.workspace_roots.first().cloned().unwrap_or_default()
        } else {
            payload.cwd
        };
        let tool = if payload.hook_event_name == "beforeMCPExecution" {
            let server = [payload.url, payload.command]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            Tool::Mcp {
                server,
                tool: payload.tool_name,
                arguments: json_text(payload.tool_input),
            }
        } else {
            Tool::Shell {
                command: payload.command,
                description: String::new(),
            }
        };
        return Ok(HookRequest {
            session_key: format!("cursor:{}", payload.conversation_id),
            agent_name: "cursor".into(),
            cwd,
            model: None,
            subagent: None,
            tool,
        });
    }
    let payload: ToolPayload = serde_json::from_slice(input)?;
    let input = &payload.tool_input;
    let tool = match payload.tool_name.as_str() {
        "Bash" | "run_shell_command" | "shell" | "exec_command" => Tool::Shell {
            command: text(input, "command"),
            description: text(input, "description"),
        },
        "apply_patch" => Tool::Patch {
            text: input
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| text(input, "command")),
        },
        "NotebookEdit" => Tool::NotebookEdit {
            path: text(input, "notebook_path"),
            cell: text(input, "cell_id"),
            mode: text(input, "edit_mode"),
            source: text(input, "new_source"),
        },
        name if mcp_name(agent, name).is_some() => {
            let (server, tool) = mcp_name(agent, name).unwrap_or_default();
            Tool::Mcp {
                server,
                tool,
                arguments: json_text(input.clone()),
            }
        }
        "Write" | "write_file" => Tool::Write {
            path: text(input, "file_path"),
            content: text(input, "content"),
        },
        "Edit" | "replace" => Tool::Edit {
            path: text(input, "file_path"),
            edits: vec![Edit {
                old_string: text(input, "old_string"),
                new_string: text(input, "new_string"),
                replace_all: input
                    .get("replace_all")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            }],
        },
        "MultiEdit" => Tool::Edit {
            path: text(input, "file_path"),
            edits: input
                .get("edits")
                .cloned()
                .map(serde_json::from_value)
                .transpose()?
                .unwrap_or_default(),
        },
        name => Tool::Other {
            name: name.to_string(),
            input: input.clone(),
        },
    };
    let subagent = payload.agent_type.clone().or(payload.agent_id.clone());
    let agent_name = match &subagent {
        Some(sub) => format!("{} › {sub}", agent.kind()),
        None => agent.kind().to_string(),
    };
    // A sub-agent is a session of its own, inside its parent's.
    let session_key = match &payload.agent_id {
        Some(id) => format!("{}:{}:{id}", agent.kind(), payload.session_id),
        None => format!("{}:{}", agent.kind(), payload.session_id),
    };
    Ok(HookRequest {
        session_key,
        agent_name,
        cwd: payload.cwd,
        model: payload.model,
        subagent,
        tool,
    })
}
