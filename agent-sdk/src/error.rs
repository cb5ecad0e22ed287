use std::time::Duration;

use signoff_protocol::InvalidMessage;

/// Why no decision was had. None of these is an approval.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the signoff console is not reachable at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("the console refused the request: {0}")]
    InvalidRequest(String),
    #[error("the console does not know this session (closed, or the console restarted): {0}")]
    UnknownSession(String),
    #[error("this proposal id was already used for a different action: {0}")]
    ProposalIdReused(String),
    #[error("the console answered with an error: {0}")]
    Console(String),
    #[error("the connection to the console was lost before a decision")]
    Disconnected,
    #[error("no decision within {0:?}")]
    Deadline(Duration),
    #[error("the console sent an invalid message: {0}")]
    Protocol(#[from] InvalidMessage),
    #[error("the console's answer names a different action than the one proposed")]
    DigestMismatch,
}

impl Error {
    /// Turns a gRPC status back into a typed error.
    pub(crate) fn from_status(status: tonic::Status) -> Self {
        let message = status.message().to_string();
        match status.code() {
            tonic::Code::InvalidArgument => Error::InvalidRequest(message),
            tonic::Code::NotFound => Error::UnknownSession(message),
            tonic::Code::AlreadyExists => Error::ProposalIdReused(message),
            // The connection broke or the console is going away.
            tonic::Code::Unavailable | tonic::Code::Cancelled | tonic::Code::Unknown => {
                Error::Disconnected
            }
            _ => Error::Console(format!("{}: {message}", status.code())),
        }
    }
}
