//! The console's Unix socket: private to the user, never two consoles on one path, and watched
//! while the console runs.

use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};

mod authority;

use authority::Lenient;

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("another console is listening on {0} (quit it first, or pass --socket PATH)")]
    AnotherConsole(PathBuf),
    #[error("{0} exists and is not a socket; refusing to replace it")]
    NotASocket(PathBuf),
    #[error("{path} belongs to another user (uid {owner}); refusing to use it")]
    NotOurs { path: PathBuf, owner: u32 },
    #[error(
        "any user can write in {0}, so any of them could replace the socket; refusing to use it (chmod o-w it, or pass --socket PATH)"
    )]
    OpenDirectory(PathBuf),
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
    let meta = std::fs::metadata(dir).map_err(io_error(dir))?;
    let owner = meta.uid();
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    if owner != me && owner != 0 {
        return Err(SocketError::NotOurs {
            path: dir.into(),
            owner,
        });
    }
    // World-writable without the sticky bit (which /tmp has): anyone may rename our socket away.
    if meta.mode() & 0o1002 == 0o002 {
        return Err(SocketError::OpenDirectory(dir.into()));
    }
    Ok(())
}

/// How often a served socket's file is checked.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// A bound socket's connections, with its file watched every `period`: a removed file is bound
/// again at the same path, a file another program has put in its place is left to it, and
/// permissions opened to others are closed again. Each time the person is told, through `tell`.
pub struct Watched {
    socket: BoundSocket,
    tick: tokio::time::Interval,
    tell: Box<dyn FnMut(String) + Send>,
    told: Option<String>,
}

impl Watched {
    pub fn new(
        socket: BoundSocket,
        period: Duration,
        tell: impl FnMut(String) + Send + 'static,
    ) -> Self {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Watched {
            socket,
            tick,
            tell: Box::new(tell),
            told: None,
        }
    }

    fn check(&mut self) {
        let path = self.socket.file.path.clone();
        let shown = path.display();
        let message = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.ino() == self.socket.file.inode => {
                if meta.mode() & 0o077 == 0 {
                    self.told = None;
                    return;
                }
                let fixed = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
                match fixed {
                    Ok(()) => format!(
                        "Someone opened {shown} to other users (mode {:o}); made it private again.",
                        meta.mode() & 0o777
                    ),
                    Err(error) => format!(
                        "{shown} is open to other users (mode {:o}) and cannot be made private: {error}.",
                        meta.mode() & 0o777
                    ),
                }
            }
            Ok(_) => format!(
                "Another program has put its own socket at {shown}: new agents reach it, not this console (connected ones are still served). Quit and start signoff again, or pass --socket."
            ),
            Err(error) if error.kind() == io::ErrorKind::NotFound => match bind(&path) {
                Ok(socket) => {
                    // The old listener has no name any more; nobody new can reach it.
                    self.socket = socket;
                    format!("{shown} was removed; listening there again.")
                }
                Err(error) => format!(
                    "{shown} was removed and cannot be made again ({error}): new agents cannot reach this console."
                ),
            },
            Err(error) => format!("Cannot check {shown}: {error}."),
        };
        if self.told.as_ref() != Some(&message) {
            tracing::warn!("{message}");
            (self.tell)(message.clone());
            self.told = Some(message);
        }
    }
}

impl futures::Stream for Watched {
    type Item = io::Result<Lenient<UnixStream>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        while this.tick.poll_tick(cx).is_ready() {
            this.check();
        }
        this.socket
            .listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| Lenient::new(stream))))
    }
}

#[cfg(test)]
mod tests;
