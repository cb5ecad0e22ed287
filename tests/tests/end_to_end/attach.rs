//! `signoff attach` for real: the console and attached screens each in a tmux terminal of their
//! own, paired by typing the code into the console, agents through `signoff run`.

use std::path::Path;
use std::process::Command;

use crate::support::{BINARY, Tmux};

/// The private config, state and data directories every signoff here runs with.
fn private(dir: &Path) -> String {
    format!(
        "env XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state XDG_DATA_HOME={dir}/data",
        dir = dir.display()
    )
}

fn attach(dir: &Path, socket: &Path, name: &str) -> Tmux {
    let tmux = Tmux::start(&format!(
        "{} {BINARY} attach --socket {} --name {name} --no-notify",
        private(dir),
        socket.display()
    ));
    tmux.wait_for("press P and type it");
    tmux
}

/// The code an attached screen shows while it waits to be paired.
fn code(screen: &Tmux) -> String {
    let shown = screen.wait_for("Pairing code:");
    let line = shown
        .lines()
        .find(|line| line.contains("Pairing code:"))
        .unwrap();
    line.trim_start_matches("Pairing code:").trim().to_string()
}

fn run(socket: &Path, file: &Path) -> std::process::Child {
    Command::new(BINARY)
        .args(["run", "--env", "staging", "--socket"])
        .arg(socket)
        .args(["--", "touch"])
        .arg(file)
        .spawn()
        .unwrap()
}

#[test]
fn a_paired_screen_decides_and_the_two_person_rule_needs_both_screens() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let console = Tmux::start(&format!(
        "{} {BINARY} --socket {} --no-notify --two-person risky",
        private(dir.path()),
        socket.display()
    ));
    console.wait_for("Two-person rule");

    let alice = attach(dir.path(), &socket, "alice");
    let mallory = attach(dir.path(), &socket, "mallory");
    let code = code(&alice);
    assert_eq!(code.len(), 9, "{code:?}");
    console.keys(&["P"]);
    console.wait_for("type the code it shows");
    console.keys(&["-l", &code.to_lowercase()]);
    console.keys(&["Enter"]);
    console.wait_for("alice is now a reviewer");
    console.keys(&["Escape"]);
    alice.wait_for("attached to");
    alice.wait_for("Nothing waits");

    // Denied from the attached screen: the agent hears it, the console shows who.
    let denied = dir.path().join("denied");
    let mut agent = run(&socket, &denied);
    alice.wait_for("Waiting for you (1)");
    console.wait_for("Waiting for you (1)");
    alice.keys(&["n"]);
    assert_eq!(agent.wait().unwrap().code(), Some(77), "denied");
    assert!(!denied.exists());
    console.wait_for("denied (alice)");
    console.wait_for("Waiting for you (0)");
    alice.wait_for("Waiting for you (0)");

    // Two reviewers: alice's approval is "1 of 2" everywhere, and runs nothing.
    let approved = dir.path().join("approved");
    let mut agent = run(&socket, &approved);
    alice.wait_for("Waiting for you (1)");
    alice.keys(&["y"]);
    console.wait_for("1 of 2");
    alice.wait_for("1 of 2");
    alice.keys(&["y"]);
    alice.wait_for("you already approved");
    assert!(
        agent.try_wait().unwrap().is_none(),
        "one reviewer is not two"
    );
    assert!(!approved.exists());
    console.keys(&["y"]);
    assert_eq!(agent.wait().unwrap().code(), Some(0));
    assert!(approved.exists());
    alice.wait_for("approved (alice an");
    alice.wait_for("Waiting for you (0)");

    // The screen nobody paired saw none of it.
    let unpaired = mallory.screen();
    assert!(unpaired.contains("press P and type it"), "{unpaired}");
    assert!(!unpaired.contains("touch"), "{unpaired}");

    // Revoked from the console: the attached screen is told and decides nothing more.
    console.keys(&["P"]);
    console.wait_for("alice");
    console.keys(&["Delete"]);
    alice.wait_for("revoked");
    console.keys(&["Escape"]);
    let later = dir.path().join("later");
    let mut agent = run(&socket, &later);
    console.wait_for("Waiting for you (1)");
    alice.keys(&["y"]);
    console.keys(&["n"]);
    assert_eq!(agent.wait().unwrap().code(), Some(77));
    assert!(!later.exists());
}
