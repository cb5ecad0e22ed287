//! Shell commands: parsed with a real shell parser ([`parse`]), then every simple command that
//! would run is judged — inside pipelines, lists, subshells, command substitutions and here-docs,
//! and through wrappers (`sudo`, `env`, `timeout`, `xargs`, `bash -c`, `ssh host CMD`,
//! `kubectl exec -- CMD`, `docker exec`, `find -exec`, …), which are unwrapped to what they run.

mod expand;
mod follow;
mod parse;
mod sources;
mod words;
mod wrappers;

use signoff_protocol::{Environment, ShellCommand, Tier};

use super::Context;
use super::env::raise;
use super::facts::Facts;
use super::finding::{Effect, Finding, Scope};
use super::paths;
use super::place::{self, Place, Site, Vars};
use super::tools::{self, Command, Language, Runs};
use follow::{follow, windows};
use parse::{RedirectKind, SimpleCommand};
use words::{
    changed_directory, computed, exported, here_text, is_interpreter, printed_text, program_name,
    switched_environment, written_text,
};
use wrappers::{replace_string, runs_next, shell_c, skip_options, split_string};

/// How deep `bash -c "bash -c …"` may nest before signoff stops looking and asks a person.
const MAX_DEPTH: usize = 8;

/// Where the commands being judged run.
#[derive(Clone)]
struct Frame {
    cwd: String,
    /// The host, pod or container they run on, when not this machine's workspace.
    remote: Option<String>,
    /// In a local container (`docker exec`): this machine, but not the workspace.
    container: bool,
    /// Run as root (`sudo`).
    elevated: bool,
    /// An environment an earlier command switched to (`terraform workspace select prod`,
    /// `kubectl config use-context prod`, `export RAILS_ENV=production`).
    environment: Option<Environment>,
    /// Variables earlier commands set for later ones (`export KUBECONFIG=…`), `NAME=value`.
    set: Vec<String>,
    /// Where the effects land when they run on another host: that host's context.
    place: Option<Place>,
    /// Files earlier commands wrote with text the walker saw (`cat > x.sh <<EOF`), by absolute
    /// path: a later `bash x.sh` runs that text.
    written: Vec<(String, String)>,
    depth: usize,
}

impl Frame {
    /// Where `command`'s remote effects land when it runs here with `assignments` of its own.
    fn place_of(
        &self,
        command: &Command,
        assignments: &[String],
        facts: &Facts,
        context: &Context,
    ) -> Option<Place> {
        let set = [self.set.as_slice(), assignments].concat();
        let vars = Vars {
            agent: &facts.variables,
            set: &set,
        };
        place::of(command, &vars, facts, &context.names)
    }

    /// The same place, one shell deeper (`bash -c`, `eval`, a here-doc fed to a shell).
    fn deeper(&self) -> Frame {
        Frame {
            depth: self.depth + 1,
            ..self.clone()
        }
    }

    /// One shell deeper on `remote`, another host, pod or set of hosts (`ssh`, `kubectl exec`,
    /// `ansible`): it starts in `/`, and its effects land in `place`.
    fn on(&self, remote: String, place: Option<Place>) -> Frame {
        Frame {
            cwd: "/".into(),
            remote: Some(remote),
            place,
            depth: self.depth + 1,
            ..self.clone()
        }
    }
}

pub fn analyze(
    shell: &ShellCommand,
    cwd: &str,
    context: &Context,
    facts: &Facts,
    out: &mut Vec<Finding>,
) {
    let frame = Frame {
        cwd: cwd.to_string(),
        remote: None,
        container: false,
        elevated: false,
        environment: None,
        set: Vec::new(),
        place: None,
        written: Vec::new(),
        depth: 0,
    };
    match shell {
        ShellCommand::Argv { argv, .. } => {
            let command = SimpleCommand {
                assignments: Vec::new(),
                words: argv.clone(),
                redirects: Vec::new(),
            };
            simple(&command, None, false, &frame, context, facts, out);
        }
        ShellCommand::Script { script: text, .. } => script(text, &frame, context, facts, out),
    }
}

fn script(text: &str, frame: &Frame, context: &Context, facts: &Facts, out: &mut Vec<Finding>) {
    if frame.depth > MAX_DEPTH {
        out.push(
            Finding::new(
                "shell.too-deep",
                Effect::Write,
                Scope::Machine,
                "Shells nested this deep are not read further; a person decides.",
            )
            .floor(Tier::Risky),
        );
        return;
    }
    let parsed = match parse::parse(text) {
        Ok(parsed) => parsed,
        // PowerShell or cmd.exe, which agents on Windows write: read as such.
        Err(_) if tools::windows::looks_like_windows(text) => {
            return windows(text, &frame.deeper(), context, facts, out);
        }
        Err(error) => {
            out.push(
                Finding::new(
                    "shell.unparsed",
                    Effect::Write,
                    Scope::Machine,
                    format!("The script does not parse ({error}), so a person decides."),
                )
                .floor(Tier::Risky),
            );
            // Still judge what it plainly says, word by word, so a destructive line is not hidden.
            for line in text.lines() {
                for part in line.split([';', '|', '&']) {
                    let words: Vec<String> = part
                        .split_whitespace()
                        .map(|w| w.trim_matches(['"', '\'', '(', ')']).to_string())
                        .collect();
                    if !words.is_empty() {
                        let command = SimpleCommand {
                            assignments: Vec::new(),
                            words,
                            redirects: Vec::new(),
                        };
                        simple(&command, None, false, frame, context, facts, out);
                    }
                }
            }
            return;
        }
    };
    let mut frame = frame.clone();
    for (index, command) in parsed.commands.iter().enumerate() {
        let feeds: Vec<&SimpleCommand> = parsed
            .pipes
            .iter()
            .filter(|(_, to)| *to == index)
            .map(|(from, _)| &parsed.commands[*from])
            .collect();
        let piped = feeds.iter().find_map(|from| printed_text(from));
        let stdin = here_text(command).or(piped);
        simple(
            command,
            stdin.as_deref(),
            !feeds.is_empty(),
            &frame,
            context,
            facts,
            out,
        );
        // `cd dir && rm -rf *` deletes in dir.
        if let Some(target) = changed_directory(command) {
            frame.cwd = paths::describe(&target, &frame.cwd).shown;
        }
        frame.environment = raise(frame.environment, switched_environment(command, context));
        frame.set.extend(exported(command));
        frame
            .written
            .extend(written_text(command, stdin.as_deref(), &frame, facts));
        let program = command.words.first().map(|w| program_name(w)).unwrap_or("");
        let producer = feeds
            .iter()
            .filter_map(|from| from.words.first().map(|w| program_name(w)))
            .next();
        if let Some(producer) = producer.filter(|_| is_interpreter(program) && stdin.is_none()) {
            let downloaded = matches!(producer, "curl" | "wget" | "fetch" | "http" | "iwr");
            out.push(
                Finding::new(
                    if downloaded {
                        "net.pipe-to-shell"
                    } else {
                        "shell.unseen-input"
                    },
                    Effect::Write,
                    Scope::Machine,
                    if downloaded {
                        format!("Downloads a script and runs it with `{program}` unseen.")
                    } else {
                        format!("`{program}` runs the text `{producer}` produces, which signoff cannot read.")
                    },
                )
                .floor(Tier::Risky),
            );
        }
    }
}

/// Judges one simple command: what its redirections write and read, then its wrappers, unwrapped
/// to the program that really runs.
fn simple(
    command: &SimpleCommand,
    stdin: Option<&str>,
    piped: bool,
    frame: &Frame,
    context: &Context,
    facts: &Facts,
    out: &mut Vec<Finding>,
) {
    let command = expanded(command, &frame.set);
    let mut unwrapping = Unwrapping {
        words: &command.words,
        own_assignments: &command.assignments,
        stdin,
        piped,
        context,
        facts,
        at: 0,
        wrapper: None,
        assignments: command.assignments.clone(),
        frame: frame.clone(),
        found: redirected(&command, frame),
    };
    // Unwrap wrappers until the command that really runs.
    loop {
        match unwrapping.step(out) {
            Next::Unwrapped => {}
            Next::Walked => return,
            Next::Judge => return unwrapping.judge(out),
        }
    }
}

/// What the shell would expand before running `command`, as far as the walker can tell.
fn expanded(command: &SimpleCommand, set: &[String]) -> SimpleCommand {
    SimpleCommand {
        assignments: command.assignments.clone(),
        words: command
            .words
            .iter()
            .flat_map(|word| expand::braces(&expand::variables(word, set)))
            .collect(),
        redirects: command.redirects.clone(),
    }
}

/// What `command`'s redirections write (`> out.txt`, not `> /dev/null`) and read (`< in.txt`).
fn redirected(command: &SimpleCommand, frame: &Frame) -> Vec<Finding> {
    let mut found = Vec::new();
    let first = command.words.first().map(|w| program_name(w)).unwrap_or("");
    for redirect in &command.redirects {
        let target = expand::variables(&redirect.target, &frame.set);
        let path = paths::describe(&target, &frame.cwd);
        match redirect.kind {
            RedirectKind::Write | RedirectKind::Append if path.shown != "/dev/null" => {
                found.push(tools::files::write(
                    &path,
                    if first.is_empty() { "redirect" } else { first },
                    "writes",
                ));
            }
            RedirectKind::Read => tools::files::read_path(&path, &mut found),
            _ => {}
        }
    }
    found
}

/// A simple command on its way to the program that really runs: its wrappers (`sudo`, `env`,
/// `timeout 10`, `docker exec c`, …) are unwrapped a word at a time, each changing how the rest
/// runs, and a program that runs commands of its own (`bash -c`, `xargs`, `ssh host CMD`) hands
/// them to the walker.
struct Unwrapping<'a> {
    words: &'a [String],
    /// The command's own prefix assignments (`KUBECONFIG=… kubectl exec …`).
    own_assignments: &'a [String],
    stdin: Option<&'a str>,
    /// Whether a pipe feeds the command (what it feeds is judged where the pipe is).
    piped: bool,
    context: &'a Context,
    facts: &'a Facts,
    /// Where the words not unwrapped yet start.
    at: usize,
    /// The last wrapper unwrapped, and where its words start.
    wrapper: Option<(&'a str, usize)>,
    /// The prefix assignments and those `env NAME=value` adds.
    assignments: Vec<String>,
    /// Where the rest runs: as root after `sudo`, in a container after `docker exec`.
    frame: Frame,
    /// What the redirections and wrappers do, handed on before what the command runs.
    found: Vec<Finding>,
}

/// What became of the word the unwrapping looked at.
enum Next {
    /// A wrapper, stepped past: the command it runs follows.
    Unwrapped,
    /// A program that runs commands of its own, which the walker has judged: nothing is left.
    Walked,
    /// The program that runs (or nothing, after a wrapper): judge it.
    Judge,
}

impl<'a> Unwrapping<'a> {
    /// Looks at the next word: steps past a wrapper, walks what a program runs of its own, or
    /// stops at the program that runs.
    fn step(&mut self, out: &mut Vec<Finding>) -> Next {
        let words = self.words;
        let Some(word) = words.get(self.at) else {
            return Next::Judge;
        };
        let program = program_name(word);
        if runs_next(program).is_some() || matches!(program, "sudo" | "doas") {
            self.wrapper = Some((program, self.at));
        }
        if self.unwrap_wrapper(program) {
            Next::Unwrapped
        } else {
            self.walk_what_it_runs(program, out)
        }
    }

    /// Steps past `program` when it is a wrapper that runs the words after it (`sudo`,
    /// `env NAME=value`, `timeout 10`, `npx`, `docker exec c`), noting what it changes; `false`
    /// when it is none.
    fn unwrap_wrapper(&mut self, program: &'a str) -> bool {
        let (words, at) = (self.words, self.at);
        match program {
            "sudo" | "doas" => {
                self.frame.elevated = true;
                self.at = skip_options(words, at + 1, program);
            }
            // `env -S` runs a command line instead (`walk_what_it_runs`).
            "env" if words.len() > at + 1 && split_string(words, at).is_none() => {
                self.at = skip_options(words, at + 1, "env");
                while let Some(assignment) = words
                    .get(self.at)
                    .filter(|w| w.contains('=') && !w.starts_with('-'))
                {
                    self.assignments.push(assignment.clone());
                    self.at += 1;
                }
            }
            _ if runs_next(program).is_some() => {
                let (own, root) = runs_next(program).unwrap_or_default();
                self.frame.elevated |= root;
                let next = skip_options(words, at + 1, program);
                // `strace -o FILE`, `ltrace -o FILE`: the trace is written there.
                if matches!(program, "strace" | "ltrace")
                    && let Some(file) = words[at + 1..next]
                        .windows(2)
                        .find(|pair| pair[0] == "-o")
                        .map(|pair| &pair[1])
                {
                    self.found.push(tools::files::write(
                        &paths::describe(file, &self.frame.cwd),
                        program,
                        "writes its trace to",
                    ));
                }
                self.at = next + own;
            }
            // Package runners run the program named next: `npx prisma migrate reset`.
            "npx" | "bunx" | "pnpx" | "uvx" => self.at = skip_options(words, at + 1, "npx"),
            "npm" | "pnpm" | "yarn" | "bun"
                if words
                    .get(at + 1)
                    .is_some_and(|w| matches!(w.as_str(), "exec" | "dlx" | "x")) =>
            {
                self.at = skip_options(words, at + 2, "npx");
            }
            "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "pipx" | "rye"
                if words.get(at + 1).is_some_and(|w| w == "run") =>
            {
                self.at = skip_options(words, at + 2, "uv");
            }
            "bundle" if words.get(at + 1).is_some_and(|w| w == "exec") => {
                self.at = skip_options(words, at + 2, "bundle")
            }
            "docker" | "podman" | "nerdctl" if words.get(at + 1).is_some_and(|w| w == "exec") => {
                let container_at = skip_options(words, at + 2, program);
                if words.len() <= container_at + 1 {
                    return false;
                }
                self.frame.container = true;
                self.at = container_at + 1;
            }
            _ => return false,
        }
        true
    }

    /// Walks what `program` runs when it runs commands of its own: a command line (`bash -c`,
    /// `eval`, `env -S`, `watch`, a here-doc fed to a shell), a script file, each item
    /// (`xargs`, `find -exec`), or commands on other hosts (`ssh`, `kubectl exec`, `ansible`).
    /// `Judge` when `program` itself is what is left to judge.
    fn walk_what_it_runs(&mut self, program: &'a str, out: &mut Vec<Finding>) -> Next {
        let (words, at) = (self.words, self.at);
        match program {
            // `env -S 'CMD ARGS'` splits its string into the command to run.
            "env" if split_string(words, at).is_some() => {
                let split = split_string(words, at).unwrap_or(at);
                let inner = match words[split].split_once('=') {
                    Some((_, value)) => value.to_string(),
                    None => words[split + 1..].join(" "),
                };
                self.walk_script(&inner, out)
            }
            "xargs" => self.xargs(out),
            "bash" | "sh" | "zsh" | "dash" | "ksh" | "fish" | "busybox"
                if shell_c(words, at).is_some() =>
            {
                let inner = shell_c(words, at).unwrap_or_default();
                self.walk_script(&inner, out)
            }
            // `bash <<'EOF' … EOF`: the here-doc is the script.
            "bash" | "sh" | "zsh" | "dash" | "ksh" | "fish"
                if self.stdin.is_some() && words[at + 1..].iter().all(|w| w.starts_with('-')) =>
            {
                self.walk_script(self.stdin.unwrap_or_default(), out)
            }
            "bash" | "sh" | "zsh" | "dash" | "ksh" | "fish" | "csh" | "tcsh" | "source" | "." => {
                self.shell_input(program, out)
            }
            "eval" => self.walk_script(&words[at + 1..].join(" "), out),
            "ssh" | "mosh" => self.ssh(out),
            "kubectl" | "oc"
                if words
                    .get(at + 1..)
                    .is_some_and(|rest| rest.iter().any(|w| w == "exec")) =>
            {
                self.kubectl_exec(program, out)
            }
            "ansible" => self.ansible(program),
            "find"
                if words
                    .iter()
                    .any(|w| matches!(w.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir")) =>
            {
                self.find_exec()
            }
            // `watch 'git status'`: its words are a command line for `sh -c`.
            "watch" => {
                let start = skip_options(words, at + 1, "watch");
                self.walk_script(&words[start.min(words.len())..].join(" "), out)
            }
            _ => Next::Judge,
        }
    }

    /// Hands `text` to the walker as a script run one shell deeper, after what was found so far.
    fn walk_script(&mut self, text: &str, out: &mut Vec<Finding>) -> Next {
        out.append(&mut self.found);
        script(text, &self.frame.deeper(), self.context, self.facts, out);
        Next::Walked
    }

    /// `bash deploy.sh`, `source ./env.sh`, `sh`: a shell runs a script file, standard input,
    /// or interactively; `bash -n` only checks the syntax.
    fn shell_input(&mut self, program: &str, out: &mut Vec<Finding>) -> Next {
        let (words, at, context, facts) = (self.words, self.at, self.context, self.facts);
        let operand = skip_options(words, at + 1, program);
        let options = &words[at + 1..operand.min(words.len())];
        out.append(&mut self.found);
        if options.iter().any(|o| o == "-n" || o == "--noexec") {
            out.push(Finding::new(
                "shell.check",
                Effect::Read,
                Scope::Workspace,
                format!("`{program} -n` only checks the script's syntax."),
            ));
            return Next::Walked;
        }
        let file = words.get(operand).map(String::as_str);
        match (file, self.stdin) {
            (Some("/dev/stdin" | "-") | None, Some(text)) => {
                script(text, &self.frame.deeper(), context, facts, out)
            }
            // What a pipe feeds it is said where the pipe is (`shell.unseen-input`).
            (Some("/dev/stdin" | "-") | None, None) if self.piped => {}
            (Some("/dev/stdin" | "-"), None) => out.push(tools::code::unreadable(
                program,
                "what it reads on standard input",
            )),
            (None, None) => out.push(
                Finding::new(
                    "shell.interactive",
                    Effect::Write,
                    Scope::Machine,
                    format!("`{program}` opens an interactive shell, where anything can follow."),
                )
                .floor(Tier::Risky),
            ),
            (Some(file), _) if sources::sets_up_the_shell(file) => out.push(Finding::new(
                "shell.setup",
                Effect::Read,
                Scope::Workspace,
                format!("`{program} {file}` sets up this shell's environment."),
            )),
            (Some(file), _) => follow(
                Runs::File {
                    path: file.to_string(),
                    language: Some(Language::Shell),
                },
                program,
                &self.frame,
                context,
                facts,
                out,
            ),
        }
        Next::Walked
    }

    /// `xargs CMD`: CMD runs with the items xargs reads, in place of `-I`'s replace string or
    /// after CMD's own words.
    fn xargs(&mut self, out: &mut Vec<Finding>) -> Next {
        let (words, at, context, facts) = (self.words, self.at, self.context, self.facts);
        let start = skip_options(words, at + 1, "xargs");
        for list in words[at + 1..start]
            .windows(2)
            .filter(|pair| matches!(pair[0].as_str(), "-a" | "--arg-file"))
            .map(|pair| &pair[1])
        {
            tools::files::read_path(&paths::describe(list, &self.frame.cwd), &mut self.found);
        }
        let placeholder = replace_string(&words[at + 1..start]);
        let mut inner: Vec<String> = words[start..].to_vec();
        if inner.is_empty() {
            inner.push("echo".into());
        }
        // The items come from the input: the words `echo … |` printed, or, when the input
        // cannot be read, a path that says so (anywhere on this machine, for all signoff
        // knows).
        let items: Vec<String> = match self.stdin {
            Some(text) => text.split_whitespace().map(String::from).collect(),
            None => vec!["/{the items xargs reads}".into()],
        };
        out.append(&mut self.found);
        let runs: Vec<Vec<String>> = match placeholder {
            Some(token) => items
                .iter()
                .map(|item| inner.iter().map(|w| w.replace(&token, item)).collect())
                .collect(),
            None => vec![[inner, items].concat()],
        };
        for words in runs {
            let command = SimpleCommand {
                assignments: self.assignments.clone(),
                words,
                redirects: Vec::new(),
            };
            simple(&command, None, false, &self.frame, context, facts, out);
        }
        Next::Walked
    }

    /// `ssh host CMD`: CMD, or the here-doc fed to ssh, runs on the host, in that host's
    /// place; with neither, a shell opens there. `Judge` when no host is named.
    fn ssh(&mut self, out: &mut Vec<Finding>) -> Next {
        let (words, at, context, facts) = (self.words, self.at, self.context, self.facts);
        let host_at = skip_options(words, at + 1, "ssh");
        let Some(host) = words.get(host_at) else {
            return Next::Judge;
        };
        let mut rest = words[host_at + 1..].join(" ");
        // `ssh host <<'EOF' … EOF`: the here-doc runs on the host.
        if rest.trim().is_empty()
            && let Some(text) = self.stdin
        {
            rest = text.to_string();
        }
        let place = place::of_host(host, &context.names);
        if rest.trim().is_empty() {
            let mut session = Finding::new(
                "ssh.session",
                Effect::Write,
                Scope::Remote,
                format!("Opens a shell on {host}, where anything can follow."),
            )
            .floor(Tier::Risky)
            .resource(host.clone());
            session.place = Some(place);
            self.found.push(session);
            out.append(&mut self.found);
            return Next::Walked;
        }
        out.append(&mut self.found);
        let inner = self.frame.on(host.clone(), Some(place));
        script(&rest, &inner, context, facts, out);
        Next::Walked
    }

    /// `kubectl exec POD -- CMD`: CMD runs in the pod, whose place the cluster's context says,
    /// and the environment the kubectl words name holds for what it does. `Judge` without a
    /// command after `--`.
    fn kubectl_exec(&mut self, program: &'a str, out: &mut Vec<Finding>) -> Next {
        let (words, at, context, facts) = (self.words, self.at, self.context, self.facts);
        let Some(dash) = words.iter().skip(at).position(|w| w == "--") else {
            return Next::Judge;
        };
        let inner_words = words[at + dash + 1..].to_vec();
        let pod = words[at + 1..at + dash]
            .iter()
            .rfind(|w| !w.starts_with('-') && *w != "exec")
            .cloned()
            .unwrap_or_else(|| "a pod".into());
        let named = context.names.named(&words[at..at + dash], &[], true);
        if inner_words.is_empty() {
            return Next::Judge;
        }
        out.append(&mut self.found);
        let before = out.len();
        let kubectl = Command {
            program,
            args: &words[at + 1..at + dash],
            stdin: None,
            cwd: &self.frame.cwd,
        };
        let place = self
            .frame
            .place_of(&kubectl, self.own_assignments, facts, context);
        let inner = self.frame.on(pod, place);
        let command = SimpleCommand {
            assignments: Vec::new(),
            words: inner_words,
            redirects: Vec::new(),
        };
        simple(&command, None, false, &inner, context, facts, out);
        for finding in &mut out[before..] {
            finding.environment = raise(finding.environment, named);
        }
        Next::Walked
    }

    /// `ansible web -m shell -a 'rm -rf /srv/cache'`: the command runs on those hosts. What it
    /// does stands beside what ansible itself does, which is judged next.
    fn ansible(&mut self, program: &'a str) -> Next {
        let (words, at, context, facts) = (self.words, self.at, self.context, self.facts);
        let ansible = Command {
            program,
            args: &words[at + 1..],
            stdin: None,
            cwd: &self.frame.cwd,
        };
        let module = ansible.value(&["-m", "--module-name"]);
        let (Some("shell" | "command" | "raw"), Some(inner)) =
            (module, ansible.value(&["-a", "--args"]))
        else {
            return Next::Judge;
        };
        let hosts = ansible
            .operands(&["-i", "--inventory", "-m", "--module-name", "-a", "--args"])
            .first()
            .map_or("the inventory's hosts".to_string(), |h| h.to_string());
        let place = self
            .frame
            .place_of(&ansible, self.own_assignments, facts, context);
        let hosts_frame = self.frame.on(hosts, place);
        script(inner, &hosts_frame, context, facts, &mut self.found);
        Next::Judge
    }

    /// `find ROOT -name N -exec CMD {} ;`: each CMD runs on what find finds. What they do
    /// stands beside what find itself does, which is judged next.
    fn find_exec(&mut self) -> Next {
        let (words, at, context, facts) = (self.words, self.at, self.context, self.facts);
        let root = words
            .get(at + 1)
            .filter(|w| !w.starts_with('-'))
            .cloned()
            .unwrap_or_else(|| ".".into());
        // `{}` stands for what find finds: under the start, named like `-name` says.
        let name = words
            .iter()
            .position(|w| w == "-name" || w == "-iname")
            .and_then(|i| words.get(i + 1));
        let start = match name {
            Some(name) => format!("{}/{name}", root.trim_end_matches('/')),
            None => root,
        };
        let mut rest = words[at + 1..].iter();
        while rest
            .by_ref()
            .any(|w| matches!(w.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir"))
        {
            let inner: Vec<String> = rest
                .by_ref()
                .take_while(|w| !matches!(w.as_str(), ";" | "\\;" | "+"))
                .map(|w| if w == "{}" { start.clone() } else { w.clone() })
                .collect();
            if !inner.is_empty() {
                let command = SimpleCommand {
                    assignments: Vec::new(),
                    words: inner,
                    redirects: Vec::new(),
                };
                simple(
                    &command,
                    None,
                    false,
                    &self.frame,
                    context,
                    facts,
                    &mut self.found,
                );
            }
        }
        Next::Judge
    }

    /// Judges what is left after the wrappers: the program that runs, or the shell that a
    /// wrapper with nothing after it opens.
    fn judge(mut self, out: &mut Vec<Finding>) {
        let words = self.words;
        // A wrapper with nothing after it: `sudo -i`, `chroot /`, `systemd-run -S` open a shell.
        if self.at >= words.len()
            && let Some((program, start)) = self.wrapper
        {
            if opens_a_shell(program, &words[start + 1..]) {
                self.found.push(
                    Finding::new(
                        "shell.interactive",
                        Effect::Write,
                        Scope::Machine,
                        format!(
                            "`{program}` with no command opens a shell, where anything can follow."
                        ),
                    )
                    .floor(Tier::Risky),
                );
            }
            return out.append(&mut self.found);
        }
        judge_command(
            words.get(self.at..).unwrap_or_default(),
            &self.assignments,
            self.stdin,
            &self.frame,
            self.context,
            self.facts,
            &mut self.found,
        );
        out.append(&mut self.found);
    }
}

/// Whether `program`, a wrapper given `options` and no command, opens a shell.
fn opens_a_shell(program: &str, options: &[String]) -> bool {
    let has = |flags: &[&str]| options.iter().any(|o| flags.contains(&o.as_str()));
    match program {
        "sudo" | "doas" => has(&["-i", "-s", "--login", "--shell"]),
        "systemd-run" => has(&["-S", "--shell"]),
        "chroot" | "nsenter" | "unshare" => true,
        _ => false,
    }
}

/// A file this script just wrote, handed to a program that does more with it than read it
/// (`gem install --file /tmp/Gemfile`, `go run /tmp/x.go`, `kubectl --kubeconfig /tmp/kc`):
/// the text is the agent's, and what the program makes of it signoff cannot read. Files the
/// walker follows as code are judged by their content instead.
fn written_input(
    command: &Command,
    runs: &[Runs],
    frame: &Frame,
    facts: &Facts,
    found: &mut Vec<Finding>,
) {
    let program = command.program;
    if frame.written.is_empty()
        || tools::files::only_reads(program)
        || matches!(
            program,
            "git" | "gh" | "curl" | "wget" | "http" | "https" | "xh"
        )
    {
        return;
    }
    let home = facts.variables.get("HOME").map(String::as_str);
    let followed: Vec<Option<String>> = runs
        .iter()
        .filter_map(|run| match run {
            Runs::File { path, .. } | Runs::OptionalFile { path, .. } => Some(path),
            _ => None,
        })
        .map(|path| paths::resolve(path, &frame.cwd, home))
        .collect();
    for word in command.args {
        let value = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with('-') => value,
            _ => word.as_str(),
        };
        let Some(path) = paths::resolve(value, &frame.cwd, home) else {
            continue;
        };
        if frame.written.iter().any(|(written, _)| *written == path)
            && !followed.contains(&Some(path.clone()))
        {
            found.push(
                Finding::new(
                    "shell.written-input",
                    Effect::Write,
                    Scope::Machine,
                    format!(
                        "`{program}` is handed {path}, which this script has just written: what \
                         it does with that text signoff cannot read; a person decides."
                    ),
                )
                .floor(Tier::Risky),
            );
            return;
        }
    }
}

/// Judges the command that really runs, after wrappers, and places its findings.
fn judge_command(
    words: &[String],
    assignments: &[String],
    stdin: Option<&str>,
    frame: &Frame,
    context: &Context,
    facts: &Facts,
    found: &mut Vec<Finding>,
) {
    let Some(first) = words.first() else { return };
    let program = program_name(first);
    let command = Command {
        program,
        args: &words[1..],
        stdin,
        cwd: &frame.cwd,
    };
    let before = found.len();
    let mut runs = Vec::new();
    if computed(first) {
        found.push(
            Finding::new(
                "shell.computed",
                Effect::Write,
                Scope::Machine,
                format!("The program to run is computed (`{first}`): signoff cannot tell what runs, so a person decides."),
            )
            .floor(Tier::Risky),
        );
    } else if !tools::classify(&command, context, found, &mut runs)
        && first.contains('/')
        && !first.starts_with('@')
    {
        // A program run by its path: a script the console can read, or a program it cannot.
        runs.push(Runs::File {
            path: first.clone(),
            language: None,
        });
    } else if runs.is_empty() && found.len() == before {
        // Never guess downwards: what signoff does not know waits for a person.
        found.push(
            Finding::new(
                "shell.program",
                Effect::Write,
                Scope::Workspace,
                format!("signoff does not know `{program}`, so it cannot tell what it changes; a person decides."),
            )
            .floor(Tier::Risky),
        );
    }
    tools::embedded::variables(assignments, program, found, &mut runs);
    written_input(&command, &runs, frame, facts, found);
    for run in runs {
        follow(run, program, frame, context, facts, found);
    }
    tools::targets::classify(&command, first, context, found);
    let remote = frame.remote.is_some() || found[before..].iter().any(|f| f.scope == Scope::Remote);
    // `NODE_ENV=production npm run build` builds here: a variable names where remote effects
    // land, never where local ones do.
    let named = context.names.named(words, assignments, remote);
    let named_here = if assignments.is_empty() {
        named
    } else {
        context.names.named(words, &[], remote)
    };
    // On another host (`ssh`, `kubectl exec`) the place was settled when the walker went there;
    // here, the command's own context says where its remote effects land.
    let place = match &frame.remote {
        Some(_) => frame.place.clone(),
        None if remote || tools::is_container_engine(program) => {
            frame.place_of(&command, assignments, facts, context)
        }
        None => None,
    };
    for finding in &mut found[before..] {
        let named = if finding.scope == Scope::Remote || frame.remote.is_some() {
            named
        } else {
            named_here
        };
        finding.environment = raise(raise(finding.environment, named), frame.environment);
        if frame.remote.is_some() {
            finding.scope = Scope::Remote;
        } else if (frame.container || frame.elevated)
            && finding.scope == Scope::Workspace
            && finding.effect != Effect::Read
        {
            finding.scope = Scope::Machine;
        }
        let Some(place) = place.as_ref().filter(|_| finding.place.is_none()) else {
            continue;
        };
        match place.site {
            // A local cluster, a database on localhost: a local dev service.
            Site::Local if finding.scope == Scope::Remote => finding.scope = Scope::Workspace,
            // A Docker daemon on another host runs its containers there.
            Site::Remote
                if tools::is_container_engine(program)
                    && finding.scope != Scope::Remote
                    && finding.effect != Effect::Read =>
            {
                finding.scope = Scope::Remote
            }
            _ => {}
        }
        if finding.scope != Scope::Machine {
            finding.place = Some(place.clone());
        }
    }
}

#[cfg(test)]
mod tests;
