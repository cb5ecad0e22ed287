//! Settings that make a program run another: git's configuration, editors of pip and gem,
//! cargo's runners, make's `--eval`, and the variables that name or load code.

use signoff_protocol::Tier;

use super::super::{Command, Runs, files};
use super::unreadable;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

pub(super) fn make(command: &Command, out: &mut Vec<Finding>, _runs: &mut Vec<String>) -> bool {
    let program = command.program;
    if command
        .args
        .iter()
        .any(|a| a.starts_with("--eval") || a == "-E")
    {
        out.push(unreadable(program, "make rules given in `--eval`"));
    }
    if let Some(file) = command.value(&["-f", "--file", "--makefile"]) {
        let path = paths::describe(file, command.cwd);
        if matches!(file, "-" | "/dev/stdin") || path.location != paths::Location::Workspace {
            out.push(unreadable(program, &format!("the rules in {file}")));
        }
    }
    false
}

pub(super) fn git(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    git_settings(command, out, runs);
    false
}

pub(super) fn pip(command: &Command, _out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    if command.positionals().last() == Some(&"edit")
        && let Some(editor) = command.value(&["--editor"])
    {
        runs.push(editor.to_string());
    }
    false
}

pub(super) fn gem(command: &Command, _out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    if let Some(editor) = command.value(&["-e", "--editor"]) {
        runs.push(editor.to_string());
    }
    false
}

pub(super) fn cargo(command: &Command, _out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    for config in command.values(&["--config"]) {
        if let Some((key, value)) = config.split_once('=') {
            let key = key.trim();
            if key.ends_with(".runner") || key.ends_with("linker") || key.ends_with("rustc-wrapper")
            {
                runs.push(value.trim().trim_matches(['"', '\'', '[', ']']).to_string());
            }
        }
    }
    false
}

pub(super) fn openssl(command: &Command, out: &mut Vec<Finding>, _runs: &mut Vec<String>) -> bool {
    let program = command.program;
    // A certificate is public; what `-in` names for other commands may be a key.
    let certificate = matches!(
        command.positionals().first(),
        Some(&("x509" | "verify" | "crl"))
    );
    if let Some(input) = command.value(&["-in"]).filter(|_| !certificate) {
        files::read_path(&paths::describe(input, command.cwd), out);
    }
    if let Some(output) = command.value(&["-out"]) {
        out.push(files::write(
            &paths::describe(output, command.cwd),
            program,
            "writes",
        ));
    }
    false
}

/// git: the configuration that makes git run programs (`-c core.pager=…`, `-c alias.x='!…'`,
/// `git config core.sshCommand …`), `--exec-path`, and paths outside the repository.
fn git_settings(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) {
    let program = command.program;
    let mut settings: Vec<(String, String)> = command
        .values(&["-c"])
        .into_iter()
        .filter_map(|c| {
            c.split_once('=')
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        })
        .collect();
    let operands = command.operands(&["-c", "-C", "--git-dir", "--work-tree", "--namespace"]);
    // `git config [--global] KEY VALUE` sets what runs later.
    if operands.first() == Some(&"config") && operands.len() >= 3 {
        settings.push((operands[1].to_ascii_lowercase(), operands[2].to_string()));
    }
    for (key, value) in settings {
        let section = key.split('.').next().unwrap_or("");
        let last = key.rsplit('.').next().unwrap_or("");
        let runs_value = matches!(
            key.as_str(),
            "core.pager"
                | "core.sshcommand"
                | "core.editor"
                | "sequence.editor"
                | "core.askpass"
                | "core.fsmonitor"
                | "diff.external"
                | "gpg.program"
                | "core.gitproxy"
                | "uploadpack.packobjectshook"
        ) || section == "pager"
            || (matches!(section, "diff" | "filter" | "merge" | "gpg")
                && matches!(
                    last,
                    "textconv" | "command" | "clean" | "smudge" | "process" | "driver" | "program"
                ))
            || ((section == "alias" || key == "credential.helper") && value.starts_with('!'));
        if runs_value {
            runs.push(value.trim_start_matches('!').to_string());
        } else if key == "core.hookspath" {
            out.push(
                Finding::new(
                    "guard.hooks",
                    Effect::Write,
                    Scope::Machine,
                    format!("`core.hooksPath={value}` turns the repository's own git hooks off or runs others in their place."),
                )
                .floor(Tier::Risky),
            );
        } else if section == "protocol" && last == "allow" && value == "always" {
            out.push(unreadable(
                program,
                "remote helpers (`ext::` URLs) that run commands",
            ));
        }
    }
    if command.args.iter().any(|a| a.starts_with("--exec-path=")) {
        out.push(unreadable(
            program,
            "its sub-commands from the directory `--exec-path` names",
        ));
    }
    for helper in command.values(&["--upload-pack", "--receive-pack", "--exec"]) {
        runs.push(helper.to_string());
    }
    if operands.first() == Some(&"apply") {
        if let Some(dir) = command.value(&["--directory"]) {
            out.push(files::write(
                &paths::describe(dir, command.cwd),
                "git apply",
                "writes under",
            ));
        }
        if command.has("--unsafe-paths") {
            out.push(
                Finding::new(
                    "git.unsafe-paths",
                    Effect::Write,
                    Scope::Machine,
                    "`git apply --unsafe-paths` may write outside the repository.",
                )
                .floor(Tier::Risky),
            );
        }
    }
    for path in operands
        .iter()
        .skip(1)
        .filter(|p| p.starts_with('/') || p.starts_with('~'))
    {
        files::read_path(&paths::describe(path, command.cwd), out);
    }
}

/// Variables that name a program to run (`PAGER`, `EDITOR`, `GIT_SSH_COMMAND`, `LESSOPEN`…).
const COMMAND_VARIABLES: &[&str] = &[
    "PAGER",
    "GIT_PAGER",
    "MANPAGER",
    "SYSTEMD_PAGER",
    "EDITOR",
    "VISUAL",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    "GIT_EXTERNAL_DIFF",
    "BROWSER",
    "SPELL",
    "LESSOPEN",
    "LESSCLOSE",
    "PROMPT_COMMAND",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
];

/// Variables that turn a project's guards off: git hooks (husky, pre-commit, lefthook).
const GUARD_VARIABLES: &[&str] = &[
    "HUSKY",
    "HUSKY_SKIP_HOOKS",
    "SKIP",
    "LEFTHOOK",
    "PRE_COMMIT_ALLOW_NO_CONFIG",
    "GIT_HOOKS_DISABLED",
];

/// Variables that load code the command did not ask for (a library, a start-up script).
const LOADING_VARIABLES: &[&str] = &[
    "LD_PRELOAD",
    "LD_AUDIT",
    "DYLD_INSERT_LIBRARIES",
    "PERL5OPT",
    "PERL5DB",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
    "BASH_ENV",
    "ENV",
    "ZDOTDIR",
    "RUBYOPT",
    "GIT_EXEC_PATH",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "NODE_OPTIONS",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
];

/// A command's variables that run code: a program it names runs, code it loads is unreadable.
pub fn variables(
    assignments: &[String],
    program: &str,
    out: &mut Vec<Finding>,
    runs: &mut Vec<Runs>,
) {
    for (name, value) in assignments.iter().filter_map(|a| a.split_once('=')) {
        if value.is_empty() {
            continue;
        }
        let off = match name {
            "HUSKY" | "LEFTHOOK" => value == "0" || value.eq_ignore_ascii_case("false"),
            _ => GUARD_VARIABLES.contains(&name),
        };
        if off {
            out.push(
                Finding::new(
                    "guard.hooks",
                    Effect::Write,
                    Scope::Machine,
                    format!("`{name}={value}` turns the project's git hooks off."),
                )
                .floor(Tier::Risky),
            );
            continue;
        }
        if COMMAND_VARIABLES.contains(&name) {
            // `LESSOPEN='| cmd %s'`: the `%s` is the file less opens.
            let command = value
                .trim_start_matches('|')
                .replace("%s", "")
                .trim()
                .to_string();
            runs.push(Runs::Script(command));
            if name.starts_with("LESS") {
                // Without `|`, what it prints is the file less shows in its place.
                out.push(unreadable(
                    program,
                    &format!("`{name}` on every file it opens"),
                ));
            }
        } else if name.starts_with("CARGO_TARGET_") && name.ends_with("_RUNNER") {
            runs.push(Runs::Script(value.to_string()));
        } else if LOADING_VARIABLES.contains(&name) && loads_code(name, value) {
            out.push(unreadable(program, &format!("code that `{name}` loads")));
        }
    }
}

/// Whether a loading variable's value loads code: `NODE_OPTIONS` only with `--require` and its
/// kin, the Java options only with `-javaagent`; the others always.
fn loads_code(name: &str, value: &str) -> bool {
    if name == "NODE_OPTIONS" {
        [
            "--require",
            "-r ",
            "--import",
            "--loader",
            "--experimental-loader",
        ]
        .iter()
        .any(|flag| value.contains(flag))
    } else if name.contains("JAVA") {
        value.contains("-javaagent")
    } else {
        true
    }
}
