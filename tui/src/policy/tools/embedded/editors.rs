//! Editors and debuggers driven from the command line: vim, emacs, nano, ed, gdb.

use regex::Regex;
use std::sync::LazyLock;

use super::super::{Command, files};
use super::{LITERAL, literal_at, unreadable};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

pub(super) fn nano(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    if let Some(speller) = command.value(&["-s", "--speller"]) {
        runs.push(speller.to_string());
    }
    edits(
        command,
        &[
            "-s",
            "--speller",
            "-Y",
            "--syntax",
            "-T",
            "--tabsize",
            "-r",
            "--fill",
        ],
        out,
    );
    true
}

/// What an editor edits: each file it opens (a secret, a shell's start-up file, a path outside
/// the workspace are what they are); read-only modes only read.
fn edits(command: &Command, value_flags: &[&str], out: &mut Vec<Finding>) {
    let program = command.program;
    let read_only = program == "view" || command.has("-R") || command.has("-M");
    let files = command.operands(value_flags);
    for file in &files {
        let path = paths::describe(file, command.cwd);
        if read_only {
            files::read_path(&path, out);
        } else {
            out.push(files::write(&path, program, "edits"));
        }
    }
    if files.is_empty() || read_only {
        out.push(if read_only {
            Finding::new(
                "known.read",
                Effect::Read,
                Scope::Workspace,
                format!("`{program}` only views text."),
            )
        } else {
            Finding::new(
                "known.workspace",
                Effect::Write,
                Scope::Workspace,
                format!("`{program}` edits text."),
            )
        });
    }
}

/// vim and friends: `-c CMD`, `+CMD`, `--cmd CMD` are Ex commands: `!…` runs a shell command,
/// `w FILE` writes another file, and commands that run programs cannot be read.
pub(super) fn vim(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let mut commands: Vec<&str> = command.values(&["-c", "--cmd"]);
    commands.extend(
        command
            .args
            .iter()
            .filter_map(|a| a.strip_prefix('+'))
            .filter(|c| !c.is_empty()),
    );
    if let Some(script) = command.value(&["-S", "-u"]) {
        out.push(unreadable(program, &format!("the Vim script in {script}")));
    }
    for ex in commands.iter().flat_map(|c| c.split('|')) {
        let ex = ex.trim().trim_start_matches(':').trim();
        let name_end = ex
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(ex.len());
        let (name, after) = (&ex[..name_end], ex[name_end..].trim_start());
        if let Some(shell) = ex.strip_prefix('!') {
            runs.push(shell.to_string());
        } else if matches!(name, "r" | "read") && after.starts_with('!') {
            runs.push(after.trim_start_matches('!').to_string());
        } else if matches!(
            name,
            "sh" | "shell"
                | "redir"
                | "redi"
                | "term"
                | "terminal"
                | "py"
                | "python"
                | "py3"
                | "python3"
                | "pyx"
                | "pythonx"
                | "lua"
                | "luado"
                | "luafile"
                | "perl"
                | "perldo"
                | "ruby"
                | "rubydo"
                | "call"
                | "exe"
                | "execute"
                | "so"
                | "source"
                | "mak"
                | "make"
                | "grep"
                | "lgrep"
        ) || ex.contains("system(")
        {
            out.push(unreadable(program, "Vim commands that run programs"));
        } else if matches!(
            name,
            "w" | "write" | "sav" | "saveas" | "wq" | "x" | "xit" | "up" | "update"
        ) {
            let target = after.trim_start_matches('!').trim();
            if !target.is_empty() {
                out.push(files::write(
                    &paths::describe(target, command.cwd),
                    program,
                    "writes",
                ));
            }
        }
    }
    edits(
        command,
        &[
            "-c", "--cmd", "-S", "-s", "-u", "-i", "-t", "-q", "-T", "-w", "-W", "-r",
        ],
        out,
    );
    true
}

/// emacs: `--eval` Lisp that runs commands or deletes files; `-l`/`--script` files it cannot read.
pub(super) fn emacs(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    static RUNS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\((?:async-)?shell-command(?:-to-string)?\s+|\((?:call|start)-process(?:-shell-command)?\s+").expect("valid regex")
    });
    static DELETES: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\(delete-(?:file|directory)\s+").expect("valid regex"));
    for lisp in command.values(&["--eval", "-eval"]) {
        for found in RUNS.find_iter(lisp) {
            match literal_at(lisp, found.end()) {
                Some(inner) => runs.push(inner),
                None => out.push(unreadable(program, "a command built in Lisp")),
            }
        }
        for found in DELETES.find_iter(lisp) {
            match literal_at(lisp, found.end()) {
                Some(path) => {
                    out.push(files::delete(&paths::describe(&path, command.cwd), program))
                }
                None => out.push(unreadable(program, "Lisp that deletes files")),
            }
        }
    }
    static SHELLS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\((?:ansi-)?term\b|\((?:e)?shell\b|\(vterm\b").expect("valid regex")
    });
    static WRITES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"\((?:with-temp-file|write-region|append-to-file|write-file|copy-file|rename-file)\s+",
        )
        .expect("valid regex")
    });
    for lisp in command.values(&["--eval", "-eval"]) {
        if SHELLS.is_match(lisp) {
            out.push(unreadable(program, "an interactive shell"));
        }
        for found in WRITES.find_iter(lisp) {
            let path = LITERAL
                .captures_at(lisp, found.end())
                .and_then(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().to_string()));
            out.push(match path {
                Some(path) => files::write(&paths::describe(&path, command.cwd), program, "writes"),
                None => unreadable(program, "Lisp that writes files"),
            });
        }
    }
    if let Some(file) = command.value(&["-l", "--load", "--script", "-script"]) {
        out.push(unreadable(program, &format!("the Lisp in {file}")));
    }
    edits(
        command,
        &[
            "--eval",
            "-eval",
            "-l",
            "--load",
            "--script",
            "-script",
            "-f",
            "--funcall",
        ],
        out,
    );
    true
}

/// gdb: `-ex` commands (`shell …`, `!…`, `python …`, `run`), `-x` scripts.
pub(super) fn gdb(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let mut commands = command.values(&["-ex", "--eval-command", "-iex", "--init-eval-command"]);
    if let Some(script) = command.value(&["-x", "--command", "-ix"]) {
        out.push(unreadable(program, &format!("the gdb script in {script}")));
    }
    let debugged = command
        .args
        .iter()
        .position(|a| a == "--args")
        .map(|at| command.args[at + 1..].join(" "));
    for gdb_command in commands.drain(..) {
        let gdb_command = gdb_command.trim();
        if let Some(shell) = gdb_command
            .strip_prefix("shell ")
            .or_else(|| gdb_command.strip_prefix('!'))
        {
            runs.push(shell.to_string());
        } else if gdb_command.starts_with("python")
            || gdb_command.starts_with("pi ")
            || gdb_command.starts_with("guile")
            || gdb_command.starts_with("dump ")
            || gdb_command.starts_with("append ")
            || gdb_command.starts_with("pipe ")
            || gdb_command.starts_with('|')
        {
            out.push(unreadable(program, "Python or Guile code"));
        } else if matches!(
            gdb_command.split_whitespace().next(),
            Some("run" | "r" | "start" | "starti")
        ) {
            match &debugged {
                Some(argv) => runs.push(argv.clone()),
                None => out.push(unreadable(program, "the program it debugs")),
            }
        }
    }
    out.push(Finding::new(
        "known.read",
        Effect::Read,
        Scope::Workspace,
        format!("`{program}` inspects a program."),
    ));
    true
}

/// ed: the commands it reads on standard input; `!…` runs, `w FILE` writes.
pub(super) fn ed(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let file = command.positionals().first().map(|f| f.to_string());
    let Some(text) = command.stdin else {
        out.push(unreadable(program, "editing commands typed later"));
        return true;
    };
    let mut writes = false;
    for line in text.lines().map(str::trim) {
        if let Some(shell) = line.strip_prefix('!').or_else(|| line.strip_prefix("r !")) {
            runs.push(shell.to_string());
        } else if let Some(rest) = line.strip_prefix('w').or_else(|| line.strip_prefix('W')) {
            let target = rest.trim_start_matches('q').trim();
            match (target, &file) {
                ("", Some(file)) => out.push(files::write(
                    &paths::describe(file, command.cwd),
                    program,
                    "edits",
                )),
                ("", None) => {}
                (target, _) => out.push(files::write(
                    &paths::describe(target, command.cwd),
                    program,
                    "writes",
                )),
            }
            writes = true;
        }
    }
    if !writes {
        if let Some(file) = &file {
            files::read_path(&paths::describe(file, command.cwd), out);
        }
        out.push(Finding::new(
            "known.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program}` only prints."),
        ));
    }
    true
}
