use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use signoff_agent_sdk::{Action, ActionKind, Decision, Environment, Gate, Session, ShellCommand};
use signoff_tui::console::{Console, ConsoleOptions};
use signoff_tui::queue::{Item, PersonDecision, QueueConfig, UiEvent};
use signoff_tui::server::RemoteOptions;

/// Bounds every wait for something the console should do at once, so a broken test fails
/// instead of hanging. Never used to let time pass.
const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestConsole {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    console: Console,
}

/// What a [`TestConsole`] serves besides its socket.
#[derive(Default)]
struct Setup {
    queue: QueueConfig,
    keep_history: bool,
    remote: Option<RemoteOptions>,
    web: Option<signoff_tui::web::WebOptions>,
    otlp: Option<String>,
}

impl TestConsole {
    pub async fn start() -> Self {
        Self::start_with(QueueConfig::default()).await
    }

    pub async fn start_with(queue: QueueConfig) -> Self {
        Self::start_full(Setup {
            queue,
            ..Setup::default()
        })
        .await
    }

    /// A console that keeps its history in `dir/history`.
    pub async fn start_with_history() -> Self {
        Self::start_full(Setup {
            keep_history: true,
            ..Setup::default()
        })
        .await
    }

    /// A console with its history that exports its decisions to the OTLP collector at `endpoint`.
    pub async fn start_exporting(endpoint: &str) -> Self {
        Self::start_full(Setup {
            keep_history: true,
            otlp: Some(endpoint.into()),
            ..Setup::default()
        })
        .await
    }

    /// A console that also serves remote agents over TCP ([`TestConsole::remote_addr`]).
    pub async fn start_remote(remote: RemoteOptions) -> Self {
        Self::start_full(Setup {
            remote: Some(remote),
            ..Setup::default()
        })
        .await
    }

    /// A console with its history that also serves the reviewer page on loopback
    /// ([`TestConsole::web_url`]).
    pub async fn start_web() -> Self {
        Self::start_web_with(QueueConfig::default(), None).await
    }

    /// A console serving the reviewer page on loopback, over HTTPS with `tls`.
    pub async fn start_web_with(queue: QueueConfig, tls: Option<signoff_tui::tls::TlsPem>) -> Self {
        let web = signoff_tui::web::WebOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            url: None,
            tls,
        };
        Self::start_full(Setup {
            queue,
            keep_history: true,
            web: Some(web),
            ..Setup::default()
        })
        .await
    }

    async fn start_full(setup: Setup) -> Self {
        let Setup {
            queue,
            keep_history,
            remote,
            web,
            otlp,
        } = setup;
        let dir = tempfile::tempdir().unwrap();
        let history = keep_history.then(|| signoff_tui::console::History {
            dir: dir.path().join("history"),
            keep_days: None,
            durability: Default::default(),
        });
        let socket = dir.path().join("signoff.sock");
        // Ready when start returns: the socket is bound and listening.
        let console = Console::start(ConsoleOptions {
            socket: socket.clone(),
            queue,
            policy: signoff_tui::policy::Engine::default(),
            history,
            remote,
            web,
            otlp,
        })
        .unwrap();
        TestConsole {
            dir,
            socket,
            console,
        }
    }

    /// Where a phone opens the reviewer page.
    pub fn web_url(&self) -> &str {
        self.console.web_url.as_deref().unwrap()
    }

    /// Where remote agents connect.
    pub fn remote_addr(&self) -> std::net::SocketAddr {
        self.console.remote_addr.expect("serving TCP")
    }

    pub async fn gate(&self) -> Gate {
        Gate::connect_to(&self.socket).await.unwrap()
    }

    pub async fn session(&self, name: &str) -> Session {
        self.gate().await.session(name).open().await.unwrap()
    }

    /// The next event the screen would get.
    pub async fn next_event(&mut self) -> UiEvent {
        tokio::time::timeout(PATIENCE, self.console.events.recv())
            .await
            .expect("the console showed nothing")
            .expect("the console stopped")
    }

    /// The next screen event, for tests that look at all of them.
    pub async fn events(&mut self) -> Option<UiEvent> {
        self.console.events.recv().await
    }

    /// Skips to the next item that waits for a person.
    pub async fn next_waiting(&mut self) -> Arc<Item> {
        loop {
            if let UiEvent::Waiting(item) = self.next_event().await {
                return item;
            }
        }
    }

    /// Skips to the next decision shown on screen.
    pub async fn next_decided(&mut self) -> (Arc<Item>, Decision) {
        loop {
            if let UiEvent::Decided { item, decision, .. } = self.next_event().await {
                return (item, decision);
            }
        }
    }

    /// What the person's keystroke does.
    pub async fn decide(&self, item: &Item, answer: PersonDecision) {
        self.console
            .queue
            .decide(item.key.clone(), signoff_protocol::TERMINAL, answer)
            .await
            .unwrap()
            .unwrap();
    }

    pub fn queue(&self) -> &signoff_tui::queue::QueueHandle {
        &self.console.queue
    }

    /// The console's pairings: `confirm` is what a person typing a code into the console does.
    pub fn reviewers(&self) -> &signoff_tui::reviewers::Reviewers {
        &self.console.reviewers
    }

    /// Shuts the console down; the temporary directory (with any history) lives on in what is
    /// returned.
    pub async fn shutdown(self) -> tempfile::TempDir {
        self.console.shutdown().await;
        self.dir
    }
}

/// The next alert the person is shown.
pub async fn next_alert(console: &mut TestConsole) -> String {
    loop {
        if let UiEvent::Alert(alert) = console.next_event().await {
            return alert;
        }
    }
}

pub fn shell(words: &str, environment: Environment) -> Action {
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: words.split_whitespace().map(String::from).collect(),
        cwd: "/repo".into(),
    }));
    action.target.environment = environment;
    action
}

pub fn approve() -> PersonDecision {
    PersonDecision::Approve { typed: None }
}

/// The approval of a critical item: its name typed.
pub fn approve_typed(text: &str) -> PersonDecision {
    PersonDecision::Approve {
        typed: Some(text.into()),
    }
}

pub fn deny(note: &str) -> PersonDecision {
    PersonDecision::Deny { note: note.into() }
}

pub async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .expect("took too long")
}

/// The `signoff` binary (its entry point built in this package).
pub const BINARY: &str = env!("CARGO_BIN_EXE_signoff-under-test");

/// The `signoff-hook` binary (its entry point built in this package).
pub const HOOK_BINARY: &str = env!("CARGO_BIN_EXE_signoff-hook-under-test");

/// A tmux server of our own, killed when dropped.
pub struct Tmux {
    server: String,
}

impl Tmux {
    pub fn start(command: &str) -> Tmux {
        // One server per terminal, even for several in one test.
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let server = format!(
            "signoff-test-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let tmux = Tmux { server };
        let output = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "40",
            command,
        ]);
        assert!(
            output.status.success(),
            "tmux did not start (is tmux installed?): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        tmux
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.server)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend(keys);
        assert!(self.run(&args).status.success());
    }

    /// Waits until the screen shows `text`; a bounded wait for the screen to change.
    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Tmux {
    /// Waits until the screen no longer shows `text` (a prompt closed), so that the next keys
    /// reach what is behind it: keys sent at once after Escape can read as Alt+key.
    pub fn wait_without(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the screen kept showing {text:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The pid of the program in the pane.
    pub fn pid(&self) -> String {
        String::from_utf8_lossy(&self.run(&["display", "-p", "#{pane_pid}"]).stdout)
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.server)
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
    }
}
