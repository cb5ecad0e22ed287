use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use signoff_protocol::pb::agent_gate_client::AgentGateClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Uri};

use crate::{Error, SessionBuilder, default_socket_path};

/// How long connecting may take before the console counts as unreachable. A Unix socket connects
/// at once or not at all; the bound matters for TCP.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The gRPC client every request goes through: it carries the token, when there is one.
pub(crate) type Client = AgentGateClient<InterceptedService<Channel, Credentials>>;

/// A connection to the signoff console.
#[derive(Clone)]
pub struct Gate {
    pub(crate) client: Client,
}

impl Gate {
    /// Connects to the console on its default socket ([`default_socket_path`]), which
    /// `SIGNOFF_SOCKET` may set to a remote console's URL (see [`Gate::connect_to`]).
    pub async fn connect() -> Result<Self, Error> {
        Self::connect_to(default_socket_path()).await
    }

    /// Connects to the console at a Unix socket path, or at a remote console's `http://host:port`
    /// or `https://host:port` URL. A remote console needs its token: it is taken from
    /// `SIGNOFF_TOKEN`. For `https`, the console's certificate is checked against the CA
    /// certificate (PEM) in the file `SIGNOFF_TLS_CA` names, else against the system's roots.
    /// [`Gate::builder`] takes them from the caller instead.
    pub async fn connect_to(target: impl AsRef<Path>) -> Result<Self, Error> {
        let mut builder = Self::builder(target);
        if let Some(token) = std::env::var_os("SIGNOFF_TOKEN").filter(|t| !t.is_empty()) {
            builder = builder.token(token.to_string_lossy());
        }
        if let Some(path) = std::env::var_os("SIGNOFF_TLS_CA").filter(|p| !p.is_empty()) {
            let pem = std::fs::read(&path).map_err(|error| {
                Error::Configuration(format!(
                    "cannot read SIGNOFF_TLS_CA {}: {error}",
                    Path::new(&path).display()
                ))
            })?;
            builder = builder.ca_certificate(pem);
        }
        builder.connect().await
    }

    /// Describes a connection to the console at `target` (as [`Gate::connect_to`]) without
    /// reading the environment.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), signoff_agent_sdk::Error> {
    /// let gate = signoff_agent_sdk::Gate::builder("https://console.internal:7070")
    ///     .token("signoff_…")
    ///     .ca_certificate(std::fs::read("ca.pem").unwrap())
    ///     .connect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(target: impl AsRef<Path>) -> GateBuilder {
        GateBuilder {
            target: target.as_ref().to_path_buf(),
            token: None,
            ca_certificate: None,
        }
    }

    /// Starts describing a session for the agent called `name`; `.open()` opens it.
    pub fn session(&self, name: impl Into<String>) -> SessionBuilder {
        SessionBuilder::new(self.clone(), name.into())
    }
}

/// A connection to the console being described; [`GateBuilder::connect`] makes it.
pub struct GateBuilder {
    target: PathBuf,
    token: Option<String>,
    ca_certificate: Option<Vec<u8>>,
}

impl GateBuilder {
    /// The token a remote console asks for (`signoff token new` on the console's machine makes
    /// it). Sent with every request as `authorization: Bearer <token>`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The CA certificate (PEM) that signed an `https` console's certificate, such as a
    /// self-signed certificate itself.
    pub fn ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certificate = Some(pem.into());
        self
    }

    /// Connects. Fails when nothing answers there within a second.
    pub async fn connect(self) -> Result<Gate, Error> {
        let credentials = match &self.token {
            Some(token) => {
                let mut value: MetadataValue<Ascii> =
                    format!("Bearer {token}").parse().map_err(|_| {
                        Error::Configuration(
                            "the token holds characters a header cannot carry".into(),
                        )
                    })?;
                value.set_sensitive(true);
                Credentials(Some(value))
            }
            None => Credentials(None),
        };
        Ok(Gate {
            client: AgentGateClient::with_interceptor(self.channel().await?, credentials),
        })
    }

    /// A connection to the console (its socket, or its URL with the CA given), without the
    /// agent's token: for clients of the console's other services, such as `signoff attach`.
    /// Fails when nothing answers there within a second.
    pub async fn channel(&self) -> Result<Channel, Error> {
        let shown = self.target.display().to_string();
        let unreachable = |reason: String| Error::Unreachable {
            target: shown.clone(),
            reason,
        };
        let endpoint = match self.target.to_str() {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                let mut endpoint = Endpoint::from_shared(url.to_string())
                    .map_err(|e| Error::Configuration(format!("{url}: {}", root_cause(&e))))?;
                if url.starts_with("https://") {
                    let tls = match &self.ca_certificate {
                        Some(pem) => {
                            ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
                        }
                        None => ClientTlsConfig::new().with_native_roots(),
                    };
                    endpoint = endpoint
                        .tls_config(tls)
                        .map_err(|e| Error::Configuration(root_cause(&e)))?;
                }
                Some(endpoint.connect_timeout(CONNECT_TIMEOUT))
            }
            _ => None,
        };
        let connecting = async {
            match endpoint {
                Some(endpoint) => endpoint.connect().await,
                None => unix_channel(self.target.clone()).await,
            }
            .map_err(|e| unreachable(root_cause(&e)))
        };
        tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| unreachable(format!("no connection within {CONNECT_TIMEOUT:?}")))?
    }
}

/// Adds the bearer token to every request.
#[derive(Clone)]
pub(crate) struct Credentials(Option<MetadataValue<Ascii>>);

impl Interceptor for Credentials {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A tonic channel to a console's Unix socket, for calling `signoff.v1` (or its health and
/// reflection services) directly, as the SDK does. The socket is connected again when the
/// connection is lost.
pub async fn unix_channel(path: PathBuf) -> Result<Channel, tonic::transport::Error> {
    // The URI is a placeholder: the connector ignores it.
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move {
                Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(path).await?))
            }
        }))
        .await
}

/// The innermost cause, which is the one that says what went wrong ("No such file or directory").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
