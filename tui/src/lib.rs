//! The signoff console: gate server, policy, decision queue and terminal UI, and the `signoff`
//! command line (`cli::main` is the whole binary).
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod attach;
pub mod attention;
pub mod cli;
pub mod console;
pub mod demo;
pub mod doctor;
pub mod explain;
pub mod facts;
pub mod history_cli;
pub mod hooks;
pub mod install;
mod logging;
pub mod mcp_gateway;
pub mod otlp;
pub mod policy;
pub mod queue;
pub mod reviewers;
pub mod run_command;
pub mod sanitize;
mod secret_file;
pub mod serve;
pub mod server;
pub mod store;
pub mod tls;
pub mod ui;
pub mod web;
