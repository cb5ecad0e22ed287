//! The page's files, and the queue as the page reads it: the waiting items, oldest first, as JSON
//! whose every agent-supplied string has been made inert ([`crate::sanitize::inert`]) and is
//! inserted by the page as text.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Value, json};
use signoff_protocol::{ActionKind, Confirmation, SessionId, SessionInfo, to_unix_ms};

use crate::queue::{Item, ProposalKey, UiEvent};

pub const HTML: &str = include_str!("assets/index.html");
pub const JS: &str = include_str!("assets/app.js");
pub const CSS: &str = include_str!("assets/app.css");

/// One page's copy of the waiting queue, kept from the screen events it hears.
#[derive(Default)]
pub struct Mirror {
    sessions: HashMap<SessionId, SessionInfo>,
    /// By arrival order: oldest first.
    waiting: BTreeMap<u64, Arc<Item>>,
    /// Who gave the first of two approvals, under the two-person rule.
    first_approvals: HashMap<ProposalKey, String>,
    paused: bool,
}

impl Mirror {
    /// Takes in one event; whether the page's picture changed.
    pub fn apply(&mut self, event: &UiEvent) -> bool {
        match event {
            UiEvent::SessionOpened { id, info } => {
                self.sessions.insert(id.clone(), info.clone());
                false
            }
            UiEvent::SessionClosed { id } => {
                self.sessions.remove(id);
                false
            }
            UiEvent::Waiting(item) => {
                self.waiting.insert(item.seq, item.clone());
                true
            }
            UiEvent::Decided { item, .. } => {
                self.first_approvals.remove(&item.key);
                self.waiting.remove(&item.seq).is_some()
            }
            UiEvent::FirstApproval { key, by } => {
                self.first_approvals.insert(key.clone(), by.clone());
                true
            }
            UiEvent::Paused(paused) => {
                self.paused = *paused;
                true
            }
            UiEvent::Outcome { .. }
            | UiEvent::Granted(_)
            | UiEvent::GrantEnded { .. }
            | UiEvent::SessionFrozen { .. }
            | UiEvent::SessionUnfrozen { .. }
            | UiEvent::Alert(_) => false,
        }
    }

    pub fn to_json(&self) -> Value {
        let items: Vec<Value> = self.waiting.values().map(|item| self.item(item)).collect();
        json!({ "paused": self.paused, "items": items })
    }

    fn item(&self, item: &Item) -> Value {
        let action = &item.action;
        let assessment = &item.assessment;
        let origin = self.sessions.get(&item.key.session).map(|info| {
            [info.host.as_str(), info.workspace.as_str()]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" · ")
        });
        let mut diff = Vec::new();
        if let ActionKind::File(file) = &action.kind {
            diff.push(file.unified_diff.as_str());
        }
        diff.push(&action.dry_run.diff);
        let reasons: Vec<Value> = assessment
            .reasons
            .iter()
            .map(|reason| json!({ "rule": text(&reason.rule_id), "why": text(&reason.sentence) }))
            .collect();
        let confirm = match &assessment.confirmation {
            Confirmation::Typed(expected) => Some(text(expected)),
            Confirmation::None | Confirmation::Keystroke => None,
        };
        json!({
            "session": item.key.session.0,
            "proposal": item.key.proposal.0,
            "digest": item.digest.to_hex(),
            "agent": text(&item.agent),
            "origin": origin.map(|origin| text(&origin)),
            "tier": assessment.tier.as_str(),
            "environment": assessment.environment.as_str(),
            "resource": text(&action.target.resource),
            "command": text(&action.headline()),
            "summary": text(&action.summary),
            "rationale": text(&action.rationale),
            "reasons": reasons,
            "diff": text(&diff.into_iter().filter(|d| !d.is_empty()).collect::<Vec<_>>().join("\n")),
            "plan": text(&action.dry_run.plan),
            "arrived_ms": to_unix_ms(item.arrived_at),
            "expires_ms": to_unix_ms(item.expires_at),
            "confirm": confirm,
            "first_approval_by": self.first_approvals.get(&item.key).map(|by| text(by)),
        })
    }
}

/// Agent text made inert line by line: its line breaks stay, every other control, bidi or
/// invisible character shows as an escape.
fn text(agent_text: &str) -> String {
    agent_text
        .split('\n')
        .map(crate::sanitize::inert)
        .collect::<Vec<_>>()
        .join("\n")
}
