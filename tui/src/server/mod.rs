//! The gate server: `signoff.v1.AgentGate`, with gRPC health and reflection, over the console's
//! Unix socket. The only module of the console that touches tonic.

mod service;
pub mod socket;

use std::future::Future;

use signoff_protocol::pb::agent_gate_server::AgentGateServer;
use tokio_stream::wrappers::UnixListenerStream;

use crate::queue::QueueHandle;
pub use socket::{BoundSocket, SocketError, SocketFile, bind};

/// Serves the gate on `socket` until `shutdown` resolves.
pub async fn serve(
    socket: BoundSocket,
    queue: QueueHandle,
    shutdown: impl Future<Output = ()>,
) -> Result<(), tonic::transport::Error> {
    let BoundSocket { listener, file } = socket;
    // Any-language clients: the standard health service, and reflection to discover the API.
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<AgentGateServer<service::GateService>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(signoff_protocol::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .inspect_err(|error| tracing::warn!(%error, "gRPC reflection is off"))
        .ok();
    let service = AgentGateServer::new(service::GateService::new(queue));
    let served = tonic::transport::Server::builder()
        .add_service(service)
        .add_service(health_service)
        .add_optional_service(reflection)
        .serve_with_incoming_shutdown(UnixListenerStream::new(listener), shutdown)
        .await;
    // The socket file is removed only once nobody can connect any more.
    drop(file);
    served
}
