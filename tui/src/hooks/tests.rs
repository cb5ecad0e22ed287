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
    let action = action::from_tool(&request);
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
        matches!(action::from_tool(&new).kind, signoff_agent_sdk::ActionKind::File(f) if f.op == signoff_agent_sdk::FileOp::Create)
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
