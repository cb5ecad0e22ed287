//! The real agent CLIs, pinned in `tests/real-agents/package.json`, with signoff installed by
//! `signoff install` exactly as a user runs it, each driven offline by a scripted model on
//! loopback (`model_server.rs`) in a home of its own. Each proves, for its agent: a workspace read
//! streams; a destructive command, a file edit and an MCP tool call reach the console; approving
//! runs it, denying stops it and the agent hears the note; with no console the agent is denied;
//! installing again (another --env) keeps the gate live. When an agent's hook format changes,
//! these tests are what say so.

mod model_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};
use signoff_agent_sdk::{Confirmation, DecidedBy, Verdict};
use signoff_tui::queue::PersonDecision;

use crate::support::{BINARY, HOOK_BINARY, TestConsole, approve, approve_typed, deny};
use model_server::{Call, ModelServer};

/// Where `tests/real-agents/install.sh` put the agents (it installs them once, into a cache).
fn agents() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/real-agents/install.sh");
        let output = Command::new("bash")
            .arg(script)
            .stderr(Stdio::inherit())
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "installing the pinned agent CLIs failed (needs Node, npm and the npm registry): {script}"
        );
        PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
    })
}

/// This signoff under its own name, with `signoff-hook` beside it: installs recognise their hook
/// by these names, and have the agents run `signoff-hook`.
fn signoff() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("signoff-bin");
        std::fs::create_dir_all(&dir).unwrap();
        for (binary, name) in [(HOOK_BINARY, "signoff-hook"), (BINARY, "signoff")] {
            let staging = dir.join(format!("{name}.{}", std::process::id()));
            std::fs::hard_link(binary, &staging)
                .or_else(|_| std::fs::copy(binary, &staging).map(|_| ()))
                .unwrap();
            std::fs::rename(&staging, dir.join(name)).unwrap();
        }
        dir.join("signoff")
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Agent {
    Claude,
    Codex,
    Gemini,
}

impl Agent {
    fn kind(self) -> &'static str {
        match self {
            Agent::Claude => "claude-code",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
        }
    }

    /// The model's call of the agent's shell tool.
    fn shell(self, command: &str) -> Call {
        match self {
            Agent::Claude => call(
                "Bash",
                json!({"command": command, "description": "as scripted"}),
            ),
            Agent::Codex => call("exec_command", json!({"cmd": command})),
            Agent::Gemini => call("run_shell_command", json!({"command": command})),
        }
    }

    /// The model's call of a tool of the memory MCP server (Claude Code and Codex offer MCP
    /// tools through a tool search: they are called by their full names).
    fn mcp(self, tool: &str, args: Value) -> Call {
        match self {
            Agent::Claude | Agent::Codex => call(&format!("mcp__memory__{tool}"), args),
            Agent::Gemini => call(tool, args),
        }
    }

    /// The model's call of the agent's edit tool: `old` to `new` in `file`.
    fn edit(self, file: &Path, old: &str, new: &str) -> Call {
        match self {
            Agent::Claude => call(
                "Edit",
                json!({"file_path": file, "old_string": old, "new_string": new}),
            ),
            Agent::Codex => call(
                "apply_patch",
                json!(format!(
                    "*** Begin Patch\n*** Update File: {}\n@@\n-{old}\n+{new}\n*** End Patch\n",
                    file.display()
                )),
            ),
            Agent::Gemini => call(
                "replace",
                json!({"file_path": file, "old_string": old, "new_string": new, "instruction": "as scripted"}),
            ),
        }
    }
}

fn call(tool: &str, args: Value) -> Call {
    Call {
        tool: tool.into(),
        args,
    }
}

/// One agent's home, workspace and settings, pointed at the scripted model.
struct Sandbox {
    agent: Agent,
    root: tempfile::TempDir,
    model: ModelServer,
}

impl Sandbox {
    async fn new(agent: Agent) -> Sandbox {
        let sandbox = Sandbox {
            agent,
            root: tempfile::tempdir().unwrap(),
            model: ModelServer::start().await,
        };
        for dir in [
            "home/.codex",
            "home/.gemini",
            "home/.claude",
            "ws/data",
            "tmp",
        ] {
            std::fs::create_dir_all(sandbox.root.path().join(dir)).unwrap();
        }
        std::fs::write(sandbox.ws().join("README.md"), "hello from the readme\n").unwrap();
        std::fs::write(sandbox.ws().join("data/orders.db"), "orders\n").unwrap();
        std::fs::write(sandbox.ws().join("notes.txt"), "colour: blue\n").unwrap();
        // One entity in the memory MCP server's store.
        std::fs::write(
            sandbox.root.path().join("memory.jsonl"),
            "{\"type\":\"entity\",\"name\":\"Alice\",\"entityType\":\"person\",\"observations\":[\"likes Rust\"]}\n",
        )
        .unwrap();
        sandbox.configure(&["node".into(), memory_server()]);
        sandbox
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    fn ws(&self) -> PathBuf {
        self.root.path().join("ws")
    }

    /// The agent's own settings: the model it talks to, offline, and the memory MCP server run
    /// as `server`.
    fn configure(&self, server: &[String]) {
        let memory = self.root.path().join("memory.jsonl");
        let env = json!({"MEMORY_FILE_PATH": memory});
        match self.agent {
            Agent::Claude => {
                let config = json!({"mcpServers": {"memory": {"command": server[0], "args": server[1..], "env": env}}});
                std::fs::write(self.root.path().join("mcp.json"), config.to_string()).unwrap();
            }
            Agent::Codex => {
                let args: Vec<String> = server[1..].iter().map(|a| format!("{a:?}")).collect();
                // A debug `signoff mcp` in front of an npx server starts in seconds on a busy
                // machine; Codex's default of 10 s would drop its tools.
                let config = format!(
                    "model = \"gpt-5.5\"\nmodel_provider = \"scripted\"\napproval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\ncheck_for_update_on_startup = false\n\n[model_providers.scripted]\nname = \"scripted\"\nbase_url = \"{}/v1\"\nwire_api = \"responses\"\nenv_key = \"SCRIPTED_KEY\"\nrequest_max_retries = 0\nstream_max_retries = 0\n\n[features]\nplugins = false\n\n[analytics]\nenabled = false\n\n[mcp_servers.memory]\ncommand = {:?}\nargs = [{}]\nenv = {{ MEMORY_FILE_PATH = {:?} }}\nstartup_timeout_sec = 60\n",
                    self.model.url(),
                    server[0],
                    args.join(", "),
                    memory.display().to_string(),
                );
                // Kept: what `signoff install` added to it (its trust of the hook).
                let path = self.home().join(".codex/config.toml");
                let trusted = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|old| old.find("[hooks").map(|at| old[at..].to_string()))
                    .unwrap_or_default();
                std::fs::write(path, config + &trusted).unwrap();
            }
            Agent::Gemini => {
                let path = self.home().join(".gemini/settings.json");
                let mut settings: Value = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(json!({}));
                settings["security"] = json!({"auth": {"selectedType": "gemini-api-key"}});
                settings["privacy"] = json!({"usageStatisticsEnabled": false});
                settings["telemetry"] = json!({"enabled": false});
                settings["general"] = json!({"disableAutoUpdate": true, "disableUpdateNag": true});
                settings["mcpServers"] =
                    json!({"memory": {"command": server[0], "args": server[1..], "env": env}});
                std::fs::write(&path, settings.to_string()).unwrap();
                // Gemini runs hooks only in a folder it trusts.
                std::fs::write(
                    self.home().join(".gemini/trustedFolders.json"),
                    json!({self.ws().display().to_string(): "TRUST_FOLDER"}).to_string(),
                )
                .unwrap();
            }
        }
    }

    /// A command with this sandbox's home, XDG directories and `CODEX_HOME`, never the
    /// machine's, talking to the console at `socket`.
    fn command(&self, program: &Path, socket: &Path) -> Command {
        let home = self.home();
        let mut command = Command::new(program);
        command
            .current_dir(self.ws())
            .stdin(Stdio::null())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("CODEX_HOME", home.join(".codex"))
            .env("TMPDIR", self.root.path().join("tmp"))
            .env("SIGNOFF_SOCKET", socket)
            .env_remove("SIGNOFF_TOKEN");
        command
    }

    /// `signoff install <agent> --env <env>`, as a user runs it.
    fn install(&self, agent: Agent, env: &str, socket: &Path) -> String {
        let output = self
            .command(signoff(), socket)
            .args(["install", agent.kind(), "--env", env])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }

    /// Runs the agent once on a prompt; the model makes `call`. Blocks: run it off the runtime.
    fn run(&self, call: Call, socket: &Path) -> Output {
        self.model.script(call.clone());
        let bin = agents().join("node_modules/.bin");
        let mut command = match self.agent {
            Agent::Claude => {
                let mut command = self.command(&bin.join("claude"), socket);
                command
                    .env("ANTHROPIC_BASE_URL", self.model.url())
                    .env("ANTHROPIC_API_KEY", "sk-ant-scripted")
                    .env("DISABLE_TELEMETRY", "1")
                    .env("DISABLE_ERROR_REPORTING", "1")
                    .env("DISABLE_AUTOUPDATER", "1")
                    .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
                    .args(["-p", "Do as scripted", "--output-format", "json"])
                    .arg("--mcp-config")
                    .arg(self.root.path().join("mcp.json"))
                    // As root Claude Code refuses to bypass its permissions: allow the tools.
                    .args(["--allowedTools", "Bash,Read,Edit,Write,mcp__memory__*"]);
                command
            }
            Agent::Codex => {
                let mut command = self.command(&bin.join("codex"), socket);
                command
                    .env("SCRIPTED_KEY", "scripted")
                    .args(["exec", "--skip-git-repo-check"]);
                // This Codex offers gpt-5.5 its MCP tools only through a tool search; a model it
                // has no metadata for gets them directly (and no apply_patch: hence gpt-5.5 for
                // the rest).
                if call.tool.starts_with("mcp__") {
                    command.args(["--model", "gpt-5.1-codex"]);
                }
                command.arg("Do as scripted");
                command
            }
            Agent::Gemini => {
                let mut command = self.command(&bin.join("gemini"), socket);
                command
                    .env("GOOGLE_GEMINI_BASE_URL", self.model.url())
                    .env("GEMINI_API_KEY", "scripted")
                    .args(["-p", "Do as scripted", "--yolo"]);
                command
            }
        };
        command.output().unwrap()
    }

    /// What the memory server holds now.
    fn memory(&self) -> String {
        std::fs::read_to_string(self.root.path().join("memory.jsonl")).unwrap_or_default()
    }
}

fn memory_server() -> String {
    agents()
        .join("node_modules/@modelcontextprotocol/server-memory/dist/index.js")
        .display()
        .to_string()
}

/// Runs the agent off the runtime while the test plays the person at the console (what the
/// console showed of earlier runs is passed over first).
async fn run(
    console: &mut TestConsole,
    sandbox: &std::sync::Arc<Sandbox>,
    call: Call,
    socket: &Path,
) -> tokio::task::JoinHandle<Output> {
    while tokio::time::timeout(std::time::Duration::from_millis(50), console.events())
        .await
        .is_ok_and(|event| event.is_some())
    {}
    let sandbox = sandbox.clone();
    let socket = socket.to_path_buf();
    tokio::task::spawn_blocking(move || sandbox.run(call, &socket))
}

fn said(output: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs the agent on `call`; what then waits for a person is answered by `answer`. The item and
/// what the agent said; the agent finishing before anything waited fails the test.
async fn answered(
    console: &mut TestConsole,
    sandbox: &std::sync::Arc<Sandbox>,
    call: Call,
    socket: &Path,
    answer: impl FnOnce(&signoff_tui::queue::Item) -> PersonDecision,
) -> (std::sync::Arc<signoff_tui::queue::Item>, Output) {
    let mut agent = run(console, sandbox, call, socket).await;
    let item = tokio::select! {
        item = console.next_waiting() => item,
        output = &mut agent => panic!("the agent finished and nothing waited:\n{}", said(&output.unwrap())),
    };
    console.decide(&item, answer(&item)).await;
    (item, agent.await.unwrap())
}

/// The decision the console made while the agent ran (the agent has finished: `output`).
async fn decided(
    console: &mut TestConsole,
    output: &Output,
) -> (
    std::sync::Arc<signoff_tui::queue::Item>,
    signoff_agent_sdk::Decision,
) {
    let decided = tokio::time::timeout(std::time::Duration::from_secs(1), console.next_decided());
    match decided.await {
        Ok(decided) => decided,
        Err(_) => panic!("nothing reached the console:\n{}", said(output)),
    }
}

/// The agent deletes Alice through the memory MCP server: the call reaches the console as the
/// server, the tool and its arguments, and waits; denied, Alice stays and the agent hears why.
async fn denied_deleting_alice(
    console: &mut TestConsole,
    sandbox: &std::sync::Arc<Sandbox>,
    agent: Agent,
    socket: &Path,
) -> std::sync::Arc<signoff_tui::queue::Item> {
    let call = agent.mcp("delete_entities", json!({"entityNames": ["Alice"]}));
    let (item, output) = answered(console, sandbox, call, socket, |_| deny("Alice stays")).await;
    assert_eq!(
        item.action.headline(),
        r#"memory delete_entities {"entityNames":["Alice"]}"#
    );
    assert!(sandbox.memory().contains("Alice"), "{}", said(&output));
    assert!(
        sandbox.model.transcript().contains("Alice stays"),
        "{}",
        said(&output)
    );
    item
}

/// The person's answer that approves `item`: a keystroke, or its name typed.
fn approval(item: &signoff_tui::queue::Item) -> PersonDecision {
    match &item.assessment.confirmation {
        Confirmation::Typed(text) => approve_typed(text),
        _ => approve(),
    }
}

async fn the_agent_is_gated(agent: Agent) {
    let mut console = TestConsole::start().await;
    let socket = console.socket.clone();
    let sandbox = std::sync::Arc::new(Sandbox::new(agent).await);
    let installed = sandbox.install(agent, "dev", &socket);
    let settings = installed
        .lines()
        .find_map(|line| line.split_once("hook installed in "))
        .map(|(_, path)| path.trim())
        .unwrap_or_else(|| panic!("{installed}"));
    let settings = std::fs::read_to_string(settings).unwrap();
    assert!(
        settings.contains(&format!("/signoff-hook {} --env dev", agent.kind())),
        "the agent runs signoff-hook: {settings}"
    );

    // A workspace read streams through, and the agent reads what it asked for.
    let output = run(
        &mut console,
        &sandbox,
        agent.shell("cat README.md"),
        &socket,
    )
    .await
    .await
    .unwrap();
    let (item, decision) = decided(&mut console, &output).await;
    assert_eq!(item.action.headline(), "cat README.md");
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (Verdict::Approved, DecidedBy::Stream)
    );
    assert!(
        sandbox.model.transcript().contains("hello from the readme"),
        "{}",
        said(&output)
    );

    // A destructive command (not `rm`: Codex refuses that itself) waits for a person: denied, it does not run and the agent hears why.
    let doomed = agent.shell("find data -delete");
    let (item, output) = answered(&mut console, &sandbox, doomed.clone(), &socket, |_| {
        deny("keep the orders")
    })
    .await;
    assert_eq!(item.action.headline(), "find data -delete");
    assert!(
        sandbox.ws().join("data/orders.db").exists(),
        "{}",
        said(&output)
    );
    assert!(
        sandbox.model.transcript().contains("keep the orders"),
        "{}",
        sandbox.model.transcript()
    );
    // Approved, it runs.
    let (_, output) = answered(&mut console, &sandbox, doomed, &socket, |_| approve()).await;
    assert!(!sandbox.ws().join("data").exists(), "{}", said(&output));

    // A file edit reaches the console as the change it makes, diff and all (an edit in the
    // workspace streams through).
    let notes = sandbox.ws().join("notes.txt");
    let output = run(
        &mut console,
        &sandbox,
        agent.edit(&notes, "colour: blue", "colour: red"),
        &socket,
    )
    .await
    .await
    .unwrap();
    let (item, _) = decided(&mut console, &output).await;
    assert!(
        item.action.headline().ends_with("/notes.txt"),
        "{}",
        item.action.headline()
    );
    assert!(
        item.action.dry_run.diff.contains("+colour: red"),
        "{}",
        item.action.dry_run.diff
    );
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "colour: red\n",
        "{}",
        said(&output)
    );

    // An MCP tool call reaches the console as the server, the tool and its arguments.
    denied_deleting_alice(&mut console, &sandbox, agent, &socket).await;

    // Installing again with another environment keeps the gate live.
    let installed = sandbox.install(agent, "staging", &socket);
    assert!(installed.contains("hook installed in"), "{installed}");
    let call = agent.shell("unlink README.md");
    let (item, _) = answered(&mut console, &sandbox, call, &socket, approval).await;
    assert_eq!(item.action.headline(), "unlink README.md");
    assert!(!sandbox.ws().join("README.md").exists());

    // With no console, the agent is denied and told why.
    console.shutdown().await;
    std::fs::write(sandbox.ws().join("kept.txt"), "kept\n").unwrap();
    let alone = sandbox.clone();
    let call = agent.shell("unlink kept.txt");
    let output = tokio::task::spawn_blocking(move || alone.run(call, &socket))
        .await
        .unwrap();
    assert!(sandbox.ws().join("kept.txt").exists(), "{}", said(&output));
    assert!(
        sandbox.model.transcript().contains("signoff: "),
        "{}",
        sandbox.model.transcript()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_is_gated_for_shell_edits_and_mcp() {
    the_agent_is_gated(Agent::Claude).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_is_gated_for_shell_edits_and_mcp() {
    the_agent_is_gated(Agent::Codex).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gemini_cli_is_gated_for_shell_edits_and_mcp() {
    the_agent_is_gated(Agent::Gemini).await;
}

/// `signoff mcp` between a real MCP client (Claude Code, with no hook installed) and a real MCP
/// server from npm: reads stream, a destructive call waits and runs only when approved, a tool
/// whose definition changed since it was pinned waits with the change shown, and with no console
/// nothing is forwarded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mcp_gateway_gates_a_real_server_for_a_real_client() {
    let mut console = TestConsole::start().await;
    let socket = console.socket.clone();
    let sandbox = std::sync::Arc::new(Sandbox::new(Agent::Claude).await);
    let data = sandbox.root.path().join("signoff-data");
    let gateway = [
        signoff().to_str().unwrap(),
        "--socket",
        socket.to_str().unwrap(),
    ]
    .into_iter()
    .chain([
        "--data-dir",
        data.to_str().unwrap(),
        "mcp",
        "--name",
        "memory",
    ])
    .chain(["--", "node", &memory_server()])
    .map(String::from)
    .collect::<Vec<_>>();
    sandbox.configure(&gateway);
    let agent = Agent::Claude;

    // A read streams through, and the client gets the server's answer.
    let output = run(
        &mut console,
        &sandbox,
        agent.mcp("read_graph", json!({})),
        &socket,
    )
    .await
    .await
    .unwrap();
    let (item, decision) = decided(&mut console, &output).await;
    assert_eq!(item.action.headline(), "memory read_graph {}");
    assert_eq!(decision.decided_by, DecidedBy::Stream, "{}", said(&output));
    assert!(
        sandbox.model.transcript().contains("likes Rust"),
        "{}",
        said(&output)
    );

    // The server's definition of delete_entities is not what was pinned when it was first
    // seen: the call waits, showing the change; denied, the server never sees it.
    let pins = data.join("mcp-pins/memory.json");
    let mut pinned: Value = serde_json::from_str(&std::fs::read_to_string(&pins).unwrap()).unwrap();
    let current = pinned["delete_entities"].clone();
    pinned["delete_entities"]["description"] = json!("Lists entities");
    std::fs::write(&pins, pinned.to_string()).unwrap();
    let item = denied_deleting_alice(&mut console, &sandbox, agent, &socket).await;
    assert!(
        item.action
            .dry_run
            .diff
            .contains("-  \"description\": \"Lists entities\""),
        "{}",
        item.action.dry_run.diff
    );
    assert!(
        item.assessment
            .reasons
            .iter()
            .any(|r| r.rule_id == "mcp.definition-changed"),
        "{:?}",
        item.assessment.reasons
    );

    // Approved, the server runs it, and the definition a person approved is the pin.
    let call = agent.mcp("delete_entities", json!({"entityNames": ["Alice"]}));
    let (_, output) = answered(&mut console, &sandbox, call, &socket, approval).await;
    assert!(!sandbox.memory().contains("Alice"), "{}", said(&output));
    let pinned: Value = serde_json::from_str(&std::fs::read_to_string(&pins).unwrap()).unwrap();
    assert_eq!(pinned["delete_entities"], current);

    // With no console, not even a read reaches the server; the client is told why.
    console.shutdown().await;
    let alone = sandbox.clone();
    let output = tokio::task::spawn_blocking(move || {
        alone.run(Agent::Claude.mcp("read_graph", json!({})), &socket)
    })
    .await
    .unwrap();
    let transcript = sandbox.model.transcript();
    assert!(transcript.contains("signoff: "), "{}", said(&output));
    assert!(!transcript.contains("likes Rust"), "{transcript}");
}

/// `signoff doctor` after `signoff install` of the three agents, as a user runs both: green with
/// a console, each hook's canary arriving at it; red, and saying why, when Codex no longer trusts
/// its hook or no console runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_is_green_after_install_and_says_what_would_let_actions_through() {
    let mut console = TestConsole::start().await;
    let socket = console.socket.clone();
    let sandbox = Sandbox::new(Agent::Gemini).await;
    for agent in [Agent::Claude, Agent::Codex, Agent::Gemini] {
        sandbox.install(agent, "dev", &socket);
    }
    let doctor = |socket: &Path| {
        let output = sandbox
            .command(signoff(), socket)
            .arg("doctor")
            .output()
            .unwrap();
        (output.status.code(), said(&output))
    };

    let (code, text) = tokio::task::block_in_place(|| doctor(&socket));
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        text.matches("✓ canary: `true` went through the hook")
            .count(),
        3,
        "{text}"
    );
    assert!(text.contains("✓ trusted by Codex"), "{text}");
    assert!(text.contains("✓ in a folder Gemini CLI trusts"), "{text}");
    assert!(text.contains("- Cursor: not on this machine"), "{text}");
    for _ in 0..3 {
        let (item, decision) = console.next_decided().await;
        assert_eq!(item.action.headline(), "true");
        assert_eq!(decision.decided_by, DecidedBy::Stream);
    }

    // Codex's trust gone (a hand-edited config): Codex would skip the hook silently.
    let config = sandbox.home().join(".codex/config.toml");
    let trusted = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, &trusted[..trusted.find("[hooks").unwrap()]).unwrap();
    let (code, text) = tokio::task::block_in_place(|| doctor(&socket));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("✗ trusted by Codex"), "{text}");
    std::fs::write(&config, &trusted).unwrap();

    console.shutdown().await;
    let (code, text) = tokio::task::block_in_place(|| doctor(&socket));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("✗ console"), "{text}");

    // Scripts read the same as JSON.
    let output = sandbox
        .command(signoff(), &socket)
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["console"]["ok"], false);
}

/// `signoff install codex --mcp`, as a user runs it, puts the gateway in front of the MCP server
/// Codex starts (no hook installed: the gateway alone gates it); `uninstall --mcp` gives the
/// configuration back as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_mcp_puts_the_gateway_in_front_of_codexs_servers_and_takes_it_out() {
    let mut console = TestConsole::start().await;
    let socket = console.socket.clone();
    let sandbox = std::sync::Arc::new(Sandbox::new(Agent::Codex).await);
    let config = sandbox.home().join(".codex/config.toml");
    let before = std::fs::read_to_string(&config).unwrap();
    let mcp = |verb: &str, socket: &Path| {
        let output = sandbox
            .command(signoff(), socket)
            .args([verb, "codex", "--mcp"])
            .args(
                (verb == "install")
                    .then_some(["--env", "dev"])
                    .into_iter()
                    .flatten(),
            )
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", said(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let said_install = mcp("install", &socket);
    assert!(
        said_install.contains("now run behind `signoff mcp`"),
        "{said_install}"
    );

    denied_deleting_alice(&mut console, &sandbox, Agent::Codex, &socket).await;

    let said_uninstall = mcp("uninstall", &socket);
    assert!(
        said_uninstall.contains("no longer run behind"),
        "{said_uninstall}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
}
