//! Commands that show a credential to the agent — the PocketOS agent began by finding a token it
//! was never given: the token-printing verbs of the CLIs agents use, password managers and
//! keychains, git's credential helpers, package managers' auth settings, and printing a whole
//! environment. (Reading the CLIs' credential files is `paths::describe`'s `secret`.)

use signoff_protocol::Tier;

use super::Command;
use crate::policy::finding::{Effect, Finding, Scope};

/// A program, the words that must appear in its arguments in this order (`~word`: an argument
/// containing `word`, any case; `=`: no arguments at all), and what it shows.
#[rustfmt::skip]
const SHOWS: &[(&str, &[&str], &str)] = &[
    ("gh", &["auth", "token"], "the GitHub token"),
    ("gh", &["auth", "status", "--show-token"], "the GitHub token"),
    ("aws", &["configure", "get", "~secret"], "a stored AWS secret key"),
    ("aws", &["configure", "get", "~key_id"], "a stored AWS access key"),
    ("aws", &["configure", "get", "~token"], "a stored AWS session token"),
    ("aws", &["configure", "export-credentials"], "AWS credentials"),
    ("aws", &["sts", "get-session-token"], "fresh AWS credentials"),
    ("aws", &["sts", "assume-role"], "fresh AWS credentials"),
    ("aws", &["ecr", "get-login-password"], "a registry password"),
    ("aws", &["secretsmanager", "get-secret-value"], "a secret from Secrets Manager"),
    ("aws", &["ssm", "get-parameter", "--with-decryption"], "a decrypted parameter"),
    ("aws", &["ssm", "get-parameters", "--with-decryption"], "decrypted parameters"),
    ("gcloud", &["auth", "print-access-token"], "a Google Cloud access token"),
    ("gcloud", &["auth", "print-identity-token"], "a Google Cloud identity token"),
    ("gcloud", &["auth", "application-default", "print-access-token"], "a Google Cloud access token"),
    ("gcloud", &["secrets", "versions", "access"], "a secret from Secret Manager"),
    ("az", &["account", "get-access-token"], "an Azure access token"),
    ("az", &["keyvault", "secret", "show"], "a Key Vault secret"),
    ("az", &["keyvault", "secret", "download"], "a Key Vault secret"),
    ("heroku", &["auth:token"], "the Heroku token"),
    ("heroku", &["config"], "the app's config variables"),
    ("heroku", &["config:get"], "an app config variable"),
    ("railway", &["variables"], "the service's variables"),
    ("vercel", &["env", "pull"], "the project's environment variables"),
    ("netlify", &["env:list"], "the site's environment variables"),
    ("fly", &["secrets", "import"], "secrets"),
    ("doppler", &["secrets"], "secrets"),
    ("infisical", &["secrets"], "secrets"),
    ("infisical", &["export"], "secrets"),
    ("chamber", &["read"], "a secret"),
    ("chamber", &["export"], "secrets"),
    ("vault", &["kv", "get"], "a Vault secret"),
    ("vault", &["read"], "a Vault secret"),
    ("vault", &["print", "token"], "the Vault token"),
    ("sops", &["-d"], "a decrypted file"),
    ("sops", &["--decrypt"], "a decrypted file"),
    ("sops", &["decrypt"], "a decrypted file"),
    ("gpg", &["-d"], "a decrypted file"),
    ("gpg", &["--decrypt"], "a decrypted file"),
    ("age", &["-d"], "a decrypted file"),
    ("op", &["read"], "a 1Password secret"),
    ("op", &["item", "get"], "a 1Password item"),
    ("op", &["inject"], "1Password secrets"),
    ("op", &["run"], "1Password secrets, to a command"),
    ("pass", &["show"], "a password"),
    ("gopass", &["show"], "a password"),
    ("bw", &["get"], "a Bitwarden secret"),
    ("lpass", &["show"], "a LastPass secret"),
    ("security", &["find-generic-password", "-w"], "a Keychain password"),
    ("security", &["find-generic-password", "-g"], "a Keychain password"),
    ("security", &["find-internet-password", "-w"], "a Keychain password"),
    ("security", &["dump-keychain"], "the Keychain"),
    ("secret-tool", &["lookup"], "a keyring secret"),
    ("keyring", &["get"], "a keyring secret"),
    ("kwallet-query", &["-r"], "a KWallet secret"),
    ("git", &["credential", "fill"], "a stored git credential"),
    ("git", &["credential-store", "get"], "a stored git credential"),
    ("git", &["credential-cache", "get"], "a stored git credential"),
    ("npm", &["config", "get", "~auth"], "the registry token"),
    ("npm", &["config", "get", "~token"], "the registry token"),
    ("pnpm", &["config", "get", "~auth"], "the registry token"),
    ("yarn", &["config", "get", "~auth"], "the registry token"),
    ("pip", &["config", "list"], "package index settings, which can hold credentials"),
    ("pip", &["config", "get", "~index-url"], "a package index URL, which can hold credentials"),
    ("composer", &["config", "~auth"], "package registry credentials"),
    ("kubectl", &["create", "token"], "a service account token"),
    ("docker", &["inspect"], "a container's configuration and environment"),
    ("podman", &["inspect"], "a container's configuration and environment"),
    ("export", &["-p"], "every exported variable"),
    ("declare", &["-x"], "every exported variable"),
    ("declare", &["-p"], "every variable"),
    ("typeset", &["-x"], "every exported variable"),
    ("set", &["="], "every variable"),
    ("neonctl", &["connection-string"], "a connection string with its password"),
    ("neon", &["connection-string"], "a connection string with its password"),
    ("pscale", &["password", "create"], "a new database password"),
    ("turso", &["db", "tokens", "create"], "a new database token"),
    ("turso", &["auth", "token"], "the Turso token"),
    ("stripe", &["config", "--list"], "the Stripe CLI's keys"),
    ("supabase", &["status", "-o", "env"], "the local stack's keys"),
];

fn matches(argument: &str, word: &str) -> bool {
    match word.strip_prefix('~') {
        Some(part) => argument.to_ascii_lowercase().contains(part),
        None => argument == word,
    }
}

/// A finding when `command` shows a credential; it adds to what the program's family finds.
pub fn classify(command: &Command, out: &mut Vec<Finding>) -> bool {
    let shown = SHOWS.iter().find(|(program, words, _)| {
        if *program != command.program {
            return false;
        }
        if words == &["="] {
            return command.args.is_empty();
        }
        let mut args = command.args.iter();
        words.iter().all(|word| args.any(|arg| matches(arg, word)))
    });
    // `ps eww`, `ps auxe`: BSD-style `e` adds every process's environment.
    if command.program == "ps"
        && command.args.iter().any(|a| {
            !a.starts_with('-') && a.contains('e') && a.chars().all(|c| c.is_ascii_alphabetic())
        })
    {
        out.push(
            Finding::new(
                "secrets.show",
                Effect::Read,
                Scope::Machine,
                "`ps` with `e` shows every process's environment: it shows secrets to the agent.",
            )
            .floor(Tier::Risky),
        );
        return true;
    }
    let Some((program, _, what)) = shown else {
        return false;
    };
    // `docker inspect --format '{{.State.Status}}'` shows only what the format asks for.
    if matches!(*program, "docker" | "podman")
        && (command.has("--format")
            || command.has("-f")
            || command.args.iter().any(|a| a.starts_with("--format=")))
    {
        return false;
    }
    out.push(
        Finding::new(
            "secrets.show",
            Effect::Read,
            Scope::Machine,
            format!("`{program}` shows {what}: it shows a secret to the agent."),
        )
        .floor(Tier::Risky),
    );
    true
}
