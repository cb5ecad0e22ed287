//! The signoff.v1 protocol and the domain types both sides of it speak.
//!
//! Only this crate knows the prost/tonic message types (`pb`). Everything else in signoff works
//! with the hand-written domain types below; `TryFrom<pb::…>` turns wire messages into them and
//! rejects invalid input with an [`InvalidMessage`] that says what is wrong.

mod action;
mod builders;
mod convert;
mod decision;
mod digest;
mod error;
mod session;
pub mod variables;

/// The generated wire types and the tonic clients and servers of `signoff.v1.AgentGate` and
/// `signoff.v1.Reviewer`.
pub mod pb {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("signoff.v1");

    /// The encoded descriptors of `signoff.v1`, for gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/signoff_descriptor.bin"));
}

pub use action::{
    Action, ActionKind, DryRun, Environment, FileChange, FileOp, HttpRequest, InfraOperation,
    McpToolCall, ShellCommand, SqlStatement, Target, ToolCall,
};
pub use builders::unified_diff;
pub use convert::{ProposeEvent, from_unix_ms, to_unix_ms};
pub use decision::{
    Assessed, Assessment, Confirmation, DecidedBy, Decision, Outcome, OutcomeStatus, Reason,
    TERMINAL, Tier, Verdict,
};
pub use digest::ActionDigest;
pub use error::InvalidMessage;
pub use session::{ProposalId, SessionId, SessionInfo};
