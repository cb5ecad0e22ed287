//! A hook's tool call as an action. File writes and edits carry the real unified diff against the
//! file as it is on disk now.

use std::path::Path;

use signoff_agent_sdk::{
    Action, ActionKind, FileChange, FileOp, McpToolCall, ShellCommand, ToolCall,
};

use super::payload::{HookRequest, Tool};

/// Files larger than this are not read for a diff.
const MAX_DIFF_INPUT: u64 = 8 * 1024 * 1024;
/// A generic tool's input is shown up to this many bytes.
const MAX_TOOL_INPUT: usize = 64 * 1024;

/// The actions a tool call is: one, or one per file of a patch (each is proposed in turn).
pub fn from_tool(request: &HookRequest) -> Vec<Action> {
    match &request.tool {
        Tool::Patch { text } => patch(text, &request.cwd),
        tool => vec![one(tool, &request.cwd)],
    }
}

fn one(tool: &Tool, cwd: &str) -> Action {
    match tool {
        Tool::Shell {
            command,
            description,
        } => {
            let mut action = Action::new(ActionKind::Shell(ShellCommand::Script {
                script: command.clone(),
                cwd: cwd.to_string(),
            }));
            // The agent's description is its rationale; the command is what a person reads.
            action.rationale = description.clone();
            action
        }
        Tool::Write { path, content } => {
            let path = absolute(path, cwd);
            let (old, existed) = read(&path);
            file_change(
                &path,
                if existed {
                    FileOp::Modify
                } else {
                    FileOp::Create
                },
                &old,
                content,
            )
        }
        Tool::Edit { path, edits } => {
            let path = absolute(path, cwd);
            let (old, _) = read(&path);
            let mut new = old.clone();
            for edit in edits {
                new = if edit.replace_all {
                    new.replace(&edit.old_string, &edit.new_string)
                } else {
                    new.replacen(&edit.old_string, &edit.new_string, 1)
                };
            }
            file_change(&path, FileOp::Modify, &old, &new)
        }
        Tool::NotebookEdit {
            path,
            cell,
            mode,
            source,
        } => {
            let path = absolute(path, cwd);
            let mode = if mode.is_empty() { "replace" } else { mode };
            let mut diff = format!("notebook {path}, cell {cell} ({mode}):\n");
            for line in source.lines() {
                diff.push_str(&format!("+{line}\n"));
            }
            let mut action = Action::new(ActionKind::File(FileChange {
                op: FileOp::Modify,
                path,
                new_path: String::new(),
                unified_diff: diff.clone(),
            }));
            action.dry_run.diff = diff;
            action
        }
        Tool::Mcp {
            server,
            tool,
            arguments,
        } => Action::new(ActionKind::Mcp(McpToolCall {
            server: server.clone(),
            tool: tool.clone(),
            arguments: capped(arguments.to_string()),
            ..McpToolCall::default()
        })),
        Tool::Patch { text } => Action::new(ActionKind::Tool(ToolCall {
            tool: "apply_patch".into(),
            input: capped(text.clone()),
        })),
        Tool::Other { name, input } => Action::new(ActionKind::Tool(ToolCall {
            tool: name.clone(),
            input: capped(input.to_string()),
        })),
    }
}

/// A tool's input, cut at [`MAX_TOOL_INPUT`] bytes for the screen.
fn capped(mut input: String) -> String {
    if input.len() > MAX_TOOL_INPUT {
        let mut cut = MAX_TOOL_INPUT;
        while !input.is_char_boundary(cut) {
            cut -= 1;
        }
        input.truncate(cut);
        input.push('…');
    }
    input
}

/// Codex's `apply_patch` as one file change per file it touches, each with its hunks as the
/// diff (`*** Add File:`, `*** Update File:` with `*** Move to:`, `*** Delete File:`). A patch
/// with no file in it is shown as the tool call it is.
fn patch(text: &str, cwd: &str) -> Vec<Action> {
    let mut files: Vec<(FileOp, String, String, String)> = Vec::new();
    for line in text.lines() {
        let header = [
            ("*** Add File: ", FileOp::Create),
            ("*** Update File: ", FileOp::Modify),
            ("*** Delete File: ", FileOp::Delete),
        ]
        .into_iter()
        .find_map(|(prefix, op)| Some((op, line.strip_prefix(prefix)?)));
        if let Some((op, path)) = header {
            let path = absolute(path.trim(), cwd);
            let op = match op {
                FileOp::Create if read(&path).1 => FileOp::Modify,
                op => op,
            };
            files.push((op, path, String::new(), String::new()));
        } else if let Some(file) = files.last_mut() {
            if let Some(to) = line.strip_prefix("*** Move to: ") {
                file.0 = FileOp::Rename;
                file.2 = absolute(to.trim(), cwd);
            } else if !line.starts_with("*** End") {
                file.3.push_str(line);
                file.3.push('\n');
            }
        }
    }
    if files.is_empty() {
        return vec![one(
            &Tool::Patch {
                text: text.to_string(),
            },
            cwd,
        )];
    }
    files
        .into_iter()
        .map(|(op, path, new_path, hunks)| {
            let diff = format!(
                "--- {path}\n+++ {}\n{hunks}",
                if new_path.is_empty() {
                    &path
                } else {
                    &new_path
                }
            );
            let mut action = Action::new(ActionKind::File(FileChange {
                op,
                path,
                new_path,
                unified_diff: diff.clone(),
            }));
            action.dry_run.diff = diff;
            action
        })
        .collect()
}

fn absolute(path: &str, cwd: &str) -> String {
    if Path::new(path).is_absolute() || cwd.is_empty() {
        path.to_string()
    } else {
        format!("{}/{path}", cwd.trim_end_matches('/'))
    }
}

/// The file's text now, and whether it exists. Unreadable or huge files, and anything that is not
/// a regular file, diff as empty: a FIFO would block the hook and a device never end, and a hook
/// that hangs lets the agent's tool run.
fn read(path: &str) -> (String, bool) {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    if std::fs::metadata(path).is_err() {
        return (String::new(), false);
    }
    // Opened without blocking (a FIFO with no writer would wait), then checked on the open file.
    let text = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .and_then(|file| {
            let meta = file.metadata()?;
            if !meta.is_file() || meta.len() > MAX_DIFF_INPUT {
                return Ok(String::new());
            }
            let mut text = String::new();
            file.take(MAX_DIFF_INPUT).read_to_string(&mut text)?;
            Ok(text)
        });
    (text.unwrap_or_default(), true)
}

fn file_change(path: &str, op: FileOp, old: &str, new: &str) -> Action {
    let diff = signoff_protocol::unified_diff(path, old, new);
    let mut action = Action::new(ActionKind::File(FileChange {
        op,
        path: path.to_string(),
        new_path: String::new(),
        unified_diff: diff.clone(),
    }));
    action.dry_run.diff = diff;
    action
}
