//! Archivers: what tar, zip and unzip read, write and run.

use super::super::{Command, files};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

pub(super) fn zip(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    if command.has("-T") && command.positionals().len() == 1 && !command.has("-TT") {
        out.push(Finding::new(
            "archive.read",
            Effect::Read,
            Scope::Workspace,
            "`zip -T` only tests an archive.",
        ));
        return true;
    }
    if let Some(test) = command.value(&["-TT", "--unzip-command"]) {
        runs.push(test.to_string());
    }
    let operands = command.operands(&[
        "-TT",
        "--unzip-command",
        "-b",
        "-n",
        "-t",
        "-tt",
        "-x",
        "-i",
        "-P",
        "--password",
        "-O",
        "--output-file",
        "-Z",
    ]);
    if let Some((archive, inputs)) = operands.split_first() {
        out.push(files::write(
            &paths::describe(archive, command.cwd),
            program,
            "writes",
        ));
        let moves = command.has("-m") || command.has("--move");
        for input in inputs {
            let path = paths::describe(input, command.cwd);
            if moves {
                out.push(files::delete(&path, "zip -m"));
            } else {
                files::read_path(&path, out);
            }
        }
    }
    if out.is_empty() {
        out.push(Finding::new(
            "known.workspace",
            Effect::Write,
            Scope::Workspace,
            "`zip` writes an archive.",
        ));
    }
    true
}

pub(super) fn unzip(command: &Command, out: &mut Vec<Finding>, _runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let operands = command.operands(&["-d", "-x", "-P"]);
    for archive in operands.iter().take(1) {
        files::read_path(&paths::describe(archive, command.cwd), out);
    }
    let lists = ["-l", "-t", "-v", "-Z", "-p", "-c", "-z"]
        .iter()
        .any(|f| command.has(f));
    out.push(if lists {
        Finding::new(
            "archive.read",
            Effect::Read,
            Scope::Workspace,
            "`unzip` lists or prints an archive.",
        )
    } else {
        files::write(
            &paths::describe(command.value(&["-d"]).unwrap_or("."), command.cwd),
            program,
            "unpacks into",
        )
    });
    true
}

/// tar: creating writes the archive, extracting writes where it unpacks, listing reads; and the
/// options that run programs (`--to-command`, `--checkpoint-action=exec=`, `-I`, `-F`).
pub(super) fn tar(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    for (flag, value) in command.args.iter().filter_map(|a| a.split_once('=')) {
        match flag {
            "--to-command"
            | "--use-compress-program"
            | "--info-script"
            | "--new-volume-script"
            | "--rsh-command" => runs.push(value.to_string()),
            "--checkpoint-action" => {
                if let Some(exec) = value.strip_prefix("exec=") {
                    runs.push(exec.to_string());
                }
            }
            _ => {}
        }
    }
    for flag in [
        "-I",
        "--use-compress-program",
        "-F",
        "--info-script",
        "--to-command",
    ] {
        if let Some(value) = command
            .args
            .iter()
            .position(|a| a == flag)
            .and_then(|i| command.args.get(i + 1))
        {
            runs.push(value.clone());
        }
    }
    // The mode: a bundle like `xzf`, `-xzf`, or `--extract`.
    let first = command.args.first().map(String::as_str).unwrap_or("");
    // The mode letters: the first word (`xzf`, `-czf`) and any other short-option bundle.
    let bundle: String = std::iter::once(first)
        .filter(|w| !w.starts_with("--"))
        .chain(
            command
                .args
                .iter()
                .skip(1)
                .map(String::as_str)
                .filter(|w| w.starts_with('-') && !w.starts_with("--")),
        )
        .map(|w| w.trim_start_matches('-'))
        .collect();
    let bundle = bundle.as_str();
    let has = |letter: char, long: &str| {
        bundle.contains(letter) || command.has(long) || command.has(&format!("-{letter}"))
    };
    let archive = command.value(&["-f", "--file"]).or_else(|| {
        // `tar czf out.tgz dir`, `-czf out.tgz`: the word after the bundle that holds `f`.
        command
            .args
            .iter()
            .position(|w| {
                !w.starts_with("--")
                    && w.contains('f')
                    && w.len() <= 8
                    && w.trim_start_matches('-')
                        .chars()
                        .all(|c| c.is_ascii_alphabetic())
            })
            .and_then(|at| command.args.get(at + 1))
            .map(String::as_str)
    });
    if command.has("--remove-files") {
        for input in command
            .operands(&[
                "-f",
                "--file",
                "-C",
                "--directory",
                "-I",
                "-F",
                "-T",
                "--files-from",
                "-X",
                "--exclude-from",
            ])
            .iter()
            .skip(1)
        {
            out.push(files::delete(
                &paths::describe(input, command.cwd),
                "tar --remove-files",
            ));
        }
    }
    if has('t', "--list") {
        out.push(Finding::new(
            "archive.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program}` lists an archive."),
        ));
    } else if has('x', "--extract") || has('x', "--get") {
        let into = command.value(&["-C", "--directory"]).unwrap_or(".");
        out.push(files::write(
            &paths::describe(into, command.cwd),
            program,
            "unpacks into",
        ));
    } else if let Some(archive) =
        archive.filter(|_| has('c', "--create") || has('r', "--append") || has('u', "--update"))
    {
        out.push(files::write(
            &paths::describe(archive, command.cwd),
            program,
            "writes",
        ));
    } else if command.has("--delete") {
        out.push(files::write(
            &paths::describe(archive.unwrap_or("-"), command.cwd),
            program,
            "deletes members of",
        ));
    } else {
        out.push(Finding::new(
            "archive.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program}` reads an archive."),
        ));
    }
    true
}
