//! What keeps brush-parser safe to run on an agent's input: text it would panic on, or nest or
//! backtrack in beyond any stack, is refused before it is parsed.

use brush_parser::Token;

/// Longest accepted input.
pub(super) const MAX_INPUT_BYTES: usize = 1 << 20;
/// Inputs whose [`crude_complexity`] is at most this are parsed on the caller's stack.
pub(super) const INLINE_COMPLEXITY: usize = 40;
/// Inputs with a higher [`crude_complexity`] are rejected.
pub(super) const MAX_COMPLEXITY: usize = 10_000;
/// Stack reserved per nesting token on the big-stack path (debug builds use ~17 KiB/level).
pub(super) const STACK_PER_LEVEL: usize = 64 << 10;
/// Max nesting of `(` and `case` (brush-parser backtracks exponentially in these).
const MAX_EXPONENTIAL_NESTING: usize = 12;
/// Max overall nesting depth (quote-aware estimate).
pub(super) const MAX_NESTING: usize = 200;

/// Refuses a script nested deeper than the parser can take: `(` and `case` levels beyond
/// [`MAX_EXPONENTIAL_NESTING`] (brush-parser backtracks exponentially in them), any nesting
/// beyond [`MAX_NESTING`].
pub(super) fn check_nesting(src: &str) -> Result<(), String> {
    let scan = scan_nesting(src);
    if scan.max_exponential > MAX_EXPONENTIAL_NESTING {
        return Err(format!(
            "parentheses/case nested too deeply ({} levels, limit {MAX_EXPONENTIAL_NESTING})",
            scan.max_exponential
        ));
    }
    if scan.max_depth > MAX_NESTING {
        return Err(format!(
            "nesting too deep ({} levels, limit {MAX_NESTING})",
            scan.max_depth
        ));
    }
    Ok(())
}

/// brush-parser panics (`unwrap` on i32 parse) on an over-long fd number such as
/// `99999999999>x`; reject those up front.
pub(super) fn check_io_numbers(tokens: &[Token]) -> Result<(), String> {
    for pair in tokens.windows(2) {
        if let [Token::Word(w, wl), Token::Operator(op, ol)] = pair
            && !w.is_empty()
            && w.bytes().all(|b| b.is_ascii_digit())
            && op.starts_with(['<', '>'])
            && wl.end.index == ol.start.index
            && w.parse::<i32>().is_err()
        {
            return Err(format!("file descriptor number too large: {w}"));
        }
    }
    Ok(())
}

/// Quote-agnostic upper bound on nesting depth: counts every char and keyword that can open a
/// nesting level anywhere in brush-parser's recursive grammars.
pub(super) fn crude_complexity(s: &str) -> usize {
    let mut count = 0;
    let mut word_start = 0;
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'(' | b'{' | b'[' | b'`' | b'!') {
            count += 1;
        }
        if !b.is_ascii_alphanumeric() && b != b'_' {
            if i > word_start && is_opening_keyword(&bytes[word_start..i]) {
                count += 1;
            }
            word_start = i + 1;
        }
    }
    if is_opening_keyword(&bytes[word_start.min(bytes.len())..]) {
        count += 1;
    }
    count
}

fn is_opening_keyword(w: &[u8]) -> bool {
    matches!(
        w,
        b"if" | b"while" | b"until" | b"for" | b"select" | b"case" | b"coproc" | b"function"
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `(`: subshell, arithmetic command or function parens (exponential in brush-parser).
    Paren,
    /// Second `(` of `((`.
    Arith,
    /// `$(`: its body is parsed separately, so it does not compound the exponent.
    Subst,
    /// Second `(` of `$((`.
    SubstArith,
    Brace,
    Keyword,
    Case,
    DoubleQuote,
    /// `${...}` inside double quotes or an unquoted here-doc.
    QuotedParam,
    Backtick,
    HereDoc,
}

#[derive(Default)]
struct Nesting {
    max_depth: usize,
    max_exponential: usize,
}

/// Quote- and here-doc-aware estimate of nesting depth; `max_exponential` counts only `(` and
/// `case` levels, on which brush-parser's PEG grammar backtracks exponentially.
fn scan_nesting(src: &str) -> Nesting {
    scan_frames(src.as_bytes(), Vec::new())
}

fn scan_frames(b: &[u8], mut stack: Vec<Frame>) -> Nesting {
    let is_expo = |f: &Frame| matches!(f, Frame::Paren | Frame::Arith | Frame::Case);
    let mut result = Nesting::default();
    let mut expo = stack.iter().filter(|f| is_expo(f)).count();
    let base_depth = stack.len();
    let mut pending: Vec<(Vec<u8>, bool, bool)> = Vec::new(); // (delimiter, strip tabs, quoted)
    let mut i = 0;
    let mut word_start = true;
    macro_rules! push {
        ($f:expr) => {{
            let f = $f;
            if is_expo(&f) {
                expo += 1;
            }
            stack.push(f);
            result.max_depth = result.max_depth.max(stack.len() - base_depth);
            result.max_exponential = result.max_exponential.max(expo);
        }};
    }
    macro_rules! pop_to {
        ($pred:expr) => {{
            if let Some(pos) = stack.iter().rposition($pred) {
                if pos >= base_depth {
                    for f in stack.drain(pos..) {
                        if is_expo(&f) {
                            expo -= 1;
                        }
                    }
                }
            }
        }};
    }
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let top = stack.last().copied();
        if matches!(
            top,
            Some(Frame::DoubleQuote | Frame::HereDoc | Frame::QuotedParam)
        ) {
            match c {
                b'\\' => i += 1,
                b'"' if top == Some(Frame::DoubleQuote) => pop_to!(|f| *f == Frame::DoubleQuote),
                b'"' if top == Some(Frame::QuotedParam) => push!(Frame::DoubleQuote),
                b'}' if top == Some(Frame::QuotedParam) => pop_to!(|f| *f == Frame::QuotedParam),
                b'$' if next == Some(b'(') => {
                    push!(Frame::Subst);
                    i += 1;
                    if b.get(i + 1) == Some(&b'(') {
                        push!(Frame::SubstArith);
                        i += 1;
                    }
                    word_start = true;
                }
                b'$' if next == Some(b'{') => {
                    push!(Frame::QuotedParam);
                    i += 1;
                }
                b'`' => push!(Frame::Backtick),
                _ => {}
            }
            i += 1;
            continue;
        }
        let mut starts_word = false;
        match c {
            b'\\' => i += 1,
            b'\'' => {
                let ansi = i > 0 && b[i - 1] == b'$';
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += if ansi && b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'"' => push!(Frame::DoubleQuote),
            b'`' if top == Some(Frame::Backtick) => pop_to!(|f| *f == Frame::Backtick),
            b'`' => {
                push!(Frame::Backtick);
                starts_word = true;
            }
            b'(' => {
                let subst = i > 0 && b[i - 1] == b'$';
                push!(if subst { Frame::Subst } else { Frame::Paren });
                if next == Some(b'(') {
                    // `((` / `$((`: arithmetic, where `<<` is a shift, not a here-doc.
                    push!(if subst {
                        Frame::SubstArith
                    } else {
                        Frame::Arith
                    });
                    i += 1;
                }
                starts_word = true;
            }
            b')' => {
                // A `)` directly inside `case` ends a pattern.
                if top != Some(Frame::Case) {
                    pop_to!(|f| matches!(
                        f,
                        Frame::Paren | Frame::Arith | Frame::Subst | Frame::SubstArith
                    ));
                }
                starts_word = true;
            }
            b'{' => push!(Frame::Brace),
            b'}' => pop_to!(|f| *f == Frame::Brace),
            b'#' if word_start => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'<' if next == Some(b'<')
                && b.get(i + 2) != Some(&b'<')
                && !stack
                    .iter()
                    .any(|f| matches!(f, Frame::Arith | Frame::SubstArith)) =>
            {
                i += 2;
                let strip = b.get(i) == Some(&b'-');
                if strip {
                    i += 1;
                }
                while i < b.len() && matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
                let (mut delim, mut quoted, mut quote) = (Vec::new(), false, 0u8);
                while i < b.len() {
                    let d = b[i];
                    if quote != 0 {
                        if d == quote {
                            quote = 0;
                        } else {
                            delim.push(d);
                        }
                    } else if d == b'\'' || d == b'"' {
                        quote = d;
                        quoted = true;
                    } else if d == b'\\' {
                        quoted = true;
                        if let Some(&e) = b.get(i + 1) {
                            delim.push(e);
                        }
                        i += 1;
                    } else if d.is_ascii_whitespace() || b";&|()<>".contains(&d) {
                        break;
                    } else {
                        delim.push(d);
                    }
                    i += 1;
                }
                pending.push((delim, strip, quoted));
                continue;
            }
            b'\n' if !pending.is_empty() => {
                i += 1;
                for (delim, strip, quoted) in std::mem::take(&mut pending) {
                    let body_start = i;
                    let mut body_end = b.len();
                    while i < b.len() {
                        let line_end = b[i..]
                            .iter()
                            .position(|&x| x == b'\n')
                            .map_or(b.len(), |p| i + p);
                        let mut line = &b[i..line_end];
                        if strip {
                            while let [b'\t', rest @ ..] = line {
                                line = rest;
                            }
                        }
                        if line == delim.as_slice() {
                            body_end = i;
                            i = (line_end + 1).min(b.len());
                            break;
                        }
                        i = (line_end + 1).min(b.len());
                    }
                    if !quoted {
                        let body = b
                            .get(body_start..body_end.max(body_start))
                            .unwrap_or_default();
                        let inner = scan_frames(body, vec![Frame::HereDoc]);
                        result.max_depth = result
                            .max_depth
                            .max(stack.len() - base_depth + inner.max_depth);
                        result.max_exponential =
                            result.max_exponential.max(expo + inner.max_exponential);
                    }
                }
                word_start = true;
                continue;
            }
            _ if word_start && c.is_ascii_alphabetic() => {
                let end = b[i..]
                    .iter()
                    .position(|x| !x.is_ascii_alphanumeric() && *x != b'_')
                    .map_or(b.len(), |p| i + p);
                let word = &b[i..end];
                let delimited = b
                    .get(end)
                    .is_none_or(|x| x.is_ascii_whitespace() || b";&|()<>`".contains(x));
                if delimited {
                    match word {
                        b"if" | b"while" | b"until" | b"for" | b"select" => push!(Frame::Keyword),
                        b"case" => push!(Frame::Case),
                        b"fi" | b"done" => pop_to!(|f| *f == Frame::Keyword),
                        b"esac" => pop_to!(|f| *f == Frame::Case),
                        _ => {}
                    }
                }
                i = end;
                word_start = false;
                continue;
            }
            _ => starts_word = c.is_ascii_whitespace() || b";&|<>".contains(&c),
        }
        word_start = starts_word;
        i += 1;
    }
    result
}
