//! End-to-end tests: the real gate server on a real Unix socket in a temporary directory, agents
//! on the real SDK (or raw gRPC), and the real `signoff` binary as a process. The person at the
//! console is stood in for by the same queue handle the screen uses.

mod support;

mod adversarial;
mod agents;
mod attach;
mod console;
mod contexts;
mod faults;
mod history;
mod hooks;
mod malformed;
mod otlp;
mod python;
mod real_agents;
mod remote;
mod reviewers;
mod run_command;
mod web;
