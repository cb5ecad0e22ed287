//! Is a file tracked by git? Asked of git itself, bounded in time.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a look-up may take.
const LIMIT: Duration = Duration::from_secs(1);

/// An existing file in a git repository that git does not track (untracked or ignored). A path
/// that does not exist, is outside any repository, or cannot be checked in time is not.
pub fn is_untracked(path: &Path) -> bool {
    if std::fs::symlink_metadata(path).is_err() {
        return false;
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    let child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return false };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            // 1: in a repository, and not tracked. 0: tracked. 128: not a repository.
            Ok(Some(status)) => return status.code() == Some(1),
            Ok(None) if started.elapsed() < LIMIT => std::thread::sleep(Duration::from_millis(2)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}
