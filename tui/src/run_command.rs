//! `signoff run`: gate any command from any language.
//!
//! Proposes the command as a shell action, runs exactly the approved argv only when approved,
//! reports the outcome and exits with the command's own status. When not approved the command
//! never starts, one line says why on stderr, and the exit status says which way it failed.
// A command-line front end, not the TUI: its one line of news goes to stderr.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use signoff_agent_sdk::{
    Action, ActionKind, Decision, Environment, Error, Gate, Outcome, OutcomeStatus, ShellCommand,
    Verdict,
};

/// A person (or the console on their behalf) denied the command. (EX_NOPERM)
pub const EXIT_DENIED: u8 = 77;
/// Nobody decided before the deadline. (EX_TEMPFAIL)
pub const EXIT_EXPIRED: u8 = 75;
/// No decision could be had: the console is unreachable, went away, or refused the request.
/// (EX_UNAVAILABLE)
pub const EXIT_UNAVAILABLE: u8 = 69;

pub struct RunOptions {
    pub socket: PathBuf,
    pub environment: Environment,
    pub summary: Option<String>,
    pub timeout: Option<Duration>,
    pub agent: String,
    /// The agent's ongoing session (`--session`), else one for this command alone.
    pub session: Option<String>,
    pub argv: Vec<String>,
}

pub async fn run(options: RunOptions) -> u8 {
    let program = options.argv[0].clone();
    let gate = match Gate::connect_to(&options.socket).await {
        Ok(gate) => gate,
        Err(error) => return refuse(&program, &error),
    };
    let parent = std::os::unix::process::parent_id();
    let mut builder = gate
        .session(options.agent)
        .agent_kind("signoff-run")
        .pid(parent);
    // The agent's own session goes on after this command; one of our own ends with it.
    let own_session = options.session.is_none();
    if let Some(id) = options.session {
        builder = builder.external_id(id);
    }
    let session = match builder.open().await {
        Ok(session) => session,
        Err(error) => return refuse(&program, &error),
    };
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: options.argv.clone(),
        cwd,
    }));
    action.target.environment = options.environment;
    action.summary = options.summary.unwrap_or_default();

    let decision = match session.submit(action, options.timeout).await {
        Ok(pending) => {
            let assessed = pending.assessed();
            if assessed.queue_position > 0 {
                eprintln!(
                    "signoff: `{program}` is {} in {}: waiting for a person in the console…",
                    assessed.assessment.tier, assessed.assessment.environment
                );
            }
            let proposal = pending.proposal_id().clone();
            pending
                .decision()
                .await
                .map(|decision| (proposal, decision))
        }
        Err(error) => Err(error),
    };
    let (proposal, decision) = match decision {
        Ok(answer) => answer,
        Err(error) => return refuse(&program, &error),
    };
    if !decision.is_approved() {
        if own_session {
            let _ = session.close().await;
        }
        return not_approved(&program, &decision);
    }

    // Exactly the argv that was approved: the digest of this action is what the console signed.
    let status = tokio::process::Command::new(&options.argv[0])
        .args(&options.argv[1..])
        .status()
        .await;
    let (code, outcome) = match status {
        Ok(status) => (exit_code(status), outcome_of(status)),
        Err(error) => {
            eprintln!("signoff: `{program}` was approved but could not start: {error}");
            let code = if error.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            (
                code,
                Outcome {
                    status: OutcomeStatus::NotRun,
                    exit_code: None,
                    result: error.to_string(),
                },
            )
        }
    };
    if let Err(error) = session.report_outcome(&proposal, outcome).await {
        tracing::warn!(%error, "could not report the outcome");
    }
    if own_session {
        let _ = session.close().await;
    }
    code
}

fn refuse(program: &str, error: &Error) -> u8 {
    eprintln!("signoff: `{program}` not run: {error}");
    match error {
        Error::Deadline(_) => EXIT_EXPIRED,
        _ => EXIT_UNAVAILABLE,
    }
}

fn not_approved(program: &str, decision: &Decision) -> u8 {
    let note = if decision.note.is_empty() {
        String::new()
    } else {
        format!(": {}", decision.note)
    };
    match decision.verdict {
        Verdict::Denied => {
            eprintln!("signoff: `{program}` not run: denied in the console{note}");
            EXIT_DENIED
        }
        Verdict::Expired => {
            eprintln!("signoff: `{program}` not run: nobody decided before the deadline");
            EXIT_EXPIRED
        }
        Verdict::Withdrawn | Verdict::Approved => {
            eprintln!("signoff: `{program}` not run: withdrawn{note}");
            EXIT_UNAVAILABLE
        }
    }
}

/// The command's own status; a death by signal is reported the way shells do (128 + signal).
fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(255),
        (None, None) => 1,
    }
}

fn outcome_of(status: ExitStatus) -> Outcome {
    Outcome {
        status: if status.success() {
            OutcomeStatus::Succeeded
        } else {
            OutcomeStatus::Failed
        },
        exit_code: status.code(),
        result: status.to_string(),
    }
}
