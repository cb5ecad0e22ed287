use super::*;

const CLAUDE_SETTINGS: &str = r#"{
  "model": "opus",
  "permissions": {"allow": ["Bash(npm test)"]},
  "hooks": {
    "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "prettier --write"}]}],
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./my-guard.sh"}]}]
  },
  "zz_last": true
}
"#;

fn installed(change: Change) -> String {
    match change {
        Change::Changed { text, .. } => text,
        Change::Unchanged => panic!("expected a change"),
    }
}

#[test]
fn install_keeps_every_other_setting_and_hook_and_uninstall_removes_exactly_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, CLAUDE_SETTINGS).unwrap();
    let text = installed(install(Agent::ClaudeCode, &path, "dev").unwrap());
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["model"], "opus");
    assert_eq!(value["permissions"]["allow"][0], "Bash(npm test)");
    assert_eq!(
        value["hooks"]["PostToolUse"][0]["hooks"][0]["command"],
        "prettier --write"
    );
    let pre = value["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(
        pre[0]["hooks"][0]["command"], "./my-guard.sh",
        "existing hooks first, untouched"
    );
    assert_eq!(
        pre[1]["hooks"][0]["command"],
        "signoff hook claude-code --env dev --timeout 590"
    );
    assert_eq!(pre[1]["matcher"], "Bash|Write|Edit|MultiEdit");
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["model", "permissions", "hooks", "zz_last"],
        "key order kept"
    );

    write(&path, &text).unwrap();
    assert_eq!(
        install(Agent::ClaudeCode, &path, "dev").unwrap(),
        Change::Unchanged,
        "idempotent"
    );
    let restored = installed(uninstall(Agent::ClaudeCode, &path).unwrap());
    let original: Value = serde_json::from_str(CLAUDE_SETTINGS).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&restored).unwrap(), original);
    write(&path, &restored).unwrap();
    assert_eq!(
        uninstall(Agent::ClaudeCode, &path).unwrap(),
        Change::Unchanged
    );
}

#[test]
fn installing_again_with_another_env_replaces_the_hook_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, CLAUDE_SETTINGS).unwrap();
    write(
        &path,
        &installed(install(Agent::ClaudeCode, &path, "dev").unwrap()),
    )
    .unwrap();
    let text = installed(install(Agent::ClaudeCode, &path, "production").unwrap());
    let value: Value = serde_json::from_str(&text).unwrap();
    let commands: Vec<&str> = value["hooks"]["PreToolUse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["hooks"][0]["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        [
            "./my-guard.sh",
            "signoff hook claude-code --env production --timeout 590"
        ]
    );
}

#[test]
fn a_missing_file_is_created_and_uninstall_leaves_no_empty_containers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".cursor/hooks.json");
    let text = installed(install(Agent::Cursor, &path, "staging").unwrap());
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"version": 1, "hooks": {"beforeShellExecution": [{"command": "signoff hook cursor --env staging"}]}})
    );
    write(&path, &text).unwrap();
    let removed = installed(uninstall(Agent::Cursor, &path).unwrap());
    assert_eq!(
        serde_json::from_str::<Value>(&removed).unwrap(),
        json!({"version": 1})
    );
}

#[test]
fn a_malformed_file_is_refused_with_where_it_breaks_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, "{\n  \"model\": \"opus\",\n  \"hooks\": {,\n}\n").unwrap();
    let error = install(Agent::ClaudeCode, &path, "dev")
        .unwrap_err()
        .to_string();
    assert!(error.contains("not valid JSON (line 3"), "{error}");
    std::fs::write(&path, "{\"hooks\": []}").unwrap();
    let error = install(Agent::ClaudeCode, &path, "dev")
        .unwrap_err()
        .to_string();
    assert!(error.contains("`hooks` is not an object"), "{error}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"hooks\": []}");
}

#[test]
fn the_change_is_shown_as_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, "{\"theme\": \"dark\"}\n").unwrap();
    let Change::Changed { diff, .. } = install(Agent::Gemini, &path, "dev").unwrap() else {
        panic!()
    };
    assert!(
        diff.contains("+      \"BeforeTool\"") || diff.contains("+    \"BeforeTool\""),
        "{diff}"
    );
    assert!(diff.contains("signoff hook gemini --env dev"), "{diff}");
    assert!(diff.contains("-{\"theme\": \"dark\"}"), "{diff}");
}

#[test]
fn each_agent_has_its_settings_file() {
    let project = Path::new("/repo");
    assert_eq!(
        settings_path(Agent::ClaudeCode, Some(project)).unwrap(),
        Path::new("/repo/.claude/settings.json")
    );
    assert_eq!(
        settings_path(Agent::Codex, Some(project)).unwrap(),
        Path::new("/repo/.codex/hooks.json")
    );
    assert_eq!(
        settings_path(Agent::Cursor, Some(project)).unwrap(),
        Path::new("/repo/.cursor/hooks.json")
    );
    assert_eq!(
        settings_path(Agent::Gemini, Some(project)).unwrap(),
        Path::new("/repo/.gemini/settings.json")
    );
}
