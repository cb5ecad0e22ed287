//! The history's schema and its migrations. `PRAGMA user_version` is the schema version; each
//! migration moves it up by one, in one transaction. `PRAGMA application_id` marks the file as
//! signoff's.

use rusqlite::Connection;

/// "SGNF"
pub const APPLICATION_ID: i64 = 0x5347_4E46;

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        agent_kind TEXT NOT NULL, agent_name TEXT NOT NULL, model TEXT NOT NULL,
        workspace TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, labels TEXT NOT NULL,
        opened_at INTEGER NOT NULL, closed_at INTEGER
    );
    CREATE INDEX sessions_by_start ON sessions (opened_at);
    CREATE TABLE proposals (
        session_id TEXT NOT NULL, proposal_id TEXT NOT NULL,
        agent TEXT NOT NULL, kind TEXT NOT NULL, summary TEXT NOT NULL,
        action BLOB NOT NULL, digest TEXT NOT NULL,
        environment TEXT NOT NULL, tier TEXT NOT NULL, reasons TEXT NOT NULL, policy_version TEXT NOT NULL,
        arrived_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        -- 0 until a decision is recorded: what a crash leaves open is found without a scan.
        decided INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (session_id, proposal_id)
    );
    CREATE INDEX proposals_open ON proposals (decided) WHERE decided = 0;
    CREATE TABLE decisions (
        seq INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL, proposal_id TEXT NOT NULL,
        verdict TEXT NOT NULL, decided_by TEXT NOT NULL, grant_id TEXT NOT NULL, note TEXT NOT NULL,
        digest TEXT NOT NULL, decided_at INTEGER NOT NULL,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL
    );
    CREATE INDEX decisions_by_time ON decisions (decided_at);
    CREATE INDEX decisions_by_verdict ON decisions (verdict, seq);
    -- A session's decisions newest first, and its counts per verdict.
    CREATE INDEX decisions_by_session ON decisions (session_id, seq);
    CREATE INDEX decisions_by_session_verdict ON decisions (session_id, verdict);
    CREATE TABLE grants (
        id TEXT NOT NULL, session_id TEXT NOT NULL, description TEXT NOT NULL,
        granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, ended_at INTEGER
    );
    CREATE TABLE outcomes (
        session_id TEXT NOT NULL, proposal_id TEXT NOT NULL,
        status TEXT NOT NULL, exit_code INTEGER, result TEXT NOT NULL, reported_at INTEGER NOT NULL
    );
    CREATE INDEX outcomes_by_proposal ON outcomes (session_id, proposal_id);
    -- Where the chain starts when old records were pruned: the hash of the last one removed.
    CREATE TABLE chain_anchor (seq INTEGER NOT NULL, hash TEXT NOT NULL);
    "#,
    // 2: the journal in front of SQLite; the number of the last journal record indexed.
    r#"
    CREATE TABLE journal_indexed (n INTEGER NOT NULL);
    INSERT INTO journal_indexed (n) VALUES (0);
    "#,
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies every migration after `from`.
pub fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
