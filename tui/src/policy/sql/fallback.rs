//! The fallback when no dialect parses a statement: a small lexer that splits scripts at
//! top-level `;` (not inside literals, identifiers, comments or dollar quotes) and a keyword scan
//! that ignores literals and comments.

use super::{Effect, SqlFinding, unparsed};

// ---------------------------------------------------------------------------------------------
// Fallback: a tiny lexer for splitting and keyword scanning
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok<'a> {
    /// Unquoted word, as written.
    Word(&'a str),
    /// Quoted identifier (`"x"`, `` `x` ``), unquoted.
    Quoted(String),
    /// String literal (content ignored for keyword scans).
    Str(&'a str),
    /// Body of a dollar-quoted string (`$$ … $$`).
    Dollar(&'a str),
    /// `;` at this byte offset.
    Semi(usize),
    Punct(char),
}

/// Lexes `sql` into tokens, dropping whitespace and comments. Never panics; unterminated
/// literals/comments run to the end of the text.
pub(super) fn lex(sql: &str, mysql: bool) -> Vec<Tok<'_>> {
    let b = sql.as_bytes();
    let n = b.len();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < n {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && next == Some(b'-') || c == b'#' && mysql {
            while i < n && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && next == Some(b'*') {
            let mut depth = 1;
            i += 2;
            while i < n && depth > 0 {
                if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
        } else if c == b'\'' || c == b'"' || c == b'`' {
            // E'…' strings (Postgres) always honour backslash escapes.
            let e_prefix = c == b'\''
                && i > 0
                && matches!(b[i - 1], b'e' | b'E')
                && matches!(toks.last(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("E"));
            if e_prefix {
                toks.pop();
            }
            let esc = c == b'\'' && (mysql || e_prefix);
            let start = i + 1;
            let mut j = start;
            loop {
                if j >= n {
                    break;
                }
                if esc && b[j] == b'\\' {
                    j += 2;
                    continue;
                }
                if b[j] == c {
                    if b.get(j + 1) == Some(&c) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j += 1;
            }
            let end = j.min(n);
            let body = sql.get(start..end).unwrap_or("");
            toks.push(if c == b'\'' {
                Tok::Str(body)
            } else {
                Tok::Quoted(body.to_string())
            });
            i = end + 1;
        } else if c == b'$' && dollar_tag_len(&b[i..]).is_some() {
            let tag_len = dollar_tag_len(&b[i..]).unwrap_or(2);
            let tag = &b[i..i + tag_len];
            let start = i + tag_len;
            let end = find_sub(&b[start..], tag).map(|p| start + p);
            match end {
                Some(e) => {
                    toks.push(Tok::Dollar(sql.get(start..e).unwrap_or("")));
                    i = e + tag_len;
                }
                None => {
                    toks.push(Tok::Dollar(sql.get(start..).unwrap_or("")));
                    i = n;
                }
            }
        } else if c == b';' {
            toks.push(Tok::Semi(i));
            i += 1;
        } else if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 {
            let start = i;
            while i < n
                && (b[i] == b'_' || b[i] == b'$' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80)
            {
                i += 1;
            }
            toks.push(Tok::Word(sql.get(start..i).unwrap_or("")));
        } else {
            toks.push(Tok::Punct(c as char));
            i += 1;
        }
    }
    toks
}

/// The first token, uppercased, if it is a word ("" otherwise).
pub(super) fn lead_word(toks: &[Tok<'_>]) -> String {
    match toks.first() {
        Some(Tok::Word(w)) => w.to_ascii_uppercase(),
        _ => String::new(),
    }
}

/// Length of a dollar-quote tag (`$$` or `$tag$`) at the start of `b`, if any.
fn dollar_tag_len(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&b'$') {
        return None;
    }
    let mut j = 1;
    while j < b.len()
        && (b[j] == b'_' || b[j].is_ascii_alphabetic() || (j > 1 && b[j].is_ascii_digit()))
    {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1)
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits a script at top-level `;` (not inside literals, identifiers, comments or dollar quotes).
pub(super) fn split_statements(sql: &str, backslash: bool) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for t in lex(sql, backslash) {
        if let Tok::Semi(pos) = t {
            pieces.push(sql.get(start..pos).unwrap_or(""));
            start = pos + 1;
        }
    }
    pieces.push(sql.get(start..).unwrap_or(""));
    pieces.retain(|p| !p.trim().is_empty());
    pieces
}

/// Words that may sit between DROP/TRUNCATE/ALTER and the object name.
#[rustfmt::skip]
const NAME_PREFIX_WORDS: &[&str] = &[
    "TABLE", "TABLES", "DATABASE", "SCHEMA", "VIEW", "INDEX", "MATERIALIZED", "TEMPORARY", "TEMP",
    "IF", "EXISTS", "ONLY", "SEQUENCE", "TABLESPACE", "USER", "ROLE", "FUNCTION", "PROCEDURE",
    "TRIGGER", "TYPE", "EXTENSION", "SERVER", "PUBLICATION", "SUBSCRIPTION", "OWNED", "BY",
    "FOREIGN", "CONCURRENTLY", "UNLOGGED", "EVENT", "DOMAIN", "POLICY", "RULE", "AGGREGATE",
    "COLLATION", "CONVERSION", "LANGUAGE", "OPERATOR", "CLASS", "FAMILY", "STATISTICS", "TEXT",
    "SEARCH", "CONFIGURATION", "DICTIONARY", "PARSER", "TEMPLATE", "ACCESS", "METHOD", "CAST",
    "TRANSFORM", "DATA", "WRAPPER", "MAPPING", "FOR", "GROUP", "ROUTINE", "PARTITION", "STAGE",
    "STREAM", "WAREHOUSE", "EXTERNAL", "PROCEDURAL", "TRUSTED", "LOGFILE", "UNDO", "SPATIAL",
    "REFERENCE", "SYSTEM", "VIRTUAL", "SNAPSHOT", "CATALOG", "CONNECTOR", "SECRET",
];

/// The (last component of the) name following `toks[at]`, skipping object-kind keywords.
fn name_after(toks: &[Tok<'_>], at: usize) -> Option<String> {
    let mut i = at + 1;
    while toks
        .get(i)
        .is_some_and(|t| matches!(t, Tok::Word(w) if NAME_PREFIX_WORDS.iter().any(|k| w.eq_ignore_ascii_case(k))))
    {
        i += 1;
    }
    let mut name = None;
    loop {
        match toks.get(i) {
            Some(Tok::Word(w)) => name = Some(w.to_string()),
            Some(Tok::Quoted(q)) => name = Some(q.clone()),
            _ => return name,
        }
        if toks.get(i + 1) != Some(&Tok::Punct('.')) {
            return name;
        }
        i += 2;
    }
}

/// Finds a DROP/TRUNCATE word outside literals and comments, with the object it names.
fn find_destroy(
    toks: &[Tok<'_>],
    mysql: bool,
    depth: u8,
) -> Option<(&'static str, Option<String>)> {
    let lead = lead_word(toks);
    for (i, t) in toks.iter().enumerate() {
        let word = match t {
            Tok::Word(w) if w.eq_ignore_ascii_case("DROP") => "DROP",
            Tok::Word(w) if w.eq_ignore_ascii_case("TRUNCATE") => "TRUNCATE",
            _ => continue,
        };
        // `ALTER TABLE t DROP …`: the object is the table, not what follows DROP.
        let at = if lead == "ALTER" { 0 } else { i };
        return Some((word, name_after(toks, at)));
    }
    // `DO $$ … $$` runs its body right away: look inside it.
    if depth < 4 && lead == "DO" {
        for t in toks {
            if let Tok::Dollar(body) | Tok::Str(body) = t
                && let Some(found) = find_destroy(&lex(body, mysql), mysql, depth + 1)
            {
                return Some(found);
            }
        }
    }
    None
}

/// Keyword scan of one statement that no dialect could parse.
pub(super) fn scan_unparsed(piece: &str, mysql: bool) -> Option<SqlFinding> {
    let toks = lex(piece, mysql);
    toks.first()?;
    let lead = lead_word(&toks);
    let lead = lead.as_str();
    const PREFIX: &str = "Could not be parsed fully";

    if let Some((word, object)) = find_destroy(&toks, mysql, 0) {
        let why = match &object {
            Some(o) => format!("{PREFIX} and looks like a {word} of `{o}`."),
            None => format!("{PREFIX} and looks like a {word}."),
        };
        return Some(unparsed(Effect::Destroy, why, object));
    }

    let has_any = |ws: &[&str]| {
        toks.iter()
            .any(|t| matches!(t, Tok::Word(w) if ws.iter().any(|k| w.eq_ignore_ascii_case(k))))
    };
    const DML: &[&str] = &[
        "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "GRANT", "REVOKE", "COPY",
    ];
    let is_read = match lead {
        "SELECT" | "SHOW" | "DESCRIBE" | "DESC" | "VALUES" => true,
        "EXPLAIN" => !(has_any(&["ANALYZE", "ANALYSE"]) && has_any(DML)),
        "WITH" => !has_any(DML),
        "PRAGMA" => !toks.contains(&Tok::Punct('=')),
        _ => false,
    };
    if is_read {
        return Some(unparsed(
            Effect::Read,
            format!("{PREFIX}; it looks like a read-only {lead}."),
            None,
        ));
    }
    let why = if lead.is_empty() {
        format!("{PREFIX}; treat it as a change.")
    } else {
        format!("{PREFIX}; this {lead} statement may change data.")
    };
    Some(unparsed(Effect::Write, why, None))
}
