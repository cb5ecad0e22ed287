//! Files and the programs that read, write and delete them.

use signoff_protocol::Tier;

use super::Command;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths::{self, Location, PathInfo};

/// Programs that only read (what they read may still be a secret).
const READERS: &[&str] = &[
    "cat",
    "less",
    "more",
    "head",
    "tail",
    "bat",
    "batcat",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ag",
    "ack",
    "wc",
    "file",
    "stat",
    "diff",
    "cmp",
    "strings",
    "xxd",
    "hexdump",
    "od",
    "jq",
    "yq",
    "sort",
    "uniq",
    "cut",
    "tr",
    "column",
    "nl",
    "fold",
    "base64",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "shasum",
    "ls",
    "tree",
    "du",
    "df",
    "pwd",
    "which",
    "whereis",
    "type",
    "whoami",
    "id",
    "date",
    "uname",
    "hostname",
    "uptime",
    "ps",
    "free",
    "true",
    "false",
    "test",
    "[",
    "[[",
    "sleep",
    "seq",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "clear",
    "man",
    "history",
    "lsof",
    "netstat",
    "ss",
    "top",
    "htop",
    "vmstat",
    "iostat",
    "nproc",
    "locale",
    "tput",
    "awk",
    "cd",
    "pushd",
    "popd",
    "export",
    "source",
    ".",
    "set",
    "unset",
    "alias",
    "read",
    "wait",
    "exit",
    "return",
    "shift",
    "local",
    "declare",
    "typeset",
    "trap",
    "getopts",
    "hash",
    "dig",
    "nslookup",
    "host",
    "ping",
    "traceroute",
    "zcat",
    "zgrep",
    "gunzip-c",
    "tac",
    "rev",
    "look",
    "comm",
    "join",
    "paste",
    "expand",
    "unexpand",
    "fmt",
    "pr",
    "sed",
    "find",
    "fd",
    "fzf",
    "echo",
    "printf",
    "env",
    "printenv",
    "cloc",
    "tokei",
    "code",
    "vim",
    "nvim",
    "nano",
    "open",
];

/// Secrets that printing or reading exposes to the agent's context.
const SECRET_VAR_SUFFIXES: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "API_KEY",
    "_KEY",
    "CREDENTIALS",
    "PRIVATE_KEY",
    "AUTH",
];

pub fn classify(command: &Command, out: &mut Vec<Finding>) -> bool {
    let program = command.program;
    match program {
        "rm" | "rmdir" | "unlink" | "shred" | "srm" | "rimraf" | "del-cli" | "trash"
        | "trash-put" => {
            let targets = command.positionals();
            if targets.is_empty() {
                out.push(Finding::new(
                    "fs.read",
                    Effect::Read,
                    Scope::Workspace,
                    format!("`{program}` with nothing to delete."),
                ));
            }
            for target in targets {
                out.push(delete(&paths::describe(target, command.cwd), program));
            }
            true
        }
        "truncate" => {
            for target in command.positionals() {
                out.push(delete(&paths::describe(target, command.cwd), program));
            }
            true
        }
        "dd" => {
            for arg in command.args {
                if let Some(target) = arg.strip_prefix("of=") {
                    let path = paths::describe(target, command.cwd);
                    // Over a disk, it destroys; over a file, it writes one.
                    out.push(if path.location == Location::Device {
                        delete(&path, "dd")
                    } else {
                        write(&path, "dd", "writes")
                    });
                } else if let Some(source) = arg.strip_prefix("if=") {
                    read_path(&paths::describe(source, command.cwd), out);
                }
            }
            if out.is_empty() {
                out.push(Finding::new(
                    "fs.read",
                    Effect::Read,
                    Scope::Workspace,
                    "`dd` without `of=` only reads.",
                ));
            }
            true
        }
        _ if program == "mkfs"
            || program.starts_with("mkfs.")
            || matches!(
                program,
                "mke2fs" | "wipefs" | "fdisk" | "parted" | "sgdisk" | "mkswap"
            ) =>
        {
            let device = command
                .positionals()
                .last()
                .map(|d| d.to_string())
                .unwrap_or_default();
            out.push(
                Finding::new(
                    "fs.format",
                    Effect::Destroy,
                    Scope::Machine,
                    format!("`{program}` erases the disk {device}."),
                )
                .floor(Tier::Critical)
                .resource(device),
            );
            true
        }
        "mv" | "cp" | "ln" | "install" | "rsync" | "scp" => {
            let positionals = command.positionals();
            if let Some((destination, sources)) = positionals.split_last() {
                for source in sources {
                    let source = paths::describe(source, command.cwd);
                    read_path(&source, out);
                    if program == "mv" && !source.build_output {
                        out.push(write(&source, "mv", "moves away"));
                    }
                }
                if program == "rsync" && command.args.iter().any(|a| a.starts_with("--delete")) {
                    out.push(delete(
                        &paths::describe(destination, command.cwd),
                        "rsync --delete",
                    ));
                } else if program == "scp" && destination.contains(':') {
                    out.push(Finding::new(
                        "net.copy-out",
                        Effect::Write,
                        Scope::Remote,
                        format!("`scp` copies files to {destination}."),
                    ));
                } else {
                    out.push(write(
                        &paths::describe(destination, command.cwd),
                        program,
                        "writes",
                    ));
                }
            }
            true
        }
        "touch" | "mkdir" | "tee" | "chmod" | "chown" | "chgrp" | "chattr" | "setfacl" => {
            let skip_first = matches!(program, "chmod" | "chown" | "chgrp" | "chattr" | "setfacl");
            let positionals = command.positionals();
            let targets = positionals.iter().skip(usize::from(skip_first));
            for target in targets {
                out.push(write(
                    &paths::describe(target, command.cwd),
                    program,
                    "changes",
                ));
            }
            true
        }
        "sed" | "perl"
            if command.has_short('i')
                || command.args.iter().any(|a| a.starts_with("--in-place")) =>
        {
            // With -e/-f the script is a flag's value; otherwise it is the first positional.
            let positionals = command.positionals();
            let scripted = command.has("-e") || command.has("-f");
            for target in positionals.iter().skip(usize::from(!scripted)) {
                out.push(write(
                    &paths::describe(target, command.cwd),
                    program,
                    "edits",
                ));
            }
            true
        }
        "ssh-keygen" => {
            let file = command.value(&["-f"]).unwrap_or("~/.ssh/id_ed25519");
            let read_only =
                command.has("-l") || command.has("-y") || command.has("-F") || command.has("-L");
            out.push(if read_only {
                Finding::new(
                    "fs.read",
                    Effect::Read,
                    Scope::Machine,
                    "`ssh-keygen` only reads a key.",
                )
            } else {
                write(
                    &paths::describe(file, command.cwd),
                    program,
                    "writes a key to",
                )
            });
            true
        }
        // `printenv PATH` prints the variables it names, which say whether they are secrets.
        "printenv"
            if !command.args.is_empty()
                && command
                    .positionals()
                    .iter()
                    .all(|name| secret_variable(&format!("${name}")).is_none()) =>
        {
            out.push(Finding::new(
                "fs.read",
                Effect::Read,
                Scope::Workspace,
                "`printenv` prints only the variables it names.",
            ));
            true
        }
        "env" | "printenv" if command.args.is_empty() || program == "printenv" => {
            out.push(
                Finding::new(
                    "secrets.env",
                    Effect::Read,
                    Scope::Machine,
                    "Prints environment variables, which often hold tokens and keys.",
                )
                .floor(Tier::Risky),
            );
            true
        }
        "echo" | "printf" | "print" => {
            if let Some(variable) = command.args.iter().find_map(|a| secret_variable(a)) {
                out.push(
                    Finding::new(
                        "secrets.print",
                        Effect::Read,
                        Scope::Machine,
                        format!("Prints `${variable}`, a secret."),
                    )
                    .floor(Tier::Risky),
                );
            } else {
                out.push(Finding::new(
                    "fs.read",
                    Effect::Read,
                    Scope::Workspace,
                    format!("`{program}` only prints."),
                ));
            }
            true
        }
        "sort" | "uniq" | "xxd"
            if command.value(&["-o", "--output"]).is_some()
                || (program == "uniq" && command.positionals().len() == 2)
                || (program == "xxd" && command.has("-r") && command.positionals().len() == 2) =>
        {
            let positionals = command.positionals();
            let output = command
                .value(&["-o", "--output"])
                .or_else(|| positionals.last().copied())
                .unwrap_or("-");
            for input in positionals.iter().filter(|p| **p != output) {
                read_path(&paths::describe(input, command.cwd), out);
            }
            out.push(write(
                &paths::describe(output, command.cwd),
                program,
                "writes",
            ));
            true
        }
        "find" | "fd" if command.has("-delete") => {
            let start = command.positionals().first().copied().unwrap_or(".");
            // `find . -name '*.pyc' -delete` deletes only what the names match: build output
            // when every name is; `-o` could add anything.
            let names = command.values(&["-name", "-iname"]);
            let matched: Vec<PathInfo> = names
                .iter()
                .map(|name| paths::describe(&format!("{start}/{name}"), command.cwd))
                .collect();
            let build_output = !matched.is_empty()
                && !command.has("-o")
                && !command.has("-or")
                && matched.iter().all(|path| path.build_output);
            let target = match matched.into_iter().next() {
                Some(path) if build_output => path,
                _ => paths::describe(start, command.cwd),
            };
            out.push(delete(&target, "find -delete"));
            true
        }
        _ if READERS.contains(&program) => {
            let before = out.len();
            // `test -f .env`, `ls ~/.ssh`, `sha256sum key.pem`: names, sizes and digests show
            // no secret.
            let shows_content = !NAMES_ONLY.contains(&program);
            for target in command.positionals().into_iter().filter(|_| shows_content) {
                read_path(&paths::describe(target, command.cwd), out);
            }
            if out.len() == before {
                out.push(Finding::new(
                    "fs.read",
                    Effect::Read,
                    Scope::Workspace,
                    format!("`{program}` only reads."),
                ));
            }
            true
        }
        _ => false,
    }
}

/// Whether `program` only reads the files it is given (`cat`, `grep`, `jq`).
pub fn only_reads(program: &str) -> bool {
    READERS.contains(&program)
}

/// Readers that show a file's name, metadata or digest, never its content.
const NAMES_ONLY: &[&str] = &[
    "test",
    "[",
    "[[",
    "ls",
    "tree",
    "du",
    "stat",
    "wc",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "shasum",
    "file",
];

/// `$GITHUB_TOKEN`, `${AWS_SECRET_ACCESS_KEY}`: the variable name when it names a secret.
pub fn secret_variable(word: &str) -> Option<String> {
    let mut rest = word;
    while let Some(start) = rest.find('$') {
        rest = &rest[start + 1..];
        let name: String = rest
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let upper = name.to_ascii_uppercase();
        if SECRET_VAR_SUFFIXES
            .iter()
            .any(|suffix| upper.ends_with(suffix))
            && upper.len() > 3
        {
            return Some(name);
        }
    }
    None
}

/// Reading a path: harmless, unless it is a secret; critical when it is signoff's own (the
/// agents' token, a reviewer's credential): whoever holds a reviewer's credential can approve.
pub fn read_path(path: &PathInfo, out: &mut Vec<Finding>) {
    if path.secret && path.signoff {
        out.push(
            Finding::new(
                "signoff.credentials",
                Effect::Read,
                Scope::Machine,
                format!(
                    "Reads {}, signoff's own credentials: whoever holds a reviewer's credential can approve actions.",
                    path.shown
                ),
            )
            .floor(Tier::Critical)
            .resource(path.shown.clone()),
        );
    } else if path.secret {
        out.push(
            Finding::new(
                "secrets.read",
                Effect::Read,
                Scope::Machine,
                format!("Reads {}, which holds credentials.", path.shown),
            )
            .floor(Tier::Risky),
        );
    }
}

/// Deleting or overwriting a path.
pub fn delete(path: &PathInfo, program: &str) -> Finding {
    let shown = &path.shown;
    if path.signoff {
        return signoff_own(path, program, "deletes");
    }
    if !path.unresolved && (shown.ends_with(".tfstate") || shown.ends_with(".tfstate.backup")) {
        return Finding::new(
            "iac.state-file",
            Effect::Destroy,
            Scope::Workspace,
            format!(
                "`{program}` deletes {shown}, Terraform's record of real infrastructure: \
                 without it Terraform loses track of what exists."
            ),
        )
        .floor(Tier::Risky)
        .resource(shown.clone());
    }
    match path.location {
        Location::SystemRoot if path.unresolved => Finding::new(
            "fs.destroy-unknown",
            Effect::Destroy,
            Scope::Machine,
            format!("`{program}` on {shown} deletes whatever the expansion is, which signoff cannot know: empty, it is the whole system."),
        )
        .floor(Tier::Critical)
        .resource(shown.clone()),
        Location::SystemRoot => Finding::new(
            "fs.destroy-system",
            Effect::Destroy,
            Scope::Machine,
            format!("`{program}` on {shown} destroys the system or the home directory."),
        )
        .floor(Tier::Critical)
        .resource(shown.clone()),
        Location::Machine if path.unresolved => Finding::new(
            "fs.delete-unknown",
            Effect::Destroy,
            Scope::Machine,
            format!("`{program}` deletes {shown}, whose expansion signoff cannot know: it could be anywhere."),
        )
        .resource(shown.clone()),
        Location::Device => Finding::new(
            "fs.destroy-device",
            Effect::Destroy,
            Scope::Machine,
            format!("`{program}` overwrites the disk {shown}."),
        )
        .floor(Tier::Critical)
        .resource(shown.clone()),
        Location::Workspace if path.build_output && !path.secret => Finding::new(
            "fs.delete-build-output",
            Effect::Write,
            Scope::Workspace,
            format!("Deletes {shown}, build output a build recreates."),
        ),
        Location::Workspace => Finding::new(
            "fs.delete",
            Effect::Destroy,
            Scope::Workspace,
            format!("`{program}` deletes {shown} for good."),
        )
        .resource(shown.clone()),
                Location::Machine if path.scratch && !path.secret => Finding::new(
            "fs.scratch",
            Effect::Write,
            Scope::Workspace,
            format!("`{program}` deletes {shown}, scratch space under a temporary directory."),
        ),
        Location::Machine => Finding::new(
            "fs.delete-outside",
            Effect::Destroy,
            Scope::Machine,
            format!("`{program}` deletes {shown}, outside the workspace."),
        )
        .resource(shown.clone()),
    }
}

/// Changing signoff's own files: its policy, keys, history or socket. Critical: an agent must not
/// change the gate that reviews it, nor act as its reviewer.
fn signoff_own(path: &PathInfo, program: &str, verb: &str) -> Finding {
    Finding::new(
        "signoff.own-files",
        Effect::Write,
        Scope::Machine,
        format!(
            "`{program}` {verb} {}, signoff's own files: an agent must not change the gate that reviews it.",
            path.shown
        ),
    )
    .floor(Tier::Critical)
    .resource(path.shown.clone())
}

/// Writing a path: reversible in the workspace, risky elsewhere or when it is sensitive.
pub fn write(path: &PathInfo, program: &str, verb: &str) -> Finding {
    let shown = &path.shown;
    if path.signoff {
        return signoff_own(path, program, verb);
    }
    if path.agent_settings {
        return Finding::new(
            "agent.settings",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` {verb} {shown}, an agent's own settings or hooks: that can turn its safety off."),
        )
        .floor(Tier::Risky);
    }
    if path.secret {
        return Finding::new(
            "secrets.write",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` {verb} {shown}, which holds credentials."),
        )
        .floor(Tier::Risky);
    }
    if path.vcs_internal {
        return Finding::new(
            "git.internals",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` {verb} {shown}, inside git's own data."),
        )
        .floor(Tier::Risky);
    }
    match path.location {
        Location::Workspace => Finding::new(
            "fs.write",
            Effect::Write,
            Scope::Workspace,
            format!("`{program}` {verb} {shown} in the workspace."),
        ),
        Location::Device => Finding::new(
            "fs.destroy-device",
            Effect::Destroy,
            Scope::Machine,
            format!("`{program}` writes to the disk {shown}."),
        )
        .floor(Tier::Critical)
        .resource(shown.clone()),
        Location::Machine if path.scratch => Finding::new(
            "fs.scratch",
            Effect::Write,
            Scope::Workspace,
            format!("`{program}` {verb} {shown}, scratch space under a temporary directory."),
        ),
        Location::Machine | Location::SystemRoot => Finding::new(
            "fs.write-outside",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` {verb} {shown}, outside the workspace."),
        ),
    }
}
