//! The screen's model and how keys and queue events change it (Elm-style: no IO here).
//!
//! Modes: **browsing** the waiting queue; **typing** the confirmation of a critical item (every
//! key goes to the prompt; Esc backs out); **confirming quit** while items still wait.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use signoff_protocol::{Confirmation, Decision, SessionId, SessionInfo, Verdict};

use crate::queue::{Item, PersonDecision, ProposalKey, UiEvent};

/// How many decided items the live stream keeps.
const STREAM_LEN: usize = 200;

/// What the screen asks of the rest of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Decide(ProposalKey, PersonDecision),
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Browsing,
    /// Approving a critical item: the person types `expected`.
    Typing {
        key: ProposalKey,
        expected: String,
        input: String,
    },
    ConfirmQuit,
}

pub struct App {
    pub socket: String,
    pub sessions: HashMap<SessionId, SessionInfo>,
    /// Oldest first.
    pub waiting: Vec<Arc<Item>>,
    /// Newest first.
    pub stream: VecDeque<(Arc<Item>, Decision)>,
    pub streamed: u64,
    pub denied: u64,
    pub selected: usize,
    pub mode: Mode,
    /// A one-line message for the person (an error, a hint).
    pub status: Option<String>,
}

impl App {
    pub fn new(socket: String) -> Self {
        App {
            socket,
            sessions: HashMap::new(),
            waiting: Vec::new(),
            stream: VecDeque::new(),
            streamed: 0,
            denied: 0,
            selected: 0,
            mode: Mode::Browsing,
            status: None,
        }
    }

    pub fn selected_item(&self) -> Option<&Arc<Item>> {
        self.waiting.get(self.selected)
    }

    pub fn on_event(&mut self, event: UiEvent) {
        match event {
            UiEvent::SessionOpened { id, info } => {
                self.sessions.insert(id, info);
            }
            UiEvent::SessionClosed { id } => {
                self.sessions.remove(&id);
            }
            UiEvent::Waiting(item) => self.waiting.push(item),
            UiEvent::Decided { item, decision } => {
                if let Some(index) = self.waiting.iter().position(|w| w.key == item.key) {
                    self.waiting.remove(index);
                    if index < self.selected {
                        self.selected -= 1;
                    }
                }
                self.selected = self.selected.min(self.waiting.len().saturating_sub(1));
                if matches!(&self.mode, Mode::Typing { key, .. } if *key == item.key) {
                    self.mode = Mode::Browsing;
                    self.status = Some(format!(
                        "The item you were confirming was {}.",
                        decision.verdict
                    ));
                }
                match decision.verdict {
                    Verdict::Approved
                        if decision.decided_by == signoff_protocol::DecidedBy::Stream =>
                    {
                        self.streamed += 1
                    }
                    Verdict::Denied => self.denied += 1,
                    _ => {}
                }
                self.stream.push_front((item, decision));
                self.stream.truncate(STREAM_LEN);
            }
            UiEvent::Outcome { .. }
            | UiEvent::Paused(_)
            | UiEvent::Granted(_)
            | UiEvent::GrantEnded { .. } => {}
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Option<Intent> {
        let ctrl_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        let quit = key.code == KeyCode::Char('q') || ctrl_c;
        match &mut self.mode {
            Mode::Typing {
                key: item,
                expected,
                input,
            } => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Browsing,
                    KeyCode::Enter => {
                        if input == expected {
                            let intent = Intent::Decide(
                                item.clone(),
                                PersonDecision::Approve {
                                    typed: Some(input.clone()),
                                },
                            );
                            self.mode = Mode::Browsing;
                            return Some(intent);
                        }
                        self.status = Some(
                            "That is not the name. Type it exactly, or Esc to go back.".into(),
                        );
                    }
                    KeyCode::Backspace => {
                        input.pop();
                    }
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        input.push(c)
                    }
                    _ => {}
                }
                None
            }
            Mode::ConfirmQuit => {
                if quit {
                    return Some(Intent::Quit);
                }
                self.mode = Mode::Browsing;
                self.status = None;
                None
            }
            Mode::Browsing => {
                self.status = None;
                if quit {
                    if self.waiting.is_empty() {
                        return Some(Intent::Quit);
                    }
                    self.mode = Mode::ConfirmQuit;
                    return None;
                }
                match key.code {
                    KeyCode::Char('j') | KeyCode::Down => {
                        self.selected =
                            (self.selected + 1).min(self.waiting.len().saturating_sub(1));
                        None
                    }
                    KeyCode::Char('k') | KeyCode::Up => {
                        self.selected = self.selected.saturating_sub(1);
                        None
                    }
                    KeyCode::Char('y') => {
                        let item = self.selected_item()?;
                        if let Confirmation::Typed(expected) = &item.assessment.confirmation {
                            self.mode = Mode::Typing {
                                key: item.key.clone(),
                                expected: expected.clone(),
                                input: String::new(),
                            };
                            return None;
                        }
                        Some(Intent::Decide(
                            item.key.clone(),
                            PersonDecision::Approve { typed: None },
                        ))
                    }
                    KeyCode::Char('n') => {
                        let item = self.selected_item()?;
                        Some(Intent::Decide(
                            item.key.clone(),
                            PersonDecision::Deny {
                                note: String::new(),
                            },
                        ))
                    }
                    _ => None,
                }
            }
        }
    }
}
