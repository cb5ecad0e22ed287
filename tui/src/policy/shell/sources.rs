//! The text of what a command runs from a file: a script (`bash deploy.sh`, `./deploy.sh`,
//! `python tool.py`) or a package.json script (`npm run db:reset`). Written earlier in the same
//! script (`cat > x.sh <<EOF … EOF && bash x.sh`), it is taken from there; otherwise it is read
//! through `Facts::files`, like any file the policy wants.

use crate::policy::facts::{Facts, Read};
use crate::policy::paths;

/// Scripts that set up a shell's environment (a virtualenv's `activate`, nvm, rustup's env):
/// sourcing them defines variables and functions and runs nothing else.
const SETUP_SCRIPTS: &[&str] = &[
    "/bin/activate",
    "/bin/activate.fish",
    "/bin/activate.csh",
    "nvm.sh",
    "/.cargo/env",
    "sdkman-init.sh",
    "/.rvm/scripts/rvm",
    "/.asdf/asdf.sh",
    "/.bashrc",
    "/.zshrc",
    "/.profile",
    "/.bash_profile",
    "/etc/profile",
    "/setup.bash",
    "/setup.zsh",
    "/opt/conda/etc/profile.d/conda.sh",
    "/etc/profile.d/conda.sh",
];

/// Whether sourcing `path` only sets up the shell's environment.
pub fn sets_up_the_shell(path: &str) -> bool {
    let path = format!("/{}", path.trim_start_matches("./"));
    SETUP_SCRIPTS.iter().any(|end| path.ends_with(end))
}

/// What is known of a file's text.
pub enum Source {
    Text(String),
    Missing,
    Unknown,
}

/// The text of `path` (as written in the command) for a command running in `cwd`.
pub fn read(path: &str, cwd: &str, written: &[(String, String)], facts: &Facts) -> Source {
    let home = facts.variables.get("HOME").map(String::as_str);
    let Some(absolute) = paths::resolve(path, cwd, home) else {
        return Source::Unknown;
    };
    if let Some((_, text)) = written.iter().rev().find(|(p, _)| *p == absolute) {
        return Source::Text(text.clone());
    }
    if facts.agent_is_remote {
        return Source::Unknown;
    }
    match facts.files.read(&absolute) {
        Read::Text(text) => Source::Text(text.to_string()),
        Read::Missing => Source::Missing,
        Read::Unknown => Source::Unknown,
    }
}

/// The commands `npm run NAME` runs (its `preNAME`, itself, its `postNAME`), from the nearest
/// package.json at or above `cwd`; `None` when that cannot be read.
pub fn package_script(
    name: &str,
    cwd: &str,
    written: &[(String, String)],
    facts: &Facts,
) -> Option<Vec<String>> {
    let mut dir = cwd.trim_end_matches('/').to_string();
    loop {
        match read(&format!("{dir}/package.json"), cwd, written, facts) {
            Source::Text(text) => {
                let json: serde_json::Value = serde_json::from_str(&text).ok()?;
                let scripts = json.get("scripts")?;
                let get = |key: &str| scripts.get(key).and_then(|v| v.as_str()).map(String::from);
                return Some(
                    [
                        get(&format!("pre{name}")),
                        get(name),
                        get(&format!("post{name}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                );
            }
            Source::Unknown => return None,
            Source::Missing => {}
        }
        let (parent, _) = dir.rsplit_once('/')?;
        if parent.is_empty() {
            return None;
        }
        dir = parent.to_string();
    }
}
