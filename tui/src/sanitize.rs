//! Agent-supplied text made inert before it reaches the terminal (docs/concepts.md invariant 6).
//!
//! Control characters (which start escape sequences: CSI, OSC, DCS…), bidi overrides and
//! invisible characters are replaced by visible escapes such as `\e` or `\u{202e}`, so an agent
//! can neither drive the terminal nor make text read differently from what it is.

use std::borrow::Cow;

/// `text` with every character that is not plainly visible shown as an escape.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            _ if !needs_escape(c) => out.push(c),
            '\x1b' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// One line of at most `max` characters: inert, with a marker when cut. Only what can show is
/// looked at, so a 4 MB summary costs what a short one does.
pub fn line(text: &str, max: usize) -> String {
    let shown = text
        .char_indices()
        .nth(max)
        .map_or(text, |(at, _)| &text[..at]);
    let escaped = inert(shown);
    if shown.len() == text.len() && escaped.chars().count() <= max {
        return escaped.into_owned();
    }
    let mut cut: String = escaped.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // bidi embeddings, overrides and isolates
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
            // zero-width and invisible characters
            | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{00ad}'
            // line and paragraph separators
            | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests;
