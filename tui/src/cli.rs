//! The `signoff` command line.
// A command-line front end: it prints results to stdout and errors to stderr, before and after
// the screen runs.
#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use signoff_agent_sdk::{Action, ActionKind, Environment, SessionInfo, ShellCommand};

use crate::console::{Console, ConsoleOptions};
use crate::policy::{Engine, Policy};
use crate::queue::QueueConfig;
use crate::run_command::{self, RunOptions};
use crate::ui::{Keymap, UiOptions};

/// signoff — a terminal approval console for AI agents.
///
/// With no command, opens the console: agents report each planned action to it; read-only and
/// reversible actions stream through, risky ones wait for y/n, critical ones for their name typed.
#[derive(Debug, Parser)]
#[command(name = "signoff", version, about, long_about)]
pub struct Cli {
    /// The console's Unix socket [default: $XDG_RUNTIME_DIR/signoff/signoff.sock]
    #[arg(long, global = true, env = "SIGNOFF_SOCKET", value_name = "PATH")]
    socket: Option<PathBuf>,

    /// How long an action waits for a person when its agent does not say, in seconds
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    deadline: u64,

    /// The policy file layered over the built-in rules [default: $XDG_CONFIG_HOME/signoff/policy.toml]
    #[arg(long, global = true, env = "SIGNOFF_POLICY", value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Ring the terminal bell when an item starts waiting
    #[arg(long, global = true)]
    bell: bool,

    /// No desktop notifications when an item starts waiting
    #[arg(long, global = true)]
    no_notify: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Gate a command: run it only if the console approves.
    ///
    /// Exit status: the command's own when it ran; 77 when denied; 75 when nobody decided before
    /// the deadline; 69 when no decision could be had (console not running, closed, or refused).
    #[command(arg_required_else_help = true)]
    Run {
        /// The environment the command acts on
        #[arg(long, short = 'e', default_value = "unknown", value_parser = parse_environment)]
        env: Environment,
        /// One line for the reviewer [default: the command itself]
        #[arg(long)]
        summary: Option<String>,
        /// Wait at most this long for a decision, in seconds [default: the console's deadline]
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        timeout: Option<u64>,
        /// The agent name shown in the console
        #[arg(long, default_value = "signoff run")]
        agent: String,
        /// The command and its arguments
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },

    /// Show how the policy judges an action, without a console.
    ///
    /// `signoff explain [--env ENV] -- CMD ARGS…` explains one command (a single quoted argument
    /// is read as a shell script: `signoff explain -- 'rm -rf build && make'`).
    /// `signoff explain --batch` reads actions as JSON lines on stdin and writes one JSON line per
    /// action, in the same order, e.g.
    /// {"kind":"shell","command":"rm -rf build","env":"dev","cwd":"/repo"}
    /// {"kind":"sql","statement":"DROP TABLE users","database":"app","env":"production"}
    /// {"kind":"file","op":"modify","path":"/repo/.env","cwd":"/repo"}
    /// {"kind":"http","method":"POST","url":"https://…","body":"…","env":"unknown"}
    /// {"kind":"infra","provider":"railway","resource":"volume vol-7f3a","verb":"delete"}
    /// A line that is not a valid action gets {"error":"…"} and the batch goes on.
    #[command(verbatim_doc_comment)]
    Explain {
        /// The environment the command acts on
        #[arg(long, short = 'e', default_value = "unknown", value_parser = parse_environment)]
        env: Environment,
        /// Print the assessment as one JSON line
        #[arg(long)]
        json: bool,
        /// Read JSON lines on stdin instead of a command
        #[arg(long, conflicts_with = "command")]
        batch: bool,
        /// The command and its arguments
        #[arg(last = true, required_unless_present = "batch", value_name = "CMD")]
        command: Vec<String>,
    },

    /// Open the console with simulated agents on a private socket, to see how it works.
    ///
    /// Two agents stream everyday work, one asks to roll out to staging, and one replays the
    /// April 2026 incident: deleting a production volume to "fix" a staging problem. Nothing is
    /// executed; approve, deny (with a note) and see what the typed confirmation asks.
    Demo,

    /// Check or start a policy file.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Check a policy file: syntax, every rule against its examples, no lowering in production.
    Check {
        /// The file [default: the --policy file, else $XDG_CONFIG_HOME/signoff/policy.toml]
        file: Option<PathBuf>,
    },
    /// Print the built-in defaults as a commented policy file to start from.
    Default,
}

fn parse_environment(text: &str) -> Result<Environment, String> {
    text.parse()
}

/// The whole program: parse, dispatch, exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("signoff: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let socket = cli
        .socket
        .clone()
        .unwrap_or_else(signoff_agent_sdk::default_socket_path);
    match cli.command {
        Some(Command::Run {
            env,
            summary,
            timeout,
            agent,
            command,
        }) => {
            let options = RunOptions {
                socket,
                environment: env,
                summary,
                timeout: timeout.map(Duration::from_secs),
                agent,
                argv: command,
            };
            ExitCode::from(runtime.block_on(run_command::run(options)))
        }
        Some(Command::Explain {
            env,
            json,
            batch,
            command,
        }) => report(explain(cli.policy.as_deref(), env, json, batch, command)),
        Some(Command::Policy {
            command: PolicyCommand::Default,
        }) => {
            print!("{}", crate::policy::default_file());
            ExitCode::SUCCESS
        }
        Some(Command::Policy {
            command: PolicyCommand::Check { file },
        }) => {
            let file = file.or(cli.policy);
            report(check_policy(file.as_deref()))
        }
        Some(Command::Demo) => {
            let (bell, notify) = (cli.bell, !cli.no_notify);
            report(runtime.block_on(async move {
                let dir = crate::demo::socket_dir()?;
                let socket = dir.join("signoff.sock");
                let options = ConsoleOptions {
                    socket: socket.clone(),
                    queue: QueueConfig::default(),
                    policy: Engine::default(),
                };
                let ui = ui_options(bell, notify)?;
                let result = open_console(options, ui, Some(socket)).await;
                let _ = std::fs::remove_dir_all(&dir);
                result
            }))
        }
        None => {
            let queue = QueueConfig {
                default_wait: Duration::from_secs(cli.deadline),
                ..QueueConfig::default()
            };
            let policy = cli.policy;
            let (bell, notify) = (cli.bell, !cli.no_notify);
            report(runtime.block_on(async move {
                let policy = load_policy(policy.as_deref())?;
                let ui = ui_options(bell, notify)?;
                open_console(
                    ConsoleOptions {
                        socket,
                        queue,
                        policy,
                    },
                    ui,
                    None,
                )
                .await
            }))
        }
    }
}

/// How the screen looks and gets attention: the user's keys, `NO_COLOR`, bell, notifications.
fn ui_options(bell: bool, notify: bool) -> anyhow::Result<UiOptions> {
    let keys = match directories::ProjectDirs::from("", "", "signoff") {
        Some(dirs) => Keymap::load(&dirs.config_dir().join("keys.toml"))?,
        None => Keymap::default(),
    };
    let color = std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    Ok(UiOptions {
        keys,
        color,
        bell,
        notify,
    })
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("signoff: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The policy: the built-in rules with the user's file on top. A file named with `--policy` must
/// exist; the default one may not.
fn load_policy(path: Option<&Path>) -> anyhow::Result<Engine> {
    match path {
        Some(path) => Ok(Engine::load(path, true)?),
        None => match crate::policy::default_path() {
            Some(path) => Ok(Engine::load(&path, false)?),
            None => Ok(Engine::default()),
        },
    }
}

fn check_policy(path: Option<&Path>) -> anyhow::Result<()> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => crate::policy::default_path()
            .ok_or_else(|| anyhow::anyhow!("no configuration directory; name the file"))?,
    };
    let engine = Engine::load(&path, true)?;
    let count = engine.rules.len();
    println!(
        "{}: ok, {count} rule{}",
        path.display(),
        if count == 1 { "" } else { "s" }
    );
    Ok(())
}

fn explain(
    policy: Option<&Path>,
    env: Environment,
    json: bool,
    batch: bool,
    command: Vec<String>,
) -> anyhow::Result<()> {
    let engine = load_policy(policy)?;
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "/".into());
    if batch {
        crate::explain::batch(
            &engine,
            std::io::stdin().lock(),
            std::io::stdout().lock(),
            &cwd,
        )?;
        return Ok(());
    }
    // One argument with spaces is a script: `signoff explain -- 'rm -rf build && make'`.
    let shell = match command.as_slice() {
        [script] if script.contains(char::is_whitespace) => ShellCommand::Script {
            script: script.clone(),
            cwd: cwd.clone(),
        },
        _ => ShellCommand::Argv {
            argv: command,
            cwd: cwd.clone(),
        },
    };
    let mut action = Action::new(ActionKind::Shell(shell));
    action.target.environment = env;
    let session = SessionInfo {
        workspace: cwd,
        ..SessionInfo::default()
    };
    let facts = crate::facts::look_up(&action, Some(&session.workspace));
    let assessment = engine.assess(&action, &session, &facts);
    if json {
        println!(
            "{}",
            serde_json::to_string(&crate::explain::Explained::from(&assessment))?
        );
    } else {
        println!("{}", crate::explain::human(&action, &assessment));
    }
    Ok(())
}

/// Opens the console; `demo_agents`: start the demo's simulated agents against this socket.
async fn open_console(
    options: ConsoleOptions,
    ui: UiOptions,
    demo_agents: Option<PathBuf>,
) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the console needs a terminal (stdin and stdout must be a tty)");
    }
    crate::logging::init();
    let console = Console::start(options)?;
    if let Some(socket) = demo_agents {
        crate::demo::start(socket);
    }
    crate::ui::run(console, ui).await?;
    Ok(())
}
