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

#[test]
fn a_remote_screen_attaches_over_tls_and_its_kept_credential_attaches_it_again_without_pairing() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let made = Command::new("sh")
        .arg("-c")
        .arg(format!("{} {BINARY} token new", private(dir.path())))
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let console = Tmux::start(&format!(
        "{} {BINARY} --socket {} --no-notify --listen 127.0.0.1:{port} --tls-cert {} --tls-key {}",
        private(dir.path()),
        socket.display(),
        cert.display(),
        key.display()
    ));
    console.wait_for("Nothing waits");

    // The reviewer's machine: its own config directory.
    let elsewhere = dir.path().join("elsewhere");
    let url = format!("https://127.0.0.1:{port}");
    let attach_remote = || {
        Tmux::start(&format!(
            "{} {BINARY} attach {url} --tls-ca {} --name bob --no-notify",
            private(&elsewhere),
            cert.display()
        ))
    };
    let bob = attach_remote();
    let code = code(&bob);
    console.keys(&["P"]);
    console.wait_for("type the code it shows");
    console.keys(&["-l", &code]);
    console.keys(&["Enter"]);
    console.wait_for("bob is now a reviewer");
    console.keys(&["Escape"]);
    bob.wait_for(&format!("attached to {url} as bob"));

    let approved = dir.path().join("approved");
    let mut agent = run(&socket, &approved);
    bob.wait_for("Waiting for you (1)");
    bob.keys(&["y"]);
    assert_eq!(agent.wait().unwrap().code(), Some(0));
    assert!(approved.exists());
    console.wait_for("approved (bob)");

    // Kept for this console, readable by its user only; attaching again needs no code.
    let kept = std::fs::read_dir(elsewhere.join("config/signoff/reviewers"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect::<Vec<_>>();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let mode = std::fs::metadata(&kept[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    bob.keys(&["q"]);
    drop(bob);
    let again = attach_remote();
    let screen = again.wait_for(&format!("attached to {url} as bob"));
    assert!(!screen.contains("Pairing code"), "{screen}");
    let denied = dir.path().join("denied");
    let mut agent = run(&socket, &denied);
    again.wait_for("Waiting for you (1)");
    again.keys(&["n"]);
    assert_eq!(agent.wait().unwrap().code(), Some(77));
    console.wait_for("denied (bob)");

    // The console's history, paged over the network: both of bob's decisions.
    again.keys(&["h"]);
    again.wait_for("Sessions (2)");
    again.keys(&["Enter"]);
    let page = again.wait_for("bob");
    assert!(page.contains("denied"), "{page}");
}
