use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use signoff_protocol::{
    Action, ActionDigest, ActionKind, DecidedBy, Decision, Environment, InfraOperation, ProposalId,
    SessionId, SessionInfo, ShellCommand, Verdict,
};

use super::app::{App, Intent, Mode};
use super::view;
use crate::policy::{Engine, Facts, Policy};
use crate::queue::{Item, PersonDecision, ProposalKey, UiEvent};

fn now() -> SystemTime {
    // 12:00:00 UTC
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 - 1_800_000_000 % 86_400 + 12 * 3600)
}

fn item(seq: u64, agent: &str, mut action: Action, environment: Environment) -> Arc<Item> {
    action.target.environment = environment;
    let assessment = Engine::default().assess(&action, &SessionInfo::default(), &Facts::default());
    Arc::new(Item {
        key: ProposalKey {
            session: SessionId("s".into()),
            proposal: ProposalId(format!("p{seq}")),
        },
        seq,
        agent: agent.into(),
        digest: ActionDigest::of(&action),
        action,
        assessment,
        arrived_at: now(),
        expires_at: now() + Duration::from_secs(20 + 100 * (seq % 3)),
    })
}

fn shell(words: &str) -> Action {
    Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: words.split_whitespace().map(String::from).collect(),
        cwd: "/repo".into(),
    }))
}

fn volume_delete() -> Action {
    let mut action = Action::new(ActionKind::Infra(InfraOperation {
        provider: "railway".into(),
        resource: "volume vol-7f3a".into(),
        verb: "delete".into(),
    }));
    action.summary = "Delete the volume to clear the credential mismatch".into();
    action.rationale = "The staging deploy fails; a fresh volume should fix it.".into();
    action
}

fn decided(app: &mut App, item: Arc<Item>, verdict: Verdict, decided_by: DecidedBy) {
    let decision = Decision {
        verdict,
        decided_by,
        note: String::new(),
        action_digest: item.digest,
        decided_at: now() - Duration::from_secs(5),
    };
    app.on_event(UiEvent::Decided { item, decision });
}

fn busy_app() -> App {
    let mut app = App::new("/run/user/1000/signoff/signoff.sock".into());
    for (id, name) in [("a", "claude"), ("b", "codex")] {
        let info = SessionInfo {
            agent_name: name.into(),
            ..SessionInfo::default()
        };
        app.on_event(UiEvent::SessionOpened {
            id: SessionId(id.into()),
            info,
        });
    }
    decided(
        &mut app,
        item(10, "claude", shell("cargo test"), Environment::Dev),
        Verdict::Approved,
        DecidedBy::Stream,
    );
    decided(
        &mut app,
        item(11, "codex", shell("ls -la src"), Environment::Dev),
        Verdict::Approved,
        DecidedBy::Stream,
    );
    let mut migrate = Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: [
            "psql",
            "-h",
            "db.internal",
            "-c",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
        ]
        .map(String::from)
        .to_vec(),
        cwd: "/repo".into(),
    }));
    migrate.dry_run.diff = "--- schema\n+++ schema\n-  email text\n+  email text not null".into();
    app.on_event(UiEvent::Waiting(item(
        1,
        "claude",
        migrate,
        Environment::Staging,
    )));
    app.on_event(UiEvent::Waiting(item(
        2,
        "codex",
        volume_delete(),
        Environment::Production,
    )));
    app
}

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::render(app, frame, now()))
        .unwrap();
    terminal
}

fn press(app: &mut App, code: KeyCode) -> Option<Intent> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert_eq!(press(app, KeyCode::Char(c)), None);
    }
}

#[test]
fn empty_console() {
    let app = App::new("/run/user/1000/signoff/signoff.sock".into());
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

#[test]
fn busy_queue() {
    insta::assert_snapshot!(draw(&busy_app(), 100, 30).backend());
}

#[test]
fn critical_prompt() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('y'));
    type_text(&mut app, "vol-7");
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn quit_confirmation() {
    let mut app = busy_app();
    assert_eq!(press(&mut app, KeyCode::Char('q')), None);
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn y_approves_and_n_denies_the_selected_item() {
    let mut app = busy_app();
    let first = app.waiting[0].key.clone();
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        Some(Intent::Decide(
            first.clone(),
            PersonDecision::Approve { typed: None }
        ))
    );
    assert_eq!(
        press(&mut app, KeyCode::Char('n')),
        Some(Intent::Decide(
            first,
            PersonDecision::Deny {
                note: String::new()
            }
        ))
    );
}

#[test]
fn j_and_k_move_within_the_queue() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.selected, 0);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    assert_eq!(app.selected, 1, "stops at the last item");
    press(&mut app, KeyCode::Up);
    assert_eq!(app.selected, 0);
}

#[test]
fn y_alone_never_approves_a_critical_item() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('j'));
    let critical = app.waiting[1].key.clone();
    assert_eq!(press(&mut app, KeyCode::Char('y')), None);
    assert!(matches!(app.mode, Mode::Typing { .. }));
    // Every key goes to the prompt: y, n and q included.
    type_text(&mut app, "ynq");
    assert_eq!(press(&mut app, KeyCode::Enter), None, "wrong text");
    assert!(matches!(app.mode, Mode::Typing { .. }));
    for _ in 0..3 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "vol-7f3a");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Some(Intent::Decide(
            critical,
            PersonDecision::Approve {
                typed: Some("vol-7f3a".into())
            }
        ))
    );
    assert_eq!(app.mode, Mode::Browsing);
}

#[test]
fn esc_backs_out_of_the_critical_prompt() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('y'));
    type_text(&mut app, "vol-7f3a");
    assert_eq!(press(&mut app, KeyCode::Esc), None);
    assert_eq!(app.mode, Mode::Browsing);
    assert_eq!(app.waiting.len(), 2);
}

#[test]
fn quitting_asks_first_when_items_wait() {
    let mut app = busy_app();
    assert_eq!(press(&mut app, KeyCode::Char('q')), None);
    assert_eq!(
        press(&mut app, KeyCode::Char('x')),
        None,
        "any other key stays"
    );
    assert_eq!(app.mode, Mode::Browsing);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(press(&mut app, KeyCode::Char('q')), Some(Intent::Quit));

    let mut idle = App::new(String::new());
    assert_eq!(press(&mut idle, KeyCode::Char('q')), Some(Intent::Quit));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(idle.on_key(ctrl_c), Some(Intent::Quit));
}

#[test]
fn a_decided_item_leaves_the_queue_and_joins_the_stream() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('j'));
    let first = app.waiting[0].clone();
    decided(&mut app, first, Verdict::Denied, DecidedBy::Person);
    assert_eq!(app.waiting.len(), 1);
    assert_eq!(app.selected, 0, "the selection stays on the same item");
    assert_eq!(app.denied, 1);
    assert_eq!(app.streamed, 2);
    assert_eq!(app.stream.front().unwrap().1.verdict, Verdict::Denied);
}

#[test]
fn agent_text_cannot_drive_the_terminal() {
    let mut app = App::new(String::new());
    let mut action = shell("touch F");
    action.summary = "\x1b]0;pwned\x07\x1b[2J APPROVED \u{202e}".into();
    action.rationale = "\x1b[31mred".into();
    app.on_event(UiEvent::Waiting(item(
        1,
        "evil\x1b[5m",
        action,
        Environment::Staging,
    )));
    let terminal = draw(&app, 100, 30);
    let screen = terminal.backend().to_string();
    assert!(!screen.contains('\x1b'), "an escape reached the screen");
    assert!(
        screen.contains("\\e]0;pwned\\u{7}\\e[2J APPROVED \\u{202e}"),
        "{screen}"
    );
    assert!(screen.contains("evil\\e[5m"), "{screen}");
    assert!(screen.contains("\\e[31mred"), "{screen}");
}
