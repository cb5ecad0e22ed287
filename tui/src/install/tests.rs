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

const EXE: &str = "/usr/local/bin/signoff";

fn hook(agent: Agent, env: &str) -> String {
    command(agent, env, Path::new(EXE))
}

/// The settings file's new text (the first edit).
fn installed(edits: Vec<Edit>) -> String {
    edits.into_iter().next().expect("a change").text
}

#[test]
fn install_keeps_every_other_setting_and_hook_and_uninstall_removes_exactly_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, CLAUDE_SETTINGS).unwrap();
    let text =
        installed(install(Agent::ClaudeCode, &path, &hook(Agent::ClaudeCode, "dev")).unwrap());
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
        "/usr/local/bin/signoff hook claude-code --env dev --timeout 590"
    );
    assert_eq!(pre[1]["matcher"], "*", "every tool, MCP and notebooks too");
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["model", "permissions", "hooks", "zz_last"],
        "key order kept"
    );

    write(&path, &text).unwrap();
    assert_eq!(
        install(Agent::ClaudeCode, &path, &hook(Agent::ClaudeCode, "dev")).unwrap(),
        [],
        "idempotent"
    );
    let restored = installed(uninstall(Agent::ClaudeCode, &path).unwrap());
    let original: Value = serde_json::from_str(CLAUDE_SETTINGS).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&restored).unwrap(), original);
    write(&path, &restored).unwrap();
    assert_eq!(uninstall(Agent::ClaudeCode, &path).unwrap(), []);
}

#[test]
fn installing_again_with_another_env_replaces_the_hook_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, CLAUDE_SETTINGS).unwrap();
    // An install from before signoff ran by its path is recognised and replaced too.
    let old = installed(
        install(
            Agent::ClaudeCode,
            &path,
            "signoff hook claude-code --env dev",
        )
        .unwrap(),
    );
    write(&path, &old).unwrap();
    let text = installed(
        install(
            Agent::ClaudeCode,
            &path,
            &hook(Agent::ClaudeCode, "production"),
        )
        .unwrap(),
    );
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
            "/usr/local/bin/signoff hook claude-code --env production --timeout 590"
        ]
    );
}

#[test]
fn cursor_is_fail_closed_for_shell_and_mcp_and_uninstall_leaves_no_empty_containers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".cursor/hooks.json");
    let text = installed(install(Agent::Cursor, &path, &hook(Agent::Cursor, "staging")).unwrap());
    let entry =
        json!({"command": "/usr/local/bin/signoff hook cursor --env staging", "failClosed": true});
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"version": 1, "hooks": {"beforeShellExecution": [entry], "beforeMCPExecution": [entry]}})
    );
    write(&path, &text).unwrap();
    let removed = installed(uninstall(Agent::Cursor, &path).unwrap());
    assert_eq!(
        serde_json::from_str::<Value>(&removed).unwrap(),
        json!({"version": 1})
    );
}

#[test]
fn codex_is_trusted_where_codex_looks_and_untrusted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hooks.json");
    std::fs::write(
        &path,
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}]}}"#,
    )
    .unwrap();
    let edits = install(Agent::Codex, &path, &hook(Agent::Codex, "dev")).unwrap();
    assert_eq!(edits.len(), 2, "hooks.json and config.toml");
    for edit in &edits {
        write(&edit.path, &edit.text).unwrap();
    }
    let config = std::fs::read_to_string(codex::config_path(&path)).unwrap();
    let handler = json!({"type": "command", "command": "/usr/local/bin/signoff hook codex --env dev --timeout 590", "timeout": 600});
    assert_eq!(
        codex::trusted_hash(&config, &codex::state_key(&path, 1, 0)),
        Some(codex::hook_hash(Some("*"), &handler))
    );
    // Another --env: another command, another hash, trusted again.
    let edits = install(Agent::Codex, &path, &hook(Agent::Codex, "staging")).unwrap();
    let config = &edits
        .iter()
        .find(|e| e.path.ends_with("config.toml"))
        .unwrap()
        .text;
    let staged = json!({"type": "command", "command": "/usr/local/bin/signoff hook codex --env staging --timeout 590", "timeout": 600});
    assert_eq!(
        codex::trusted_hash(config, &codex::state_key(&path, 1, 0)),
        Some(codex::hook_hash(Some("*"), &staged))
    );
    for edit in &edits {
        write(&edit.path, &edit.text).unwrap();
    }
    let edits = uninstall(Agent::Codex, &path).unwrap();
    let config = &edits
        .iter()
        .find(|e| e.path.ends_with("config.toml"))
        .unwrap()
        .text;
    assert_eq!(
        codex::trusted_hash(config, &codex::state_key(&path, 1, 0)),
        None
    );
}

#[test]
fn a_malformed_file_is_refused_with_where_it_breaks_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, "{\n  \"model\": \"opus\",\n  \"hooks\": {,\n}\n").unwrap();
    let error = install(Agent::ClaudeCode, &path, &hook(Agent::ClaudeCode, "dev"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("not valid JSON (line 3"), "{error}");
    std::fs::write(&path, "{\"hooks\": []}").unwrap();
    let error = install(Agent::ClaudeCode, &path, &hook(Agent::ClaudeCode, "dev"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("`hooks` is not an object"), "{error}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"hooks\": []}");
}

#[test]
fn the_change_is_shown_as_a_diff_and_gemini_gives_a_person_ten_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    std::fs::write(&path, "{\"theme\": \"dark\"}\n").unwrap();
    let edits = install(Agent::Gemini, &path, &hook(Agent::Gemini, "dev")).unwrap();
    let diff = &edits[0].diff;
    assert!(
        diff.contains("+      \"BeforeTool\"") || diff.contains("+    \"BeforeTool\""),
        "{diff}"
    );
    assert!(
        diff.contains("signoff hook gemini --env dev --timeout 590"),
        "{diff}"
    );
    assert!(diff.contains("-{\"theme\": \"dark\"}"), "{diff}");
    let value: Value = serde_json::from_str(&edits[0].text).unwrap();
    assert_eq!(
        value["hooks"]["BeforeTool"][0]["hooks"][0]["timeout"],
        600_000
    );
}

#[test]
fn the_command_is_quoted_when_its_path_needs_it() {
    assert_eq!(
        command(Agent::ClaudeCode, "dev", Path::new("/opt/my tools/signoff")),
        "'/opt/my tools/signoff' hook claude-code --env dev --timeout 590"
    );
    assert!(is_ours(
        Agent::ClaudeCode,
        "'/opt/my tools/signoff' hook claude-code --env dev"
    ));
    assert!(is_ours(Agent::Codex, "signoff hook codex --env dev"));
    assert!(!is_ours(Agent::Codex, "signoff hook claude-code"));
    assert!(!is_ours(Agent::Codex, "/bin/not-signoff hook codex"));
    assert!(is_ours(
        Agent::Codex,
        "/usr/bin/signoff-hook codex --env dev"
    ));
    assert!(is_ours(Agent::Codex, "'/my bin/signoff-hook' codex"));
    assert!(!is_ours(Agent::Codex, "/usr/bin/signoff-hook claude-code"));
    assert!(!is_ours(Agent::Codex, "/usr/bin/not-signoff-hook codex"));
}

/// Installed beside `signoff`, the hook program is what the agent runs; uninstall knows both.
#[test]
fn the_agent_runs_signoff_hook_where_it_stands_beside_signoff() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("signoff");
    let expected = format!(
        "{}/signoff hook codex --env dev --timeout 590",
        dir.path().display()
    );
    assert_eq!(command(Agent::Codex, "dev", &exe), expected);
    std::fs::write(dir.path().join(HOOK_PROGRAM), "").unwrap();
    let command = command(Agent::ClaudeCode, "dev", &exe);
    assert_eq!(
        command,
        format!(
            "{}/signoff-hook claude-code --env dev --timeout 590",
            dir.path().display()
        )
    );
    let path = dir.path().join("settings.json");
    let text =
        installed(install(Agent::ClaudeCode, &path, &hook(Agent::ClaudeCode, "dev")).unwrap());
    write(&path, &text).unwrap();
    let text = installed(install(Agent::ClaudeCode, &path, &command).unwrap());
    assert!(!text.contains("/signoff hook"), "replaced in place: {text}");
    write(&path, &text).unwrap();
    let text = installed(uninstall(Agent::ClaudeCode, &path).unwrap());
    assert!(!text.contains("signoff"), "{text}");
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
