//! Database clients and migration tools. SQL itself is read by [`crate::policy::sql`].

use regex::Regex;
use signoff_protocol::Tier;
use std::sync::LazyLock;

use super::net::is_local;
use super::{Command, Runs, files};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::{paths, sql};

/// Findings for SQL text run against `database` (a name, possibly empty) at `scope`.
pub fn sql_findings(text: &str, dialect: &str, scope: Scope, database: &str) -> Vec<Finding> {
    sql::classify(text, dialect)
        .into_iter()
        .map(|found| {
            let resource = if database.is_empty() {
                found.object.unwrap_or_default()
            } else {
                database.to_string()
            };
            let finding =
                Finding::new(found.rule, found.effect, scope, found.why).resource(resource);
            if matches!(found.rule, sql::SERVER_FILE | sql::SERVER_COMMAND) {
                finding.floor(Tier::Risky)
            } else {
                finding
            }
        })
        .collect()
}

/// A database server's scope: local when it is named as localhost, remote otherwise (a client
/// with no host may be pointed anywhere by its environment).
fn server_scope(host: Option<&str>) -> Scope {
    match host {
        Some(host) if is_local(host) || host.starts_with('/') => Scope::Workspace,
        _ => Scope::Remote,
    }
}

fn uri<'a>(command: &'a Command) -> Option<&'a str> {
    command
        .positionals()
        .into_iter()
        .chain(command.values(&["-d", "--dbname", "--uri", "-u", "--url"]))
        .find(|w| w.contains("://"))
}

fn uri_host(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    authority.rsplit('@').next().unwrap_or(authority)
}

fn uri_database(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    rest.split_once('/')
        .map_or("", |(_, path)| path.split('?').next().unwrap_or(""))
}

pub fn classify(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) {
    match command.program {
        "psql" | "mysql" | "mariadb" | "clickhouse-client" | "cqlsh" => {
            sql_client(command, out, runs)
        }
        "sqlite3" => sqlite(command, out, runs),
        "redis-cli" => redis(command, out),
        "mongo" | "mongosh" => mongo(command, out),
        "dropdb" | "createdb" | "mysqladmin" => admin(command, out),
        _ => migrations(command, out),
    }
}

/// The servers' administration programs: `dropdb app`, `mysqladmin drop app`.
fn admin(command: &Command, out: &mut Vec<Finding>) {
    let host = command
        .value(&["-h", "--host"])
        .or_else(|| uri(command).map(uri_host));
    let scope = server_scope(host);
    let program = command.program;
    // mysqladmin's `-p` takes its password attached, and `-f` forces; dropdb's `-p` is a port.
    let value_flags: &[&str] = match program {
        "mysqladmin" => &[
            "-h", "--host", "-u", "--user", "-P", "--port", "-S", "--socket",
        ],
        _ => &[
            "-h",
            "--host",
            "-U",
            "--username",
            "-p",
            "--port",
            "--maintenance-db",
        ],
    };
    let operands = command.operands(value_flags);
    let (verb, target) = match program {
        "dropdb" => ("drop", operands.first().copied()),
        "createdb" => ("create", operands.first().copied()),
        _ => (
            operands.first().copied().unwrap_or(""),
            operands.get(1).copied(),
        ),
    };
    let target = target.unwrap_or("");
    let finding = match verb {
        "drop" => Finding::new(
            "sql.drop-database",
            Effect::Destroy,
            scope,
            format!("`{program}` drops the database `{target}` and every row in it."),
        )
        .resource(target),
        "shutdown" | "kill" => Finding::new(
            "db.admin",
            Effect::Write,
            scope,
            format!("`{program} {verb}` stops the server or its sessions."),
        )
        .floor(Tier::Risky),
        "status" | "ping" | "version" | "variables" | "processlist" | "extended-status" => {
            Finding::new(
                "db.read",
                Effect::Read,
                scope,
                format!("`{program} {verb}` only reads."),
            )
        }
        _ => Finding::new(
            "db.admin",
            Effect::Write,
            scope,
            format!("`{program} {verb}` changes the database server.").replace("  ", " "),
        ),
    };
    out.push(finding);
}

/// psql and mysql options that take a value.
const SQL_CLIENT_VALUE_FLAGS: &[&str] = &[
    "-h",
    "--host",
    "-p",
    "--port",
    "-U",
    "--username",
    "-u",
    "--user",
    "-c",
    "--command",
    "-e",
    "--execute",
    "-f",
    "--file",
    "-d",
    "--dbname",
    "-D",
    "--database",
    "-q",
    "--query",
    "-o",
    "--output",
    "-v",
    "--set",
    "-P",
    "--pset",
    "-k",
    "--keyspace",
];

fn sql_client(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) {
    let program = command.program;
    let uri = uri(command);
    let host = command.value(&["-h", "--host"]).or(uri.map(uri_host));
    let scope = server_scope(host);
    let database = command
        .value(&["-d", "--dbname", "-D", "--database", "--keyspace", "-k"])
        .filter(|d| !d.contains("://"))
        .or(uri.map(uri_database))
        .or_else(|| {
            command
                .operands(SQL_CLIENT_VALUE_FLAGS)
                .into_iter()
                .find(|p| !p.contains("://"))
        })
        // `$DATABASE_URL` is where, not a name a person would type.
        .filter(|d| !d.starts_with('$'))
        .unwrap_or("");
    let dialect = if program == "psql" {
        "postgres"
    } else {
        "mysql"
    };
    let mut texts: Vec<&str> =
        command.values(&["-c", "--command", "-e", "--execute", "-q", "--query"]);
    texts.extend(command.stdin);
    if texts.is_empty() {
        let why = match command.value(&["-f", "--file"]) {
            Some(file) => format!("`{program}` runs the SQL in {file}, which signoff cannot see."),
            None => format!("Opens a `{program}` session on the database."),
        };
        out.push(Finding::new("db.session", Effect::Write, scope, why).resource(database));
        return;
    }
    for text in texts {
        if let Some(meta) = client_meta(program, text, command.cwd, out, runs) {
            out.push(meta);
        } else {
            for program in PROGRAM.captures_iter(text) {
                runs.push(Runs::Script(program[1].to_string()));
            }
            out.extend(sql_findings(text, dialect, scope, database));
        }
    }
}

/// `COPY … TO PROGRAM 'cmd'`: the server runs a command.
static PROGRAM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bPROGRAM\s+'((?:[^']|'')*)'").expect("valid regex"));

/// A client's own command (`\! cmd`, `\dt`, `system cmd`, `\o file`): what it does, or `None`
/// when the text is SQL.
fn client_meta(
    program: &str,
    text: &str,
    cwd: &str,
    out: &mut Vec<Finding>,
    runs: &mut Vec<Runs>,
) -> Option<Finding> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    let shell = match (program, word) {
        (_, "\\!") => Some(rest),
        ("mysql" | "mariadb", "system") => Some(rest),
        (_, "\\o" | "\\g" | "\\out") if rest.starts_with('|') => Some(rest.trim_start_matches('|')),
        _ => None,
    };
    if let Some(shell) = shell {
        runs.push(Runs::Script(shell.to_string()));
        return Some(Finding::new(
            "db.shell",
            Effect::Read,
            Scope::Workspace,
            format!("`{program}` runs a shell command."),
        ));
    }
    match word {
        "\\o" | "\\out" | "\\w" | "\\write" | "tee" | "\\T" if !rest.is_empty() => {
            Some(files::write(&paths::describe(rest, cwd), program, "writes"))
        }
        "\\i" | "\\include" | "\\ir" | "source" | "\\." => Some(super::code::unreadable(
            program,
            &format!("the SQL in {rest}"),
        )),
        _ if word.starts_with('\\') => {
            let _ = out;
            Some(Finding::new(
                "sql.read",
                Effect::Read,
                Scope::Workspace,
                format!("`{word}` only describes the database."),
            ))
        }
        _ => None,
    }
}

fn sqlite(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<Runs>) {
    let positionals = command.operands(&["-cmd", "-init", "-separator", "-newline", "-nullvalue"]);
    let Some((file, statements)) = positionals.split_first() else {
        out.push(Finding::new(
            "db.session",
            Effect::Write,
            Scope::Workspace,
            "Opens an in-memory SQLite session.",
        ));
        return;
    };
    let path = paths::describe(file, command.cwd);
    let scope = if path.location == paths::Location::Workspace {
        Scope::Workspace
    } else {
        Scope::Machine
    };
    let mut texts: Vec<&str> = command.values(&["-cmd"]);
    texts.extend(statements);
    texts.extend(command.stdin);
    if texts.is_empty() {
        out.push(Finding::new(
            "db.session",
            Effect::Write,
            scope,
            format!("Opens a SQLite session on {file}."),
        ));
    }
    for text in texts {
        match text.split_whitespace().next() {
            // sqlite3's own dot-commands: a few read, the rest change the file.
            Some(".system" | ".shell") => {
                let inner = text
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, r)| r);
                runs.push(Runs::Script(inner.to_string()));
            }
            Some(
                dot @ (".import" | ".read" | ".output" | ".once" | ".save" | ".backup" | ".restore"
                | ".open"),
            ) => {
                let argument = text
                    .split_whitespace()
                    .skip(1)
                    .find(|w| !w.starts_with('-'))
                    .unwrap_or("");
                let path = paths::describe(argument, command.cwd);
                match dot {
                    ".import" | ".restore" | ".open" => files::read_path(&path, out),
                    ".read" => out.push(super::code::unreadable(
                        "sqlite3",
                        &format!("the SQL in {argument}"),
                    )),
                    _ if argument.starts_with('|') => {
                        runs.push(Runs::Script(argument.trim_start_matches('|').to_string()))
                    }
                    _ => out.push(files::write(&path, "sqlite3", "writes")),
                }
                if dot == ".import" || dot == ".restore" {
                    out.push(Finding::new(
                        "sql.write",
                        Effect::Write,
                        scope,
                        format!("`{dot}` changes {file}."),
                    ));
                }
            }
            Some(dot) if dot.starts_with('.') => {
                let read = matches!(
                    dot,
                    ".tables"
                        | ".schema"
                        | ".dump"
                        | ".indexes"
                        | ".indices"
                        | ".databases"
                        | ".show"
                        | ".help"
                        | ".mode"
                        | ".headers"
                        | ".dbinfo"
                        | ".fullschema"
                        | ".stats"
                );
                out.push(if read {
                    Finding::new(
                        "sql.read",
                        Effect::Read,
                        scope,
                        format!("`{dot}` only reads."),
                    )
                } else {
                    Finding::new(
                        "sql.write",
                        Effect::Write,
                        scope,
                        format!("`{dot}` may change {file}."),
                    )
                });
            }
            _ => out.extend(sql_findings(text, "sqlite", scope, file)),
        }
    }
}

/// redis-cli options that take a value.
const REDIS_VALUE_FLAGS: &[&str] = &[
    "-h",
    "-p",
    "-a",
    "-n",
    "-u",
    "--user",
    "--pass",
    "-s",
    "--tls-cert",
    "--cacert",
    "-r",
    "-i",
];
const REDIS_READ: &[&str] = &[
    "GET", "MGET", "KEYS", "SCAN", "INFO", "PING", "TTL", "PTTL", "EXISTS", "TYPE", "DBSIZE",
    "HGET", "HGETALL", "HKEYS", "LRANGE", "LLEN", "SMEMBERS", "SCARD", "ZRANGE", "ZCARD", "STRLEN",
    "MONITOR", "CLIENT", "MEMORY", "SLOWLOG", "XRANGE", "XLEN", "HLEN", "GETRANGE", "ECHO", "TIME",
    "LASTSAVE",
];

fn redis(command: &Command, out: &mut Vec<Finding>) {
    let mut words = command.args.iter().map(String::as_str);
    let mut rest = Vec::new();
    while let Some(word) = words.next() {
        if REDIS_VALUE_FLAGS.contains(&word) {
            words.next();
        } else if !word.starts_with('-') {
            rest.push(word);
        }
    }
    let host = command
        .value(&["-h"])
        .or(command.value(&["-u"]).map(uri_host));
    // redis-cli talks to 127.0.0.1 unless told otherwise.
    let scope = server_scope(Some(host.unwrap_or("127.0.0.1")));
    let shown = host.unwrap_or("the default Redis server");
    let verb = rest
        .first()
        .map(|v| v.to_ascii_uppercase())
        .unwrap_or_default();
    let finding = match verb.as_str() {
        "" => Finding::new(
            "db.session",
            Effect::Write,
            scope,
            format!("Opens a Redis session on {shown}."),
        ),
        "FLUSHALL" | "FLUSHDB" => Finding::new(
            "redis.flush",
            Effect::Destroy,
            scope,
            format!("`{verb}` deletes every key on {shown}."),
        )
        .resource(host.unwrap_or("redis")),
        _ if REDIS_READ.contains(&verb.as_str()) => Finding::new(
            "redis.read",
            Effect::Read,
            scope,
            format!("`{verb}` only reads."),
        ),
        _ => Finding::new(
            "redis.write",
            Effect::Write,
            scope,
            format!("`{verb}` changes data on {shown}."),
        ),
    };
    out.push(finding);
}

static MONGO_DESTROY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"dropDatabase\s*\(|\.drop\s*\(|deleteMany\s*\(\s*\{\s*\}\s*\)|remove\s*\(\s*\{\s*\}\s*\)|dropIndexes\s*\(").expect("valid regex")
});
static MONGO_READ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:db\.\w+\.(?:find|findOne|count|countDocuments|aggregate|distinct|stats)\s*\(|db\.(?:getCollectionNames|stats|version|serverStatus)\s*\(|show\s)").expect("valid regex")
});

fn mongo(command: &Command, out: &mut Vec<Finding>) {
    let uri = command
        .positionals()
        .into_iter()
        .find(|p| p.contains("://"));
    let host = command.value(&["--host"]).or(uri.map(uri_host));
    let scope = server_scope(host);
    let database = uri.map(uri_database).unwrap_or("");
    let code = command.value(&["--eval"]).or(command.stdin).unwrap_or("");
    let finding = if code.is_empty() {
        Finding::new(
            "db.session",
            Effect::Write,
            scope,
            "Opens a MongoDB session.",
        )
    } else if MONGO_DESTROY.is_match(code) {
        Finding::new(
            "mongo.drop",
            Effect::Destroy,
            scope,
            "The script drops a database or collection, or deletes every document.",
        )
        .resource(database)
    } else if MONGO_READ.is_match(code) {
        Finding::new("mongo.read", Effect::Read, scope, "The script only reads.")
    } else {
        Finding::new(
            "mongo.write",
            Effect::Write,
            scope,
            "The script changes data.",
        )
    };
    out.push(finding);
}

/// ORMs' and frameworks' migration commands.
fn migrations(command: &Command, out: &mut Vec<Finding>) {
    let program = command.program;
    let positionals = command.positionals();
    let words = positionals.join(" ");
    let remote = |rule, effect, why: &str| Finding::new(rule, effect, Scope::Remote, why);
    let local = |rule, effect, why: &str| Finding::new(rule, effect, Scope::Workspace, why);
    let finding = match (program, words.as_str()) {
        ("prisma", w) if w.starts_with("migrate reset") => remote(
            "db.reset",
            Effect::Destroy,
            "`prisma migrate reset` drops the database and every row in it.",
        ),
        ("prisma", w)
            if w.starts_with("db push")
                && (command.has("--accept-data-loss") || command.has("--force-reset")) =>
        {
            remote(
                "db.reset",
                Effect::Destroy,
                "`prisma db push` with data loss accepted drops what no longer fits the schema.",
            )
        }
        ("prisma", w)
            if w.starts_with("migrate deploy")
                || w.starts_with("db push")
                || w.starts_with("db execute")
                || w.starts_with("db seed") =>
        {
            remote(
                "db.migrate",
                Effect::Write,
                "Changes the schema or data of the configured database.",
            )
        }
        ("prisma", w) if w.starts_with("migrate dev") => local(
            "db.migrate-dev",
            Effect::Write,
            "Migrates the local development database.",
        ),
        ("prisma", w)
            if w.starts_with("migrate status")
                || w.starts_with("validate")
                || w.starts_with("format")
                || w.starts_with("version") =>
        {
            local("db.read", Effect::Read, "Only reads the schema.")
        }
        ("prisma", _) => local(
            "db.codegen",
            Effect::Write,
            "Generates code or opens a local tool.",
        ),
        ("drizzle-kit", w) if w.starts_with("drop") => remote(
            "db.reset",
            Effect::Destroy,
            "`drizzle-kit drop` deletes migrations and their changes.",
        ),
        ("drizzle-kit", w) if w.starts_with("push") && command.has("--force") => remote(
            "db.reset",
            Effect::Destroy,
            "`drizzle-kit push --force` applies data-loss statements without asking.",
        ),
        ("drizzle-kit", w) if w.starts_with("push") || w.starts_with("migrate") => remote(
            "db.migrate",
            Effect::Write,
            "Changes the schema of the configured database.",
        ),
        ("drizzle-kit", _) => local(
            "db.codegen",
            Effect::Write,
            "Generates migration files in the workspace.",
        ),
        ("alembic", w) if w.starts_with("downgrade") => remote(
            "db.downgrade",
            Effect::Destroy,
            "`alembic downgrade` reverses migrations, dropping what they added.",
        ),
        ("alembic", w) if w.starts_with("upgrade") || w.starts_with("stamp") => remote(
            "db.migrate",
            Effect::Write,
            "Migrates the configured database.",
        ),
        ("alembic", w)
            if ["current", "history", "heads", "show", "branches"]
                .iter()
                .any(|v| w.starts_with(v)) =>
        {
            local("db.read", Effect::Read, "Only reads migration state.")
        }
        ("alembic", _) => local(
            "db.codegen",
            Effect::Write,
            "Writes migration files in the workspace.",
        ),
        ("rails" | "rake", w)
            if [
                "db:drop",
                "db:reset",
                "db:purge",
                "db:schema:load",
                "db:rollback",
                "db:truncate_all",
                "db:migrate:reset",
            ]
            .iter()
            .any(|t| w.contains(t)) =>
        {
            remote(
                "db.reset",
                Effect::Destroy,
                "Drops or rolls back the database.",
            )
        }
        ("rails" | "rake", w)
            if w.contains("db:")
                || w.starts_with("console")
                || w.starts_with("runner")
                || w.starts_with('c') && w.len() == 1 =>
        {
            remote(
                "db.migrate",
                Effect::Write,
                "Changes the application's database.",
            )
        }
        ("rails" | "rake", w)
            if w.starts_with("routes")
                || w.starts_with("about")
                || w.starts_with("stats")
                || w.starts_with("notes") =>
        {
            local("db.read", Effect::Read, "Only reads.")
        }
        ("rails" | "rake", _) => local(
            "app.task",
            Effect::Write,
            "Runs an application task in the workspace.",
        ),
        ("supabase", w) if w.starts_with("db reset") && command.has("--linked") => remote(
            "db.reset",
            Effect::Destroy,
            "`supabase db reset --linked` wipes the linked remote database.",
        ),
        ("supabase", w) if w.starts_with("db reset") => local(
            "db.reset-local",
            Effect::Destroy,
            "Resets the local Supabase database.",
        ),
        ("supabase", w) if w.starts_with("status") => local(
            "db.read",
            Effect::Read,
            "Only shows the local Supabase stack's state.",
        ),
        ("supabase", w)
            if ["start", "stop", "init", "gen", "migration new"]
                .iter()
                .any(|v| w.starts_with(v)) =>
        {
            local(
                "db.local",
                Effect::Write,
                "Works on the local Supabase stack.",
            )
        }
        // Everything else `supabase` does reaches the hosted project.
        _ => super::cli::cloud_finding(command),
    };
    out.push(finding);
}
