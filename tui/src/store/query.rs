//! Reading the history back: decisions with what they decided on, newest first.

use rusqlite::params;
use serde::Serialize;

use super::{Store, StoreError};

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub session: Option<String>,
    /// Only decisions at or after this time (Unix ms).
    pub since_ms: Option<i64>,
    pub verdict: Option<String>,
    /// At most this many rows; `None` for all.
    pub limit: Option<u64>,
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
}

pub fn rows(store: &Store, filter: &Filter) -> Result<Vec<HistoryRow>, StoreError> {
    let order = if filter.oldest_first { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT d.seq, d.decided_at, d.session_id, d.proposal_id, coalesce(p.agent, ''), coalesce(p.kind, ''), coalesce(p.summary, ''),
                coalesce(p.environment, ''), coalesce(p.tier, ''), d.verdict, d.decided_by, d.grant_id, d.note, d.digest,
                coalesce(p.reasons, '[]'),
                (SELECT o.status FROM outcomes o WHERE o.session_id = d.session_id AND o.proposal_id = d.proposal_id ORDER BY o.reported_at DESC LIMIT 1),
                (SELECT o.exit_code FROM outcomes o WHERE o.session_id = d.session_id AND o.proposal_id = d.proposal_id ORDER BY o.reported_at DESC LIMIT 1)
         FROM decisions d LEFT JOIN proposals p ON p.session_id = d.session_id AND p.proposal_id = d.proposal_id
         WHERE (?1 IS NULL OR d.session_id = ?1) AND (?2 IS NULL OR d.decided_at >= ?2) AND (?3 IS NULL OR d.verdict = ?3)
         ORDER BY d.seq {order} LIMIT ?4"
    );
    let limit = filter
        .limit
        .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let conn = &store.conn;
    let sqlite = |source| StoreError::Sqlite {
        path: store.path.clone(),
        source,
    };
    let mut statement = conn.prepare(&sql).map_err(sqlite)?;
    let rows = statement
        .query_map(
            params![filter.session, filter.since_ms, filter.verdict, limit],
            |r| {
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
                    outcome: r.get(15)?,
                    exit_code: r.get(16)?,
                })
            },
        )
        .and_then(Iterator::collect)
        .map_err(sqlite)?;
    Ok(rows)
}
