//! Parsing layer of a shell-command risk classifier, built on `brush-parser` 0.4.
//!
//! [`parse`] turns a shell script into the flat list of simple commands that would run
//! (including those nested in compound commands and command/process substitutions), with
//! quote removal applied to every word, plus the pipe edges between them.
//!
//! Robustness: brush-parser can panic (e.g. `99999999999>x`), overflow the stack on deep
//! nesting, and backtracks exponentially on nested `(`/`case`. [`parse`] guards against all
//! three (pre-scan limits, `catch_unwind`, a big-stack thread for complex input), so it never
//! panics or hangs; such input yields `Err`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use brush_parser::ast;
use brush_parser::{ParserOptions, parse_tokens, uncached_tokenize_str};

mod guard;
mod words;

use guard::{
    INLINE_COMPLEXITY, MAX_COMPLEXITY, MAX_INPUT_BYTES, MAX_NESTING, STACK_PER_LEVEL,
    check_io_numbers, check_nesting, crude_complexity,
};

/// One simple command as it would run: the words after quote removal (a word that contains
/// expansions such as $VAR or $(...) keeps its literal text with the quotes removed where
/// possible), its env-var prefix assignments ("FOO=bar"), and its redirections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// Prefix assignments, e.g. `["RAILS_ENV=production"]` (quotes removed).
    pub assignments: Vec<String>,
    /// argv, e.g. `["rm", "-rf", "build"]`; may be empty (pure assignment or redirection-only).
    pub words: Vec<String>,
    /// Redirections, in source order; redirections of an enclosing compound command
    /// (`{ ...; } > f`, `while ...; done < f`) are appended to each command it runs directly.
    pub redirects: Vec<Redirect>,
}

/// One redirection of a [`SimpleCommand`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// What the redirection does.
    pub kind: RedirectKind,
    /// The file for Write/Append/Read (quotes removed); the body text for `HereDoc`
    /// (raw, including its trailing newline, leading tabs already stripped for `<<-`) and
    /// `HereString` (quotes removed); the fd or word for Other (e.g. `"1"` for `2>&1`).
    pub target: String,
}

/// Kind of a [`Redirect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    /// `>`, `>|`, `&>`, `<>`, and `>&word` when word is not an fd number.
    Write,
    /// `>>`, `&>>`.
    Append,
    /// `<`.
    Read,
    /// `<<`, `<<-`.
    HereDoc,
    /// `<<<`.
    HereString,
    /// fd duplication / closing (`2>&1`, `<&3`, `>&-`).
    Other,
}

/// Result of [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// Every simple command that would execute, in source order (an outer command comes
    /// before the commands inside its substitutions).
    pub commands: Vec<SimpleCommand>,
    /// `(from, to)` indices into `commands`: from's stdout feeds to's stdin. Covers `|`, `|&`,
    /// and process substitution (`sh <(curl x)` gives curl→sh, `tee >(sh)` gives tee→sh).
    /// Conservative for compound stages: `a | { b; c; }` gives a→b and a→c.
    pub pipes: Vec<(usize, usize)>,
}

/// Parses a shell script and returns every simple command that would execute, in source order,
/// including those inside pipelines, && / || / ; lists, subshells ( ), brace groups { },
/// if/while/until/for/case bodies and conditions, function bodies, background jobs (&), and —
/// recursively — command substitutions $(...) and `...` and process substitutions <(...) >(...)
/// found inside any word, assignment or redirect target.
///
/// Returns `Err` with a readable message on syntax errors and on input that is too deeply
/// nested or too complex to parse safely. Never panics.
pub fn parse(script: &str) -> Result<Parsed, String> {
    if script.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "input too long ({} bytes, limit {MAX_INPUT_BYTES})",
            script.len()
        ));
    }
    let complexity = crude_complexity(script);
    if complexity <= INLINE_COMPLEXITY {
        // Nesting depth is bounded by `complexity`, so the caller's stack is enough.
        catch_unwind(AssertUnwindSafe(|| parse_unguarded(script)))
            .unwrap_or_else(|_| Err("internal parser panic".to_owned()))
    } else if complexity > MAX_COMPLEXITY {
        Err(format!(
            "input too complex ({complexity} nesting tokens, limit {MAX_COMPLEXITY})"
        ))
    } else {
        // Deep nesting is possible: run on a thread whose stack grows with the input.
        let owned = script.to_owned();
        let stack = (complexity * STACK_PER_LEVEL).clamp(16 << 20, 512 << 20);
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn(move || parse_unguarded(&owned))
            .map_err(|e| format!("cannot spawn parser thread: {e}"))?
            .join()
            .unwrap_or_else(|_| Err("internal parser panic".to_owned()))
    }
}

fn parse_unguarded(script: &str) -> Result<Parsed, String> {
    let opts = ParserOptions {
        // Tilde expansion is irrelevant here (words keep `~` literally) and its word-parser
        // rule panics on `~99999999999999999999`.
        tilde_expansion_at_word_start: false,
        tilde_expansion_after_colon: false,
        ..ParserOptions::default()
    };
    let mut walker = Walker {
        opts,
        commands: Vec::new(),
        pipes: Vec::new(),
    };
    walker.script(script, 0)?;
    walker.pipes.sort_unstable();
    Ok(Parsed {
        commands: walker.commands,
        pipes: walker.pipes,
    })
}

/// Which commands read a construct's stdin (`heads`), write its stdout (`tails`), and run as
/// part of it directly, i.e. not inside a substitution (`members`).
#[derive(Default)]
struct Ends {
    heads: Vec<usize>,
    tails: Vec<usize>,
    members: Vec<usize>,
}

impl Ends {
    fn merge(&mut self, other: Self) {
        self.heads.extend(other.heads);
        self.tails.extend(other.tails);
        self.members.extend(other.members);
    }
}

/// Source text of the script currently being walked, and substitution depth.
#[derive(Clone, Copy)]
struct Ctx<'s> {
    src: &'s str,
    depth: usize,
}

struct Walker {
    opts: ParserOptions,
    commands: Vec<SimpleCommand>,
    pipes: Vec<(usize, usize)>,
}

/// The structure of a script: lists, pipelines and compound commands, down to each simple
/// command and the pipes between them. The words and redirections inside a command, where
/// substitutions run more scripts, are walked in [`words`].
impl Walker {
    fn script(&mut self, src: &str, depth: usize) -> Result<Ends, String> {
        if depth > MAX_NESTING {
            return Err("command substitutions nested too deeply".to_owned());
        }
        check_nesting(src)?;
        let tokens = uncached_tokenize_str(src, &self.opts.tokenizer_options())
            .map_err(|e| format!("syntax error: {e}"))?;
        check_io_numbers(&tokens)?;
        let program = parse_tokens(&tokens, &self.opts).map_err(|e| e.to_string())?;
        let ctx = Ctx { src, depth };
        let mut ends = Ends::default();
        for list in &program.complete_commands {
            ends.merge(self.compound_list(list, ctx)?);
        }
        Ok(ends)
    }

    fn compound_list(&mut self, list: &ast::CompoundList, ctx: Ctx<'_>) -> Result<Ends, String> {
        let mut ends = Ends::default();
        for ast::CompoundListItem(and_or, _sep) in &list.0 {
            ends.merge(self.pipeline(&and_or.first, ctx)?);
            for next in &and_or.additional {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
                ends.merge(self.pipeline(p, ctx)?);
            }
        }
        Ok(ends)
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, ctx: Ctx<'_>) -> Result<Ends, String> {
        let mut result = Ends::default();
        let mut prev_tails: Option<Vec<usize>> = None;
        let last = pipeline.seq.len().saturating_sub(1);
        for (i, cmd) in pipeline.seq.iter().enumerate() {
            let stage = self.command(cmd, ctx)?;
            match &prev_tails {
                Some(tails) => self.link(tails, &stage.heads),
                None => result.heads.clone_from(&stage.heads),
            }
            if i == last {
                result.tails.clone_from(&stage.tails);
            }
            prev_tails = Some(stage.tails);
            result.members.extend(stage.members);
        }
        Ok(result)
    }

    fn link(&mut self, from: &[usize], to: &[usize]) {
        for &f in from {
            for &t in to {
                if f != t && !self.pipes.contains(&(f, t)) {
                    self.pipes.push((f, t));
                }
            }
        }
    }

    fn command(&mut self, cmd: &ast::Command, ctx: Ctx<'_>) -> Result<Ends, String> {
        match cmd {
            ast::Command::Simple(simple) => self.simple(simple, ctx),
            ast::Command::Compound(compound, redirects) => {
                let ends = self.compound(compound, ctx)?;
                self.attach_redirects(ends, redirects.as_ref(), ctx)
            }
            ast::Command::Function(def) => {
                let ast::FunctionBody(body, redirects) = &def.body;
                let ends = self.compound(body, ctx)?;
                self.attach_redirects(ends, redirects.as_ref(), ctx)?;
                // Defining a function runs nothing and does no I/O.
                Ok(Ends::default())
            }
            ast::Command::ExtendedTest(test, redirects) => {
                let mut ends = Ends::default();
                self.test_expr(&test.expr, ctx, &mut ends.heads)?;
                self.attach_redirects(ends, redirects.as_ref(), ctx)
            }
        }
    }

    fn compound(&mut self, cmd: &ast::CompoundCommand, ctx: Ctx<'_>) -> Result<Ends, String> {
        use ast::CompoundCommand as C;
        let mut ends = Ends::default();
        match cmd {
            C::Arithmetic(a) => {
                let text = span_text(ctx.src, &a.loc);
                if text.starts_with("((") && text.ends_with("))") {
                    self.arithmetic(&a.expr.value, ctx, &mut ends.heads)?;
                } else {
                    // brush-parser reads `( (cmd) )` as `(( ))` arithmetic; bash runs
                    // nested subshells, so re-parse the text inside the outer parentheses.
                    let inner = text
                        .strip_prefix('(')
                        .and_then(|t| t.strip_suffix(')'))
                        .unwrap_or_default();
                    ends.merge(self.script(inner, ctx.depth + 1)?);
                }
            }
            C::ArithmeticForClause(f) => {
                for expr in [&f.initializer, &f.condition, &f.updater]
                    .into_iter()
                    .flatten()
                {
                    self.arithmetic(&expr.value, ctx, &mut ends.heads)?;
                }
                ends.merge(self.compound_list(&f.body.list, ctx)?);
            }
            C::BraceGroup(b) => ends.merge(self.compound_list(&b.list, ctx)?),
            C::Subshell(s) => ends.merge(self.compound_list(&s.list, ctx)?),
            C::ForClause(f) => {
                for w in f.values.iter().flatten() {
                    self.word(&w.value, ctx, &mut ends.heads)?;
                }
                ends.merge(self.compound_list(&f.body.list, ctx)?);
            }
            C::CaseClause(c) => {
                self.word(&c.value.value, ctx, &mut ends.heads)?;
                for item in &c.cases {
                    for pattern in &item.patterns {
                        self.word(&pattern.value, ctx, &mut ends.heads)?;
                    }
                    if let Some(list) = &item.cmd {
                        ends.merge(self.compound_list(list, ctx)?);
                    }
                }
            }
            C::IfClause(i) => {
                ends.merge(self.compound_list(&i.condition, ctx)?);
                ends.merge(self.compound_list(&i.then, ctx)?);
                for clause in i.elses.iter().flatten() {
                    if let Some(cond) = &clause.condition {
                        ends.merge(self.compound_list(cond, ctx)?);
                    }
                    ends.merge(self.compound_list(&clause.body, ctx)?);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                ends.merge(self.compound_list(&w.0, ctx)?);
                ends.merge(self.compound_list(&w.1.list, ctx)?);
            }
            C::Coprocess(c) => {
                // A coprocess talks to the shell through its own pipes.
                let inner = self.command(&c.body, ctx)?;
                ends.members = inner.members;
            }
        }
        Ok(ends)
    }

    /// Applies a compound command's redirections to each command it runs directly (or to a
    /// synthetic empty command when it runs none, so that no redirection is lost).
    fn attach_redirects(
        &mut self,
        mut ends: Ends,
        redirects: Option<&ast::RedirectList>,
        ctx: Ctx<'_>,
    ) -> Result<Ends, String> {
        let Some(list) = redirects else {
            return Ok(ends);
        };
        if ends.members.is_empty() {
            let idx = self.commands.len();
            self.commands.push(SimpleCommand::default());
            ends.members.push(idx);
        }
        let owners = ends.members.clone();
        let mut converted = Vec::with_capacity(list.0.len());
        for r in &list.0 {
            converted.push(self.redirect(r, &owners, ctx, &mut ends.heads)?);
        }
        for &i in &owners {
            if let Some(cmd) = self.commands.get_mut(i) {
                cmd.redirects.extend(converted.iter().cloned());
            }
        }
        Ok(ends)
    }

    fn simple(&mut self, cmd: &ast::SimpleCommand, ctx: Ctx<'_>) -> Result<Ends, String> {
        use ast::CommandPrefixOrSuffixItem as Item;
        let idx = self.commands.len();
        self.commands.push(SimpleCommand::default());
        let mut out = SimpleCommand::default();
        let mut ends = Ends {
            heads: vec![idx],
            tails: vec![idx],
            members: vec![idx],
        };
        let prefix = cmd.prefix.iter().flat_map(|p| p.0.iter());
        let suffix = cmd.suffix.iter().flat_map(|s| s.0.iter());
        for item in prefix {
            match item {
                Item::AssignmentWord(_, w) => {
                    out.assignments
                        .push(self.word(&w.value, ctx, &mut ends.heads)?);
                }
                other => self.simple_item(other, idx, ctx, &mut out, &mut ends)?,
            }
        }
        if let Some(w) = &cmd.word_or_name {
            out.words.push(self.word(&w.value, ctx, &mut ends.heads)?);
        }
        for item in suffix {
            self.simple_item(item, idx, ctx, &mut out, &mut ends)?;
        }
        if let Some(slot) = self.commands.get_mut(idx) {
            *slot = out;
        }
        Ok(ends)
    }

    fn simple_item(
        &mut self,
        item: &ast::CommandPrefixOrSuffixItem,
        idx: usize,
        ctx: Ctx<'_>,
        out: &mut SimpleCommand,
        ends: &mut Ends,
    ) -> Result<(), String> {
        use ast::CommandPrefixOrSuffixItem as Item;
        match item {
            // In the suffix, `FOO=bar` is an ordinary argument (`export FOO=bar`).
            Item::Word(w) | Item::AssignmentWord(_, w) => {
                out.words.push(self.word(&w.value, ctx, &mut ends.heads)?);
            }
            Item::IoRedirect(r) => {
                out.redirects
                    .push(self.redirect(r, &[idx], ctx, &mut ends.heads)?);
            }
            Item::ProcessSubstitution(kind, sub) => {
                out.words
                    .push(self.process_subst(kind, sub, &[idx], ctx, &mut ends.heads)?);
            }
        }
        Ok(())
    }
}

/// Source text of a span (brush positions count chars, not bytes).
fn span_text(src: &str, span: &brush_parser::SourceSpan) -> String {
    let (start, end) = (span.start.index, span.end.index);
    if src.is_ascii() {
        return src.get(start..end).unwrap_or_default().to_owned();
    }
    src.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

#[cfg(test)]
mod tests;
