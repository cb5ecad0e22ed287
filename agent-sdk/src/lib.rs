//! Client SDK for agents gated by the signoff console.
#![deny(missing_docs)]
//!
//! An agent connects to the console, opens a session, proposes each action it plans and waits for
//! the console's decision. Every failure — the console unreachable, the connection lost, no answer
//! in time, a malformed answer — is an [`Error`], never an approval: only
//! [`Decision::is_approved`] says yes.
//!
//! ```no_run
//! use signoff_agent_sdk::{Action, Environment, Gate};
//!
//! # async fn demo() -> Result<(), signoff_agent_sdk::Error> {
//! let gate = Gate::connect().await?;
//! let session = gate.session("nightly-migrator").model("gpt-5").open().await?;
//! let action = Action::shell(["touch", "F"]).env(Environment::Staging).rationale("mark the deploy");
//! let decision = session.propose(action).await?;
//! if decision.is_approved() {
//!     // run it
//! }
//! # Ok(())
//! # }
//! ```

mod connect;
mod error;
mod session;
mod socket;

pub use connect::{Gate, GateBuilder, unix_channel};
pub use error::Error;
pub use session::{GuardError, Pending, Session, SessionBuilder};
pub use socket::default_socket_path;

pub use signoff_protocol::{
    Action, ActionDigest, ActionKind, Assessed, Assessment, Confirmation, DecidedBy, Decision,
    DryRun, Environment, FileChange, FileOp, HttpRequest, InfraOperation, McpToolCall, Outcome,
    OutcomeStatus, ProposalId, Reason, SessionId, SessionInfo, ShellCommand, SqlStatement, Target,
    Tier, ToolCall, Verdict,
};
