//! `signoff serve`: the gate and the queue without a screen, for a shared box whose agents are
//! remote or run as other users. Attached screens are its only reviewers: the first presents the
//! code printed here once, and pairs the others.

use std::io::Write;

use tokio::signal::unix::{SignalKind, signal};

use crate::console::{Console, ConsoleOptions};
use crate::queue::UiEvent;

/// A line for the terminal that started it. A terminal gone (a closed pipe) stops nothing.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// Serves until SIGTERM or Ctrl-C, then withdraws what waits (not approved) and stops.
pub async fn serve(options: ConsoleOptions) -> anyhow::Result<()> {
    crate::logging::init();
    let mut console = Console::start(options)?;
    let code = console.reviewers.first_code()?;
    say(&format!(
        "signoff serve: agents connect to {}",
        console.socket.display()
    ));
    if let Some(addr) = console.remote_addr {
        say(&format!("               and to tcp {addr}"));
    }
    say(&format!(
        "The first reviewer runs:  signoff attach --code {code}"
    ));
    say("(shown once; that screen pairs the others with P). SIGTERM or Ctrl-C stops.");
    if let Some(url) = &console.web_url {
        say(&format!(
            "Or a phone opens:          {}",
            crate::web::Web::pairing_url(url, &code)
        ));
    }
    if let Some(path) = crate::logging::log_path() {
        say(&format!("Logs: {}", path.display()));
    }
    let mut terminate = signal(SignalKind::terminate())?;
    loop {
        tokio::select! {
            event = console.events.recv() => match event {
                // What a screen would have shown the person goes to the log.
                Some(UiEvent::Alert(alert)) => tracing::warn!(%alert, "console alert"),
                Some(_) => {}
                None => break,
            },
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    tracing::info!("stopping: what waits is withdrawn");
    console.shutdown().await;
    say("signoff serve: stopped; what waited was withdrawn, not approved.");
    Ok(())
}
