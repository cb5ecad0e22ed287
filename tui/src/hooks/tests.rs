use super::payload::{Edit, Tool, parse};
use super::*;

#[test]
fn claude_code_tools_become_actions() {
    let bash = br#"{"session_id":"s","cwd":"/repo","tool_name":"Bash","tool_input":{"command":"cargo test","description":"Run the tests"},"new_field":1}"#;
    let request = parse(Agent::ClaudeCode, bash).unwrap();
    assert_eq!(
        request.tool,
        Tool::Shell {
            command: "cargo test".into(),
            description: "Run the tests".into()
        }
    );
    assert_eq!(
        (request.session_key.as_str(), request.agent_name.as_str()),
        ("claude-code:s", "claude-code")
    );

    let multi = br#"{"session_id":"s","cwd":"/repo","tool_name":"MultiEdit","tool_input":{"file_path":"a.rs","edits":[{"old_string":"a","new_string":"b"},{"old_string":"c","new_string":"d","replace_all":true}]}}"#;
    let Tool::Edit { path, edits } = parse(Agent::ClaudeCode, multi).unwrap().tool else {
        panic!()
    };
    assert_eq!(path, "a.rs");
    assert_eq!(
        edits[1],
        Edit {
            old_string: "c".into(),
            new_string: "d".into(),
            replace_all: true
        }
    );

    let other = br#"{"session_id":"s","tool_name":"WebFetch","tool_input":{"url":"https://x"}}"#;
    assert!(
        matches!(parse(Agent::ClaudeCode, other).unwrap().tool, Tool::Other { name, .. } if name == "WebFetch")
    );
}

#[test]
fn sub_agents_are_sessions_of_their_own_and_named_as_such() {
    let payload = br#"{"session_id":"s","tool_name":"Bash","tool_input":{"command":"ls"},"agent_id":"a7","agent_type":"code-reviewer"}"#;
    let request = parse(Agent::ClaudeCode, payload).unwrap();
    assert_eq!(request.agent_name, "claude-code › code-reviewer");
    assert_eq!(request.session_key, "claude-code:s:a7");
    assert_eq!(request.subagent.as_deref(), Some("code-reviewer"));
}

#[test]
fn cursor_and_gemini_payloads() {
    let cursor = br#"{"hook_event_name":"beforeShellExecution","conversation_id":"c1","generation_id":"g","workspace_roots":["/ws"],"command":"npm i"}"#;
    let request = parse(Agent::Cursor, cursor).unwrap();
    assert_eq!(
        (request.cwd.as_str(), request.session_key.as_str()),
        ("/ws", "cursor:c1")
    );
    assert_eq!(
        request.tool,
        Tool::Shell {
            command: "npm i".into(),
            description: String::new()
        }
    );

    let replace = br#"{"session_id":"g","cwd":"/r","tool_name":"replace","tool_input":{"file_path":"/r/x","old_string":"1","new_string":"2"}}"#;
    assert!(matches!(
        parse(Agent::Gemini, replace).unwrap().tool,
        Tool::Edit { .. }
    ));
    let write = br#"{"session_id":"g","cwd":"/r","tool_name":"write_file","tool_input":{"file_path":"/r/x","content":"hi"}}"#;
    assert_eq!(
        parse(Agent::Gemini, write).unwrap().tool,
        Tool::Write {
            path: "/r/x".into(),
            content: "hi".into()
        }
    );
}

#[test]
fn a_written_file_carries_its_real_diff() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "one\ntwo\n").unwrap();
    let request = HookRequest {
        session_key: "k".into(),
        agent_name: "claude-code".into(),
        cwd: dir.path().display().to_string(),
        model: None,
        subagent: None,
        tool: Tool::Write {
            path: "a.txt".into(),
            content: "one\nthree\n".into(),
        },
    };
    let action = action::from_tool(&request).remove(0);
    let diff = &action.dry_run.diff;
    assert!(
        diff.contains("-two") && diff.contains("+three") && diff.contains(" one"),
        "{diff}"
    );
    match action.kind {
        signoff_agent_sdk::ActionKind::File(file) => {
            assert_eq!(file.op, signoff_agent_sdk::FileOp::Modify);
            assert!(file.path.ends_with("/a.txt"));
        }
        other => panic!("{other:?}"),
    }
    let new = HookRequest {
        tool: Tool::Write {
            path: "new.txt".into(),
            content: "x\n".into(),
        },
        ..request
    };
    assert!(
        matches!(action::from_tool(&new).remove(0).kind, signoff_agent_sdk::ActionKind::File(f) if f.op == signoff_agent_sdk::FileOp::Create)
    );
}

#[test]
fn answers_in_each_agents_format() {
    let claude: serde_json::Value = serde_json::from_str(&deny(Agent::ClaudeCode, "no")).unwrap();
    assert_eq!(claude["hookSpecificOutput"]["permissionDecision"], "deny");
    assert_eq!(claude["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    let cursor: serde_json::Value = serde_json::from_str(&deny(Agent::Cursor, "no")).unwrap();
    assert_eq!(
        (
            cursor["permission"].as_str(),
            cursor["agent_message"].as_str()
        ),
        (Some("deny"), Some("no"))
    );
    let gemini: serde_json::Value = serde_json::from_str(&deny(Agent::Gemini, "no")).unwrap();
    assert_eq!(
        (gemini["decision"].as_str(), gemini["reason"].as_str()),
        (Some("deny"), Some("no"))
    );
}

#[test]
fn mcp_tools_are_read_as_server_tool_and_arguments_in_every_agent() {
    let claude = br#"{"session_id":"s","tool_name":"mcp__railway__volume_delete","tool_input":{"volumeId":"vol-7f3a"}}"#;
    let gemini = br#"{"session_id":"s","tool_name":"mcp_railway_volume_delete","tool_input":{"volumeId":"vol-7f3a"}}"#;
    let cursor = br#"{"hook_event_name":"beforeMCPExecution","conversation_id":"c","tool_name":"volume_delete","tool_input":"{\"volumeId\":\"vol-7f3a\"}","command":"railway"}"#;
    for (agent, payload) in [
        (Agent::ClaudeCode, &claude[..]),
        (Agent::Codex, &claude[..]),
        (Agent::Gemini, &gemini[..]),
        (Agent::Cursor, &cursor[..]),
    ] {
        let request = parse(agent, payload).unwrap();
        assert_eq!(
            request.tool,
            Tool::Mcp {
                server: "railway".into(),
                tool: "volume_delete".into(),
                arguments: serde_json::json!({"volumeId": "vol-7f3a"}),
            },
            "{agent:?}"
        );
    }
    // Only Gemini joins with single underscores; elsewhere such a name is a tool of its own.
    let plain = br#"{"session_id":"s","tool_name":"mcp_tool","tool_input":{}}"#;
    assert!(matches!(
        parse(Agent::ClaudeCode, plain).unwrap().tool,
        Tool::Other { .. }
    ));
}

#[test]
fn a_codex_patch_is_one_file_change_per_file_with_its_hunks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kept.rs"), "fn a() {}\n").unwrap();
    let text = "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** Update File: kept.rs\n*** Move to: moved.rs\n@@\n-fn a() {}\n+fn b() {}\n*** Delete File: gone.txt\n*** End Patch\n";
    let payload = serde_json::json!({
        "session_id": "s",
        "cwd": dir.path(),
        "tool_name": "apply_patch",
        "tool_input": {"command": text},
    });
    let request = parse(Agent::Codex, payload.to_string().as_bytes()).unwrap();
    let actions = action::from_tool(&request);
    let files: Vec<_> = actions
        .iter()
        .map(|a| match &a.kind {
            signoff_agent_sdk::ActionKind::File(f) => (
                f.op,
                f.path.rsplit('/').next().unwrap().to_string(),
                f.new_path.rsplit('/').next().unwrap_or("").to_string(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    use signoff_agent_sdk::FileOp;
    assert_eq!(
        files,
        [
            (FileOp::Create, "new.txt".into(), "".into()),
            (FileOp::Rename, "kept.rs".into(), "moved.rs".into()),
            (FileOp::Delete, "gone.txt".into(), "".into()),
        ]
    );
    assert!(actions[1].dry_run.diff.contains("-fn a() {}\n+fn b() {}"));
    assert!(actions[0].dry_run.diff.contains("+hello"));
}

#[test]
fn a_notebook_edit_is_a_change_to_the_notebook() {
    let payload = br#"{"session_id":"s","cwd":"/repo","tool_name":"NotebookEdit","tool_input":{"notebook_path":"nb.ipynb","cell_id":"c3","new_source":"import os\nos.remove('x')","edit_mode":"replace"}}"#;
    let request = parse(Agent::ClaudeCode, payload).unwrap();
    let action = action::from_tool(&request).remove(0);
    match &action.kind {
        signoff_agent_sdk::ActionKind::File(f) => assert_eq!(f.path, "/repo/nb.ipynb"),
        other => panic!("{other:?}"),
    }
    assert!(action.dry_run.diff.contains("+os.remove('x')"));
}

#[test]
fn a_shell_commands_description_is_the_rationale_not_the_headline() {
    let bash = br#"{"session_id":"s","cwd":"/repo","tool_name":"Bash","tool_input":{"command":"railway volume delete vol-7f3a","description":"Tidy up a stale volume"}}"#;
    let action = action::from_tool(&parse(Agent::ClaudeCode, bash).unwrap()).remove(0);
    assert_eq!(action.headline(), "railway volume delete vol-7f3a");
    assert_eq!(action.rationale, "Tidy up a stale volume");
}

#[test]
fn codex_hears_nothing_for_an_allow_and_a_reason_for_a_deny() {
    let allow = Answer {
        allow: true,
        reason: "approved".into(),
    };
    assert_eq!(allow.render(Agent::Codex), "");
    assert!(allow.render(Agent::ClaudeCode).contains("\"allow\""));
    let codex: serde_json::Value = serde_json::from_str(&deny(Agent::Codex, "no")).unwrap();
    assert_eq!(codex["hookSpecificOutput"]["permissionDecision"], "deny");
}
