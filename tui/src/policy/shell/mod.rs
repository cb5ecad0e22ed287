//! Shell commands: parsed with a real shell parser ([`parse`]), then every simple command that
//! would run is judged — inside pipelines, lists, subshells, command substitutions and here-docs,
//! and through wrappers (`sudo`, `env`, `timeout`, `xargs`, `bash -c`, `ssh host CMD`,
//! `kubectl exec -- CMD`, `docker exec`, `find -exec`, …), which are unwrapped to what they run.

mod parse;

use signoff_protocol::{Environment, ShellCommand, Tier};

use super::Context;
use super::env::{self, raise};
use super::facts::Facts;
use super::finding::{Effect, Finding, Scope};
use super::paths;
use super::place::{self, Place, Site, Vars};
use super::tools::{self, Classified, Command};
use parse::{RedirectKind, SimpleCommand};

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
        depth: 0,
    };
    match shell {
        ShellCommand::Argv { argv, .. } => {
            let command = SimpleCommand {
                assignments: Vec::new(),
                words: argv.clone(),
                redirects: Vec::new(),
            };
            simple(&command, None, &frame, context, facts, out);
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
                        simple(&command, None, frame, context, facts, out);
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
        simple(command, stdin.as_deref(), &frame, context, facts, out);
        // `cd dir && rm -rf *` deletes in dir.
        if let Some(target) = changed_directory(command) {
            frame.cwd = paths::describe(&target, &frame.cwd).shown;
        }
        frame.environment = raise(frame.environment, switched_environment(command, context));
        frame.set.extend(exported(command));
        let program = command.words.first().map(|w| program_name(w)).unwrap_or("");
        if is_interpreter(program)
            && feeds.iter().any(|from| {
                from.words.first().is_some_and(|w| {
                    matches!(program_name(w), "curl" | "wget" | "fetch" | "http" | "iwr")
                })
            })
        {
            out.push(
                Finding::new(
                    "net.pipe-to-shell",
                    Effect::Write,
                    Scope::Machine,
                    format!("Downloads a script and runs it with `{program}` unseen."),
                )
                .floor(Tier::Risky),
            );
        }
    }
}

fn program_name(word: &str) -> &str {
    word.rsplit('/')
        .next()
        .unwrap_or(word)
        .trim_start_matches('\\')
}

fn is_interpreter(program: &str) -> bool {
    matches!(
        program,
        "sh" | "bash"
            | "zsh"
            | "dash"
            | "ksh"
            | "fish"
            | "python"
            | "python3"
            | "perl"
            | "ruby"
            | "node"
            | "sudo"
            | "source"
            | "."
    )
}

/// The body of a here-doc or here-string.
fn here_text(command: &SimpleCommand) -> Option<String> {
    command
        .redirects
        .iter()
        .find(|r| matches!(r.kind, RedirectKind::HereDoc | RedirectKind::HereString))
        .map(|r| r.target.clone())
}

/// What `echo …`, `printf …` or `cat <<EOF` writes into a pipe.
fn printed_text(command: &SimpleCommand) -> Option<String> {
    match command.words.first().map(|w| program_name(w)) {
        Some("echo" | "printf") => Some(
            command.words[1..]
                .iter()
                .filter(|w| !w.starts_with('-'))
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Some("cat") => here_text(command),
        _ => None,
    }
}

/// The environment a command switches later commands to.
fn switched_environment(command: &SimpleCommand, context: &Context) -> Option<Environment> {
    let words: Vec<&str> = command.words.iter().map(String::as_str).collect();
    let named = match words.as_slice() {
        [tf, "workspace", "select" | "new", .., name]
            if matches!(program_name(tf), "terraform" | "tofu") =>
        {
            Some(*name)
        }
        [kubectl, "config", "use-context" | "use", name, ..]
            if program_name(kubectl) == "kubectl" =>
        {
            Some(*name)
        }
        ["export", assignments @ ..] => {
            return assignments
                .iter()
                .filter_map(|a| {
                    context
                        .names
                        .named(&["export".into()], &[a.to_string()], false)
                })
                .max_by_key(|e| env::rank(*e));
        }
        _ => None,
    };
    let from_assignment = if words.is_empty() {
        context
            .names
            .named(&["".into()], &command.assignments, false)
    } else {
        None
    };
    raise(
        named.and_then(|name| context.names.of(name)),
        from_assignment,
    )
}

/// What `export NAME=value` or a bare `NAME=value` sets for the commands after it.
fn exported(command: &SimpleCommand) -> Vec<String> {
    match command.words.as_slice() {
        [] => command.assignments.clone(),
        [export, rest @ ..] if export == "export" => rest
            .iter()
            .filter(|w| w.contains('=') && !w.starts_with('-'))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

fn changed_directory(command: &SimpleCommand) -> Option<String> {
    match command.words.as_slice() {
        [cd, dir, ..] if matches!(cd.as_str(), "cd" | "pushd") => Some(dir.clone()),
        [cd] if cd == "cd" => Some("~".into()),
        _ => None,
    }
}

/// Options that take a value, per wrapper, so that the wrapped command is found after them.
fn value_flags(wrapper: &str) -> &'static [&'static str] {
    match wrapper {
        "sudo" | "doas" => &["-u", "-g", "-C", "-p", "-h", "-r", "-t", "-U", "-D", "-R"],
        "env" => &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
        "nice" => &["-n", "--adjustment"],
        "timeout" => &["-s", "--signal", "-k", "--kill-after"],
        "xargs" => &[
            "-I",
            "-i",
            "-n",
            "-P",
            "-L",
            "-d",
            "-s",
            "-a",
            "-E",
            "--max-args",
            "--max-procs",
            "--delimiter",
            "--arg-file",
        ],
        "stdbuf" => &["-i", "-o", "-e"],
        "ionice" => &["-c", "-n", "-p"],
        "watch" => &["-n", "--interval", "-d"],
        "ssh" => &[
            "-i", "-p", "-o", "-l", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m",
            "-O", "-Q", "-S", "-W", "-w", "-B",
        ],
        "npx" => &[
            "-p",
            "--package",
            "-c",
            "--call",
            "-w",
            "--workspace",
            "--filter",
            "--from",
            "--with",
            "--python",
        ],
        "uv" => &[
            "--with",
            "--python",
            "-p",
            "--env-file",
            "--directory",
            "--project",
            "--package",
        ],
        "bundle" => &["--gemfile"],
        "docker" | "podman" => &[
            "-u",
            "--user",
            "-w",
            "--workdir",
            "-e",
            "--env",
            "--env-file",
            "--detach-keys",
        ],
        "flock" => &["-w", "--timeout", "-E", "--conflict-exit-code"],
        _ => &[],
    }
}

/// Index of the first word after `start` that is not an option of `wrapper` (or its value).
fn skip_options(words: &[String], start: usize, wrapper: &str) -> usize {
    let takes_value = value_flags(wrapper);
    let mut index = start;
    while let Some(word) = words.get(index) {
        if word == "--" {
            return index + 1;
        }
        if !word.starts_with('-') || word == "-" {
            break;
        }
        index += if takes_value.contains(&word.as_str()) {
            2
        } else {
            1
        };
    }
    index.min(words.len())
}

fn simple(
    command: &SimpleCommand,
    stdin: Option<&str>,
    frame: &Frame,
    context: &Context,
    facts: &Facts,
    out: &mut Vec<Finding>,
) {
    let mut found = Vec::new();
    let first = command.words.first().map(|w| program_name(w)).unwrap_or("");
    for redirect in &command.redirects {
        let path = paths::describe(&redirect.target, &frame.cwd);
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
    let mut assignments = command.assignments.clone();
    let mut frame = frame.clone();
    let words = &command.words;
    let mut at = 0;
    // Unwrap wrappers until the command that really runs.
    while let Some(word) = words.get(at) {
        let program = program_name(word);
        match program {
            "sudo" | "doas" => {
                frame.elevated = true;
                at = skip_options(words, at + 1, program);
            }
            "env" if words.len() > at + 1 => {
                at = skip_options(words, at + 1, "env");
                while let Some(assignment) = words
                    .get(at)
                    .filter(|w| w.contains('=') && !w.starts_with('-'))
                {
                    assignments.push(assignment.clone());
                    at += 1;
                }
            }
            "nice" | "nohup" | "time" | "command" | "builtin" | "exec" | "stdbuf" | "ionice"
            | "setsid" | "unbuffer" | "caffeinate" | "watch" | "chronic" => {
                at = skip_options(words, at + 1, program);
            }
            "timeout" => at = skip_options(words, at + 1, "timeout") + 1,
            "flock" => at = skip_options(words, at + 1, "flock") + 1,
            "xargs" => {
                let start = skip_options(words, at + 1, "xargs");
                let placeholder = replace_string(&words[at + 1..start]);
                let mut inner: Vec<String> = words[start..].to_vec();
                if inner.is_empty() {
                    inner.push("echo".into());
                }
                // The items come from the input: stand for them with a word signoff cannot resolve.
                match placeholder {
                    Some(token) => inner
                        .iter_mut()
                        .for_each(|w| *w = w.replace(&token, "$XARGS_INPUT")),
                    None => inner.push("$XARGS_INPUT".into()),
                }
                out.append(&mut found);
                let command = SimpleCommand {
                    assignments,
                    words: inner,
                    redirects: Vec::new(),
                };
                return simple(&command, None, &frame, context, facts, out);
            }
            "bash" | "sh" | "zsh" | "dash" | "ksh" | "fish" | "busybox"
                if shell_c(words, at).is_some() =>
            {
                let inner = shell_c(words, at).unwrap_or_default();
                out.append(&mut found);
                return script(&inner, &frame.deeper(), context, facts, out);
            }
            // `bash <<'EOF' … EOF`: the here-doc is the script.
            "bash" | "sh" | "zsh" | "dash" | "ksh" | "fish"
                if stdin.is_some() && words[at + 1..].iter().all(|w| w.starts_with('-')) =>
            {
                out.append(&mut found);
                return script(
                    stdin.unwrap_or_default(),
                    &frame.deeper(),
                    context,
                    facts,
                    out,
                );
            }
            // Package runners run the program named next: `npx prisma migrate reset`.
            "npx" | "bunx" | "pnpx" | "uvx" => at = skip_options(words, at + 1, "npx"),
            "npm" | "pnpm" | "yarn" | "bun"
                if words
                    .get(at + 1)
                    .is_some_and(|w| matches!(w.as_str(), "exec" | "dlx" | "x")) =>
            {
                at = skip_options(words, at + 2, "npx");
            }
            "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "pipx" | "rye"
                if words.get(at + 1).is_some_and(|w| w == "run") =>
            {
                at = skip_options(words, at + 2, "uv");
            }
            "bundle" if words.get(at + 1).is_some_and(|w| w == "exec") => {
                at = skip_options(words, at + 2, "bundle")
            }
            "eval" => {
                out.append(&mut found);
                let inner = words[at + 1..].join(" ");
                return script(&inner, &frame.deeper(), context, facts, out);
            }
            "ssh" | "mosh" => {
                let host_at = skip_options(words, at + 1, "ssh");
                let Some(host) = words.get(host_at) else {
                    break;
                };
                let mut rest = words[host_at + 1..].join(" ");
                // `ssh host <<'EOF' … EOF`: the here-doc runs on the host.
                if rest.trim().is_empty()
                    && let Some(text) = stdin
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
                    found.push(session);
                    out.append(&mut found);
                    return;
                }
                out.append(&mut found);
                let inner = Frame {
                    cwd: "/".into(),
                    remote: Some(host.clone()),
                    place: Some(place),
                    depth: frame.depth + 1,
                    ..frame
                };
                return script(&rest, &inner, context, facts, out);
            }
            "kubectl" | "oc"
                if words
                    .get(at + 1..)
                    .is_some_and(|rest| rest.iter().any(|w| w == "exec")) =>
            {
                let Some(dash) = words.iter().skip(at).position(|w| w == "--") else {
                    break;
                };
                let inner_words = words[at + dash + 1..].to_vec();
                let pod = words[at + 1..at + dash]
                    .iter()
                    .rfind(|w| !w.starts_with('-') && *w != "exec")
                    .cloned()
                    .unwrap_or_else(|| "a pod".into());
                let named = context.names.named(&words[at..at + dash], &[], true);
                if inner_words.is_empty() {
                    break;
                }
                out.append(&mut found);
                let before = out.len();
                let kubectl = Command {
                    program,
                    args: &words[at + 1..at + dash],
                    stdin: None,
                    cwd: &frame.cwd,
                };
                let inner = Frame {
                    cwd: "/".into(),
                    remote: Some(pod),
                    place: frame.place_of(&kubectl, &command.assignments, facts, context),
                    depth: frame.depth + 1,
                    ..frame
                };
                let command = SimpleCommand {
                    assignments: Vec::new(),
                    words: inner_words,
                    redirects: Vec::new(),
                };
                simple(&command, None, &inner, context, facts, out);
                for finding in &mut out[before..] {
                    finding.environment = raise(finding.environment, named);
                }
                return;
            }
            "docker" | "podman" | "nerdctl" if words.get(at + 1).is_some_and(|w| w == "exec") => {
                let container_at = skip_options(words, at + 2, program);
                if words.len() <= container_at + 1 {
                    break;
                }
                frame.container = true;
                at = container_at + 1;
            }
            // `ansible web -m shell -a 'rm -rf /srv/cache'`: the command runs on those hosts.
            "ansible" => {
                let ansible = Command {
                    program,
                    args: &words[at + 1..],
                    stdin: None,
                    cwd: &frame.cwd,
                };
                let module = ansible.value(&["-m", "--module-name"]);
                let (Some("shell" | "command" | "raw"), Some(inner)) =
                    (module, ansible.value(&["-a", "--args"]))
                else {
                    break;
                };
                let hosts = ansible
                    .operands(&["-i", "--inventory", "-m", "--module-name", "-a", "--args"])
                    .first()
                    .map_or("the inventory's hosts".to_string(), |h| h.to_string());
                let inner_frame = Frame {
                    cwd: "/".into(),
                    remote: Some(hosts),
                    place: frame.place_of(&ansible, &command.assignments, facts, context),
                    depth: frame.depth + 1,
                    ..frame.clone()
                };
                script(inner, &inner_frame, context, facts, &mut found);
                break;
            }
            "find"
                if words
                    .iter()
                    .any(|w| matches!(w.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir")) =>
            {
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
                        simple(&command, None, &frame, context, facts, &mut found);
                    }
                }
                break;
            }
            _ => break,
        }
    }
    judge_command(
        words.get(at..).unwrap_or_default(),
        &assignments,
        stdin,
        &frame,
        context,
        facts,
        &mut found,
    );
    out.append(&mut found);
}

/// `xargs -I {}`: the replace string.
fn replace_string(options: &[String]) -> Option<String> {
    options
        .iter()
        .position(|o| o == "-I" || o == "-i")
        .and_then(|i| options.get(i + 1))
        .cloned()
}

/// The script of `bash -c SCRIPT` (also `-lc`, `-ec`, `-c` after other options).
fn shell_c(words: &[String], at: usize) -> Option<String> {
    let mut rest = words[at + 1..].iter();
    while let Some(word) = rest.next() {
        if word.starts_with('-') && !word.starts_with("--") && word.contains('c') {
            return rest.next().cloned();
        }
        if !word.starts_with('-') {
            return None;
        }
    }
    None
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
    match tools::classify(&command, context, found) {
        Classified::Known => {}
        Classified::Unknown => found.push(Finding::new(
            "shell.program",
            Effect::Write,
            Scope::Workspace,
            format!("Runs `{program}`, which signoff does not know; it is treated as a change in the workspace."),
        )),
        Classified::RunsScript(inner) => script(&inner, &frame.deeper(), context, facts, found),
    }
    tools::targets::classify(&command, first, context, found);
    let remote = frame.remote.is_some() || found[before..].iter().any(|f| f.scope == Scope::Remote);
    let named = context.names.named(words, assignments, remote);
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
