//! Where a command's remote effects land: the environment its own context establishes — the
//! flags it is given, the variables it runs with, and the configuration its CLI reads for the
//! directory it runs in (the `railway link`, the kubeconfig's current context, the Terraform
//! workspace, the database host in `.env`…). The environment declared for the agent is its
//! workspace's and plays no part here: nothing an agent declares places a remote resource.
//!
//! Files come from [`Facts::files`]: one not looked up yet is asked for and reads as unknown,
//! and unknown establishes nothing (so, for a remote effect, production).

mod cloud;
mod containers;
mod databases;
mod kube;
mod net;
mod platforms;

use signoff_protocol::Environment;
use signoff_protocol::variables::Variables;

use super::env::{EnvNames, rank};
use super::facts::{Facts, Read};
use super::paths;
use super::tools::Command;

// Defined beside the finding that carries it, so that findings need nothing of how places are
// read (which needs the tools' knowledge, which makes findings).
pub use super::finding::{Place, Site};

/// A command's variables: what the script sets (the command's own prefix, `env X=…`, earlier
/// `export`s), over what the agent runs with.
pub struct Vars<'a> {
    pub agent: &'a Variables,
    /// `NAME=value` assignments, later ones winning.
    pub set: &'a [String],
}

impl Vars<'_> {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.set
            .iter()
            .rev()
            .find_map(|assignment| {
                assignment
                    .split_once('=')
                    .filter(|(n, _)| *n == name)
                    .map(|(_, v)| v)
            })
            .or_else(|| self.agent.get(name).map(String::as_str))
            .filter(|value| !value.is_empty())
    }

    /// `$NAME` or `${NAME}` as its value; other words as they are.
    pub fn expand<'a>(&'a self, word: &'a str) -> &'a str {
        let name = word
            .strip_prefix("${")
            .and_then(|w| w.strip_suffix('}'))
            .or_else(|| word.strip_prefix('$'));
        match name {
            Some(name) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                self.get(name).unwrap_or(word)
            }
            _ => word,
        }
    }
}

/// What a CLI's context names: where it was read, and each name with what it is.
struct Named {
    source: String,
    names: Vec<(&'static str, String)>,
    site: Site,
}

impl Named {
    fn remote(source: impl Into<String>, names: Vec<(&'static str, String)>) -> Named {
        Named {
            source: source.into(),
            names: names.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
            site: Site::Remote,
        }
    }

    fn local(source: impl Into<String>, names: Vec<(&'static str, String)>) -> Named {
        Named {
            site: Site::Local,
            ..Named::remote(source, names)
        }
    }

    /// The environment the names map to (production wins), and the sentence that says why.
    fn place(self, env_names: &EnvNames) -> Place {
        let mut decided: Option<(Environment, usize)> = None;
        for (index, (_, value)) in self.names.iter().enumerate() {
            if let Some(environment) = env_names.of(value)
                && decided.is_none_or(|(best, _)| rank(environment) > rank(best))
            {
                decided = Some((environment, index));
            }
        }
        let shown = |(label, value): &(&str, String)| format!("{label} `{value}`");
        let source = match decided {
            Some((_, index)) => format!("{} names {}", self.source, shown(&self.names[index])),
            None if self.names.is_empty() => self.source,
            None => {
                let all: Vec<String> = self.names.iter().map(shown).collect();
                format!("{} names {}", self.source, all.join(", "))
            }
        };
        let environment = match (decided, self.site) {
            (Some((environment, _)), _) => Some(environment),
            (None, Site::Local) => Some(Environment::Dev),
            (None, Site::Remote) => None,
        };
        Place {
            environment,
            site: self.site,
            source,
        }
    }
}

/// What one family needs to read a command's context.
struct Ask<'a> {
    command: &'a Command<'a>,
    vars: &'a Vars<'a>,
    facts: &'a Facts,
}

impl Ask<'_> {
    fn home(&self) -> Option<&str> {
        self.vars.get("HOME")
    }

    /// `path` made absolute from where the command runs.
    fn path(&self, path: &str) -> Option<String> {
        paths::resolve(self.vars.expand(path), self.command.cwd, self.home())
    }

    /// The file at `path`, when the console may read the agent's files.
    fn read(&self, path: &str) -> Read<'_> {
        if self.facts.agent_is_remote {
            return Read::Unknown;
        }
        match self.path(path) {
            Some(path) => self.facts.files.read(&path),
            None => Read::Unknown,
        }
    }

    /// The first of `files` that exists in `dir` or a directory above it, with that directory.
    fn read_upwards(&self, dir: &str, file: &str) -> Option<(String, &str)> {
        let mut dir = self.path(dir)?;
        loop {
            let path = format!("{}/{file}", dir.trim_end_matches('/'));
            match self.read(&path) {
                Read::Text(text) => return Some((dir, &**text)),
                Read::Unknown => return None,
                Read::Missing => {}
            }
            let parent = dir.rsplit_once('/').map(|(p, _)| p.to_string())?;
            if parent.is_empty() && dir == "/" {
                return None;
            }
            dir = if parent.is_empty() {
                "/".into()
            } else {
                parent
            };
        }
    }

    /// The value of the first of `flags` given, with where it came from ("`--app` in the
    /// command").
    fn flag(&self, flags: &[&str]) -> Option<(String, String)> {
        flags.iter().find_map(|flag| {
            self.command.value(&[flag]).map(|value| {
                (
                    self.vars.expand(value).to_string(),
                    format!("`{flag}` in the command"),
                )
            })
        })
    }

    /// The value of the first of `names` set, with where it came from (its name).
    fn var(&self, names: &[&str]) -> Option<(String, String)> {
        names
            .iter()
            .find_map(|name| Some((self.vars.get(name)?.to_string(), name.to_string())))
    }

    /// The first of `flags` given, else the first of `names` set.
    fn flag_or_var(&self, flags: &[&str], names: &[&str]) -> Option<(String, String)> {
        self.flag(flags).or_else(|| self.var(names))
    }
}

type Family = fn(&Ask) -> Option<Named>;

/// Which programs each family reads the context of.
const FAMILIES: &[(&[&str], Family)] = &[
    (
        &["kubectl", "oc", "helm", "k9s", "stern", "kustomize"],
        kube::named,
    ),
    (&["railway"], platforms::railway),
    (&["fly", "flyctl"], platforms::fly),
    (&["heroku"], platforms::heroku),
    (&["vercel"], platforms::vercel),
    (&["supabase"], platforms::supabase),
    (&["stripe"], platforms::stripe),
    (&["aws", "sam", "eb", "copilot", "cdk"], cloud::aws),
    (&["gcloud", "gsutil", "bq"], cloud::gcloud),
    (&["terraform", "tofu", "terragrunt"], cloud::terraform),
    (
        &["docker", "podman", "nerdctl", "docker-compose"],
        containers::docker,
    ),
    (
        &[
            "psql",
            "pg_dump",
            "pg_restore",
            "dropdb",
            "createdb",
            "mysql",
            "mariadb",
            "mysqldump",
            "mysqladmin",
            "redis-cli",
            "mongo",
            "mongosh",
            "clickhouse-client",
            "cqlsh",
        ],
        databases::client,
    ),
    (
        &[
            "prisma",
            "drizzle-kit",
            "knex",
            "sequelize",
            "typeorm",
            "rails",
            "rake",
            "alembic",
            "manage.py",
            "artisan",
            "mix",
            "flask",
            "dotnet",
            "sqlx",
            "diesel",
            "goose",
            "migrate",
            "dbmate",
            "flyway",
            "liquibase",
        ],
        databases::migrations,
    ),
    (&["ansible", "ansible-playbook"], cloud::ansible),
    (
        &["curl", "wget", "http", "https", "xh", "httpie"],
        net::http_client,
    ),
];

/// Where the remote effects of `command` land, as its context establishes; `None` when nothing
/// does (or signoff does not know how to read this program's context).
pub fn of(command: &Command, vars: &Vars, facts: &Facts, names: &EnvNames) -> Option<Place> {
    let ask = Ask {
        command,
        vars,
        facts,
    };
    // `python manage.py migrate` is Django's, not Python's.
    let program = crate::policy::tools::frameworks::tool_of(command).unwrap_or(command.program);
    let family = FAMILIES
        .iter()
        .find(|(programs, _)| programs.contains(&program))
        .map(|(_, family)| *family)
        .unwrap_or(cloud::flags);
    family(&ask).map(|named| named.place(names))
}

/// A host named by its address (`ssh deploy@prod-1 …`, `https://api.acme.com/x`,
/// `postgres://localhost/app`): its name is its context.
pub fn of_host(address: &str, names: &EnvNames) -> Place {
    let host = super::env::host_of(address).unwrap_or(address);
    let local = super::env::is_loopback(host);
    Place {
        environment: names.of(address).or(local.then_some(Environment::Dev)),
        site: if local { Site::Local } else { Site::Remote },
        source: format!("the host `{host}`"),
    }
}

#[cfg(test)]
mod tests;
