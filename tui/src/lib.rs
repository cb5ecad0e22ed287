//! The signoff console: gate server, policy, decision queue and terminal UI.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod policy;
pub mod queue;
