use super::*;

#[test]
fn matchers_are_read_as_each_agent_reads_them() {
    assert!(matches(Agent::ClaudeCode, Some("*"), "mcp__db__drop"));
    assert!(matches(Agent::ClaudeCode, None, "Bash"));
    assert!(matches(Agent::ClaudeCode, Some("Bash|Write"), "Bash"));
    assert!(!matches(
        Agent::ClaudeCode,
        Some("Bash|Write"),
        "BashOutput"
    ));
    assert!(matches(Agent::ClaudeCode, Some("mcp__.*"), "mcp__db__drop"));
    // Codex: a list of names is exact; anything else is an unanchored regex.
    assert!(!matches(Agent::Codex, Some("Bash"), "apply_patch"));
    assert!(matches(
        Agent::Codex,
        Some("Bash|apply_patch"),
        "apply_patch"
    ));
    assert!(matches(Agent::Codex, Some("^mcp__"), "mcp__db__drop"));
    assert!(matches(Agent::Gemini, Some(".*"), "mcp_db_drop"));
    assert!(!matches(
        Agent::Gemini,
        Some("run_shell_command|write_file"),
        "mcp_db_drop"
    ));
}

fn places(dir: &Path) -> Places {
    let home = dir.join("home");
    std::fs::create_dir_all(home.join("project")).unwrap();
    Places {
        codex_home: home.join(".codex"),
        cwd: home.join("project"),
        home,
    }
}

fn failing(report: &AgentReport) -> Vec<&'static str> {
    report
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.check)
        .collect()
}

#[test]
fn an_install_checks_out_and_an_old_narrow_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let places = places(dir.path());
    // A program named signoff that exists (the canary is not run here).
    let exe = dir.path().join("bin/signoff");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    std::fs::write(&exe, "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    for agent in [Agent::ClaudeCode, Agent::Codex] {
        let path = places.settings(agent).remove(0);
        for edit in install::install(agent, &path, &install::command(agent, "dev", &exe)).unwrap() {
            install::write(&edit.path, &edit.text).unwrap();
        }
        let report = examine(agent, &places);
        assert!(report.found);
        assert_eq!(failing(&report), Vec::<&str>::new(), "{report:?}");
    }

    // Claude Code hooked for Bash only, as signoff once installed it, by a name not on PATH.
    let path = places.settings(Agent::ClaudeCode).remove(0);
    std::fs::write(
        &path,
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash|Write|Edit|MultiEdit", "hooks": [{"type": "command", "command": "/nowhere/signoff hook claude-code --env dev --timeout 590", "timeout": 60}]}]}}"#,
    )
    .unwrap();
    let report = examine(Agent::ClaudeCode, &places);
    assert_eq!(
        failing(&report),
        [
            "covers shell, edits and MCP tools",
            "fails closed",
            "runs a signoff that exists"
        ]
    );

    // Codex's trust of another command (an install edited by hand) is no trust.
    let hooks = places.settings(Agent::Codex).remove(0);
    let text = std::fs::read_to_string(&hooks)
        .unwrap()
        .replace("--env dev", "--env staging");
    std::fs::write(&hooks, text).unwrap();
    assert_eq!(
        failing(&examine(Agent::Codex, &places)),
        ["trusted by Codex"]
    );
}

#[test]
fn gemini_hooks_count_only_in_a_trusted_folder() {
    let dir = tempfile::tempdir().unwrap();
    let places = places(dir.path());
    let gemini = places.home.join(".gemini");
    std::fs::create_dir_all(&gemini).unwrap();
    let trust = |rules: serde_json::Value| {
        std::fs::write(gemini.join("trustedFolders.json"), rules.to_string()).unwrap();
        gemini_trust(&places).ok
    };
    assert!(!trust(json!({})));
    assert!(trust(
        json!({places.cwd.display().to_string(): "TRUST_FOLDER"})
    ));
    assert!(trust(
        json!({places.home.display().to_string(): "TRUST_FOLDER"})
    ));
    assert!(trust(
        json!({places.cwd.join("x").display().to_string(): "TRUST_PARENT"})
    ));
    assert!(!trust(json!({
        places.home.display().to_string(): "TRUST_FOLDER",
        places.cwd.display().to_string(): "DO_NOT_TRUST"
    })));
}

#[test]
fn an_agent_not_installed_is_a_failure_when_it_is_on_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let places = places(dir.path());
    let report = examine(Agent::Gemini, &places);
    assert!(!report.found, "nothing of Gemini here");
    std::fs::create_dir_all(places.home.join(".gemini")).unwrap();
    let report = examine(Agent::Gemini, &places);
    assert!(report.found);
    assert_eq!(failing(&report), ["installed"]);
}
