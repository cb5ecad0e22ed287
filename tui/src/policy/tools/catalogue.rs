//! The everyday programs no other family judges (`catalogue.toml`): test runners, linters,
//! formatters, compilers and build tools, version managers, search, view and inspection tools,
//! archivers. Data, not code: each entry says what the program does by default and which verbs
//! and flags change that.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde::Deserialize;

use super::Command;
use crate::policy::finding::{Effect, Finding, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Does {
    Read,
    Write,
    Machine,
    Remote,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    names: Vec<String>,
    what: String,
    does: Does,
    #[serde(default)]
    verbs: BTreeMap<String, Does>,
    #[serde(default)]
    flags: BTreeMap<String, Does>,
}

#[derive(Deserialize)]
struct File {
    program: Vec<Entry>,
}

/// The entries, and each program name's entry.
static CATALOGUE: LazyLock<(Vec<Entry>, HashMap<String, usize>)> = LazyLock::new(|| {
    let file: File = toml::from_str(include_str!("catalogue.toml")).expect("catalogue.toml parses");
    let mut names = HashMap::new();
    for (index, entry) in file.program.iter().enumerate() {
        for name in &entry.names {
            names.entry(name.clone()).or_insert(index);
        }
    }
    (file.program, names)
});

/// The program's finding, when the catalogue knows it.
pub fn classify(command: &Command, out: &mut Vec<Finding>) -> bool {
    let (entries, names) = &*CATALOGUE;
    let Some(entry) = names.get(command.program).map(|at| &entries[*at]) else {
        return false;
    };
    let program = command.program;
    let operands = command.positionals();
    // The more specific verb decides: `ip link set` is a `set`, `conda env list` a `list`.
    let verb = operands
        .iter()
        .take(2)
        .rev()
        .find_map(|word| Some((*word, *entry.verbs.get(*word)?)));
    // A flag that says what happens overrides the rest: `black --check`, `ruff format --check`.
    let flag = command
        .args
        .iter()
        .filter_map(|arg| {
            let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
            Some((name, *entry.flags.get(name)?))
        })
        .max_by_key(|(_, does)| *does);
    let (does, because) = match (flag, verb) {
        (Some((flag, does)), _) => (does, format!("`{program} {flag}`")),
        (None, Some((verb, does))) => (does, format!("`{program} {verb}`")),
        (None, None) => (entry.does, format!("`{program}`")),
    };
    let what = &entry.what;
    out.push(match does {
        Does::Read => Finding::new(
            "known.read",
            Effect::Read,
            Scope::Workspace,
            format!("{because} ({what}) only reads."),
        ),
        Does::Write => Finding::new(
            "known.workspace",
            Effect::Write,
            Scope::Workspace,
            format!("{because} ({what}) changes files in the workspace."),
        ),
        Does::Machine => Finding::new(
            "known.machine",
            Effect::Write,
            Scope::Machine,
            format!("{because} ({what}) changes this machine outside the workspace."),
        ),
        Does::Remote => Finding::new(
            "known.remote",
            Effect::Write,
            Scope::Remote,
            format!("{because} ({what}) reaches a shared or remote system."),
        ),
    });
    true
}
