//! Windows shells: PowerShell cmdlets and their aliases, cmd.exe's commands, and the scripts
//! `powershell -Command` and `cmd /c` run. Names are matched without case and without `.exe`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use signoff_protocol::Tier;

use super::{Command, Runs, files};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Does {
    /// Only reads (the files it names may be secrets).
    Read,
    /// Writes the file it names.
    Write,
    /// Copies or moves: reads the first path, writes the last.
    Copy,
    /// Deletes what it names.
    Delete,
    /// Ends processes.
    Kill,
    /// Takes the machine down.
    Power,
    /// Changes the registry, services, users, the firewall: the machine's set-up.
    System,
    /// Erases a disk.
    Disk,
    /// Prints the environment, which holds tokens.
    Environment,
    /// Runs the PowerShell text it is given.
    Invoke,
    /// Starts the program it names.
    Start,
    /// A web request (`-Method`).
    Web,
    /// Turns a guard off (execution policy, Defender).
    Guard,
}

/// The commands, by lower-case name (`windows.toml`).
static COMMANDS: LazyLock<HashMap<String, Does>> = LazyLock::new(|| {
    #[derive(Deserialize)]
    struct Entry {
        names: Vec<String>,
        does: Does,
    }
    #[derive(Deserialize)]
    struct File {
        command: Vec<Entry>,
    }
    let file: File = toml::from_str(include_str!("windows.toml")).expect("windows.toml parses");
    file.command
        .into_iter()
        .flat_map(|entry| entry.names.into_iter().map(move |name| (name, entry.does)))
        .collect()
});

fn lookup(name: &str) -> Option<Does> {
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix(".exe").unwrap_or(&name);
    COMMANDS.get(name).copied()
}

fn is_shell(program: &str) -> bool {
    matches!(
        program.to_ascii_lowercase().trim_end_matches(".exe"),
        "powershell" | "pwsh" | "cmd"
    )
}

/// The PowerShell parameters (`-Path x`) and cmd switches (`/s`) of a command, and the rest.
fn operands<'a>(command: &'a Command) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut args = command.args.iter().map(String::as_str).peekable();
    while let Some(arg) = args.next() {
        if arg.starts_with('-') && arg.len() > 1 {
            // A named parameter's value, unless it is a switch (`-Recurse`, `-Force`).
            let name = arg.trim_start_matches('-').to_ascii_lowercase();
            let switch = matches!(
                name.as_str(),
                "recurse"
                    | "force"
                    | "r"
                    | "f"
                    | "whatif"
                    | "confirm"
                    | "noprofile"
                    | "nologo"
                    | "noninteractive"
                    | "raw"
                    | "wait"
                    | "passthru"
                    | "append"
                    | "erroraction"
                    | "usebasicparsing"
            );
            if !switch
                && matches!(
                    name.as_str(),
                    "path"
                        | "literalpath"
                        | "filepath"
                        | "destination"
                        | "value"
                        | "encoding"
                        | "uri"
                        | "method"
                        | "body"
                        | "name"
                        | "id"
                        | "argumentlist"
                        | "command"
                        | "outfile"
                        | "infile"
                        | "executionpolicy"
                        | "pattern"
                        | "first"
                        | "last"
                        | "filter"
                        | "include"
                        | "exclude"
                        | "itemtype"
                        | "scope"
                )
            {
                let value = args.next().unwrap_or("");
                if matches!(
                    name.as_str(),
                    "path" | "literalpath" | "filepath" | "destination" | "outfile"
                ) {
                    out.push(value);
                }
            }
        } else if arg.starts_with('/') && arg.len() <= 3 && !arg[1..].contains('/') {
            // cmd's switches: `/s`, `/q`, `/f`, `/b`.
        } else {
            out.push(arg);
        }
    }
    out
}

/// Judges one Windows command: findings in `out`, scripts it runs in `runs`.
pub fn classify(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) -> bool {
    let program = command.program;
    if is_shell(program) {
        return shell(command, out, runs);
    }
    let Some(does) = lookup(program) else {
        return false;
    };
    let operands = operands(command);
    let path = |text: &str| paths::describe(&text.replace('\\', "/"), command.cwd);
    let machine = |rule, effect, why: String| Finding::new(rule, effect, Scope::Machine, why);
    match does {
        Does::Read => {
            let before = out.len();
            if !matches!(
                program.to_ascii_lowercase().as_str(),
                "echo"
                    | "write-output"
                    | "write-host"
                    | "write"
                    | "cd"
                    | "set-location"
                    | "sl"
                    | "chdir"
            ) {
                for operand in &operands {
                    files::read_path(&path(operand), out);
                }
            }
            if out.len() == before {
                out.push(Finding::new(
                    "windows.read",
                    Effect::Read,
                    Scope::Workspace,
                    format!("`{program}` only reads."),
                ));
            }
        }
        Does::Write => match operands.first() {
            Some(target) => out.push(files::write(&path(target), program, "writes")),
            None => out.push(Finding::new(
                "windows.write",
                Effect::Write,
                Scope::Workspace,
                format!("`{program}` writes what the pipeline gives it."),
            )),
        },
        Does::Copy => {
            if let Some((destination, sources)) = operands.split_last() {
                for source in sources {
                    files::read_path(&path(source), out);
                }
                out.push(files::write(&path(destination), program, "writes"));
            }
            if out.is_empty() {
                out.push(machine(
                    "windows.copy",
                    Effect::Write,
                    format!("`{program}` copies files."),
                ));
            }
        }
        Does::Delete => {
            for target in &operands {
                out.push(files::delete(&path(target), program));
            }
            if operands.is_empty() {
                out.push(machine(
                    "windows.delete",
                    Effect::Destroy,
                    format!("`{program}` deletes what the pipeline gives it."),
                ));
            }
        }
        Does::Kill => out.push(
            machine(
                "proc.kill",
                Effect::Write,
                format!("`{program}` stops running processes."),
            )
            .floor(Tier::Risky),
        ),
        Does::Power => out.push(
            machine(
                "system.power",
                Effect::Write,
                format!("`{program}` takes the machine down."),
            )
            .floor(Tier::Risky),
        ),
        Does::System => {
            let reads = operands.first().is_some_and(|verb| {
                matches!(
                    verb.to_ascii_lowercase().as_str(),
                    "query" | "list" | "show" | "view" | "get"
                )
            });
            out.push(if reads {
                machine(
                    "system.read",
                    Effect::Read,
                    format!("`{program}` only reads the machine's set-up."),
                )
            } else {
                machine(
                    "system.admin",
                    Effect::Write,
                    format!("`{program}` changes how the machine is set up."),
                )
                .floor(Tier::Risky)
            });
        }
        Does::Disk => {
            let target = operands.first().map(|t| t.to_string()).unwrap_or_default();
            out.push(
                machine(
                    "fs.format",
                    Effect::Destroy,
                    format!("`{program}` erases a disk or volume {target}."),
                )
                .floor(Tier::Critical)
                .resource(target),
            );
        }
        Does::Environment if !operands.is_empty() && program.eq_ignore_ascii_case("set") => {
            out.push(machine(
                "system.env",
                Effect::Write,
                "`set` sets a variable for this shell.".into(),
            ));
        }
        Does::Environment => out.push(
            machine(
                "secrets.env",
                Effect::Read,
                "Prints environment variables, which often hold tokens and keys.".into(),
            )
            .floor(Tier::Risky),
        ),
        Does::Invoke => match command.args.first() {
            Some(text) if !text.contains('$') && !text.contains('(') => {
                runs.push(Runs::PowerShell(text.clone()))
            }
            _ => out.push(super::code::unreadable(
                program,
                "PowerShell it builds at run time",
            )),
        },
        Does::Start => match operands.first() {
            Some(target) => {
                let arguments = command.value(&["-ArgumentList", "-Args"]).unwrap_or("");
                runs.push(Runs::PowerShell(format!("{target} {arguments}")));
            }
            None => out.push(super::code::unreadable(program, "a program it is not told")),
        },
        Does::Web => {
            let method = command.value(&["-Method"]).unwrap_or("GET");
            let url = command
                .value(&["-Uri"])
                .or_else(|| operands.iter().copied().find(|o| o.contains("://")))
                .unwrap_or("");
            out.push(super::http(
                method,
                url,
                command.value(&["-Body"]).unwrap_or(""),
            ));
            if let Some(file) = command.value(&["-OutFile"]) {
                out.push(files::write(&path(file), program, "writes"));
            }
        }
        Does::Guard => out.push(
            machine(
                "guard.windows",
                Effect::Write,
                format!("`{program}` turns a safety setting of the machine off or changes it."),
            )
            .floor(Tier::Risky),
        ),
    }
    true
}

/// `powershell -Command TEXT`, `pwsh -File F`, `cmd /c TEXT`.
fn shell(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) -> bool {
    let program = command.program;
    let args: Vec<&str> = command.args.iter().map(String::as_str).collect();
    let lower = program.to_ascii_lowercase();
    if lower.starts_with("cmd") {
        let at = args
            .iter()
            .position(|a| a.eq_ignore_ascii_case("/c") || a.eq_ignore_ascii_case("/k"));
        match at {
            Some(at) => runs.push(Runs::Cmd(args[at + 1..].join(" "))),
            None => out.push(super::code::unreadable(program, "an interactive shell")),
        }
        return true;
    }
    let named = |names: &[&str]| {
        args.iter()
            .position(|a| names.iter().any(|n| a.eq_ignore_ascii_case(n)))
    };
    if named(&["-EncodedCommand", "-enc", "-e", "-ec"]).is_some() {
        out.push(super::code::unreadable(
            program,
            "an encoded command (`-EncodedCommand`)",
        ));
    } else if let Some(at) = named(&["-Command", "-c"]) {
        runs.push(Runs::PowerShell(args[at + 1..].join(" ")));
    } else if let Some(at) = named(&["-File", "-f"]) {
        match args.get(at + 1) {
            Some(file) => runs.push(Runs::File {
                path: file.replace('\\', "/"),
                language: Some(super::Language::PowerShell),
            }),
            None => out.push(super::code::unreadable(program, "a script it is not told")),
        }
    } else {
        let script: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .collect();
        if script.is_empty() {
            out.push(super::code::unreadable(program, "an interactive shell"));
        } else {
            runs.push(Runs::PowerShell(script.join(" ")));
        }
    }
    true
}

/// The commands of a PowerShell or cmd.exe script, as words: split at `;`, `|`, `&&`, `||`,
/// `&` and new lines outside quotes; parentheses and cmd's `if exist X (…) else (…)` opened up.
pub fn statements(text: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    let end_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    let end_command = |words: &mut Vec<String>, commands: &mut Vec<Vec<String>>| {
        let mut taken = std::mem::take(words);
        // cmd: `if [not] exist PATH COMMAND…` runs COMMAND; `else` starts another.
        while let Some(first) = taken.first().map(|w| w.to_ascii_lowercase()) {
            match first.as_str() {
                "if" => {
                    let skip = 1 + usize::from(
                        taken.get(1).is_some_and(|w| w.eq_ignore_ascii_case("not")),
                    );
                    let skip = skip
                        + if taken.get(skip).is_some_and(|w| {
                            w.eq_ignore_ascii_case("exist") || w.eq_ignore_ascii_case("defined")
                        }) {
                            2
                        } else {
                            1
                        };
                    taken.drain(..skip.min(taken.len()));
                }
                "else" | "do" | "then" => {
                    taken.remove(0);
                }
                _ => break,
            }
        }
        if !taken.is_empty() {
            commands.push(taken);
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '`') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, ';' | '\n' | '|' | '&' | '(' | ')' | '{' | '}') => {
                if c == '&' && chars.peek() == Some(&'&') || c == '|' && chars.peek() == Some(&'|')
                {
                    chars.next();
                }
                end_word(&mut word, &mut words);
                end_command(&mut words, &mut commands);
            }
            (None, c) if c.is_whitespace() => end_word(&mut word, &mut words),
            (None, c) => word.push(c),
        }
    }
    end_word(&mut word, &mut words);
    end_command(&mut words, &mut commands);
    // PowerShell operators between expressions (`-replace`, `-eq`) are not commands.
    commands.retain(|words| !words[0].starts_with('-') && !words[0].starts_with('$'));
    commands
}

/// Whether `text`, which the POSIX parser could not read, looks like PowerShell or cmd.exe.
pub fn looks_like_windows(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("get-")
        || lower.contains("set-content")
        || lower.contains("select-object")
        || lower.contains("if exist")
        || lower.contains("if not exist")
        || lower.contains("%~")
        || lower.contains(":\\")
        || lower.contains("$env:")
        || lower.contains("-replace")
        || lower.contains("write-host")
        || lower.contains("remove-item")
}
