use super::*;

#[test]
fn plain_text_is_untouched() {
    assert!(matches!(
        inert("cargo test -- --nocapture ü 日本"),
        Cow::Borrowed(_)
    ));
}

#[test]
fn escape_sequences_become_visible() {
    assert_eq!(
        inert("\x1b[2J\x1b]0;pwned\x07ok"),
        "\\e[2J\\e]0;pwned\\u{7}ok"
    );
    assert_eq!(inert("a\nb\rc\td"), "a\\nb\\rc\\td");
    assert_eq!(inert("\u{9b}31m"), "\\u{9b}31m", "8-bit CSI");
    assert_eq!(inert("\x1bP1$r\x1b\\"), "\\eP1$r\\e\\", "DCS");
}

#[test]
fn bidi_and_invisible_characters_become_visible() {
    assert_eq!(inert("rm \u{202e}txt.exe"), "rm \\u{202e}txt.exe");
    assert_eq!(inert("a\u{200b}b\u{feff}"), "a\\u{200b}b\\u{feff}");
}

#[test]
fn long_lines_are_cut_with_a_marker() {
    assert_eq!(line("abcdef", 4), "abc…");
    assert_eq!(line("abcd", 4), "abcd");
    assert_eq!(line("\x1b[1m", 3), "\\e…");
    assert_eq!(
        line("abc\x1b", 4),
        "abc…",
        "an escape past the end still cuts"
    );
    assert_eq!(line("日本語", 3), "日本語");
    assert_eq!(line(&"A".repeat(4_000_000), 5), "AAAA…");
}
