//! Environments an action names: flags, env-var prefixes, hosts, overlay paths.

use signoff_protocol::Environment;

/// The words that mean each environment. Matched against whole tokens (`my-app-prod` has the
/// token `prod`; `product` has not).
#[derive(Debug, Clone)]
pub struct EnvNames {
    pub production: Vec<String>,
    pub staging: Vec<String>,
    pub dev: Vec<String>,
}

impl Default for EnvNames {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        EnvNames {
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
        }
    }
}

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
    /// The environment one piece of text names, by its tokens; production wins over staging over
    /// dev when several are named.
    pub fn of(&self, text: &str) -> Option<Environment> {
        let lower = text.to_ascii_lowercase();
        let tokens: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        let names = |list: &[String]| tokens.iter().any(|t| list.iter().any(|n| n == t));
        if names(&self.production) {
            Some(Environment::Production)
        } else if names(&self.staging) {
            Some(Environment::Staging)
        } else if names(&self.dev) || lower.contains("127.0.0.1") || lower.contains("[::1]") {
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
