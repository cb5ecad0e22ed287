//! Codex runs a user hook only when its `config.toml` trusts it, and skips it silently otherwise:
//! a table `[hooks.state."<hooks.json>:pre_tool_use:<group>:<handler>"]` whose `trusted_hash` is
//! Codex's SHA-256 of the hook's canonical JSON. Verified against Codex 0.169: the JSON has the
//! event's label, the matcher (left out when absent) and the one handler with `async` (default
//! false), `command`, `timeout` (default 600, at least 1), `type` and, when set,
//! `statusMessage` and `additionalContextLimit`; keys sorted, compact; `sha256:` and lowercase
//! hex. The path is the real path of the file.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, Item, Table};

use super::{Edit, InstallError, edit};

const EVENT: &str = "pre_tool_use";

/// Codex's hash of one handler of a `PreToolUse` group.
pub fn hook_hash(matcher: Option<&str>, handler: &Value) -> String {
    let mut normalized = Map::new();
    // Inserted in sorted order: the map keeps insertion order.
    normalized.insert(
        "async".into(),
        Value::Bool(
            handler
                .get("async")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
    );
    if let Some(limit) = handler
        .get("additionalContextLimit")
        .filter(|v| !v.is_null())
    {
        normalized.insert("additionalContextLimit".into(), limit.clone());
    }
    normalized.insert(
        "command".into(),
        handler.get("command").cloned().unwrap_or(Value::Null),
    );
    if let Some(message) = handler.get("statusMessage").filter(|v| !v.is_null()) {
        normalized.insert("statusMessage".into(), message.clone());
    }
    let timeout = handler
        .get("timeout")
        .and_then(Value::as_u64)
        .unwrap_or(600);
    normalized.insert("timeout".into(), Value::from(timeout.max(1)));
    normalized.insert("type".into(), Value::from("command"));
    let mut identity = Map::new();
    identity.insert("event_name".into(), Value::from(EVENT));
    identity.insert(
        "hooks".into(),
        Value::Array(vec![Value::Object(normalized)]),
    );
    if let Some(matcher) = matcher {
        identity.insert("matcher".into(), Value::from(matcher));
    }
    let canonical = Value::Object(identity).to_string();
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// The `[hooks.state]` key of a handler of `hooks_json`, with the file's real path.
pub fn state_key(hooks_json: &Path, group: usize, handler: usize) -> String {
    format!(
        "{}:{EVENT}:{group}:{handler}",
        real_path(hooks_json).display()
    )
}

fn real_path(hooks_json: &Path) -> PathBuf {
    let name = hooks_json.file_name().unwrap_or_default();
    hooks_json
        .parent()
        .and_then(|dir| std::fs::canonicalize(dir).ok())
        .map_or_else(|| hooks_json.to_path_buf(), |dir| dir.join(name))
}

/// `config.toml` beside `hooks_json`.
pub fn config_path(hooks_json: &Path) -> PathBuf {
    hooks_json.with_file_name("config.toml")
}

/// The hash `config.toml` trusts the handler under `key` with, if any.
pub fn trusted_hash(config: &str, key: &str) -> Option<String> {
    let document: DocumentMut = config.parse().ok()?;
    document
        .get("hooks")?
        .get("state")?
        .get(key)?
        .get("trusted_hash")?
        .as_str()
        .map(String::from)
}

/// Trusts signoff's group, at `at` in the `PreToolUse` array of `hooks_json`.
pub fn trust(hooks_json: &Path, at: usize, group: &Value) -> Result<Option<Edit>, InstallError> {
    let matcher = group.get("matcher").and_then(Value::as_str);
    let handler = group
        .get("hooks")
        .and_then(|h| h.get(0))
        .cloned()
        .unwrap_or(Value::Null);
    let hash = hook_hash(matcher, &handler);
    let key = state_key(hooks_json, at, 0);
    change_states(hooks_json, |states| {
        let mut entry = Table::new();
        entry.insert("trusted_hash", toml_edit::value(hash.clone()));
        states.insert(&key, Item::Table(entry));
    })
}

/// Removes the trust of signoff's group, which was at `at`, and moves the trust of the groups
/// after it down by one, as their indices are now (else Codex would skip them as untrusted).
pub fn untrust(hooks_json: &Path, at: usize) -> Result<Option<Edit>, InstallError> {
    let prefix = format!("{}:{EVENT}:", real_path(hooks_json).display());
    change_states(hooks_json, |states| {
        let keys: Vec<String> = states.iter().map(|(k, _)| k.to_string()).collect();
        let mut moved = Vec::new();
        for key in keys {
            let Some((group, handler)) = key
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split_once(':'))
                .and_then(|(g, h)| Some((g.parse::<usize>().ok()?, h.to_string())))
            else {
                continue;
            };
            if group == at {
                states.remove(&key);
            } else if group > at
                && let Some(item) = states.remove(&key)
            {
                moved.push((format!("{prefix}{}:{handler}", group - 1), item));
            }
        }
        for (key, item) in moved {
            states.insert(&key, item);
        }
    })
}

/// Applies `change` to the `[hooks.state]` table of `config.toml` (created when missing), keeping
/// everything else in the file as it was.
fn change_states(
    hooks_json: &Path,
    change: impl FnOnce(&mut Table),
) -> Result<Option<Edit>, InstallError> {
    let path = config_path(hooks_json);
    let before = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(InstallError::Io {
                verb: "read",
                path,
                source,
            });
        }
    };
    let mut document: DocumentMut =
        before
            .parse()
            .map_err(|e: toml_edit::TomlError| InstallError::Toml {
                path: path.clone(),
                message: e.to_string(),
            })?;
    let shape = |key: &str| InstallError::Shape {
        path: path.clone(),
        key: key.into(),
        expected: "a table",
    };
    let hooks = document
        .entry("hooks")
        .or_insert_with(implicit_table)
        .as_table_mut()
        .ok_or_else(|| shape("hooks"))?;
    let states = hooks
        .entry("state")
        .or_insert_with(implicit_table)
        .as_table_mut()
        .ok_or_else(|| shape("hooks.state"))?;
    change(states);
    Ok(edit(&path, &before, document.to_string()))
}

/// A table that shows only through its sub-tables (`[hooks.state."…"]`, no `[hooks]` header).
fn implicit_table() -> Item {
    let mut table = Table::new();
    table.set_implicit(true);
    Item::Table(table)
}

#[cfg(test)]
mod tests;
