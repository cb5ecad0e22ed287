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
use signoff_protocol::Tier;

use crate::console::{Console, ConsoleOptions};
use crate::policy::Engine;
use crate::queue::QueueConfig;
use crate::run_command::{self, RunOptions};
use crate::ui::{Keymap, UiOptions};

/// A terminal approval console for AI agents.
///
/// With no command, opens the console: agents report each planned action to it; read-only and
/// reversible actions stream through, risky ones wait for y/n, critical ones for their name typed.
#[derive(Debug, Parser)]
#[command(name = "signoff", version)]
#[command(group(clap::ArgGroup::new("served").multiple(true)))]
pub struct Cli {
    /// The console's Unix socket [default: $XDG_RUNTIME_DIR/signoff/signoff.sock]. For `run` and
    /// `hook` it may be a remote console's URL instead (http://host:7070, https://…; the token is
    /// taken from SIGNOFF_TOKEN)
    #[arg(long, global = true, env = "SIGNOFF_SOCKET", value_name = "PATH|URL")]
    socket: Option<PathBuf>,

    /// Also serve remote agents (containers, CI, other machines) over TCP at this address, e.g.
    /// 127.0.0.1:7070 or 0.0.0.0:7070. Every request must carry the token made by
    /// `signoff token new` (agents set SIGNOFF_TOKEN)
    #[arg(long, value_name = "ADDR", group = "served")]
    listen: Option<std::net::SocketAddr>,

    /// With --listen or --web: serve TLS (HTTPS) with this certificate chain (PEM)
    #[arg(long, value_name = "FILE", requires_all = ["served", "tls_key"])]
    tls_cert: Option<PathBuf>,

    /// With --listen or --web: the TLS certificate's private key (PEM)
    #[arg(long, value_name = "FILE", requires_all = ["served", "tls_cert"])]
    tls_key: Option<PathBuf>,

    /// Also serve the reviewer page for phones at this address, e.g. 127.0.0.1:7071. Over HTTPS
    /// with --tls-cert/--tls-key, on any address; without them, plain HTTP on loopback only (put
    /// `tailscale serve` or a reverse proxy with HTTPS in front, and give its address with
    /// --web-url). In the console, W shows the QR code that pairs a phone; `signoff --web ADDR
    /// serve` prints the link
    #[arg(long, value_name = "ADDR", group = "served")]
    web: Option<std::net::SocketAddr>,

    /// With --web: the address phones open, when it is not the one served: a proxy in front, or a
    /// name instead of 0.0.0.0 [default: http(s)://ADDR]
    #[arg(long, value_name = "URL", requires = "web")]
    web_url: Option<String>,

    /// Also send every decision, once the history records it, as an OpenTelemetry log record
    /// (`signoff.tool_decision`: tool_name, decision, source, tier, environment, digest, chain
    /// position) to this OTLP/gRPC collector, e.g. http://127.0.0.1:4317. Headers such as a
    /// vendor's API key come from OTEL_EXPORTER_OTLP_HEADERS. The command itself is not sent.
    /// A collector that is down delays and fails nothing: the console says so
    #[arg(long, env = "SIGNOFF_OTLP", value_name = "URL")]
    otlp: Option<String>,

    /// How long an action waits for a person when its agent does not say, in seconds
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    deadline: u64,

    /// The policy file layered over the built-in rules [default: $XDG_CONFIG_HOME/signoff/policy.toml]
    #[arg(long, global = true, env = "SIGNOFF_POLICY", value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Where the history is kept [default: $XDG_DATA_HOME/signoff]
    #[arg(long, global = true, env = "SIGNOFF_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Freeze an agent that proposes more than LIMIT risky or critical actions within SECS: all it
    /// proposes then waits for you, whatever its tier, until you unfreeze it (f)
    #[arg(long, default_value = "3/10", value_name = "LIMIT/SECS")]
    breaker: crate::queue::Breaker,

    /// Delete history records older than this many days (kept forever by default)
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    keep_days: Option<u32>,

    /// What a decision's record survives before its agent hears it (`power` costs one agent
    /// ~0.3 ms a decision; agents answered together share one flush)
    #[arg(long, value_enum, default_value_t, value_name = "WHAT")]
    durability: crate::store::Durability,

    /// Items of this tier (or above) need approvals from two different reviewers, each typing the
    /// name of a critical item: this terminal counts as one, a screen paired with `signoff attach`
    /// as another. One denial ends it; no grant covers it
    #[arg(long, value_name = "TIER", value_parser = parse_two_person)]
    two_person: Option<Tier>,

    #[command(flatten)]
    attention: Attention,

    #[command(subcommand)]
    command: Option<Command>,
}

/// How a screen gets the person's attention: the console's, `demo`'s and `attach`'s.
#[derive(Debug, clap::Args)]
struct Attention {
    /// Ring the terminal bell when an item starts waiting
    #[arg(long)]
    bell: bool,

    /// No desktop notifications when an item starts waiting
    #[arg(long)]
    no_notify: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Gate a command: run it only if the console approves.
    ///
    /// Exit status: the command's own when it ran; 77 when denied; 75 when nobody decided before
    /// the deadline; 69 when no decision could be had (console not running, closed, or refused).
    #[command(arg_required_else_help = true)]
    Run {
        /// The environment of the workspace the command runs in (a remote resource is placed by
        /// its own context: the railway link, the kube context, the AWS profile…)
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
        /// Propose in the agent's ongoing session ID (any text the agent keeps for its run), so
        /// that the circuit breaker, grants and the sessions pane see one agent across commands
        /// [default: a session of its own for each command]
        #[arg(long, env = "SIGNOFF_SESSION", value_name = "ID")]
        session: Option<String>,
        /// The command and its arguments
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },

    /// Show how the policy judges an action, without a console
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
    /// {"kind":"mcp","server":"neon","tool":"delete_branch","arguments":{"branchId":"br-1"}}
    /// {"kind":"tool","tool":"WebFetch","input":{"url":"https://example.com"}}
    /// {"kind":"shell","command":"kubectl delete ns shop","vars":{"KUBECONFIG":"/tmp/kind.yaml"}}
    /// A line that is not a valid action gets {"error":"…"} and the batch goes on.
    /// Remote effects land where their context says, read as the console reads it: from the
    /// files of the command's directory and of $HOME, and the context variables explain runs
    /// with (KUBECONFIG, AWS_PROFILE…), which a line's "vars" can set.
    #[command(verbatim_doc_comment)]
    Explain {
        /// The environment of the workspace the command runs in (a remote resource is placed by
        /// its own context: the railway link, the kube context, the AWS profile…)
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

    /// Gate an agent's tool calls through its hook protocol (reads its JSON on stdin).
    ///
    /// Prints the agent's allow/deny answer and always exits 0: anything that goes wrong (no
    /// console, a malformed payload, no decision in time) answers deny with the reason.
    /// `signoff install` has the agent run `signoff-hook`, the same as a small program of its own
    /// that starts faster.
    Hook(HookArgs),

    /// Add signoff's hook to an agent's settings, keeping every other setting and hook.
    ///
    /// Claude Code: ~/.claude/settings.json; Codex: $CODEX_HOME/hooks.json (default ~/.codex),
    /// trusted in config.toml beside it; Cursor: ~/.cursor/hooks.json (fail-closed); Gemini
    /// CLI: ~/.gemini/settings.json (with --project: the same under the current directory).
    /// Every tool of the agent reaches signoff: shell, edits, MCP tools. The hook runs this
    /// signoff by its absolute path. Installing twice changes nothing; a malformed file is left
    /// alone. `signoff doctor` checks the result.
    ///
    /// With --mcp: the agent's MCP servers instead of its hook. Each server the agent starts
    /// (Claude Code: ~/.claude.json, or .mcp.json with --project; Codex: config.toml; Gemini
    /// CLI: settings.json; Cursor: ~/.cursor/mcp.json) is run behind `signoff mcp`, which pins
    /// its tools' definitions and gates each call; servers reached by URL are named and left.
    Install {
        #[command(flatten)]
        target: InstallTarget,
        /// The environment of the agent's workspace, passed to the hook (a remote resource is
        /// placed by its own context, never by this)
        #[arg(long, short = 'e', default_value = "unknown", value_parser = parse_environment)]
        env: Environment,
    },

    /// Gate an MCP server for any MCP client: every tool call waits for the console.
    ///
    /// Configure the client to run `signoff mcp --name NAME -- <the server's command>` where
    /// it ran the server. Everything passes through unchanged, except that each `tools/call` is
    /// proposed to the console first and forwarded only when approved; a refusal (or no console)
    /// reaches the client as a tool error with the reason, and the server never sees the call.
    /// Tool definitions are pinned the first time they are seen (in the data directory): a
    /// definition that changes later is shown as a diff and waits for a person.
    Mcp {
        /// The server's name in the console [default: the name the server gives itself]
        #[arg(long)]
        name: Option<String>,
        /// The environment the agent works in (a remote resource is placed by its own context)
        #[arg(long, short = 'e', default_value = "unknown", value_parser = parse_environment)]
        env: Environment,
        /// Wait at most this long for a person, in seconds
        #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
        /// The MCP server's command and its arguments
        #[arg(last = true, required = true, value_name = "SERVER")]
        command: Vec<String>,
    },

    /// Check that every agent on this machine is gated, and prove it with a canary.
    ///
    /// For Claude Code, Codex, Gemini CLI and Cursor (user and project settings, $CODEX_HOME):
    /// is signoff's hook installed, does it cover shell, edits and MCP tools, does it fail
    /// closed, is it trusted (Codex) or in a trusted folder (Gemini CLI), does it run a signoff
    /// that exists; is the console reachable. Then a read-only command goes through each
    /// installed hook exactly as the agent runs it and must come back from the console. Exits 1
    /// when anything would let an action through ungated.
    Doctor {
        /// One JSON object instead of the list
        #[arg(long)]
        json: bool,
    },

    /// Remove exactly the hook `signoff install` added (with --mcp: take `signoff mcp` out
    /// from in front of the agent's MCP servers).
    Uninstall {
        #[command(flatten)]
        target: InstallTarget,
    },

    /// Review a running console's queue from another terminal, as a reviewer of your own name.
    ///
    /// Shows a pairing code: a person presses P in the console (or in a screen already attached)
    /// and types it; only then does this screen become a reviewer. It then shows the console's
    /// screen, live, and what is decided here reaches the agents and carries this reviewer's
    /// name in the history.
    ///
    /// On this machine it connects to --socket, and keeps the credential in memory only: after
    /// this screen quits, pair again. Given a remote console's URL (one started with --listen
    /// and --tls-cert/--tls-key, or listening on loopback), it keeps the credential in
    /// $XDG_CONFIG_HOME/signoff/reviewers/, readable by you only, and attaches again without
    /// pairing while that console runs.
    Attach {
        /// A remote console's URL: https://host:7070 (http:// only to a loopback address)
        #[arg(value_name = "URL")]
        url: Option<String>,
        /// The name the decisions made here carry [default: the name kept for URL, else $USER]
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// The code `signoff serve` showed, for the first screen of a console without one
        #[arg(long, value_name = "CODE")]
        code: Option<String>,
        /// For an https URL: the CA certificate (PEM) that signed the console's certificate, such
        /// as a self-signed certificate itself [default: the system's roots]
        #[arg(long, env = "SIGNOFF_TLS_CA", value_name = "FILE")]
        tls_ca: Option<PathBuf>,
        #[command(flatten)]
        attention: Attention,
    },

    /// Run the gate and the queue without a screen; attached screens are its only reviewers.
    ///
    /// For a shared box whose agents are remote (--listen) or run as other users. Prints, once,
    /// the code the first `signoff attach --code CODE` presents; that screen then pairs the
    /// others (P). Logs to $XDG_STATE_HOME/signoff/signoff.log. SIGTERM or Ctrl-C stops it
    /// cleanly: what waits is withdrawn, not approved. Not for a box where agents run as your
    /// own user: they could read the code from this terminal's scrollback or start their own
    /// screen. Takes the console's options, given before `serve`:
    /// `signoff --listen 0.0.0.0:7070 --tls-cert … --tls-key … --two-person critical serve`.
    Serve,

    /// Open the console with simulated agents on a private socket, to see how it works.
    ///
    /// Two agents stream everyday work, one asks to roll out to staging, and one replays the
    /// April 2026 incident: deleting a production volume to "fix" a staging problem. Nothing is
    /// executed; approve, deny (with a note) and see what the typed confirmation asks.
    Demo {
        #[command(flatten)]
        attention: Attention,
    },

    /// Review what agents did: every decision, newest first.
    ///
    /// `signoff history` prints a table (or JSON lines with --json); `signoff history verify`
    /// checks the tamper-evident chain; `signoff history export FILE` writes every record as
    /// JSON lines, oldest first.
    History {
        #[command(subcommand)]
        command: Option<HistoryCommand>,
        /// Only this session
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// Only since: a duration ago (30m, 2h, 7d) or a date (2026-11-21)
        #[arg(long, value_name = "WHEN", value_parser = parse_since)]
        since: Option<i64>,
        /// Only this verdict
        #[arg(long, value_parser = ["approved", "denied", "expired", "withdrawn"])]
        verdict: Option<String>,
        /// At most this many records
        #[arg(long, default_value_t = 50)]
        limit: u64,
        /// JSON lines instead of a table
        #[arg(long)]
        json: bool,
    },

    /// Check or start a policy file.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },

    /// The token remote agents present when the console serves TCP (--listen).
    ///
    /// Kept in $XDG_CONFIG_HOME/signoff/token, readable only by you. Agents pass it in
    /// SIGNOFF_TOKEN. A console reads the token when it starts.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },

    /// Print the shell completion script for SHELL.
    ///
    /// bash: `signoff completions bash > ~/.local/share/bash-completion/completions/signoff`;
    /// zsh: into a directory on $fpath as `_signoff`; fish:
    /// `signoff completions fish > ~/.config/fish/completions/signoff.fish`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the manual page (roff), for `man -l -` or a package's man1 directory.
    Man,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Make a new token, store it (replacing the previous one) and print it.
    New,
    /// Print the stored token.
    Show,
}

/// Which agent, and which of its settings, `install` and `uninstall` change.
#[derive(Debug, clap::Args)]
struct InstallTarget {
    #[arg(value_enum)]
    agent: HookAgent,
    /// The project's settings (in the current directory) rather than the user's
    #[arg(long)]
    project: bool,
    /// Show the change as a diff; write nothing
    #[arg(long)]
    dry_run: bool,
    /// The agent's MCP servers rather than its hook: run each behind `signoff mcp`
    #[arg(long)]
    mcp: bool,
}

/// What `signoff hook` and `signoff-hook` take: the agent, where it works, how long it waits.
#[derive(Debug, clap::Args)]
pub struct HookArgs {
    /// Which agent's protocol
    #[arg(value_enum)]
    agent: HookAgent,
    /// The environment of the agent's workspace (a remote resource is placed by its own
    /// context: the railway link, the kube context, the AWS profile…)
    #[arg(long, short = 'e', default_value = "unknown", value_parser = parse_environment)]
    env: Environment,
    /// Answer within this many seconds (keep it below the agent's hook timeout)
    #[arg(long, value_name = "SECS", default_value_t = 55, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
}

impl HookArgs {
    fn options(&self, socket: PathBuf) -> crate::hooks::HookOptions {
        crate::hooks::HookOptions {
            agent: self.agent.into(),
            socket,
            environment: self.env,
            timeout: Duration::from_secs(self.timeout),
        }
    }
}

/// signoff-hook — gate an agent's tool call through its hook protocol (reads its JSON on stdin).
///
/// `signoff hook` as a program of its own: the agent starts it for every tool call, and this one
/// holds only the hook, so it starts in a fraction of the console's time. Prints the agent's
/// allow/deny answer and always exits 0: anything that goes wrong (no console, a malformed
/// payload, no decision in time) answers deny with the reason.
#[derive(Debug, Parser)]
#[command(name = "signoff-hook", version, about, long_about)]
struct HookCli {
    #[command(flatten)]
    hook: HookArgs,
    /// The console's Unix socket [default: $XDG_RUNTIME_DIR/signoff/signoff.sock], or a remote
    /// console's URL (http://host:7070, https://…; the token is taken from SIGNOFF_TOKEN)
    #[arg(long, env = "SIGNOFF_SOCKET", value_name = "PATH|URL")]
    socket: Option<PathBuf>,
}

/// The `signoff-hook` program.
pub fn hook_main() -> ExitCode {
    let cli = HookCli::parse();
    let socket = cli
        .socket
        .unwrap_or_else(signoff_agent_sdk::default_socket_path);
    crate::hooks::answer(&cli.hook.options(socket))
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum HookAgent {
    ClaudeCode,
    Codex,
    Cursor,
    Gemini,
}

impl From<HookAgent> for crate::hooks::Agent {
    fn from(agent: HookAgent) -> Self {
        match agent {
            HookAgent::ClaudeCode => crate::hooks::Agent::ClaudeCode,
            HookAgent::Codex => crate::hooks::Agent::Codex,
            HookAgent::Cursor => crate::hooks::Agent::Cursor,
            HookAgent::Gemini => crate::hooks::Agent::Gemini,
        }
    }
}

#[derive(Debug, Subcommand)]
enum HistoryCommand {
    /// Recompute the chain of decisions; name the first record altered or removed.
    Verify,
    /// Write every record as JSON lines, oldest first.
    Export { file: PathBuf },
}

/// `30m`, `2h`, `7d` ago, or a date `2026-11-21` (UTC midnight), as Unix milliseconds.
fn parse_since(text: &str) -> Result<i64, String> {
    let now = signoff_protocol::to_unix_ms(std::time::SystemTime::now());
    let unit = |suffix: char, ms: i64| {
        text.strip_suffix(suffix)
            .and_then(|n| n.parse::<i64>().ok())
            .map(|n| now - n * ms)
    };
    if let Some(ms) = unit('m', 60_000)
        .or_else(|| unit('h', 3_600_000))
        .or_else(|| unit('d', 86_400_000))
    {
        return Ok(ms);
    }
    let parts: Vec<i64> = text.split('-').filter_map(|p| p.parse().ok()).collect();
    if let [year, month, day] = parts.as_slice() {
        // Days from the civil date (Howard Hinnant's algorithm).
        let (y, m) = if *month <= 2 {
            (year - 1, month + 9)
        } else {
            (*year, month - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return Ok((era * 146_097 + doe - 719_468) * 86_400_000);
    }
    Err(format!(
        "`{text}` is neither a duration (30m, 2h, 7d) nor a date (2026-11-21)"
    ))
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

fn parse_two_person(text: &str) -> Result<Tier, String> {
    match text {
        "critical" => Ok(Tier::Critical),
        "risky" => Ok(Tier::Risky),
        _ => Err(format!(
            "`{text}`: the two-person rule is for `critical` or `risky` items"
        )),
    }
}

/// The whole program: parse, dispatch, exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let socket = cli
        .socket
        .clone()
        .unwrap_or_else(signoff_agent_sdk::default_socket_path);
    // A hook answers on a runtime of its own, without the worker threads started below.
    let command = match cli.command {
        Some(Command::Hook(hook)) => return crate::hooks::answer(&hook.options(socket)),
        command => command,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("signoff: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        Some(Command::Run {
            env,
            summary,
            timeout,
            agent,
            session,
            command,
        }) => {
            let options = RunOptions {
                socket,
                environment: env,
                summary,
                timeout: timeout.map(Duration::from_secs),
                agent,
                session: session.filter(|id| !id.is_empty()),
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
        Some(Command::Hook(_)) => unreachable!("a hook is answered before the runtime starts"),
        Some(Command::Install { target, env }) => {
            report(install(&target, Some(env), cli.socket.as_deref()))
        }
        Some(Command::Uninstall { target }) => report(install(&target, None, None)),
        Some(Command::Mcp {
            name,
            env,
            timeout,
            command,
        }) => {
            let options = crate::mcp_gateway::GatewayOptions {
                name,
                socket,
                environment: env,
                timeout: Duration::from_secs(timeout),
                pins: data_dir(cli.data_dir).join("mcp-pins"),
                command,
            };
            report(runtime.block_on(crate::mcp_gateway::run(options)))
        }
        Some(Command::Doctor { json }) => {
            let places = match crate::doctor::Places::of_this_user() {
                Ok(places) => places,
                Err(error) => return report(Err(error)),
            };
            if runtime.block_on(crate::doctor::run(&places, &socket, json)) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Some(Command::Demo { attention }) => {
            report(runtime.block_on(async move {
                let dir = crate::demo::socket_dir()?;
                let socket = dir.join("signoff.sock");
                let options = ConsoleOptions {
                    history: None,
                    socket: socket.clone(),
                    queue: QueueConfig::default(),
                    policy: Engine::default(),
                    remote: None,
                    web: None,
                    otlp: None,
                };
                let ui = ui_options(&attention)?;
                let result = open_console(options, ui, Some(socket)).await;
                let _ = std::fs::remove_dir_all(&dir);
                result
            }))
        }
        Some(Command::Token { command }) => report(token(&command)),
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "signoff", &mut script);
            report(print_all(&script))
        }
        Some(Command::Man) => {
            let mut page = Vec::new();
            let rendered = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page);
            report(rendered.map_err(anyhow::Error::from).and_then(|()| print_all(&page)))
        }
        Some(Command::Attach {
            url,
            name,
            code,
            tls_ca,
            attention,
        }) => {
            report(runtime.block_on(async move {
                let target = match url {
                    Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                        PathBuf::from(url)
                    }
                    Some(other) => anyhow::bail!(
                        "{other} is not a console's URL: give https://host:port (or http:// to a loopback address); for a socket on this machine use --socket"
                    ),
                    None => socket,
                };
                if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                    anyhow::bail!(
                        "an attached screen needs a terminal (stdin and stdout must be a tty)"
                    );
                }
                crate::attach::attach(crate::attach::AttachOptions {
                    target,
                    tls_ca,
                    name,
                    first_code: code,
                    ui: ui_options(&attention)?,
                })
                .await
            }))
        }
        Some(Command::History {
            command,
            session,
            since,
            verdict,
            limit,
            json,
        }) => {
            let filter = crate::store::Filter {
                session,
                since_ms: since,
                verdict,
                limit: Some(limit),
                ..crate::store::Filter::default()
            };
            report(crate::history_cli::run(
                data_dir(cli.data_dir),
                command.map(|c| match c {
                    HistoryCommand::Verify => crate::history_cli::Command::Verify,
                    HistoryCommand::Export { file } => crate::history_cli::Command::Export(file),
                }),
                filter,
                json,
            ))
        }
        command @ (None | Some(Command::Serve)) => {
            let headless = command.is_some();
            let queue = QueueConfig {
                default_wait: Duration::from_secs(cli.deadline),
                breaker: cli.breaker,
                two_person: cli.two_person,
                ..QueueConfig::default()
            };
            let policy = cli.policy;
            let attention = cli.attention;
            let history = Some(crate::console::History {
                dir: data_dir(cli.data_dir),
                keep_days: cli.keep_days,
                durability: cli.durability,
            });
            let tls = cli.tls_cert.zip(cli.tls_key);
            let (listen, web, web_url, otlp) = (cli.listen, cli.web, cli.web_url, cli.otlp);
            report(runtime.block_on(async move {
                if socket.to_str().is_some_and(|s| s.contains("://")) {
                    anyhow::bail!(
                        "the console serves a Unix socket: --socket (or SIGNOFF_SOCKET) must be a path, not {}; to serve TCP use --listen",
                        socket.display()
                    );
                }
                let tls = tls
                    .map(|(cert, key)| crate::tls::TlsPem::read(&cert, &key))
                    .transpose()?;
                let remote = listen
                    .map(|listen| remote_options(listen, tls.clone()))
                    .transpose()?;
                let web = web.map(|listen| crate::web::WebOptions {
                    listen,
                    url: web_url,
                    tls,
                });
                let policy = load_policy(policy.as_deref())?;
                let ui = ui_options(&attention)?;
                let options = ConsoleOptions {
                    socket,
                    queue,
                    policy,
                    history,
                    remote,
                    web,
                    otlp,
                };
                if headless {
                    crate::serve::serve(options).await
                } else {
                    open_console(options, ui, None).await
                }
            }))
        }
    }
}

/// Serving remote agents: the stored token, and the TLS identity when given.
fn remote_options(
    listen: std::net::SocketAddr,
    tls: Option<crate::tls::TlsPem>,
) -> anyhow::Result<crate::server::RemoteOptions> {
    let token = crate::server::Token::load(&crate::server::token::default_path()?)?;
    Ok(crate::server::RemoteOptions { listen, token, tls })
}

/// Writes `bytes` to stdout; a reader that stopped early (`| head`) is no error.
fn print_all(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// `signoff token new|show`.
fn token(command: &TokenCommand) -> anyhow::Result<()> {
    let path = crate::server::token::default_path()?;
    let token = match command {
        TokenCommand::New => {
            let token = crate::server::Token::generate()?;
            token.save(&path)?;
            eprintln!(
                "signoff: stored in {} (a console reads it when it starts)",
                path.display()
            );
            token
        }
        TokenCommand::Show => crate::server::Token::load(&path)?,
    };
    println!("{}", token.as_str());
    Ok(())
}

/// How the screen looks and gets attention: the user's keys, `NO_COLOR`, bell, notifications.
fn ui_options(attention: &Attention) -> anyhow::Result<UiOptions> {
    let keys = match directories::ProjectDirs::from("", "", "signoff") {
        Some(dirs) => Keymap::load(&dirs.config_dir().join("keys.toml"))?,
        None => Keymap::default(),
    };
    let color = std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    Ok(UiOptions {
        keys,
        color,
        bell: attention.bell,
        notify: !attention.no_notify,
    })
}

/// Installs (with an environment) or uninstalls (without) signoff's hook for `agent`, and says
/// what it changed and what is left for the person to do.
/// `install` (with `env`) or `uninstall` (without) of signoff's hook, or with `--mcp` of
/// `signoff mcp` in front of the agent's MCP servers (told `socket` when one was given).
fn install(
    target: &InstallTarget,
    env: Option<Environment>,
    socket: Option<&Path>,
) -> anyhow::Result<()> {
    use crate::install;
    let (agent, dry_run) = (target.agent.into(), target.dry_run);
    let cwd = std::env::current_dir()?;
    let project = target.project.then_some(cwd.as_path());
    let exe = std::env::current_exe()?;
    if target.mcp {
        let exe = exe.display().to_string();
        return install_mcp(agent, project, dry_run, env, &exe, socket);
    }
    let path = install::settings_path(agent, project)?;
    let edits = match env {
        Some(env) => {
            let command = install::command(agent, env.as_str(), &exe);
            install::install(agent, &path, &command)?
        }
        None => install::uninstall(agent, &path)?,
    };
    let (done, nothing) = if env.is_some() {
        ("installed in", "already installed in")
    } else {
        ("removed from", "not installed in")
    };
    if edits.is_empty() {
        println!(
            "signoff's {} hook is {nothing} {}",
            agent.kind(),
            path.display()
        );
    }
    for edit in &edits {
        if dry_run {
            print!("{}", edit.diff);
        } else {
            install::write(&edit.path, &edit.text)?;
        }
    }
    if dry_run || edits.is_empty() {
        return Ok(());
    }
    println!("signoff's {} hook {done} {}", agent.kind(), path.display());
    for edit in edits.iter().filter(|e| e.path != path) {
        println!("  and {}", edit.path.display());
    }
    if env.is_some() {
        for line in install::still_to_do(agent, &path) {
            println!("{line}");
        }
    }
    Ok(())
}

/// `install --mcp` (with `env`) or `uninstall --mcp`.
fn install_mcp(
    agent: crate::hooks::Agent,
    project: Option<&Path>,
    dry_run: bool,
    env: Option<Environment>,
    exe: &str,
    socket: Option<&Path>,
) -> anyhow::Result<()> {
    use crate::install::{mcp, write};
    let path = mcp::config_path(agent, project)?;
    let (edit, notes) = match env {
        Some(env) => mcp::wrap(agent, &path, exe, env.as_str(), socket)?,
        None => (mcp::unwrap(agent, &path)?, Vec::new()),
    };
    match (&edit, dry_run) {
        (None, _) if env.is_some() => println!(
            "every MCP server {} starts in {} is behind signoff already (or there is none)",
            agent.name(),
            path.display()
        ),
        (None, _) => println!("no MCP server in {} is behind signoff", path.display()),
        (Some(edit), true) => print!("{}", edit.diff),
        (Some(edit), false) => {
            write(&edit.path, &edit.text)?;
            let done = if env.is_some() {
                "now run behind `signoff mcp`"
            } else {
                "no longer run behind `signoff mcp`"
            };
            println!(
                "{}'s MCP servers in {} {done}",
                agent.name(),
                path.display()
            );
        }
    }
    for note in notes {
        println!("{note}");
    }
    if env.is_some() && edit.is_some() && !dry_run {
        println!(
            "Restart {} sessions that are running: they start their MCP servers when they start.",
            agent.name()
        );
        if agent == crate::hooks::Agent::Codex {
            println!(
                "Codex waits tool_timeout_sec (default 60 s) for an MCP tool: raise it in each \
                 [mcp_servers.NAME] to give a person longer; a call Codex gives up on is withdrawn."
            );
        }
        println!(
            "signoff's hook, where installed, sees these calls too: one that waits is asked by both."
        );
    }
    Ok(())
}

/// `--data-dir`, else `SIGNOFF_DATA_DIR`, else the user's data directory.
fn data_dir(given: Option<PathBuf>) -> PathBuf {
    given
        .or_else(crate::store::default_data_dir)
        .unwrap_or_else(|| PathBuf::from(".signoff"))
}

/// The error and its causes on one line, each cause only when the message before does not
/// already say it.
fn one_line(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain().map(ToString::to_string) {
        if !message.contains(&cause) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&cause);
        }
    }
    message
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("signoff: {}", one_line(&error));
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
    let lookout = crate::facts::Lookout::new(engine);
    let variables = signoff_protocol::variables::from_process();
    if batch {
        crate::explain::batch(
            &lookout,
            std::io::stdin().lock(),
            std::io::stdout().lock(),
            &cwd,
            &variables,
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
    let assessment = lookout.assess(&action, &session, variables);
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
    let mut console = Console::start(options)?;
    if let Some(socket) = demo_agents {
        crate::demo::start(socket);
    }
    // Where agents connect, shown in the header.
    let header = match console.remote_addr {
        Some(addr) => format!("tcp {addr}  ·  {}", console.socket.display()),
        None => console.socket.display().to_string(),
    };
    let desk = crate::ui::Terminal {
        queue: console.queue.clone(),
        reviewers: console.reviewers.clone(),
        history: console.history.clone(),
        web_url: console.web_url.clone(),
    };
    let screen = crate::ui::Screen {
        header,
        events: &mut console.events,
        desk: &desk,
        closes_console: true,
    };
    let shown = crate::ui::run(screen, ui).await;
    // Every agent still waiting hears it is withdrawn, not approved.
    console.shutdown().await;
    shown?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::{Cli, one_line};

    #[test]
    fn the_command_line_is_consistent_and_each_command_lists_only_its_own_flags() {
        Cli::command().debug_assert();
        let mut command = Cli::command();
        let history = command.find_subcommand_mut("history").unwrap();
        let help = history.render_long_help().to_string();
        for console_only in ["--bell", "--no-notify", "--listen", "--web", "--deadline"] {
            assert!(!help.contains(console_only), "{console_only} in:\n{help}");
        }
        let attach = command.find_subcommand_mut("attach").unwrap();
        assert!(
            attach
                .render_long_help()
                .to_string()
                .contains("--no-notify")
        );
    }

    #[test]
    fn completions_and_the_manual_page_are_generated() {
        let mut script = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Cli::command(),
            "signoff",
            &mut script,
        );
        let script = String::from_utf8(script).unwrap();
        assert!(script.contains("complete -F _signoff") && script.contains("attach"));
        let mut page = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut page)
            .unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains(".TH signoff 1"), "{page}");
        assert!(page.contains("signoff \\- A terminal approval console for AI agents"));
        assert!(page.contains("history"));
    }

    #[test]
    fn an_error_is_one_line_and_says_each_cause_once() {
        let cause = std::io::Error::other("Permission denied");
        let said = anyhow::Error::new(cause).context("cannot prepare /x: Permission denied");
        assert_eq!(one_line(&said), "cannot prepare /x: Permission denied");
        let unsaid = anyhow::Error::new(std::io::Error::other("disk full")).context("cannot save");
        assert_eq!(one_line(&unsaid), "cannot save: disk full");
    }
}
