//! A hook's tool call as an action. File writes and edits carry the real unified diff against the
//! file as it is on disk now.

use std::path::Path;

use signoff_agent_sdk::{Action, ActionKind, FileChange, FileOp, ShellCommand, ToolCall};

use super::payload::{HookRequest, Tool};

/// Files larger than this are not read for a diff.
const MAX_DIFF_INPUT: u64 = 8 * 1024 * 1024;
/// A generic tool's input is shown up to this many bytes.
const MAX_TOOL_INPUT: usize = 64 * 1024;

pub fn from_tool(request: &HookRequest) -> Action {
    match &request.tool {
        Tool::Shell {
            command,
            description,
        } => {
            let mut action = Action::new(ActionKind::Shell(ShellCommand::Script {
                script: command.clone(),
                cwd: request.cwd.clone(),
            }));
            action.summary = description.clone();
            action
        }
        Tool::Write { path, content } => {
            let path = absolute(path, &request.cwd);
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
            let path = absolute(path, &request.cwd);
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
        Tool::Other { name, input } => {
            let mut input = input.to_string();
            if input.len() > MAX_TOOL_INPUT {
                let mut cut = MAX_TOOL_INPUT;
                while !input.is_char_boundary(cut) {
                    cut -= 1;
                }
                input.truncate(cut);
                input.push('…');
            }
            Action::new(ActionKind::Tool(ToolCall {
                tool: name.clone(),
                input,
            }))
        }
    }
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
