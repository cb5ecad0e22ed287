//! Getting the person's attention when an item starts waiting: a desktop notification (grouped
//! and rate-limited when many arrive) and, when asked for, the terminal bell.
//!
//! notify-rust's `show()` can block forever when the notification daemon never answers, so every
//! call runs on a thread of its own, one at a time, and is waited for with a deadline by the
//! notifier's thread — never by the screen. A failure is logged and never fatal; shutting down
//! never waits for a notification.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Items arriving this close together are announced in one notification.
const GROUP: Duration = Duration::from_millis(800);
/// At most one notification this often.
const MIN_INTERVAL: Duration = Duration::from_secs(5);
/// How long a notification daemon may take to answer.
const SHOW_LIMIT: Duration = Duration::from_secs(3);

/// Sends desktop notifications from a thread of its own. Dropping it ends the thread.
pub struct Notifier {
    items: mpsc::Sender<String>,
}

impl Notifier {
    pub fn spawn() -> Notifier {
        let (items, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("signoff-notify".into())
            .spawn(move || notify_loop(receiver));
        if let Err(error) = spawned {
            tracing::warn!(%error, "no desktop notifications: cannot start their thread");
        }
        Notifier { items }
    }

    /// An item started waiting. Never blocks.
    pub fn waiting(&self, summary: String) {
        let _ = self.items.send(summary);
    }
}

/// The notification for the items waiting since the last one: (title, body).
pub fn message(pending: &[String]) -> (String, String) {
    match pending {
        [one] => ("signoff: an action waits for you".into(), one.clone()),
        many => {
            let mut body: Vec<String> = many.iter().take(3).cloned().collect();
            if many.len() > 3 {
                body.push(format!("and {} more", many.len() - 3));
            }
            (
                format!("signoff: {} actions wait for you", many.len()),
                body.join("\n"),
            )
        }
    }
}

fn notify_loop(receiver: mpsc::Receiver<String>) {
    let in_flight = Arc::new(AtomicBool::new(false));
    let mut last_shown: Option<Instant> = None;
    // Wait for a first item, gather those arriving with it, respect the interval, then show.
    while let Ok(first) = receiver.recv() {
        let mut pending = vec![first];
        let not_before = last_shown
            .map_or_else(Instant::now, |at| at + MIN_INTERVAL)
            .max(Instant::now() + GROUP);
        loop {
            match receiver.recv_timeout(not_before.saturating_duration_since(Instant::now())) {
                Ok(item) => pending.push(item),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let (title, body) = message(&pending);
        show(&in_flight, title, body);
        last_shown = Some(Instant::now());
    }
}

fn show(in_flight: &Arc<AtomicBool>, title: String, body: String) {
    if in_flight.swap(true, Ordering::SeqCst) {
        tracing::warn!("skipped a desktop notification: the previous one is still unanswered");
        return;
    }
    let (done, answer) = mpsc::channel();
    let flag = in_flight.clone();
    let spawned = std::thread::Builder::new()
        .name("signoff-notify-show".into())
        .spawn(move || {
            let result = notify_rust::Notification::new()
                .appname("signoff")
                .summary(&title)
                .body(&body)
                .show()
                .map(|_| ());
            flag.store(false, Ordering::SeqCst);
            let _ = done.send(result);
        });
    if spawned.is_err() {
        in_flight.store(false, Ordering::SeqCst);
        return;
    }
    match answer.recv_timeout(SHOW_LIMIT) {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "desktop notification failed"),
        Err(_) => tracing::warn!("the notification daemon did not answer within {SHOW_LIMIT:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_is_named_many_are_counted() {
        let (title, body) = message(&["git push".into()]);
        assert_eq!(
            (title.as_str(), body.as_str()),
            ("signoff: an action waits for you", "git push")
        );
        let many: Vec<String> = (1..=5).map(|n| format!("item {n}")).collect();
        let (title, body) = message(&many);
        assert_eq!(title, "signoff: 5 actions wait for you");
        assert_eq!(body, "item 1\nitem 2\nitem 3\nand 2 more");
    }
}
