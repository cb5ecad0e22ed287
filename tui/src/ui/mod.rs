//! The console's screen: the live approval queue.
//!
//! One loop over closed event sources — queue events, terminal events, and timers — with redraws
//! requested by changes and coalesced to at most one frame per [`FRAME`]. Idle, nothing ticks;
//! while items wait, the countdown redraws once a second. The screen never waits on the network,
//! the store or notifications.

mod app;
mod desk;
pub mod history;
pub mod keys;
mod view;

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;

use tokio::sync::mpsc;

use crate::attention::Notifier;
use crate::queue::UiEvent;
use crate::sanitize;
pub use app::{App, Intent, Mode, Pane};
pub use desk::{Desk, Done, Terminal};
pub use keys::Keymap;
pub use view::{clock_date, plural, render};

/// The shortest time between two frames: under load, changes are drawn together.
pub const FRAME: Duration = Duration::from_millis(16);
/// The most queue events applied between two looks at the keyboard.
const EVENTS_PER_TURN: usize = 20_000;

pub struct UiOptions {
    pub keys: Keymap,
    /// False with `NO_COLOR`.
    pub color: bool,
    /// Ring the terminal bell when an item starts waiting.
    pub bell: bool,
    /// Send a desktop notification when an item starts waiting.
    pub notify: bool,
}

/// What a screen shows and where its decisions go.
pub struct Screen<'a> {
    /// Where agents connect (or which console this screen is attached to), for the header.
    pub header: String,
    pub events: &'a mut mpsc::UnboundedReceiver<UiEvent>,
    pub desk: &'a dyn Desk,
    /// Quitting this screen closes the console (false for an attached screen).
    pub closes_console: bool,
}

/// Runs the screen until the person quits (or its events end).
pub async fn run(screen: Screen<'_>, options: UiOptions) -> io::Result<()> {
    let Screen {
        header,
        events,
        desk,
        closes_console,
    } = screen;
    let mut terminal = ratatui::try_init()?;
    let notifier = options.notify.then(Notifier::spawn);
    let mut app = App::new(header, options.keys);
    app.history_kept = desk.keeps_history();
    app.quit_withdraws = closes_console;
    let (pages_tx, mut pages) = tokio::sync::mpsc::unbounded_channel();
    let mut keys = EventStream::new();
    let mut dirty = true;
    let mut next_frame = Instant::now();
    let result = loop {
        if dirty && Instant::now() >= next_frame {
            if let Err(error) =
                terminal.draw(|frame| view::render(&app, frame, SystemTime::now(), options.color))
            {
                break Err(error);
            }
            dirty = false;
            next_frame = Instant::now() + FRAME;
        }
        let counting_down =
            !app.waiting.is_empty() || !app.grants.is_empty() || matches!(app.mode, Mode::Phone(_));
        tokio::select! {
            Some(event) = events.recv() => {
                let mut waiting_now = Vec::new();
                let mut next = Some(event);
                let mut applied = 0;
                while let Some(event) = next.take() {
                    if let UiEvent::Waiting(item) = &event {
                        waiting_now.push(sanitize::line(&item.action.headline(), 120));
                    }
                    app.on_event(event);
                    applied += 1;
                    next = if applied < EVENTS_PER_TURN { events.try_recv().ok() } else { None };
                }
                if !waiting_now.is_empty() {
                    if options.bell {
                        let _ = terminal.backend_mut().write_all(b"\x07").and_then(|()| terminal.backend_mut().flush());
                    }
                    if let Some(notifier) = &notifier {
                        waiting_now.into_iter().for_each(|summary| notifier.waiting(summary));
                    }
                }
                dirty = true;
            }
            key = keys.next() => match key {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => {
                    dirty = true;
                    match app.on_key(key) {
                        Some(Intent::Quit) => break Ok(()),
                        Some(Intent::LoadHistory(request)) => {
                            // Off the screen's task: a slow disk never freezes the screen.
                            let page = desk.history(request);
                            let pages = pages_tx.clone();
                            tokio::spawn(async move {
                                let _ = pages.send(page.await);
                            });
                        }
                        Some(intent) => {
                            // Bound to what this screen showed.
                            let seen = match &intent {
                                Intent::Decide(key, _) | Intent::Grant(key, _) => app
                                    .waiting
                                    .iter()
                                    .find(|item| &item.key == key)
                                    .map(|item| item.digest),
                                _ => None,
                            };
                            match desk.carry_out(intent, seen).await {
                                Ok(done) => {
                                    if let Some(said) = done.said {
                                        app.status = Some(said);
                                    }
                                    if let Some(reviewers) = done.reviewers {
                                        app.on_reviewers(reviewers);
                                    }
                                    if let Some(invitation) = done.phone {
                                        app.on_phone_invitation(invitation);
                                    }
                                }
                                Err(error) => break Err(error),
                            }
                        }
                        None => {}
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(error)) => break Err(error),
                None => break Ok(()),
            },
            Some(page) = pages.recv() => {
                app.on_history_page(page);
                dirty = true;
            }
            () = tokio::time::sleep_until(next_frame.into()), if dirty => {}
            () = tokio::time::sleep(Duration::from_secs(1)), if counting_down && !dirty => dirty = true,
        }
    };
    ratatui::restore();
    result
}

#[cfg(test)]
mod tests;
