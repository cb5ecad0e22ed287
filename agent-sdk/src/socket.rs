use std::path::PathBuf;

/// The console's socket: `SIGNOFF_SOCKET` when set, else `signoff.sock` in the user's runtime
/// directory (`$XDG_RUNTIME_DIR/signoff/`), else in a per-user directory under the system's
/// temporary directory (`/tmp/signoff-<uid>/`) when there is no runtime directory.
pub fn default_socket_path() -> PathBuf {
    if let Some(path) = std::env::var_os("SIGNOFF_SOCKET").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let runtime_dir = directories::ProjectDirs::from("", "", "signoff")
        .and_then(|dirs| dirs.runtime_dir().map(PathBuf::from));
    runtime_dir
        .unwrap_or_else(|| {
            // SAFETY: getuid has no preconditions and cannot fail.
            let uid = unsafe { libc::getuid() };
            std::env::temp_dir().join(format!("signoff-{uid}"))
        })
        .join("signoff.sock")
}
