//! How fast the console draws: a frame with 10,000 waiting and 100,000 streamed items, and the
//! time from a key press to the screen while 5,000 actions a second stream in. Targets: a frame
//! under 5 ms; key to screen under 50 ms.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use signoff_protocol::{
    Action, ActionDigest, ActionKind, DecidedBy, Decision, Environment, ProposalId, SessionId,
    SessionInfo, ShellCommand, Verdict,
};
use signoff_tui::policy::{Engine, Facts, Policy};
use signoff_tui::queue::{Item, ProposalKey, UiEvent};
use signoff_tui::ui::{App, Keymap, render};

use crate::{Summary, quantile};

fn item(seq: u64, words: &str, environment: Environment, now: SystemTime) -> Arc<Item> {
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: words.split_whitespace().map(String::from).collect(),
        cwd: "/repo".into(),
    }));
    action.target.environment = environment;
    action.dry_run.diff = (0..200).map(|n| format!("+line {n}\n")).collect();
    let assessment = Engine::default().assess(&action, &SessionInfo::default(), &Facts::default());
    Arc::new(Item {
        key: ProposalKey {
            session: SessionId(format!("s{}", seq % 8)),
            proposal: ProposalId(seq.to_string()),
        },
        seq,
        agent: format!("agent-{}", seq % 8),
        digest: ActionDigest::of(&action),
        action,
        assessment,
        arrived_at: now,
        expires_at: now + Duration::from_secs(300),
    })
}

fn streamed(item: Arc<Item>, now: SystemTime) -> UiEvent {
    let decision = Decision {
        verdict: Verdict::Approved,
        decided_by: DecidedBy::Stream,
        note: String::new(),
        action_digest: item.digest,
        decided_at: now,
    };
    UiEvent::Decided {
        item,
        decision,
        waited: false,
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    quantile(&times, 0.5)
}

pub fn run(quick: bool, summary: &mut Summary) {
    let now = SystemTime::now();
    let mut app = App::new(
        "/run/user/1000/signoff/signoff.sock".into(),
        Keymap::default(),
    );
    for seq in 0..10_000 {
        app.on_event(UiEvent::Waiting(item(
            seq,
            "git push origin feature",
            Environment::Staging,
            now,
        )));
    }
    // One streamed item, shared: the cost measured is the screen's, not building items.
    let everyday = item(1_000_000, "cargo test", Environment::Dev, now);
    let started = Instant::now();
    for _ in 0..100_000 {
        app.on_event(streamed(everyday.clone(), now));
    }
    let apply_100k = started.elapsed();

    let frames = if quick { 50 } else { 300 };
    let mut sizes = Vec::new();
    for (width, height) in [(120, 40), (240, 70)] {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
        let times: Vec<Duration> = (0..frames)
            .map(|_| {
                let start = Instant::now();
                terminal
                    .draw(|frame| render(&app, frame, now, true))
                    .expect("drawn");
                start.elapsed()
            })
            .collect();
        sizes.push((width, height, median(times)));
    }

    // Key to screen under a 5,000/s stream: between two frames (16 ms) about 80 events arrive;
    // the loop applies them, handles the key, and draws. Measured over many such turns.
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    let per_turn = 5_000 * 16 / 1000;
    let turns: Vec<Duration> = (0..frames)
        .map(|n| {
            let start = Instant::now();
            for _ in 0..per_turn {
                app.on_event(streamed(everyday.clone(), now));
            }
            let key = if n % 2 == 0 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            };
            black_box(app.on_key(KeyEvent::new(key, KeyModifiers::NONE)));
            terminal
                .draw(|frame| render(&app, frame, now, true))
                .expect("drawn");
            start.elapsed()
        })
        .collect();
    // An agent that floods the queue with the largest texts a request may carry (4 MiB): twenty
    // such items waiting, one of them in the details pane.
    let mut flooded = App::new(String::new(), Keymap::default());
    for seq in 0..20 {
        let mut action = Action::new(ActionKind::Shell(ShellCommand::Script {
            script: "true".into(),
            cwd: "/repo".into(),
        }));
        action.summary = "A".repeat(1_300_000);
        action.rationale = "B ".repeat(650_000);
        action.dry_run.diff = "+x\n".repeat(430_000);
        let item = Arc::new(Item {
            key: ProposalKey {
                session: SessionId("flood".into()),
                proposal: ProposalId(seq.to_string()),
            },
            seq,
            agent: "flooder".into(),
            digest: ActionDigest::of(&action),
            assessment: Engine::default().assess(
                &action,
                &SessionInfo::default(),
                &Facts::default(),
            ),
            action,
            arrived_at: now,
            expires_at: now + Duration::from_secs(300),
        });
        flooded.on_event(UiEvent::Waiting(item));
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    let huge = median(
        (0..if quick { 10 } else { 50 })
            .map(|_| {
                let start = Instant::now();
                terminal
                    .draw(|frame| render(&flooded, frame, now, true))
                    .expect("drawn");
                start.elapsed()
            })
            .collect(),
    );

    let mut turns = turns;
    turns.sort();
    // A key waits for the next frame: at most one 16 ms interval on top of the turn measured.
    let frame_interval = Duration::from_millis(16);
    println!(
        "console rendering: 10,000 waiting, 100,000 streamed (the screen keeps the newest 10,000); key to screen under 5,000 actions/s"
    );
    summary.micros("apply_event", apply_100k / 100_000);
    for (width, height, time) in sizes {
        summary.millis(&format!("frame_{width}x{height}"), time);
    }
    summary.millis("frame_20_items_of_4mb_text", huge);
    summary.millis("key_to_screen_p50", quantile(&turns, 0.5) + frame_interval);
    summary.millis("key_to_screen_p99", quantile(&turns, 0.99) + frame_interval);
}
