use super::*;

#[test]
fn the_hash_is_the_one_codex_computes() {
    // Checked against `hooks/list` of the real Codex 0.169.0 (its `currentHash`).
    let handler = serde_json::json!({"type": "command", "command": "/usr/local/bin/signoff hook codex", "timeout": 600});
    assert_eq!(
        hook_hash(Some("*"), &handler),
        "sha256:707b53601ba73b2ea657a99063cf0a13227b2323cd1394a705cd26c69d1ed288"
    );
    // No timeout is 600; `async` false is the default; `commandWindows` is not hashed.
    let same = serde_json::json!({"command": "/usr/local/bin/signoff hook codex", "async": false, "commandWindows": "x"});
    assert_eq!(hook_hash(Some("*"), &same), hook_hash(Some("*"), &handler));
    assert_ne!(hook_hash(None, &handler), hook_hash(Some("*"), &handler));
}

#[test]
fn trust_is_written_beside_the_users_config_and_moved_when_a_group_before_goes() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("hooks.json");
    let config = config_path(&hooks);
    let real = std::fs::canonicalize(dir.path())
        .unwrap()
        .join("hooks.json");
    let user_key = format!("{}:pre_tool_use:2:0", real.display());
    std::fs::write(
        &config,
        format!("model = \"gpt-5\" # mine\n\n[hooks.state.\"{user_key}\"]\ntrusted_hash = \"sha256:users\"\n"),
    )
    .unwrap();
    let group = serde_json::json!({"matcher": "*", "hooks": [{"type": "command", "command": "signoff hook codex", "timeout": 600}]});
    let edit = trust(&hooks, 1, &group).unwrap().unwrap();
    assert!(
        edit.text.starts_with("model = \"gpt-5\" # mine\n"),
        "{}",
        edit.text
    );
    let key = state_key(&hooks, 1, 0);
    assert_eq!(
        trusted_hash(&edit.text, &key),
        Some(hook_hash(Some("*"), &group["hooks"][0]))
    );
    assert_eq!(
        trusted_hash(&edit.text, &user_key).as_deref(),
        Some("sha256:users")
    );
    std::fs::write(&config, &edit.text).unwrap();
    assert_eq!(trust(&hooks, 1, &group).unwrap(), None, "idempotent");

    // Uninstalling group 1: the user's group 2 is now group 1, and stays trusted.
    let edit = untrust(&hooks, 1).unwrap().unwrap();
    assert_eq!(
        trusted_hash(&edit.text, &state_key(&hooks, 1, 0)).as_deref(),
        Some("sha256:users")
    );
    assert_eq!(trusted_hash(&edit.text, &user_key), None);
    assert!(edit.text.starts_with("model = \"gpt-5\" # mine\n"));
}

#[test]
fn a_broken_config_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("hooks.json");
    std::fs::write(config_path(&hooks), "model = \n").unwrap();
    let group = serde_json::json!({"matcher": "*", "hooks": [{"type": "command", "command": "signoff hook codex"}]});
    let error = trust(&hooks, 0, &group).unwrap_err().to_string();
    assert!(error.contains("config.toml is not valid TOML"), "{error}");
    assert_eq!(
        std::fs::read_to_string(config_path(&hooks)).unwrap(),
        "model = \n"
    );
}
