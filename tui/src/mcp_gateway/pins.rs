//! The tool definitions of a wrapped MCP server as first seen, so that a definition that changes
//! later (a tool that starts to do something else under the same name) is shown to a person and
//! waits until a person approves a call under it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One server's pinned definitions, in `dir/<server>.json`.
pub struct Pins {
    path: PathBuf,
    tools: BTreeMap<String, Value>,
}

/// What a tool's definition is, against its pin.
#[derive(Debug, PartialEq)]
pub enum Seen {
    /// Never seen before: pinned now.
    First,
    Same,
    /// Changed since it was pinned: the pinned definition.
    Changed(Value),
}

impl Pins {
    /// The pins of `server`; a missing or unreadable file is no pins (every tool is then seen for
    /// the first time, and pinned).
    pub fn load(dir: &Path, server: &str) -> Pins {
        let name: String = server
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("{name}.json"));
        let tools = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Pins { path, tools }
    }

    /// Compares `definition` with the pin of `tool`, pinning it when it is the first.
    pub fn see(&mut self, tool: &str, definition: &Value) -> Seen {
        match self.tools.get(tool) {
            Some(pinned) if pinned == definition => Seen::Same,
            Some(pinned) => Seen::Changed(pinned.clone()),
            None => {
                self.accept(tool, definition);
                Seen::First
            }
        }
    }

    /// Makes `definition` the pin of `tool` (a person approved a call under it).
    pub fn accept(&mut self, tool: &str, definition: &Value) {
        self.tools.insert(tool.to_string(), definition.clone());
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let text = serde_json::to_string_pretty(&self.tools).unwrap_or_default();
        let staging = self.path.with_extension("tmp");
        if std::fs::write(&staging, text).is_ok() {
            let _ = std::fs::rename(&staging, &self.path);
        }
    }
}
