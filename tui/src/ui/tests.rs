use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use signoff_protocol::{
    Action, ActionDigest, ActionKind, DecidedBy, Decision, Environment, InfraOperation, ProposalId,
    SessionId, SessionInfo, ShellCommand, Verdict,
};

use super::app::{App, Intent, Mode, Pane};
use super::keys::Keymap;
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
            session: SessionId(agent.into()),
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
    let waited = app.waiting.iter().any(|w| w.key == item.key);
    app.on_event(UiEvent::Decided {
        item,
        decision,
        waited,
    });
}

fn busy_app() -> App {
    let mut app = App::new(
        "/run/user/1000/signoff/signoff.sock".into(),
        Keymap::default(),
    );
    for (id, name) in [("claude", "claude"), ("codex", "codex")] {
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
            "db.staging.internal",
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

fn draw_with(app: &App, width: u16, height: u16, color: bool) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::render(app, frame, now(), color))
        .unwrap();
    terminal
}

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    draw_with(app, width, height, true)
}

fn press(app: &mut App, code: KeyCode) -> Option<Intent> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert_eq!(press(app, KeyCode::Char(c)), None, "typing {c:?}");
    }
}

fn grant_event(app: &mut App) {
    let item = app.waiting[0].clone();
    let grant =
        crate::queue::Grant::like("g1".into(), &item, now() + Duration::from_secs(900)).unwrap();
    app.on_event(UiEvent::Granted(grant));
}

// ---- snapshots of every screen state ---------------------------------------------------------

#[test]
fn empty_console() {
    let app = App::new(
        "/run/user/1000/signoff/signoff.sock".into(),
        Keymap::default(),
    );
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn busy_queue() {
    insta::assert_snapshot!(draw(&busy_app(), 120, 36).backend());
}

#[test]
fn narrow_terminal() {
    insta::assert_snapshot!(draw(&busy_app(), 80, 24).backend());
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
fn note_editor() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('N'));
    type_text(&mut app, "use the staging replica");
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn grant_prompt() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('a'));
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn help_screen() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn quit_confirmation() {
    let mut app = busy_app();
    assert_eq!(press(&mut app, KeyCode::Char('q')), None);
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn paused_with_sessions_and_grants_focused() {
    let mut app = busy_app();
    grant_event(&mut app);
    app.on_event(UiEvent::Paused(true));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.pane, Pane::Sessions);
    insta::assert_snapshot!(draw(&app, 120, 36).backend());
}

#[test]
fn filtered() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "volume");
    insta::assert_snapshot!(draw(&app, 100, 30).backend());
}

#[test]
fn no_color_draws_no_colour_at_all() {
    let terminal = draw_with(&busy_app(), 100, 30, false);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| cell.fg == ratatui::style::Color::Reset
                && cell.bg == ratatui::style::Color::Reset)
    );
    insta::assert_snapshot!(terminal.backend());
    let coloured = draw_with(&busy_app(), 100, 30, true);
    assert!(
        coloured
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|cell| cell.fg == ratatui::style::Color::Red),
        "colour when allowed"
    );
}

#[test]
fn a_huge_diff_draws_only_what_is_visible() {
    let mut app = App::new(String::new(), Keymap::default());
    let mut action = shell("sed -i s/a/b/ big.txt");
    action.dry_run.diff = (0..100_000).map(|n| format!("+line {n}\n")).collect();
    app.on_event(UiEvent::Waiting(item(
        1,
        "claude",
        action,
        Environment::Staging,
    )));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Details);
    for _ in 0..5 {
        press(&mut app, KeyCode::PageDown);
    }
    let screen = draw(&app, 100, 30).backend().to_string();
    // Five pages of ten down, past the six lines of fields: the diff from its 44th line on.
    assert!(screen.contains("+line 44 "), "{screen}");
    assert!(!screen.contains("+line 0 "), "{screen}");
}

// ---- key behaviour: the intents the screen emits ------------------------------------------------

#[test]
fn y_approves_n_denies_and_shift_n_denies_with_a_note() {
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
            first.clone(),
            PersonDecision::Deny {
                note: String::new()
            }
        ))
    );
    assert_eq!(
        app.on_key(KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT)),
        None
    );
    type_text(&mut app, "ynq are just letters here");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Some(Intent::Decide(
            first,
            PersonDecision::Deny {
                note: "ynq are just letters here".into()
            }
        ))
    );
    assert_eq!(app.mode, Mode::Browsing);
}

#[test]
fn a_grants_duration_is_asked_for_and_critical_items_refuse_it() {
    let mut app = busy_app();
    let first = app.waiting[0].key.clone();
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "30");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Some(Intent::Grant(first, Duration::from_secs(1800)))
    );
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(press(&mut app, KeyCode::Char('a')), None);
    assert_eq!(app.mode, Mode::Browsing);
    assert!(
        app.status
            .as_deref()
            .unwrap_or("")
            .contains("never granted")
    );
}

#[test]
fn y_alone_never_approves_a_critical_item() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('j'));
    let critical = app.waiting[1].key.clone();
    assert_eq!(press(&mut app, KeyCode::Char('y')), None);
    assert!(matches!(app.mode, Mode::Confirm { .. }));
    type_text(&mut app, "ynq");
    assert_eq!(press(&mut app, KeyCode::Enter), None, "wrong text");
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
}

#[test]
fn esc_backs_out_of_every_prompt() {
    for open in [KeyCode::Char('N'), KeyCode::Char('a'), KeyCode::Char('/')] {
        let mut app = busy_app();
        press(&mut app, open);
        assert_ne!(app.mode, Mode::Browsing);
        assert_eq!(press(&mut app, KeyCode::Esc), None);
        assert_eq!(app.mode, Mode::Browsing, "{open:?}");
        assert_eq!(app.waiting.len(), 2);
    }
}

#[test]
fn movement_panes_and_pause() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.selected, 0);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.selected, 1, "stops at the last item");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.pane, Pane::Stream);
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        None,
        "no decisions outside the queue"
    );
    assert_eq!(
        press(&mut app, KeyCode::Char('p')),
        Some(Intent::SetPaused(true))
    );
    app.on_event(UiEvent::Paused(true));
    assert_eq!(
        press(&mut app, KeyCode::Char('p')),
        Some(Intent::SetPaused(false))
    );
}

#[test]
fn x_revokes_the_selected_grant_in_the_sessions_pane() {
    let mut app = busy_app();
    grant_event(&mut app);
    assert_eq!(
        press(&mut app, KeyCode::Char('x')),
        None,
        "only in the sessions pane"
    );
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        press(&mut app, KeyCode::Char('x')),
        Some(Intent::Revoke("g1".into()))
    );
}

#[test]
fn the_filter_narrows_the_queue() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "VOLUME");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.visible_waiting().len(), 1);
    let critical = app.waiting[1].key.clone();
    assert_eq!(app.selected_item().map(|i| i.key.clone()), Some(critical));
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
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(press(&mut app, KeyCode::Char('q')), Some(Intent::Quit));
    let mut idle = App::new(String::new(), Keymap::default());
    assert_eq!(
        idle.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Intent::Quit)
    );
}

#[test]
fn custom_keys_drive_the_same_actions() {
    let keys = Keymap::parse(
        "approve = \"ctrl-y\"",
        "keys.toml",
        Some(&Keymap::default()),
    )
    .unwrap();
    let mut app = busy_app();
    app.keys = keys;
    let first = app.waiting[0].key.clone();
    assert_eq!(press(&mut app, KeyCode::Char('y')), None);
    assert_eq!(
        app.on_key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL)),
        Some(Intent::Decide(
            first,
            PersonDecision::Approve { typed: None }
        ))
    );
    assert!(
        draw(&app, 120, 36)
            .backend()
            .to_string()
            .contains(" ctrl-y  approve")
    );
}

#[test]
fn a_decided_item_leaves_the_queue_and_joins_the_stream() {
    let mut app = busy_app();
    press(&mut app, KeyCode::Char('j'));
    let first = app.waiting[0].clone();
    decided(
        &mut app,
        first.clone(),
        Verdict::Denied,
        DecidedBy::Person(signoff_protocol::TERMINAL.into()),
    );
    assert_eq!(app.waiting.len(), 1);
    assert_eq!(app.selected, 0, "the selection stays on the same item");
    assert_eq!((app.counts.denied, app.counts.streamed), (1, 2));
    let outcome = signoff_protocol::Outcome {
        status: signoff_protocol::OutcomeStatus::Failed,
        exit_code: Some(2),
        result: String::new(),
    };
    app.on_event(UiEvent::Outcome {
        key: first.key.clone(),
        outcome,
    });
    assert_eq!(
        app.stream
            .front()
            .unwrap()
            .outcome
            .as_ref()
            .unwrap()
            .exit_code,
        Some(2)
    );
}

#[test]
fn agent_text_cannot_drive_the_terminal() {
    let mut app = App::new(String::new(), Keymap::default());
    let mut action = shell("touch F");
    action.summary = "\x1b]0;pwned\x07\x1b[2J APPROVED \u{202e}".into();
    action.rationale = "\x1b[31mred".into();
    action.dry_run.diff = "+\x1b[1mbold".into();
    app.on_event(UiEvent::Waiting(item(
        1,
        "evil\x1b[5m",
        action,
        Environment::Staging,
    )));
    let screen = draw(&app, 120, 30).backend().to_string();
    assert!(!screen.contains('\x1b'), "an escape reached the screen");
    assert!(
        screen.contains("\\e]0;pwned\\u{7}\\e[2J APPROVED \\u{202e}"),
        "{screen}"
    );
    assert!(screen.contains("evil\\e[5m"), "{screen}");
    assert!(screen.contains("\\e[31mred"), "{screen}");
    assert!(screen.contains("+\\e[1mbold"), "{screen}");
}

// ---- the History view ------------------------------------------------------------------------

fn session_row(n: u64) -> crate::store::SessionRow {
    crate::store::SessionRow {
        id: format!("s{n}"),
        agent: if n == 0 {
            "cursor".into()
        } else {
            format!("agent-{n}")
        },
        agent_kind: "sdk".into(),
        model: "auto".into(),
        workspace: "/home/you/src/shop".into(),
        opened_at_ms: 1_800_000_000_000 - n as i64 * 3_600_000,
        closed_at_ms: (n > 0).then(|| 1_800_000_000_000 - n as i64 * 3_600_000 + 600_000),
        approved: 12 + n,
        denied: 1,
        expired: 0,
        withdrawn: u64::from(n == 0),
    }
}

fn history_row(seq: i64, verdict: &str) -> crate::store::HistoryRow {
    let action = volume_delete();
    crate::store::HistoryRow {
        seq,
        decided_at_ms: 1_800_000_000_000 + seq * 1000,
        session_id: "s0".into(),
        proposal_id: format!("p{seq}"),
        agent: "cursor".into(),
        kind: "infra".into(),
        summary: action.summary.clone(),
        environment: "production".into(),
        tier: "critical".into(),
        verdict: verdict.into(),
        decided_by: "person".into(),
        grant_id: String::new(),
        note: if verdict == "denied" {
            "Never delete a production volume to fix staging.".into()
        } else {
            String::new()
        },
        action_digest: ActionDigest::of(&action).to_hex(),
        reasons: serde_json::json!([{"rule": "infra.destroy", "why": "railway: `delete` on volume vol-7f3a cannot be undone."}]),
        outcome: None,
        exit_code: None,
        action: Some(action),
    }
}

fn with_history() -> App {
    let mut app = busy_app();
    app.history_kept = true;
    app
}

#[test]
fn h_opens_the_sessions_and_enter_opens_one() {
    use super::history::{HistoryPage, HistoryRequest};
    let mut app = with_history();
    assert_eq!(
        press(&mut app, KeyCode::Char('h')),
        Some(Intent::LoadHistory(HistoryRequest::Sessions {
            text: None,
            offset: 0
        }))
    );
    app.on_history_page(Ok(HistoryPage::Sessions {
        offset: 0,
        rows: (0..3).map(session_row).collect(),
    }));
    insta::assert_snapshot!("history_sessions", draw(&app, 120, 30).backend());
    let Some(Intent::LoadHistory(HistoryRequest::Actions(filter))) =
        press(&mut app, KeyCode::Enter)
    else {
        panic!("asks for the session")
    };
    assert_eq!((filter.session.as_deref(), filter.offset), (Some("s0"), 0));
    app.on_history_page(Ok(HistoryPage::Actions {
        offset: 0,
        rows: vec![history_row(2, "denied"), history_row(1, "withdrawn")],
    }));
    insta::assert_snapshot!("history_actions", draw(&app, 120, 36).backend());
    // Filters ask again from the start.
    let Some(Intent::LoadHistory(HistoryRequest::Actions(filter))) =
        press(&mut app, KeyCode::Char('v'))
    else {
        panic!("reloads")
    };
    assert_eq!(
        (filter.verdict.as_deref(), filter.offset),
        (Some("approved"), 0)
    );
    let Some(Intent::LoadHistory(HistoryRequest::Actions(filter))) =
        press(&mut app, KeyCode::Char('t'))
    else {
        panic!("reloads")
    };
    assert_eq!(
        (filter.tier.as_deref(), filter.verdict.as_deref()),
        (Some("read_only"), Some("approved"))
    );
    // Esc goes back to the sessions, h closes the view; the live queue is as it was.
    assert!(matches!(
        press(&mut app, KeyCode::Esc),
        Some(Intent::LoadHistory(HistoryRequest::Sessions { .. }))
    ));
    assert_eq!(press(&mut app, KeyCode::Char('h')), None);
    assert!(app.history.is_none());
    assert_eq!(app.waiting.len(), 2);
}

#[test]
fn the_history_pages_from_the_database_as_you_scroll() {
    use super::history::{HistoryPage, HistoryRequest, PAGE_ROWS};
    let mut app = with_history();
    press(&mut app, KeyCode::Char('h'));
    let page: Vec<_> = (0..PAGE_ROWS).map(session_row).collect();
    app.on_history_page(Ok(HistoryPage::Sessions {
        offset: 0,
        rows: page,
    }));
    let mut asked = None;
    for _ in 0..PAGE_ROWS {
        if let Some(intent) = press(&mut app, KeyCode::Char('j')) {
            asked = Some(intent);
            break;
        }
    }
    assert_eq!(
        asked,
        Some(Intent::LoadHistory(HistoryRequest::Sessions {
            text: None,
            offset: PAGE_ROWS
        }))
    );
    // A short page means the end: no more requests.
    app.on_history_page(Ok(HistoryPage::Sessions {
        offset: PAGE_ROWS,
        rows: vec![session_row(999)],
    }));
    for _ in 0..30 {
        assert_eq!(press(&mut app, KeyCode::Char('j')), None);
    }
}

#[test]
fn the_history_search_and_a_console_without_history() {
    use super::history::HistoryRequest;
    let mut app = with_history();
    press(&mut app, KeyCode::Char('h'));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "cursor");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Some(Intent::LoadHistory(HistoryRequest::Sessions {
            text: Some("cursor".into()),
            offset: 0
        }))
    );

    let mut demo = busy_app();
    assert_eq!(press(&mut demo, KeyCode::Char('h')), None);
    assert!(
        demo.status
            .as_deref()
            .unwrap_or("")
            .contains("No history to show here")
    );
}

#[test]
fn a_frozen_agent_is_marked_and_f_unfreezes_the_selected_items_agent() {
    let mut app = busy_app();
    let selected = app.selected_item().unwrap().key.session.clone();
    assert_eq!(
        press(&mut app, KeyCode::Char('f')),
        Some(Intent::SetFrozen(selected.clone(), true))
    );
    app.on_event(UiEvent::SessionFrozen {
        id: selected.clone(),
        why: "4 risky or critical actions within 10 s".into(),
    });
    let status = app.status.clone().unwrap();
    assert!(
        status.contains("(4 risky or critical actions within 10 s)") && status.contains("f on one"),
        "{status}"
    );
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    insta::assert_snapshot!(draw(&app, 120, 36).backend());
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        press(&mut app, KeyCode::Char('f')),
        Some(Intent::SetFrozen(selected.clone(), false))
    );
    app.on_event(UiEvent::SessionUnfrozen { id: selected });
    assert!(app.sessions.values().all(|s| s.frozen.is_none()));
}

#[test]
fn the_first_of_two_approvals_shows_as_one_of_two_until_the_decision() {
    let mut app = busy_app();
    let first = app.waiting[0].clone();
    app.on_event(UiEvent::FirstApproval {
        key: first.key.clone(),
        by: signoff_protocol::TERMINAL.into(),
    });
    let headline = first.action.headline();
    let row = format!("1 of 2 {}", &headline[..20]);
    let screen = draw(&app, 120, 30).backend().to_string();
    assert!(screen.contains(&row), "{screen}");
    assert!(
        app.status
            .as_deref()
            .is_some_and(|status| status.contains("waits for another reviewer")),
        "{:?}",
        app.status
    );
    assert_eq!(app.waiting.len(), 2, "it still waits");

    decided(
        &mut app,
        first,
        Verdict::Approved,
        DecidedBy::Person("terminal and Jer's phone".into()),
    );
    let screen = draw(&app, 120, 30).backend().to_string();
    assert!(!screen.contains(&row), "{screen}");
    // The stream's column is narrow: who decided, cut to fit.
    assert!(screen.contains("approved (terminal…)"), "{screen}");
    assert!(app.first_approvals.is_empty());
}

#[test]
fn a_pairing_code_is_typed_and_a_reviewer_revoked_from_the_reviewers_prompt() {
    let mut app = busy_app();
    assert_eq!(
        press(&mut app, KeyCode::Char('P')),
        Some(Intent::ListReviewers)
    );
    app.on_reviewers(vec![
        crate::reviewers::ReviewerInfo {
            id: "r1".into(),
            name: "alice".into(),
            paired_at: now(),
        },
        crate::reviewers::ReviewerInfo {
            id: "r2".into(),
            name: "bob's laptop".into(),
            paired_at: now(),
        },
    ]);
    // Typed in lower case, with a space the prompt does not keep: the code as shown.
    type_text(&mut app, "k7qm-4zxa");
    assert_eq!(press(&mut app, KeyCode::Char(' ')), None);
    insta::assert_debug_snapshot!("reviewers_prompt", draw(&app, 100, 30).backend());
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Some(Intent::Pair("K7QM-4ZXA".into()))
    );
    // The keys that decide are letters of a code here: nothing is decided while it is open.
    assert_eq!(press(&mut app, KeyCode::Char('y')), None);
    assert_eq!(press(&mut app, KeyCode::Backspace), None);
    press(&mut app, KeyCode::Down);
    assert_eq!(
        press(&mut app, KeyCode::Delete),
        Some(Intent::RevokeReviewer("r2".into()))
    );
    app.on_reviewers(Vec::new());
    assert_eq!(press(&mut app, KeyCode::Delete), None);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Browsing);
}

#[test]
fn w_shows_the_qr_code_that_pairs_a_phone_until_any_key() {
    let mut app = busy_app();
    assert_eq!(
        press(&mut app, KeyCode::Char('W')),
        Some(Intent::InvitePhone)
    );
    let invitation = crate::ui::app::PhoneInvitation {
        url: "http://127.0.0.1:7071/#pair=4MXE-8T7F".into(),
        code: "4MXE-8T7F".into(),
        until: now() + crate::reviewers::PAIRING_TIME,
    };
    app.on_phone_invitation(invitation.clone());
    insta::assert_snapshot!("phone_pairing", draw(&app, 100, 40).backend());
    // Too short a terminal for the code: the link and a hint instead of half a code.
    let short = format!("{}", draw(&app, 100, 24).backend());
    assert!(short.contains("#pair=4MXE-8T7F") && short.contains("taller terminal"));
    assert!(!short.contains('▀'));
    // Expired: no code to scan, and how to get a new one.
    app.on_phone_invitation(crate::ui::app::PhoneInvitation {
        until: now(),
        ..invitation
    });
    let expired = format!("{}", draw(&app, 100, 40).backend());
    assert!(expired.contains("expired: press W") && !expired.contains('▀'));
    // The keys that decide do not decide while it is open: they close it.
    assert_eq!(press(&mut app, KeyCode::Char('y')), None);
    assert_eq!(app.mode, Mode::Browsing);
}

#[test]
fn quitting_an_attached_screen_withdraws_nothing_so_it_does_not_ask() {
    let mut console = busy_app();
    assert_eq!(press(&mut console, KeyCode::Char('q')), None);
    assert_eq!(
        console.mode,
        Mode::ConfirmQuit,
        "items wait: the console asks"
    );
    let mut attached = busy_app();
    attached.quit_withdraws = false;
    assert_eq!(press(&mut attached, KeyCode::Char('q')), Some(Intent::Quit));
}
