//! `signoff-hook <agent>` (and `signoff hook <agent>`) as the agents run it: a process per call,
//! the payload on stdin.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use signoff_tui::queue::UiEvent;

use crate::support::{BINARY, HOOK_BINARY, TestConsole, deny, within};

/// Runs the hook like the agent does; returns (stdout as JSON, exit code).
async fn hook(
    socket: &Path,
    agent: &str,
    env: &str,
    payload: &str,
) -> (serde_json::Value, Option<i32>) {
    run_hook(
        socket,
        &[agent, "--env", env, "--timeout", "20"],
        payload,
        &[],
    )
    .await
}

/// `signoff-hook <args> --socket <socket>` with `payload` on stdin (`socket` may be a remote
/// console's URL), run with `env` (`SIGNOFF_TOKEN`, `HOME`, `KUBECONFIG`…). The machine's own
/// token and context variables never reach it; `HOME` stays unless `env` sets it.
pub async fn run_hook(
    socket: &Path,
    args: &[&str],
    payload: &str,
    env: &[(&str, &str)],
) -> (serde_json::Value, Option<i32>) {
    run_program(HOOK_BINARY, socket, args, payload, env).await
}

/// [`run_hook`] with another program (`signoff`, for its `hook` subcommand).
async fn run_program(
    program: &'static str,
    socket: &Path,
    args: &[&str],
    payload: &str,
    env: &[(&str, &str)],
) -> (serde_json::Value, Option<i32>) {
    let socket = socket.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let payload = payload.to_string();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let output = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(program);
        command.env_remove("SIGNOFF_TOKEN");
        for name in signoff_protocol::variables::CONTEXT_VARIABLES {
            if *name != "HOME" {
                command.env_remove(name);
            }
        }
        command.envs(env);
        let mut child = command
            .args(&args)
            .arg("--socket")
            .arg(&socket)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(payload.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    });
    let output = within(output).await.unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    // No output at all is Codex's "no objection" (its allow).
    let answer = if text.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (answer, output.status.code())
}

pub fn claude(tool: &str, input: serde_json::Value, cwd: &Path) -> String {
    serde_json::json!({
        "session_id": "abc123", "transcript_path": "/home/u/.claude/projects/x/abc123.jsonl",
        "cwd": cwd, "permission_mode": "default", "hook_event_name": "PreToolUse",
        "tool_name": tool, "tool_input": input, "tool_use_id": "toolu_01ABC123",
        "a_field_from_a_newer_claude": {"nested": true}
    })
    .to_string()
}

pub fn decision(answer: &serde_json::Value) -> (&str, &str) {
    let output = &answer["hookSpecificOutput"];
    (
        output["permissionDecision"].as_str().unwrap(),
        output["permissionDecisionReason"].as_str().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_bash_streams_and_one_claude_session_is_one_session() {
    let mut console = TestConsole::start().await;
    let payload = claude(
        "Bash",
        serde_json::json!({"command": "ls -la", "description": "List files", "timeout": 120000}),
        console.dir.path(),
    );
    // The program `signoff install` has the agent run, then `signoff hook`: the same answer.
    let args = ["claude-code", "--env", "dev", "--timeout", "20"];
    let subcommand = [&["hook"][..], &args].concat();
    for (program, args) in [(HOOK_BINARY, &args[..]), (BINARY, &subcommand[..])] {
        let (answer, code) = run_program(program, &console.socket, args, &payload, &[]).await;
        assert_eq!(code, Some(0));
        assert_eq!(decision(&answer).0, "allow", "{program}");
    }
    let mut opened = 0;
    while let Ok(Some(event)) =
        tokio::time::timeout(std::time::Duration::from_millis(200), console.events()).await
    {
        if let UiEvent::SessionOpened { info, .. } = event {
            assert_eq!(
                (info.agent_kind.as_str(), info.agent_name.as_str()),
                ("claude-code", "claude-code")
            );
            opened += 1;
        }
    }
    assert_eq!(
        opened, 1,
        "the same Claude session id reuses its signoff session"
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_edit_shows_the_real_diff_and_a_denial_carries_the_note() {
    let mut console = TestConsole::start().await;
    let file = console.dir.path().join("config.yml");
    std::fs::write(&file, "replicas: 2\nimage: api:1.0\n").unwrap();
    let payload = claude(
        "Edit",
        serde_json::json!({"file_path": file, "old_string": "replicas: 2", "new_string": "replicas: 0", "replace_all": false}),
        console.dir.path(),
    );
    let socket = console.socket.clone();
    let call = tokio::spawn(async move { hook(&socket, "claude-code", "staging", &payload).await });
    let item = console.next_waiting().await;
    let diff = &item.action.dry_run.diff;
    assert!(
        diff.contains("-replicas: 2")
            && diff.contains("+replicas: 0")
            && diff.contains(" image: api:1.0"),
        "{diff}"
    );
    console
        .decide(&item, deny("scale down through the release pipeline"))
        .await;
    let (answer, code) = within(call).await.unwrap();
    assert_eq!(code, Some(0));
    let (verdict, reason) = decision(&answer);
    assert_eq!(verdict, "deny");
    assert!(
        reason.contains("scale down through the release pipeline"),
        "{reason}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "replicas: 2\nimage: api:1.0\n",
        "the hook never writes"
    );
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_console_or_a_bad_payload_the_answer_is_deny_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("nobody.sock");
    let payload = claude(
        "Bash",
        serde_json::json!({"command": "rm -rf /"}),
        dir.path(),
    );
    let (answer, code) = hook(&socket, "claude-code", "unknown", &payload).await;
    assert_eq!(code, Some(0));
    let (verdict, reason) = decision(&answer);
    assert_eq!(verdict, "deny");
    assert!(reason.contains("not reachable"), "{reason}");
    for garbage in ["not json", "{}", "{\"session_id\": 7}", ""] {
        let (answer, code) = hook(&socket, "claude-code", "dev", garbage).await;
        assert_eq!(
            (decision(&answer).0, code),
            ("deny", Some(0)),
            "{garbage:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_cursor_and_gemini_answer_in_their_own_formats() {
    let console = TestConsole::start().await;
    let cwd = console.dir.path().display().to_string();
    let codex = serde_json::json!({
        "cwd": cwd, "hook_event_name": "PreToolUse", "model": "gpt-5-codex", "permission_mode": "default",
        "session_id": "c-1", "tool_input": {"command": "git status"}, "tool_name": "Bash", "tool_use_id": "t1",
        "transcript_path": null, "turn_id": "turn-9"
    });
    let (answer, code) = hook(&console.socket, "codex", "dev", &codex.to_string()).await;
    assert_eq!(code, Some(0));
    // Codex 0.169 reports an `allow` without `updatedInput` as a failed hook: its allow is
    // no output at all.
    assert_eq!(answer, serde_json::Value::Null);
    let destructive = serde_json::json!({
        "cwd": cwd, "hook_event_name": "PreToolUse", "model": "gpt-5-codex", "permission_mode": "default",
        "session_id": "c-1", "tool_input": {"command": "git push --force origin main"}, "tool_name": "Bash",
        "tool_use_id": "t2", "transcript_path": null, "turn_id": "turn-9"
    });
    // Nobody answers within the hook's time: Codex hears a deny, in its own format.
    let (answer, code) = run_hook(
        &console.socket,
        &["codex", "--env", "dev", "--timeout", "3"],
        &destructive.to_string(),
        &[],
    )
    .await;
    assert_eq!(code, Some(0));
    // Codex rejects unknown fields in hook output: exactly the documented ones.
    assert_eq!(
        answer.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["hookSpecificOutput"]
    );
    let mut keys: Vec<_> = answer["hookSpecificOutput"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "hookEventName",
            "permissionDecision",
            "permissionDecisionReason"
        ]
    );
    assert_eq!(answer["hookSpecificOutput"]["permissionDecision"], "deny");

    let cursor = serde_json::json!({
        "hook_event_name": "beforeShellExecution", "conversation_id": "conv-123", "generation_id": "gen-456",
        "workspace_roots": [cwd], "command": "npm install express", "cwd": cwd
    });
    let (answer, _) = hook(&console.socket, "cursor", "dev", &cursor.to_string()).await;
    assert_eq!(answer["permission"], "allow");
    assert!(answer["user_message"].is_string() && answer["agent_message"].is_string());

    let gemini = serde_json::json!({
        "session_id": "g-1", "transcript_path": "/tmp/t.json", "cwd": cwd, "hook_event_name": "BeforeTool",
        "timestamp": "2026-11-21T12:00:00Z", "tool_name": "run_shell_command", "tool_input": {"command": "ls"}
    });
    let (answer, _) = hook(&console.socket, "gemini", "dev", &gemini.to_string()).await;
    assert_eq!(answer["decision"], "allow");
    // A destructive command in production, with nobody there to answer within the hook's time:
    // Gemini hears deny.
    let gemini_delete = serde_json::json!({
        "session_id": "g-1", "cwd": cwd, "hook_event_name": "BeforeTool", "tool_name": "run_shell_command",
        "tool_input": {"command": "railway volume delete vol-7f3a"}
    });
    let (answer, code) = run_hook(
        &console.socket,
        &["gemini", "--timeout", "3"],
        &gemini_delete.to_string(),
        &[],
    )
    .await;
    assert_eq!((answer["decision"].as_str(), code), (Some("deny"), Some(0)));
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_fifo_or_a_device_answers_instead_of_hanging() {
    // The hook reads the file for the diff. A FIFO with no writer would block it and /dev/zero
    // would never end: a hook that never answers lets the agent's tool run.
    let console = TestConsole::start().await;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for path in [fifo.as_path(), Path::new("/dev/zero")] {
        let payload = claude(
            "Write",
            serde_json::json!({"file_path": path, "content": "x"}),
            dir.path(),
        );
        // Answered within the hook's own 2 s (the FIFO, in the workspace, streams; /dev/zero
        // waits for a person who is not there and is denied), never hung.
        let args = ["claude-code", "--env", "dev", "--timeout", "2"];
        let (answer, code) = run_hook(&console.socket, &args, &payload, &[]).await;
        let expected = if path == fifo { "allow" } else { "deny" };
        assert_eq!(
            (decision(&answer).0, code),
            (expected, Some(0)),
            "{}",
            path.display()
        );
    }
    console.shutdown().await;
}
