use serde_json::{Value, json};

use super::*;

const EXE: &str = "/usr/local/bin/signoff";

fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn apply(edit: Option<Edit>) -> String {
    let edit = edit.expect("an edit");
    std::fs::write(&edit.path, &edit.text).unwrap();
    edit.text
}

#[test]
fn every_server_claude_code_starts_is_wrapped_and_unwrapped_exactly() {
    let original = json!({
        "numStartups": 3,
        "mcpServers": {
            "db": {"command": "npx", "args": ["-y", "@acme/db-mcp"], "env": {"DB_URL": "postgres://x"}},
            "remote": {"type": "http", "url": "https://mcp.example.com/mcp"}
        },
        "projects": {"/home/u/app": {"mcpServers": {"fs": {"command": "fs-mcp"}}, "allowedTools": []}}
    });
    let (_dir, path) = file(&serde_json::to_string_pretty(&original).unwrap());

    let (edit, notes) = wrap(Agent::ClaudeCode, &path, EXE, "dev", None).unwrap();
    let wrapped: Value = serde_json::from_str(&apply(edit)).unwrap();
    assert_eq!(
        wrapped["mcpServers"]["db"],
        json!({"command": EXE, "args": ["mcp", "--name", "db", "--env", "dev", "--", "npx", "-y", "@acme/db-mcp"], "env": {"DB_URL": "postgres://x"}})
    );
    assert_eq!(
        wrapped["projects"]["/home/u/app"]["mcpServers"]["fs"]["args"],
        json!(["mcp", "--name", "fs", "--env", "dev", "--", "fs-mcp"])
    );
    assert_eq!(
        wrapped["mcpServers"]["remote"],
        original["mcpServers"]["remote"]
    );
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("`remote` is reached by URL"), "{notes:?}");

    // Wrapping again as asked changes nothing; with another environment, it is wrapped once.
    assert_eq!(
        wrap(Agent::ClaudeCode, &path, EXE, "dev", None).unwrap().0,
        None
    );
    let staging: Value = serde_json::from_str(&apply(
        wrap(Agent::ClaudeCode, &path, EXE, "staging", None)
            .unwrap()
            .0,
    ))
    .unwrap();
    assert_eq!(
        staging["mcpServers"]["db"]["args"],
        json!([
            "mcp",
            "--name",
            "db",
            "--env",
            "staging",
            "--",
            "npx",
            "-y",
            "@acme/db-mcp"
        ])
    );

    let unwrapped: Value =
        serde_json::from_str(&apply(unwrap(Agent::ClaudeCode, &path).unwrap())).unwrap();
    assert_eq!(unwrapped, original);
    assert_eq!(unwrap(Agent::ClaudeCode, &path).unwrap(), None);
}

#[test]
fn codex_servers_are_wrapped_in_place_keeping_comments() {
    let original = "model = \"gpt-5.5\"\n\n# the database\n[mcp_servers.db]\ncommand = \"npx\"\nargs = [\"-y\", \"@acme/db-mcp\"]\nenv = { DB_URL = \"postgres://x\" }\n\n[mcp_servers.docs]\nurl = \"https://mcp.example.com/mcp\"\n";
    let (_dir, path) = file(original);
    let (edit, notes) = wrap(Agent::Codex, &path, EXE, "dev", None).unwrap();
    let wrapped = apply(edit);
    assert!(
        wrapped.contains("# the database\n[mcp_servers.db]\n"),
        "{wrapped}"
    );
    assert!(
        wrapped.contains(&format!("command = \"{EXE}\"\nargs = [\"mcp\", \"--name\", \"db\", \"--env\", \"dev\", \"--\", \"npx\", \"-y\", \"@acme/db-mcp\"]\nenv = {{ DB_URL = \"postgres://x\" }}")),
        "{wrapped}"
    );
    assert!(notes[0].contains("`docs` is reached by URL"), "{notes:?}");
    assert_eq!(apply(unwrap(Agent::Codex, &path).unwrap()), original);
}

#[test]
fn gemini_and_cursor_keep_their_servers_beside_other_settings() {
    for agent in [Agent::Gemini, Agent::Cursor] {
        let original = json!({"hooks": {"BeforeTool": []}, "mcpServers": {"db": {"command": "db-mcp", "args": ["--ro"], "timeout": 30000}}});
        let (_dir, path) = file(&original.to_string());
        let wrapped: Value =
            serde_json::from_str(&apply(wrap(agent, &path, EXE, "prod", None).unwrap().0)).unwrap();
        assert_eq!(
            wrapped["mcpServers"]["db"],
            json!({"command": EXE, "args": ["mcp", "--name", "db", "--env", "prod", "--", "db-mcp", "--ro"], "timeout": 30000})
        );
        let unwrapped: Value = serde_json::from_str(&apply(unwrap(agent, &path).unwrap())).unwrap();
        assert_eq!(unwrapped, original);
    }
}

#[test]
fn a_malformed_file_is_refused_and_left_alone() {
    let (_dir, path) = file("{\"mcpServers\": {");
    assert!(matches!(
        wrap(Agent::ClaudeCode, &path, EXE, "dev", None),
        Err(InstallError::Malformed { .. })
    ));
    let (_dir, path) = file("[mcp_servers.db\n");
    assert!(matches!(
        wrap(Agent::Codex, &path, EXE, "dev", None),
        Err(InstallError::Toml { .. })
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "[mcp_servers.db\n");
}

#[test]
fn a_server_whose_arguments_are_not_all_text_is_left_as_it_is() {
    let original = json!({"mcpServers": {"odd": {"command": "odd-mcp", "args": ["--port", 8080]}}});
    let (_dir, path) = file(&original.to_string());
    assert_eq!(
        wrap(Agent::ClaudeCode, &path, EXE, "dev", None).unwrap().0,
        None
    );
}

#[test]
fn a_server_that_is_not_signoffs_is_never_unwrapped() {
    let original = json!({"mcpServers": {"x": {"command": "/opt/other/signoff-like", "args": ["mcp", "--", "evil"]}, "y": {"command": "signoff", "args": ["run", "--", "thing"]}}});
    let (_dir, path) = file(&original.to_string());
    assert_eq!(unwrap(Agent::ClaudeCode, &path).unwrap(), None);
}

#[test]
fn a_console_on_another_socket_is_named_to_the_server() {
    let (_dir, path) = file(r#"{"mcpServers": {"db": {"command": "db-mcp"}}}"#);
    let socket = Path::new("/run/me/signoff.sock");
    let (edit, _) = wrap(Agent::Gemini, &path, EXE, "dev", Some(socket)).unwrap();
    let wrapped: Value = serde_json::from_str(&apply(edit)).unwrap();
    assert_eq!(
        wrapped["mcpServers"]["db"]["args"],
        json!([
            "mcp",
            "--socket",
            "/run/me/signoff.sock",
            "--name",
            "db",
            "--env",
            "dev",
            "--",
            "db-mcp"
        ])
    );
    let unwrapped: Value =
        serde_json::from_str(&apply(unwrap(Agent::Gemini, &path).unwrap())).unwrap();
    assert_eq!(
        unwrapped,
        json!({"mcpServers": {"db": {"command": "db-mcp"}}})
    );
}
