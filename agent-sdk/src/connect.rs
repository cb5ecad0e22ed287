use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use signoff_protocol::pb::agent_gate_client::AgentGateClient;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::{Error, SessionBuilder, default_socket_path};

/// How long connecting may take before the console counts as unreachable. A Unix socket connects
/// at once or not at all; the bound matters for TCP.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A connection to the signoff console.
#[derive(Clone)]
pub struct Gate {
    pub(crate) client: AgentGateClient<Channel>,
}

impl Gate {
    /// Connects to the console on its default socket ([`default_socket_path`]).
    pub async fn connect() -> Result<Self, Error> {
        Self::connect_to(default_socket_path()).await
    }

    /// Connects to the console at a Unix socket path, or at an `http://host:port` URL.
    pub async fn connect_to(target: impl AsRef<Path>) -> Result<Self, Error> {
        let target = target.as_ref();
        let shown = target.display().to_string();
        let unreachable = |reason: String| Error::Unreachable {
            target: shown.clone(),
            reason,
        };
        let connecting = async {
            match target.to_str() {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                    Endpoint::from_shared(url.to_string())
                        .map_err(|e| unreachable(root_cause(&e)))?
                        .connect_timeout(CONNECT_TIMEOUT)
                        .connect()
                        .await
                }
                _ => {
                    let path = target.to_path_buf();
                    // The URI is a placeholder: the connector below ignores it.
                    Endpoint::from_static("http://localhost")
                        .connect_with_connector(tower::service_fn(move |_: Uri| {
                            connect_unix(path.clone())
                        }))
                        .await
                }
            }
            .map_err(|e| unreachable(root_cause(&e)))
        };
        let channel = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| unreachable(format!("no connection within {CONNECT_TIMEOUT:?}")))??;
        Ok(Gate {
            client: AgentGateClient::new(channel),
        })
    }

    /// Starts describing a session for the agent called `name`; `.open()` opens it.
    pub fn session(&self, name: impl Into<String>) -> SessionBuilder {
        SessionBuilder::new(self.clone(), name.into())
    }
}

async fn connect_unix(path: PathBuf) -> std::io::Result<TokioIo<tokio::net::UnixStream>> {
    Ok(TokioIo::new(tokio::net::UnixStream::connect(path).await?))
}

/// The innermost cause, which is the one that says what went wrong ("No such file or directory").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
