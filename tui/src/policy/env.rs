//! Environments an action names: flags, env-var prefixes, hosts, overlay paths.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use signoff_protocol::Environment;

/// The names that mean each environment: words matched against whole tokens (`my-app-prod` has
/// the token `prod`; `product` has not), and patterns matched against whole names — a kube
/// context, a project, a host, a URL (`kind-*`, `*.db.acme.com`, `https://api.acme.com/*`).
/// When several match, production wins over staging over dev.
#[derive(Debug, Clone)]
pub struct EnvNames {
    pub production: Vec<String>,
    pub staging: Vec<String>,
    pub dev: Vec<String>,
    /// The patterns as written, per environment.
    pub patterns: Vec<(Environment, String)>,
    /// `patterns` compiled: production, staging, dev.
    compiled: [GlobSet; 3],
}

impl Default for EnvNames {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        let mut names = EnvNames {
            production: words(&["prod", "production", "prd", "live"]),
            staging: words(&["staging", "stage", "stg", "preprod", "uat"]),
            dev: words(&[
                "dev",
                "development",
                "local",
                "localhost",
                "test",
                "sandbox",
            ]),
            patterns: Vec::new(),
            compiled: Default::default(),
        };
        names
            .patterns
            .push((Environment::Production, "main-cluster".into()));
        for pattern in LOCAL_CLUSTERS {
            names.patterns.push((Environment::Dev, pattern.to_string()));
        }
        names.compile().expect("the built-in patterns compile");
        names
    }
}

/// Kubernetes contexts (and clusters) that run on this machine.
pub const LOCAL_CLUSTERS: &[&str] = &[
    "kind-*",
    "k3d-*",
    "minikube",
    "docker-desktop",
    "docker-for-desktop",
    "rancher-desktop",
    "orbstack",
    "colima",
    "microk8s",
];

/// Orders named environments by how much care they need. Unknown never comes from a name.
pub fn rank(environment: Environment) -> u8 {
    match environment {
        Environment::Dev => 0,
        Environment::Unknown => 1,
        Environment::Staging => 2,
        Environment::Production => 3,
    }
}

/// The more restrictive of two named environments.
pub fn raise(a: Option<Environment>, b: Option<Environment>) -> Option<Environment> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if rank(b) > rank(a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Flags whose value names an environment or something that lives in one.
const ENV_FLAGS: &[&str] = &[
    "--env",
    "--environment",
    "-e",
    "--project",
    "--stage",
    "--namespace",
    "-n",
    "--context",
    "--kube-context",
    "--profile",
    "--app",
    "-a",
    "--workspace",
    "--cluster",
    "--host",
    "-h",
    "--target",
    "--site",
    "--alias",
    "--org",
    "--tenant",
    "--deployment",
    "--service",
];
/// Env vars whose value names an environment, or a URL of a system in one.
const ENV_VARS: &[&str] = &[
    "RAILS_ENV",
    "NODE_ENV",
    "APP_ENV",
    "ENV",
    "ENVIRONMENT",
    "STAGE",
    "MIX_ENV",
    "FLASK_ENV",
    "DJANGO_ENV",
    "RACK_ENV",
    "SPRING_PROFILES_ACTIVE",
    "ASPNETCORE_ENVIRONMENT",
    "DEPLOY_ENV",
    "DATABASE_URL",
    "REDIS_URL",
    "MONGO_URL",
    "MONGODB_URI",
    "PGHOST",
    "KUBECONTEXT",
    "AWS_PROFILE",
];

impl EnvNames {
    /// Adds a name from the user's policy file: a word (letters and digits only) is matched as
    /// a token, anything else as a whole-name pattern (`*` matches any run of characters).
    pub fn add(&mut self, environment: Environment, entry: &str) -> Result<(), String> {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.chars().all(|c| c.is_ascii_alphanumeric()) && !entry.is_empty() {
            match environment {
                Environment::Production => self.production.push(entry),
                Environment::Staging => self.staging.push(entry),
                _ => self.dev.push(entry),
            }
            return Ok(());
        }
        let literal = entry.chars().filter(|c| !"*?[]{}".contains(*c)).count();
        if literal < 3 {
            return Err(format!(
                "`{entry}` would match almost any name; name the projects, hosts or contexts themselves"
            ));
        }
        self.patterns.push((environment, entry));
        self.compile()
    }

    fn compile(&mut self) -> Result<(), String> {
        let mut sets = [
            GlobSetBuilder::new(),
            GlobSetBuilder::new(),
            GlobSetBuilder::new(),
        ];
        for (environment, pattern) in &self.patterns {
            let glob = GlobBuilder::new(pattern)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
                .map_err(|e| format!("`{pattern}` is not a valid pattern: {e}"))?;
            sets[slot(*environment)].add(glob);
        }
        let [production, staging, dev] = sets.map(|set| set.build());
        self.compiled = [
            production.map_err(|e| e.to_string())?,
            staging.map_err(|e| e.to_string())?,
            dev.map_err(|e| e.to_string())?,
        ];
        Ok(())
    }

    /// The environment one piece of text names, by its tokens and as a whole (and, for a URL,
    /// by its host); production wins over staging over dev when several are named.
    pub fn of(&self, text: &str) -> Option<Environment> {
        if text.is_empty() {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        let names = |list: &[String]| {
            lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|t| !t.is_empty() && list.iter().any(|n| n == t))
        };
        let host = host_of(&lower);
        let matches = |environment: Environment| {
            let set = &self.compiled[slot(environment)];
            !set.is_empty() && (set.is_match(&lower) || host.is_some_and(|h| set.is_match(h)))
        };
        if names(&self.production) || matches(Environment::Production) {
            Some(Environment::Production)
        } else if names(&self.staging) || matches(Environment::Staging) {
            Some(Environment::Staging)
        } else if names(&self.dev) || matches(Environment::Dev) || host.is_some_and(is_loopback) {
            Some(Environment::Dev)
        } else {
            None
        }
    }

    /// The environment a command names. `remote`: the command acts on a remote system, so every
    /// argument (a resource called `prod-db`, a namespace) can name it; a local command names an
    /// environment only through env flags, env vars and URLs.
    pub fn named(
        &self,
        words: &[String],
        assignments: &[String],
        remote: bool,
    ) -> Option<Environment> {
        let mut found = None;
        for assignment in assignments {
            if let Some((name, value)) = assignment.split_once('=')
                && ENV_VARS.contains(&name)
            {
                found = raise(found, self.of(value));
            }
        }
        let mut words = words.iter().skip(1).peekable();
        while let Some(word) = words.next() {
            let (flag, inline) = match word.split_once('=') {
                Some((flag, value)) if flag.starts_with('-') => (flag, Some(value)),
                _ => (word.as_str(), None),
            };
            if matches!(flag, "--prod" | "--production") {
                found = raise(found, Some(Environment::Production));
            } else if ENV_FLAGS.contains(&flag) {
                let value = inline
                    .map(str::to_string)
                    .or_else(|| words.next_if(|next| !next.starts_with('-')).cloned());
                found = raise(found, value.and_then(|v| self.of(&v)));
            } else if word.contains("://")
                || (remote && !word.starts_with('-'))
                || looks_like_env_path(word)
            {
                found = raise(found, self.of(word));
            } else if remote && let Some(value) = inline {
                found = raise(found, self.of(value));
            }
        }
        found
    }
}

fn slot(environment: Environment) -> usize {
    match environment {
        Environment::Production => 0,
        Environment::Staging => 1,
        _ => 2,
    }
}

/// The host of a URL or of `host:port`, or the text itself when it looks like a bare host.
pub fn host_of(text: &str) -> Option<&str> {
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None if host.matches(':').count() == 1 => host.split(':').next().unwrap_or(host),
        None => host,
    };
    (!host.is_empty() && !host.contains(char::is_whitespace)).then_some(host)
}

/// Hosts that are this machine.
pub fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "::1"
        || host == "0.0.0.0"
        || host == "host.docker.internal"
        || host == "kubernetes.docker.internal"
}

/// `overlays/prod/`, `environments/production`, `envs/staging`: a directory per environment.
fn looks_like_env_path(word: &str) -> bool {
    [
        "overlays/",
        "environments/",
        "envs/",
        "env/",
        "deploy/",
        "clusters/",
        "stages/",
    ]
    .iter()
    .any(|dir| word.contains(dir))
}

#[cfg(test)]
mod tests;
