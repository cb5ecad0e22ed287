//! What a program runs besides itself (`tools::Runs`): a shell script, a source file read and
//! judged by its language, a package.json script, a PowerShell or cmd.exe script.

use signoff_protocol::Tier;

use super::parse::SimpleCommand;
use super::sources::{self, Source};
use super::{Frame, MAX_DEPTH, script, simple};
use crate::policy::Context;
use crate::policy::facts::Facts;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::tools::{self, Language, Runs};

/// Judges what a program runs: a script, a source file, a package.json script.
pub(super) fn follow(
    run: Runs,
    program: &str,
    frame: &Frame,
    context: &Context,
    facts: &Facts,
    found: &mut Vec<Finding>,
) {
    match run {
        Runs::Script(text) => script(&text, &frame.deeper(), context, facts, found),
        Runs::File { path, language } => {
            let text = match sources::read(&path, &frame.cwd, &frame.written, facts) {
                Source::Text(text) => text,
                Source::Missing => {
                    return found.push(
                        Finding::new(
                            "code.missing",
                            Effect::Write,
                            Scope::Machine,
                            format!("`{program}` runs `{path}`, which signoff did not find to read; a person decides."),
                        )
                        .floor(Tier::Risky),
                    );
                }
                Source::Unknown => {
                    return found.push(tools::code::unreadable(program, &format!("`{path}`")));
                }
            };
            match language.or_else(|| Language::of_file(&path, &text)) {
                Some(Language::Shell) => script(&text, &frame.deeper(), context, facts, found),
                Some(Language::PowerShell) => {
                    windows(&text, &frame.deeper(), context, facts, found)
                }
                Some(language) if frame.depth < MAX_DEPTH => {
                    let mut nested = Vec::new();
                    tools::code::judge(language, program, &text, &frame.cwd, found, &mut nested);
                    for run in nested {
                        follow(run, program, &frame.deeper(), context, facts, found);
                    }
                }
                _ => found.push(tools::code::unreadable(
                    program,
                    &format!("`{path}`, a program signoff cannot read"),
                )),
            }
        }
        Runs::OptionalFile { path, language } => {
            if let Source::Text(text) = sources::read(&path, &frame.cwd, &frame.written, facts) {
                let mut nested = Vec::new();
                tools::code::judge(language, program, &text, &frame.cwd, found, &mut nested);
                for run in nested {
                    follow(run, program, &frame.deeper(), context, facts, found);
                }
            }
        }
        Runs::PowerShell(text) | Runs::Cmd(text) => {
            windows(&text, &frame.deeper(), context, facts, found)
        }
        Runs::PackageScript(name) => {
            if let Some(scripts) = sources::package_script(&name, &frame.cwd, &frame.written, facts)
            {
                for text in scripts {
                    script(&text, &frame.deeper(), context, facts, found);
                }
            }
        }
    }
}

/// Judges a PowerShell or cmd.exe script, command by command.
pub(super) fn windows(
    text: &str,
    frame: &Frame,
    context: &Context,
    facts: &Facts,
    out: &mut Vec<Finding>,
) {
    if frame.depth > MAX_DEPTH {
        return script(text, frame, context, facts, out);
    }
    for words in tools::windows::statements(text) {
        let command = SimpleCommand {
            assignments: Vec::new(),
            words,
            redirects: Vec::new(),
        };
        simple(&command, None, false, frame, context, facts, out);
    }
}
