//! The queue: the console's decision state machine, free of IO.
//!
//! A proposal arrives, is assessed by the [`Policy`], and is then either
//! - **streamed**: its tier streams, so it is approved at once (`DecidedBy::Stream`), or
//! - **waiting**: it joins the waiting queue (oldest first) until one of
//!   - a person approves or denies it ([`Queue::decide`]),
//!   - its deadline passes ([`Queue::tick`]) → expired,
//!   - every agent stream following it goes away, its session closes, or the console shuts down
//!     → withdrawn.
//!
//! While **paused**, nothing streams: every proposal waits for a person (grants are suspended too);
//! resuming streams what waits only because of the pause. A person can also approve an item and
//! **grant** similar ones in its session for a while ([`grants`]); critical items are never
//! granted.
//!
//! The **circuit breaker** freezes a session that proposes more than [`Breaker::limit`] risky or
//! critical actions within [`Breaker::window`] (an agent on a destructive streak: the April 2026
//! incident took nine seconds). A frozen session's proposals all wait for a person, whatever their
//! tier, and its grants cover nothing, until the person unfreezes it. A person can also freeze a
//! session by hand.
//!
//! Under the **two-person rule** ([`QueueConfig::two_person`]), an item of that tier or above
//! needs approvals from two different reviewers, each meeting the item's confirmation; the first is
//! shown to everyone as "1 of 2" and answers nobody; one denial ends it; no grant covers it.
//!
//! A decided proposal is remembered (up to a bound) so that a retry with the same proposal id and
//! the same action hears the same decision; the same id with a different action is refused.
//!
//! Inputs are method calls with the current time passed in; outputs are [`Effect`]s for the owner
//! to carry out: answers to agent streams and events for the screen. Nothing here blocks, sleeps or
//! reads a clock.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use signoff_protocol::{
    Action, ActionDigest, Assessed, Assessment, Confirmation, DecidedBy, Decision, Outcome,
    ProposalId, ProposeEvent, SessionId, SessionInfo, Tier, Verdict,
};

use crate::policy::{Facts, Policy};

mod grants;
mod task;
pub use grants::Grant;
pub use task::{
    Closed, EVENTS_PER_STREAM, EventSender, QueueHandle, Recorder, Shown, Then, WATCH_BACKLOG,
    Watching, spawn,
};

/// Identifies one agent stream following a proposal. Chosen by the owner.
pub type SubscriberId = u64;

/// A proposal's identity: the client-chosen id within its session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProposalKey {
    pub session: SessionId,
    pub proposal: ProposalId,
}

/// Everything the screen shows about one proposal. Shared, never copied.
#[derive(Debug)]
pub struct Item {
    pub key: ProposalKey,
    /// Arrival order.
    pub seq: u64,
    pub agent: String,
    pub action: Action,
    pub assessment: Assessment,
    pub digest: ActionDigest,
    pub arrived_at: SystemTime,
    pub expires_at: SystemTime,
}

/// What the screen hears from the queue.
#[derive(Debug, Clone)]
pub enum UiEvent {
    SessionOpened {
        id: SessionId,
        info: SessionInfo,
    },
    SessionClosed {
        id: SessionId,
    },
    /// A proposal now waits for a person.
    Waiting(Arc<Item>),
    /// A proposal was decided: streamed, or a waiting one answered.
    Decided {
        item: Arc<Item>,
        decision: Decision,
        /// It was in the waiting queue (false when it streamed straight through).
        waited: bool,
    },
    Outcome {
        key: ProposalKey,
        outcome: Outcome,
    },
    Paused(bool),
    Granted(Grant),
    /// A grant was revoked, expired, or its session closed.
    GrantEnded {
        id: String,
    },
    /// The session was frozen: everything it proposes waits for a person. `why` says what
    /// tripped the breaker, or that a person froze it.
    SessionFrozen {
        id: SessionId,
        why: String,
    },
    SessionUnfrozen {
        id: SessionId,
    },
    /// Something the person must know, such as the history failing to record.
    Alert(String),
    /// The first of the two approvals the two-person rule asks for: still waiting, for another
    /// reviewer than `by`.
    FirstApproval {
        key: ProposalKey,
        by: String,
    },
}

/// What the owner of the queue must do.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Send `event` to one agent stream. After a `Decided` event the stream is finished.
    Answer {
        to: SubscriberId,
        event: ProposeEvent,
    },
    Show(UiEvent),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposeError {
    #[error("no open session `{0}`: open a session first")]
    UnknownSession(SessionId),
    #[error("proposal id `{0}` was already used for a different action in this session")]
    ProposalIdReused(ProposalId),
    /// The session already has its limit of proposals waiting for a person. `alert` is what the
    /// person should be told (at most every [`FLOOD_ALERT_EVERY`] per session).
    #[error(
        "this agent already has {limit} proposals waiting for a person; wait for decisions before proposing more"
    )]
    Flooding { limit: usize, alert: Option<String> },
}

/// How often the person hears that the same agent floods the queue.
pub const FLOOD_ALERT_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    #[error("no waiting proposal `{0}`")]
    NotWaiting(ProposalId),
    #[error("this action is critical: approving it needs its name typed exactly")]
    ConfirmationMismatch,
    #[error("critical actions are never covered by a grant")]
    CriticalNotGrantable,
    #[error("this action needs two reviewers' approvals: a grant would approve it with one")]
    NeedsTwo,
    #[error("you already approved this action: the two-person rule needs another reviewer")]
    SameReviewer,
    #[error("this item is not the action you saw any more: look again")]
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeError {
    #[error("no approved proposal `{0}` in this session")]
    NotApproved(ProposalId),
}

/// A person's answer to a waiting proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonDecision {
    /// `typed` is what the person typed; a critical action is approved only when it matches.
    Approve {
        typed: Option<String>,
    },
    Deny {
        note: String,
    },
}

#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// How long a proposal waits when the agent does not say.
    pub default_wait: Duration,
    /// The longest any proposal waits, whatever the agent asks.
    pub max_wait: Duration,
    /// How many decided proposals are remembered for idempotent retries.
    pub remembered_decisions: usize,
    pub breaker: Breaker,
    /// How many proposals one session may have waiting for a person; more are refused, so that
    /// no agent can bury the queue (and a critical item in it).
    pub max_waiting_per_session: usize,
    /// Items of this tier or above need two reviewers' approvals (`None`: one is enough).
    pub two_person: Option<Tier>,
}

impl QueueConfig {
    /// Whether the two-person rule applies to `item`.
    fn needs_two(&self, item: &Item) -> bool {
        self.two_person
            .is_some_and(|tier| item.assessment.tier >= tier)
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            default_wait: Duration::from_secs(300),
            max_wait: Duration::from_secs(3600),
            remembered_decisions: 50_000,
            breaker: Breaker::default(),
            max_waiting_per_session: 100,
            two_person: None,
        }
    }
}

/// When a session is frozen: more than `limit` risky or critical proposals within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breaker {
    pub limit: usize,
    pub window: Duration,
}

impl Default for Breaker {
    /// Three in ten seconds: a person rarely approves risky work faster than that, and a fourth
    /// means the agent is not waiting to be told.
    fn default() -> Self {
        Breaker {
            limit: 3,
            window: Duration::from_secs(10),
        }
    }
}

impl std::str::FromStr for Breaker {
    type Err = String;

    /// `LIMIT/SECONDS`, e.g. `3/10`.
    fn from_str(text: &str) -> Result<Self, String> {
        let parsed = text.split_once('/').and_then(|(limit, secs)| {
            let limit = limit.trim().parse::<usize>().ok().filter(|n| *n > 0)?;
            let secs = secs
                .trim()
                .trim_end_matches('s')
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)?;
            Some(Breaker {
                limit,
                window: Duration::from_secs(secs),
            })
        });
        parsed.ok_or_else(|| {
            format!("`{text}` is not LIMIT/SECONDS with both above zero, such as 3/10")
        })
    }
}

struct SessionEntry {
    info: SessionInfo,
    external_id: Option<String>,
    /// When its recent risky or critical proposals arrived, within the breaker's window.
    risky: VecDeque<SystemTime>,
    frozen: bool,
    /// When the person last heard that this session floods the queue.
    flood_alerted_at: Option<SystemTime>,
    /// Files its agent created while the console watched (see [`Facts::created`]).
    created: BTreeSet<String>,
}

/// How many created files a session remembers; past it, the first in name order are forgotten (a
/// forgotten file is judged as any other).
const CREATED_REMEMBERED: usize = 1024;

impl SessionEntry {
    fn remember_created(&mut self, path: String) {
        self.created.insert(path);
        while self.created.len() > CREATED_REMEMBERED {
            self.created.pop_first();
        }
    }
}

struct WaitingEntry {
    item: Arc<Item>,
    subscribers: Vec<SubscriberId>,
    /// The file it creates, recorded as the agent's once approved.
    creates: Option<String>,
    /// Under the two-person rule: the reviewer whose approval it already has.
    approved_by: Option<String>,
}

struct DecidedEntry {
    item: Arc<Item>,
    decision: Decision,
}

pub struct Queue {
    policy: Box<dyn Policy>,
    config: QueueConfig,
    sessions: HashMap<SessionId, SessionEntry>,
    external_ids: HashMap<String, SessionId>,
    waiting: HashMap<ProposalKey, WaitingEntry>,
    /// Waiting proposals in arrival order.
    order: BTreeMap<u64, ProposalKey>,
    decided: HashMap<ProposalKey, DecidedEntry>,
    decided_order: VecDeque<ProposalKey>,
    subscriptions: HashMap<SubscriberId, ProposalKey>,
    next_seq: u64,
    paused: bool,
    grants: Vec<Grant>,
    next_grant: u64,
}

impl Queue {
    pub fn new(policy: Box<dyn Policy>, config: QueueConfig) -> Self {
        Queue {
            policy,
            config,
            sessions: HashMap::new(),
            external_ids: HashMap::new(),
            waiting: HashMap::new(),
            order: BTreeMap::new(),
            decided: HashMap::new(),
            decided_order: VecDeque::new(),
            subscriptions: HashMap::new(),
            next_seq: 0,
            paused: false,
            grants: Vec::new(),
            next_grant: 0,
        }
    }

    /// Opens a session under `new_id`, or returns the open session of `external_id`.
    pub fn open_session(
        &mut self,
        new_id: SessionId,
        info: SessionInfo,
        external_id: Option<String>,
    ) -> (SessionId, Vec<Effect>) {
        if let Some(existing) = external_id.as_ref().and_then(|e| self.external_ids.get(e)) {
            return (existing.clone(), Vec::new());
        }
        if let Some(external) = &external_id {
            self.external_ids.insert(external.clone(), new_id.clone());
        }
        self.sessions.insert(
            new_id.clone(),
            SessionEntry {
                risky: VecDeque::new(),
                frozen: false,
                flood_alerted_at: None,
                created: BTreeSet::new(),
                info: info.clone(),
                external_id,
            },
        );
        let effects = vec![Effect::Show(UiEvent::SessionOpened {
            id: new_id.clone(),
            info,
        })];
        (new_id, effects)
    }

    /// Ends a session and withdraws its waiting proposals.
    pub fn close_session(&mut self, now: SystemTime, id: &SessionId) -> Vec<Effect> {
        let Some(entry) = self.sessions.remove(id) else {
            return Vec::new();
        };
        if let Some(external) = entry.external_id {
            self.external_ids.remove(&external);
        }
        let keys: Vec<ProposalKey> = self
            .order
            .values()
            .filter(|key| &key.session == id)
            .cloned()
            .collect();
        let mut effects = Vec::new();
        for key in keys {
            effects.extend(self.finish(now, &key, withdrawn("the agent closed its session")));
        }
        effects.extend(self.end_grants(|grant| grant.session == *id));
        effects.push(Effect::Show(UiEvent::SessionClosed { id: id.clone() }));
        effects
    }

    /// Pauses or resumes streaming. Resuming streams what waits only because of the pause.
    pub fn set_paused(&mut self, now: SystemTime, paused: bool) -> Vec<Effect> {
        if self.paused == paused {
            return Vec::new();
        }
        self.paused = paused;
        let mut effects = vec![Effect::Show(UiEvent::Paused(paused))];
        effects.extend(self.release(now, None));
        effects
    }

    /// Streams what waits only because streaming was paused or its session frozen (in `session`,
    /// or in any), unless it still is.
    fn release(&mut self, now: SystemTime, session: Option<&SessionId>) -> Vec<Effect> {
        if self.paused {
            return Vec::new();
        }
        let streamable: Vec<ProposalKey> = self
            .waiting()
            .filter(|item| item.assessment.tier.streams())
            .filter(|item| session.is_none_or(|id| &item.key.session == id))
            .filter(|item| {
                self.sessions
                    .get(&item.key.session)
                    .is_some_and(|s| !s.frozen)
            })
            .map(|item| item.key.clone())
            .collect();
        let mut effects = Vec::new();
        for key in streamable {
            effects.extend(self.finish(
                now,
                &key,
                (Verdict::Approved, DecidedBy::Stream, String::new()),
            ));
        }
        effects
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// A person approves a waiting item and grants similar ones in its session for `duration`.
    pub fn grant(
        &mut self,
        now: SystemTime,
        key: &ProposalKey,
        reviewer: &str,
        duration: Duration,
    ) -> Result<Vec<Effect>, DecideError> {
        let entry = self.waiting_entry(key)?;
        if self.config.needs_two(&entry.item) {
            return Err(DecideError::NeedsTwo);
        }
        let id = format!("g{}", self.next_grant + 1);
        let grant = Grant::like(id, &entry.item, now + duration)
            .ok_or(DecideError::CriticalNotGrantable)?;
        self.next_grant += 1;
        self.grants.push(grant.clone());
        let mut effects = vec![Effect::Show(UiEvent::Granted(grant))];
        effects.extend(self.finish(
            now,
            key,
            (
                Verdict::Approved,
                DecidedBy::Person(reviewer.into()),
                String::new(),
            ),
        ));
        Ok(effects)
    }

    /// Ends a grant before its time.
    pub fn revoke(&mut self, id: &str) -> Vec<Effect> {
        self.end_grants(|grant| grant.id == id)
    }

    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    fn end_grants(&mut self, ends: impl Fn(&Grant) -> bool) -> Vec<Effect> {
        let (ended, kept): (Vec<Grant>, Vec<Grant>) = std::mem::take(&mut self.grants)
            .into_iter()
            .partition(|g| ends(g));
        self.grants = kept;
        ended
            .into_iter()
            .map(|grant| Effect::Show(UiEvent::GrantEnded { id: grant.id }))
            .collect()
    }

    /// Takes a proposal from `subscriber`'s stream, with nothing looked up about it.
    pub fn propose(
        &mut self,
        now: SystemTime,
        subscriber: SubscriberId,
        key: ProposalKey,
        action: Action,
        wait: Option<Duration>,
    ) -> Result<Vec<Effect>, ProposeError> {
        self.propose_with(now, subscriber, key, action, wait, Facts::default())
    }

    /// Takes a proposal from `subscriber`'s stream, with the facts the console looked up about
    /// it. A retry of a known proposal follows it.
    pub fn propose_with(
        &mut self,
        now: SystemTime,
        subscriber: SubscriberId,
        key: ProposalKey,
        action: Action,
        wait: Option<Duration>,
        facts: Facts,
    ) -> Result<Vec<Effect>, ProposeError> {
        let digest = ActionDigest::of(&action);
        if let Some(entry) = self.waiting.get_mut(&key) {
            if entry.item.digest != digest {
                return Err(ProposeError::ProposalIdReused(key.proposal));
            }
            entry.subscribers.push(subscriber);
            self.subscriptions.insert(subscriber, key.clone());
            let assessed = self.assessed_event(&key);
            return Ok(vec![Effect::Answer {
                to: subscriber,
                event: assessed,
            }]);
        }
        if let Some(entry) = self.decided.get(&key) {
            if entry.item.digest != digest {
                return Err(ProposeError::ProposalIdReused(key.proposal));
            }
            return Ok(vec![
                Effect::Answer {
                    to: subscriber,
                    event: assessed(&entry.item, 0),
                },
                Effect::Answer {
                    to: subscriber,
                    event: ProposeEvent::Decided(entry.decision.clone()),
                },
            ]);
        }
        let session = self
            .sessions
            .get_mut(&key.session)
            .ok_or_else(|| ProposeError::UnknownSession(key.session.clone()))?;

        let mut facts = facts;
        facts.created = session.created.clone();
        let assessment = self.policy.assess(&action, &session.info, &facts);
        let creates = crate::policy::created_file(&action, &session.info, &facts);
        let tripped = breaker_trips(session, &self.config.breaker, assessment.tier, now);
        // Paused or frozen, nothing goes through without a person: not streaming, not grants.
        let decided_by = if self.paused || session.frozen {
            None
        } else if assessment.tier.streams() {
            Some(DecidedBy::Stream)
        } else {
            self.grants
                .iter()
                .find(|grant| grant.covers(&key.session, &action, &assessment, now))
                .map(|grant| DecidedBy::Grant(grant.id.clone()))
        };
        let streams = decided_by.is_some();
        let limit = self.config.max_waiting_per_session;
        if !streams
            && self
                .waiting
                .keys()
                .filter(|k| k.session == key.session)
                .count()
                >= limit
        {
            let alert = session
                .flood_alerted_at
                .is_none_or(|at| now.duration_since(at).unwrap_or_default() >= FLOOD_ALERT_EVERY)
                .then(|| {
                    session.flood_alerted_at = Some(now);
                    format!(
                        "{} is flooding the queue: {limit} of its proposals wait for you; it is refused more until you answer some.",
                        session.info.display_name()
                    )
                });
            return Err(ProposeError::Flooding { limit, alert });
        }
        let wait = wait
            .unwrap_or(self.config.default_wait)
            .min(self.config.max_wait);
        self.next_seq += 1;
        let item = Arc::new(Item {
            key: key.clone(),
            seq: self.next_seq,
            agent: session.info.display_name().to_string(),
            action,
            assessment,
            digest,
            arrived_at: now,
            expires_at: if streams { now } else { now + wait },
        });

        if let Some(decided_by) = decided_by {
            let decision = Decision {
                verdict: Verdict::Approved,
                decided_by,
                note: String::new(),
                action_digest: digest,
                decided_at: now,
            };
            let effects = vec![
                Effect::Answer {
                    to: subscriber,
                    event: assessed(&item, 0),
                },
                Effect::Show(UiEvent::Decided {
                    item: item.clone(),
                    decision: decision.clone(),
                    waited: false,
                }),
                Effect::Answer {
                    to: subscriber,
                    event: ProposeEvent::Decided(decision.clone()),
                },
            ];
            if let Some(path) = creates {
                session.remember_created(path);
            }
            self.remember(item, decision);
            return Ok(effects);
        }

        self.order.insert(item.seq, key.clone());
        self.subscriptions.insert(subscriber, key.clone());
        self.waiting.insert(
            key.clone(),
            WaitingEntry {
                item: item.clone(),
                subscribers: vec![subscriber],
                creates,
                approved_by: None,
            },
        );
        let mut effects = Vec::new();
        if let Some(why) = tripped {
            effects.push(Effect::Show(UiEvent::SessionFrozen {
                id: key.session.clone(),
                why,
            }));
        }
        effects.push(Effect::Answer {
            to: subscriber,
            event: self.assessed_event(&key),
        });
        effects.push(Effect::Show(UiEvent::Waiting(item)));
        Ok(effects)
    }

    /// A person freezes a session (everything it proposes waits) or unfreezes it: what waits only
    /// because of the freeze then streams, and the breaker starts counting afresh.
    pub fn set_frozen(&mut self, now: SystemTime, id: &SessionId, frozen: bool) -> Vec<Effect> {
        let Some(session) = self.sessions.get_mut(id).filter(|s| s.frozen != frozen) else {
            return Vec::new();
        };
        session.frozen = frozen;
        session.risky.clear();
        if frozen {
            return vec![Effect::Show(UiEvent::SessionFrozen {
                id: id.clone(),
                why: "frozen by you".into(),
            })];
        }
        let mut effects = vec![Effect::Show(UiEvent::SessionUnfrozen { id: id.clone() })];
        effects.extend(self.release(now, Some(id)));
        effects
    }

    fn waiting_entry(&self, key: &ProposalKey) -> Result<&WaitingEntry, DecideError> {
        self.waiting
            .get(key)
            .ok_or_else(|| DecideError::NotWaiting(key.proposal.clone()))
    }

    /// A reviewer's answer to a waiting proposal: `reviewer` is [`signoff_protocol::TERMINAL`]
    /// or a reviewer's name.
    pub fn decide(
        &mut self,
        now: SystemTime,
        key: &ProposalKey,
        reviewer: &str,
        answer: PersonDecision,
    ) -> Result<Vec<Effect>, DecideError> {
        let entry = self
            .waiting
            .get_mut(key)
            .ok_or_else(|| DecideError::NotWaiting(key.proposal.clone()))?;
        let (verdict, note) = match answer {
            PersonDecision::Approve { typed } => {
                // Invariant 7: a critical action is never approved by one key.
                if let Confirmation::Typed(expected) = &entry.item.assessment.confirmation
                    && typed.as_deref() != Some(expected.as_str())
                {
                    return Err(DecideError::ConfirmationMismatch);
                }
                (Verdict::Approved, String::new())
            }
            PersonDecision::Deny { note } => (Verdict::Denied, note),
        };
        let mut who = reviewer.to_string();
        if verdict == Verdict::Approved && self.config.needs_two(&entry.item) {
            match &entry.approved_by {
                Some(first) if first == reviewer => return Err(DecideError::SameReviewer),
                Some(first) => who = format!("{first} and {reviewer}"),
                None => {
                    entry.approved_by = Some(who.clone());
                    return Ok(vec![Effect::Show(UiEvent::FirstApproval {
                        key: key.clone(),
                        by: who,
                    })]);
                }
            }
        }
        Ok(self.finish(now, key, (verdict, DecidedBy::Person(who), note)))
    }

    /// An agent stream went away. A waiting proposal nobody follows any more is withdrawn.
    pub fn unsubscribe(&mut self, now: SystemTime, subscriber: SubscriberId) -> Vec<Effect> {
        let Some(key) = self.subscriptions.remove(&subscriber) else {
            return Vec::new();
        };
        let Some(entry) = self.waiting.get_mut(&key) else {
            return Vec::new();
        };
        entry.subscribers.retain(|s| *s != subscriber);
        if entry.subscribers.is_empty() {
            self.finish(now, &key, withdrawn("the agent disconnected"))
        } else {
            Vec::new()
        }
    }

    /// Expires every waiting proposal and grant whose deadline has passed.
    pub fn tick(&mut self, now: SystemTime) -> Vec<Effect> {
        let mut effects = self.end_grants(|grant| grant.expires_at <= now);
        effects.extend(self.expire(now));
        effects
    }

    fn expire(&mut self, now: SystemTime) -> Vec<Effect> {
        let due: Vec<ProposalKey> = self
            .order
            .values()
            .filter(|key| self.waiting[*key].item.expires_at <= now)
            .cloned()
            .collect();
        due.iter()
            .flat_map(|key| {
                let decision = (
                    Verdict::Expired,
                    DecidedBy::Console,
                    "nobody answered before the deadline".into(),
                );
                self.finish(now, key, decision)
            })
            .collect()
    }

    /// The earliest deadline of a waiting proposal or a grant: when [`Queue::tick`] next has work.
    pub fn next_deadline(&self) -> Option<SystemTime> {
        let proposals = self.waiting.values().map(|entry| entry.item.expires_at);
        proposals
            .chain(self.grants.iter().map(|grant| grant.expires_at))
            .min()
    }

    /// The queue as it stands, as the events that would build it on an empty screen: sessions
    /// (and which are frozen), the pause, grants, waiting items in arrival order and their first
    /// approvals. What a screen that attaches now starts from.
    pub fn picture(&self) -> Vec<UiEvent> {
        let mut events = Vec::new();
        for (id, session) in &self.sessions {
            events.push(UiEvent::SessionOpened {
                id: id.clone(),
                info: session.info.clone(),
            });
            if session.frozen {
                events.push(UiEvent::SessionFrozen {
                    id: id.clone(),
                    why: "frozen before this screen attached".into(),
                });
            }
        }
        if self.paused {
            events.push(UiEvent::Paused(true));
        }
        events.extend(self.grants.iter().cloned().map(UiEvent::Granted));
        for entry in self.order.values().filter_map(|key| self.waiting.get(key)) {
            events.push(UiEvent::Waiting(entry.item.clone()));
            if let Some(by) = &entry.approved_by {
                events.push(UiEvent::FirstApproval {
                    key: entry.item.key.clone(),
                    by: by.clone(),
                });
            }
        }
        events
    }

    /// The digest of the action waiting under `key`. It cannot change while it waits: the same
    /// proposal id with another action is refused.
    pub fn waiting_digest(&self, key: &ProposalKey) -> Option<&ActionDigest> {
        self.waiting.get(key).map(|entry| &entry.item.digest)
    }

    /// Withdraws every waiting proposal: the console is closing and will answer nobody later.
    pub fn shutdown(&mut self, now: SystemTime) -> Vec<Effect> {
        let keys: Vec<ProposalKey> = self.order.values().cloned().collect();
        keys.iter()
            .flat_map(|key| self.finish(now, key, withdrawn("the console was closed")))
            .collect()
    }

    /// Records what happened after an approved action ran.
    pub fn report_outcome(
        &mut self,
        key: ProposalKey,
        outcome: Outcome,
    ) -> Result<Vec<Effect>, OutcomeError> {
        match self.decided.get(&key) {
            Some(entry) if entry.decision.is_approved() => {
                Ok(vec![Effect::Show(UiEvent::Outcome { key, outcome })])
            }
            _ => Err(OutcomeError::NotApproved(key.proposal)),
        }
    }

    /// Waiting proposals, oldest first.
    pub fn waiting(&self) -> impl Iterator<Item = &Arc<Item>> {
        self.order.values().map(|key| &self.waiting[key].item)
    }

    pub fn open_sessions(&self) -> usize {
        self.sessions.len()
    }

    fn assessed_event(&self, key: &ProposalKey) -> ProposeEvent {
        let item = &self.waiting[key].item;
        let position = self.order.range(..=item.seq).count();
        assessed(item, u32::try_from(position).unwrap_or(u32::MAX))
    }

    /// Decides a waiting proposal: answers every stream following it and tells the screen.
    fn finish(
        &mut self,
        now: SystemTime,
        key: &ProposalKey,
        (verdict, decided_by, note): (Verdict, DecidedBy, String),
    ) -> Vec<Effect> {
        let Some(entry) = self.waiting.remove(key) else {
            return Vec::new();
        };
        self.order.remove(&entry.item.seq);
        if let (Verdict::Approved, Some(path), Some(session)) = (
            verdict,
            entry.creates,
            self.sessions.get_mut(&entry.item.key.session),
        ) {
            session.remember_created(path);
        }
        let decision = Decision {
            verdict,
            decided_by,
            note,
            action_digest: entry.item.digest,
            decided_at: now,
        };
        let mut effects = vec![Effect::Show(UiEvent::Decided {
            item: entry.item.clone(),
            decision: decision.clone(),
            waited: true,
        })];
        for subscriber in entry.subscribers {
            self.subscriptions.remove(&subscriber);
            effects.push(Effect::Answer {
                to: subscriber,
                event: ProposeEvent::Decided(decision.clone()),
            });
        }
        self.remember(entry.item, decision);
        effects
    }

    fn remember(&mut self, item: Arc<Item>, decision: Decision) {
        let key = item.key.clone();
        self.decided
            .insert(key.clone(), DecidedEntry { item, decision });
        self.decided_order.push_back(key);
        while self.decided_order.len() > self.config.remembered_decisions {
            if let Some(old) = self.decided_order.pop_front() {
                self.decided.remove(&old);
            }
        }
    }
}

fn withdrawn(note: &str) -> (Verdict, DecidedBy, String) {
    (Verdict::Withdrawn, DecidedBy::Console, note.to_string())
}

fn assessed(item: &Item, queue_position: u32) -> ProposeEvent {
    ProposeEvent::Assessed(Assessed {
        assessment: item.assessment.clone(),
        queue_position,
        expires_at: item.expires_at,
        action_digest: item.digest,
    })
}

#[cfg(test)]
mod tests;

/// Counts a risky or critical proposal against its session's breaker; says why when this one
/// freezes the session.
fn breaker_trips(
    session: &mut SessionEntry,
    breaker: &Breaker,
    tier: signoff_protocol::Tier,
    now: SystemTime,
) -> Option<String> {
    if tier.streams() {
        return None;
    }
    let since = now.checked_sub(breaker.window).unwrap_or(now);
    while session.risky.front().is_some_and(|at| *at <= since) {
        session.risky.pop_front();
    }
    session.risky.push_back(now);
    if session.frozen || session.risky.len() <= breaker.limit {
        return None;
    }
    session.frozen = true;
    Some(format!(
        "{} risky or critical actions within {} s",
        session.risky.len(),
        breaker.window.as_secs()
    ))
}
