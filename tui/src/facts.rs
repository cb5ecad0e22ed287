//! Facts the policy needs but may not look up itself (it does no IO), looked up here: off the
//! async runtime, bounded in time. A fact that cannot be had keeps its default, which never
//! lowers a tier.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use signoff_protocol::{Action, ActionKind, FileOp};

use crate::policy::Facts;

/// The longest a look-up may take.
const LIMIT: Duration = Duration::from_secs(1);

/// Facts about `action`. Relative paths are resolved against `workspace` when it is known, and
/// left alone otherwise.
pub fn look_up(action: &Action, workspace: Option<&str>) -> Facts {
    let ActionKind::File(file) = &action.kind else {
        return Facts::default();
    };
    if file.op == FileOp::Create {
        return Facts::default();
    }
    let path = Path::new(&file.path);
    let path = match (path.is_absolute(), workspace) {
        (true, _) => path.to_path_buf(),
        (false, Some(workspace)) => Path::new(workspace).join(path),
        (false, None) => return Facts::default(),
    };
    Facts {
        file_untracked: is_untracked(&path),
    }
}

/// An existing file in a git repository that git does not track (untracked or ignored). A path
/// that does not exist, is outside any repository, or cannot be checked in time is not.
fn is_untracked(path: &PathBuf) -> bool {
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

#[cfg(test)]
mod tests;
