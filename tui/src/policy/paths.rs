//! What a path is, read from its text alone (the policy does no IO).

/// Where a path lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Under the workspace.
    Workspace,
    /// Elsewhere on this machine.
    Machine,
    /// The root of the machine's file system, the home directory itself, or a top-level system
    /// directory: destroying it destroys the machine.
    SystemRoot,
    /// A block device: writing to it destroys a disk.
    Device,
}

/// Everything the policy wants to know about one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    /// The path made absolute (`~` kept as `~`), for messages and typed confirmation.
    pub shown: String,
    pub location: Location,
    /// Build output, dependencies or caches: recreated by a build.
    pub build_output: bool,
    /// Credentials and keys.
    pub secret: bool,
    /// A version-control system's internals (`.git/`).
    pub vcs_internal: bool,
    /// An agent's own settings or hooks, or signoff's: changing them turns safety off.
    pub agent_settings: bool,
    /// signoff's own files: its settings, history, logs, socket. An agent that changes them
    /// changes the gate that reviews it, or reaches for a reviewer's powers.
    pub signoff: bool,
    /// Scratch space below `/tmp` (a named entry in it, not `/tmp` itself or all of it).
    pub scratch: bool,
    /// It holds an expansion signoff cannot evaluate (`$DIR/build`, `` `pwd` ``): it could name
    /// anything, so it is placed where it would do the most harm.
    pub unresolved: bool,
}

const BUILD_OUTPUT: &[&str] = &[
    "node_modules",
    "target",
    "dist",
    "build",
    "out",
    ".next",
    ".nuxt",
    ".svelte-kit",
    "__pycache__",
    ".terraform",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    "coverage",
    ".coverage",
    ".cache",
    ".turbo",
    ".parcel-cache",
    ".gradle",
    ".venv",
    "venv",
    ".eggs",
    "htmlcov",
    "tmp",
];

const SYSTEM_ROOTS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/Users",
    "/System",
    "/Library",
    "/Applications",
];

/// Where CLIs keep their credentials (tokens, keys, session cookies).
const SECRET_DIRS: &[&str] = &[
    "/.ssh/",
    "/.aws/",
    "/.gnupg/",
    "/.config/gcloud/",
    "/.kube/",
    "/.docker/",
    "/.azure/",
    "/.config/gh/",
    "/.railway/",
    "/.fly/",
    "/.config/doctl/",
    "/.netlify/",
    "/.terraform.d/",
    "/.vercel/",
    "/com.vercel.cli/",
    "/.config/heroku/",
    "/.config/stripe/",
    "/.supabase/",
    "/.config/neonctl/",
    "/.config/op/",
    "/.password-store/",
    "/keyrings/",
    "/Keychains/",
    "/.config/hub/",
    "/.cargo/credentials",
    // signoff's own: the agents' token, and remote reviewers' credentials (`signoff attach URL`).
    "/.config/signoff/token",
    "/.config/signoff/reviewers/",
];
const SECRET_FILES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".netrc",
    ".pgpass",
    "credentials",
    "credentials.json",
    "credentials.toml",
    "credentials.tfrc.json",
    ".npmrc",
    ".yarnrc.yml",
    ".pypirc",
    ".git-credentials",
    ".my.cnf",
    ".boto",
    ".s3cfg",
    ".vault-token",
    ".htpasswd",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    "shadow",
    "gshadow",
    "master.passwd",
    "service-account.json",
    "service_account.json",
];
const SECRET_EXTENSIONS: &[&str] = &[".pem", ".key", ".p12", ".pfx", ".keystore", ".jks"];
const ENV_TEMPLATES: &[&str] = &[".example", ".sample", ".template", ".dist", ".defaults"];
const AGENT_SETTINGS: &[&str] = &[
    "/.claude/",
    "/.cursor/",
    "/.codex/",
    "/.gemini/",
    "/.config/signoff/",
    "/.amazonq/",
];

/// Describes `path` as seen from `cwd` (the workspace).
pub fn describe(path: &str, cwd: &str) -> PathInfo {
    let path = path.trim();
    let absolute = absolute(path, cwd);
    let home = is_home_relative(path);
    let normalized = normalize(&absolute);
    let workspace = normalize(cwd);
    let stripped = normalized.trim_end_matches("/*").trim_end_matches('/');
    let stripped = if stripped.is_empty() { "/" } else { stripped };

    let unresolved = unresolved(path);
    let location = if unresolved && could_be_root(path) {
        Location::SystemRoot
    } else if normalized.starts_with("/dev/")
        && !matches!(
            normalized.as_str(),
            "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"
        )
        && !normalized.starts_with("/dev/fd/")
    {
        Location::Device
    } else if (home
        && matches!(
            path.trim_end_matches("/*").trim_end_matches('/'),
            "~" | "$HOME" | "${HOME}" | ""
        ))
        || SYSTEM_ROOTS.contains(&stripped)
    {
        Location::SystemRoot
    } else if !home && !unresolved && within(&normalized, &workspace) {
        Location::Workspace
    } else {
        Location::Machine
    };

    let segments: Vec<&str> = normalized.split('/').filter(|s| !s.is_empty()).collect();
    let file = segments.last().copied().unwrap_or("");
    let inner = format!("{normalized}/");
    let relative = normalized.strip_prefix(&workspace).unwrap_or(&normalized);
    let build_output = location == Location::Workspace
        && relative
            .split('/')
            .filter(|s| !s.is_empty())
            .any(|s| BUILD_OUTPUT.contains(&s) || s.ends_with(".pyc"));
    let env_file = (file == ".env" || file.starts_with(".env.") || file.ends_with(".env"))
        && !ENV_TEMPLATES.iter().any(|t| file.ends_with(t));
    // A process's environment (`/proc/1/environ`) holds whatever tokens it was given.
    let process_environment = normalized.starts_with("/proc/") && file == "environ";
    // Terraform state keeps every attribute in plain text, database passwords included.
    let state_file = file.ends_with(".tfstate") || file.ends_with(".tfstate.backup");
    let secret = env_file
        || process_environment
        || state_file
        || SECRET_FILES.contains(&file)
        || SECRET_EXTENSIONS.iter().any(|ext| file.ends_with(ext))
        || (SECRET_DIRS.iter().any(|dir| inner.contains(dir))
            && !file.ends_with(".pub")
            && !SECRET_DIRS.iter().any(|dir| inner.ends_with(dir)));
    PathInfo {
        shown: if home {
            path.to_string()
        } else {
            stripped.to_string()
        },
        location,
        build_output,
        secret,
        vcs_internal: segments.contains(&".git"),
        agent_settings: AGENT_SETTINGS.iter().any(|dir| inner.contains(dir)),
        signoff: is_signoff(&inner),
        scratch: !unresolved && !home && location == Location::Machine && is_scratch(&normalized),
        unresolved,
    }
}

/// signoff's directories (XDG config, data, state, runtime; the runtime fallback
/// `/tmp/signoff-<uid>/`) and its socket wherever it is. `inner` ends with `/`.
fn is_signoff(inner: &str) -> bool {
    const DIRS: &[&str] = &[
        "/.config/signoff/",
        "/.local/share/signoff/",
        "/.local/state/signoff/",
    ];
    let runtime = inner.starts_with("/run/user/") && inner.contains("/signoff/");
    let fallback = inner
        .strip_prefix("/tmp/signoff-")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(uid, _)| !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()));
    DIRS.iter().any(|dir| inner.contains(dir))
        || runtime
        || fallback
        || inner.ends_with("/signoff.sock/")
}

/// A named entry below a temporary directory: `/tmp/build-1`, `/var/tmp/x/*`, not `/tmp/*`.
fn is_scratch(normalized: &str) -> bool {
    ["/tmp/", "/var/tmp/", "/private/tmp/"].iter().any(|dir| {
        normalized.strip_prefix(dir).is_some_and(|rest| {
            let first = rest.split('/').next().unwrap_or("");
            !first.is_empty() && !first.contains(['*', '?', '[']) && !first.starts_with('.')
        })
    })
}

/// Whether `path` holds an expansion other than the home directory's.
fn unresolved(path: &str) -> bool {
    let rest = path
        .trim_start_matches("${HOME}")
        .trim_start_matches("$HOME");
    rest.contains('$') || rest.contains('`')
}

/// An expansion that makes the whole path, or all of it but a trailing `/`, `/*` or `/.`:
/// empty or `/`, it deletes the root (`rm -rf "$DIR"/`).
fn could_be_root(path: &str) -> bool {
    let rest = if let Some(inner) = path.strip_prefix("${") {
        inner.split_once('}').map_or("", |(_, rest)| rest)
    } else if let Some(inner) = path.strip_prefix("$(") {
        inner.rsplit_once(')').map_or("", |(_, rest)| rest)
    } else if let Some(inner) = path.strip_prefix('`') {
        inner.rsplit_once('`').map_or("", |(_, rest)| rest)
    } else if let Some(inner) = path.strip_prefix('$') {
        inner.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
    } else {
        return false;
    };
    !path.starts_with("$HOME")
        && !path.starts_with("${HOME}")
        && matches!(rest, "" | "/" | "/*" | "/.")
}

/// `path` as the absolute, normalized path a program would open from `cwd`, with `~` and `$HOME`
/// expanded to `home`; `None` when that cannot be known (a home-relative path and no home, or
/// any other variable).
pub fn resolve(path: &str, cwd: &str, home: Option<&str>) -> Option<String> {
    let path = path.trim();
    let absolute = if is_home_relative(path) {
        let rest = path
            .trim_start_matches("${HOME}")
            .trim_start_matches("$HOME")
            .trim_start_matches('~');
        format!("{}{rest}", home?.trim_end_matches('/'))
    } else {
        absolute(path, cwd)
    };
    if absolute.contains('$') || !absolute.starts_with('/') {
        return None;
    }
    let normalized = normalize_segments(&absolute);
    Some(if normalized.is_empty() {
        "/".into()
    } else {
        normalized
    })
}

fn is_home_relative(path: &str) -> bool {
    path == "~"
        || path.starts_with("~/")
        || path.starts_with("$HOME")
        || path.starts_with("${HOME}")
}

fn within(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    !dir.is_empty()
        && (path == dir
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/')))
}

fn absolute(path: &str, cwd: &str) -> String {
    if path.starts_with('/') || is_home_relative(path) {
        path.to_string()
    } else if path.is_empty() || path == "." {
        cwd.to_string()
    } else {
        format!("{}/{path}", cwd.trim_end_matches('/'))
    }
}

/// Resolves `.` and `..` lexically. Home-relative paths are returned as `/~/...`-free text.
fn normalize(path: &str) -> String {
    if is_home_relative(path) {
        // Home paths stay symbolic: `~/.ssh/id_rsa` → `/~/.ssh/id_rsa` keeps the segment logic.
        let rest = path
            .trim_start_matches("${HOME}")
            .trim_start_matches("$HOME")
            .trim_start_matches('~');
        return format!("/~{}", normalize_segments(rest));
    }
    let normalized = normalize_segments(path);
    if normalized.is_empty() {
        "/".into()
    } else {
        normalized
    }
}

fn normalize_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut text = String::new();
    for segment in out {
        text.push('/');
        text.push_str(segment);
    }
    if path.ends_with("/*") && !text.ends_with("/*") {
        text.push_str("/*");
    }
    text
}

#[cfg(test)]
mod tests;
