//! The history's writers: a task on the async runtime, and a thread off it.
//!
//! - The **journal task** takes every batch of events waiting at that moment, turns them into
//!   records (computing each decision's link of the hash chain, once), appends them to the
//!   [journal](super::journal) in one write (group commit), and then runs what waited on them: the
//!   answers to the agents. Nothing is answered that is not in the journal. It is a task, not a
//!   thread, because waking a parked thread cost more than the write itself (BENCHMARKS.md): the
//!   write goes to the page cache; with [`Durability::Power`] the flush that waits for the disk
//!   runs on a blocking thread.
//! - The **indexer thread** copies journaled records into SQLite a few milliseconds behind
//!   (one transaction for all that arrived meanwhile), where the history's pages and `signoff
//!   history` read them; it prunes old records, and empties the journal once SQLite holds it all.
//!
//! When either cannot write, nothing more is answered and the person is told.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use signoff_protocol::to_unix_ms;

use super::chain::Link;
use super::journal::{Durability, Journal, Numbered, Record, encode};
use super::{Store, index};
use crate::queue::{Item, UiEvent};

/// The most events journaled in one write.
const BATCH: usize = 4_096;
/// How long the indexer gathers records before a transaction: a commit per record would cost
/// more than all the rows it holds. Well under the 100 ms in which pages must show a decision.
const LINGER: Duration = Duration::from_millis(10);
/// The journal is emptied when it grows past this, once SQLite holds all of it.
const CLEAR_AT: u64 = 16 << 20;
/// How soon the indexer tries again after failing.
const RETRY: Duration = Duration::from_millis(500);
/// How often old records are pruned, when a retention is set, and how many at a time.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const PRUNE_BATCH: i64 = 1_000;

/// How the history is written.
#[derive(Default)]
pub struct Settings {
    /// Prune decisions older than this many days.
    pub keep_days: Option<u32>,
    pub durability: Durability,
    /// Shown every batch of records once it is journaled and its agents are answered (the OTLP
    /// export, [`crate::otlp`]). It runs on the journal task: it must hand the records on, not
    /// wait.
    pub follower: Option<Follower>,
}

/// What is shown every batch of journaled records ([`Settings::follower`]).
pub type Follower = Box<dyn FnMut(&[Numbered]) + Send>;

pub use crate::queue::Then;

struct Batch {
    events: Vec<UiEvent>,
    then: Option<Then>,
}

enum ToIndexer {
    Records(Vec<Numbered>),
    /// The journal task has stopped: index the rest, then empty the journal.
    Close(Journal),
}

/// How far SQLite holds the journal, and why it cannot hold more.
#[derive(Default)]
struct Indexing {
    through: u64,
    failed: Option<String>,
}

#[derive(Default)]
struct Shared {
    indexing: Mutex<Indexing>,
    changed: tokio::sync::Notify,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Indexing> {
        self.indexing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

type Tell = Arc<dyn Fn(String) + Send + Sync>;

pub struct StoreWriter {
    batches: tokio::sync::mpsc::UnboundedSender<Batch>,
    /// Told when both threads have stopped and the history is closed.
    closed: tokio::sync::oneshot::Receiver<()>,
}

impl StoreWriter {
    /// Starts the journal task (on the current tokio runtime: call it inside one) and the
    /// indexer thread. `tell` reaches the person (the screen's alerts). Fails when another
    /// console holds the history's journal.
    pub fn spawn(
        mut store: Store,
        settings: Settings,
        tell: impl Fn(String) + Send + Sync + 'static,
    ) -> std::io::Result<StoreWriter> {
        let mut journal = store.journal.take().ok_or_else(|| {
            std::io::Error::other(format!(
                "another signoff console is recording this history ({} is locked)",
                store.path().parent().unwrap_or(store.path()).display()
            ))
        })?;
        journal.set_durability(settings.durability);
        let path = store.path().to_path_buf();
        let sqlite = |e: rusqlite::Error| std::io::Error::other(format!("{}: {e}", path.display()));
        if settings.durability == Durability::Power {
            // The journal is emptied once SQLite holds it: SQLite must then hold it on the disk.
            store
                .connection()
                .pragma_update(None, "synchronous", "FULL")
                .map_err(sqlite)?;
        }
        let link = Link::last(store.connection()).map_err(sqlite)?;
        let next = index::indexed_through(store.connection()).map_err(sqlite)? + 1;
        let (batches, inbox) = tokio::sync::mpsc::unbounded_channel::<Batch>();
        let (to_indexer, indexer_inbox) = mpsc::channel::<ToIndexer>();
        let (closed_tx, closed) = tokio::sync::oneshot::channel();
        let shared = Arc::new(Shared::default());
        shared.lock().through = next - 1;
        let tell: Tell = Arc::new(tell);
        let journaling = JournalTask {
            journal: Some(journal),
            sqlite: store.file.clone(),
            link,
            next,
            failed: None,
            shared: shared.clone(),
            tell: tell.clone(),
            follower: settings.follower,
        };
        let indexer = Indexer {
            store,
            shared,
            tell,
            keep_days: settings.keep_days,
        };
        std::thread::Builder::new()
            .name("signoff-index".into())
            .spawn(move || {
                indexer.run(&indexer_inbox);
                // The history is closed (its SQLite journal folded back in) by now.
                let _ = closed_tx.send(());
            })?;
        tokio::spawn(journaling.run(inbox, to_indexer));
        Ok(StoreWriter { batches, closed })
    }

    /// Hands events to the journal; `then` runs once they are in it (with every event handed
    /// over before them), or could not be recorded. Never blocks.
    pub fn record(&self, events: Vec<UiEvent>, then: Option<Then>) {
        // A writer that is gone runs nothing more, so what waits on it is never answered.
        let _ = self.batches.send(Batch { events, then });
    }

    /// Stops the writer once it has journaled and indexed what it was given, and waits until the
    /// history is closed, or until `deadline`.
    pub async fn close(self, deadline: tokio::time::Instant) {
        drop(self.batches);
        let _ = tokio::time::timeout_at(deadline, self.closed).await;
    }

    /// [`StoreWriter::close`], for a caller outside the async runtime, without a deadline.
    pub fn close_blocking(self) {
        drop(self.batches);
        let _ = self.closed.blocking_recv();
    }
}

/// The queue's events go to the journal: the console wires this in ([`crate::queue::spawn`]).
impl crate::queue::Recorder for StoreWriter {
    fn record(&self, events: Vec<UiEvent>, then: Option<Then>) {
        StoreWriter::record(self, events, then);
    }

    fn close(
        self: Box<Self>,
        deadline: tokio::time::Instant,
    ) -> futures::future::BoxFuture<'static, ()> {
        Box::pin(StoreWriter::close(*self, deadline))
    }
}

struct JournalTask {
    /// `None` only while a flush to the disk has it on a blocking thread.
    journal: Option<Journal>,
    /// SQLite's file, checked in place with the journal's after each write.
    sqlite: super::Opened,
    /// The chain's newest link, and the next record's number.
    link: Link,
    next: u64,
    /// Why nothing more can be journaled (the files were removed or replaced under it).
    failed: Option<String>,
    shared: Arc<Shared>,
    tell: Tell,
    follower: Option<Follower>,
}

impl JournalTask {
    async fn run(
        mut self,
        mut inbox: tokio::sync::mpsc::UnboundedReceiver<Batch>,
        to_indexer: mpsc::Sender<ToIndexer>,
    ) {
        while let Some(first) = inbox.recv().await {
            let (mut events, mut thens) = (Vec::new(), Vec::new());
            let mut next = Some(first);
            while let Some(batch) = next.take() {
                events.extend(batch.events);
                thens.extend(batch.then);
                if events.len() < BATCH {
                    next = inbox.try_recv().ok();
                }
            }
            let written = self.write(&events).await;
            if let Err(error) = &written {
                tracing::error!(%error, "could not record the history");
                (self.tell)(format!(
                    "The history could not record decisions ({error}); their agents were not answered."
                ));
            }
            // The answers first: the indexer is in no hurry.
            for then in thens {
                then(written.is_ok());
            }
            if let Ok(records) = written
                && !records.is_empty()
            {
                if let Some(follower) = &mut self.follower {
                    follower(&records);
                }
                let _ = to_indexer.send(ToIndexer::Records(records));
            }
            if self.journal.as_ref().is_some_and(|j| j.bytes() > CLEAR_AT) {
                self.clear_when_indexed().await;
            }
        }
        if let Some(journal) = self.journal {
            let _ = to_indexer.send(ToIndexer::Close(journal));
        }
    }

    /// Journals `events` in one write; the records written, or why they could not be.
    async fn write(&mut self, events: &[UiEvent]) -> Result<Vec<Numbered>, String> {
        if let Some(failed) = self
            .failed
            .clone()
            .or_else(|| self.shared.lock().failed.clone())
        {
            return Err(failed);
        }
        let (link, next) = (self.link.clone(), self.next);
        let now = to_unix_ms(SystemTime::now());
        let mut records = Vec::new();
        for event in events {
            records_of(event, now, &mut self.link, |record| {
                records.push(Numbered {
                    n: self.next,
                    record,
                });
                self.next += 1;
            });
        }
        if records.is_empty() {
            return Ok(records);
        }
        let mut frames = Vec::with_capacity(records.len() * 1024);
        for record in &records {
            encode(record, &mut frames);
        }
        if let Err(error) = self.append(frames).await {
            // Cut back to the last whole record: the next batch may still be written.
            (self.link, self.next) = (link, next);
            return Err(error);
        }
        let journal = self.journal.as_ref().expect("the journal is back");
        let moved = [&self.sqlite, journal.opened()]
            .into_iter()
            .find(|file| !file.in_place());
        if let Some(moved) = moved {
            let failed = format!(
                "{} was removed or replaced while the console ran; restart signoff",
                moved.path().display()
            );
            self.failed = Some(failed.clone());
            return Err(failed);
        }
        Ok(records)
    }

    /// Appends `frames`.
    async fn append(&mut self, frames: Vec<u8>) -> Result<(), String> {
        let appended = self
            .on_journal(move |journal| journal.append(&frames))
            .await;
        let journal = self.journal.as_ref().expect("the journal is back");
        appended.map_err(|error| format!("{}: {error}", journal.opened().path().display()))
    }

    /// Runs `work` on the journal: here, when it writes to the page cache; on a blocking thread
    /// when it flushes to the disk, so that the runtime's workers never wait for the disk.
    async fn on_journal<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Journal) -> T + Send + 'static,
    ) -> T {
        let mut journal = self
            .journal
            .take()
            .expect("one use of the journal at a time");
        let (journal, done) = if journal.durability() == Durability::Power {
            tokio::task::spawn_blocking(move || {
                let done = work(&mut journal);
                (journal, done)
            })
            .await
            .expect("the journal's work does not panic")
        } else {
            let done = work(&mut journal);
            (journal, done)
        };
        self.journal = Some(journal);
        done
    }

    /// Empties the journal once SQLite holds every record in it (or gives up if the indexer
    /// has failed: the journal then stays, to be replayed). Batches wait meanwhile.
    async fn clear_when_indexed(&mut self) {
        let last = self.next - 1;
        loop {
            // Registered before the check, so that a change made in between is not missed.
            let changed = self.shared.changed.notified();
            {
                let indexing = self.shared.lock();
                if indexing.failed.is_some() {
                    return;
                }
                if indexing.through >= last {
                    break;
                }
            }
            changed.await;
        }
        if let Err(error) = self.on_journal(Journal::clear).await {
            tracing::warn!(%error, "could not empty the history's journal");
        }
    }
}

/// The records an event leaves in the history, stamped `now`.
pub(super) fn records_of(event: &UiEvent, now: i64, link: &mut Link, mut push: impl FnMut(Record)) {
    match event {
        UiEvent::SessionOpened { id, info } => push(Record::SessionOpened {
            id: id.0.clone(),
            agent_kind: info.agent_kind.clone(),
            agent_name: info.agent_name.clone(),
            model: info.model.clone(),
            workspace: info.workspace.clone(),
            host: info.host.clone(),
            pid: info.pid,
            labels: serde_json::to_string(&info.labels).unwrap_or_default(),
            at: now,
        }),
        UiEvent::SessionClosed { id } => push(Record::SessionClosed {
            id: id.0.clone(),
            at: now,
        }),
        UiEvent::Waiting(item) => push(proposal(item, false)),
        UiEvent::Decided { item, decision, .. } => {
            push(proposal(item, true));
            push(link.next(&item.key, decision));
        }
        UiEvent::Outcome { key, outcome } => push(Record::Outcome {
            session: key.session.0.clone(),
            proposal: key.proposal.0.clone(),
            status: outcome.status.as_str().into(),
            exit_code: outcome.exit_code,
            result: outcome.result.clone(),
            at: now,
        }),
        UiEvent::Granted(grant) => push(Record::Granted {
            id: grant.id.clone(),
            session: grant.session.0.clone(),
            description: grant.describe(),
            at: now,
            expires_at: to_unix_ms(grant.expires_at),
        }),
        UiEvent::GrantEnded { id } => push(Record::GrantEnded {
            id: id.clone(),
            at: now,
        }),
        // What the screen shows about the console's own state; the decisions it leads to are
        // recorded.
        UiEvent::Paused(_)
        | UiEvent::SessionFrozen { .. }
        | UiEvent::SessionUnfrozen { .. }
        | UiEvent::Alert(_)
        // Half a decision: the record is the decision, naming both reviewers.
        | UiEvent::FirstApproval { .. } => {}
    }
}

/// A proposal's record: its contents, and whether it is decided.
pub(super) fn proposal(item: &Item, decided: bool) -> Record {
    let reasons: Vec<serde_json::Value> = item
        .assessment
        .reasons
        .iter()
        .map(|r| serde_json::json!({ "rule": r.rule_id, "why": r.sentence }))
        .collect();
    Record::Proposal {
        session: item.key.session.0.clone(),
        proposal: item.key.proposal.0.clone(),
        agent: item.agent.clone(),
        kind: item.action.kind.name().into(),
        summary: item.action.headline(),
        action: hex::encode(item.action.to_bytes()),
        digest: item.digest.to_hex(),
        environment: item.assessment.environment.as_str().into(),
        tier: item.assessment.tier.as_str().into(),
        reasons: serde_json::Value::Array(reasons).to_string(),
        policy_version: item.assessment.policy_version.clone(),
        arrived_at: to_unix_ms(item.arrived_at),
        expires_at: to_unix_ms(item.expires_at),
        decided,
    }
}

struct Indexer {
    store: Store,
    shared: Arc<Shared>,
    tell: Tell,
    keep_days: Option<u32>,
}

impl Indexer {
    fn run(mut self, inbox: &mpsc::Receiver<ToIndexer>) {
        let mut pending: Vec<Numbered> = Vec::new();
        let mut next_prune = Instant::now();
        let mut closing = None;
        while closing.is_none() {
            if self.keep_days.is_some() && Instant::now() >= next_prune {
                next_prune = self.prune();
            }
            if pending.is_empty() {
                let wait = match self.keep_days {
                    Some(_) => next_prune.saturating_duration_since(Instant::now()),
                    None => PRUNE_EVERY,
                };
                match inbox.recv_timeout(wait) {
                    Ok(ToIndexer::Records(records)) => pending = records,
                    Ok(ToIndexer::Close(journal)) => closing = Some(journal),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            // Gather what arrives meanwhile, asleep rather than woken by each batch (a wake-up
            // costs the journal task a system call): one transaction for all of it.
            if closing.is_none() {
                std::thread::sleep(LINGER);
            }
            while closing.is_none() && pending.len() < BATCH {
                match inbox.try_recv() {
                    Ok(ToIndexer::Records(records)) => pending.extend(records),
                    Ok(ToIndexer::Close(journal)) => closing = Some(journal),
                    Err(_) => break,
                }
            }
            if self.index(&pending) {
                pending.clear();
            } else if closing.is_none() {
                std::thread::sleep(RETRY);
            }
        }
        // Closing: SQLite holds everything (or the journal stays, to be replayed at the next
        // start).
        if let Some(mut journal) = closing
            && (pending.is_empty() || self.index(&pending))
            && let Err(error) = journal.clear()
        {
            tracing::warn!(%error, "could not empty the history's journal");
        }
    }

    /// Indexes `records`; whether it could. A failure stops answers until it can again.
    fn index(&mut self, records: &[Numbered]) -> bool {
        let Some(last) = records.last().map(|numbered| numbered.n) else {
            return true;
        };
        let result = index::index(self.store.connection(), records)
            .map_err(|e| format!("{}: {e}", self.store.path().display()));
        let mut indexing = self.shared.lock();
        let ok = match result {
            Ok(()) => {
                indexing.through = last;
                if indexing.failed.take().is_some() {
                    (self.tell)("The history records again; agents are answered again.".into());
                }
                true
            }
            Err(error) => {
                if indexing.failed.is_none() {
                    tracing::error!(%error, "could not index the history");
                    (self.tell)(format!(
                        "The history could not record decisions ({error}); nothing more is answered until it can."
                    ));
                }
                indexing.failed = Some(error);
                false
            }
        };
        drop(indexing);
        self.shared.changed.notify_waiters();
        ok
    }

    /// Prunes a small batch at a time, when a retention is set; when to prune next.
    fn prune(&mut self) -> Instant {
        let Some(days) = self.keep_days else {
            return Instant::now() + PRUNE_EVERY;
        };
        let pruned = self.store.prune_step(SystemTime::now(), days, PRUNE_BATCH);
        match pruned {
            // More to remove: soon, between the decisions.
            Ok(removed) if removed > 0 => {
                tracing::info!(removed, days, "pruned old history");
                Instant::now()
            }
            Ok(_) => Instant::now() + PRUNE_EVERY,
            Err(error) => {
                tracing::warn!(%error, "could not prune the history");
                Instant::now() + PRUNE_EVERY
            }
        }
    }
}
