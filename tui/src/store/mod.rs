//! The history: every session, proposal, assessment, decision, grant and outcome.
//!
//! Written from the same events the screen sees ([`writer`]): first to the [`journal`], before
//! the agent hears its decision (docs/concepts.md invariant 4), then into SQLite, which [`index`]es it
//! for the history's pages and `signoff history`. Each decision carries a hash chaining it to the
//! one before ([`chain`]), so an edited or removed record is found by `signoff history verify`,
//! which reads the journal's tail too.
//!
//! Durability ([`Durability`]): by default a record is in the operating system's hands before
//! its agent is answered, which survives a crash of the console; `--durability power` flushes
//! the journal to the disk first, which survives a power loss too. SQLite runs in WAL mode with
//! `synchronous = NORMAL` (`FULL` with `power`): the journal is emptied only once SQLite holds
//! all of it, and whatever SQLite lacks is replayed from the journal when the history is opened.

mod chain;
mod index;
pub mod journal;
mod query;
mod schema;
pub mod writer;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::{Connection, OptionalExtension, params};
use signoff_protocol::{DecidedBy, Decision, ProposalId, SessionId, Verdict, to_unix_ms};

pub use chain::Broken;
pub use journal::Durability;
pub use query::{
    Filter, HistoryPage, HistoryRequest, HistoryRow, PAGE_ROWS, SessionRow, page, read_page, rows,
    sessions,
};

use crate::queue::ProposalKey;

/// The note on proposals a previous run left undecided.
pub const WITHDRAWN_AT_START: &str = "the console stopped before anyone decided";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} was written by a newer signoff (history schema {found}; this one knows up to {known}); it is left untouched"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{path} is not a signoff history database; it is left untouched (move it away or pass --data-dir)"
    )]
    NotSignoff { path: PathBuf },
    #[error(
        "{path} is damaged ({error}); it is left untouched: move it aside to start a new history (it may still be read with the sqlite3 tool), or pass --data-dir"
    )]
    Damaged {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error("history database {path}: {error}")]
    Sqlite {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error(
        "cannot write in {path} ({source}); the history must be writable, since nothing is approved that is not recorded (make it writable, or pass --data-dir)"
    )]
    ReadOnly {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The user's data directory: `--data-dir`, else `SIGNOFF_DATA_DIR`, else
/// `$XDG_DATA_HOME/signoff`.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "signoff").map(|dirs| dirs.data_dir().to_path_buf())
}

pub const FILE_NAME: &str = "history.sqlite3";

/// An SQLite error on the history at `path`; damage is told apart, since the file must then be
/// moved aside by a person.
fn sqlite_error(path: &Path, error: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => StoreError::Damaged { path, error },
        _ => StoreError::Sqlite { path, error },
    }
}

/// Whether files can be made in `dir` (SQLite makes its journal beside the history): a
/// read-only filesystem or a directory without write permission is found before SQLite says
/// only "unable to open database file".
fn writable(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let dir = std::ffi::CString::new(dir.as_os_str().as_bytes())?;
    // SAFETY: `dir` is a valid NUL-terminated string that outlives the call.
    if unsafe { libc::access(dir.as_ptr(), libc::W_OK) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// A file as it was opened: its path, and the (device, inode) the path named then, to notice it
/// removed or replaced under the console (what is written then would be lost with the console).
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    path: PathBuf,
    identity: (u64, u64),
}

impl Opened {
    fn new(path: PathBuf, meta: &std::fs::Metadata) -> Opened {
        Opened {
            path,
            identity: (meta.dev(), meta.ino()),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the path still names the file opened.
    pub(crate) fn in_place(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|meta| (meta.dev(), meta.ino()) == self.identity)
    }
}

pub struct Store {
    conn: Connection,
    file: Opened,
    /// The journal, when no other process (a running console) holds it: its tail was replayed
    /// into SQLite at opening, and it is the writer's to append to.
    journal: Option<journal::Journal>,
    /// The bytes of a record cut short at the journal's end, found and dropped at opening.
    torn: u64,
}

impl Store {
    /// Opens (creating) the history in `dir`, and brings its schema up to date. A file from a
    /// newer signoff, or that is not a signoff history, is refused and left as it is.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.into(),
            source,
        })?;
        writable(dir).map_err(|source| StoreError::ReadOnly {
            path: dir.into(),
            source,
        })?;
        let path = dir.join(FILE_NAME);
        let sqlite = |source| sqlite_error(&path, source);
        let conn = Connection::open(&path).map_err(sqlite)?;
        // Another connection (the console's writer, `signoff history`) may hold a lock for a moment.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sqlite)?;
        let identity: Result<(i64, i64, i64), rusqlite::Error> = conn.query_row(
            "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        );
        let (application_id, version, objects) = match identity {
            Ok(identity) => identity,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(StoreError::NotSignoff { path });
            }
            Err(e) => return Err(sqlite(e)),
        };
        if objects > 0 && application_id != schema::APPLICATION_ID {
            return Err(StoreError::NotSignoff { path });
        }
        if version > schema::LATEST {
            return Err(StoreError::Newer {
                path,
                found: version,
                known: schema::LATEST,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sqlite)?;
        let meta = std::fs::metadata(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let mut store = Store {
            conn,
            file: Opened::new(path, &meta),
            journal: None,
            torn: 0,
        };
        schema::migrate(&mut store.conn, version).map_err(|source| store.sqlite(source))?;
        store.replay(dir)?;
        Ok(store)
    }

    /// Takes the journal's lock, if no running console holds it, and indexes what SQLite lacks
    /// of it (what a crash left); the journal is then empty.
    fn replay(&mut self, dir: &Path) -> Result<(), StoreError> {
        let io = |source| StoreError::Io {
            path: dir.join(journal::FILE_NAME),
            source,
        };
        let Some(mut journal) = journal::Journal::lock(dir).map_err(io)? else {
            return Ok(());
        };
        let contents = journal::read(dir).map_err(io)?;
        if contents.torn > 0 {
            tracing::warn!(
                bytes = contents.torn,
                "the history's journal ends in a record cut short: it was never answered, and is dropped"
            );
        }
        self.torn = contents.torn;
        if !contents.records.is_empty() {
            // The journal is emptied next: what it held must be on the disk first.
            let replayed = self
                .conn
                .pragma_update(None, "synchronous", "FULL")
                .and_then(|()| index::index(&mut self.conn, &contents.records))
                .and_then(|()| self.conn.pragma_update(None, "synchronous", "NORMAL"));
            replayed.map_err(|e| self.sqlite(e))?;
        }
        if journal.bytes() > 0 {
            journal.clear().map_err(io)?;
        }
        self.journal = Some(journal);
        Ok(())
    }

    /// The bytes of a torn last record dropped from the journal at opening (0: none).
    pub fn torn(&self) -> u64 {
        self.torn
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    fn sqlite(&self, source: rusqlite::Error) -> StoreError {
        sqlite_error(self.path(), source)
    }

    /// Closes, as withdrawn, every proposal a previous run left waiting: the agents got no
    /// approval. Returns them.
    pub fn withdraw_unanswered(&mut self, now: SystemTime) -> Result<Vec<ProposalKey>, StoreError> {
        let sqlite = |source| sqlite_error(self.file.path(), source);
        let tx = self.conn.transaction().map_err(sqlite)?;
        let open: Vec<(String, String, String)> = {
            let mut statement = tx
                .prepare("SELECT session_id, proposal_id, digest FROM proposals WHERE decided = 0 ORDER BY rowid")
                .map_err(sqlite)?;
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .and_then(Iterator::collect)
                .map_err(sqlite)?
        };
        let mut link = chain::Link::last(&tx).map_err(sqlite)?;
        let mut keys = Vec::new();
        for (session, proposal, digest) in open {
            let key = ProposalKey {
                session: SessionId(session),
                proposal: ProposalId(proposal),
            };
            let decision = Decision {
                verdict: Verdict::Withdrawn,
                decided_by: DecidedBy::Console,
                note: WITHDRAWN_AT_START.into(),
                action_digest: signoff_protocol::ActionDigest::from_hex(&digest)
                    .unwrap_or(signoff_protocol::ActionDigest([0; 32])),
                decided_at: now,
            };
            let record = link.next(&key, &decision);
            index::row(&tx, &record)
                .and_then(|()| {
                    tx.execute(
                        "UPDATE proposals SET decided = 1 WHERE session_id = ?1 AND proposal_id = ?2",
                        params![key.session.0, key.proposal.0],
                    )
                })
                .map_err(sqlite)?;
            keys.push(key);
        }
        tx.execute(
            "UPDATE sessions SET closed_at = ?1 WHERE closed_at IS NULL",
            params![to_unix_ms(now)],
        )
        .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(keys)
    }

    /// Deletes what was decided more than `days` days ago, a batch at a time, keeping the chain
    /// verifiable from the oldest record kept. Returns how many decisions went.
    pub fn prune(&mut self, now: SystemTime, days: u32) -> Result<usize, StoreError> {
        let mut removed = 0;
        loop {
            let batch = self.prune_step(now, days, 5_000)?;
            removed += batch;
            if batch == 0 {
                return Ok(removed);
            }
        }
    }

    /// One step of [`Store::prune`]: at most `batch` decisions, in one short transaction.
    pub fn prune_step(
        &mut self,
        now: SystemTime,
        days: u32,
        batch: i64,
    ) -> Result<usize, StoreError> {
        let cutoff = to_unix_ms(now) - i64::from(days) * 86_400_000;
        chain::prune_batch(&mut self.conn, cutoff, batch).map_err(|e| self.sqlite(e))
    }

    /// Recomputes the hash chain through SQLite and then through `journal`, the records read
    /// from the journal before this store was opened (see [`journal::read`]): the number of
    /// records checked, or the first break.
    pub fn verify(&self, journal: &[journal::Numbered]) -> Result<u64, Broken> {
        chain::verify(&self.conn, journal)
    }

    /// The newest decision's sequence number, if any.
    pub fn last_seq(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT max(seq) FROM decisions", [], |row| row.get(0))
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.sqlite(e))
    }

    pub(crate) fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

#[cfg(test)]
mod tests;
