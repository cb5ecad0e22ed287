//! Logs go to a file, never to the terminal the screen draws on.

use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// `signoff.log` in the user's state directory (`$XDG_STATE_HOME/signoff/`), or the data
/// directory where there is no state directory.
pub fn log_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "signoff")?;
    let dir = dirs.state_dir().unwrap_or(dirs.data_local_dir());
    Some(dir.join("signoff.log"))
}

/// Starts logging to [`log_path`] (level from `SIGNOFF_LOG`, default `info`). Without a
/// writable log file the console runs without logs rather than not at all.
pub fn init() {
    let Some(path) = log_path() else { return };
    let file = path
        .parent()
        .map(std::fs::create_dir_all)
        .transpose()
        .and_then(|_| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
        });
    let Ok(file) = file else { return };
    let filter = EnvFilter::try_from_env("SIGNOFF_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
