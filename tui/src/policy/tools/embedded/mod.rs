//! Arguments that run code are code (GTFOBins' "shell", "command", "file write" functions): awk's
//! `system()`, sed's `e`, tar's `--to-command`, rsync's `-e`, vim's `-c '!…'`, gdb's `-ex`,
//! tmux's and screen's commands, `su -c`, `ssh -o ProxyCommand=`… The embedded command, when it
//! can be read, is handed to the walker as the script it is; what cannot be read is risky.

mod archives;
mod editors;
mod network;
mod sessions;
mod settings;
mod text;

use regex::Regex;
use std::sync::LazyLock;

use super::code::unreadable;
use super::{Command, Runs};
use crate::policy::finding::Finding;

pub use settings::variables;

/// Judges one program's code-running arguments: findings in `out`, the scripts they run in
/// `runs`. True when that is all the program does; false when its own family still judges the
/// rest (rsync still copies files).
type Handler = fn(&Command, &mut Vec<Finding>, &mut Vec<String>) -> bool;

/// Which programs each handler judges.
const HANDLERS: &[(&[&str], Handler)] = &[
    (&["awk", "gawk", "mawk", "nawk"], text::awk),
    (&["sed", "gsed"], text::sed),
    (&["split", "csplit"], text::split),
    (&["rg", "ripgrep"], text::rg),
    (&["man"], text::man),
    (&["find", "gfind"], text::find),
    (&["tar", "gtar", "bsdtar"], archives::tar),
    (&["zip"], archives::zip),
    (&["unzip"], archives::unzip),
    (&["rsync"], network::rsync),
    (&["ssh", "scp", "sftp"], network::ssh),
    (&["socat"], network::socat),
    (&["nc", "ncat", "netcat"], network::nc),
    (&["curl"], network::curl),
    (&["wget"], network::wget),
    (
        &[
            "vim", "vi", "nvim", "view", "ex", "vimdiff", "gvim", "rvim", "nvi", "elvis",
        ],
        editors::vim,
    ),
    (&["emacs", "emacsclient"], editors::emacs),
    (&["gdb"], editors::gdb),
    (
        &["nano", "pico", "micro", "joe", "jed", "mcedit", "ne"],
        editors::nano,
    ),
    (&["ed", "red"], editors::ed),
    (&["hyperfine"], sessions::hyperfine),
    (&["entr", "watchexec"], sessions::entr),
    (&["nodemon"], sessions::nodemon),
    (&["at", "batch"], sessions::at),
    (&["tmux"], sessions::tmux),
    (&["screen"], sessions::screen),
    (&["su", "runuser"], sessions::su),
    (&["script"], sessions::script),
    (&["expect", "tclsh", "wish"], sessions::expect),
    (&["parallel"], sessions::parallel),
    (&["make", "gmake"], settings::make),
    (&["git"], settings::git),
    (&["pip", "pip3"], settings::pip),
    (&["gem"], settings::gem),
    (&["cargo"], settings::cargo),
    (&["openssl"], settings::openssl),
];

/// A string literal's text: `"rm -rf /"` or `'rm -rf /'`.
pub(super) static LITERAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""((?:[^"\\]|\\.)*)"|'([^']*)'"#).expect("valid regex"));

pub(super) fn literal_at(text: &str, from: usize) -> Option<String> {
    let captures = LITERAL.captures_at(text, from)?;
    let whole = captures.get(0)?;
    // Only a literal that opens the argument: `system("rm")`, not `system(cmd " x")`.
    if !text[from..whole.start()]
        .trim()
        .trim_start_matches('(')
        .trim()
        .is_empty()
    {
        return None;
    }
    let inner = captures.get(1).or(captures.get(2))?.as_str();
    Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// Judges the code-running arguments of `command`. Returns true when that is the whole of what
/// the command does; false when its own family should still judge the rest (rsync still copies).
pub fn classify(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) -> bool {
    let Some((_, handler)) = HANDLERS
        .iter()
        .find(|(programs, _)| programs.contains(&command.program))
    else {
        return false;
    };
    let mut scripts = Vec::new();
    let judged = handler(command, out, &mut scripts);
    runs.extend(scripts.into_iter().map(Runs::Script));
    judged
}
