//! The screen's model and how keys and queue events change it (Elm-style: no IO here).
//!
//! Modes: **browsing** one of three panes (the waiting queue, the stream of decided items, the
//! sessions and grants), the **details** pane (scrolling a long diff), and prompts that take every
//! key while open: the typed **confirmation** of a critical item (Esc backs out), the **note**
//! sent with a denial, the **grant** duration, the **filter**, **help**, and **confirming quit**
//! while items wait.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use signoff_protocol::{
    Confirmation, DecidedBy, Decision, Outcome, SessionId, SessionInfo, Tier, Verdict,
};

use super::history::{HistoryKey, HistoryPage, HistoryRequest, HistoryScreen};
use super::keys::{KeyAction, Keymap, edit_line};
use crate::queue::{Grant, Item, PersonDecision, ProposalKey, UiEvent};
use crate::reviewers::ReviewerInfo;

/// How many decided items the stream keeps on screen.
pub const STREAM_LEN: usize = 10_000;
const NOTE_MAX: usize = 500;
const PAGE: usize = 10;
pub const DEFAULT_GRANT_MINUTES: &str = "15";

/// What the screen asks of the rest of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Decide(ProposalKey, PersonDecision),
    Grant(ProposalKey, Duration),
    Revoke(String),
    SetPaused(bool),
    /// Freeze (true) or unfreeze a session.
    SetFrozen(SessionId, bool),
    /// Read a page of the history (off the screen's task).
    LoadHistory(HistoryRequest),
    /// A person typed the code a screen asking to pair shows.
    Pair(String),
    ListReviewers,
    /// Revoke a reviewer's credential (by its id).
    RevokeReviewer(String),
    /// Make a one-time link that pairs a phone with the reviewer page.
    InvitePhone,
    Quit,
}

/// A one-time link that pairs a phone with the reviewer page (`--web`), shown as a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneInvitation {
    pub url: String,
    pub code: String,
    /// When the code stops pairing.
    pub until: SystemTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Queue,
    Stream,
    Sessions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Browsing,
    /// Scrolling the details pane.
    Details,
    /// Approving a critical item: the person types `expected`.
    Confirm {
        key: ProposalKey,
        expected: String,
        input: String,
    },
    /// Denying with a note for the agent.
    Note {
        key: ProposalKey,
        text: String,
    },
    /// Approving and granting similar items for a number of minutes.
    Grant {
        key: ProposalKey,
        minutes: String,
    },
    Filter,
    Help,
    ConfirmQuit,
    /// Pairing and revoking reviewers: `code` is what the person types.
    Reviewers {
        code: String,
        selected: usize,
    },
    /// The QR code that pairs a phone; any key closes it.
    Phone(PhoneInvitation),
}

pub struct StreamEntry {
    pub item: Arc<Item>,
    pub decision: Decision,
    pub outcome: Option<Outcome>,
}

#[derive(Default)]
pub struct SessionView {
    pub info: SessionInfo,
    pub waiting: usize,
    pub approved: u64,
    pub denied: u64,
    /// Why the session is frozen, while it is.
    pub frozen: Option<String>,
}

#[derive(Default)]
pub struct Counts {
    pub streamed: u64,
    pub approved: u64,
    pub denied: u64,
    pub expired: u64,
}

pub struct App {
    pub socket: String,
    pub keys: Keymap,
    pub sessions: BTreeMap<SessionId, SessionView>,
    /// Oldest first.
    pub waiting: Vec<Arc<Item>>,
    /// Waiting items with the first of the two approvals the two-person rule asks for: by whom.
    pub first_approvals: HashMap<ProposalKey, String>,
    /// Newest first.
    pub stream: VecDeque<StreamEntry>,
    pub grants: Vec<Grant>,
    pub counts: Counts,
    pub paused: bool,
    pub pane: Pane,
    /// Selection per pane (in the filtered lists).
    pub selected: usize,
    pub stream_selected: usize,
    pub grant_selected: usize,
    pub detail_scroll: usize,
    pub filter: String,
    pub mode: Mode,
    /// A one-line message for the person (an error, a hint).
    pub status: Option<String>,
    /// The History view, while open.
    pub history: Option<HistoryScreen>,
    /// Whether this console keeps a history to view.
    pub history_kept: bool,
    /// Quitting this screen closes the console, withdrawing what waits (false on an attached
    /// screen: quitting it withdraws nothing, so it does not ask).
    pub quit_withdraws: bool,
    /// The paired reviewers, as last listed.
    pub reviewers: Vec<ReviewerInfo>,
}

impl App {
    pub fn new(socket: String, keys: Keymap) -> Self {
        App {
            socket,
            keys,
            sessions: BTreeMap::new(),
            waiting: Vec::new(),
            first_approvals: HashMap::new(),
            stream: VecDeque::new(),
            grants: Vec::new(),
            counts: Counts::default(),
            paused: false,
            pane: Pane::Queue,
            selected: 0,
            stream_selected: 0,
            grant_selected: 0,
            detail_scroll: 0,
            filter: String::new(),
            mode: Mode::Browsing,
            status: None,
            history: None,
            history_kept: false,
            quit_withdraws: true,
            reviewers: Vec::new(),
        }
    }

    /// The reviewers as they now stand, after a pairing or a revocation or when listed.
    pub fn on_reviewers(&mut self, reviewers: Vec<ReviewerInfo>) {
        if let Mode::Reviewers { selected, .. } = &mut self.mode {
            *selected = (*selected).min(reviewers.len().saturating_sub(1));
        }
        self.reviewers = reviewers;
    }

    /// Shows the link that pairs a phone.
    pub fn on_phone_invitation(&mut self, invitation: PhoneInvitation) {
        self.mode = Mode::Phone(invitation);
    }

    pub fn on_history_page(&mut self, page: Result<HistoryPage, String>) {
        if let Some(history) = &mut self.history {
            history.on_page(page);
        }
    }

    fn matches_filter(&self, item: &Item) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        item.agent.to_lowercase().contains(&needle)
            || item.action.headline().to_lowercase().contains(&needle)
    }

    /// The waiting items the filter lets through, oldest first.
    pub fn visible_waiting(&self) -> Vec<&Arc<Item>> {
        self.waiting
            .iter()
            .filter(|item| self.matches_filter(item))
            .collect()
    }

    /// The decided items the filter lets through, newest first.
    pub fn visible_stream(&self) -> Vec<&StreamEntry> {
        self.stream
            .iter()
            .filter(|entry| self.matches_filter(&entry.item))
            .collect()
    }

    pub fn selected_item(&self) -> Option<&Arc<Item>> {
        self.visible_waiting().get(self.selected).copied()
    }

    /// What the details pane shows: the selected waiting item, or the selected decided one.
    pub fn detail(&self) -> Option<(&Arc<Item>, Option<&StreamEntry>)> {
        match self.pane {
            Pane::Stream => self
                .visible_stream()
                .get(self.stream_selected)
                .map(|entry| (&entry.item, Some(*entry))),
            _ => self.selected_item().map(|item| (item, None)),
        }
    }

    /// How many waiting and decided items the filter lets through; cheap when there is none.
    fn visible_counts(&self) -> (usize, usize) {
        if self.filter.is_empty() {
            return (self.waiting.len(), self.stream.len());
        }
        (self.visible_waiting().len(), self.visible_stream().len())
    }

    fn clamp_selection(&mut self) {
        let (waiting, stream) = self.visible_counts();
        self.selected = self.selected.min(waiting.saturating_sub(1));
        self.stream_selected = self.stream_selected.min(stream.saturating_sub(1));
        self.grant_selected = self.grant_selected.min(self.grants.len().saturating_sub(1));
    }

    pub fn on_event(&mut self, event: UiEvent) {
        match event {
            UiEvent::SessionOpened { id, info } => {
                self.sessions.insert(
                    id,
                    SessionView {
                        info,
                        ..SessionView::default()
                    },
                );
            }
            UiEvent::SessionClosed { id } => {
                self.sessions.remove(&id);
            }
            UiEvent::Waiting(item) => {
                if let Some(session) = self.sessions.get_mut(&item.key.session) {
                    session.waiting += 1;
                }
                self.waiting.push(item);
            }
            UiEvent::Decided {
                item,
                decision,
                waited,
            } => self.decided(item, decision, waited),
            UiEvent::Outcome { key, outcome } => {
                if let Some(entry) = self.stream.iter_mut().find(|entry| entry.item.key == key) {
                    entry.outcome = Some(outcome);
                }
            }
            UiEvent::Paused(paused) => self.paused = paused,
            UiEvent::Granted(grant) => self.grants.push(grant),
            UiEvent::GrantEnded { id } => self.grants.retain(|grant| grant.id != id),
            UiEvent::SessionFrozen { id, why } => {
                if let Some(session) = self.sessions.get_mut(&id) {
                    self.status = Some(format!(
                        "Froze {} ({why}): everything it proposes waits for you. {} on one of its items unfreezes it.",
                        crate::sanitize::line(session.info.display_name(), 30),
                        self.keys.key_for(KeyAction::Freeze)
                    ));
                    session.frozen = Some(why);
                }
            }
            UiEvent::SessionUnfrozen { id } => {
                if let Some(session) = self.sessions.get_mut(&id) {
                    session.frozen = None;
                }
            }
            UiEvent::Alert(message) => self.status = Some(message),
            UiEvent::FirstApproval { key, by } => {
                self.status = Some(format!(
                    "Approved 1 of 2 (by {}): the two-person rule waits for another reviewer.",
                    crate::sanitize::line(&by, 30)
                ));
                self.first_approvals.insert(key, by);
            }
        }
        self.clamp_selection();
    }

    fn decided(&mut self, item: Arc<Item>, decision: Decision, waited: bool) {
        if waited {
            self.first_approvals.remove(&item.key);
        }
        // Keep the selection on the same item when one above it leaves. (Streamed items never
        // waited: thousands a second must not cost a scan of the queue each.)
        if let Some(index) = waited
            .then(|| self.waiting.iter().position(|w| w.key == item.key))
            .flatten()
        {
            let selected_key = self.selected_item().map(|s| s.key.clone());
            self.waiting.remove(index);
            if let Some(session) = self.sessions.get_mut(&item.key.session) {
                session.waiting = session.waiting.saturating_sub(1);
            }
            if let Some(key) = selected_key {
                self.selected = self
                    .visible_waiting()
                    .iter()
                    .position(|w| w.key == key)
                    .unwrap_or(self.selected);
            }
        }
        let prompt_key = match &self.mode {
            Mode::Confirm { key, .. } | Mode::Note { key, .. } | Mode::Grant { key, .. } => {
                Some(key)
            }
            _ => None,
        };
        if prompt_key == Some(&item.key) {
            self.mode = Mode::Browsing;
            self.status = Some(format!(
                "The item you were answering was {} meanwhile.",
                decision.verdict
            ));
        }
        let session = self.sessions.get_mut(&item.key.session);
        match (decision.verdict, &decision.decided_by) {
            (Verdict::Approved, DecidedBy::Stream) => self.counts.streamed += 1,
            (Verdict::Approved, _) => {
                self.counts.approved += 1;
                if let Some(session) = session {
                    session.approved += 1;
                }
            }
            (Verdict::Denied, _) => {
                self.counts.denied += 1;
                if let Some(session) = session {
                    session.denied += 1;
                }
            }
            (Verdict::Expired, _) => self.counts.expired += 1,
            (Verdict::Withdrawn, _) => {}
        }
        self.stream.push_front(StreamEntry {
            item,
            decision,
            outcome: None,
        });
        self.stream.truncate(STREAM_LEN);
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Option<Intent> {
        let ctrl_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        let action = self.keys.action(key);
        if let Some(history) = &mut self.history
            && !ctrl_c
            && !matches!(self.mode, Mode::ConfirmQuit)
        {
            return match history.on_key(key, action) {
                HistoryKey::Close => {
                    self.history = None;
                    None
                }
                HistoryKey::Load(request) => request.map(Intent::LoadHistory),
            };
        }
        match &mut self.mode {
            Mode::Confirm {
                key: item,
                expected,
                input,
            } => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Browsing,
                    KeyCode::Enter if input == expected => {
                        let intent = Intent::Decide(
                            item.clone(),
                            PersonDecision::Approve {
                                typed: Some(input.clone()),
                            },
                        );
                        self.mode = Mode::Browsing;
                        return Some(intent);
                    }
                    KeyCode::Enter => {
                        self.status =
                            Some("That is not the name. Type it exactly, or Esc to go back.".into())
                    }
                    other => edit_line(input, other, |_, c| (!ctrl_c).then_some(c)),
                }
                None
            }
            Mode::Note { key: item, text } => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Browsing,
                    KeyCode::Enter => {
                        let intent = Intent::Decide(
                            item.clone(),
                            PersonDecision::Deny {
                                note: text.trim().to_string(),
                            },
                        );
                        self.mode = Mode::Browsing;
                        return Some(intent);
                    }
                    other => edit_line(text, other, |text, c| {
                        (!ctrl_c && text.chars().count() < NOTE_MAX).then_some(c)
                    }),
                }
                None
            }
            Mode::Grant { key: item, minutes } => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Browsing,
                    KeyCode::Enter => match minutes.parse::<u64>() {
                        Ok(m) if (1..=24 * 60).contains(&m) => {
                            let intent = Intent::Grant(item.clone(), Duration::from_secs(m * 60));
                            self.mode = Mode::Browsing;
                            return Some(intent);
                        }
                        _ => {
                            self.status = Some("Give the grant between 1 and 1440 minutes.".into())
                        }
                    },
                    other => edit_line(minutes, other, |minutes, c| {
                        (c.is_ascii_digit() && minutes.len() < 4).then_some(c)
                    }),
                }
                None
            }
            Mode::Filter => {
                match key.code {
                    KeyCode::Esc => {
                        self.filter.clear();
                        self.mode = Mode::Browsing;
                    }
                    KeyCode::Enter => self.mode = Mode::Browsing,
                    other => edit_line(&mut self.filter, other, |_, c| (!ctrl_c).then_some(c)),
                }
                self.clamp_selection();
                None
            }
            Mode::Help | Mode::Phone(_) => {
                self.mode = Mode::Browsing;
                None
            }
            Mode::Reviewers { code, selected } => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Browsing,
                    KeyCode::Enter if !code.is_empty() => {
                        return Some(Intent::Pair(std::mem::take(code)));
                    }
                    KeyCode::Down => {
                        *selected = (*selected + 1).min(self.reviewers.len().saturating_sub(1))
                    }
                    KeyCode::Up => *selected = selected.saturating_sub(1),
                    KeyCode::Delete => {
                        return self
                            .reviewers
                            .get(*selected)
                            .map(|reviewer| Intent::RevokeReviewer(reviewer.id.clone()));
                    }
                    other => edit_line(code, other, |code, c| {
                        let fits = (c.is_ascii_alphanumeric() || c == '-') && code.len() < 16;
                        (!ctrl_c && fits).then(|| c.to_ascii_uppercase())
                    }),
                }
                None
            }
            Mode::ConfirmQuit => {
                self.mode = Mode::Browsing;
                (action == Some(KeyAction::Quit) || ctrl_c).then_some(Intent::Quit)
            }
            Mode::Details => {
                match action {
                    Some(KeyAction::Down) => self.detail_scroll += 1,
                    Some(KeyAction::Up) => {
                        self.detail_scroll = self.detail_scroll.saturating_sub(1)
                    }
                    Some(KeyAction::PageDown) => self.detail_scroll += PAGE,
                    Some(KeyAction::PageUp) => {
                        self.detail_scroll = self.detail_scroll.saturating_sub(PAGE)
                    }
                    Some(KeyAction::Details) => self.mode = Mode::Browsing,
                    _ if key.code == KeyCode::Esc => self.mode = Mode::Browsing,
                    _ => return self.browse(action, ctrl_c),
                }
                None
            }
            Mode::Browsing => self.browse(action, ctrl_c),
        }
    }

    fn browse(&mut self, action: Option<KeyAction>, ctrl_c: bool) -> Option<Intent> {
        self.status = None;
        if ctrl_c {
            return self.quit();
        }
        let action = action?;
        match action {
            KeyAction::Quit => self.quit(),
            KeyAction::Help => {
                self.mode = Mode::Help;
                None
            }
            KeyAction::Pause => Some(Intent::SetPaused(!self.paused)),
            KeyAction::Freeze => {
                // The session of the item in the details pane.
                let Some(id) = self.detail().map(|(item, _)| item.key.session.clone()) else {
                    self.status = Some(
                        "Select one of the agent's items in the queue or the stream first.".into(),
                    );
                    return None;
                };
                let frozen = self.sessions.get(&id).is_some_and(|s| s.frozen.is_some());
                Some(Intent::SetFrozen(id, !frozen))
            }
            KeyAction::Filter => {
                self.mode = Mode::Filter;
                None
            }
            KeyAction::Reviewers => {
                self.mode = Mode::Reviewers {
                    code: String::new(),
                    selected: 0,
                };
                Some(Intent::ListReviewers)
            }
            KeyAction::PairPhone => Some(Intent::InvitePhone),
            KeyAction::FilterVerdict | KeyAction::FilterTier | KeyAction::FilterEnvironment => {
                self.status = Some("Those filter the History view (h).".into());
                None
            }
            KeyAction::History if !self.history_kept => {
                self.status = Some(
                    "No history to show here: the demo and attached screens keep none (`signoff history` reads the console's).".into(),
                );
                None
            }
            KeyAction::History => {
                let (screen, request) = HistoryScreen::open();
                self.history = Some(screen);
                Some(Intent::LoadHistory(request))
            }
            KeyAction::NextPane => {
                self.pane = match self.pane {
                    Pane::Queue => Pane::Stream,
                    Pane::Stream => Pane::Sessions,
                    Pane::Sessions => Pane::Queue,
                };
                self.detail_scroll = 0;
                None
            }
            KeyAction::Down | KeyAction::Up | KeyAction::PageDown | KeyAction::PageUp => {
                self.move_selection(action);
                None
            }
            KeyAction::Details => {
                self.mode = Mode::Details;
                None
            }
            KeyAction::Revoke => {
                let grant = self
                    .grants
                    .get(self.grant_selected)
                    .filter(|_| self.pane == Pane::Sessions)?;
                Some(Intent::Revoke(grant.id.clone()))
            }
            KeyAction::Approve
            | KeyAction::Deny
            | KeyAction::DenyWithNote
            | KeyAction::ApproveAndGrant => {
                if self.pane != Pane::Queue {
                    self.status = Some(
                        "Decisions are made in the waiting queue: press tab to get there.".into(),
                    );
                    return None;
                }
                let item = self.selected_item()?.clone();
                self.answer(action, &item)
            }
        }
    }

    fn answer(&mut self, action: KeyAction, item: &Item) -> Option<Intent> {
        let key = item.key.clone();
        match action {
            KeyAction::Approve => match &item.assessment.confirmation {
                // Invariant 7: a critical item is never approved by one key.
                Confirmation::Typed(expected) => {
                    self.mode = Mode::Confirm {
                        key,
                        expected: expected.clone(),
                        input: String::new(),
                    };
                    None
                }
                _ => Some(Intent::Decide(key, PersonDecision::Approve { typed: None })),
            },
            KeyAction::Deny => Some(Intent::Decide(
                key,
                PersonDecision::Deny {
                    note: String::new(),
                },
            )),
            KeyAction::DenyWithNote => {
                self.mode = Mode::Note {
                    key,
                    text: String::new(),
                };
                None
            }
            KeyAction::ApproveAndGrant if item.assessment.tier == Tier::Critical => {
                self.status =
                    Some("Critical actions are never granted: approve this one on its own.".into());
                None
            }
            KeyAction::ApproveAndGrant => {
                self.mode = Mode::Grant {
                    key,
                    minutes: DEFAULT_GRANT_MINUTES.into(),
                };
                None
            }
            _ => None,
        }
    }

    fn quit(&mut self) -> Option<Intent> {
        if self.waiting.is_empty() || !self.quit_withdraws {
            return Some(Intent::Quit);
        }
        self.mode = Mode::ConfirmQuit;
        None
    }

    fn move_selection(&mut self, action: KeyAction) {
        let (selected, len) = match self.pane {
            Pane::Queue => (&mut self.selected, self.waiting.len()),
            Pane::Stream => (&mut self.stream_selected, self.stream.len()),
            Pane::Sessions => (&mut self.grant_selected, self.grants.len()),
        };
        let last = len.saturating_sub(1);
        *selected = match action {
            KeyAction::Down => (*selected + 1).min(last),
            KeyAction::Up => selected.saturating_sub(1),
            KeyAction::PageDown => (*selected + PAGE).min(last),
            _ => selected.saturating_sub(PAGE),
        };
        self.detail_scroll = 0;
        self.clamp_selection();
    }
}
