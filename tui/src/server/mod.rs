//! The gate server: `signoff.v1.AgentGate`, with gRPC health and reflection, over the console's
//! Unix socket and, for remote agents, over TCP with a bearer token (and TLS when configured);
//! `signoff.v1.Reviewer` for paired screens, on the Unix socket. The only module of the console
//! that serves with tonic (`attach/` is the reviewer's client).

mod limit;
mod reviewer;
mod service;
pub mod socket;
pub mod token;

use std::future::Future;
use std::net::SocketAddr;

use signoff_protocol::pb::agent_gate_server::AgentGateServer;
use signoff_protocol::pb::reviewer_server::ReviewerServer;
use tonic::service::{InterceptorLayer, Routes};
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::facts::Lookout;
use crate::queue::QueueHandle;
use crate::reviewers::Reviewers;
pub use limit::MAX_REQUEST_BYTES;
pub use reviewer::SCHEME as REVIEWER_SCHEME;
pub use socket::{BoundSocket, SocketError, SocketFile, bind};
pub use token::Token;

/// What the Unix socket serves from.
pub struct Serving {
    pub queue: QueueHandle,
    pub lookout: Lookout,
    pub reviewers: Reviewers,
}

/// Serves the gate and the reviewers' service on `socket` until `shutdown` resolves, watching
/// its file ([`socket::Watched`]); `tell` hears what the person should know about it.
pub async fn serve(
    socket: BoundSocket,
    serving: Serving,
    tell: impl FnMut(String) + Send + 'static,
    shutdown: impl Future<Output = ()>,
) -> Result<(), tonic::transport::Error> {
    let Serving {
        queue,
        lookout,
        reviewers,
    } = serving;
    // The socket file goes with the incoming stream, once nobody can connect any more.
    Server::builder()
        .add_routes(routes(queue, lookout, Some(reviewers)).await)
        .serve_with_incoming_shutdown(
            socket::Watched::new(socket, socket::WATCH_EVERY, tell),
            shutdown,
        )
        .await
}

/// Where and how to serve remote agents.
pub struct RemoteOptions {
    pub listen: SocketAddr,
    /// Every request must carry it.
    pub token: Token,
    /// The server's certificate and key; `None` serves plain HTTP/2.
    pub tls: Option<Identity>,
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
        if let Some(identity) = options_tls {
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
    /// network anyone else can read.
    pub fn warning(&self) -> Option<String> {
        let addr = self.local_addr().ok()?;
        (!self.tls && !addr.ip().is_loopback()).then(|| {
            format!(
                "No TLS on {addr}: tokens cross the network in clear text (see --tls-cert, --tls-key)."
            )
        })
    }

    /// The address bound (the port chosen when `addr` asked for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.incoming.local_addr()
    }

    /// Serves the gate to remote agents until `shutdown` resolves.
    pub async fn serve(
        self,
        queue: QueueHandle,
        lookout: Lookout,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), tonic::transport::Error> {
        let Remote {
            incoming,
            server,
            token,
            ..
        } = self;
        server
            .layer(InterceptorLayer::new(token::require(token)))
            .add_routes(routes(queue, lookout, None).await)
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await
    }
}

/// The gate, and for any-language clients the standard health service and reflection to
/// discover the API; with `reviewers`, the reviewers' service. Without them, agents reach the gate
/// over TCP, so the files here are not theirs.
async fn routes(queue: QueueHandle, lookout: Lookout, reviewers: Option<Reviewers>) -> Routes {
    let remote = reviewers.is_none();
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<AgentGateServer<service::GateService>>()
        .await;
    let mut routes = Routes::builder();
    routes
        .add_service(limit::SizeLimited(
            AgentGateServer::new(service::GateService::new(queue.clone(), lookout, remote))
                .max_decoding_message_size(limit::MAX_REQUEST_BYTES),
        ))
        .add_service(health_service);
    if let Some(reviewers) = reviewers {
        routes.add_service(limit::SizeLimited(
            ReviewerServer::new(reviewer::ReviewerService::new(queue.clone(), reviewers))
                .max_decoding_message_size(limit::MAX_REQUEST_BYTES),
        ));
    }
    match tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(signoff_protocol::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
    {
        Ok(reflection) => {
            routes.add_service(reflection);
        }
        Err(error) => tracing::warn!(%error, "gRPC reflection is off"),
    }
    routes.routes()
}
