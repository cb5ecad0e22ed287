//! Interpreters: a program given inline (`python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`,
//! `lua -e`, `deno eval`, `bun -e`), on standard input (a here-doc), or in a file (read by the
//! walker and judged here) is read for what it does — what it runs, deletes, writes and reads,
//! the requests it makes by method, the SQL it sends, the secrets it prints. What it runs and
//! cannot be read, or code it builds at run time, is risky. A program that does none of these
//! only computes and prints.

use signoff_protocol::Tier;

mod read;

use super::files;
use super::{Command, Runs};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;
pub use read::judge;

/// The languages signoff reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    JavaScript,
    Ruby,
    Perl,
    Php,
    Lua,
    /// A shell script: the walker reads it as the script it is.
    Shell,
    /// PowerShell and cmd.exe scripts: read as their commands (`tools::windows`).
    PowerShell,
    Other,
}

impl Language {
    pub fn of_program(program: &str) -> Language {
        match program {
            p if p.starts_with("python")
                && p[6..].chars().all(|c| c.is_ascii_digit() || c == '.') =>
            {
                Language::Python
            }
            "pypy" | "pypy3" => Language::Python,
            "node" | "nodejs" | "deno" => Language::JavaScript,
            "ruby" | "irb" => Language::Ruby,
            "perl" => Language::Perl,
            "php" => Language::Php,
            "lua" | "luajit" => Language::Lua,
            "R" | "Rscript" | "julia" => Language::Other,
            _ => Language::Other,
        }
    }

    /// The language of a source file: its `#!` line, else its extension.
    pub fn of_file(path: &str, text: &str) -> Option<Language> {
        if let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("#!")) {
            let mut words = line.split_whitespace();
            let interpreter = words.next().unwrap_or("").rsplit('/').next().unwrap_or("");
            let interpreter = if interpreter == "env" {
                words.find(|w| !w.starts_with('-')).unwrap_or("")
            } else {
                interpreter
            };
            return Some(match interpreter {
                "sh" | "bash" | "zsh" | "dash" | "ksh" => Language::Shell,
                other => match Language::of_program(other) {
                    Language::Other => return None,
                    language => language,
                },
            });
        }
        let ext = path.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "sh" | "bash" | "zsh" => Language::Shell,
            "ps1" | "psm1" | "bat" | "cmd" => Language::PowerShell,
            "py" => Language::Python,
            "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" | "jsx" | "tsx" => Language::JavaScript,
            "rb" => Language::Ruby,
            "pl" | "pm" => Language::Perl,
            "php" => Language::Php,
            "lua" => Language::Lua,
            _ => return None,
        })
    }

    fn hash_comments(self) -> bool {
        matches!(
            self,
            Language::Python | Language::Ruby | Language::Perl | Language::Php
        )
    }

    fn slash_comments(self) -> bool {
        matches!(self, Language::JavaScript | Language::Php)
    }
}

/// Python modules run with `-m` that are programs signoff knows by their own name.
const MODULES_AS_PROGRAMS: &[&str] = &[
    "pip",
    "pytest",
    "black",
    "isort",
    "ruff",
    "mypy",
    "flake8",
    "pylint",
    "pyright",
    "coverage",
    "tox",
    "nox",
    "twine",
    "build",
    "uvicorn",
    "gunicorn",
    "flask",
    "django",
    "alembic",
    "poetry",
    "pre_commit",
    "pipx",
    "jupyter",
    "ipython",
    "unittest",
    "doctest",
    "pydoc",
    "venv",
    "http.server",
    "json.tool",
    "timeit",
    "compileall",
    "ensurepip",
    "zipapp",
    "cProfile",
    "pip-compile",
    "pipdeptree",
    "mkdocs",
    "sphinx",
    "grpc_tools.protoc",
    "piptools",
];

/// What an interpreter command runs: findings in `out`, and what the walker must read or run.
pub fn classify(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) {
    let program = command.program;
    let language = Language::of_program(program);
    let code = match program {
        "deno" if command.args.first().is_some_and(|a| a == "eval") => {
            command.args.get(1).map(String::as_str)
        }
        "php" => command.value(&["-r", "--run"]),
        // `perl -ne CODE`, `ruby -lane CODE`: the code follows a bundle ending in `e`.
        "perl" | "ruby" => command
            .args
            .iter()
            .position(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with(['e', 'E']))
            .and_then(|at| command.args.get(at + 1))
            .map(String::as_str),
        _ => command.value(&["-c", "-e", "--eval", "-p", "--print", "-E"]),
    };
    let positionals = command.positionals();
    if code.is_none()
        && !command.args.is_empty()
        && command.args.iter().all(|a| {
            matches!(
                a.as_str(),
                "--version" | "-V" | "-v" | "--help" | "-h" | "version"
            )
        })
    {
        out.push(read(format!(
            "`{program}` only prints its version or help."
        )));
        return;
    }
    if let Some(code) = code {
        // `perl -ne 'print if /x/' file`: the files it reads.
        for file in positionals.iter().filter(|p| **p != code) {
            files::read_path(&paths::describe(file, command.cwd), out);
        }
        judge(language, program, code, command.cwd, out, runs);
        return;
    }
    if (program == "php" && command.has("-l"))
        || (matches!(program, "ruby" | "perl") && command.has("-c"))
        || (program.starts_with("python") && command.value(&["-m"]) == Some("py_compile"))
    {
        out.push(read(format!(
            "`{program}` only checks the program's syntax."
        )));
        return;
    }
    if let Some(module) = command.value(&["-m"]) {
        let rest: Vec<&str> = command
            .args
            .iter()
            .skip_while(|a| *a != "-m")
            .skip(2)
            .map(String::as_str)
            .collect();
        if MODULES_AS_PROGRAMS.contains(&module) {
            // `python -m build` is pypa's build, whose command is `pyproject-build`.
            let name = match module {
                "build" => "pyproject-build".to_string(),
                module => module.replace('_', "-"),
            };
            runs.push(Runs::Script(format!("{name} {}", rest.join(" "))));
        } else {
            out.push(unreadable(program, &format!("the module `{module}`")));
        }
        return;
    }

    match (positionals.first(), command.stdin) {
        (Some(file), _) if *file != "-" => runs.push(Runs::File {
            path: file.to_string(),
            language: Some(language),
        }),
        (_, Some(text)) => judge(language, program, text, command.cwd, out, runs),
        _ => out.push(unreadable(program, "an interactive session")),
    }
}

fn read(why: String) -> Finding {
    Finding::new("code.read", Effect::Read, Scope::Workspace, why)
}

/// Code signoff cannot read: at least risky, and the reason says what it is.
pub fn unreadable(program: &str, what: &str) -> Finding {
    Finding::new(
        "code.unreadable",
        Effect::Write,
        Scope::Machine,
        format!("`{program}` runs {what}, which signoff cannot read; a person decides."),
    )
    .floor(Tier::Risky)
}
