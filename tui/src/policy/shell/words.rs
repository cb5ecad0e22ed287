//! What a command says about itself and about the commands after it: its program's name, the
//! text it prints or writes to a file, the directory it moves to, the variables it exports, the
//! environment it switches to.

use signoff_protocol::Environment;

use super::Frame;
use super::parse::{RedirectKind, SimpleCommand};
use crate::policy::Context;
use crate::policy::env::{self, raise};
use crate::policy::facts::Facts;
use crate::policy::paths;

/// The text a command writes to a file, when the walker sees it: `echo … > f`, `printf … > f`,
/// `cat > f <<EOF … EOF` (absolute path, text).
pub(super) fn written_text(
    command: &SimpleCommand,
    stdin: Option<&str>,
    frame: &Frame,
    facts: &Facts,
) -> Option<(String, String)> {
    let redirect = command
        .redirects
        .iter()
        .find(|r| matches!(r.kind, RedirectKind::Write))?;
    let text = match command.words.first().map(|w| program_name(w)) {
        Some("echo" | "printf") => printed_text(command)?,
        Some("cat" | "tee") => stdin?.to_string(),
        _ => return None,
    };
    let home = facts.variables.get("HOME").map(String::as_str);
    Some((paths::resolve(&redirect.target, &frame.cwd, home)?, text))
}

/// The program a word runs: its file name, without a directory, a leading `\\`, or the
/// `@version` a package runner adds (`npx vercel@latest`).
pub(super) fn program_name(word: &str) -> &str {
    let name = word
        .rsplit('/')
        .next()
        .unwrap_or(word)
        .trim_start_matches('\\');
    match name.find('@') {
        Some(at) if at > 0 => &name[..at],
        _ => name,
    }
}

pub(super) fn is_interpreter(program: &str) -> bool {
    matches!(
        program,
        "sh" | "bash"
            | "zsh"
            | "dash"
            | "ksh"
            | "fish"
            | "csh"
            | "tcsh"
            | "python"
            | "python3"
            | "perl"
            | "ruby"
            | "node"
            | "php"
            | "lua"
            | "sudo"
            | "source"
            | "."
    )
}

/// The body of a here-doc or here-string.
pub(super) fn here_text(command: &SimpleCommand) -> Option<String> {
    command
        .redirects
        .iter()
        .find(|r| matches!(r.kind, RedirectKind::HereDoc | RedirectKind::HereString))
        .map(|r| r.target.clone())
}

/// What `echo …`, `printf …` or `cat <<EOF` writes into a pipe.
pub(super) fn printed_text(command: &SimpleCommand) -> Option<String> {
    match command.words.first().map(|w| program_name(w)) {
        Some(program @ ("echo" | "printf")) => {
            let text = command.words[1..]
                .iter()
                .filter(|w| !w.starts_with('-'))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            Some(if program == "printf" {
                text.replace("\\n", "\n")
            } else {
                text
            })
        }
        Some("cat") => here_text(command),
        _ => None,
    }
}

/// The environment a command switches later commands to.
pub(super) fn switched_environment(
    command: &SimpleCommand,
    context: &Context,
) -> Option<Environment> {
    let words: Vec<&str> = command.words.iter().map(String::as_str).collect();
    let named = match words.as_slice() {
        [tf, "workspace", "select" | "new", .., name]
            if matches!(program_name(tf), "terraform" | "tofu") =>
        {
            Some(*name)
        }
        [kubectl, "config", "use-context" | "use", name, ..]
            if program_name(kubectl) == "kubectl" =>
        {
            Some(*name)
        }
        ["export", assignments @ ..] => {
            return assignments
                .iter()
                .filter_map(|a| {
                    context
                        .names
                        .named(&["export".into()], &[a.to_string()], false)
                })
                .max_by_key(|e| env::rank(*e));
        }
        _ => None,
    };
    let from_assignment = if words.is_empty() {
        context
            .names
            .named(&["".into()], &command.assignments, false)
    } else {
        None
    };
    raise(
        named.and_then(|name| context.names.of(name)),
        from_assignment,
    )
}

/// What `export NAME=value` or a bare `NAME=value` sets for the commands after it.
pub(super) fn exported(command: &SimpleCommand) -> Vec<String> {
    match command.words.as_slice() {
        [] => command.assignments.clone(),
        [export, rest @ ..] if export == "export" => rest
            .iter()
            .filter(|w| w.contains('=') && !w.starts_with('-'))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn changed_directory(command: &SimpleCommand) -> Option<String> {
    match command.words.as_slice() {
        [cd, dir, ..] if matches!(cd.as_str(), "cd" | "pushd") => Some(dir.clone()),
        [cd] if cd == "cd" => Some("~".into()),
        _ => None,
    }
}

/// A program word the shell computes when it runs: a variable, a substitution.
pub(super) fn computed(word: &str) -> bool {
    word.contains('$') || word.contains('`')
}
