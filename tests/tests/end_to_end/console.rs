//! The real binary in a real terminal: tmux runs the console, `send-keys` types, `capture-pane`
//! reads what a person would see.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{BINARY, Tmux};

fn console_command(dir: &Path, socket: &Path) -> String {
    // Private config, state and data directories: no user keys, policy or history involved.
    format!(
        "env XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state XDG_DATA_HOME={dir}/data {BINARY} --socket {socket} --no-notify",
        dir = dir.display(),
        socket = socket.display()
    )
}

#[test]
fn a_person_approves_a_waiting_command_with_y() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let tmux = Tmux::start(&console_command(dir.path(), &socket));
    tmux.wait_for("Nothing waits");

    let file = dir.path().join("F");
    let mut run = Command::new(BINARY)
        .args(["run", "--socket"])
        .arg(&socket)
        .args([
            "--env",
            "staging",
            "--summary",
            "Touch the marker file",
            "--",
            "touch",
        ])
        .arg(&file)
        .spawn()
        .unwrap();
    for text in [
        "Touch the marker file",
        "Waiting for you (1)",
        "risky",
        "STAGING",
    ] {
        tmux.wait_for(text);
    }
    assert!(!file.exists(), "nothing runs before the person answers");

    tmux.keys(&["y"]);
    let status = run.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(file.exists());
    tmux.wait_for("approved (terminal)");
    tmux.wait_for("Waiting for you (0)");

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while socket.exists() {
        assert!(Instant::now() < deadline, "the console did not quit on q");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn a_critical_item_is_not_approved_by_y_and_a_note_reaches_the_agent() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let tmux = Tmux::start(&console_command(dir.path(), &socket));
    tmux.wait_for("Nothing waits");

    let run = Command::new(BINARY)
        .args(["run", "--socket"])
        .arg(&socket)
        .args(["--env", "production", "--", "rm", "-rf", "/srv/data"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tmux.wait_for("CRITICAL");
    tmux.keys(&["y"]);
    // The prompt says what and where, and names what to type. (Wait for the exact text: a
    // capture can catch a frame half drawn.)
    let screen = tmux.wait_for("Type /srv/data and press Enter");
    assert!(
        screen.contains("this cannot be undone") && screen.contains("PRODUCTION"),
        "{screen}"
    );
    tmux.keys(&["y", "Enter"]);
    tmux.wait_for("That is not the name");
    tmux.keys(&["Escape"]);
    tmux.wait_without("Type /srv/data and press Enter");
    tmux.keys(&["N"]);
    tmux.wait_for("Deny with a note");
    tmux.keys(&["-l", "restore from backup instead"]);
    tmux.keys(&["Enter"]);
    let output = run.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(77));
    assert!(String::from_utf8_lossy(&output.stderr).contains("restore from backup instead"));
}

#[test]
fn a_notification_daemon_that_never_answers_does_not_hold_the_console() {
    // A session bus that takes connections and never says a word: a desktop notification sent
    // there never completes.
    let dir = tempfile::tempdir().unwrap();
    let bus = dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&bus).unwrap();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(stream);
        }
    });
    let socket = dir.path().join("signoff.sock");
    let command = format!(
        "env DBUS_SESSION_BUS_ADDRESS=unix:path={bus} {}",
        console_command(dir.path(), &socket).replace(" --no-notify", ""),
        bus = bus.display()
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for("Nothing waits");

    let file = dir.path().join("F");
    let mut run = Command::new(BINARY)
        .args(["run", "--env", "staging", "--socket"])
        .arg(&socket)
        .args(["--", "touch"])
        .arg(&file)
        .spawn()
        .unwrap();
    tmux.wait_for("Waiting for you (1)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while connections.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the console never tried to notify"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    // The notification hangs; the person is still answered at once.
    tmux.keys(&["y"]);
    assert_eq!(run.wait().unwrap().code(), Some(0));
    assert!(file.exists());
    let process = Path::new("/proc").join(tmux.pid());
    assert!(process.exists());
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while process.exists() {
        assert!(
            Instant::now() < deadline,
            "the console did not exit while a notification hung"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}
