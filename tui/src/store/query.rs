//! Reading the history back: decisions with what they decided on, newest first.

use rusqlite::params;
use serde::Serialize;
use signoff_protocol::Action;

use super::{Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub session: Option<String>,
    /// Only decisions at or after this time (Unix ms).
    pub since_ms: Option<i64>,
    pub verdict: Option<String>,
    pub tier: Option<String>,
    pub environment: Option<String>,
    /// Text the agent's name or the summary contains.
    pub text: Option<String>,
    /// At most this many rows, after skipping `offset`; `None` for all.
    pub limit: Option<u64>,
    pub offset: u64,
    /// Oldest first (for export) rather than newest first.
    pub oldest_first: bool,
}

/// One decision, with the proposal it decided and its outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryRow {
    pub seq: i64,
    pub decided_at_ms: i64,
    pub session_id: String,
    pub proposal_id: String,
    pub agent: String,
    pub kind: String,
    pub summary: String,
    pub environment: String,
    pub tier: String,
    pub verdict: String,
    pub decided_by: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub grant_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub action_digest: String,
    pub reasons: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// The action itself, for the details pane.
    #[serde(skip)]
    pub action: Option<Action>,
}

pub fn rows(store: &Store, filter: &Filter) -> Result<Vec<HistoryRow>, StoreError> {
    // Only the conditions that apply: `?n IS NULL OR …` would keep SQLite from using an index.
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    let mut add = |condition: &'static str, value: rusqlite::types::Value| {
        conditions.push(condition);
        values.push(value);
    };
    if let Some(session) = &filter.session {
        add("d.session_id = ?{n}", session.clone().into());
    }
    if let Some(since) = filter.since_ms {
        add("d.decided_at >= ?{n}", since.into());
    }
    if let Some(verdict) = &filter.verdict {
        add("d.verdict = ?{n}", verdict.clone().into());
    }
    if let Some(tier) = &filter.tier {
        add("p.tier = ?{n}", tier.clone().into());
    }
    if let Some(environment) = &filter.environment {
        add("p.environment = ?{n}", environment.clone().into());
    }
    if let Some(text) = &filter.text {
        add(
            "(instr(lower(p.summary), lower(?{n})) > 0 OR instr(lower(p.agent), lower(?{n})) > 0)",
            text.clone().into(),
        );
    }
    // Condition n binds parameter ?n.
    let mut where_clause = String::new();
    for (index, condition) in conditions.iter().enumerate() {
        where_clause.push_str(if index == 0 { " WHERE " } else { " AND " });
        where_clause.push_str(&condition.replace("{n}", &(index + 1).to_string()));
    }
    let order = if filter.oldest_first { "ASC" } else { "DESC" };
    let limit = filter
        .limit
        .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
    values.push(limit.into());
    values.push(offset.into());
    let sql = format!(
        "SELECT d.seq, d.decided_at, d.session_id, d.proposal_id, coalesce(p.agent, ''), coalesce(p.kind, ''), coalesce(p.summary, ''),
                coalesce(p.environment, ''), coalesce(p.tier, ''), d.verdict, d.decided_by, d.grant_id, d.note, d.digest,
                coalesce(p.reasons, '[]'), p.action,
                (SELECT o.status FROM outcomes o WHERE o.session_id = d.session_id AND o.proposal_id = d.proposal_id ORDER BY o.reported_at DESC LIMIT 1),
                (SELECT o.exit_code FROM outcomes o WHERE o.session_id = d.session_id AND o.proposal_id = d.proposal_id ORDER BY o.reported_at DESC LIMIT 1)
         FROM decisions d LEFT JOIN proposals p ON p.session_id = d.session_id AND p.proposal_id = d.proposal_id
         {where_clause}
         ORDER BY d.seq {order} LIMIT ?{} OFFSET ?{}",
        conditions.len() + 1,
        conditions.len() + 2
    );
    let sqlite = |source| store.sqlite(source);
    let mut statement = store.conn.prepare(&sql).map_err(sqlite)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values), |r| {
            let reasons: String = r.get(14)?;
            Ok(HistoryRow {
                seq: r.get(0)?,
                decided_at_ms: r.get(1)?,
                session_id: r.get(2)?,
                proposal_id: r.get(3)?,
                agent: r.get(4)?,
                kind: r.get(5)?,
                summary: r.get(6)?,
                environment: r.get(7)?,
                tier: r.get(8)?,
                verdict: r.get(9)?,
                decided_by: r.get(10)?,
                grant_id: r.get(11)?,
                note: r.get(12)?,
                action_digest: r.get(13)?,
                reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                action: r
                    .get::<_, Option<Vec<u8>>>(15)?
                    .and_then(|bytes| Action::from_bytes(&bytes).ok()),
                outcome: r.get(16)?,
                exit_code: r.get(17)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(sqlite)?;
    Ok(rows)
}

/// Rows a history page holds, at most.
pub const PAGE_ROWS: u64 = 200;

/// A page of the history a screen asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryRequest {
    Sessions { text: Option<String>, offset: u64 },
    Actions(Filter),
}

/// A page of the history, for the request it answers.
#[derive(Debug, Clone)]
pub enum HistoryPage {
    Sessions { offset: u64, rows: Vec<SessionRow> },
    Actions { offset: u64, rows: Vec<HistoryRow> },
}

/// One page of the history in `dir`, read with a connection of its own (blocking: call it off
/// an async task). At most [`PAGE_ROWS`] rows, whatever the request's limit.
pub fn page(dir: &std::path::Path, request: HistoryRequest) -> Result<HistoryPage, String> {
    let store = Store::open(dir).map_err(|e| e.to_string())?;
    match request {
        HistoryRequest::Sessions { text, offset } => {
            sessions(&store, text.as_deref(), offset, PAGE_ROWS)
                .map(|rows| HistoryPage::Sessions { offset, rows })
        }
        HistoryRequest::Actions(mut filter) => {
            let offset = filter.offset;
            filter.limit = Some(filter.limit.unwrap_or(PAGE_ROWS).min(PAGE_ROWS));
            rows(&store, &filter).map(|rows| HistoryPage::Actions { offset, rows })
        }
    }
    .map_err(|e| e.to_string())
}

/// [`page`] on a blocking thread, for async callers.
pub async fn read_page(
    dir: std::path::PathBuf,
    request: HistoryRequest,
) -> Result<HistoryPage, String> {
    tokio::task::spawn_blocking(move || page(&dir, request))
        .await
        .map_err(|error| format!("the history could not be read: {error}"))?
}

/// One session, with how its actions were decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub agent: String,
    pub agent_kind: String,
    pub model: String,
    pub workspace: String,
    pub opened_at_ms: i64,
    pub closed_at_ms: Option<i64>,
    pub approved: u64,
    pub denied: u64,
    pub expired: u64,
    pub withdrawn: u64,
}

/// Sessions newest first, a page at a time; `text` matches the agent or the workspace.
pub fn sessions(
    store: &Store,
    text: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<Vec<SessionRow>, StoreError> {
    let sqlite = |source| store.sqlite(source);
    let mut statement = store
        .conn
        .prepare(
            "SELECT id, agent_name, agent_kind, model, workspace, opened_at, closed_at FROM sessions
             WHERE (?1 IS NULL OR instr(lower(agent_name), lower(?1)) > 0 OR instr(lower(agent_kind), lower(?1)) > 0 OR instr(lower(workspace), lower(?1)) > 0)
             ORDER BY opened_at DESC LIMIT ?2 OFFSET ?3",
        )
        .map_err(sqlite)?;
    let mut rows: Vec<SessionRow> = statement
        .query_map(
            params![
                text,
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX)
            ],
            |r| {
                Ok(SessionRow {
                    id: r.get(0)?,
                    agent: r.get(1)?,
                    agent_kind: r.get(2)?,
                    model: r.get(3)?,
                    workspace: r.get(4)?,
                    opened_at_ms: r.get(5)?,
                    closed_at_ms: r.get(6)?,
                    approved: 0,
                    denied: 0,
                    expired: 0,
                    withdrawn: 0,
                })
            },
        )
        .and_then(Iterator::collect)
        .map_err(sqlite)?;
    // Counts for this page only, from the (session, verdict) index.
    let mut counts = store
        .conn
        .prepare("SELECT verdict, count(*) FROM decisions WHERE session_id = ?1 GROUP BY verdict")
        .map_err(sqlite)?;
    for row in &mut rows {
        let per_verdict: Vec<(String, i64)> = counts
            .query_map([&row.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(sqlite)?;
        for (verdict, count) in per_verdict {
            let count = count.unsigned_abs();
            match verdict.as_str() {
                "approved" => row.approved = count,
                "denied" => row.denied = count,
                "expired" => row.expired = count,
                _ => row.withdrawn += count,
            }
        }
    }
    Ok(rows)
}
