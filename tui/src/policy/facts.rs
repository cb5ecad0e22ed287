//! What the console looked up for the policy, which does no IO itself (see `crate::facts`).
//! Facts only ever raise a tier: a fact that could not be had reads as unknown.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use signoff_protocol::variables::Variables;

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// A file action's path exists but git does not track it (untracked or ignored): no history
    /// can restore what the change overwrites. False when tracked, new, or not known.
    pub file_untracked: bool,
    /// The agent's context variables (`KUBECONFIG`, `AWS_PROFILE`…), credentials removed. Empty
    /// when the agent sent none.
    pub variables: Variables,
    /// The agent reached the console over TCP: the files on this machine are not its files.
    pub agent_is_remote: bool,
    /// The configuration files the policy asked for, as the console found them.
    pub files: Files,
    /// A file creation's path does not exist on this machine: the console saw it missing.
    pub new_file: bool,
    /// What this session's agent created while the console watched: approved creations of
    /// paths the console saw missing. Removing one loses nothing that was there before.
    pub created: BTreeSet<String>,
}

/// What the console found at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileText {
    Missing,
    Text(Arc<Content>),
    /// Not a regular file, too large, unreadable, or the look-up ran out of time.
    Unreadable,
}

impl FileText {
    pub fn text(text: impl Into<Box<str>>) -> FileText {
        FileText::Text(Arc::new(Content {
            text: text.into(),
            parsed: OnceLock::new(),
        }))
    }
}

/// A file's text, and what a rule parsed it into: parsed once per content, since the console
/// keeps the same content for as long as the file does not change.
pub struct Content {
    text: Box<str>,
    parsed: OnceLock<Box<dyn Any + Send + Sync>>,
}

impl Content {
    /// `parse` of the text, as `with` sees it. (A file parsed as another type first is parsed
    /// again each time: no rule reads one file two ways today.)
    pub fn parsed<T: Any + Send + Sync, R>(
        &self,
        parse: fn(&str) -> Option<T>,
        with: impl FnOnce(Option<&T>) -> R,
    ) -> R {
        let cached = self.parsed.get_or_init(|| Box::new(parse(&self.text)));
        match cached.downcast_ref::<Option<T>>() {
            Some(parsed) => with(parsed.as_ref()),
            None => with(parse(&self.text).as_ref()),
        }
    }
}

impl std::ops::Deref for Content {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Content {
    fn eq(&self, other: &Content) -> bool {
        self.text == other.text
    }
}

impl Eq for Content {}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text.fmt(f)
    }
}

/// What a policy rule learns when it asks for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read<'a> {
    Text(&'a Content),
    /// No such file: the CLI would use its default.
    Missing,
    /// Not known: not looked up (yet), or unreadable.
    Unknown,
}

/// Files the policy asked for and what was found. A path asked for but not looked up is
/// remembered, so that the console can look it up and assess again.
#[derive(Debug, Clone, Default)]
pub struct Files {
    found: BTreeMap<String, FileText>,
    asked: RefCell<BTreeSet<String>>,
}

impl Files {
    /// The file at `path` (absolute), as far as the console knows.
    pub fn read(&self, path: &str) -> Read<'_> {
        match self.found.get(path) {
            Some(FileText::Text(text)) => Read::Text(text),
            Some(FileText::Missing) => Read::Missing,
            Some(FileText::Unreadable) => Read::Unknown,
            None => {
                self.asked.borrow_mut().insert(path.to_string());
                Read::Unknown
            }
        }
    }

    pub fn insert(&mut self, path: String, text: FileText) {
        self.asked.get_mut().remove(&path);
        self.found.insert(path, text);
    }

    /// The paths asked for and not looked up yet, in order.
    pub fn wanted(&self) -> Vec<String> {
        self.asked.borrow().iter().cloned().collect()
    }
}
