//! The one task that owns the [`Queue`]. The gRPC service and the screen talk to it through a
//! [`QueueHandle`]; it reads the clock, sleeps until the next deadline and carries out effects.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use signoff_protocol::{Action, ActionDigest, Outcome, ProposeEvent, SessionId, SessionInfo};
use tokio::sync::{mpsc, oneshot};

use crate::policy::Facts;

use super::{
    DecideError, Effect, OutcomeError, PersonDecision, ProposalKey, ProposeError, Queue,
    SubscriberId, UiEvent,
};

/// The queue task has stopped: the console is closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the console is closing")]
pub struct Closed;

/// Events for one agent stream. Two at most are ever sent (assessment, decision).
pub type EventSender = mpsc::Sender<ProposeEvent>;
pub const EVENTS_PER_STREAM: usize = 4;

enum Command {
    OpenSession {
        info: SessionInfo,
        external_id: Option<String>,
        reply: oneshot::Sender<SessionId>,
    },
    CloseSession {
        id: SessionId,
        reply: oneshot::Sender<()>,
    },
    Propose {
        key: ProposalKey,
        action: Action,
        wait: Option<Duration>,
        // Boxed: the agent's variables and the files read make it the largest command by far.
        facts: Box<Facts>,
        events: EventSender,
        reply: oneshot::Sender<Result<SubscriberId, ProposeError>>,
    },
    Unsubscribe(SubscriberId),
    Decide {
        key: ProposalKey,
        /// The digest of the action the reviewer saw, when it is not the console's own screen.
        seen: Option<ActionDigest>,
        reviewer: String,
        answer: PersonDecision,
        reply: oneshot::Sender<Result<(), DecideError>>,
    },
    ReportOutcome {
        key: ProposalKey,
        outcome: Outcome,
        reply: oneshot::Sender<Result<(), OutcomeError>>,
    },
    SetPaused(bool),
    SetFrozen(SessionId, bool),
    Grant {
        key: ProposalKey,
        seen: Option<ActionDigest>,
        reviewer: String,
        duration: Duration,
        reply: oneshot::Sender<Result<(), DecideError>>,
    },
    Revoke(String),
    Watch {
        reply: oneshot::Sender<Watching>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// How many events an attached screen may fall behind before it is let go.
pub const WATCH_BACKLOG: usize = 16_384;

/// What an attached screen starts from ([`Queue::picture`]) and what it hears after.
pub struct Watching {
    pub picture: Vec<UiEvent>,
    pub events: mpsc::Receiver<Arc<Shown>>,
}

/// An event every attached screen hears: made once and shared by all of them.
pub struct Shown {
    pub event: UiEvent,
    /// The form it is sent in, made by the first screen that sends it and reused by the others
    /// (with 50 screens, converting and encoding once per screen was most of their cost).
    pub encoded: OnceLock<Vec<u8>>,
}

impl Shown {
    pub fn new(event: UiEvent) -> Shown {
        Shown {
            event,
            encoded: OnceLock::new(),
        }
    }
}

/// Talks to the queue task. Cheap to clone.
#[derive(Clone)]
pub struct QueueHandle {
    // Unbounded so that a dropped stream can always report itself (see `unsubscribe`).
    commands: mpsc::UnboundedSender<Command>,
}

impl QueueHandle {
    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, Closed> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(command(reply)).map_err(|_| Closed)?;
        answer.await.map_err(|_| Closed)
    }

    pub async fn open_session(
        &self,
        info: SessionInfo,
        external_id: Option<String>,
    ) -> Result<SessionId, Closed> {
        self.ask(|reply| Command::OpenSession {
            info,
            external_id,
            reply,
        })
        .await
    }

    pub async fn close_session(&self, id: SessionId) -> Result<(), Closed> {
        self.ask(|reply| Command::CloseSession { id, reply }).await
    }

    /// Proposes an action; `events` hears the assessment and the decision. Returns the id under
    /// which the stream follows the proposal, for [`QueueHandle::unsubscribe`].
    pub async fn propose(
        &self,
        key: ProposalKey,
        action: Action,
        wait: Option<Duration>,
        facts: Facts,
        events: EventSender,
    ) -> Result<Result<SubscriberId, ProposeError>, Closed> {
        self.ask(|reply| Command::Propose {
            key,
            action,
            wait,
            facts: Box::new(facts),
            events,
            reply,
        })
        .await
    }

    /// The stream `subscriber` is gone. Never blocks, so it can be called from `Drop`.
    pub fn unsubscribe(&self, subscriber: SubscriberId) {
        let _ = self.commands.send(Command::Unsubscribe(subscriber));
    }

    /// A reviewer's answer: `reviewer` is [`signoff_protocol::TERMINAL`] for the console's own
    /// screen (or a test standing in for it), else the reviewer's name.
    pub async fn decide(
        &self,
        key: ProposalKey,
        reviewer: &str,
        answer: PersonDecision,
    ) -> Result<Result<(), DecideError>, Closed> {
        self.decide_seen(key, None, reviewer, answer).await
    }

    /// [`QueueHandle::decide`] from a screen that holds its own copy of the queue: refused
    /// ([`DecideError::Changed`]) unless `seen` is the digest of the action waiting under `key`.
    pub async fn decide_seen(
        &self,
        key: ProposalKey,
        seen: Option<ActionDigest>,
        reviewer: &str,
        answer: PersonDecision,
    ) -> Result<Result<(), DecideError>, Closed> {
        let reviewer = reviewer.to_string();
        self.ask(|reply| Command::Decide {
            key,
            seen,
            reviewer,
            answer,
            reply,
        })
        .await
    }

    pub async fn report_outcome(
        &self,
        key: ProposalKey,
        outcome: Outcome,
    ) -> Result<Result<(), OutcomeError>, Closed> {
        self.ask(|reply| Command::ReportOutcome {
            key,
            outcome,
            reply,
        })
        .await
    }

    /// Pauses streaming (everything waits for a person) or resumes it.
    pub fn set_paused(&self, paused: bool) {
        let _ = self.commands.send(Command::SetPaused(paused));
    }

    /// Freezes a session (everything it proposes waits for a person) or unfreezes it.
    pub fn set_frozen(&self, id: SessionId, frozen: bool) {
        let _ = self.commands.send(Command::SetFrozen(id, frozen));
    }

    /// Approves a waiting item and grants similar ones in its session for `duration`; with
    /// `seen`, as [`QueueHandle::decide_seen`].
    pub async fn grant(
        &self,
        key: ProposalKey,
        seen: Option<ActionDigest>,
        reviewer: &str,
        duration: Duration,
    ) -> Result<Result<(), DecideError>, Closed> {
        let reviewer = reviewer.to_string();
        self.ask(|reply| Command::Grant {
            key,
            seen,
            reviewer,
            duration,
            reply,
        })
        .await
    }

    pub fn revoke(&self, grant: String) {
        let _ = self.commands.send(Command::Revoke(grant));
    }

    /// The queue as it stands and every change after, for a screen that attaches. The events
    /// stop (the receiver ends) when the screen falls [`WATCH_BACKLOG`] events behind.
    pub async fn watch(&self) -> Result<Watching, Closed> {
        self.ask(|reply| Command::Watch { reply }).await
    }

    /// Withdraws everything waiting (the agents hear it), stops the task and closes the history.
    pub async fn shutdown(&self) {
        let _ = self.ask(|reply| Command::Shutdown { reply }).await;
    }
}

/// Where the queue's events are kept before what follows from them is answered: the history's
/// journal (`store::writer::StoreWriter`), which the console wires in. The queue knows no store.
pub trait Recorder: Send {
    /// Hands `events` over; `then` runs once they are recorded, with every event handed over
    /// before them (`true`), or could not be (`false`). Never blocks.
    fn record(&self, events: Vec<UiEvent>, then: Option<Then>);

    /// Stops once what was handed over is recorded, or at `deadline`.
    fn close(self: Box<Self>, deadline: tokio::time::Instant) -> BoxFuture<'static, ()>;
}

/// What runs once a batch of events is recorded (`true`), or could not be (`false`).
pub type Then = Box<dyn FnOnce(bool) + Send>;

/// Starts the queue task. Screen events go to `ui`; nobody needs to listen. With a `recorder`,
/// every event is recorded and every decision is answered only once it is.
pub fn spawn(
    queue: Queue,
    ui: mpsc::UnboundedSender<UiEvent>,
    writer: Option<Box<dyn Recorder>>,
) -> QueueHandle {
    let (commands, receiver) = mpsc::unbounded_channel();
    let task = QueueTask {
        queue,
        ui,
        streams: HashMap::new(),
        next_subscriber: 0,
        writer,
        watchers: Vec::new(),
        shut_down: None,
    };
    tokio::spawn(task.run(receiver));
    QueueHandle { commands }
}

struct QueueTask {
    queue: Queue,
    ui: mpsc::UnboundedSender<UiEvent>,
    streams: HashMap<SubscriberId, EventSender>,
    next_subscriber: SubscriberId,
    writer: Option<Box<dyn Recorder>>,
    /// Attached screens ([`QueueHandle::watch`]).
    watchers: Vec<mpsc::Sender<Arc<Shown>>>,
    /// Who asked the task to stop, told once the history is closed.
    shut_down: Option<oneshot::Sender<()>>,
}

/// How long shutting down waits for the history to record the last decisions.
const FLUSH_LIMIT: Duration = Duration::from_secs(5);

impl QueueTask {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        loop {
            let until_deadline = self.queue.next_deadline().map(|deadline| {
                deadline
                    .duration_since(SystemTime::now())
                    .unwrap_or_default()
            });
            let command = tokio::select! {
                command = commands.recv() => command,
                () = sleep(until_deadline) => {
                    let effects = self.queue.tick(SystemTime::now());
                    self.apply(effects);
                    continue;
                }
            };
            let Some(command) = command else { break };
            if !self.handle(command) {
                break;
            }
        }
        // The writer answers what it has yet to journal before going; wait for it a while.
        let deadline = tokio::time::Instant::now() + FLUSH_LIMIT;
        if let Some(writer) = self.writer.take() {
            writer.close(deadline).await;
        }
        if let Some(reply) = self.shut_down.take() {
            let _ = reply.send(());
        }
    }

    /// Returns false when the task should stop.
    fn handle(&mut self, command: Command) -> bool {
        let now = SystemTime::now();
        match command {
            Command::OpenSession {
                info,
                external_id,
                reply,
            } => {
                let new_id = SessionId(uuid::Uuid::new_v4().to_string());
                let (id, effects) = self.queue.open_session(new_id, info, external_id);
                self.apply(effects);
                let _ = reply.send(id);
            }
            Command::CloseSession { id, reply } => {
                let effects = self.queue.close_session(now, &id);
                self.apply(effects);
                let _ = reply.send(());
            }
            Command::Propose {
                key,
                action,
                wait,
                facts,
                events,
                reply,
            } => {
                self.next_subscriber += 1;
                let subscriber = self.next_subscriber;
                self.streams.insert(subscriber, events);
                let result = self
                    .queue
                    .propose_with(now, subscriber, key, action, wait, *facts)
                    .map(|effects| {
                        self.apply(effects);
                        subscriber
                    });
                if let Err(error) = &result {
                    self.streams.remove(&subscriber);
                    if let ProposeError::Flooding {
                        alert: Some(alert), ..
                    } = error
                    {
                        self.show(UiEvent::Alert(alert.clone()));
                    }
                }
                let _ = reply.send(result);
            }
            Command::Unsubscribe(subscriber) => {
                self.streams.remove(&subscriber);
                let effects = self.queue.unsubscribe(now, subscriber);
                self.apply(effects);
            }
            Command::Decide {
                key,
                seen,
                reviewer,
                answer,
                reply,
            } => {
                let result = self
                    .check_seen(&key, seen)
                    .and_then(|()| self.queue.decide(now, &key, &reviewer, answer))
                    .map(|effects| self.apply(effects));
                let _ = reply.send(result);
            }
            Command::ReportOutcome {
                key,
                outcome,
                reply,
            } => {
                let result = self
                    .queue
                    .report_outcome(key, outcome)
                    .map(|effects| self.apply(effects));
                let _ = reply.send(result);
            }
            Command::SetPaused(paused) => {
                let effects = self.queue.set_paused(now, paused);
                self.apply(effects);
            }
            Command::SetFrozen(id, frozen) => {
                let effects = self.queue.set_frozen(now, &id, frozen);
                self.apply(effects);
            }
            Command::Grant {
                key,
                seen,
                reviewer,
                duration,
                reply,
            } => {
                let result = self
                    .check_seen(&key, seen)
                    .and_then(|()| self.queue.grant(now, &key, &reviewer, duration))
                    .map(|effects| self.apply(effects));
                let _ = reply.send(result);
            }
            Command::Revoke(grant) => {
                let effects = self.queue.revoke(&grant);
                self.apply(effects);
            }
            Command::Watch { reply } => {
                let (sender, events) = mpsc::channel(WATCH_BACKLOG);
                self.watchers.push(sender);
                let _ = reply.send(Watching {
                    picture: self.queue.picture(),
                    events,
                });
            }
            Command::Shutdown { reply } => {
                let effects = self.queue.shutdown(now);
                self.apply(effects);
                self.shut_down = Some(reply);
                return false;
            }
        }
        true
    }

    /// Refuses a decision on another action than the one its reviewer saw.
    fn check_seen(&self, key: &ProposalKey, seen: Option<ActionDigest>) -> Result<(), DecideError> {
        match (seen, self.queue.waiting_digest(key)) {
            (Some(seen), Some(waiting)) if seen != *waiting => Err(DecideError::Changed),
            _ => Ok(()),
        }
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        // Record first: an answer is held behind the records it follows from.
        let (shows, answers): (Vec<_>, Vec<_>) = effects
            .into_iter()
            .partition(|effect| matches!(effect, Effect::Show(_)));
        let mut records = Vec::new();
        for effect in shows {
            if let Effect::Show(event) = effect {
                if self.writer.is_some() {
                    records.push(event.clone());
                }
                self.show(event);
            }
        }
        if self.writer.is_none() {
            for effect in answers {
                if let Effect::Answer { to, event } = effect {
                    self.send(to, event);
                }
            }
            return;
        };
        // Streams that hear their decision now: their assessment goes with it, in one write.
        let deciding: Vec<SubscriberId> = answers
            .iter()
            .filter_map(|effect| match effect {
                Effect::Answer {
                    to,
                    event: ProposeEvent::Decided(_),
                } => Some(*to),
                _ => None,
            })
            .collect();
        // Invariant 4: a decision is in the history before the agent hears it. The journal
        // task sends it, once it has written the records before it.
        let mut held = Vec::new();
        for effect in answers {
            let Effect::Answer { to, event } = effect else {
                continue;
            };
            if !deciding.contains(&to) {
                self.send(to, event);
                continue;
            }
            let stream = if matches!(event, ProposeEvent::Decided(_)) {
                self.streams.remove(&to)
            } else {
                self.streams.get(&to).cloned()
            };
            if let Some(stream) = stream {
                held.push((stream, event));
            }
        }
        let then: Option<Then> = (!held.is_empty()).then(|| {
            Box::new(move |recorded| {
                // Not recorded: the streams end without a decision, and the agents hear none.
                if recorded {
                    for (stream, event) in held {
                        // A stream whose agent is gone fails here; its unsubscribe is on its way.
                        let _ = stream.try_send(event);
                    }
                }
            }) as Then
        });
        if let Some(writer) = &self.writer
            && (!records.is_empty() || then.is_some())
        {
            writer.record(records, then);
        }
    }

    /// Tells the console's screen and every attached one.
    fn show(&mut self, event: UiEvent) {
        if !self.watchers.is_empty() {
            let shown = Arc::new(Shown::new(event.clone()));
            // A screen that cannot keep up is let go: it watches again for a fresh picture.
            self.watchers
                .retain(|watcher| watcher.try_send(shown.clone()).is_ok());
        }
        // No screen (headless, or the screen has closed) is not an error.
        let _ = self.ui.send(event);
    }

    /// Sends an event to its stream; after the decision, the stream ends (dropping the sender
    /// ends the agent's stream).
    fn send(&mut self, to: SubscriberId, event: ProposeEvent) {
        let last = matches!(event, ProposeEvent::Decided(_));
        if let Some(stream) = self.streams.get(&to) {
            // A stream whose agent is gone fails here; its unsubscribe is on its way.
            let _ = stream.try_send(event);
        }
        if last {
            self.streams.remove(&to);
        }
    }
}

async fn sleep(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}
