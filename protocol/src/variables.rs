//! An agent's context variables: the few environment variables that decide where a CLI acts
//! (`KUBECONFIG`, `AWS_PROFILE`, `DATABASE_URL`, …). Agents send their values with each proposal
//! so that the console can read the context each CLI would act in. Only the names below ever
//! leave the agent, credentials are removed from their values first, and the console uses them
//! for the one assessment: it never stores them.

use std::collections::BTreeMap;

/// Variable name → value, credentials removed.
pub type Variables = BTreeMap<String, String>;

/// The variables an agent sends, and the only ones the console accepts.
pub const CONTEXT_VARIABLES: &[&str] = &[
    // Where per-user configuration lives.
    "HOME",
    // Kubernetes.
    "KUBECONFIG",
    // AWS.
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_ENDPOINT_URL",
    // Google Cloud.
    "CLOUDSDK_CONFIG",
    "CLOUDSDK_CORE_PROJECT",
    "CLOUDSDK_ACTIVE_CONFIG_NAME",
    "GOOGLE_CLOUD_PROJECT",
    // Terraform / OpenTofu.
    "TF_WORKSPACE",
    "TF_DATA_DIR",
    // Platforms.
    "RAILWAY_ENVIRONMENT",
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_ENVIRONMENT_ID",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_TOKEN",
    "FLY_APP",
    "HEROKU_APP",
    "VERCEL_ORG_ID",
    "VERCEL_PROJECT_ID",
    // Containers.
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
    "CONTAINER_HOST",
    // Databases.
    "DATABASE_URL",
    "PGHOST",
    "PGHOSTADDR",
    "PGSERVICE",
    "PGDATABASE",
    "MYSQL_HOST",
    "REDIS_URL",
    "MONGODB_URI",
    "MONGO_URL",
    "RAILS_ENV",
    "RACK_ENV",
    // Ansible.
    "ANSIBLE_INVENTORY",
    "ANSIBLE_CONFIG",
];

/// Variables whose value is a credential but whose presence changes where a CLI acts (a Railway
/// project token picks its own environment): sent as [`SET`], never as their value.
pub const PRESENCE_ONLY: &[&str] = &["RAILWAY_TOKEN"];

/// What a [`PRESENCE_ONLY`] variable is sent as.
pub const SET: &str = "(set)";

/// The longest value sent or accepted; longer ones are left out.
pub const MAX_VALUE: usize = 4096;

/// This process's context variables, ready to send.
pub fn from_process() -> Variables {
    accept(
        CONTEXT_VARIABLES
            .iter()
            .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?))),
    )
}

/// The context variables in `pairs`: names not on the list, empty or over-long values and values
/// with control characters are left out; credentials are removed. The console applies it to what
/// an agent sends, whatever the agent did first.
pub fn accept(pairs: impl IntoIterator<Item = (String, String)>) -> Variables {
    pairs
        .into_iter()
        .filter(|(name, value)| {
            CONTEXT_VARIABLES.contains(&name.as_str())
                && !value.is_empty()
                && value.len() <= MAX_VALUE
                && !value.chars().any(char::is_control)
        })
        .map(|(name, value)| {
            let value = if PRESENCE_ONLY.contains(&name.as_str()) {
                SET.to_string()
            } else {
                without_credentials(&value)
            };
            (name, value)
        })
        .collect()
}

/// `value` with any password in a URL's user part and any secret-looking query parameter
/// removed: `postgres://app:s3cret@db/x?sslpassword=y&sslmode=require` →
/// `postgres://app@db/x?sslmode=require`.
pub fn without_credentials(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':').map_or(user_info, |(u, _)| u) {
            "" => host.to_string(),
            user => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let (query, fragment) = query.split_once('#').unwrap_or((query, ""));
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| !is_secret_name(pair.split('=').next().unwrap_or("")))
                .collect();
            let mut tail = path.to_string();
            if !kept.is_empty() {
                tail.push('?');
                tail.push_str(&kept.join("&"));
            }
            if !fragment.is_empty() {
                tail.push('#');
                tail.push_str(fragment);
            }
            tail
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        "auth",
        "sig",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests;
