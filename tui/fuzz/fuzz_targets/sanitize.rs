//! The sanitiser: whatever an agent sends, what reaches the terminal has no control character,
//! and a line is never longer than asked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signoff_tui::sanitize::{inert, line};

fuzz_target!(|input: (&str, u8)| {
    let (text, max) = input;
    let shown = inert(text);
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(!shown.contains('\u{202e}') && !shown.contains('\u{200b}'));
    let max = usize::from(max).max(1);
    let cut = line(text, max);
    assert!(cut.chars().count() <= max, "{cut:?} over {max}");
    assert!(!cut.chars().any(char::is_control));
});
