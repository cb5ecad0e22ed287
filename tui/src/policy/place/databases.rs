//! Databases: the server a client or a migration tool connects to — its host flag or connection
//! string (`$DATABASE_URL` read from the agent's variables), the client's variables (`PGHOST`,
//! `MYSQL_HOST`…), a `.env` file the tool loads, Rails' `database.yml`. A client given no server
//! at all connects to this machine.

use serde::Deserialize;

use super::{Ask, Named};
use crate::policy::env::{host_of, is_loopback};
use crate::policy::facts::Read;

/// A named server: local when it is this machine or a socket path.
fn server(source: String, host: &str, database: Option<&str>) -> Named {
    let mut names = vec![("host", host.to_string())];
    names.extend(database.map(|d| ("database", d.to_string())));
    if is_loopback(host) || host.starts_with('/') {
        Named::local(source, names)
    } else {
        Named::remote(source, names)
    }
}

/// A connection string's server and database.
fn from_url(source: String, url: &str) -> Option<Named> {
    let host = host_of(url)?;
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let database = rest
        .split_once('/')
        .map(|(_, path)| path.split(['?', '#']).next().unwrap_or(""))
        .filter(|d| !d.is_empty());
    Some(server(source, host, database))
}

/// psql, mysql, redis-cli, mongosh and the like.
pub(super) fn client(ask: &Ask) -> Option<Named> {
    let command = ask.command;
    let url = command
        .positionals()
        .into_iter()
        .chain(command.values(&["-d", "--dbname", "--uri", "-u", "--url"]))
        .map(|word| ask.vars.expand(word))
        .find(|word| word.contains("://"));
    if let Some(url) = url {
        return from_url("the connection string in the command".into(), url);
    }
    if let Some((host, flag)) = ask.flag(&["-h", "--host"]) {
        return Some(server(flag, &host, None));
    }
    if command.program == "cqlsh"
        && let Some(host) = command.positionals().first()
    {
        return Some(server("the host in the command".into(), host, None));
    }
    let postgres = matches!(
        command.program,
        "psql" | "pg_dump" | "pg_restore" | "dropdb" | "createdb"
    );
    if postgres {
        if let Some((host, var)) = ask.var(&["PGHOST", "PGHOSTADDR"]) {
            return Some(server(var, &host, None));
        }
        if let Some((service, var)) = ask.var(&["PGSERVICE"]) {
            return Some(Named::remote(var, vec![("service", service)]));
        }
    }
    if matches!(
        command.program,
        "mysql" | "mariadb" | "mysqldump" | "mysqladmin"
    ) {
        if let Some((host, var)) = ask.var(&["MYSQL_HOST"]) {
            return Some(server(var, &host, None));
        }
        match ask.read("~/.my.cnf") {
            Read::Text(text) => {
                let ini = ini::Ini::load_from_str(text).ok()?;
                let host = ["client", "mysql"]
                    .into_iter()
                    .find_map(|section| ini.section(Some(section))?.get("host"));
                if let Some(host) = host {
                    return Some(server("~/.my.cnf".into(), host, None));
                }
            }
            Read::Missing => {}
            Read::Unknown => return None,
        }
    }
    // No server named anywhere: the client's default is this machine. Only said when the agent
    // sent its variables, since one of them could have named a server.
    (!ask.vars.agent.is_empty()).then(|| {
        Named::local(
            format!(
                "no server named: `{}` connects to this machine",
                command.program
            ),
            Vec::new(),
        )
    })
}

/// Migration tools and ORMs: `DATABASE_URL` (the agent's, the command's, or from the `.env`
/// file the tool loads), Rails' environment and `database.yml`, alembic.ini.
pub(super) fn migrations(ask: &Ask) -> Option<Named> {
    let command = ask.command;
    let rails = matches!(command.program, "rails" | "rake");
    let rails_env = ask
        .command
        .args
        .iter()
        .find_map(|arg| arg.strip_prefix("RAILS_ENV="))
        .map(|env| (env.to_string(), "RAILS_ENV".to_string()))
        .or_else(|| ask.var(&["RAILS_ENV", "RACK_ENV"]));
    if let Some((url, var)) = ask.var(&["DATABASE_URL"]) {
        let mut named = from_url(var, &url)?;
        named
            .names
            .extend(rails_env.map(|(env, _)| ("RAILS_ENV", env)));
        return Some(named);
    }
    if rails {
        let env = rails_env
            .clone()
            .map_or_else(|| "development".to_string(), |(env, _)| env);
        return rails_database(ask, &env).map(|mut named| {
            named.names.push(("RAILS_ENV", env));
            named
        });
    }
    if command.program == "alembic"
        && let Read::Text(text) = ask.read("alembic.ini")
        && let Some(url) = ini::Ini::load_from_str(text).ok().and_then(|ini| {
            ini.section(Some("alembic"))?
                .get("sqlalchemy.url")
                .map(String::from)
        })
    {
        return from_url(format!("alembic.ini in {}", command.cwd), &url);
    }
    let mut files = vec![".env"];
    if command.program == "prisma" {
        files.push("prisma/.env");
    }
    for file in files {
        match ask.read(file) {
            Read::Text(text) => {
                let values: Vec<(String, String)> =
                    dotenvy::from_read_iter(text.as_bytes()).flatten().collect();
                let value = |wanted: &str| {
                    values
                        .iter()
                        .find(|(name, _)| name == wanted)
                        .map(|(_, value)| value.as_str())
                };
                // Laravel names its server as `DB_URL`, or `DB_HOST` and `DB_DATABASE`.
                if let Some((name, url)) = ["DATABASE_URL", "DB_URL"]
                    .into_iter()
                    .find_map(|name| Some((name, value(name)?)))
                {
                    let url = signoff_protocol::variables::without_credentials(url);
                    return from_url(format!("{name} in {file}"), &url);
                }
                if let Some(host) = value("DB_HOST") {
                    return Some(server(
                        format!("DB_HOST in {file}"),
                        host,
                        value("DB_DATABASE"),
                    ));
                }
            }
            Read::Missing => {}
            Read::Unknown => return None,
        }
    }
    None
}

/// The server Rails' `config/database.yml` names for `env`; a section without a host is this
/// machine's socket. A value Rails computes (`<%= … %>`) cannot be read.
fn rails_database(ask: &Ask, env: &str) -> Option<Named> {
    #[derive(Deserialize)]
    struct Section {
        host: Option<String>,
        url: Option<String>,
        database: Option<String>,
    }
    let Read::Text(text) = ask.read("config/database.yml") else {
        return None;
    };
    let sections: std::collections::BTreeMap<String, Section> =
        serde_saphyr::from_str(text).ok()?;
    let section = sections.get(env)?;
    let computed = |value: &Option<String>| value.as_deref().is_some_and(|v| v.contains("<%"));
    if computed(&section.host) || computed(&section.url) {
        return None;
    }
    let source = format!("config/database.yml ({env})");
    match (&section.url, &section.host) {
        (Some(url), _) => from_url(source, url),
        (None, Some(host)) => Some(server(source, host, section.database.as_deref())),
        (None, None) => Some(Named::local(
            source,
            vec![("database", section.database.clone().unwrap_or_default())],
        )),
    }
}
