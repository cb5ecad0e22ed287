//! The History view (`h`): sessions newest first, then one session's decisions with the same
//! details pane as the live queue. Pages are read from the database on request (never the whole
//! history in memory); filters by verdict, tier, environment, and text (agent or summary).

use crossterm::event::{KeyCode, KeyEvent};

use super::keys::{KeyAction, edit_line};
use crate::store::{Filter, HistoryRow, SessionRow};

pub use crate::store::{HistoryPage, HistoryRequest, PAGE_ROWS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Level {
    Sessions,
    /// One session's decisions.
    Actions {
        session: String,
        title: String,
    },
}

pub struct HistoryScreen {
    pub level: Level,
    pub sessions: Vec<SessionRow>,
    pub rows: Vec<HistoryRow>,
    pub selected: usize,
    pub detail_scroll: usize,
    pub verdict: Option<&'static str>,
    pub tier: Option<&'static str>,
    pub environment: Option<&'static str>,
    pub text: String,
    /// Typing the text filter.
    pub editing: bool,
    pub loading: bool,
    /// The last page came back short: there is no more.
    pub exhausted: bool,
    pub error: Option<String>,
}

const VERDICTS: &[&str] = &["approved", "denied", "expired", "withdrawn"];
const TIERS: &[&str] = &["read_only", "reversible", "risky", "critical"];
const ENVIRONMENTS: &[&str] = &["dev", "staging", "production", "unknown"];

/// None → the first value → … → the last → None.
fn cycle(current: Option<&'static str>, values: &'static [&'static str]) -> Option<&'static str> {
    match current.and_then(|c| values.iter().position(|v| *v == c)) {
        None => values.first().copied(),
        Some(index) => values.get(index + 1).copied(),
    }
}

impl HistoryScreen {
    /// Opens on the sessions, and asks for their first page.
    pub fn open() -> (HistoryScreen, HistoryRequest) {
        let screen = HistoryScreen {
            level: Level::Sessions,
            sessions: Vec::new(),
            rows: Vec::new(),
            selected: 0,
            detail_scroll: 0,
            verdict: None,
            tier: None,
            environment: None,
            text: String::new(),
            editing: false,
            loading: true,
            exhausted: false,
            error: None,
        };
        let request = screen.request(0);
        (screen, request)
    }

    fn text_filter(&self) -> Option<String> {
        Some(self.text.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// The request for the page at `offset` of what the screen shows now.
    pub fn request(&self, offset: u64) -> HistoryRequest {
        match &self.level {
            Level::Sessions => HistoryRequest::Sessions {
                text: self.text_filter(),
                offset,
            },
            Level::Actions { session, .. } => HistoryRequest::Actions(Filter {
                session: Some(session.clone()),
                verdict: self.verdict.map(String::from),
                tier: self.tier.map(String::from),
                environment: self.environment.map(String::from),
                text: self.text_filter(),
                limit: Some(PAGE_ROWS),
                offset,
                ..Filter::default()
            }),
        }
    }

    fn len(&self) -> usize {
        match self.level {
            Level::Sessions => self.sessions.len(),
            Level::Actions { .. } => self.rows.len(),
        }
    }

    /// Starts over: the first page of the current level and filters.
    fn reload(&mut self) -> Option<HistoryRequest> {
        self.selected = 0;
        self.detail_scroll = 0;
        self.exhausted = false;
        self.loading = true;
        Some(self.request(0))
    }

    pub fn on_page(&mut self, page: Result<HistoryPage, String>) {
        self.loading = false;
        match page {
            Err(error) => self.error = Some(error),
            Ok(HistoryPage::Sessions { offset, rows }) => {
                self.exhausted = (rows.len() as u64) < PAGE_ROWS;
                if offset == 0 {
                    self.sessions.clear();
                }
                self.sessions.extend(rows);
            }
            Ok(HistoryPage::Actions { offset, rows }) => {
                self.exhausted = (rows.len() as u64) < PAGE_ROWS;
                if offset == 0 {
                    self.rows.clear();
                }
                self.rows.extend(rows);
            }
        }
        self.selected = self.selected.min(self.len().saturating_sub(1));
    }

    pub fn selected_row(&self) -> Option<&HistoryRow> {
        match self.level {
            Level::Actions { .. } => self.rows.get(self.selected),
            Level::Sessions => None,
        }
    }

    /// Handles a key. `Close` leaves the History view.
    pub fn on_key(&mut self, key: KeyEvent, action: Option<KeyAction>) -> HistoryKey {
        if self.editing {
            match key.code {
                KeyCode::Enter => {
                    self.editing = false;
                    return HistoryKey::Load(self.reload());
                }
                KeyCode::Esc => self.editing = false,
                other => edit_line(&mut self.text, other, |_, c| Some(c)),
            }
            return HistoryKey::Load(None);
        }
        let filters_apply = matches!(self.level, Level::Actions { .. });
        match (key.code, action) {
            (_, Some(KeyAction::FilterVerdict)) if filters_apply => {
                self.verdict = cycle(self.verdict, VERDICTS);
                HistoryKey::Load(self.reload())
            }
            (_, Some(KeyAction::FilterTier)) if filters_apply => {
                self.tier = cycle(self.tier, TIERS);
                HistoryKey::Load(self.reload())
            }
            (_, Some(KeyAction::FilterEnvironment)) if filters_apply => {
                self.environment = cycle(self.environment, ENVIRONMENTS);
                HistoryKey::Load(self.reload())
            }
            (_, Some(KeyAction::Filter)) => {
                self.editing = true;
                HistoryKey::Load(None)
            }
            (
                _,
                Some(KeyAction::Down | KeyAction::Up | KeyAction::PageDown | KeyAction::PageUp),
            ) => {
                let last = self.len().saturating_sub(1);
                self.selected = match action {
                    Some(KeyAction::Down) => (self.selected + 1).min(last),
                    Some(KeyAction::Up) => self.selected.saturating_sub(1),
                    Some(KeyAction::PageDown) => (self.selected + 10).min(last),
                    _ => self.selected.saturating_sub(10),
                };
                self.detail_scroll = 0;
                // Near the end of what is loaded: ask for the next page.
                let more = !self.loading && !self.exhausted && self.selected + 20 >= self.len();
                if more {
                    self.loading = true;
                    return HistoryKey::Load(Some(self.request(self.len() as u64)));
                }
                HistoryKey::Load(None)
            }
            (KeyCode::Enter, _) | (_, Some(KeyAction::Details)) => {
                match (&self.level, self.sessions.get(self.selected)) {
                    (Level::Sessions, Some(session)) => {
                        let title = format!("{} · {}", session.agent, session.workspace);
                        self.level = Level::Actions {
                            session: session.id.clone(),
                            title,
                        };
                        self.text.clear();
                        HistoryKey::Load(self.reload())
                    }
                    _ => HistoryKey::Load(None),
                }
            }
            (KeyCode::Esc, _) | (_, Some(KeyAction::History | KeyAction::Quit)) => match self.level
            {
                Level::Actions { .. } => {
                    self.level = Level::Sessions;
                    self.verdict = None;
                    self.tier = None;
                    self.environment = None;
                    self.text.clear();
                    HistoryKey::Load(self.reload())
                }
                Level::Sessions => HistoryKey::Close,
            },
            _ => HistoryKey::Load(None),
        }
    }
}

/// What a key in the History view asks for.
#[derive(Debug, PartialEq)]
pub enum HistoryKey {
    /// Maybe load a page.
    Load(Option<HistoryRequest>),
    Close,
}
