//! Knowledge of the programs agents run, one module per family. Each looks at one simple command
//! (wrappers already unwrapped by the shell walker) and adds what it finds.

mod agents;
pub mod cli;
mod code;
mod containers;
mod databases;
pub mod files;
mod git;
mod iac;
mod kube;
mod net;
mod packages;
mod system;
pub mod targets;

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

/// What classifying a program found out.
pub enum Classified {
    Known,
    /// signoff knows nothing about the program.
    Unknown,
    /// The program runs this shell command (`python -c "os.system('…')"`), which the walker judges.
    RunsScript(String),
}

/// What the program is known to do.
pub fn classify(command: &Command, context: &Context, out: &mut Vec<Finding>) -> Classified {
    let before = out.len();
    match command.program {
        "git" => git::classify(command, context, out),
        "kubectl" | "oc" | "helm" | "kustomize" | "argocd" | "k9s" => kube::classify(command, out),
        "terraform" | "tofu" | "terragrunt" | "pulumi" | "cdk" | "cdktf" => {
            iac::classify(command, out)
        }
        "ansible" | "ansible-playbook" => iac::ansible(command, out),
        "psql" | "mysql" | "mariadb" | "sqlite3" | "redis-cli" | "mongo" | "mongosh" | "prisma"
        | "drizzle-kit" | "alembic" | "rails" | "rake" | "supabase" | "clickhouse-client"
        | "cqlsh" => databases::classify(command, out),
        program if is_container_engine(program) => containers::classify(command, out),
        "curl" | "wget" | "http" | "https" | "xh" | "httpie" => net::classify(command, out),
        "npm" | "pnpm" | "yarn" | "bun" | "pip" | "pip3" | "uv" | "poetry" | "cargo" | "twine"
        | "gem" | "go" | "gh" | "brew" | "apt" | "apt-get" | "yum" | "dnf" | "pacman" | "apk"
        | "npx" => packages::classify(command, out),
        "claude" | "codex" | "gemini" | "q" | "cursor-agent" | "aider" | "amp" => {
            agents::classify(command, out)
        }
        // `perl -pi -e` edits files in place, like `sed -i`.
        "python" | "python3" | "node" | "deno" | "ruby" | "perl" | "php"
            if !(command.program == "perl" && command.has_short('i')) =>
        {
            if let Some(script) = code::classify(command, out) {
                return Classified::RunsScript(script);
            }
        }
        _ => {
            if !files::classify(command, out) && !system::classify(command, out) {
                cli::classify_cloud(command, out);
            }
        }
    }
    if out.len() > before {
        Classified::Known
    } else {
        Classified::Unknown
    }
}

#[cfg(test)]
mod tests;
