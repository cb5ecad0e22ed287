//! Starts the console's moving parts — socket, queue task, gate server — without a screen, so the
//! binary and the tests start exactly the same thing.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::policy::Engine;
use crate::queue::{self, Queue, QueueConfig, QueueHandle, UiEvent};
use crate::server::{self, SocketError};
use crate::store::{Store, StoreError};

pub struct ConsoleOptions {
    pub socket: PathBuf,
    pub queue: QueueConfig,
    pub policy: Engine,
    /// Where the history is kept; `None` keeps none (tests, the demo).
    pub history: Option<History>,
}

pub struct History {
    pub dir: PathBuf,
    /// Prune decisions older than this many days.
    pub keep_days: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Socket(#[from] SocketError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the history writer: {0}")]
    Io(#[from] std::io::Error),
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
    pub fn start(options: ConsoleOptions) -> Result<Console, StartError> {
        let (ui, events) = mpsc::unbounded_channel();
        // The history first: a console that cannot record must not start answering.
        let store = match options.history {
            Some(history) => {
                let mut store = Store::open(&history.dir)?;
                let withdrawn = store.withdraw_unanswered(SystemTime::now())?;
                if !withdrawn.is_empty() {
                    let message = format!(
                        "{} left waiting when the console last stopped: withdrawn, not approved (see `signoff history`).",
                        crate::ui::plural(withdrawn.len(), "proposal")
                    );
                    let _ = ui.send(UiEvent::Alert(message));
                }
                Some((store, history.keep_days))
            }
            None => None,
        };
        let bound = server::bind(&options.socket)?;
        let queue = queue::spawn(
            Queue::new(Box::new(options.policy), options.queue),
            ui,
            store,
        )?;
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
