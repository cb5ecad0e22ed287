use std::time::Duration;

use signoff_protocol::InvalidMessage;

/// Why no decision was had. None of these is an approval.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No console listens there (not running, or another socket), or it did not answer in time.
    #[error("the signoff console is not reachable at {target}: {reason}")]
    Unreachable {
        /// The socket path or URL tried.
        target: String,
        /// What went wrong, as the system said it.
        reason: String,
    },
    /// A remote console refused this agent's token (none, or not the console's).
    #[error("the console refused this agent's token: {0}")]
    Unauthenticated(String),
    /// The connection cannot be made as described (an unreadable CA file, a malformed URL).
    #[error("cannot connect as configured: {0}")]
    Configuration(String),
    /// The console refused the request as invalid; the message says what is wrong.
    #[error("the console refused the request: {0}")]
    InvalidRequest(String),
    /// The session is not open: closed, or the console restarted since.
    #[error("the console does not know this session (closed, or the console restarted): {0}")]
    UnknownSession(String),
    /// A retry used a proposal id already used for a different action.
    #[error("this proposal id was already used for a different action: {0}")]
    ProposalIdReused(String),
    /// The console refuses more from this agent for now (too many proposals waiting, or a
    /// request over its size limit); the message says which.
    #[error("the console refuses this for now: {0}")]
    Refused(String),
    /// Any other error status from the console.
    #[error("the console answered with an error: {0}")]
    Console(String),
    /// The connection went away before the decision arrived.
    #[error("the connection to the console was lost before a decision")]
    Disconnected,
    /// No decision within the deadline.
    #[error("no decision within {0:?}")]
    Deadline(Duration),
    /// The console's answer could not be read.
    #[error("the console sent an invalid message: {0}")]
    Protocol(#[from] InvalidMessage),
    /// The answer names another action than the one proposed: never taken as an approval.
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
            tonic::Code::Unauthenticated => Error::Unauthenticated(message),
            tonic::Code::ResourceExhausted => Error::Refused(message),
            // The connection broke or the console is going away.
            tonic::Code::Unavailable | tonic::Code::Cancelled | tonic::Code::Unknown => {
                Error::Disconnected
            }
            _ => Error::Console(format!("{}: {message}", status.code())),
        }
    }
}
