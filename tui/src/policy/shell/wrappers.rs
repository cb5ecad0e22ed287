//! Wrappers: the programs that run another command (`sudo`, `env`, `timeout`, `strace`,
//! `chroot`…), the options each takes, and where the wrapped command starts.

/// Programs that run the command after their options and after this many operands of their
/// own (`timeout 10 CMD`, `chroot /mnt CMD`), and whether the command runs as root.
const RUN_NEXT: &[(&str, usize, bool)] = &[
    ("nice", 0, false),
    ("nohup", 0, false),
    ("time", 0, false),
    ("command", 0, false),
    ("builtin", 0, false),
    ("exec", 0, false),
    ("stdbuf", 0, false),
    ("ionice", 0, false),
    ("setsid", 0, false),
    ("unbuffer", 0, false),
    ("caffeinate", 0, false),
    ("chronic", 0, false),
    ("ifne", 0, false),
    ("busybox", 0, false),
    ("strace", 0, false),
    ("ltrace", 0, false),
    ("valgrind", 0, false),
    ("catchsegv", 0, false),
    ("numactl", 0, false),
    ("cpulimit", 0, false),
    ("trickle", 0, false),
    ("torsocks", 0, false),
    ("proxychains", 0, false),
    ("proxychains4", 0, false),
    ("dbus-run-session", 0, false),
    ("xvfb-run", 0, false),
    ("firejail", 0, false),
    ("proot", 0, false),
    ("setpriv", 0, true),
    ("unshare", 0, false),
    ("nsenter", 0, true),
    ("systemd-run", 0, false),
    ("timeout", 1, false),
    ("flock", 1, false),
    ("taskset", 1, false),
    ("chrt", 1, false),
    ("faketime", 1, false),
    ("chroot", 1, true),
    ("sg", 1, false),
];

/// How many operands of its own `program` takes before the command it runs, and whether that
/// command runs as root; `None` when it is not such a wrapper.
pub fn runs_next(program: &str) -> Option<(usize, bool)> {
    RUN_NEXT
        .iter()
        .find(|(name, _, _)| *name == program)
        .map(|(_, skip, root)| (*skip, *root))
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
        "strace" => &[
            "-o", "-e", "-p", "-s", "-u", "-E", "-P", "-a", "-b", "-I", "-O", "-S", "-X",
        ],
        "ltrace" => &["-o", "-e", "-p", "-s", "-u", "-a", "-n", "-x", "-l", "-F"],
        "taskset" => &["-p"],
        "unshare" => &[
            "-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w", "--wd",
        ],
        "nsenter" => &[
            "-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "--root", "-w", "--wd",
        ],
        "systemd-run" => &[
            "-u",
            "--unit",
            "-p",
            "--property",
            "--description",
            "--slice",
            "-E",
            "--setenv",
            "--uid",
            "--gid",
            "--on-calendar",
            "--on-active",
            "--on-boot",
            "-M",
            "--machine",
        ],
        "numactl" => &["-C", "-N", "-m", "-i", "-p"],
        "cpulimit" => &["-l", "--limit", "-p", "--pid"],
        "trickle" => &["-d", "-u", "-w", "-t", "-l"],
        "xvfb-run" => &["-n", "-s", "-f", "-e"],
        _ => &[],
    }
}

/// Index of the first word after `start` that is not an option of `wrapper` (or its value).
pub fn skip_options(words: &[String], start: usize, wrapper: &str) -> usize {
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

/// `xargs -I {}`: the replace string.
pub fn replace_string(options: &[String]) -> Option<String> {
    options
        .iter()
        .position(|o| o == "-I" || o == "-i")
        .and_then(|i| options.get(i + 1))
        .cloned()
}

/// The script of `bash -c SCRIPT` (also `-lc`, `-ec`, `-c` after other options).
pub fn shell_c(words: &[String], at: usize) -> Option<String> {
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

/// Where `env -S 'CMD ARGS'` (or `--split-string=…`) names its command line, after the `env` at
/// `at`.
pub fn split_string(words: &[String], at: usize) -> Option<usize> {
    words[at + 1..]
        .iter()
        .position(|w| w == "-S" || w.starts_with("--split-string"))
        .map(|i| at + 1 + i)
}
