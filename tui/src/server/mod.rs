//! The gate server: `signoff.v1.AgentGate` over the console's Unix socket. The only module of the
//! console that touches tonic.

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
    let service = AgentGateServer::new(service::GateService::new(queue));
    let served = tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(UnixListenerStream::new(listener), shutdown)
        .await;
    // The socket file is removed only once nobody can connect any more.
    drop(file);
    served
}
