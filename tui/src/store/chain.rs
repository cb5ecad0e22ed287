//! The tamper-evident chain of decisions. Record *n* stores the hash of record *n − 1* and its own
//! hash over its fields and that link, so editing a record breaks its hash, removing one leaves a
//! gap in the sequence, and re-hashing an edit breaks the next record's link. Each decision also
//! names the digest of its action, checked against the action stored with the proposal.
//! (Removing the newest records leaves no trace in a chain; `history` shows the last sequence
//! number so a reviewer can compare it with what they saw.)

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use signoff_protocol::{Action, ActionDigest, DecidedBy, Decision, to_unix_ms};

use super::journal::{Numbered, Record};
use crate::queue::ProposalKey;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where verification found the chain broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("record {seq} was altered: its contents no longer match its hash")]
    Altered { seq: i64 },
    #[error("record {seq} is missing: it was removed from the history")]
    Missing { seq: i64 },
    #[error(
        "record {seq} does not follow record {previous}: a record between them was removed or re-written"
    )]
    Unlinked { seq: i64, previous: i64 },
    #[error(
        "record {seq} decides an action other than the one stored for its proposal: the action was altered"
    )]
    ActionAltered { seq: i64 },
    #[error("the history cannot be read: {0}")]
    Unreadable(String),
}

pub(super) struct Fields<'a> {
    pub seq: i64,
    pub session: &'a str,
    pub proposal: &'a str,
    pub verdict: &'a str,
    pub decided_by: &'a str,
    pub grant_id: &'a str,
    pub note: &'a str,
    pub digest: &'a str,
    pub decided_at: i64,
    pub prev_hash: &'a str,
}

pub(super) fn hash(fields: &Fields) -> String {
    let mut sha = Sha256::new();
    let seq = fields.seq.to_string();
    let decided_at = fields.decided_at.to_string();
    for part in [
        "signoff.history.v1",
        &seq,
        fields.session,
        fields.proposal,
        fields.verdict,
        fields.decided_by,
        fields.grant_id,
        fields.note,
        fields.digest,
        &decided_at,
        fields.prev_hash,
    ] {
        sha.update((part.len() as u64).to_be_bytes());
        sha.update(part.as_bytes());
    }
    hex::encode(sha.finalize())
}

/// The newest link of the chain: the sequence number and hash of the newest record, or the
/// anchor left by pruning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub hash: String,
}

impl Link {
    /// The newest link SQLite holds.
    pub fn last(conn: &Connection) -> rusqlite::Result<Link> {
        let newest = conn
            .prepare_cached("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| {
                Ok(Link {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            })
            .optional()?;
        match newest {
            Some(link) => Ok(link),
            None => anchor(conn),
        }
    }

    /// Chains `decision` after this link, which moves to it: the record to write.
    pub fn next(&mut self, key: &ProposalKey, decision: &Decision) -> Record {
        let grant_id = match &decision.decided_by {
            DecidedBy::Grant(id) => id.as_str(),
            _ => "",
        };
        let digest = decision.action_digest.to_hex();
        let fields = Fields {
            seq: self.seq + 1,
            session: &key.session.0,
            proposal: &key.proposal.0,
            verdict: decision.verdict.as_str(),
            decided_by: decision.decided_by.who(),
            grant_id,
            note: &decision.note,
            digest: &digest,
            decided_at: to_unix_ms(decision.decided_at),
            prev_hash: &self.hash,
        };
        let hash = hash(&fields);
        let (seq, decided_at) = (fields.seq, fields.decided_at);
        let (verdict, decided_by) = (fields.verdict.to_string(), fields.decided_by.to_string());
        let record = Record::Decision {
            seq,
            session: key.session.0.clone(),
            proposal: key.proposal.0.clone(),
            verdict,
            decided_by,
            grant_id: grant_id.into(),
            note: decision.note.clone(),
            digest,
            decided_at,
            prev_hash: std::mem::replace(&mut self.hash, hash.clone()),
            hash,
        };
        self.seq = seq;
        record
    }
}

impl Record {
    /// A decision's fields as the chain hashes them, and its stored hash.
    pub(super) fn chained(&self) -> Option<(Fields<'_>, &str)> {
        let Record::Decision {
            seq,
            session,
            proposal,
            verdict,
            decided_by,
            grant_id,
            note,
            digest,
            decided_at,
            prev_hash,
            hash,
        } = self
        else {
            return None;
        };
        let fields = Fields {
            seq: *seq,
            session,
            proposal,
            verdict,
            decided_by,
            grant_id,
            note,
            digest,
            decided_at: *decided_at,
            prev_hash,
        };
        Some((fields, hash))
    }
}

fn anchor(conn: &Connection) -> rusqlite::Result<Link> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM chain_anchor ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(Link {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            },
        )
        .optional()?
        .unwrap_or(Link {
            seq: 0,
            hash: GENESIS.to_string(),
        }))
}

/// Follows the chain record by record.
struct Checker {
    previous: Link,
    checked: u64,
}

impl Checker {
    /// Checks the next record: its hash, its link, its sequence number, and the digest of the
    /// action stored for its proposal (`action`, when there is one).
    fn check(
        &mut self,
        fields: &Fields,
        stored_hash: &str,
        action: Option<&[u8]>,
    ) -> Result<(), Broken> {
        let seq = fields.seq;
        if seq != self.previous.seq + 1 {
            return Err(Broken::Missing {
                seq: self.previous.seq + 1,
            });
        }
        if hash(fields) != stored_hash {
            return Err(Broken::Altered { seq });
        }
        if fields.prev_hash != self.previous.hash {
            return Err(Broken::Unlinked {
                seq,
                previous: self.previous.seq,
            });
        }
        let stored_digest = action
            .and_then(|bytes| Action::from_bytes(bytes).ok())
            .map(|a| ActionDigest::of(&a).to_hex());
        if stored_digest.is_some_and(|d| d != fields.digest) {
            return Err(Broken::ActionAltered { seq });
        }
        self.previous = Link {
            seq,
            hash: stored_hash.to_string(),
        };
        self.checked += 1;
        Ok(())
    }
}

/// Recomputes the chain from its start: through SQLite, then through the `journal`'s records
/// SQLite does not hold yet. The number of records checked, or the first break.
pub fn verify(conn: &Connection, journal: &[Numbered]) -> Result<u64, Broken> {
    let unreadable = |e: rusqlite::Error| Broken::Unreadable(e.to_string());
    let mut checker = Checker {
        previous: anchor(conn).map_err(unreadable)?,
        checked: 0,
    };
    let mut statement = conn
        .prepare("SELECT d.seq, d.session_id, d.proposal_id, d.verdict, d.decided_by, d.grant_id, d.note, d.digest, d.decided_at, d.prev_hash, d.hash, p.action FROM decisions d LEFT JOIN proposals p ON p.session_id = d.session_id AND p.proposal_id = d.proposal_id ORDER BY d.seq")
        .map_err(unreadable)?;
    let mut rows = statement.query([]).map_err(unreadable)?;
    while let Some(row) = rows.next().map_err(unreadable)? {
        let text = |i: usize| row.get::<_, String>(i).map_err(unreadable);
        let (session, proposal, verdict, decided_by, grant_id, note, digest) = (
            text(1)?,
            text(2)?,
            text(3)?,
            text(4)?,
            text(5)?,
            text(6)?,
            text(7)?,
        );
        let (stored_prev, stored_hash) = (text(9)?, text(10)?);
        let action: Option<Vec<u8>> = row.get(11).map_err(unreadable)?;
        let fields = Fields {
            seq: row.get(0).map_err(unreadable)?,
            session: &session,
            proposal: &proposal,
            verdict: &verdict,
            decided_by: &decided_by,
            grant_id: &grant_id,
            note: &note,
            digest: &digest,
            decided_at: row.get(8).map_err(unreadable)?,
            prev_hash: &stored_prev,
        };
        checker.check(&fields, &stored_hash, action.as_deref())?;
    }
    // The journal's tail: the records after the newest SQLite holds. Their actions are in the
    // journal too, or (decided after waiting) already in SQLite.
    let journaled_actions: std::collections::HashMap<(&str, &str), &str> = journal
        .iter()
        .filter_map(|numbered| match &numbered.record {
            Record::Proposal {
                session,
                proposal,
                action,
                ..
            } => Some(((session.as_str(), proposal.as_str()), action.as_str())),
            _ => None,
        })
        .collect();
    for (fields, hash) in journal
        .iter()
        .filter_map(|numbered| numbered.record.chained())
    {
        if fields.seq <= checker.previous.seq {
            continue;
        }
        let key = (fields.session, fields.proposal);
        let action = match journaled_actions.get(&key) {
            Some(action) => hex::decode(action).ok(),
            None => conn
                .query_row(
                    "SELECT action FROM proposals WHERE session_id = ?1 AND proposal_id = ?2",
                    params![key.0, key.1],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unreadable)?,
        };
        checker.check(&fields, hash, action.as_deref())?;
    }
    Ok(checker.checked)
}

/// Removes up to `limit` of the oldest decisions made before `cutoff_ms` (a prefix of the chain),
/// with their proposals and outcomes, and moves the anchor past them.
pub fn prune_batch(conn: &mut Connection, cutoff_ms: i64, limit: i64) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let doomed: Vec<(i64, String, String, String, i64)> = {
        let mut statement = tx.prepare("SELECT seq, hash, session_id, proposal_id, decided_at FROM decisions ORDER BY seq LIMIT ?1")?;
        let rows = statement.query_map([limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .take_while(|row| row.4 < cutoff_ms)
            .collect()
    };
    let Some((last_seq, last_hash, ..)) = doomed.last().cloned() else {
        return Ok(0);
    };
    for (seq, _, session, proposal, _) in &doomed {
        tx.execute("DELETE FROM decisions WHERE seq = ?1", [seq])?;
        tx.execute(
            "DELETE FROM proposals WHERE session_id = ?1 AND proposal_id = ?2",
            params![session, proposal],
        )?;
        tx.execute(
            "DELETE FROM outcomes WHERE session_id = ?1 AND proposal_id = ?2",
            params![session, proposal],
        )?;
    }
    tx.execute("DELETE FROM chain_anchor", [])?;
    tx.execute(
        "INSERT INTO chain_anchor (seq, hash) VALUES (?1, ?2)",
        params![last_seq, last_hash],
    )?;
    tx.execute(
        "DELETE FROM sessions WHERE closed_at IS NOT NULL AND closed_at < ?1 AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.session_id = sessions.id)",
        [cutoff_ms],
    )?;
    tx.commit()?;
    Ok(doomed.len())
}
