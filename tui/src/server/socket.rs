//! The console's Unix socket: private to the user, never two consoles on one path.

use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("another console is listening on {0} (quit it first, or pass --socket PATH)")]
    AnotherConsole(PathBuf),
    #[error("{0} exists and is not a socket; refusing to replace it")]
    NotASocket(PathBuf),
    #[error("{path} belongs to another user (uid {owner}); refusing to use it")]
    NotOurs { path: PathBuf, owner: u32 },
    #[error("cannot prepare {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SocketError + '_ {
    move |source| SocketError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A listening socket and its file.
pub struct BoundSocket {
    pub listener: UnixListener,
    pub file: SocketFile,
}

/// The socket's file, removed when dropped (unless another console has replaced it since).
pub struct SocketFile {
    path: PathBuf,
    inode: u64,
}

impl SocketFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if std::fs::symlink_metadata(&self.path).is_ok_and(|meta| meta.ino() == self.inode) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Binds `path` with mode 0600. A stale socket left by a dead console is replaced; a live one is
/// refused. The directory is created (0700) when missing.
pub fn bind(path: &Path) -> Result<BoundSocket, SocketError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    prepare_dir(dir)?;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_socket() => {
            return Err(SocketError::NotASocket(path.into()));
        }
        Ok(_) => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => return Err(SocketError::AnotherConsole(path.into())),
            // Nobody listens: a console died without cleaning up.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                std::fs::remove_file(path).map_err(io_error(path))?;
                tracing::info!(path = %path.display(), "replaced a stale socket");
            }
            Err(e) => {
                return Err(SocketError::Io {
                    path: path.into(),
                    source: e,
                });
            }
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(SocketError::Io {
                path: path.into(),
                source: e,
            });
        }
    }

    // Bind under a temporary name, make it private, then move it into place: the socket is never
    // reachable under its real name with looser permissions.
    let staging = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&staging);
    let listener = UnixListener::bind(&staging).map_err(io_error(path))?;
    let placed = std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600))
        .and_then(|()| std::fs::rename(&staging, path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&staging);
        return Err(SocketError::Io {
            path: path.into(),
            source: e,
        });
    }
    let inode = std::fs::symlink_metadata(path)
        .map_err(io_error(path))?
        .ino();
    Ok(BoundSocket {
        listener,
        file: SocketFile {
            path: path.into(),
            inode,
        },
    })
}

/// Creates the socket's directory private to the user, and refuses one another user owns (a
/// shared temporary directory could otherwise be prepared by someone else).
fn prepare_dir(dir: &Path) -> Result<(), SocketError> {
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_error(dir))?;
    }
    let owner = std::fs::metadata(dir).map_err(io_error(dir))?.uid();
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    if owner != me && owner != 0 {
        return Err(SocketError::NotOurs {
            path: dir.into(),
            owner,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
