//! Text tools whose arguments run or write: awk, sed, split, rg, man, find.

use regex::Regex;
use std::sync::LazyLock;

use super::super::{Command, files};
use super::{literal_at, unreadable};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

pub(super) fn split(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    if let Some(filter) = command.value(&["--filter"]) {
        runs.push(filter.to_string());
    }
    let operands = command.operands(&[
        "-l",
        "--lines",
        "-b",
        "--bytes",
        "-C",
        "--line-bytes",
        "-n",
        "--number",
        "-a",
        "--suffix-length",
        "--additional-suffix",
        "-t",
        "--separator",
    ]);
    if let Some(input) = operands.first() {
        files::read_path(&paths::describe(input, command.cwd), out);
    }
    let prefix = operands.get(1).copied().unwrap_or("x");
    out.push(files::write(
        &paths::describe(prefix, command.cwd),
        program,
        "writes pieces named",
    ));
    true
}

pub(super) fn rg(command: &Command, _out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    if let Some(pre) = command.value(&["--pre"]) {
        runs.push(pre.to_string());
    }
    false
}

pub(super) fn man(command: &Command, _out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    if let Some(pager) = command.value(&["-P", "--pager", "-H", "--html"]) {
        runs.push(pager.to_string());
    }
    false
}

pub(super) fn find(command: &Command, out: &mut Vec<Finding>, _runs: &mut Vec<String>) -> bool {
    let program = command.program;
    for file in command.values(&["-fprint", "-fprint0", "-fls", "-fprintf"]) {
        out.push(files::write(
            &paths::describe(file, command.cwd),
            program,
            "writes",
        ));
    }
    false
}

/// awk: the program is the first operand (or `-f FILE`). `system("…")` and `"…" | getline`
/// run commands; `print > "file"` writes one.
pub(super) fn awk(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let value_flags = [
        "-F",
        "-v",
        "-f",
        "--file",
        "--assign",
        "--field-separator",
        "-i",
        "--include",
        "-l",
        "--load",
        "-E",
        "--exec",
    ];
    let operands = command.operands(&value_flags);
    if let Some(file) = command.value(&["-f", "--file", "-E", "--exec"]) {
        out.push(unreadable(program, &format!("the awk program in {file}")));
        return true;
    }
    let Some(code) = operands.first() else {
        out.push(unreadable(program, "an awk program from its input"));
        return true;
    };
    static SYSTEM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\bsystem\s*\(").expect("valid regex"));
    static PIPE_TO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\|\s*&?\s*("[^"]*"|'[^']*'|[A-Za-z_]\w*)"#).expect("valid regex")
    });
    static PIPE_FROM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"("[^"]*"|[A-Za-z_]\w*)\s*\|\s*getline"#).expect("valid regex")
    });
    static WRITE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:print|printf)[^;}>|]*>>?\s*"([^"]+)""#).expect("valid regex")
    });
    let mut runs_code = false;
    for found in SYSTEM.find_iter(code) {
        runs_code = true;
        match literal_at(code, found.end()) {
            Some(inner) => runs.push(inner),
            None => out.push(unreadable(
                program,
                "a command built at run time (`system(…)`)",
            )),
        }
    }
    for captures in PIPE_TO
        .captures_iter(code)
        .chain(PIPE_FROM.captures_iter(code))
    {
        let target = &captures[1];
        runs_code = true;
        match target.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(literal) => runs.push(literal.to_string()),
            None => out.push(unreadable(program, "a command built at run time (a pipe)")),
        }
    }
    for captures in WRITE.captures_iter(code) {
        out.push(files::write(
            &paths::describe(&captures[1], command.cwd),
            program,
            "writes",
        ));
    }
    static COMPUTED_WRITE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:print|printf)[^;}>|]*>>?\s*[^"\s]"#).expect("valid regex")
    });
    if COMPUTED_WRITE.is_match(code) {
        out.push(unreadable(
            program,
            "writes to a file whose name it computes",
        ));
    }
    let _ = runs_code;
    for file in &operands[1..] {
        files::read_path(&paths::describe(file, command.cwd), out);
    }
    out.push(Finding::new(
        "known.read",
        Effect::Read,
        Scope::Workspace,
        format!("`{program}` reads and prints text."),
    ));
    true
}

/// sed: `-i` edits files in place; the `e` command and `s///e` run commands; `w FILE` writes.
/// Returns true when it judged the command (false leaves plain reading to the readers).
pub(super) fn sed(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let value_flags = ["-e", "--expression", "-f", "--file", "-l", "--line-length"];
    let mut scripts: Vec<&str> = command.values(&["-e", "--expression"]);
    let mut operands = command.operands(&value_flags);
    if let Some(file) = command.value(&["-f", "--file"]) {
        out.push(unreadable(program, &format!("the sed script in {file}")));
        return true;
    }
    if scripts.is_empty() && !operands.is_empty() {
        scripts.push(operands.remove(0));
    }
    let mut judged = false;
    for script in &scripts {
        for step in sed_commands(script) {
            judged |= !matches!(step, SedStep::Other);
            match step {
                SedStep::Execute(Some(inner)) => runs.push(inner),
                SedStep::Execute(None) => {
                    out.push(unreadable(program, "lines of text as commands (`e`)"))
                }
                SedStep::Write(file) => out.push(files::write(
                    &paths::describe(&file, command.cwd),
                    program,
                    "writes",
                )),
                SedStep::Other => {}
            }
        }
    }
    let in_place =
        command.has_short('i') || command.args.iter().any(|a| a.starts_with("--in-place"));
    if in_place {
        judged = true;
        for file in &operands {
            out.push(files::write(
                &paths::describe(file, command.cwd),
                "sed -i",
                "edits",
            ));
        }
    }
    if judged {
        for file in operands.iter().filter(|_| !in_place) {
            files::read_path(&paths::describe(file, command.cwd), out);
        }
    }
    judged
}

enum SedStep {
    /// `e COMMAND`, or `e` / `s///e` running text as a command (`None`: not known here).
    Execute(Option<String>),
    /// `w FILE`, `W FILE`, `s///w FILE`.
    Write(String),
    Other,
}

/// The commands of a sed script that run or write something.
fn sed_commands(script: &str) -> Vec<SedStep> {
    let mut steps = Vec::new();
    let chars: Vec<char> = script.chars().collect();
    let line_end = |from: usize| {
        chars[from.min(chars.len())..]
            .iter()
            .position(|c| *c == '\n' || *c == ';')
            .map_or(chars.len(), |p| from + p)
    };
    let text = |from: usize, to: usize| -> String {
        chars[from.min(to)..to]
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    };
    let mut at = 0;
    while at < chars.len() {
        while at < chars.len() && (chars[at].is_whitespace() || ";{}".contains(chars[at])) {
            at += 1;
        }
        // The address: line numbers, `$`, `/regex/`, ranges, `!`.
        while at < chars.len() {
            match chars[at] {
                c if c.is_ascii_digit() || " $,!~+".contains(c) => at += 1,
                '/' => {
                    at += 1;
                    while at < chars.len() && chars[at] != '/' {
                        at += if chars[at] == '\\' { 2 } else { 1 };
                    }
                    at += 1;
                }
                _ => break,
            }
        }
        let Some(&verb) = chars.get(at) else { break };
        at += 1;
        match verb {
            'e' => {
                let end = line_end(at);
                let argument = text(at, end);
                steps.push(SedStep::Execute((!argument.is_empty()).then_some(argument)));
                at = end;
            }
            'w' | 'W' => {
                let end = line_end(at);
                steps.push(SedStep::Write(text(at, end)));
                at = end;
            }
            's' | 'y' => {
                let Some(&delimiter) = chars.get(at) else {
                    break;
                };
                at += 1;
                let mut parts = 0;
                while at < chars.len() && parts < 2 {
                    if chars[at] == '\\' {
                        at += 2;
                        continue;
                    }
                    if chars[at] == delimiter {
                        parts += 1;
                    }
                    at += 1;
                }
                let flags_start = at;
                while at < chars.len() && "gpiIeMm0123456789".contains(chars[at]) {
                    at += 1;
                }
                if verb == 's' && text(flags_start, at).contains('e') {
                    steps.push(SedStep::Execute(None));
                }
                if verb == 's' && chars.get(at) == Some(&'w') {
                    let end = line_end(at + 1);
                    steps.push(SedStep::Write(text(at + 1, end)));
                    at = end;
                }
            }
            _ => {
                // Commands with text after them (`a`, `i`, `c`, `r`, labels) end at the line.
                if "aicrRbtT:".contains(verb) {
                    at = line_end(at);
                }
                steps.push(SedStep::Other);
            }
        }
    }
    steps
}
