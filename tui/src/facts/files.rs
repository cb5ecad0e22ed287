//! Reads the configuration files the policy asks for: regular files only (a FIFO would block,
//! a device never end), opened without blocking, at most [`MAX_LEN`] bytes; remembered until
//! the file changes (device, inode, size, modification and change times), so that a warm
//! look-up costs one `stat`.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::policy::{Content, FileText};

/// Configuration files are small; anything larger is not one.
pub const MAX_LEN: u64 = 1024 * 1024;
/// Files remembered at most; past it the cache starts again.
const MAX_ENTRIES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signature {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Signature {
    fn of(meta: &std::fs::Metadata) -> Signature {
        Signature {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Files read, with the signature they had.
#[derive(Default)]
pub struct FileCache {
    entries: Mutex<HashMap<String, (Signature, Arc<Content>)>>,
}

impl FileCache {
    /// The file at `path` now.
    pub fn read(&self, path: &Path) -> FileText {
        let key = path.to_string_lossy().into_owned();
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return FileText::Missing;
            }
            Err(_) => return FileText::Unreadable,
        };
        if !meta.is_file() || meta.len() > MAX_LEN {
            return FileText::Unreadable;
        }
        let signature = Signature::of(&meta);
        if let Some((cached, text)) = self.lock().get(&key)
            && *cached == signature
        {
            return FileText::Text(text.clone());
        }
        let Some((signature, text)) = read_regular(path) else {
            return FileText::Unreadable;
        };
        let FileText::Text(content) = FileText::text(text) else {
            unreachable!("FileText::text makes a text")
        };
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (signature, content.clone()));
        FileText::Text(content)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Signature, Arc<Content>)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The text of a regular file, checked on the open file (it may have been swapped since the
/// `stat`), with the signature it had when read.
fn read_regular(path: &Path) -> Option<(Signature, String)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_LEN {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_LEN).read_to_string(&mut text).ok()?;
    Some((Signature::of(&meta), text))
}
