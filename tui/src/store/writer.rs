//! The one writer of the history: a thread of its own, off the async runtime. It takes the
//! console's events as they happen and commits every event waiting at that moment in one
//! transaction (group commit), then reports how far it has committed. The queue task answers an
//! agent's decision only once the commit that holds it is reported.

use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{Transaction, params};
use signoff_protocol::to_unix_ms;
use tokio::sync::mpsc as tokio_mpsc;

use super::{Store, chain};
use crate::queue::{Item, UiEvent};

/// The most events committed in one transaction.
const BATCH: usize = 4_096;
/// How often old records are pruned, when a retention is set, and how many at a time.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const PRUNE_BATCH: i64 = 1_000;

/// How far the writer got. Tickets are handed out in order by [`StoreWriter::record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    UpTo(u64),
    /// Events up to this ticket could not be recorded.
    Failed {
        up_to: u64,
        error: String,
    },
}

pub struct StoreWriter {
    events: mpsc::Sender<(u64, UiEvent)>,
    next_ticket: u64,
    /// Told when the writer has stopped and closed the history.
    closed: tokio::sync::oneshot::Receiver<()>,
}

impl StoreWriter {
    /// Starts the writer thread; it reports commits on `reports` and stops when dropped.
    /// With `keep_days`, old records are pruned at start and every hour, between batches.
    pub fn spawn(
        store: Store,
        reports: tokio_mpsc::UnboundedSender<Committed>,
        keep_days: Option<u32>,
    ) -> std::io::Result<StoreWriter> {
        let (events, receiver) = mpsc::channel::<(u64, UiEvent)>();
        let (closed_tx, closed) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("signoff-store".into())
            .spawn(move || {
                run(store, &receiver, &reports, keep_days);
                // The history is closed (its journal folded back in) by now.
                let _ = closed_tx.send(());
            })?;
        Ok(StoreWriter {
            events,
            next_ticket: 0,
            closed,
        })
    }

    /// Stops the writer once it has written what it was given, and waits until the history is
    /// closed, or until `deadline`.
    pub async fn close(self, deadline: tokio::time::Instant) {
        drop(self.events);
        let _ = tokio::time::timeout_at(deadline, self.closed).await;
    }

    /// Hands an event to the writer; its ticket is reported once it is committed. Never blocks.
    pub fn record(&mut self, event: UiEvent) -> u64 {
        self.next_ticket += 1;
        // A writer that is gone reports nothing more, so what waits on it is never answered.
        let _ = self.events.send((self.next_ticket, event));
        self.next_ticket
    }
}

/// The writer thread: until the events end, commits them in batches and reports how far it got;
/// prunes between batches when `keep_days` is set.
fn run(
    mut store: Store,
    receiver: &mpsc::Receiver<(u64, UiEvent)>,
    reports: &tokio_mpsc::UnboundedSender<Committed>,
    keep_days: Option<u32>,
) {
    // Pruning goes a small batch at a time between the event batches, so decisions
    // never wait behind it for long.
    let mut next_prune = Instant::now();
    let mut pruning = false;
    loop {
        if let Some(days) = keep_days {
            if !pruning && Instant::now() >= next_prune {
                pruning = true;
            }
            if pruning {
                match store.prune_step(SystemTime::now(), days, PRUNE_BATCH) {
                    Ok(0) => {
                        pruning = false;
                        next_prune = Instant::now() + PRUNE_EVERY;
                    }
                    Ok(removed) => tracing::info!(removed, days, "pruned old history"),
                    Err(error) => {
                        tracing::warn!(%error, "could not prune the history");
                        pruning = false;
                        next_prune = Instant::now() + PRUNE_EVERY;
                    }
                }
            }
        }
        let wait = if pruning {
            Duration::ZERO
        } else {
            next_prune
                .saturating_duration_since(Instant::now())
                .min(PRUNE_EVERY)
        };
        let first = match receiver.recv_timeout(if keep_days.is_some() {
            wait
        } else {
            PRUNE_EVERY
        }) {
            Ok(first) => first,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        let up_to = batch.last().map_or(0, |(ticket, _)| *ticket);
        let written = match write(&mut store, &batch) {
            Ok(()) if store.in_place() => Ok(()),
            Ok(()) => Err(format!(
                "{} was removed or replaced while the console ran; restart signoff",
                store.path().display()
            )),
            Err(error) => Err(format!("{}: {error}", store.path().display())),
        };
        let report = match written {
            Ok(()) => Committed::UpTo(up_to),
            Err(error) => {
                tracing::error!(%error, "could not record the history");
                Committed::Failed { up_to, error }
            }
        };
        if reports.send(report).is_err() {
            return;
        }
    }
}

fn write(store: &mut Store, batch: &[(u64, UiEvent)]) -> rusqlite::Result<()> {
    let tx = store.connection().transaction()?;
    let now = to_unix_ms(SystemTime::now());
    for (_, event) in batch {
        match event {
            UiEvent::SessionOpened { id, info } => {
                let labels = serde_json::to_string(&info.labels).unwrap_or_default();
                tx.prepare_cached("INSERT OR REPLACE INTO sessions (id, agent_kind, agent_name, model, workspace, host, pid, labels, opened_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?
                    .execute(params![id.0, info.agent_kind, info.agent_name, info.model, info.workspace, info.host, info.pid, labels, now])?;
            }
            UiEvent::SessionClosed { id } => {
                tx.prepare_cached("UPDATE sessions SET closed_at = ?2 WHERE id = ?1")?
                    .execute(params![id.0, now])?;
            }
            UiEvent::Waiting(item) => proposal(&tx, item, false)?,
            UiEvent::Decided { item, decision, .. } => {
                proposal(&tx, item, true)?;
                chain::append(&tx, &item.key, decision)?;
            }
            UiEvent::Outcome { key, outcome } => {
                tx.prepare_cached("INSERT INTO outcomes (session_id, proposal_id, status, exit_code, result, reported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                    .execute(params![key.session.0, key.proposal.0, outcome.status.as_str(), outcome.exit_code, outcome.result, now])?;
            }
            UiEvent::Granted(grant) => {
                tx.prepare_cached("INSERT INTO grants (id, session_id, description, granted_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![grant.id, grant.session.0, grant.describe(), now, to_unix_ms(grant.expires_at)])?;
            }
            UiEvent::GrantEnded { id } => {
                tx.prepare_cached(
                    "UPDATE grants SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
                )?
                .execute(params![id, now])?;
            }
            // What the screen shows about the console's own state; the decisions it leads to are
            // recorded.
            UiEvent::Paused(_)
            | UiEvent::SessionFrozen { .. }
            | UiEvent::SessionUnfrozen { .. }
            | UiEvent::Alert(_) => {}
        }
    }
    tx.commit()
}

/// Records a proposal: its contents once (a decided one was usually recorded when it started
/// waiting), and whether it is decided.
fn proposal(tx: &Transaction, item: &Item, decided: bool) -> rusqlite::Result<()> {
    let reasons: Vec<serde_json::Value> = item
        .assessment
        .reasons
        .iter()
        .map(|r| serde_json::json!({ "rule": r.rule_id, "why": r.sentence }))
        .collect();
    // A streamed action is inserted decided: the index of open proposals never holds it.
    tx.prepare_cached("INSERT INTO proposals (session_id, proposal_id, agent, kind, summary, action, digest, environment, tier, reasons, policy_version, arrived_at, expires_at, decided) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (session_id, proposal_id) DO UPDATE SET decided = 1 WHERE excluded.decided = 1")?
        .execute(params![
            item.key.session.0,
            item.key.proposal.0,
            item.agent,
            item.action.kind.name(),
            item.action.headline(),
            item.action.to_bytes(),
            item.digest.to_hex(),
            item.assessment.environment.as_str(),
            item.assessment.tier.as_str(),
            serde_json::Value::Array(reasons).to_string(),
            item.assessment.policy_version,
            to_unix_ms(item.arrived_at),
            to_unix_ms(item.expires_at),
            decided,
        ])?;
    Ok(())
}
