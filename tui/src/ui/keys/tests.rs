use super::*;

fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

#[test]
fn the_shipped_default_parses_and_binds_every_action() {
    let keys = Keymap::parse(DEFAULT_KEYS, "default_keys.toml", None).unwrap();
    assert_eq!(
        keys.action(press(KeyCode::Char('y'), KeyModifiers::NONE)),
        Some(KeyAction::Approve)
    );
    assert_eq!(
        keys.action(press(KeyCode::Char('N'), KeyModifiers::SHIFT)),
        Some(KeyAction::DenyWithNote)
    );
    assert_eq!(
        keys.action(press(KeyCode::Down, KeyModifiers::NONE)),
        Some(KeyAction::Down)
    );
    assert_eq!(
        keys.action(press(KeyCode::Enter, KeyModifiers::NONE)),
        Some(KeyAction::Details)
    );
    for action in KeyAction::ALL {
        assert!(!keys.key_for(action).is_empty(), "{action:?} has no key");
    }
}

#[test]
fn a_user_file_overrides_what_it_names() {
    let keys = Keymap::parse(
        "approve = \"ctrl-y\"\nquit = [\"q\", \"ctrl-d\"]\n",
        "keys.toml",
        Some(&Keymap::default()),
    )
    .unwrap();
    assert_eq!(
        keys.action(press(KeyCode::Char('y'), KeyModifiers::CONTROL)),
        Some(KeyAction::Approve)
    );
    assert_eq!(
        keys.action(press(KeyCode::Char('y'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        keys.action(press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
        Some(KeyAction::Quit)
    );
    assert_eq!(
        keys.action(press(KeyCode::Char('n'), KeyModifiers::NONE)),
        Some(KeyAction::Deny),
        "untouched"
    );
    assert_eq!(keys.key_for(KeyAction::Approve), "ctrl-y");
}

#[test]
fn bad_files_are_refused_with_the_reason() {
    let base = Keymap::default();
    let conflict = Keymap::parse("approve = \"n\"", "keys.toml", Some(&base))
        .unwrap_err()
        .to_string();
    assert!(conflict.contains("`n` is bound to both"), "{conflict}");
    let unknown = Keymap::parse("approve = \"meta-y\"", "keys.toml", Some(&base))
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("`meta-y` is not a key"), "{unknown}");
    let action = Keymap::parse("launch = \"l\"", "keys.toml", Some(&base))
        .unwrap_err()
        .to_string();
    assert!(action.contains("not a valid keys file"), "{action}");
}

#[test]
fn a_missing_user_file_means_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keymap::load(&dir.path().join("keys.toml")).unwrap();
    assert_eq!(keys.key_for(KeyAction::Quit), "q");
}
