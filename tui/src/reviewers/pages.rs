//! History pages on the wire (`Reviewer/History`): what `h` shows on an attached screen, in the
//! same rows the console's own screen reads from its database.

use signoff_protocol::pb::{self, history_request::Page};
use signoff_protocol::{Action, InvalidMessage};

use crate::store::{Filter, HistoryPage, HistoryRequest, HistoryRow, PAGE_ROWS, SessionRow};

/// Empty is "any".
fn given(text: String) -> Option<String> {
    Some(text).filter(|text| !text.is_empty())
}

pub fn request_to_wire(request: HistoryRequest) -> pb::HistoryRequest {
    let (page, offset) = match request {
        HistoryRequest::Sessions { text, offset } => (
            Page::Sessions(pb::SessionsPage {
                text: text.unwrap_or_default(),
            }),
            offset,
        ),
        HistoryRequest::Actions(filter) => (
            Page::Decisions(pb::DecisionsPage {
                session_id: filter.session.unwrap_or_default(),
                verdict: filter.verdict.unwrap_or_default(),
                tier: filter.tier.unwrap_or_default(),
                environment: filter.environment.unwrap_or_default(),
                text: filter.text.unwrap_or_default(),
            }),
            filter.offset,
        ),
    };
    pb::HistoryRequest {
        page: Some(page),
        offset,
    }
}

pub fn request_from_wire(request: pb::HistoryRequest) -> Result<HistoryRequest, InvalidMessage> {
    let offset = request.offset;
    Ok(match request.page.ok_or(InvalidMessage::Missing("page"))? {
        Page::Sessions(page) => HistoryRequest::Sessions {
            text: given(page.text),
            offset,
        },
        Page::Decisions(page) => HistoryRequest::Actions(Filter {
            session: given(page.session_id),
            verdict: given(page.verdict),
            tier: given(page.tier),
            environment: given(page.environment),
            text: given(page.text),
            limit: Some(PAGE_ROWS),
            offset,
            ..Filter::default()
        }),
    })
}

pub fn page_to_wire(page: HistoryPage) -> pb::HistoryPage {
    match page {
        HistoryPage::Sessions { rows, .. } => pb::HistoryPage {
            sessions: rows.into_iter().map(session_to_wire).collect(),
            decisions: Vec::new(),
        },
        HistoryPage::Actions { rows, .. } => pb::HistoryPage {
            sessions: Vec::new(),
            decisions: rows.into_iter().map(decision_to_wire).collect(),
        },
    }
}

/// The page that answers `request`.
pub fn page_from_wire(
    request: &HistoryRequest,
    page: pb::HistoryPage,
) -> Result<HistoryPage, InvalidMessage> {
    Ok(match request {
        HistoryRequest::Sessions { offset, .. } => HistoryPage::Sessions {
            offset: *offset,
            rows: page.sessions.into_iter().map(session_from_wire).collect(),
        },
        HistoryRequest::Actions(filter) => HistoryPage::Actions {
            offset: filter.offset,
            rows: page
                .decisions
                .into_iter()
                .map(decision_from_wire)
                .collect::<Result<_, _>>()?,
        },
    })
}

fn session_to_wire(row: SessionRow) -> pb::HistorySession {
    pb::HistorySession {
        session_id: row.id,
        agent: row.agent,
        agent_kind: row.agent_kind,
        model: row.model,
        workspace: row.workspace,
        opened_at_unix_ms: row.opened_at_ms,
        closed_at_unix_ms: row.closed_at_ms,
        approved: row.approved,
        denied: row.denied,
        expired: row.expired,
        withdrawn: row.withdrawn,
    }
}

fn session_from_wire(row: pb::HistorySession) -> SessionRow {
    SessionRow {
        id: row.session_id,
        agent: row.agent,
        agent_kind: row.agent_kind,
        model: row.model,
        workspace: row.workspace,
        opened_at_ms: row.opened_at_unix_ms,
        closed_at_ms: row.closed_at_unix_ms,
        approved: row.approved,
        denied: row.denied,
        expired: row.expired,
        withdrawn: row.withdrawn,
    }
}

fn decision_to_wire(row: HistoryRow) -> pb::HistoryDecision {
    pb::HistoryDecision {
        seq: row.seq,
        decided_at_unix_ms: row.decided_at_ms,
        session_id: row.session_id,
        proposal_id: row.proposal_id,
        agent: row.agent,
        kind: row.kind,
        summary: row.summary,
        environment: row.environment,
        tier: row.tier,
        verdict: row.verdict,
        decided_by: row.decided_by,
        grant_id: row.grant_id,
        note: row.note,
        action_digest: row.action_digest,
        reasons_json: row.reasons.to_string(),
        outcome: row.outcome,
        exit_code: row.exit_code,
        action: row.action.map(Into::into),
    }
}

fn decision_from_wire(row: pb::HistoryDecision) -> Result<HistoryRow, InvalidMessage> {
    Ok(HistoryRow {
        seq: row.seq,
        decided_at_ms: row.decided_at_unix_ms,
        session_id: row.session_id,
        proposal_id: row.proposal_id,
        agent: row.agent,
        kind: row.kind,
        summary: row.summary,
        environment: row.environment,
        tier: row.tier,
        verdict: row.verdict,
        decided_by: row.decided_by,
        grant_id: row.grant_id,
        note: row.note,
        action_digest: row.action_digest,
        reasons: serde_json::from_str(&row.reasons_json).unwrap_or_default(),
        outcome: row.outcome,
        exit_code: row.exit_code,
        action: row.action.map(Action::try_from).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_pages_cross_the_wire_unchanged() {
        let sessions = HistoryRequest::Sessions {
            text: Some("shop".into()),
            offset: 200,
        };
        let decisions = HistoryRequest::Actions(Filter {
            session: Some("s-1".into()),
            verdict: Some("denied".into()),
            tier: None,
            environment: Some("production".into()),
            text: Some("volume".into()),
            limit: Some(PAGE_ROWS),
            offset: 400,
            ..Filter::default()
        });
        for request in [sessions.clone(), decisions.clone()] {
            assert_eq!(
                request_from_wire(request_to_wire(request.clone())).unwrap(),
                request
            );
        }

        let session = SessionRow {
            id: "s-1".into(),
            agent: "claude".into(),
            agent_kind: "claude-code".into(),
            model: "m".into(),
            workspace: "/src/shop".into(),
            opened_at_ms: 1,
            closed_at_ms: None,
            approved: 2,
            denied: 3,
            expired: 4,
            withdrawn: 5,
        };
        let page = HistoryPage::Sessions {
            offset: 200,
            rows: vec![session.clone()],
        };
        let HistoryPage::Sessions { offset, rows } =
            page_from_wire(&sessions, page_to_wire(page)).unwrap()
        else {
            panic!("a sessions page answers a sessions request");
        };
        assert_eq!((offset, rows), (200, vec![session]));

        let row = HistoryRow {
            seq: 7,
            decided_at_ms: 9,
            session_id: "s-1".into(),
            proposal_id: "p-1".into(),
            agent: "claude".into(),
            kind: "shell".into(),
            summary: "delete the volume".into(),
            environment: "production".into(),
            tier: "critical".into(),
            verdict: "denied".into(),
            decided_by: "alice".into(),
            grant_id: String::new(),
            note: "not in prod".into(),
            action_digest: "ab".repeat(32),
            reasons: serde_json::json!([{"rule": "cloud.volume-delete"}]),
            outcome: Some("not_run".into()),
            exit_code: Some(1),
            action: Some(Action::shell(["railway", "volume", "delete", "v-1"])),
        };
        let page = HistoryPage::Actions {
            offset: 400,
            rows: vec![row.clone()],
        };
        let HistoryPage::Actions { offset, rows } =
            page_from_wire(&decisions, page_to_wire(page)).unwrap()
        else {
            panic!("a decisions page answers a decisions request");
        };
        assert_eq!((offset, rows), (400, vec![row]));

        assert!(request_from_wire(pb::HistoryRequest::default()).is_err());
    }
}
