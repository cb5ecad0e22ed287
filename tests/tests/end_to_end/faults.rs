//! The fault matrix (SECURITY.md): whatever breaks, nothing is approved without a person or a
//! rule, and the console stays up for everyone else.

use std::time::Duration;

use signoff_agent_sdk::{Environment, Error, Gate, Session, Verdict};
use signoff_protocol::pb;
use signoff_tui::console::{Console, ConsoleOptions, History};
use signoff_tui::queue::{QueueConfig, UiEvent};

use crate::support::{TestConsole, approve, next_alert, shell, within};

/// A console on `dir/signoff.sock` keeping its history in `dir/history`.
fn console_in(dir: &std::path::Path) -> Console {
    start_in(dir).unwrap()
}

fn start_in(dir: &std::path::Path) -> Result<Console, signoff_tui::console::StartError> {
    Console::start(ConsoleOptions {
        socket: dir.join("signoff.sock"),
        queue: QueueConfig::default(),
        policy: signoff_tui::policy::Engine::default(),
        history: Some(History {
            dir: dir.join("history"),
            keep_days: None,
            durability: Default::default(),
        }),
        remote: None,
        web: None,
        otlp: None,
    })
}

/// A session for `name` on the console at `socket`.
async fn session_at(socket: &std::path::Path, name: &str) -> Session {
    Gate::connect_to(socket)
        .await
        .unwrap()
        .session(name)
        .open()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_a_waiting_agent_is_withdrawn_and_proposes_again() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let first = console_in(dir.path());
    let session = session_at(&socket, "patient").await;
    let action = shell("touch F", Environment::Staging);
    let pending = session.submit(action.clone(), None).await.unwrap();
    first.shutdown().await;
    let decision = within(pending.decision()).await.unwrap();
    assert_eq!(decision.verdict, Verdict::Withdrawn);

    let mut second = console_in(dir.path());
    // The old session is gone with the old console: the agent hears so (or that its connection
    // was lost, if it notices that first), not an approval...
    let stale = session.submit(action.clone(), None).await;
    assert!(
        matches!(stale, Err(Error::UnknownSession(_) | Error::Disconnected)),
        "{:?}",
        stale.err()
    );
    // ...opens a new one, and its proposal waits for a person again.
    let session = session_at(&socket, "patient").await;
    let pending = session.submit(action, None).await.unwrap();
    assert_eq!(pending.assessed().queue_position, 1);
    let waiting = within(async {
        loop {
            if let Some(UiEvent::Waiting(item)) = second.events.recv().await {
                return item;
            }
        }
    })
    .await;
    second
        .queue
        .decide(waiting.key.clone(), signoff_protocol::TERMINAL, approve())
        .await
        .unwrap()
        .unwrap();
    assert!(within(pending.decision()).await.unwrap().is_approved());
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_socket_file_is_made_again_and_connected_agents_are_served_throughout() {
    let mut console = TestConsole::start().await;
    let connected = console.session("connected").await;
    std::fs::remove_file(&console.socket).unwrap();
    let decision = within(connected.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(decision.is_approved(), "read-only work still streams");
    // Within a couple of seconds the console notices, binds its path again and says so.
    let alert = next_alert(&mut console).await;
    assert!(
        alert.ends_with("was removed; listening there again."),
        "{alert}"
    );
    let newcomer = console.session("newcomer").await;
    let decision = within(newcomer.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(decision.is_approved());
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_replaced_by_another_process_approves_nothing_and_is_left_to_it() {
    use tokio::io::AsyncBufReadExt;
    let mut console = TestConsole::start().await;
    let connected = console.session("connected").await;
    // Another process puts its own socket in the console's place (bound elsewhere, renamed over
    // it), and hangs up on everyone who connects.
    let mut impostor = tokio::process::Command::new("python3")
        .args(["-c", IMPOSTOR])
        .arg(console.dir.path().join("impostor.sock"))
        .arg(&console.socket)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs");
    let mut ready = tokio::io::BufReader::new(impostor.stdout.take().unwrap()).lines();
    assert_eq!(
        within(ready.next_line()).await.unwrap().as_deref(),
        Some("ready")
    );

    // An agent that reaches the impostor is not approved: `signoff run` never starts its command.
    let workdir = console.dir.path();
    let output = within(
        crate::run_command::signoff(&console.socket, workdir, &["run", "--", "touch", "F"])
            .output(),
    )
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(69));
    assert!(!workdir.join("F").exists(), "the command ran");
    let message = crate::run_command::stderr(&output);
    // Hung up on at once, or after the connection seemed to open.
    let unreachable = format!("not reachable at {}", console.socket.display());
    assert!(
        message.contains(&unreachable) || message.contains("connection to the console was lost"),
        "{message}"
    );
    // The person is told, the console leaves the other program's socket alone, and agents
    // already connected are still served.
    let alert = next_alert(&mut console).await;
    assert!(
        alert.starts_with("Another program has put its own socket at"),
        "{alert}"
    );
    let decision = within(connected.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(decision.is_approved());
    let socket = console.socket.clone();
    let _dir = console.shutdown().await;
    assert!(
        socket.exists(),
        "the console removed another program's socket"
    );
    impostor.kill().await.unwrap();
}

/// Python: binds argv[1], renames it to argv[2], says "ready", and closes every connection.
const IMPOSTOR: &str = "
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen()
os.rename(sys.argv[1], sys.argv[2])
print('ready', flush=True)
while True:
    s.accept()[0].close()
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_send_nothing_do_not_stop_other_agents() {
    let console = TestConsole::start().await;
    // Slow loris: connections that never finish, or never start, their HTTP/2 preface.
    let mut idle = Vec::new();
    for n in 0..500 {
        let mut stream = tokio::net::UnixStream::connect(&console.socket)
            .await
            .unwrap();
        if n % 2 == 0 {
            use tokio::io::AsyncWriteExt;
            stream.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
        }
        idle.push(stream);
    }
    let session = console.session("honest").await;
    let decision = within(session.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(decision.is_approved());
    drop(idle);
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_streams_never_read_do_not_stop_other_agents() {
    let console = TestConsole::start().await;
    let channel = crate::malformed::raw_channel(&console).await;
    let mut client = pb::agent_gate_client::AgentGateClient::new(channel);
    let session_id = crate::malformed::open_session(&mut client).await;
    // Ten thousand read-only proposals whose answers are never read, all on one connection. The
    // first thousands are accepted and left unread, holding the console's answers. When requests
    // arrive faster than the console reads them, h2's flood guard (a budget of small DATA frames
    // received but not yet read: half the 1 MiB connection window, ~2,800 requests) sends GOAWAY
    // ENHANCE_YOUR_CALM and drops the abuser's connection: the rest fail, none is an approval.
    let calls = (0..10_000).map(|n| {
        let mut client = client.clone();
        let request = pb::ProposeRequest {
            session_id: session_id.clone(),
            proposal_id: format!("unread-{n}"),
            action: Some(crate::malformed::shell_pb(&["ls"])),
            wait_seconds: 0,
            ..Default::default()
        };
        async move { client.propose(request).await }
    });
    let unread = tokio::time::timeout(Duration::from_secs(60), futures::future::join_all(calls))
        .await
        .expect("the console accepted them all");
    let accepted = unread.iter().filter(|call| call.is_ok()).count();
    assert!(accepted >= 100, "only {accepted} streams were opened");
    // Meanwhile another agent is served as usual.
    let session = console.session("honest").await;
    let decision = within(session.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert!(decision.is_approved());
    drop(unread);
    console.shutdown().await;
}

/// A filesystem of its own for the history at `dir`, unmounted when dropped. Needs root to
/// mount; `None` elsewhere.
struct Disk(std::path::PathBuf);

impl Disk {
    /// `dir/history` on a small tmpfs, to fill.
    fn tmpfs_for_history(dir: &std::path::Path, size: &str) -> Option<Disk> {
        let how = format!("size={size}");
        Disk::mount(dir, &["-t", "tmpfs", "-o", &how, "tmpfs"])
    }

    /// `dir/history` on an ext4 image (`dir/disk.img`) on a loop device that turns read-only on
    /// an error, as a root filesystem usually does (`errors=remount-ro`).
    fn ext4_for_history(dir: &std::path::Path) -> Option<Disk> {
        let image = dir.join("disk.img");
        std::fs::File::create(&image)
            .unwrap()
            .set_len(16 << 20)
            .unwrap();
        let made = std::process::Command::new("mkfs.ext4")
            .args(["-q", "-F"])
            .arg(&image)
            .status()
            .is_ok_and(|status| status.success());
        let how = ["-o", "loop,errors=remount-ro", image.to_str().unwrap()];
        if made { Disk::mount(dir, &how) } else { None }
    }

    /// Mounts `how` on `dir/history`; says the test is skipped when it cannot.
    fn mount(dir: &std::path::Path, how: &[&str]) -> Option<Disk> {
        let history = dir.join("history");
        std::fs::create_dir_all(&history).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(how)
            .arg(&history)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            eprintln!("skipped: mounting a filesystem of its own for the history needs root");
        }
        mounted.then_some(Disk(history))
    }

    /// The ext4 filesystem reports an error, as when the disk fails under it: the kernel turns
    /// it read-only, also for files already open.
    fn fail(&self) {
        let source = std::process::Command::new("findmnt")
            .args(["-no", "SOURCE"])
            .arg(&self.0)
            .output()
            .unwrap();
        let device = String::from_utf8(source.stdout).unwrap();
        let device = device.trim().trim_start_matches("/dev/");
        std::fs::write(
            format!("/sys/fs/ext4/{device}/trigger_fs_error"),
            "signoff test",
        )
        .unwrap();
    }

    /// Gives the tmpfs more room.
    fn grow(&self, size: &str) {
        let how = format!("remount,size={size}");
        let remounted = std::process::Command::new("mount")
            .args(["-o", &how])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(remounted.success());
    }

    /// Remounts it read-only (nothing may have a file on it open for writing).
    fn read_only(&self) {
        let remounted = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(remounted.success());
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

fn history_file(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("history").join(signoff_tui::store::FILE_NAME)
}

/// The history's approvals on the disk, after the console stopped: SQLite's, and the journal's
/// it could not index (read without writing: the disk may be read-only).
fn approvals_recorded(dir: &std::path::Path) -> u64 {
    let history = rusqlite::Connection::open(history_file(dir)).unwrap();
    let (indexed, newest): (i64, i64) = history
        .query_row(
            "SELECT (SELECT count(*) FROM decisions WHERE verdict = 'approved'), (SELECT coalesce(max(seq), 0) FROM decisions)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let journal = signoff_tui::store::journal::read(&dir.join("history")).unwrap();
    let journaled = journal
        .records
        .iter()
        .filter(|numbered| {
            matches!(&numbered.record, signoff_tui::store::journal::Record::Decision { seq, verdict, .. }
                if *seq > newest && verdict == "approved")
        })
        .count();
    indexed.unsigned_abs() + journaled as u64
}

/// The next alert on the console's screen.
async fn alert_on(console: &mut Console) -> String {
    within(async {
        loop {
            if let Some(UiEvent::Alert(alert)) = console.events.recv().await {
                return alert;
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_history_disk_is_full_nothing_more_is_approved_and_the_console_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Disk::tmpfs_for_history(dir.path(), "512k") else {
        return;
    };
    let mut console = console_in(dir.path());
    let socket = dir.path().join("signoff.sock");
    let session = session_at(&socket, "filler").await;
    // Stream until the history cannot take more: from then on the agent hears no approval.
    let mut heard = 0u64;
    let refused = loop {
        match within(session.propose(shell("ls", Environment::Dev))).await {
            Ok(decision) if decision.is_approved() => heard += 1,
            Ok(decision) => panic!("a read-only action was {:?}", decision.verdict),
            Err(error) => break error,
        }
        assert!(heard < 100_000, "the small disk never filled");
    };
    assert!(heard > 0, "the history worked before the disk filled");
    assert!(matches!(refused, Error::Disconnected), "{refused}");
    // The person is told.
    let alert = alert_on(&mut console).await;
    assert!(alert.contains("could not record"), "{alert}");
    // The console is still up, and still approves nothing it cannot record.
    let again = within(session.propose(shell("ls", Environment::Dev))).await;
    assert!(again.is_err(), "approved with a full disk");
    console.shutdown().await;
    // Every approval the agent heard is in the history.
    let recorded = approvals_recorded(dir.path());
    assert!(recorded >= heard, "{heard} heard, {recorded} recorded");
    // With room again, opening the history indexes what the journal holds beyond SQLite.
    disk.grow("4m");
    let store = signoff_tui::store::Store::open(&dir.path().join("history")).unwrap();
    let approved = signoff_tui::store::Filter {
        verdict: Some("approved".into()),
        limit: None,
        ..Default::default()
    };
    let shown = signoff_tui::store::rows(&store, &approved).unwrap().len() as u64;
    assert!(shown >= heard, "{heard} heard, {shown} shown after replay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_history_disk_fails_and_turns_read_only_nothing_more_is_approved() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Disk::ext4_for_history(dir.path()) else {
        return;
    };
    let mut console = console_in(dir.path());
    let socket = dir.path().join("signoff.sock");
    let session = session_at(&socket, "busy").await;
    let mut heard = 0u64;
    for _ in 0..20 {
        let decision = within(session.propose(shell("ls", Environment::Dev)))
            .await
            .unwrap();
        assert!(decision.is_approved());
        heard += 1;
    }
    disk.fail();
    let refused = within(session.propose(shell("ls", Environment::Dev))).await;
    assert!(matches!(refused, Err(Error::Disconnected)), "{refused:?}");
    let alert = alert_on(&mut console).await;
    // Whichever of the history's files is written first after the failure names it.
    let journal = dir
        .path()
        .join("history")
        .join(signoff_tui::store::journal::FILE_NAME);
    let says = [
        format!("({}: Read-only file system", journal.display()),
        format!("({}: disk I/O error)", history_file(dir.path()).display()),
    ];
    assert!(
        alert.contains("could not record") && says.iter().any(|says| alert.contains(says)),
        "{alert}"
    );
    let again = within(session.propose(shell("ls", Environment::Dev))).await;
    assert!(again.is_err(), "approved on a read-only disk");
    console.shutdown().await;
    let recorded = approvals_recorded(dir.path());
    assert!(recorded >= heard, "{heard} heard, {recorded} recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_history_stops_the_console_from_starting_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Disk::ext4_for_history(dir.path()) else {
        return;
    };
    console_in(dir.path()).shutdown().await;
    disk.read_only();
    let message = refused_start(dir.path());
    let history = dir.path().join("history");
    assert!(
        message.starts_with(&format!("cannot write in {}", history.display()))
            && message.contains("Read-only file system"),
        "{message}"
    );
}

/// Why the console in `dir` does not start; it served nothing.
fn refused_start(dir: &std::path::Path) -> String {
    let refused = start_in(dir).err().expect("the console started");
    assert!(!dir.join("signoff.sock").exists(), "the socket was served");
    refused.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_history_stops_the_console_from_starting_and_is_left_untouched() {
    const PAGE: usize = 4096;
    // Garbage over the first page's tree (the schema), or over every page after it.
    for (what, damage) in [("the schema", 100..PAGE), ("the records", PAGE..usize::MAX)] {
        let dir = tempfile::tempdir().unwrap();
        let console = console_in(dir.path());
        let session = session_at(&dir.path().join("signoff.sock"), "recorded").await;
        for _ in 0..50 {
            let decision = within(session.propose(shell("ls", Environment::Dev)))
                .await
                .unwrap();
            assert!(decision.is_approved());
        }
        console.shutdown().await;
        let file = history_file(dir.path());
        let mut bytes = std::fs::read(&file).unwrap();
        assert!(bytes.len() > 2 * PAGE, "{what}: a history of one page");
        let end = damage.end.min(bytes.len());
        bytes[damage.start..end].fill(0xA5);
        std::fs::write(&file, &bytes).unwrap();

        let message = refused_start(dir.path());
        assert!(
            message.starts_with(&format!("{} is damaged", file.display()))
                && message.contains("move it aside"),
            "{what}: {message}"
        );
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "{what}: the file was changed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_removed_or_replaced_while_running_approves_nothing_more_and_says_so() {
    for replaced in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut console = console_in(dir.path());
        let session = session_at(&dir.path().join("signoff.sock"), "recorded").await;
        let decision = within(session.propose(shell("ls", Environment::Dev)))
            .await
            .unwrap();
        assert!(decision.is_approved());
        // What the console writes from now on would go to a file nobody can find.
        let file = history_file(dir.path());
        if replaced {
            let other = dir.path().join("other.sqlite3");
            std::fs::write(&other, b"").unwrap();
            std::fs::rename(&other, &file).unwrap();
        } else {
            std::fs::remove_file(&file).unwrap();
        }
        let refused = within(session.propose(shell("ls", Environment::Dev))).await;
        assert!(matches!(refused, Err(Error::Disconnected)), "{refused:?}");
        let alert = alert_on(&mut console).await;
        let says = format!("{} was removed or replaced", file.display());
        assert!(alert.contains(&says), "{alert}");
        console.shutdown().await;
    }
}
