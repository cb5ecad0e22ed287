//! The console's screen: a first cut of the live approval queue.

mod app;
mod view;

use std::io;
use std::time::{Duration, SystemTime};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;

use crate::console::Console;
pub use app::{App, Intent, Mode};

/// Runs the screen until the person quits, then shuts the console down (answering every agent
/// still waiting).
pub async fn run(mut console: Console) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let mut app = App::new(console.socket.display().to_string());
    let mut keys = EventStream::new();
    // Time left counts down on screen while items wait.
    let mut countdown = tokio::time::interval(Duration::from_secs(1));
    let result = loop {
        if let Err(error) = terminal.draw(|frame| view::render(&app, frame, SystemTime::now())) {
            break Err(error);
        }
        tokio::select! {
            Some(event) = console.events.recv() => {
                app.on_event(event);
                while let Ok(event) = console.events.try_recv() {
                    app.on_event(event);
                }
            }
            key = keys.next() => match key {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => match app.on_key(key) {
                    Some(Intent::Decide(item, answer)) => {
                        match console.queue.decide(item, answer).await {
                            Ok(Ok(())) => {}
                            Ok(Err(error)) => app.status = Some(error.to_string()),
                            Err(closed) => break Err(io::Error::other(closed)),
                        }
                    }
                    Some(Intent::Quit) => break Ok(()),
                    None => {}
                },
                Some(Ok(_)) => {}
                Some(Err(error)) => break Err(error),
                None => break Ok(()),
            },
            _ = countdown.tick() => {}
        }
    };
    ratatui::restore();
    console.shutdown().await;
    result
}

#[cfg(test)]
mod tests;
