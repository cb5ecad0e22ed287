//! Programs that run other commands in sessions, schedules or batches: tmux, screen, su,
//! script, at, parallel, hyperfine, watchers.

use signoff_protocol::Tier;

use super::super::{Command, files};
use super::unreadable;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

pub(super) fn hyperfine(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    runs.extend(command.positionals().into_iter().map(String::from));
    for flag in [
        "-p",
        "--prepare",
        "-s",
        "--setup",
        "-c",
        "--cleanup",
        "--conclude",
    ] {
        runs.extend(command.values(&[flag]).into_iter().map(String::from));
    }
    out.push(Finding::new(
        "known.read",
        Effect::Read,
        Scope::Workspace,
        "`hyperfine` times the commands it is given.",
    ));
    true
}

pub(super) fn entr(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let operands = command.operands(&[
        "-e",
        "--exts",
        "-w",
        "--watch",
        "-i",
        "--ignore",
        "-d",
        "--debounce",
        "-s",
        "--shell",
        "--signal",
    ]);
    if !operands.is_empty() {
        runs.push(operands.join(" "));
    }
    out.push(Finding::new(
        "known.workspace",
        Effect::Write,
        Scope::Workspace,
        format!("`{program}` runs its command each time files change."),
    ));
    true
}

pub(super) fn nodemon(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    if let Some(exec) = command.value(&["--exec", "-x"]) {
        runs.push(exec.to_string());
        out.push(Finding::new(
            "known.workspace",
            Effect::Write,
            Scope::Workspace,
            "`nodemon` runs its command each time files change.",
        ));
    } else {
        return false;
    }
    true
}

pub(super) fn at(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    if command.has("-l") || command.has("-c") {
        out.push(Finding::new(
            "system.read",
            Effect::Read,
            Scope::Machine,
            "`at -l` only lists scheduled jobs.",
        ));
        return true;
    }
    match (command.value(&["-f"]), command.stdin) {
        (Some(file), _) => out.push(unreadable(program, &format!("the commands in {file}"))),
        (None, Some(text)) => runs.push(text.to_string()),
        (None, None) if command.has("-l") || command.has("-r") || command.has("-d") => {}
        (None, None) => out.push(unreadable(program, "commands read later from its input")),
    }
    out.push(
        Finding::new(
            "system.schedule",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` schedules commands to run later, unseen."),
        )
        .floor(Tier::Risky),
    );
    true
}

pub(super) fn screen(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    if command.has("-ls") || command.has("-list") {
        out.push(Finding::new(
            "known.read",
            Effect::Read,
            Scope::Machine,
            "`screen -ls` only lists sessions.",
        ));
        return true;
    }
    let operands = command.operands(&[
        "-S", "-X", "-p", "-c", "-L", "-Logfile", "-T", "-t", "-e", "-h", "-s",
    ]);
    if operands.is_empty() && !command.args.iter().any(|a| a == "stuff") {
        out.push(unreadable(program, "an interactive shell"));
    }
    if let Some(stuff) = command.args.iter().position(|a| a == "stuff") {
        runs.extend(
            command
                .args
                .get(stuff + 1)
                .map(|t| t.trim_end_matches("\\n").to_string()),
        );
    } else if !operands.is_empty() {
        runs.push(operands.join(" "));
    }
    out.push(Finding::new(
        "known.workspace",
        Effect::Write,
        Scope::Workspace,
        "`screen` starts a session that outlives this command.",
    ));
    true
}

pub(super) fn su(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    match command.value(&["-c", "--command", "--session-command"]) {
        Some(inner) => runs.push(inner.to_string()),
        None => {
            let after_dash = command.args.iter().position(|a| a == "--");
            match after_dash {
                Some(at) if at + 1 < command.args.len() => {
                    runs.push(command.args[at + 1..].join(" "))
                }
                _ => out.push(unreadable(program, "an interactive shell as another user")),
            }
        }
    }
    out.push(
        Finding::new(
            "system.other-user",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` runs as another user (root by default)."),
        )
        .floor(Tier::Risky),
    );
    true
}

pub(super) fn script(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    match command.value(&["-c", "--command"]) {
        Some(inner) => runs.push(inner.to_string()),
        None => out.push(unreadable(program, "an interactive shell")),
    }
    let log = command.operands(&[
        "-c",
        "--command",
        "-E",
        "--echo",
        "-O",
        "--log-out",
        "-I",
        "--log-in",
        "-T",
        "--log-timing",
    ]);
    let log = log.first().copied().unwrap_or("typescript");
    out.push(files::write(
        &paths::describe(log, command.cwd),
        program,
        "records the session into",
    ));
    true
}

pub(super) fn expect(command: &Command, out: &mut Vec<Finding>, _runs: &mut Vec<String>) -> bool {
    let program = command.program;
    out.push(unreadable(program, "a Tcl/expect program"));
    true
}

pub(super) fn parallel(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let words: Vec<&str> = command.args.iter().map(String::as_str).collect();
    let split = words
        .iter()
        .position(|w| w.starts_with(":::"))
        .unwrap_or(words.len());
    let template = command
        .operands(&[
            "-j",
            "--jobs",
            "-S",
            "--sshlogin",
            "--joblog",
            "-a",
            "--arg-file",
        ])
        .into_iter()
        .take_while(|w| !w.starts_with(":::"))
        .collect::<Vec<_>>()
        .join(" ");
    let items: Vec<&str> = words.get(split + 1..).unwrap_or_default().to_vec();
    if template.is_empty() {
        runs.extend(items.iter().map(|i| i.to_string()));
    } else if items.is_empty() {
        out.push(unreadable(
            program,
            "its command on items read from its input",
        ));
    } else {
        for item in items {
            runs.push(if template.contains("{}") {
                template.replace("{}", item)
            } else {
                format!("{template} {item}")
            });
        }
    }
    true
}

/// tmux: the shell command of `new-session`, `new-window`, `split-window`, `run-shell`, and the
/// keys `send-keys` types into a shell.
pub(super) fn tmux(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let words: Vec<&str> = command.args.iter().map(String::as_str).collect();
    // Options before the command: `-c CMD` runs a command, `-f FILE` reads a configuration
    // (which can run anything), `-S`/`-L` reach another server's sessions.
    let mut global = words.iter();
    while let Some(word) = global.next() {
        match *word {
            "-c" => runs.extend(global.next().map(|c| c.to_string())),
            "-f" => {
                if let Some(file) = global.next() {
                    files::read_path(&paths::describe(file, command.cwd), out);
                    out.push(unreadable("tmux", &format!("the commands in {file}")));
                }
            }
            "-S" | "-L" => {
                global.next();
                out.push(unreadable(
                    "tmux",
                    "commands in another tmux server's sessions",
                ));
            }
            word if word.starts_with('-') => {}
            _ => break,
        }
    }
    let verb_at = words
        .iter()
        .position(|w| !w.starts_with('-'))
        .unwrap_or(words.len());
    let verb = words.get(verb_at).copied().unwrap_or("");
    let rest = &words[(verb_at + 1).min(words.len())..];
    let value_flags = [
        "-t", "-s", "-n", "-c", "-x", "-y", "-F", "-e", "-l", "-p", "-N", "-T", "-b", "-f", "-L",
    ];
    let mut operands = Vec::new();
    let mut iter = rest.iter();
    while let Some(word) = iter.next() {
        if value_flags.contains(word) {
            iter.next();
        } else if !word.starts_with('-') {
            operands.push(*word);
        }
    }
    if verb.is_empty() && runs.is_empty() && out.is_empty() {
        out.push(unreadable("tmux", "an interactive shell"));
        return true;
    }
    match verb {
        "new-session" | "new" | "new-window" | "neww" | "split-window" | "splitw"
        | "respawn-pane" | "respawnp" | "respawn-window" | "run-shell" | "run"
            if !operands.is_empty() =>
        {
            runs.push(operands.join(" "));
        }
        "send-keys" | "send" => {
            let typed: Vec<&str> = operands
                .into_iter()
                .filter(|k| !matches!(*k, "Enter" | "C-m" | "KPEnter" | "C-j"))
                .collect();
            if !typed.is_empty() {
                runs.push(typed.join(" "));
            }
        }
        "ls" | "list-sessions" | "list-windows" | "lsw" | "list-panes" | "lsp" | "capture-pane"
        | "capturep" | "display-message" | "display" | "show-options" | "show" | "has-session"
        | "has" | "list-keys" | "lsk" | "list-buffers" | "lsb" | "info" => {
            out.push(Finding::new(
                "known.read",
                Effect::Read,
                Scope::Machine,
                format!("`tmux {verb}` only reads."),
            ));
            return true;
        }
        _ => {}
    }
    let (scope, why) = if matches!(
        verb,
        "kill-server" | "kill-session" | "kill-window" | "kill-pane"
    ) {
        (
            Scope::Machine,
            format!("`tmux {verb}` ends terminal sessions and what runs in them."),
        )
    } else {
        (
            Scope::Workspace,
            format!("`tmux {verb}` works with terminal sessions that outlive this command."),
        )
    };
    out.push(Finding::new("known.workspace", Effect::Write, scope, why));
    true
}
