//! The leaves of a command, where substitutions hide: its words (quotes removed, `$(...)` and
//! `` `...` `` walked), redirections (here-document bodies too), `[[ ]]` tests, arithmetic, and
//! process substitutions, whose commands pipe into and out of the command that uses them.

use brush_parser::ast;
use brush_parser::word::{self, WordPiece, WordPieceWithSource};

use super::{Ctx, Redirect, RedirectKind, Walker, span_text};

impl Walker {
    /// Walks `<(...)` / `>(...)` used by `owners`; returns its source text.
    pub(super) fn process_subst(
        &mut self,
        kind: &ast::ProcessSubstitutionKind,
        sub: &ast::SubshellCommand,
        owners: &[usize],
        ctx: Ctx<'_>,
        heads: &mut Vec<usize>,
    ) -> Result<String, String> {
        let inner = self.compound_list(&sub.list, ctx)?;
        let text = span_text(ctx.src, &sub.loc);
        Ok(match kind {
            ast::ProcessSubstitutionKind::Read => {
                // `cmd <(x)`: x inherits the shell's stdin and its output feeds cmd.
                heads.extend(inner.heads);
                self.link(&inner.tails, owners);
                format!("<{text}")
            }
            ast::ProcessSubstitutionKind::Write => {
                // `cmd >(x)`: cmd's output feeds x.
                self.link(owners, &inner.heads);
                format!(">{text}")
            }
        })
    }

    pub(super) fn redirect(
        &mut self,
        r: &ast::IoRedirect,
        owners: &[usize],
        ctx: Ctx<'_>,
        heads: &mut Vec<usize>,
    ) -> Result<Redirect, String> {
        use ast::IoFileRedirectKind as K;
        use ast::IoFileRedirectTarget as T;
        Ok(match r {
            ast::IoRedirect::File(fd, kind, target) => {
                let mut rk = match kind {
                    K::Read => RedirectKind::Read,
                    K::Write | K::Clobber | K::ReadAndWrite => RedirectKind::Write,
                    K::Append => RedirectKind::Append,
                    K::DuplicateInput | K::DuplicateOutput => RedirectKind::Other,
                };
                let target = match target {
                    T::Filename(w) => self.word(&w.value, ctx, heads)?,
                    T::Fd(n) => n.to_string(),
                    T::Duplicate(w) => {
                        let t = self.word(&w.value, ctx, heads)?;
                        // `>&file` (no fd or fd 1) writes stdout+stderr to a file.
                        if matches!(kind, K::DuplicateOutput)
                            && matches!(fd, None | Some(1))
                            && !is_fd_word(&t)
                        {
                            rk = RedirectKind::Write;
                        }
                        t
                    }
                    T::ProcessSubstitution(pkind, sub) => {
                        self.process_subst(pkind, sub, owners, ctx, heads)?
                    }
                };
                Redirect { kind: rk, target }
            }
            ast::IoRedirect::OutputAndError(w, append) => Redirect {
                kind: if *append {
                    RedirectKind::Append
                } else {
                    RedirectKind::Write
                },
                target: self.word(&w.value, ctx, heads)?,
            },
            ast::IoRedirect::HereString(_, w) => Redirect {
                kind: RedirectKind::HereString,
                target: self.word(&w.value, ctx, heads)?,
            },
            ast::IoRedirect::HereDocument(_, doc) => {
                let body = &doc.doc.value;
                // An unquoted delimiter means `$(...)` in the body runs.
                if doc.requires_expansion && body.contains(['$', '`']) {
                    let pieces = word::parse_heredoc(body, &self.opts)
                        .map_err(|e| format!("cannot parse here-document body: {e}"))?;
                    let mut sink = String::new();
                    self.pieces(body, &pieces, ctx, heads, &mut sink)?;
                }
                Redirect {
                    kind: RedirectKind::HereDoc,
                    target: body.clone(),
                }
            }
        })
    }

    pub(super) fn test_expr(
        &mut self,
        expr: &ast::ExtendedTestExpr,
        ctx: Ctx<'_>,
        heads: &mut Vec<usize>,
    ) -> Result<(), String> {
        use ast::ExtendedTestExpr as E;
        match expr {
            E::And(a, b) | E::Or(a, b) => {
                self.test_expr(a, ctx, heads)?;
                self.test_expr(b, ctx, heads)
            }
            E::Not(a) | E::Parenthesized(a) => self.test_expr(a, ctx, heads),
            E::UnaryTest(_, w) => self.word(&w.value, ctx, heads).map(drop),
            E::BinaryTest(_, l, r) => {
                self.word(&l.value, ctx, heads)?;
                self.word(&r.value, ctx, heads).map(drop)
            }
        }
    }

    /// Finds command substitutions inside arithmetic text.
    pub(super) fn arithmetic(
        &mut self,
        text: &str,
        ctx: Ctx<'_>,
        heads: &mut Vec<usize>,
    ) -> Result<(), String> {
        if !text.contains("$(") && !text.contains('`') {
            return Ok(());
        }
        self.word(text, ctx, heads).map(drop)
    }

    /// Quote-removes one word, walking any substitutions inside it.
    pub(super) fn word(
        &mut self,
        raw: &str,
        ctx: Ctx<'_>,
        heads: &mut Vec<usize>,
    ) -> Result<String, String> {
        if !raw.contains(['\'', '"', '\\', '$', '`']) {
            return Ok(raw.to_owned());
        }
        let pieces =
            word::parse(raw, &self.opts).map_err(|e| format!("cannot parse word {raw:?}: {e}"))?;
        let mut out = String::with_capacity(raw.len());
        self.pieces(raw, &pieces, ctx, heads, &mut out)?;
        Ok(out)
    }

    fn pieces(
        &mut self,
        src: &str,
        pieces: &[WordPieceWithSource],
        ctx: Ctx<'_>,
        heads: &mut Vec<usize>,
        out: &mut String,
    ) -> Result<(), String> {
        for p in pieces {
            let literal = src.get(p.start_index..p.end_index).unwrap_or_default();
            match &p.piece {
                WordPiece::Text(s) | WordPiece::SingleQuotedText(s) => out.push_str(s),
                WordPiece::AnsiCQuotedText(s) => out.push_str(&ansi_c_unescape(s)),
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.pieces(src, inner, ctx, heads, out)?;
                }
                WordPiece::EscapeSequence(s) => out.push_str(s.strip_prefix('\\').unwrap_or(s)),
                WordPiece::TildeExpansion(_) => out.push_str(literal),
                WordPiece::ParameterExpansion(_) => {
                    out.push_str(literal);
                    // `${x:-$(cmd)}`: the operand words can hold substitutions.
                    if let Some(inner) = literal
                        .strip_prefix("${")
                        .and_then(|s| s.strip_suffix('}'))
                        .filter(|s| s.contains("$(") || s.contains('`'))
                    {
                        self.word(inner, ctx, heads)?;
                    }
                }
                WordPiece::ArithmeticExpression(e) => {
                    out.push_str(literal);
                    self.arithmetic(&e.value, ctx, heads)?;
                }
                WordPiece::CommandSubstitution(cmd)
                | WordPiece::BackquotedCommandSubstitution(cmd) => {
                    out.push_str(literal);
                    let inner = self.script(cmd, ctx.depth + 1)?;
                    // The substitution inherits stdin; its stdout is captured.
                    heads.extend(inner.heads);
                }
            }
        }
        Ok(())
    }
}

/// `1`, `-`, `3-`: an fd for `>&`, as opposed to a file name.
fn is_fd_word(s: &str) -> bool {
    let digits = s.strip_suffix('-').unwrap_or(s);
    s == "-" || (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Decodes the body of an ANSI-C quoted string (`$'...'`).
fn ansi_c_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let simple = match e {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' | 'E' => Some('\x1b'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' | '\'' | '"' | '?' => Some(e),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            continue;
        }
        let (radix, max_len, first) = match e {
            '0'..='7' => (8, 3, e.to_digit(8)),
            'x' => (16, 2, None),
            'u' => (16, 4, None),
            'U' => (16, 8, None),
            'c' => {
                match chars.next() {
                    Some(x) => out.push(char::from(x.to_ascii_uppercase() as u8 & 0x1f)),
                    None => out.push_str("\\c"),
                }
                continue;
            }
            _ => {
                out.push('\\');
                out.push(e);
                continue;
            }
        };
        let mut value = first.unwrap_or(0);
        let mut len = u32::from(first.is_some());
        while len < max_len {
            match chars.peek().and_then(|d| d.to_digit(radix)) {
                Some(d) => {
                    value = value.saturating_mul(radix).saturating_add(d);
                    len += 1;
                    chars.next();
                }
                None => break,
            }
        }
        if len == 0 {
            out.push('\\');
            out.push(e);
        } else {
            out.push(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }
    out
}
