//! SQLite as the index of the journal: each record becomes its row (or its change to a row), and
//! the number of the last record indexed is kept in the same transaction, so that a record is
//! indexed exactly once, however often the journal is replayed.

use rusqlite::{Connection, Transaction, params};

use super::journal::{Numbered, Record};

/// The number of the newest journal record SQLite holds (0 before the first).
pub fn indexed_through(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT n FROM journal_indexed", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(i64::cast_unsigned)
}

/// Indexes `records` in one transaction, skipping those already indexed.
pub fn index(conn: &mut Connection, records: &[Numbered]) -> rusqlite::Result<()> {
    // Immediate: another writer's lock is waited for (the busy timeout), not failed on.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let through = indexed_through(&tx)?;
    let mut newest = through;
    for numbered in records.iter().filter(|numbered| numbered.n > through) {
        row(&tx, &numbered.record)?;
        newest = newest.max(numbered.n);
    }
    tx.prepare_cached("UPDATE journal_indexed SET n = ?1")?
        .execute([newest.cast_signed()])?;
    tx.commit()
}

/// Writes one record's row.
pub fn row(tx: &Transaction, record: &Record) -> rusqlite::Result<()> {
    match record {
        Record::SessionOpened {
            id,
            agent_kind,
            agent_name,
            model,
            workspace,
            host,
            pid,
            labels,
            at,
        } => {
            tx.prepare_cached("INSERT OR REPLACE INTO sessions (id, agent_kind, agent_name, model, workspace, host, pid, labels, opened_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?
                .execute(params![id, agent_kind, agent_name, model, workspace, host, pid, labels, at])?;
        }
        Record::SessionClosed { id, at } => {
            tx.prepare_cached("UPDATE sessions SET closed_at = ?2 WHERE id = ?1")?
                .execute(params![id, at])?;
        }
        Record::Proposal {
            session,
            proposal,
            agent,
            kind,
            summary,
            action,
            digest,
            environment,
            tier,
            reasons,
            policy_version,
            arrived_at,
            expires_at,
            decided,
        } => {
            let action = hex::decode(action)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            // A streamed action is inserted decided: the index of open proposals never holds it.
            tx.prepare_cached("INSERT INTO proposals (session_id, proposal_id, agent, kind, summary, action, digest, environment, tier, reasons, policy_version, arrived_at, expires_at, decided) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (session_id, proposal_id) DO UPDATE SET decided = 1 WHERE excluded.decided = 1")?
                .execute(params![session, proposal, agent, kind, summary, action, digest, environment, tier, reasons, policy_version, arrived_at, expires_at, decided])?;
        }
        Record::Decision { .. } => {
            let (f, hash) = record.chained().expect("a decision is chained");
            tx.prepare_cached("INSERT INTO decisions (seq, session_id, proposal_id, verdict, decided_by, grant_id, note, digest, decided_at, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?
                .execute(params![f.seq, f.session, f.proposal, f.verdict, f.decided_by, f.grant_id, f.note, f.digest, f.decided_at, f.prev_hash, hash])?;
        }
        Record::Outcome {
            session,
            proposal,
            status,
            exit_code,
            result,
            at,
        } => {
            tx.prepare_cached("INSERT INTO outcomes (session_id, proposal_id, status, exit_code, result, reported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![session, proposal, status, exit_code, result, at])?;
        }
        Record::Granted {
            id,
            session,
            description,
            at,
            expires_at,
        } => {
            tx.prepare_cached("INSERT INTO grants (id, session_id, description, granted_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![id, session, description, at, expires_at])?;
        }
        Record::GrantEnded { id, at } => {
            tx.prepare_cached(
                "UPDATE grants SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
            )?
            .execute(params![id, at])?;
        }
    }
    Ok(())
}
