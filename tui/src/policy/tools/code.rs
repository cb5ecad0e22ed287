//! Interpreters: a script file is workspace work; a one-liner is judged by what it calls — a
//! deletion deletes, a shell-out runs its command, and one that touches nothing only reads.

use regex::Regex;
use std::sync::LazyLock;

use super::Command;
use super::files;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

/// Calls that delete files, in the languages agents use for one-liners.
static DELETES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"shutil\.rmtree|os\.(?:remove|unlink|rmdir|removedirs)|\.(?:unlink|rmdir|rmSync|unlinkSync|rmdirSync|rm)\s*\(|rimraf|Deno\.remove|FileUtils\.rm|File\.delete|Dir\.rmdir|\bunlink\s*\(|remove_tree|send2trash",
    )
    .expect("valid regex")
});

/// Calls that run a shell command given as a string.
static SHELLS_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"os\.system|os\.popen|subprocess\.\w+|execSync|spawnSync|child_process|\bexec\s*\(|\bsystem\s*\(|%x|Open3").expect("valid regex")
});

/// Anything that could change something: a one-liner using none of these only computes and prints.
static SIDE_EFFECTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bos\b|shutil|subprocess|open\s*\(|write|\bfs\b|child_process|exec|eval|system|requests|urllib|http|socket|fetch|axios|pathlib|Path\(|unlink|remove|\brm|delete|drop|kill|spawn|\bFile\b|\bDir\b|IO\.|`|%x|sqlite|psycopg|sqlalchemy|boto|redis|mongo",
    )
    .expect("valid regex")
});

/// `import x` / `require('x')`: the modules a one-liner loads.
static IMPORTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:import|require)\s*\(?\s*['"]?([\w.]+)"#).expect("valid regex")
});
/// Modules that only compute.
const PURE_MODULES: &[&str] = &[
    "json",
    "math",
    "sys",
    "re",
    "datetime",
    "time",
    "random",
    "platform",
    "string",
    "itertools",
    "collections",
    "decimal",
    "fractions",
    "statistics",
    "textwrap",
    "uuid",
    "base64",
    "hashlib",
    "util",
    "path",
];

static STRING_LITERAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"'([^']*)'|"([^"]*)""#).expect("valid regex"));

/// The first string literal that starts after `at`.
fn literal_after(code: &str, at: usize) -> Option<&str> {
    STRING_LITERAL
        .captures_iter(code)
        .find(|c| c.get(0).is_some_and(|m| m.start() >= at))
        .and_then(|c| c.get(1).or(c.get(2)))
        .map(|m| m.as_str())
}

/// What an interpreter runs: findings, plus a shell command the code runs, for the walker.
pub fn classify(command: &Command, out: &mut Vec<Finding>) -> Option<String> {
    let program = command.program;
    let code = command.value(&["-c", "-e", "--eval", "-p", "--print", "-r"]);
    let positionals = command.positionals();
    if code.is_none()
        && command.args.iter().all(|a| {
            matches!(
                a.as_str(),
                "--version" | "-V" | "-v" | "--help" | "-h" | "version"
            )
        })
        && !command.args.is_empty()
    {
        out.push(Finding::new(
            "code.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program}` only prints its version or help."),
        ));
        return None;
    }
    if code.is_none() && positionals.first() == Some(&"manage.py") {
        let verb = positionals.get(1).copied().unwrap_or("");
        out.push(match verb {
            "flush" | "reset_db" | "sqlflush" => Finding::new(
                "db.reset",
                Effect::Destroy,
                Scope::Remote,
                "`manage.py flush` deletes every row in the database.",
            ),
            "migrate" | "loaddata" | "createsuperuser" | "dbshell" | "shell" => Finding::new(
                "db.migrate",
                Effect::Write,
                Scope::Remote,
                format!("`manage.py {verb}` changes the application's database."),
            ),
            _ => Finding::new(
                "app.task",
                Effect::Write,
                Scope::Workspace,
                format!("`manage.py {verb}` runs in the workspace."),
            ),
        });
        return None;
    }
    let Some(code) = code else {
        out.push(Finding::new(
            "code.run",
            Effect::Write,
            Scope::Workspace,
            format!("Runs a `{program}` program in the workspace."),
        ));
        return None;
    };
    if let Some(found) = SHELLS_OUT.find(code) {
        if let Some(inner) = literal_after(code, found.start()) {
            return Some(inner.to_string());
        }
        out.push(Finding::new(
            "code.shell-out",
            Effect::Write,
            Scope::Machine,
            format!("The `{program}` one-liner runs commands signoff cannot see."),
        ));
        return None;
    }
    if let Some(found) = DELETES.find(code) {
        match literal_after(code, found.start() + 1).filter(|t| !t.is_empty()) {
            Some(target) => out.push(files::delete(
                &paths::describe(target, command.cwd),
                &format!("{program} -c"),
            )),
            None => out.push(Finding::new(
                "code.delete",
                Effect::Destroy,
                Scope::Machine,
                format!("The `{program}` one-liner deletes files."),
            )),
        }
    } else if SIDE_EFFECTS.is_match(code)
        || IMPORTS
            .captures_iter(code)
            .any(|c| !PURE_MODULES.contains(&c[1].split('.').next().unwrap_or("")))
    {
        out.push(Finding::new(
            "code.inline",
            Effect::Write,
            Scope::Workspace,
            format!("Runs a `{program}` one-liner in the workspace."),
        ));
    } else {
        out.push(Finding::new(
            "code.read",
            Effect::Read,
            Scope::Workspace,
            format!("The `{program}` one-liner only computes and prints."),
        ));
    }
    None
}
