//! `signoff mcp -- <server command>`: a stdio MCP gateway for any MCP client. It serves MCP on
//! its own stdin/stdout (rmcp's server side), runs the real server as a child (rmcp's client
//! side), and forwards everything — except that every `tools/call` is first proposed to the
//! console as an MCP action and forwarded only when approved. A refusal, or a console that cannot
//! be reached, comes back to the client as a tool error with the reason; the server never sees
//! the call. Tool definitions are pinned at first sight (`pins.rs`): a changed one is shown as a
//! diff and waits for a person until a person approves a call under it.

mod pins;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::*;
use rmcp::service::{
    NotificationContext, Peer, PeerRequestOptions, RequestContext, RoleClient, RoleServer,
    RunningService, Service, ServiceError,
};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientCacheConfig, ErrorData as McpError, ServerHandler, ServiceExt};
use signoff_agent_sdk::{Action, ActionKind, Environment, Gate, McpToolCall, Session};

use pins::{Pins, Seen};

pub struct GatewayOptions {
    /// The server's name for the reviewer (default: the name the server gives itself).
    pub name: Option<String>,
    pub socket: PathBuf,
    pub environment: Environment,
    /// How long a call may wait for a person.
    pub timeout: Duration,
    /// Where pinned tool definitions are kept.
    pub pins: PathBuf,
    pub command: Vec<String>,
}

/// Runs the gateway until the client goes away; then stops the server.
pub async fn run(options: GatewayOptions) -> anyhow::Result<()> {
    let gateway = Arc::new(Gateway {
        options,
        shared: Arc::default(),
        child: tokio::sync::OnceCell::new(),
        running: tokio::sync::Mutex::default(),
        session: tokio::sync::Mutex::default(),
    });
    let server = gateway.clone().serve(rmcp::transport::stdio()).await?;
    server.waiting().await?;
    if let Some(mut child) = gateway.running.lock().await.take() {
        let _ = child.close().await;
    }
    Ok(())
}

fn upstream_error(error: ServiceError) -> McpError {
    match error {
        ServiceError::McpError(error) => error,
        other => McpError::internal_error(format!("the MCP server: {other}"), None),
    }
}

fn unexpected(method: &str) -> McpError {
    McpError::internal_error(
        format!("the MCP server answered {method} with something else"),
        None,
    )
}

#[derive(Default)]
struct Shared {
    /// The progress token on a request to the server → where its progress goes upstream.
    progress: Mutex<HashMap<ProgressToken, ProgressRoute>>,
    /// The server's tools by name; `None` until listed, and after it says its list changed.
    tools: Mutex<Option<HashMap<String, Tool>>>,
}

/// rmcp handles each notification in a task of its own, so a server's last progress could
/// overtake the response it precedes: the response waits (`gate`) until progress already on its
/// way has gone out.
#[derive(Clone)]
struct ProgressRoute {
    upstream_token: ProgressToken,
    gate: Arc<tokio::sync::RwLock<()>>,
}

/// Our side of the connection to the wrapped server: what it asks of the client (sampling,
/// roots, elicitation) and what it notifies goes up to the real client.
struct Downstream {
    upstream: Peer<RoleServer>,
    shared: Arc<Shared>,
    config: ClientConfig,
}

impl Service<RoleClient> for Downstream {
    async fn handle_request(
        &self,
        request: ServerRequest,
        _context: RequestContext<RoleClient>,
    ) -> Result<ClientResult, McpError> {
        match request {
            ServerRequest::PingRequest(_) => Ok(ClientResult::empty(())),
            other => self
                .upstream
                .send_request(other)
                .await
                .map_err(upstream_error),
        }
    }

    async fn handle_notification(
        &self,
        notification: ServerNotification,
        _context: NotificationContext<RoleClient>,
    ) -> Result<(), McpError> {
        let notification =
            match notification {
                // Request ids belong to one connection: rmcp has acted on it for this one.
                ServerNotification::CancelledNotification(_) => return Ok(()),
                ServerNotification::ProgressNotification(mut progress) => {
                    let route =
                        self.shared.progress.lock().ok().and_then(|routes| {
                            routes.get(&progress.params.progress_token).cloned()
                        });
                    let Some(route) = route else { return Ok(()) };
                    let _held = route.gate.read().await;
                    progress.params.progress_token = route.upstream_token;
                    let _ = self
                        .upstream
                        .send_notification(ServerNotification::ProgressNotification(progress))
                        .await;
                    return Ok(());
                }
                ServerNotification::ToolListChangedNotification(changed) => {
                    if let Ok(mut tools) = self.shared.tools.lock() {
                        *tools = None;
                    }
                    ServerNotification::ToolListChangedNotification(changed)
                }
                other => other,
            };
        let _ = self.upstream.send_notification(notification).await;
        Ok(())
    }

    fn get_info(&self) -> ClientConfig {
        self.config.clone()
    }
}

struct Child {
    peer: Peer<RoleClient>,
    info: ServerConfig,
    name: String,
    pins: Mutex<Pins>,
}

struct Gateway {
    options: GatewayOptions,
    shared: Arc<Shared>,
    child: tokio::sync::OnceCell<Child>,
    running: tokio::sync::Mutex<Option<RunningService<RoleClient, Downstream>>>,
    /// The console session, opened at the first call and opened again after an error.
    session: tokio::sync::Mutex<Option<Session>>,
}

impl Gateway {
    fn child(&self) -> Result<&Child, McpError> {
        self.child
            .get()
            .ok_or_else(|| McpError::invalid_request("initialize first", None))
    }

    /// Starts the server and runs the handshake with the client's own protocol version,
    /// capabilities and name.
    async fn start_child(
        &self,
        request: &InitializeRequestParams,
        upstream: Peer<RoleServer>,
    ) -> Result<Child, McpError> {
        let command = &self.options.command;
        let mut process = tokio::process::Command::new(&command[0]);
        process.args(&command[1..]);
        let transport = TokioChildProcess::new(process).map_err(|e| {
            McpError::internal_error(
                format!("signoff cannot start `{}`: {e}", command.join(" ")),
                None,
            )
        })?;
        let mut config = request.clone();
        config.meta = None;
        let downstream = Downstream {
            upstream,
            shared: self.shared.clone(),
            config,
        };
        let running = downstream.serve(transport).await.map_err(|e| {
            McpError::internal_error(
                format!(
                    "`{}` did not start as an MCP server: {e}",
                    command.join(" ")
                ),
                None,
            )
        })?;
        let peer = running.peer().clone();
        // A gateway must never judge a call against a stale tool list.
        peer.set_response_cache_config(ClientCacheConfig::disabled())
            .await;
        let peer_info = peer
            .peer_info()
            .ok_or_else(|| McpError::internal_error("the MCP server sent no information", None))?;
        let server_info = peer_info
            .server_info
            .clone()
            .unwrap_or_else(|| Implementation::new("unknown", "0"));
        let mut info = ServerConfig::new(peer_info.capabilities.clone())
            .with_protocol_version(peer_info.protocol_version.clone())
            .with_server_info(server_info.clone());
        info.instructions = peer_info.instructions.clone();
        info.meta = peer_info.meta.clone();
        let name = self.options.name.clone().unwrap_or(server_info.name);
        *self.running.lock().await = Some(running);
        Ok(Child {
            peer,
            info,
            pins: Mutex::new(Pins::load(&self.options.pins, &name)),
            name,
        })
    }

    /// Sends one request to the server, carrying the client's progress token across and its
    /// cancellation.
    async fn forward(
        &self,
        request: ClientRequest,
        context: &RequestContext<RoleServer>,
    ) -> Result<ServerResult, McpError> {
        let child = self.child()?;
        let upstream_token = context.meta.get_progress_token();
        let options = PeerRequestOptions::no_options().with_meta(context.meta.clone());
        let handle = child
            .peer
            .send_request_with_option(request, options)
            .await
            .map_err(upstream_error)?;
        let child_token = handle.progress_token.clone();
        let gate = Arc::new(tokio::sync::RwLock::new(()));
        if let (Some(upstream_token), Ok(mut routes)) =
            (upstream_token, self.shared.progress.lock())
        {
            routes.insert(
                child_token.clone(),
                ProgressRoute {
                    upstream_token,
                    gate: gate.clone(),
                },
            );
        }
        let id = handle.id.clone();
        let result = tokio::select! {
            result = handle.await_response() => result.map_err(upstream_error),
            _ = context.ct.cancelled() => {
                let _ = child
                    .peer
                    .notify_cancelled(CancelledNotificationParam::new(Some(id), Some("cancelled by the client".into())))
                    .await;
                Err(McpError::internal_error("cancelled", None))
            }
        };
        tokio::task::yield_now().await;
        let _drained = gate.write().await;
        if let Ok(mut routes) = self.shared.progress.lock() {
            routes.remove(&child_token);
        }
        result
    }

    /// The server's definition of `name`, listing its tools again when the list is unknown.
    async fn tool(&self, name: &str) -> Result<Option<Tool>, McpError> {
        if let Some(tool) = self
            .shared
            .tools
            .lock()
            .ok()
            .and_then(|tools| tools.as_ref()?.get(name).cloned())
        {
            return Ok(Some(tool));
        }
        let tools = self
            .child()?
            .peer
            .list_all_tools()
            .await
            .map_err(upstream_error)?;
        let found = tools.iter().find(|t| t.name == name).cloned();
        if let Ok(mut known) = self.shared.tools.lock() {
            *known = Some(tools.into_iter().map(|t| (t.name.to_string(), t)).collect());
        }
        Ok(found)
    }

    /// The console's session, opened when there is none.
    async fn session(&self) -> Result<tokio::sync::MappedMutexGuard<'_, Session>, String> {
        let mut session = self.session.lock().await;
        if session.is_none() {
            let gate = Gate::connect_to(&self.options.socket)
                .await
                .map_err(|e| e.to_string())?;
            let name = self.child.get().map_or("mcp", |c| c.name.as_str());
            let opened = gate
                .session(format!("mcp {name}"))
                .agent_kind("mcp")
                .pid(std::process::id())
                .open()
                .await
                .map_err(|e| e.to_string())?;
            *session = Some(opened);
        }
        Ok(tokio::sync::MutexGuard::map(session, |s| {
            s.as_mut().expect("opened above")
        }))
    }

    /// Proposes the call to the console. `Ok` when a person (or the policy) approved it; `Err`
    /// with the reason for the client otherwise.
    async fn decide(&self, action: Action) -> Result<(), String> {
        let decision = async {
            let session = self.session().await?;
            let pending = session
                .submit(action, Some(self.options.timeout))
                .await
                .map_err(|e| e.to_string())?;
            pending.decision().await.map_err(|e| e.to_string())
        }
        .await;
        match decision {
            Ok(decision) if decision.is_approved() => Ok(()),
            Ok(decision) => {
                let note = if decision.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", decision.note)
                };
                Err(format!("{} in signoff{note}", decision.verdict.as_str()))
            }
            Err(error) => {
                // A broken session is opened again at the next call.
                *self.session.lock().await = None;
                Err(format!("signoff: {error}; not approved"))
            }
        }
    }
}

/// The call as an action: the tool, its arguments, and what the server declares about it; a
/// definition changed since it was pinned travels as a diff and a label the policy gates.
fn action(
    server: &str,
    tool: &Tool,
    arguments: &serde_json::Map<String, serde_json::Value>,
    changed: Option<(&serde_json::Value, &serde_json::Value)>,
) -> Action {
    let annotations = tool.annotations.as_ref();
    let mut action = Action::new(ActionKind::Mcp(McpToolCall {
        server: server.to_string(),
        tool: tool.name.to_string(),
        arguments: serde_json::Value::Object(arguments.clone()).to_string(),
        description: tool.description.as_deref().unwrap_or("").to_string(),
        read_only_hint: annotations.and_then(|a| a.read_only_hint),
        destructive_hint: annotations.and_then(|a| a.destructive_hint),
    }));
    if let Some((pinned, now)) = changed {
        let pretty =
            |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
        action.dry_run.diff = signoff_protocol::unified_diff(
            &format!("{server} {} (definition)", tool.name),
            &pretty(pinned),
            &pretty(now),
        );
        action
            .labels
            .insert(crate::policy::MCP_DEFINITION_CHANGED.into(), "true".into());
    }
    action
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        self.child.get().map(|c| c.info.clone()).unwrap_or_default()
    }

    /// A client that discovers (the 2026-07-28 lifecycle, Claude Code's) gets the server's
    /// capabilities; the server itself is started with `initialize`, which servers of every era
    /// answer, and the gateway bridges the two.
    async fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<DiscoverResult, McpError> {
        let client = InitializeRequestParams::new(
            context.meta.client_capabilities().unwrap_or_default(),
            context
                .meta
                .client_info()
                .unwrap_or_else(|| Implementation::new("signoff", env!("CARGO_PKG_VERSION"))),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE);
        let upstream = context.peer.clone();
        let child = self
            .child
            .get_or_try_init(|| self.start_child(&client, upstream))
            .await?;
        Ok(DiscoverResult::from_server_info(
            ProtocolVersion::KNOWN_VERSIONS.to_vec(),
            child.info.clone(),
        ))
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        let upstream = context.peer.clone();
        let child = self
            .child
            .get_or_try_init(|| self.start_child(&request, upstream))
            .await?;
        let mut peer_info = request.clone();
        peer_info.protocol_version = child.info.protocol_version.clone();
        context.peer.set_peer_info(peer_info);
        Ok(child.info.clone())
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let request = ClientRequest::ListToolsRequest(ListToolsRequest {
            method: Default::default(),
            params: request,
            extensions: Default::default(),
        });
        match self.forward(request, &context).await? {
            ServerResult::ListToolsResult(list) => {
                // Tools seen for the first time are pinned as they are now.
                if let Ok(child) = self.child()
                    && let Ok(mut pins) = child.pins.lock()
                {
                    for tool in &list.tools {
                        pins.see(&tool.name, &serde_json::to_value(tool).unwrap_or_default());
                    }
                }
                Ok(list)
            }
            _ => Err(unexpected("tools/list")),
        }
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let child = self.child()?;
        let Some(tool) = self.tool(&request.name).await? else {
            return Err(McpError::invalid_params(
                format!("no tool `{}` on this server", request.name),
                None,
            ));
        };
        let definition = serde_json::to_value(&tool).unwrap_or_default();
        let seen = child
            .pins
            .lock()
            .map(|mut pins| pins.see(&tool.name, &definition))
            .unwrap_or(Seen::First);
        let empty = serde_json::Map::new();
        let arguments = request.arguments.as_ref().unwrap_or(&empty);
        let changed = match &seen {
            Seen::Changed(pinned) => Some((pinned, &definition)),
            _ => None,
        };
        let mut action = action(&child.name, &tool, arguments, changed);
        action.target.environment = self.options.environment;
        // A call the client gave up on while it waited is withdrawn, never forwarded later.
        let decided = tokio::select! {
            decided = self.decide(action) => decided,
            _ = context.ct.cancelled() => {
                return Err(McpError::internal_error("cancelled by the client; not forwarded", None));
            }
        };
        if let Err(reason) = decided {
            return Ok(CallToolResult::error(vec![ContentBlock::text(reason)]).into());
        }
        if let (Seen::Changed(_), Ok(mut pins)) = (&seen, child.pins.lock()) {
            pins.accept(&tool.name, &definition);
        }
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(request));
        match self.forward(request, &context).await? {
            ServerResult::CallToolResult(result) => Ok(CallToolResponse::Complete(result)),
            ServerResult::InputRequiredResult(result) => {
                Ok(CallToolResponse::InputRequired(result))
            }
            ServerResult::CreateTaskResult(result) => Ok(CallToolResponse::Task(result)),
            // A result with no content decodes as the empty result.
            ServerResult::EmptyResult(_) => {
                Ok(CallToolResponse::Complete(CallToolResult::success(vec![])))
            }
            _ => Err(unexpected("tools/call")),
        }
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let request = ClientRequest::ListResourcesRequest(ListResourcesRequest {
            method: Default::default(),
            params: request,
            extensions: Default::default(),
        });
        match self.forward(request, &context).await? {
            ServerResult::ListResourcesResult(result) => Ok(result),
            _ => Err(unexpected("resources/list")),
        }
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let request = ClientRequest::ListResourceTemplatesRequest(ListResourceTemplatesRequest {
            method: Default::default(),
            params: request,
            extensions: Default::default(),
        });
        match self.forward(request, &context).await? {
            ServerResult::ListResourceTemplatesResult(result) => Ok(result),
            _ => Err(unexpected("resources/templates/list")),
        }
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let request = ClientRequest::ReadResourceRequest(ReadResourceRequest::new(request));
        match self.forward(request, &context).await? {
            ServerResult::ReadResourceResult(result) => Ok(ReadResourceResponse::Complete(result)),
            ServerResult::InputRequiredResult(result) => {
                Ok(ReadResourceResponse::InputRequired(result))
            }
            _ => Err(unexpected("resources/read")),
        }
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let request = ClientRequest::ListPromptsRequest(ListPromptsRequest {
            method: Default::default(),
            params: request,
            extensions: Default::default(),
        });
        match self.forward(request, &context).await? {
            ServerResult::ListPromptsResult(result) => Ok(result),
            _ => Err(unexpected("prompts/list")),
        }
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let request = ClientRequest::GetPromptRequest(GetPromptRequest::new(request));
        match self.forward(request, &context).await? {
            ServerResult::GetPromptResult(result) => Ok(GetPromptResponse::Complete(result)),
            ServerResult::InputRequiredResult(result) => {
                Ok(GetPromptResponse::InputRequired(result))
            }
            _ => Err(unexpected("prompts/get")),
        }
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let request = ClientRequest::CompleteRequest(CompleteRequest::new(request));
        match self.forward(request, &context).await? {
            ServerResult::CompleteResult(result) => Ok(result),
            _ => Err(unexpected("completion/complete")),
        }
    }

    async fn on_roots_list_changed(&self, _context: NotificationContext<RoleServer>) {
        if let Ok(child) = self.child() {
            let _ = child.peer.notify_roots_list_changed().await;
        }
    }
}
