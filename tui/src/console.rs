//! Starts the console's moving parts — socket, queue task, gate server — without a screen, so the
//! binary and the tests start exactly the same thing.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::policy::Engine;
use crate::queue::{self, Queue, QueueConfig, QueueHandle, UiEvent};
use crate::server::{self, SocketError};

pub struct ConsoleOptions {
    pub socket: PathBuf,
    pub queue: QueueConfig,
    pub policy: Engine,
}

/// A running console. The socket accepts connections as soon as [`Console::start`] returns.
pub struct Console {
    pub socket: PathBuf,
    pub queue: QueueHandle,
    /// What the screen shows: sessions, waiting items, decisions.
    pub events: mpsc::UnboundedReceiver<UiEvent>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<Result<(), tonic::transport::Error>>,
}

impl Console {
    /// Binds the socket and starts serving. Must run inside a tokio runtime.
    pub fn start(options: ConsoleOptions) -> Result<Console, SocketError> {
        let bound = server::bind(&options.socket)?;
        let (ui, events) = mpsc::unbounded_channel();
        let queue = queue::spawn(Queue::new(Box::new(options.policy), options.queue), ui);
        let (stop, stopped) = oneshot::channel();
        let server = tokio::spawn(server::serve(bound, queue.clone(), async {
            let _ = stopped.await;
        }));
        tracing::info!(socket = %options.socket.display(), "console listening");
        Ok(Console {
            socket: options.socket,
            queue,
            events,
            stop,
            server,
        })
    }

    /// Answers every waiting agent (withdrawn: nobody approved), stops serving and removes the
    /// socket.
    pub async fn shutdown(self) {
        self.queue.shutdown().await;
        let _ = self.stop.send(());
        // Connections that linger (an agent that never reads) do not hold the console open.
        match tokio::time::timeout(Duration::from_secs(2), self.server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "gate server stopped with an error"),
            Ok(Err(error)) => tracing::warn!(%error, "gate server task failed"),
            Err(_) => tracing::warn!("gate server did not stop within 2s"),
        }
    }
}
