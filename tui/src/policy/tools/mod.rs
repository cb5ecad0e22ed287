//! Knowledge of the programs agents run, one module per family. Each looks at one simple command
//! (wrappers already unwrapped by the shell walker) and adds what it finds.

mod agents;
mod catalogue;
pub mod cli;
pub mod code;
mod containers;
mod databases;
pub mod embedded;
pub mod files;
pub mod frameworks;
mod git;
mod iac;
mod kube;
mod net;
mod packages;
mod secrets;
mod system;
pub mod targets;
pub mod windows;

pub use cli::infra;
pub use databases::sql_findings as databases_sql;
pub use net::http;

use super::Context;
use super::finding::Finding;

/// One simple command as it will run.
pub struct Command<'a> {
    /// The program's file name, without directory or a leading backslash.
    pub program: &'a str,
    /// The words after the program.
    pub args: &'a [String],
    /// What it reads on standard input, when the script says: a here-doc, a here-string, or the
    /// text `echo`/`printf` pipe into it.
    pub stdin: Option<&'a str>,
    /// Where it runs (after any `cd` earlier in the script).
    pub cwd: &'a str,
}

impl Command<'_> {
    pub fn has(&self, flag: &str) -> bool {
        self.args.iter().any(|arg| arg == flag)
    }

    /// Whether a short flag letter appears in any bundle (`-rf` has `r` and `f`).
    pub fn has_short(&self, letter: char) -> bool {
        self.args
            .iter()
            .any(|arg| arg.starts_with('-') && !arg.starts_with("--") && arg[1..].contains(letter))
    }

    /// The value of `--flag VALUE`, `--flag=VALUE` or `-f VALUE`.
    pub fn value(&self, names: &[&str]) -> Option<&str> {
        let mut args = self.args.iter();
        while let Some(arg) = args.next() {
            if names.contains(&arg.as_str()) {
                return args.next().map(String::as_str);
            }
            if let Some((flag, value)) = arg.split_once('=')
                && names.contains(&flag)
            {
                return Some(value);
            }
            // `-XDELETE`: a short option with its value attached.
            if let Some(name) = names.iter().find(|n| {
                n.len() == 2
                    && !n.starts_with("--")
                    && arg.len() > 2
                    && arg.starts_with(**n)
                    && !arg.starts_with("--")
            }) {
                return Some(&arg[name.len()..]);
            }
        }
        None
    }

    /// Every `-c VALUE` style value of a repeated flag.
    pub fn values(&self, names: &[&str]) -> Vec<&str> {
        let mut found = Vec::new();
        let mut args = self.args.iter();
        while let Some(arg) = args.next() {
            if names.contains(&arg.as_str()) {
                if let Some(value) = args.next() {
                    found.push(value.as_str());
                }
            } else if let Some((flag, value)) = arg.split_once('=')
                && names.contains(&flag)
            {
                found.push(value);
            }
        }
        found
    }

    /// The arguments that are neither flags nor the values of the flags in `value_flags`.
    pub fn operands(&self, value_flags: &[&str]) -> Vec<&str> {
        let mut out = Vec::new();
        let mut args = self.args.iter();
        while let Some(arg) = args.next() {
            if arg == "--" {
                out.extend(args.map(String::as_str));
                break;
            }
            if value_flags.contains(&arg.as_str()) {
                args.next();
            } else if !arg.starts_with('-') || arg == "-" {
                out.push(arg.as_str());
            }
        }
        out
    }

    /// The arguments that are not flags (a `--` ends the flags).
    pub fn positionals(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut flags_done = false;
        for arg in self.args {
            if flags_done || !arg.starts_with('-') || arg == "-" {
                out.push(arg.as_str());
            } else if arg == "--" {
                flags_done = true;
            }
        }
        out
    }
}

/// Programs that run containers through a daemon, which may be on another host.
pub fn is_container_engine(program: &str) -> bool {
    matches!(program, "docker" | "podman" | "nerdctl" | "docker-compose")
}

/// What a program runs besides what its findings say, for the walker to read and judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runs {
    /// Shell text: `python -c "os.system('…')"`, `tar --to-command=…`, `su -c …`.
    Script(String),
    /// A program's source file (`./deploy.sh`, `python tool.py`): judged by its content, and
    /// risky when it cannot be read. `None`: the language is the file's own (`#!`, extension).
    File {
        path: String,
        language: Option<Language>,
    },
    /// A script of the project's package.json (`npm run build`): judged when it can be read.
    PackageScript(String),
    /// A file the program runs when it is there (`pip install .` runs `setup.py`): judged when
    /// it can be read.
    OptionalFile { path: String, language: Language },
    /// PowerShell text (`powershell -Command …`, `iex '…'`).
    PowerShell(String),
    /// cmd.exe text (`cmd /c …`).
    Cmd(String),
}

pub use code::Language;

/// What the program is known to do: findings in `out`, and what it runs in `runs`, for the
/// walker. False when signoff knows nothing about the program.
pub fn classify(
    command: &Command,
    context: &Context,
    out: &mut Vec<Finding>,
    runs: &mut Vec<Runs>,
) -> bool {
    let before = (out.len(), runs.len());
    // What it shows adds to what it does (`set` prints every variable and changes nothing).
    let shows_secrets = secrets::classify(command, out);
    if !matches!(command.program, "signoff" | "signoff-hook")
        && agents::signoff_socket(command, out)
    {
        return true;
    }
    if embedded::classify(command, out, runs) {
        return true;
    }
    if shows_secrets && matches!(command.program, "set" | "export" | "declare" | "typeset") {
        return true;
    }
    if frameworks::classify(command, out) {
        return true;
    }
    // `python3.12`, `node20`: the interpreter, whatever its version.
    let interpreter = Language::of_program(command.program) != Language::Other
        || matches!(command.program, "R" | "Rscript" | "julia");
    match command.program {
        _ if interpreter
            && !(command.program == "perl" && command.has_short('i'))
            && !(command.program == "deno"
                && command
                    .args
                    .first()
                    .is_some_and(|verb| verb != "eval" && verb != "run")) =>
        {
            code::classify(command, out, runs);
        }
        "git" => git::classify(command, context, out),
        "kubectl" | "oc" | "helm" | "kustomize" | "argocd" | "k9s" => kube::classify(command, out),
        "terraform" | "tofu" | "terragrunt" | "pulumi" | "cdk" | "cdktf" => {
            iac::classify(command, out)
        }
        "ansible" | "ansible-playbook" => iac::ansible(command, out),
        "psql" | "mysql" | "mariadb" | "sqlite3" | "redis-cli" | "mongo" | "mongosh" | "prisma"
        | "drizzle-kit" | "alembic" | "rails" | "rake" | "supabase" | "clickhouse-client"
        | "cqlsh" | "dropdb" | "createdb" | "mysqladmin" => databases::classify(command, out, runs),
        program if is_container_engine(program) => containers::classify(command, out),
        "curl" | "wget" | "http" | "https" | "xh" | "httpie" => net::classify(command, out),
        "npm" | "pnpm" | "yarn" | "bun" | "pip" | "pip3" | "uv" | "poetry" | "cargo" | "twine"
        | "gem" | "go" | "gh" | "brew" | "apt" | "apt-get" | "yum" | "dnf" | "pacman" | "apk"
        | "npx" => packages::classify(command, out, runs),
        "claude" | "codex" | "gemini" | "q" | "cursor-agent" | "aider" | "amp" => {
            agents::classify(command, out)
        }
        "signoff" | "signoff-hook" => agents::signoff(command, out),
        _ => {
            let _ = files::classify(command, out)
                || system::classify(command, out)
                || cli::classify_cloud(command, out)
                || windows::classify(command, out, runs)
                || catalogue::classify(command, out);
        }
    }
    (out.len(), runs.len()) != before
}

#[cfg(test)]
mod tests;
