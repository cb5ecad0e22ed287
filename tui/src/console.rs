//! Starts the console's moving parts — socket, queue task, gate server — without a screen, so the
//! binary and the tests start exactly the same thing.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::facts::Lookout;
use crate::otlp::{Export, OtlpError};
use crate::policy::Engine;
use crate::queue::{self, Queue, QueueConfig, QueueHandle, UiEvent};
use crate::reviewers::Reviewers;
use crate::server::{self, Remote, RemoteError, RemoteOptions, SocketError};
use crate::store::writer::StoreWriter;
use crate::store::{Store, StoreError};
use crate::web::{Web, WebError, WebOptions};

pub struct ConsoleOptions {
    pub socket: PathBuf,
    pub queue: QueueConfig,
    pub policy: Engine,
    /// Where the history is kept; `None` keeps none (tests, the demo).
    pub history: Option<History>,
    /// Also serve remote agents over TCP (the Unix socket is always served).
    pub remote: Option<RemoteOptions>,
    /// Also serve the reviewer page for phones.
    pub web: Option<WebOptions>,
    /// Also export every decision the history records to this OTLP collector.
    pub otlp: Option<String>,
}

pub struct History {
    pub dir: PathBuf,
    /// Prune decisions older than this many days.
    pub keep_days: Option<u32>,
    /// What a decision's record must survive before its agent hears it.
    pub durability: crate::store::Durability,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Socket(#[from] SocketError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Web(#[from] WebError),
    #[error(transparent)]
    Otlp(#[from] OtlpError),
    #[error("cannot start the history writer: {0}")]
    Io(#[from] std::io::Error),
}

/// A running console. The socket accepts connections as soon as [`Console::start`] returns.
pub struct Console {
    pub socket: PathBuf,
    /// The TCP address remote agents connect to, when serving them.
    pub remote_addr: Option<SocketAddr>,
    /// The URL a phone opens, when serving the reviewer page.
    pub web_url: Option<String>,
    pub queue: QueueHandle,
    /// The screens paired as reviewers (`signoff attach`), beside the console's own.
    pub reviewers: Reviewers,
    /// The history's directory, when it keeps one.
    pub history: Option<PathBuf>,
    /// What the screen shows: sessions, waiting items, decisions.
    pub events: mpsc::UnboundedReceiver<UiEvent>,
    stop: oneshot::Sender<()>,
    servers: JoinHandle<[std::io::Result<()>; 2]>,
    web: Option<JoinHandle<std::io::Result<()>>>,
    export: Option<Export>,
}

/// What tells the person something, from anywhere in the console: an alert on the screen.
fn alerts(ui: &mpsc::UnboundedSender<UiEvent>) -> impl Fn(String) + Clone + Send + Sync + 'static {
    let ui = ui.clone();
    move |alert| {
        let _ = ui.send(UiEvent::Alert(alert));
    }
}

impl Console {
    /// Binds the socket and starts serving. Must run inside a tokio runtime.
    pub fn start(options: ConsoleOptions) -> Result<Console, StartError> {
        let (ui, events) = mpsc::unbounded_channel();
        let tell = alerts(&ui);
        let history = options.history.as_ref().map(|history| history.dir.clone());
        let export = match (&options.otlp, &options.history) {
            (Some(endpoint), Some(_)) => Some(Export::start(endpoint, tell.clone())?),
            (Some(endpoint), None) => return Err(OtlpError::without_history(endpoint).into()),
            (None, _) => None,
        };
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
                    tell(message);
                }
                if store.torn() > 0 {
                    tell(format!(
                        "The history's journal ended in a record cut short ({} bytes): no agent heard it; dropped.",
                        store.torn()
                    ));
                }
                let settings = crate::store::writer::Settings {
                    keep_days: history.keep_days,
                    durability: history.durability,
                    follower: export.as_ref().map(Export::follower),
                };
                Some((store, settings))
            }
            None => None,
        };
        let bound = server::bind(&options.socket)?;
        let remote = options.remote.map(Remote::bind).transpose()?;
        let remote_addr = remote.as_ref().and_then(|r| r.local_addr().ok());
        let web = options.web.as_ref().map(Web::bind).transpose()?;
        let web_url = web.as_ref().map(|web| web.url.clone());
        if let Some(warning) = remote.as_ref().and_then(Remote::warning) {
            tell(warning);
        }
        if let Some(tier) = options.queue.two_person {
            tell(format!(
                "Two-person rule: {tier} items need a second reviewer besides this terminal. Pair one: `signoff attach` elsewhere, then P here."
            ));
        }
        let lookout = Lookout::new(options.policy.clone());
        // With a history, every event is recorded, and a decision answered only once it is.
        let recorder = store
            .map(|(store, settings)| {
                StoreWriter::spawn(store, settings, tell.clone())
                    .map(|writer| Box::new(writer) as Box<dyn queue::Recorder>)
            })
            .transpose()?;
        let queue = queue::spawn(
            Queue::new(Box::new(options.policy), options.queue),
            ui,
            recorder,
        );
        let reviewers = Reviewers::default();
        let (stop, stopped) = oneshot::channel::<()>();
        let stopped = stopped.map(drop).shared();
        let serving = server::Serving {
            queue: queue.clone(),
            lookout,
            reviewers: reviewers.clone(),
            history: history.clone(),
        };
        let local = server::serve(bound, serving.clone(), tell, stopped.clone());
        let web = web
            .map(|web| tokio::spawn(web.serve(queue.clone(), reviewers.clone(), stopped.clone())));
        let remote = async move {
            match remote {
                Some(remote) => remote.serve(serving, stopped).await,
                None => Ok(()),
            }
        };
        let servers = tokio::spawn(async move {
            let (local, remote) = tokio::join!(local, remote);
            [local, remote]
        });
        tracing::info!(socket = %options.socket.display(), remote = ?remote_addr, "console listening");
        Ok(Console {
            socket: options.socket,
            remote_addr,
            web_url,
            queue,
            reviewers,
            history,
            events,
            stop,
            servers,
            web,
            export,
        })
    }

    /// Answers every waiting agent (withdrawn: nobody approved), stops serving and removes the
    /// socket.
    pub async fn shutdown(self) {
        self.queue.shutdown().await;
        let _ = self.stop.send(());
        // Connections that linger (an agent that never reads) do not hold the console open.
        match tokio::time::timeout(Duration::from_secs(2), self.servers).await {
            Ok(Ok(served)) => {
                for error in served.into_iter().filter_map(Result::err) {
                    tracing::warn!(%error, "gate server stopped with an error");
                }
            }
            Ok(Err(error)) => tracing::warn!(%error, "gate server task failed"),
            Err(_) => tracing::warn!("gate server did not stop within 2s"),
        }
        if let Some(web) = self.web {
            // A phone's open event stream does not hold the console open either.
            match tokio::time::timeout(Duration::from_secs(2), web).await {
                Ok(Ok(Err(error))) => {
                    tracing::warn!(%error, "web page server stopped with an error")
                }
                Ok(Err(error)) => tracing::warn!(%error, "web page server task failed"),
                Err(_) => tracing::warn!("web page server did not stop within 2s"),
                Ok(Ok(Ok(()))) => {}
            }
        }
        // The history has shown the export its last decisions by now.
        if let Some(export) = self.export {
            export.shutdown().await;
        }
    }
}
