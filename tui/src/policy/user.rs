//! The user's policy file (`~/.config/signoff/policy.toml`), layered over the built-in rules.
//!
//! It can add words that name environments, set the protected branches, and add rules that raise
//! or lower the tier of matching actions. Every rule is checked when the file loads: it must match
//! each of its `examples` and none of its `not_examples`, and it may not lower anything below
//! risky where it could apply in production. A file with any error is refused whole, with the
//! error naming the rule.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use regex::Regex;
use serde::Deserialize;
use signoff_protocol::{Action, ActionKind, Environment, Tier};

use super::{Context, EnvNames};

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid policy file: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: [environments]: {message}")]
    Environments { path: PathBuf, message: String },
    #[error("{path}: rule `{rule}`: {message}")]
    Rule {
        path: PathBuf,
        rule: String,
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    environments: Option<EnvironmentsFile>,
    #[serde(default)]
    protected_branches: Option<Vec<String>>,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvironmentsFile {
    #[serde(default)]
    production: Vec<String>,
    #[serde(default)]
    staging: Vec<String>,
    #[serde(default)]
    dev: Vec<String>,
    /// name → the environment it must map to, checked at load.
    #[serde(default)]
    examples: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    tier: String,
    #[serde(default)]
    why: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    not_examples: Vec<String>,
}

/// One user rule: the actions it matches and the tier it sets.
#[derive(Debug, Clone)]
pub struct UserRule {
    pub id: String,
    pub tier: Tier,
    pub why: String,
    kind: Option<String>,
    command: Option<Regex>,
    path: Option<GlobMatcher>,
    environments: Option<Vec<Environment>>,
}

impl UserRule {
    /// Whether the rule applies to `action` as judged in `environment`.
    pub fn matches(&self, action: &Action, environment: Environment) -> bool {
        let kind_ok = self
            .kind
            .as_deref()
            .is_none_or(|kind| kind == action.kind.name());
        let env_ok = self
            .environments
            .as_ref()
            .is_none_or(|envs| envs.contains(&environment));
        let path = match &action.kind {
            ActionKind::File(file) => Some(file.path.as_str()),
            _ => None,
        };
        kind_ok && env_ok && self.matches_text(&action.kind.display(), path)
    }

    fn matches_text(&self, text: &str, path: Option<&str>) -> bool {
        let command_ok = self.command.as_ref().is_none_or(|re| re.is_match(text));
        let path_ok = match (&self.path, path) {
            (None, _) => true,
            (Some(glob), Some(path)) => glob.is_match(path),
            // A path rule checks its examples as paths.
            (Some(glob), None) => glob.is_match(text),
        };
        command_ok && path_ok
    }
}

fn parse_tier(text: &str) -> Option<Tier> {
    match text {
        "read_only" => Some(Tier::ReadOnly),
        "reversible" => Some(Tier::Reversible),
        "risky" => Some(Tier::Risky),
        "critical" => Some(Tier::Critical),
        _ => None,
    }
}

/// The user's policy file: `$XDG_CONFIG_HOME/signoff/policy.toml`.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "signoff")
        .map(|dirs| dirs.config_dir().join("policy.toml"))
}

/// Loads `path` over the built-in defaults. A missing default file is no error; a missing file
/// named explicitly is.
pub fn load(path: &Path, required: bool) -> Result<(Context, Vec<UserRule>), PolicyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok((Context::default(), Vec::new()));
        }
        Err(source) => {
            return Err(PolicyError::Read {
                path: path.into(),
                source,
            });
        }
    };
    parse(&text, path)
}

pub fn parse(text: &str, path: &Path) -> Result<(Context, Vec<UserRule>), PolicyError> {
    let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Syntax {
        path: path.into(),
        message: e.to_string(),
    })?;
    let mut context = Context::default();
    if let Some(environments) = file.environments {
        check_environments(&mut context.names, environments).map_err(|message| {
            PolicyError::Environments {
                path: path.into(),
                message,
            }
        })?;
    }
    if let Some(branches) = file.protected_branches {
        context.protected_branches = branches;
    }
    let mut rules = Vec::new();
    for rule in file.rules {
        let id = rule.id.clone();
        rules.push(check_rule(rule).map_err(|message| PolicyError::Rule {
            path: path.into(),
            rule: id,
            message,
        })?);
    }
    Ok((context, rules))
}

/// Adds the user's names and checks every example maps where it says. A pattern (anything but
/// a plain word) must be shown by an example, as a rule's regex must.
fn check_environments(names: &mut EnvNames, file: EnvironmentsFile) -> Result<(), String> {
    let lists = [
        (Environment::Production, file.production),
        (Environment::Staging, file.staging),
        (Environment::Dev, file.dev),
    ];
    for (environment, entries) in &lists {
        for entry in entries {
            names.add(*environment, entry)?;
        }
    }
    for (name, expected) in &file.examples {
        let expected: Environment = expected.parse()?;
        let got = names.of(name);
        if got != Some(expected) {
            let got = got.map_or("no environment".to_string(), |e| e.to_string());
            return Err(format!(
                "the example `{name}` maps to {got}, not {expected} (production wins when a name says several)"
            ));
        }
    }
    for (environment, entries) in &lists {
        for pattern in entries
            .iter()
            .filter(|e| !e.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            let matcher = globset::GlobBuilder::new(&pattern.to_ascii_lowercase())
                .case_insensitive(true)
                .build()
                .map_err(|e| e.to_string())?
                .compile_matcher();
            let shown = file.examples.iter().any(|(name, expected)| {
                expected.parse() == Ok(*environment) && matcher.is_match(name.to_ascii_lowercase())
            });
            if !shown {
                return Err(format!(
                    "`{pattern}` has no example: add one under [environments.examples], e.g. \"{}\" = \"{environment}\"",
                    pattern.replace('*', "x")
                ));
            }
        }
    }
    Ok(())
}

/// Builds and checks one rule.
fn check_rule(rule: RuleFile) -> Result<UserRule, String> {
    let tier = parse_tier(&rule.tier).ok_or_else(|| {
        format!(
            "unknown tier `{}`: use read_only, reversible, risky or critical",
            rule.tier
        )
    })?;
    if let Some(kind) = &rule.kind
        && !["shell", "file", "sql", "http", "infra", "tool"].contains(&kind.as_str())
    {
        return Err(format!(
            "unknown kind `{kind}`: use shell, file, sql, http, infra or tool"
        ));
    }
    let command = rule
        .command
        .as_deref()
        .map(Regex::new)
        .transpose()
        .map_err(|e| format!("`command` is not a valid regex: {e}"))?;
    let path = rule
        .path
        .as_deref()
        .map(|p| Glob::new(p).map(|g| g.compile_matcher()))
        .transpose()
        .map_err(|e| format!("`path` is not a valid glob: {e}"))?;
    let environments = rule
        .env
        .as_ref()
        .map(|list| {
            list.iter()
                .map(|e| e.parse::<Environment>())
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    if command.is_none() && path.is_none() && rule.kind.is_none() {
        return Err("a rule needs at least one of `kind`, `command` or `path`".into());
    }
    // Lowering below risky where production (or an unknown environment, which may be production)
    // could be involved is exactly what signoff exists to prevent.
    if tier < Tier::Risky {
        match &environments {
            None => {
                return Err(format!(
                    "it lowers to {tier} in every environment, production included: add `env = [\"dev\"]`"
                ));
            }
            Some(envs)
                if envs
                    .iter()
                    .any(|e| matches!(e, Environment::Production | Environment::Unknown)) =>
            {
                return Err(format!(
                    "it lowers to {tier} in production or an unknown environment; that is refused"
                ));
            }
            _ => {}
        }
    }
    let built = UserRule {
        id: rule.id,
        tier,
        why: rule.why.unwrap_or_default(),
        kind: rule.kind,
        command,
        path,
        environments,
    };
    if built.why.is_empty() {
        return Err("`why` is missing: say in one sentence why this rule exists".into());
    }
    if built.command.is_some() && rule.examples.is_empty() {
        return Err("a rule with `command` needs at least one entry in `examples`".into());
    }
    for example in &rule.examples {
        if !built.matches_text(example, None) {
            return Err(format!("it does not match its own example `{example}`"));
        }
    }
    for example in &rule.not_examples {
        if built.matches_text(example, None) {
            return Err(format!(
                "it matches `{example}`, which it lists under not_examples"
            ));
        }
    }
    Ok(built)
}

/// The built-in defaults as a commented policy file to start from.
pub fn default_file() -> String {
    let context = Context::default();
    let list = |words: &[String]| {
        words
            .iter()
            .map(|w| format!("{w:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        r#"# signoff policy — layered over the built-in rules.
# Save as {path} and check it with `signoff policy check`.

# Branches whose history must never be rewritten: a force-push or remote delete of one is
# critical. `prefix/*` matches a family. This list REPLACES the built-in one shown.
protected_branches = [{branches}]

# The names that say which environment something is in. signoff reads where each remote action
# lands from the context its CLI acts in — the `railway link` of the directory, the kubeconfig's
# current context and cluster, the AWS profile and its account, the gcloud project, the Terraform
# workspace, the app in fly.toml, the database host — and maps what that context names here.
# A remote action whose context names no environment counts as production.
#
# An entry of letters and digits only is a word, matched as a whole token anywhere in a name
# (`prod` matches `shop-prod-eks`, not `product`). Anything else is a pattern matched against the
# whole name, `*` for any run of characters: a project (`acme-main`), an account id, a kube
# context (`kind-*`), a host (`*.db.acme.com`), a URL prefix (`https://api.acme.com/*`). Each
# pattern needs an example under [environments.examples], and every example is checked when the
# file loads. When a name matches several environments, production wins: nothing here can make a
# production-looking name anything less. The entries are ADDED to the built-in words shown, and
# to the built-in patterns ({builtin_patterns}). For example: add "acme-main" and
# "*.db.acme.com" to production, and the example "pg-1.db.acme.com" for production.
[environments]
production = [{production}]
staging = [{staging}]
dev = [{dev}]

# [environments.examples]
# "shop-prod-eks" = "production"
# "db.staging.internal" = "staging"
# "kind-shop" = "dev"

# Rules set the tier of matching actions (the first matching rule wins). A rule matches when all
# it names match: `kind` (shell, file, sql, http, infra, tool), `command` (a regex over the
# command line, statement or request), `path` (a glob over a file action's path), `env` (the
# environments it applies in). `why` is the reason a reviewer reads. Each rule is checked against
# its `examples` (must match) and `not_examples` (must not) when the file loads. Rules may raise
# any tier; lowering below risky is only allowed with an `env` list that excludes production and
# unknown, and never lowers a critical action.
#
# [[rule]]
# id = "team.terraform-apply"
# why = "Applies go through CI, never from an agent."
# kind = "shell"
# command = '\bterraform\s+apply\b'
# tier = "critical"
# examples = ["terraform apply -auto-approve"]
# not_examples = ["terraform plan"]
#
# [[rule]]
# id = "team.fixtures"
# why = "Test fixtures are regenerated by the build."
# kind = "shell"
# command = '^rm -rf tests/fixtures/generated'
# env = ["dev"]
# tier = "reversible"
# examples = ["rm -rf tests/fixtures/generated/"]
"#,
        path = default_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "~/.config/signoff/policy.toml".into()),
        production = list(&context.names.production),
        staging = list(&context.names.staging),
        dev = list(&context.names.dev),
        builtin_patterns = context
            .names
            .patterns
            .iter()
            .map(|(environment, pattern)| format!("{pattern} → {environment}"))
            .collect::<Vec<_>>()
            .join(", "),
        branches = list(&context.protected_branches),
    )
}

#[cfg(test)]
mod tests;
