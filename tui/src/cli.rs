//! The `signoff` command line.
// A command-line front end: its errors go to stderr before and after the screen runs.
#![allow(clippy::print_stderr)]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use signoff_agent_sdk::Environment;

use crate::console::{Console, ConsoleOptions};
use crate::queue::QueueConfig;
use crate::run_command::{self, RunOptions};

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
        None => {
            let queue = QueueConfig {
                default_wait: Duration::from_secs(cli.deadline),
                ..QueueConfig::default()
            };
            match runtime.block_on(open_console(ConsoleOptions { socket, queue })) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("signoff: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn open_console(options: ConsoleOptions) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the console needs a terminal (stdin and stdout must be a tty)");
    }
    crate::logging::init();
    let console = Console::start(options)?;
    crate::ui::run(console).await?;
    Ok(())
}
