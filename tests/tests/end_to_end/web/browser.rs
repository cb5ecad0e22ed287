//! The page in the real Chromium, headless, 360 px wide: a phone pairs from the console's
//! invitation URL, answers `signoff run` agents (approve, deny with a note, a critical item's name
//! typed), and an agent's hostile text shows as text and runs nothing.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use signoff_agent_sdk::{Action, ActionKind, DecidedBy, Environment, ShellCommand, Verdict};

use crate::support::{BINARY, TestConsole, Tmux, within};

/// Debian's chromedriver (package chromium-driver), and the browser behind its wrapper script.
const CHROMEDRIVER: &str = "chromedriver";
const CHROMIUM: &str = "/usr/lib/chromium/chromium";

struct Browser {
    driver: Child,
    client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        let install = concat!(env!("CARGO_MANIFEST_DIR"), "/browser/install.sh");
        let installed = Command::new("bash").arg(install).status().unwrap();
        assert!(installed.success(), "{install} could not install Chromium");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (Debian's chromium-driver; .ci/run installs it)");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=360,780", "--no-first-run",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("chromium did not start: {error}"),
            }
        };
        Browser {
            driver,
            client,
            _profile: profile,
        }
    }

    /// The text of the first element `css` finds, once it has some containing `want`.
    async fn wait_for_text(&self, css: &str, want: &str) -> String {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
                && text.contains(want)
            {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "`{css}` never showed `{want}`"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }

    async fn script(&self, code: &str) -> serde_json::Value {
        self.client.execute(code, vec![]).await.unwrap()
    }

    async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `signoff run --env production -- ARGS`, its errors kept.
fn run(socket: &Path, args: &[&str]) -> Child {
    Command::new(BINARY)
        .arg("--socket")
        .arg(socket)
        .args(["run", "--env", "production", "--"])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

async fn exits(child: Child) -> std::process::Output {
    within(tokio::task::spawn_blocking(move || {
        child.wait_with_output().unwrap()
    }))
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_pairs_and_answers_agents_and_their_hostile_text_runs_nothing() {
    let mut console = TestConsole::start_web().await;
    let browser = Browser::start().await;
    let page = &browser.client;

    // Pairing: the console's invitation URL, a name typed on the phone.
    let code = console.reviewers().invite().unwrap();
    page.goto(&format!("{}/#pair={code}", console.web_url()))
        .await
        .unwrap();
    browser.type_into("#pair-name", "Jer's phone").await;
    browser.click("#pair-form button").await;
    browser.wait_for_text("#who", "Jer's phone").await;
    browser.wait_for_text("#empty", "Nothing waits").await;
    assert_eq!(page.current_url().await.unwrap().fragment(), None);

    // An agent's text full of markup, script URLs, escapes and bidi overrides, aimed at a server
    // that counts every request it gets.
    let attacker = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bait = format!("http://{}", attacker.local_addr().unwrap());
    let requests = tokio::spawn(async move {
        let mut count = 0;
        while tokio::time::timeout(Duration::from_secs(1), attacker.accept())
            .await
            .is_ok_and(|accepted| accepted.is_ok())
        {
            count += 1;
        }
        count
    });
    let hostile = format!(
        "<script>fetch('{bait}/script')</script><img src={bait}/img onerror=alert(1)><a href=\"javascript:alert(2)\">tap</a> \u{202e}txt.exe \u{1b}[2J"
    );
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: vec!["touch".into(), hostile.clone()],
        cwd: "/repo".into(),
    }));
    action.target.environment = Environment::Production;
    action.summary = hostile.clone();
    action.dry_run.diff = format!("+{hostile}\n-{hostile}");
    let session = console.session(&hostile).await;
    let pending = session.submit(action.clone(), None).await.unwrap();
    let decided = tokio::spawn(pending.decision());
    console.next_waiting().await;

    let shown = browser.wait_for_text("#items li .command", "touch").await;
    let expected = signoff_tui::sanitize::inert(&action.headline()).into_owned();
    assert_eq!(shown, expected, "the command shows as the sanitised text");
    assert!(shown.contains("<script>") && shown.contains("\\u{202e}"));
    assert_eq!(page.title().await.unwrap(), "(1) signoff");
    browser.click("#items li").await;
    browser.wait_for_text("#d-diff", "<img src=").await;
    let elements = browser
        .script(
            "return document.querySelectorAll('main script, main img, main a, main iframe').length",
        )
        .await;
    assert_eq!(elements, 0, "no element made from agent text");
    assert!(page.get_alert_text().await.is_err(), "no dialog opened");

    // Denied with a note: the agent hears it, from the phone.
    browser.type_into("#note", "not the hostile one").await;
    browser.click("#deny").await;
    let decision = within(decided).await.unwrap().unwrap();
    assert_eq!(decision.verdict, Verdict::Denied);
    assert_eq!(decision.note, "not the hostile one");
    assert_eq!(decision.decided_by, DecidedBy::Person("Jer's phone".into()));
    assert_eq!(
        requests.await.unwrap(),
        0,
        "the page asked the attacker's server for nothing"
    );

    // A denial's note reaches the agent's terminal (an approval is in the test below).
    let made = console.dir.path().join("made-by-phone");
    let agent = run(&console.socket, &["touch", made.to_str().unwrap()]);
    browser
        .wait_for_text("#items li .command", "made-by-phone")
        .await;
    browser.click("#items li").await;
    browser.type_into("#note", "use staging first").await;
    browser.click("#deny").await;
    let output = exits(agent).await;
    assert_eq!(output.status.code(), Some(77));
    assert!(String::from_utf8_lossy(&output.stderr).contains("use staging first"));
    assert!(!made.exists());

    // Critical: approving needs its name typed on the phone too.
    let doomed = console.dir.path().join("doomed");
    std::fs::create_dir(&doomed).unwrap();
    let agent = run(&console.socket, &["rm", "-rf", doomed.to_str().unwrap()]);
    browser.wait_for_text("#items li .command", "rm -rf").await;
    browser.click("#items li").await;
    let confirm = browser.wait_for_text("#d-confirm", "doomed").await;
    let approve = page.find(Locator::Css("#approve")).await.unwrap();
    assert_eq!(
        approve.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    browser.type_into("#confirm", &confirm).await;
    assert_eq!(approve.attr("disabled").await.unwrap(), None);
    let screenshot = page.screenshot().await.unwrap();
    std::fs::write(console.dir.path().join("critical.png"), screenshot).unwrap();
    approve.click().await.unwrap();
    let output = exits(agent).await;
    assert!(output.status.success(), "{output:?}");
    assert!(!doomed.exists());
    if let Some(keep) = std::env::var_os("SIGNOFF_WEB_SCREENSHOT") {
        std::fs::copy(console.dir.path().join("critical.png"), Path::new(&keep)).unwrap();
    }

    browser.close().await;
    console.shutdown().await;
}

/// The README's path, with the real binary in a terminal: W shows the QR code and its link, the
/// phone opens the link and names itself, answers an agent, and the history names the phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_paired_from_the_consoles_qr_code_answers_and_the_history_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("signoff.sock");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let private = format!(
        "env XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state XDG_DATA_HOME={dir}/data",
        dir = dir.path().display()
    );
    let console = Tmux::start(&format!(
        "{private} {BINARY} --socket {} --no-notify --web 127.0.0.1:{port}",
        socket.display()
    ));
    console.wait_for("Waiting for you");
    console.keys(&["W"]);
    let screen = console.wait_for("#pair=");
    assert!(
        screen.contains("█▀▀▀▀▀█"),
        "a QR code's finder pattern:\n{screen}"
    );
    let from = screen.find("http://").unwrap();
    let url = screen[from..]
        .split(|c: char| c.is_whitespace() || c == '│')
        .next()
        .unwrap();
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{port}/#pair=")),
        "{url}"
    );
    console.keys(&["Escape"]);
    console.wait_without("#pair=");

    let browser = Browser::start().await;
    browser.client.goto(url).await.unwrap();
    browser.type_into("#pair-name", "Jer's phone").await;
    browser.click("#pair-form button").await;
    browser.wait_for_text("#who", "Jer's phone").await;
    console.keys(&["P"]);
    console.wait_for("Jer's phone");
    console.keys(&["Escape"]);
    console.wait_without("type the code it shows");

    let made = dir.path().join("made-by-phone");
    let agent = run(&socket, &["touch", made.to_str().unwrap()]);
    browser
        .wait_for_text("#items li .command", "made-by-phone")
        .await;
    browser.click("#items li").await;
    browser.click("#approve").await;
    let output = exits(agent).await;
    assert!(output.status.success(), "{output:?}");
    assert!(made.exists());
    console.wait_for("approved (Jer's ph");
    browser.close().await;

    let history = Command::new("sh")
        .arg("-c")
        .arg(format!("{private} {BINARY} history"))
        .output()
        .unwrap();
    let history = String::from_utf8_lossy(&history.stdout);
    assert!(
        history
            .lines()
            .any(|line| line.contains("Jer's phone") && line.contains("made-by-phone")),
        "{history}"
    );
}
