//! The gate server: `signoff.v1.AgentGate`, with gRPC health and reflection, over the console's
//! Unix socket and, for remote agents, over TCP with a bearer token (and TLS when configured);
//! `signoff.v1.Reviewer` for paired screens, on the Unix socket and over TCP when that is TLS or
//! loopback (its own credential, not the agents' token, opens it). The only module of the console
//! that serves with tonic (`attach` is the reviewer's client).

mod limit;
mod reviewer;
mod service;
pub mod socket;
pub mod token;
mod watch;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use signoff_protocol::pb::agent_gate_server::AgentGateServer;
use tonic::body::Body;
use tonic::codegen::{Service, http};
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::facts::Lookout;
use crate::queue::QueueHandle;
use crate::reviewers::Reviewers;
pub use limit::MAX_REQUEST_BYTES;
pub use reviewer::SCHEME as REVIEWER_SCHEME;
pub use socket::{BoundSocket, SocketError, SocketFile, bind};
pub use token::Token;

/// What the servers serve from.
#[derive(Clone)]
pub struct Serving {
    pub queue: QueueHandle,
    pub lookout: Lookout,
    pub reviewers: Reviewers,
    /// The history's directory, for reviewers' history pages; `None` when none is kept.
    pub history: Option<std::path::PathBuf>,
}

/// Serves the gate and the reviewers' service on `socket` until `shutdown` resolves, watching
/// its file ([`socket::Watched`]); `tell` hears what the person should know about it.
pub async fn serve(
    socket: BoundSocket,
    serving: Serving,
    tell: impl FnMut(String) + Send + 'static,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // The socket file goes with the incoming stream, once nobody can connect any more.
    Server::builder()
        .add_routes(routes(serving, true, None).await)
        .serve_with_incoming_shutdown(
            socket::Watched::new(socket, socket::WATCH_EVERY, tell),
            shutdown,
        )
        .await
        .map_err(std::io::Error::other)
}

/// Where and how to serve remote agents.
pub struct RemoteOptions {
    pub listen: SocketAddr,
    /// Every request must carry it.
    pub token: Token,
    /// The server's certificate and key; `None` serves plain HTTP/2.
    pub tls: Option<crate::tls::TlsPem>,
}

/// The TCP side for remote agents: every request must carry the token.
pub struct Remote {
    incoming: TcpIncoming,
    server: Server,
    token: Token,
    tls: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot use the TLS certificate and key: {0}")]
    Tls(#[source] tonic::transport::Error),
}

impl Remote {
    /// Listens. Everything that can be wrong with the address or the certificate fails here, at
    /// start. Must run inside a tokio runtime.
    pub fn bind(options: RemoteOptions) -> Result<Remote, RemoteError> {
        let RemoteOptions {
            listen: addr,
            token,
            tls: options_tls,
        } = options;
        let incoming = TcpIncoming::bind(addr)
            .map_err(|source| RemoteError::Listen { addr, source })?
            // `Server::tcp_nodelay` does not reach a listener bound here.
            .with_nodelay(Some(true));
        let mut server = Server::builder();
        let tls = options_tls.is_some();
        if let Some(pem) = options_tls {
            let identity = Identity::from_pem(pem.cert, pem.key);
            server = server
                .tls_config(ServerTlsConfig::new().identity(identity))
                .map_err(RemoteError::Tls)?;
        }
        Ok(Remote {
            incoming,
            server,
            token,
            tls,
        })
    }

    /// What the person should know before an agent connects: a token sent in clear text over a
    /// network anyone else can read, and reviewers who cannot attach there.
    pub fn warning(&self) -> Option<String> {
        let addr = self.local_addr().ok()?;
        (!self.serves_reviewers()).then(|| {
            format!(
                "No TLS on {addr}: tokens cross the network in clear text, and reviewers cannot attach there (see --tls-cert, --tls-key)."
            )
        })
    }

    /// Reviewers attach over TCP only where their credential cannot be read on the way: TLS, or
    /// an address only this machine reaches.
    pub fn serves_reviewers(&self) -> bool {
        self.tls || self.local_addr().is_ok_and(|addr| addr.ip().is_loopback())
    }

    /// The address bound (the port chosen when `addr` asked for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.incoming.local_addr()
    }

    /// Serves the gate to remote agents, and the reviewers' service when
    /// [`Remote::serves_reviewers`], until `shutdown` resolves.
    pub async fn serve(
        self,
        serving: Serving,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let reviewers = self.serves_reviewers();
        let Remote {
            incoming,
            mut server,
            token,
            ..
        } = self;
        server
            .add_routes(routes(serving, reviewers, Some(token)).await)
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await
            .map_err(std::io::Error::other)
    }
}

/// The gate, and for any-language clients the standard health service and reflection to
/// discover the API; with `reviewers`, the reviewers' service. With `token` (TCP), every service
/// but the reviewers' needs it, and agents reach the gate from elsewhere, so the files here are
/// not theirs. The reviewers' service never takes the agents' token: its own credential opens it.
async fn routes(serving: Serving, reviewers: bool, token: Option<Token>) -> Routes {
    let Serving {
        queue,
        lookout,
        reviewers: paired,
        history,
    } = serving;
    let remote = token.is_some();
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<AgentGateServer<service::GateService>>()
        .await;
    let mut routes = Routes::builder();
    let gate = limit::SizeLimited(
        AgentGateServer::new(service::GateService::new(queue.clone(), lookout, remote))
            .max_decoding_message_size(limit::MAX_REQUEST_BYTES),
    );
    add_for_agents(&mut routes, gate, token.as_ref());
    add_for_agents(&mut routes, health_service, token.as_ref());
    if reviewers {
        routes.add_service(limit::SizeLimited(watch::ReviewerRoutes::new(
            reviewer::ReviewerService::new(queue.clone(), paired, history),
        )));
    }
    // Both versions: grpcurl asks v1, Python's grpcio-reflection v1alpha.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(signoff_protocol::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    match (reflection().build_v1(), reflection().build_v1alpha()) {
        (Ok(v1), Ok(v1alpha)) => {
            add_for_agents(&mut routes, v1, token.as_ref());
            add_for_agents(&mut routes, v1alpha, token.as_ref());
        }
        (Err(error), _) | (_, Err(error)) => {
            tracing::warn!(%error, "gRPC reflection is off")
        }
    }
    routes.routes()
}

/// Adds a service agents use: behind the token, when there is one.
fn add_for_agents<S>(routes: &mut tonic::service::RoutesBuilder, service: S, token: Option<&Token>)
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    match token {
        Some(token) => routes.add_service(InterceptedService::new(
            service,
            token::require(token.clone()),
        )),
        None => routes.add_service(service),
    };
}
