//! MCP tool calls. The tool's name is read as a verb and its objects (`delete_project`,
//! `listBranches`, `execute_sql`); the SQL, shell commands, paths and URLs in its arguments are
//! read with the same readers as everywhere else; the server's annotations are claims that only
//! raise. A tool whose name says nothing signoff knows changes something remote: risky.

use serde_json::Value;
use signoff_protocol::{McpToolCall, ShellCommand};

use super::facts::Facts;
use super::finding::{Effect, Finding, Scope};
use super::{Context, paths, place, shell, tools};

/// Verbs that lead a tool name that only reads (`get_project`, `listBranches`).
const READ_VERBS: &[&str] = &[
    "get", "list", "read", "search", "find", "fetch", "describe", "show", "view", "inspect",
    "status", "count", "lookup", "explain", "check", "validate", "retrieve", "info", "logs", "log",
    "whoami", "ls", "browse", "preview", "diff",
];
/// Verbs that lead a tool name that changes something, whatever its last word.
const CHANGE_VERBS: &[&str] = &[
    "create", "update", "set", "add", "put", "post", "patch", "insert", "upsert", "edit", "write",
    "send", "run", "execute", "exec", "apply", "deploy", "start", "stop", "restart", "move",
    "rename", "merge", "close", "open", "push", "publish", "sync", "import", "upload", "save",
];
/// Destructive words a tool name may carry besides the CLIs' (`tools::cli::destroys`).
const DESTROY_EXTRA: &[&str] = &["revoke", "kill", "unpublish"];
/// Argument names that hold SQL (when the text reads as SQL), a shell command, a path.
const SQL_KEYS: &[&str] = &[
    "sql",
    "query",
    "statement",
    "statements",
    "sql_query",
    "sqlquery",
];
const SHELL_KEYS: &[&str] = &["command", "cmd", "script", "shell_command", "command_line"];
const PATH_KEYS: &[&str] = &[
    "path",
    "file_path",
    "filepath",
    "file",
    "filename",
    "target_path",
];
const CWD_KEYS: &[&str] = &["cwd", "working_directory", "workdir", "directory"];
/// How many string arguments are read, however deep or long the arguments are.
const MAX_LEAVES: usize = 256;

/// The findings for one MCP tool call, run from `workspace`.
pub fn findings(
    call: &McpToolCall,
    workspace: &str,
    context: &Context,
    facts: &Facts,
    out: &mut Vec<Finding>,
) {
    let arguments: Option<Value> = serde_json::from_str(&call.arguments).ok();
    let mut leaves = Vec::new();
    if let Some(arguments) = &arguments {
        strings(arguments, "", &mut leaves);
    }
    let value_of = |keys: &[&str]| {
        leaves
            .iter()
            .find(|(key, _)| keys.contains(&key.as_str()))
            .map(|(_, value)| value.as_str())
    };
    let words = name_words(&call.tool);
    let destroys = words
        .iter()
        .any(|w| tools::cli::destroys(w) || DESTROY_EXTRA.contains(&w.as_str()));
    // `get_project`, or `pods_list` (the verb last) unless another verb leads (`update_list`).
    let is_read = |w: &String| READ_VERBS.contains(&w.as_str());
    let reads = !destroys
        && (words.first().is_some_and(is_read)
            || (words.len() > 1
                && words.last().is_some_and(is_read)
                && !words
                    .first()
                    .is_some_and(|w| CHANGE_VERBS.contains(&w.as_str()))));
    let shown = format!("{} {}", call.server, call.tool);
    let before = out.len();

    // What the arguments carry is judged as itself: SQL, a shell command, a path.
    let url = leaves.iter().map(|(_, v)| v).find(|v| is_address(v));
    let place = url.map(|url| place::of_host(url, &context.names));
    let database_scope = match &place {
        Some(place) if place.site == place::Site::Local => Scope::Workspace,
        _ => Scope::Remote,
    };
    for (key, value) in &leaves {
        if SQL_KEYS.contains(&key.as_str()) && reads_as_sql(value) {
            let database = value_of(&["database", "db", "database_name"]).unwrap_or("");
            out.extend(tools::databases_sql(value, "", database_scope, database));
        } else if SHELL_KEYS.contains(&key.as_str()) {
            let cwd = value_of(CWD_KEYS).unwrap_or(workspace);
            let script = ShellCommand::Script {
                script: value.clone(),
                cwd: cwd.to_string(),
            };
            shell::analyze(&script, cwd, context, facts, out);
        } else if PATH_KEYS.contains(&key.as_str()) {
            let path = paths::describe(value, workspace);
            if destroys {
                out.push(tools::files::delete(&path, &shown));
            } else if reads {
                let found = out.len();
                tools::files::read_path(&path, out);
                if out.len() == found {
                    out.push(Finding::new(
                        "fs.read",
                        Effect::Read,
                        Scope::Workspace,
                        format!("`{shown}` reads {}.", path.shown),
                    ));
                }
            } else {
                out.push(tools::files::write(&path, &shown, "writes"));
            }
        }
    }

    // Otherwise the name says what the tool does, to something remote.
    let content = &out[before..];
    let judged_by_content =
        !content.is_empty() && (!destroys || content.iter().any(|f| f.effect == Effect::Destroy));
    if !judged_by_content {
        let resource = resource(&words, &leaves);
        let finding = if destroys {
            let what = resource.map_or("what it names".to_string(), |r| format!("`{r}`"));
            Finding::new(
                "mcp.destroy",
                Effect::Destroy,
                Scope::Remote,
                format!(
                    "`{shown}` deletes {what} through the `{}` MCP server.",
                    call.server
                ),
            )
        } else if reads {
            Finding::new(
                "mcp.read",
                Effect::Read,
                Scope::Remote,
                format!("`{shown}` only reads, by its name."),
            )
        } else {
            Finding::new(
                "mcp.change",
                Effect::Write,
                Scope::Remote,
                format!(
                    "`{shown}` changes something through the `{}` MCP server; signoff knows only \
                     what its name says, so a person decides.",
                    call.server
                ),
            )
        };
        out.push(finding.resource(resource.unwrap_or_default()));
    }

    // The server's annotations are its claims: they raise, never lower.
    if call.destructive_hint == Some(true)
        && !out[before..].iter().any(|f| f.effect == Effect::Destroy)
    {
        out.push(Finding::new(
            "mcp.declared-destructive",
            Effect::Destroy,
            Scope::Remote,
            format!(
                "The `{}` server declares `{}` destructive.",
                call.server, call.tool
            ),
        ));
    }
    if call.read_only_hint == Some(false) && out[before..].iter().all(|f| f.effect == Effect::Read)
    {
        out.push(Finding::new(
            "mcp.declared-writes",
            Effect::Write,
            Scope::Remote,
            format!(
                "The `{}` server declares that `{}` changes things.",
                call.server, call.tool
            ),
        ));
    }

    // Where the remote effects land: an address in the arguments, else nowhere known; what the
    // server's name and the arguments name only raises.
    let named = std::iter::once(call.server.as_str())
        .chain(leaves.iter().map(|(_, v)| v.as_str()))
        .filter_map(|text| context.names.of(text))
        .max_by_key(|e| super::env::rank(*e));
    for finding in &mut out[before..] {
        if finding.scope == Scope::Remote {
            if finding.place.is_none() {
                finding.place = place.clone();
            }
            let raised = super::env::raise(finding.environment, named);
            finding.environment = raised;
        }
    }
}

/// `deleteProject`, `delete_project`, `delete-project` → delete, project.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            previous_lower = false;
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Every string (and number) in the arguments with the name of the field holding it, lowercased
/// with `-` as `_` (`projectId` → `projectid`).
fn strings(value: &Value, key: &str, out: &mut Vec<(String, String)>) {
    if out.len() >= MAX_LEAVES {
        return;
    }
    match value {
        Value::String(text) => out.push((key.to_string(), text.clone())),
        Value::Number(number) => out.push((key.to_string(), number.to_string())),
        Value::Array(items) => items.iter().for_each(|item| strings(item, key, out)),
        Value::Object(fields) => {
            for (name, item) in fields {
                strings(item, &name.to_ascii_lowercase().replace('-', "_"), out);
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

/// What a destructive call names, for the reviewer to type: the argument named after the tool's
/// object (`delete_branch` → `branch_id`), else any id, else any name.
fn resource<'a>(words: &[String], leaves: &'a [(String, String)]) -> Option<&'a str> {
    let verb =
        |w: &str| READ_VERBS.contains(&w) || CHANGE_VERBS.contains(&w) || tools::cli::destroys(w);
    let object = |key: &str| {
        words.iter().filter(|w| !verb(w)).any(|w| {
            let w = w.trim_end_matches('s');
            key == w
                || key == format!("{w}_id")
                || key == format!("{w}id")
                || key == format!("{w}_name")
        })
    };
    let id =
        |key: &str| key == "id" || key.ends_with("_id") || key.ends_with("id") && key.len() > 2;
    let name = |key: &str| key == "name" || key.ends_with("_name") || key.ends_with("name");
    [&object as &dyn Fn(&str) -> bool, &id, &name]
        .iter()
        .find_map(|wanted| {
            leaves
                .iter()
                .find(|(key, value)| wanted(key) && !value.is_empty())
        })
        .map(|(_, value)| value.as_str())
}

/// A URL or connection string: where the call reaches.
fn is_address(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
    })
}

/// Text that starts like a SQL statement (a search `query` does not).
fn reads_as_sql(text: &str) -> bool {
    let first = text
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "select"
            | "insert"
            | "update"
            | "delete"
            | "drop"
            | "create"
            | "alter"
            | "truncate"
            | "with"
            | "grant"
            | "revoke"
            | "copy"
            | "merge"
            | "call"
            | "exec"
            | "execute"
            | "begin"
            | "set"
            | "vacuum"
            | "explain"
            | "show"
            | "replace"
            | "upsert"
            | "do"
            | "comment"
            | "rename"
            | "analyze"
            | "refresh"
            | "reindex"
            | "cluster"
            | "lock"
    )
}

#[cfg(test)]
mod tests;
