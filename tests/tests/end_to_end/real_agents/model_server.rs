//! A scripted model on loopback that the real agent CLIs talk to instead of their vendors'
//! APIs: just enough of the Anthropic Messages API (Claude Code), the OpenAI Responses API
//! (Codex) and the Gemini API (Gemini CLI) to make an agent call one tool, then finish.
//!
//! Stateless: it counts the tool results already in the conversation. None yet: it calls the
//! scripted tool (named by the end of its name, so `delete_entities` finds
//! `memory__delete_entities` too); after that it says `done`. A request that offers no
//! tools (titles, Gemini's model router) gets `done`, or a value filling its JSON schema. Every
//! request body is recorded, so a test can read what the agent sent back as the tool's result.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The one tool call the model makes.
#[derive(Clone, Debug)]
pub struct Call {
    /// The tool's name, or the end of it.
    pub tool: String,
    /// Its arguments; for a freeform tool (Codex's `apply_patch`) a JSON string of its input.
    pub args: Value,
}

struct Inner {
    call: Mutex<Call>,
    bodies: Mutex<Vec<Value>>,
}

pub struct ModelServer {
    port: u16,
    inner: Arc<Inner>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl ModelServer {
    /// Serves on 127.0.0.1, on a port of its own, until dropped.
    pub async fn start() -> ModelServer {
        let call = Call {
            tool: String::new(),
            args: Value::Null,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let inner = Arc::new(Inner {
            call: Mutex::new(call),
            bodies: Mutex::default(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::disable())
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        ModelServer {
            port,
            inner,
            stop: Some(stop),
        }
    }

    /// The call the model makes in the next run; forgets what the last run sent.
    pub fn script(&self, call: Call) {
        *self.inner.call.lock().unwrap() = call;
        self.inner.bodies.lock().unwrap().clear();
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything the agents sent, as one text to search (the tool results, a deny's reason).
    pub fn transcript(&self) -> String {
        self.inner
            .bodies
            .lock()
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner.bodies.lock().unwrap().push(body.clone());
    if method != Method::POST {
        return json_response(json!({"object": "list", "data": [], "models": []}));
    }
    let call = inner.call.lock().unwrap().clone();
    let call = &call;
    if path.ends_with("/count_tokens") {
        return json_response(json!({"input_tokens": 10}));
    }
    if path.ends_with("/messages") {
        return anthropic(call, &body);
    }
    if path.ends_with("/responses") {
        return openai(call, &body);
    }
    match path.rsplit_once(':').map(|(_, verb)| verb) {
        Some("streamGenerateContent") => sse([(None, gemini(call, &body))]),
        Some("generateContent") => json_response(gemini(call, &body)),
        Some("countTokens") => json_response(json!({"totalTokens": 10})),
        _ => (StatusCode::NOT_FOUND, format!("no route {path}")).into_response(),
    }
}

fn json_response(value: Value) -> Response {
    ([("content-type", "application/json")], value.to_string()).into_response()
}

/// The whole event stream at once.
fn sse(events: impl IntoIterator<Item = (Option<&'static str>, Value)>) -> Response {
    let mut text = String::new();
    for (event, data) in events {
        if let Some(event) = event {
            text.push_str(&format!("event: {event}\n"));
        }
        text.push_str(&format!("data: {data}\n\n"));
    }
    ([("content-type", "text/event-stream")], text).into_response()
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Tool results already in a request, in any of the three APIs.
fn results(body: &Value) -> usize {
    let anthropic = list(body, "messages")
        .iter()
        .flat_map(|m| list(m, "content"))
        .filter(|c| c["type"] == "tool_result")
        .count();
    let openai = list(body, "input")
        .iter()
        .filter(|i| {
            i["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("_call_output"))
        })
        .count();
    let gemini = list(body, "contents")
        .iter()
        .flat_map(|c| list(c, "parts"))
        .filter(|p| p.get("functionResponse").is_some())
        .count();
    anthropic + openai + gemini
}

/// The tool the call names: the offered one ending with its name, else the name as it is (an
/// agent may know tools it does not offer up front: Claude Code defers MCP tools).
fn resolve(call: &Call, offered: &[String]) -> String {
    offered
        .iter()
        .find(|name| name.ends_with(&call.tool))
        .cloned()
        .unwrap_or_else(|| call.tool.clone())
}

/// The tool to call now, if any: while no result has come back, when the agent offers tools.
fn next(call: &Call, body: &Value, offered: &[String]) -> Option<String> {
    (results(body) == 0 && !offered.is_empty()).then(|| resolve(call, offered))
}

fn anthropic(call: &Call, body: &Value) -> Response {
    let offered: Vec<String> = list(body, "tools")
        .iter()
        .filter_map(|t| t["name"].as_str().map(String::from))
        .collect();
    let usage = json!({"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    let (block, delta, stop) = match next(call, body, &offered) {
        Some(name) => (
            json!({"type": "tool_use", "id": "toolu_scripted", "name": name, "input": {}}),
            json!({"type": "input_json_delta", "partial_json": call.args.to_string()}),
            "tool_use",
        ),
        None => (
            json!({"type": "text", "text": ""}),
            json!({"type": "text_delta", "text": "done"}),
            "end_turn",
        ),
    };
    let model = body["model"].as_str().unwrap_or("claude");
    if body["stream"] != true {
        let content = match &block["type"] {
            t if t == "tool_use" => {
                json!([{"type": "tool_use", "id": "toolu_scripted", "name": block["name"], "input": call.args}])
            }
            _ => json!([{"type": "text", "text": "done"}]),
        };
        return json_response(
            json!({"id": "msg_scripted", "type": "message", "role": "assistant", "model": model, "content": content, "stop_reason": stop, "stop_sequence": null, "usage": usage}),
        );
    }
    sse([
        (
            Some("message_start"),
            json!({"type": "message_start", "message": {"id": "msg_scripted", "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": usage}}),
        ),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": block}),
        ),
        (
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        ),
        (
            Some("content_block_stop"),
            json!({"type": "content_block_stop", "index": 0}),
        ),
        (
            Some("message_delta"),
            json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 5}}),
        ),
        (Some("message_stop"), json!({"type": "message_stop"})),
    ])
}

fn openai(call: &Call, body: &Value) -> Response {
    let tools = list(body, "tools");
    // A namespace (Codex's MCP server `s` is `mcp__s`) offers its tools as `<namespace>__<tool>`.
    let offered: Vec<String> = tools
        .iter()
        .flat_map(|t| match t["type"].as_str() {
            Some("namespace") => list(t, "tools")
                .iter()
                .filter_map(|inner| {
                    Some(format!(
                        "{}__{}",
                        t["name"].as_str()?,
                        inner["name"].as_str()?
                    ))
                })
                .collect(),
            _ => t["name"]
                .as_str()
                .map(String::from)
                .into_iter()
                .collect::<Vec<_>>(),
        })
        .collect();
    let namespace = |name: &str| {
        tools.iter().find_map(|t| {
            let space = t["name"].as_str().filter(|_| t["type"] == "namespace")?;
            let inner = name.strip_prefix(space)?.strip_prefix("__")?;
            Some((space.to_string(), inner.to_string()))
        })
    };
    let item = match next(call, body, &offered) {
        Some(name) if namespace(&name).is_some() => {
            let (space, inner) = namespace(&name).unwrap();
            json!({"type": "function_call", "id": "fc_scripted", "call_id": "call_scripted", "namespace": space, "name": inner, "arguments": call.args.to_string(), "status": "completed"})
        }
        // A freeform tool (apply_patch) takes its input as text.
        Some(name)
            if tools
                .iter()
                .any(|t| t["name"] == name.as_str() && t["type"] == "custom") =>
        {
            json!({"type": "custom_tool_call", "id": "ctc_scripted", "call_id": "call_scripted", "name": name, "input": call.args.as_str().unwrap_or_default(), "status": "completed"})
        }
        Some(name) => {
            json!({"type": "function_call", "id": "fc_scripted", "call_id": "call_scripted", "name": name, "arguments": call.args.to_string(), "status": "completed"})
        }
        None => {
            json!({"type": "message", "id": "msg_scripted", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "done", "annotations": []}]})
        }
    };
    let usage = json!({"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15});
    let model = body["model"].as_str().unwrap_or("gpt");
    let response = |status: &str, output: Value| json!({"id": "resp_scripted", "object": "response", "status": status, "model": model, "output": output, "usage": usage});
    sse([
        (
            Some("response.created"),
            json!({"type": "response.created", "sequence_number": 0, "response": response("in_progress", json!([]))}),
        ),
        (
            Some("response.output_item.added"),
            json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 0, "item": item}),
        ),
        (
            Some("response.output_item.done"),
            json!({"type": "response.output_item.done", "sequence_number": 2, "output_index": 0, "item": item}),
        ),
        (
            Some("response.completed"),
            json!({"type": "response.completed", "sequence_number": 3, "response": response("completed", json!([item]))}),
        ),
    ])
}

fn gemini(call: &Call, body: &Value) -> Value {
    let offered: Vec<String> = list(body, "tools")
        .iter()
        .flat_map(|t| list(t, "functionDeclarations"))
        .filter_map(|f| f["name"].as_str().map(String::from))
        .collect();
    let config = body.get("generationConfig").unwrap_or(&Value::Null);
    let part = match next(call, body, &offered) {
        Some(name) => {
            json!({"functionCall": {"id": "call_scripted", "name": name, "args": call.args}})
        }
        // Side requests (the model router) want JSON that fits their schema.
        None if offered.is_empty() && config["responseMimeType"] == "application/json" => {
            let schema = config
                .get("responseJsonSchema")
                .or_else(|| config.get("responseSchema"));
            json!({"text": schema.map_or(json!({}), fill).to_string()})
        }
        None => json!({"text": "done"}),
    };
    json!({
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
    })
}

/// The smallest value a JSON schema accepts: its first enum value, `"x"`, 1, false, every
/// property.
fn fill(schema: &Value) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match schema["type"]
        .as_str()
        .unwrap_or("object")
        .to_ascii_lowercase()
        .as_str()
    {
        "string" => json!("x"),
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        "array" => json!([]),
        _ => Value::Object(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), fill(v)))
                .collect(),
        ),
    }
}
