//! The agents' own tools besides shell and file edits (`Read`, `Grep`, `WebFetch`, Gemini CLI's
//! `read_file`, `google_web_search`…), by name and input: what they read, and where they reach.
//! A tool not listed here is one signoff cannot judge: risky.

use serde_json::Value;
use signoff_protocol::ToolCall;

use super::finding::{Effect, Finding, Scope};
use super::{Context, paths, place, tools};

/// Tools that only read files, and the input fields that name what they read.
const READS_FILES: &[(&str, &[&str])] = &[
    ("Read", &["file_path"]),
    ("NotebookRead", &["notebook_path"]),
    ("Glob", &["path"]),
    ("Grep", &["path"]),
    ("LS", &["path"]),
    ("read_file", &["absolute_path", "file_path", "path"]),
    ("read_many_files", &["paths", "include"]),
    ("list_directory", &["path", "dir_path"]),
    ("glob", &["path", "dir_path"]),
    ("search_file_content", &["path", "dir_path"]),
    ("view_image", &["path"]),
];
/// Tools that fetch a URL.
const FETCHES: &[&str] = &["WebFetch", "web_fetch"];
/// Tools that change nothing outside the agent itself: plans, to-do lists, web searches, starting
/// a sub-agent (whose own tool calls come here one by one).
const AGENT_ONLY: &[&str] = &[
    "TodoWrite",
    "Task",
    "ExitPlanMode",
    "BashOutput",
    "WebSearch",
    "AskUserQuestion",
    "ListMcpResourcesTool",
    "google_web_search",
    "write_todos",
    "update_plan",
    "web_search",
];

pub fn findings(tool: &ToolCall, workspace: &str, context: &Context, out: &mut Vec<Finding>) {
    let name = tool.tool.as_str();
    let input: Option<Value> = serde_json::from_str(&tool.input).ok();
    if let (Some((_, fields)), Some(input)) = (READS_FILES.iter().find(|(n, _)| *n == name), &input)
    {
        let before = out.len();
        let mut shown = Vec::new();
        for field in *fields {
            let values = match input.get(*field) {
                Some(Value::String(path)) => vec![path.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for path in values {
                let path = paths::describe(path, workspace);
                tools::files::read_path(&path, out);
                shown.push(path.shown);
            }
        }
        if out.len() == before {
            let what = if shown.is_empty() {
                "the workspace".to_string()
            } else {
                shown.join(", ")
            };
            out.push(Finding::new(
                "fs.read",
                Effect::Read,
                Scope::Workspace,
                format!("`{name}` only reads {what}."),
            ));
        }
        return;
    }
    if FETCHES.contains(&name)
        && let Some(url) = input.as_ref().and_then(first_url)
    {
        let mut finding = tools::http("GET", &url, "").environment(context.names.of(&url));
        finding.place = Some(place::of_host(&url, &context.names));
        out.push(finding);
        return;
    }
    if AGENT_ONLY.contains(&name) {
        out.push(Finding::new(
            "agent.tool",
            Effect::Read,
            Scope::Workspace,
            format!("`{name}` changes nothing outside the agent."),
        ));
        return;
    }
    out.push(Finding::new(
        "tool.unknown",
        Effect::Write,
        Scope::Machine,
        format!("`{name}` is a tool signoff cannot judge, so a person decides."),
    ));
}

/// The first `http(s)://` address in the input (`url`, or one inside a prompt).
fn first_url(input: &Value) -> Option<String> {
    match input {
        Value::String(text) => text
            .split_whitespace()
            .find(|word| word.starts_with("http://") || word.starts_with("https://"))
            .map(|word| {
                word.trim_end_matches([',', '.', ')', '"', '\''])
                    .to_string()
            }),
        Value::Object(fields) => fields.values().find_map(first_url),
        Value::Array(items) => items.iter().find_map(first_url),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
