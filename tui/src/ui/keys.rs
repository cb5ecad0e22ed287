//! Key bindings as data: one table maps keys to [`KeyAction`]s, and the footer's hints and the
//! help screen are drawn from the same table. The shipped default is `default_keys.toml`; a
//! user's `keys.toml` overrides the actions it names.

use std::collections::HashMap;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// What a key can do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum KeyAction {
    Approve,
    Deny,
    DenyWithNote,
    ApproveAndGrant,
    Details,
    Down,
    Up,
    PageDown,
    PageUp,
    NextPane,
    Filter,
    Pause,
    Freeze,
    Revoke,
    History,
    /// In the History view: cycle the verdict, tier and environment filters.
    FilterVerdict,
    FilterTier,
    FilterEnvironment,
    Reviewers,
    PairPhone,
    Help,
    Quit,
}

impl KeyAction {
    /// Every action, in the order help lists them.
    pub const ALL: [KeyAction; 22] = [
        KeyAction::Approve,
        KeyAction::Deny,
        KeyAction::DenyWithNote,
        KeyAction::ApproveAndGrant,
        KeyAction::Details,
        KeyAction::Down,
        KeyAction::Up,
        KeyAction::PageDown,
        KeyAction::PageUp,
        KeyAction::NextPane,
        KeyAction::Filter,
        KeyAction::Pause,
        KeyAction::Freeze,
        KeyAction::Revoke,
        KeyAction::History,
        KeyAction::FilterVerdict,
        KeyAction::FilterTier,
        KeyAction::FilterEnvironment,
        KeyAction::Reviewers,
        KeyAction::PairPhone,
        KeyAction::Help,
        KeyAction::Quit,
    ];

    /// One word for the footer's hints.
    pub fn short(self) -> &'static str {
        match self {
            KeyAction::DenyWithNote => "note",
            KeyAction::ApproveAndGrant => "grant",
            KeyAction::NextPane => "pane",
            KeyAction::Pause => "pause",
            KeyAction::Freeze => "freeze",
            KeyAction::Revoke => "revoke",
            KeyAction::Reviewers => "reviewers",
            KeyAction::PairPhone => "phone",
            KeyAction::FilterVerdict => "verdict",
            KeyAction::FilterTier => "tier",
            KeyAction::FilterEnvironment => "env",
            other => other.describe(),
        }
    }

    /// A few words for help.
    pub fn describe(self) -> &'static str {
        match self {
            KeyAction::Approve => "approve",
            KeyAction::Deny => "deny",
            KeyAction::DenyWithNote => "deny with note",
            KeyAction::ApproveAndGrant => "approve + grant similar",
            KeyAction::Details => "details",
            KeyAction::Down => "down",
            KeyAction::Up => "up",
            KeyAction::PageDown => "page down",
            KeyAction::PageUp => "page up",
            KeyAction::NextPane => "next pane",
            KeyAction::Filter => "filter",
            KeyAction::Pause => "pause streaming",
            KeyAction::Freeze => "freeze/unfreeze the item's agent",
            KeyAction::Revoke => "revoke grant",
            KeyAction::History => "history",
            KeyAction::FilterVerdict => "history: cycle the verdict filter",
            KeyAction::FilterTier => "history: cycle the tier filter",
            KeyAction::FilterEnvironment => "history: cycle the environment filter",
            KeyAction::Reviewers => "pair, list, revoke reviewers",
            KeyAction::PairPhone => "pair a phone (QR code; needs --web)",
            KeyAction::Help => "help",
            KeyAction::Quit => "quit",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("{path} is not a valid keys file: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: `{key}` is bound to both {first:?} and {second:?}")]
    Conflict {
        path: String,
        key: String,
        first: KeyAction,
        second: KeyAction,
    },
    #[error("{path}: `{key}` is not a key signoff knows ({action:?})")]
    UnknownKey {
        path: String,
        key: String,
        action: KeyAction,
    },
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

/// The key table.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: HashMap<(KeyCode, KeyModifiers), KeyAction>,
    /// Action → the keys bound to it, as written, for hints.
    names: HashMap<KeyAction, Vec<String>>,
}

pub const DEFAULT_KEYS: &str = include_str!("default_keys.toml");

impl Default for Keymap {
    fn default() -> Self {
        Keymap::parse(DEFAULT_KEYS, "default_keys.toml", None).expect("the shipped keys parse")
    }
}

impl Keymap {
    /// The defaults with the user's file at `path` on top; a missing file is no error.
    pub fn load(path: &Path) -> Result<Keymap, KeysError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::parse(&text, &shown, Some(&Keymap::default())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keymap::default()),
            Err(e) => Err(KeysError::Read {
                path: shown,
                message: e.to_string(),
            }),
        }
    }

    /// Parses a keys file; actions it does not name keep their keys from `base`.
    pub fn parse(text: &str, path: &str, base: Option<&Keymap>) -> Result<Keymap, KeysError> {
        let table: HashMap<KeyAction, Keys> =
            toml::from_str(text).map_err(|e| KeysError::Syntax {
                path: path.into(),
                message: e.to_string(),
            })?;
        let mut names: HashMap<KeyAction, Vec<String>> =
            base.map(|b| b.names.clone()).unwrap_or_default();
        for (action, keys) in table {
            names.insert(
                action,
                match keys {
                    Keys::One(key) => vec![key],
                    Keys::Many(keys) => keys,
                },
            );
        }
        let mut by_key = HashMap::new();
        let mut sorted: Vec<_> = names.iter().collect();
        sorted.sort();
        for (action, keys) in sorted {
            for key in keys {
                let parsed = parse_key(key).ok_or_else(|| KeysError::UnknownKey {
                    path: path.into(),
                    key: key.clone(),
                    action: *action,
                })?;
                if let Some(first) = by_key
                    .insert(parsed, *action)
                    .filter(|first| first != action)
                {
                    return Err(KeysError::Conflict {
                        path: path.into(),
                        key: key.clone(),
                        first,
                        second: *action,
                    });
                }
            }
        }
        Ok(Keymap { by_key, names })
    }

    /// The action of a key press, if any.
    pub fn action(&self, key: KeyEvent) -> Option<KeyAction> {
        let mut modifiers = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        // Shifted letters arrive as upper case with SHIFT; the table says "N".
        if let KeyCode::Char(_) = key.code {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        self.by_key.get(&(key.code, modifiers)).copied()
    }

    /// The first key bound to `action`, as written in the table.
    pub fn key_for(&self, action: KeyAction) -> &str {
        self.names
            .get(&action)
            .and_then(|keys| keys.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// All keys bound to `action`.
    pub fn keys_for(&self, action: KeyAction) -> &[String] {
        self.names
            .get(&action)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// Backspace and typing in a one-line field: `typed` says what a character becomes in `text`
/// as it stands, or refuses it.
pub fn edit_line(text: &mut String, code: KeyCode, typed: impl Fn(&str, char) -> Option<char>) {
    match code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => {
            if let Some(c) = typed(text, c) {
                text.push(c);
            }
        }
        _ => {}
    }
}

/// `y`, `N`, `/`, `enter`, `ctrl-x`, `pagedown` …
fn parse_key(text: &str) -> Option<(KeyCode, KeyModifiers)> {
    let (modifiers, name) = match text.strip_prefix("ctrl-") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => match text.strip_prefix("alt-") {
            Some(rest) => (KeyModifiers::ALT, rest),
            None => (KeyModifiers::NONE, text),
        },
    };
    let code = match name {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        _ => {
            let mut chars = name.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCode::Char(c),
                _ => return None,
            }
        }
    };
    Some((code, modifiers))
}

#[cfg(test)]
mod tests;
