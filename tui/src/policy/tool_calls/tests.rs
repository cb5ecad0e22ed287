use super::*;

fn judge(name: &str, input: serde_json::Value) -> Vec<(&'static str, Effect)> {
    let mut out = Vec::new();
    let call = ToolCall {
        tool: name.into(),
        input: input.to_string(),
    };
    findings(&call, "/repo", &Context::default(), &mut out);
    out.iter().map(|f| (f.rule, f.effect)).collect()
}

#[test]
fn reading_tools_read_and_a_secret_read_is_a_secret() {
    let read = judge(
        "Read",
        serde_json::json!({"file_path": "/repo/src/main.rs"}),
    );
    assert_eq!(read, [("fs.read", Effect::Read)]);
    let secret = judge(
        "read_file",
        serde_json::json!({"absolute_path": "/repo/.env"}),
    );
    assert_eq!(secret, [("secrets.read", Effect::Read)]);
    let many = judge(
        "read_many_files",
        serde_json::json!({"paths": ["a.rs", "/home/u/.aws/credentials"]}),
    );
    assert_eq!(many, [("secrets.read", Effect::Read)]);
}

#[test]
fn fetches_read_their_url_and_unknown_tools_wait() {
    let fetch = judge(
        "web_fetch",
        serde_json::json!({"prompt": "Summarise https://example.com/docs, please"}),
    );
    assert_eq!(fetch, [("http.read", Effect::Read)]);
    assert_eq!(
        judge("TodoWrite", serde_json::json!({"todos": []})),
        [("agent.tool", Effect::Read)]
    );
    assert_eq!(
        judge("save_memory", serde_json::json!({"fact": "x"})),
        [("tool.unknown", Effect::Write)]
    );
    // Input that is not JSON (cut for the screen) is not read as anything.
    let mut out = Vec::new();
    let call = ToolCall {
        tool: "Read".into(),
        input: "{\"file_path\": \"/repo/.en…".into(),
    };
    findings(&call, "/repo", &Context::default(), &mut out);
    assert_eq!(out[0].rule, "tool.unknown");
}
