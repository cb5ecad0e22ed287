//! The journal: where a decision is made durable before its agent hears it. One `write` appends
//! every record of a group commit; the indexer copies them into SQLite behind it, and the journal
//! is emptied once SQLite holds all of it (and at every start, after replaying what SQLite lacks).
//!
//! A record on disk is `length (u32 LE) · CRC-32 of the payload (u32 LE) · payload (JSON)`. A
//! record cut short or failing its checksum ends the journal: it was never completely written, so
//! nobody was answered on it, and it is treated as never written.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "history.journal";

/// One row (or one change to a row) of the history, exactly as the index stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    SessionOpened {
        id: String,
        agent_kind: String,
        agent_name: String,
        model: String,
        workspace: String,
        host: String,
        pid: u32,
        labels: String,
        at: i64,
    },
    SessionClosed {
        id: String,
        at: i64,
    },
    /// A proposal, waiting (`decided` false) or decided; a decided one already recorded waiting
    /// only has its `decided` flag set.
    Proposal {
        session: String,
        proposal: String,
        agent: String,
        kind: String,
        summary: String,
        /// The action's protocol bytes, in hex.
        action: String,
        digest: String,
        environment: String,
        tier: String,
        reasons: String,
        policy_version: String,
        arrived_at: i64,
        expires_at: i64,
        decided: bool,
    },
    /// A link of the hash chain, computed once, when it was journaled.
    Decision {
        seq: i64,
        session: String,
        proposal: String,
        verdict: String,
        decided_by: String,
        grant_id: String,
        note: String,
        digest: String,
        decided_at: i64,
        prev_hash: String,
        hash: String,
    },
    Outcome {
        session: String,
        proposal: String,
        status: String,
        exit_code: Option<i32>,
        result: String,
        at: i64,
    },
    Granted {
        id: String,
        session: String,
        description: String,
        at: i64,
        expires_at: i64,
    },
    GrantEnded {
        id: String,
        at: i64,
    },
}

/// A record with its place in the journal: numbers only grow, across runs, so that replay skips
/// what SQLite already holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbered {
    pub n: u64,
    #[serde(flatten)]
    pub record: Record,
}

const HEADER: usize = 8;

/// Appends `record`'s frame to `out`.
pub fn encode(record: &Numbered, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    serde_json::to_writer(&mut *out, record).expect("a record serialises");
    let payload = &out[start + HEADER..];
    let length = u32::try_from(payload.len()).expect("a record under 4 GiB");
    let crc = crc32fast::hash(payload);
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
    out[start + 4..start + HEADER].copy_from_slice(&crc.to_le_bytes());
}

/// What a journal holds: its whole records, and how many bytes after them were cut short or
/// damaged (a torn last write), if any.
#[derive(Debug, Default)]
pub struct Contents {
    pub records: Vec<Numbered>,
    pub torn: u64,
}

/// Reads the journal in `dir`; none is an empty one.
pub fn read(dir: &Path) -> std::io::Result<Contents> {
    let mut bytes = Vec::new();
    match File::open(dir.join(FILE_NAME)) {
        Ok(mut file) => {
            file.read_to_end(&mut bytes)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    Ok(decode(&bytes))
}

fn decode(bytes: &[u8]) -> Contents {
    let mut contents = Contents::default();
    let mut at = 0;
    while at < bytes.len() {
        let record = bytes.get(at..at + HEADER).and_then(|header| {
            let length = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
            let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
            let payload = bytes.get(at + HEADER..at + HEADER + length)?;
            let record = (crc32fast::hash(payload) == crc)
                .then(|| serde_json::from_slice::<Numbered>(payload).ok())??;
            Some((record, HEADER + length))
        });
        let Some((record, size)) = record else {
            contents.torn = (bytes.len() - at) as u64;
            break;
        };
        contents.records.push(record);
        at += size;
    }
    contents
}

/// How much a journal write must survive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// A crash of the console: the record is in the operating system's hands before the agent
    /// hears its answer.
    #[default]
    Process,
    /// A power loss or an OS crash too: the journal is flushed to the disk (fdatasync) before
    /// the agents of a group commit hear their answers.
    Power,
}

/// The journal open for appending, by the one console that holds its lock.
pub(super) struct Journal {
    file: File,
    opened: super::Opened,
    /// Its length: everything before it is whole records.
    len: u64,
    durability: Durability,
}

impl Journal {
    /// Opens (creating) the journal in `dir` and takes its lock; `None` when another process
    /// (a running console) holds it.
    pub fn lock(dir: &Path) -> std::io::Result<Option<Journal>> {
        use std::os::fd::AsRawFd;
        let path = dir.join(FILE_NAME);
        let file = File::options()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        // SAFETY: the descriptor is open for the call.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let error = std::io::Error::last_os_error();
            return match error.raw_os_error() {
                Some(libc::EWOULDBLOCK) => Ok(None),
                _ => Err(error),
            };
        }
        let meta = file.metadata()?;
        Ok(Some(Journal {
            file,
            opened: super::Opened::new(path, &meta),
            len: meta.len(),
            durability: Durability::Process,
        }))
    }

    pub fn opened(&self) -> &super::Opened {
        &self.opened
    }

    pub fn bytes(&self) -> u64 {
        self.len
    }

    pub fn set_durability(&mut self, durability: Durability) {
        self.durability = durability;
    }

    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// Appends whole frames in one write (flushed to the disk with [`Durability::Power`]). On an
    /// error the journal is cut back to its last whole record, so that a later append does not
    /// follow a torn one.
    pub fn append(&mut self, frames: &[u8]) -> std::io::Result<()> {
        let written = self
            .file
            .write_all(frames)
            .and_then(|()| match self.durability {
                Durability::Process => Ok(()),
                Durability::Power => self.file.sync_data(),
            });
        match written {
            Ok(()) => {
                self.len += frames.len() as u64;
                Ok(())
            }
            Err(error) => {
                if self.file.set_len(self.len).is_err() {
                    tracing::error!(path = %self.opened.path().display(), "could not cut a failed journal write back");
                }
                Err(error)
            }
        }
    }

    /// Empties the journal: everything in it is in SQLite.
    pub fn clear(&mut self) -> std::io::Result<()> {
        self.file.set_len(0)?;
        if self.durability == Durability::Power {
            self.file.sync_data()?;
        }
        self.len = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: u64) -> Numbered {
        Numbered {
            n,
            record: Record::SessionClosed {
                id: format!("s{n}"),
                at: 1_000 + n as i64,
            },
        }
    }

    #[test]
    fn whole_records_are_read_back_and_a_torn_last_one_is_left_out() {
        let mut bytes = Vec::new();
        for n in 1..=3 {
            encode(&numbered(n), &mut bytes);
        }
        let whole = bytes.len();
        let read = decode(&bytes);
        assert_eq!(read.records, (1..=3).map(numbered).collect::<Vec<_>>());
        assert_eq!(read.torn, 0);
        // Every way a last write can be cut short: only the whole records before it are read.
        encode(&numbered(4), &mut bytes);
        for cut in whole + 1..bytes.len() {
            let read = decode(&bytes[..cut]);
            assert_eq!(read.records.len(), 3, "cut at {cut}");
            assert_eq!(read.torn, (cut - whole) as u64);
        }
        // A flipped bit in the last record fails its checksum.
        let last = bytes.len() - 3;
        bytes[last] ^= 0x01;
        let read = decode(&bytes);
        assert_eq!(
            (read.records.len(), read.torn),
            (3, (bytes.len() - whole) as u64)
        );
    }
}
