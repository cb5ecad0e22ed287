//! Application frameworks' and migration tools' tasks: which drop or roll back the database,
//! which change it, which stay in the workspace, which only read. A task a tool does not list
//! runs the project's own code (a custom management command, an artisan command), so a person
//! decides.

use signoff_protocol::Tier;

use super::{Command, Language};
use crate::policy::finding::{Effect, Finding, Scope};

struct Tool {
    /// The program, or the script an interpreter runs (`manage.py`, `artisan`).
    name: &'static str,
    /// Tasks (one or more words; `make:*` matches a prefix) that drop, wipe or roll back data.
    destroys: &'static [&'static str],
    /// Tasks that change the database's schema or rows.
    changes: &'static [&'static str],
    /// Tasks that write only in the workspace (generated code, a local server, tests).
    local: &'static [&'static str],
    /// Tasks that only read.
    reads: &'static [&'static str],
    /// Tasks that roll back when given a target migration after this many words
    /// (`manage.py migrate app 0003`, `dotnet ef database update Initial`).
    to_target: &'static [(&'static str, usize)],
}

const TOOLS: &[Tool] = &[
    Tool {
        name: "manage.py",
        destroys: &["flush", "reset_db", "reset_schema", "drop_test_database"],
        changes: &[
            "migrate",
            "loaddata",
            "createsuperuser",
            "changepassword",
            "dbshell",
            "shell",
            "shell_plus",
            "createcachetable",
            "clearsessions",
            "remove_stale_contenttypes",
        ],
        local: &[
            "makemigrations",
            "runserver",
            "test",
            "collectstatic",
            "startapp",
            "startproject",
            "makemessages",
            "compilemessages",
            "squashmigrations",
        ],
        reads: &[
            "check",
            "showmigrations",
            "sqlmigrate",
            "sqlflush",
            "sqlsequencereset",
            "diffsettings",
            "inspectdb",
            "dumpdata",
            "show_urls",
            "help",
            "version",
        ],
        to_target: &[("migrate", 2)],
    },
    Tool {
        name: "artisan",
        destroys: &[
            "migrate:fresh",
            "migrate:refresh",
            "migrate:reset",
            "migrate:rollback",
            "db:wipe",
            "queue:flush",
            "queue:clear",
        ],
        changes: &[
            "migrate",
            "migrate:install",
            "db:seed",
            "db",
            "tinker",
            "cache:clear",
        ],
        local: &[
            "make:*",
            "serve",
            "test",
            "key:generate",
            "config:*",
            "route:cache",
            "route:clear",
            "view:*",
            "optimize",
            "optimize:clear",
            "storage:link",
            "vendor:publish",
            "ide-helper:*",
        ],
        reads: &[
            "migrate:status",
            "route:list",
            "about",
            "list",
            "help",
            "env",
            "db:show",
            "db:table",
            "model:show",
            "schedule:list",
        ],
        to_target: &[],
    },
    Tool {
        name: "mix",
        destroys: &["ecto.drop", "ecto.reset", "ecto.rollback"],
        changes: &["ecto.migrate", "ecto.create", "ecto.load", "ecto.setup"],
        local: &[
            "compile",
            "test",
            "format",
            "deps.*",
            "phx.server",
            "phx.gen.*",
            "phx.new",
            "ecto.gen.migration",
            "ecto.dump",
            "new",
            "credo",
            "dialyzer",
            "release",
            "docs",
            "escript.build",
        ],
        reads: &["ecto.migrations", "help", "hex.info", "phx.routes"],
        to_target: &[],
    },
    Tool {
        name: "flask",
        destroys: &["db downgrade"],
        changes: &["db upgrade", "db stamp", "shell"],
        local: &["db init", "db migrate", "db revision", "run"],
        reads: &[
            "db current",
            "db history",
            "db heads",
            "db show",
            "db branches",
            "db check",
            "routes",
        ],
        to_target: &[],
    },
    Tool {
        name: "dotnet",
        destroys: &["ef database drop", "ef migrations remove --force"],
        changes: &["ef database update"],
        local: &[
            "ef migrations add",
            "ef migrations remove",
            "ef migrations script",
            "ef migrations bundle",
            "ef dbcontext scaffold",
            "ef dbcontext optimize",
        ],
        reads: &[
            "ef migrations list",
            "ef dbcontext info",
            "ef dbcontext list",
        ],
        to_target: &[("ef database update", 3)],
    },
    Tool {
        name: "sequelize",
        destroys: &[
            "db:drop",
            "db:migrate:undo",
            "db:migrate:undo:all",
            "db:seed:undo",
            "db:seed:undo:all",
        ],
        changes: &["db:migrate", "db:seed", "db:seed:all", "db:create"],
        local: &[
            "init",
            "init:*",
            "migration:generate",
            "migration:create",
            "model:generate",
            "model:create",
            "seed:generate",
            "seed:create",
        ],
        reads: &["db:migrate:status", "help", "version"],
        to_target: &[],
    },
    Tool {
        name: "knex",
        destroys: &["migrate:rollback", "migrate:down"],
        changes: &["migrate:latest", "migrate:up", "migrate:unlock", "seed:run"],
        local: &["migrate:make", "seed:make", "init"],
        reads: &[
            "migrate:status",
            "migrate:list",
            "migrate:currentVersion",
            "help",
        ],
        to_target: &[],
    },
    Tool {
        name: "typeorm",
        destroys: &["schema:drop", "migration:revert", "cache:clear"],
        changes: &["schema:sync", "migration:run", "query"],
        local: &[
            "migration:create",
            "migration:generate",
            "entity:create",
            "subscriber:create",
            "init",
        ],
        reads: &["schema:log", "migration:show", "version"],
        to_target: &[],
    },
    Tool {
        name: "sqlx",
        destroys: &["database drop", "database reset", "migrate revert"],
        changes: &["database create", "database setup", "migrate run"],
        local: &["migrate add", "prepare"],
        reads: &["migrate info"],
        to_target: &[],
    },
    Tool {
        name: "diesel",
        destroys: &["database reset", "migration revert", "migration redo"],
        changes: &["database setup", "migration run", "setup"],
        local: &["migration generate", "print-schema"],
        reads: &["migration list", "migration pending"],
        to_target: &[],
    },
    Tool {
        name: "goose",
        destroys: &["down", "down-to", "reset", "redo"],
        changes: &["up", "up-by-one", "up-to", "fix"],
        local: &["create"],
        reads: &["status", "version", "validate"],
        to_target: &[],
    },
    Tool {
        name: "migrate",
        destroys: &["down", "drop", "force", "goto"],
        changes: &["up"],
        local: &["create"],
        reads: &["version"],
        to_target: &[],
    },
    Tool {
        name: "dbmate",
        destroys: &["drop", "rollback", "down"],
        changes: &["up", "migrate", "create", "load"],
        local: &["new", "dump"],
        reads: &["status", "wait"],
        to_target: &[],
    },
    Tool {
        name: "flyway",
        destroys: &["clean", "undo"],
        changes: &["migrate", "repair", "baseline"],
        local: &[],
        reads: &["info", "validate", "check"],
        to_target: &[],
    },
    Tool {
        name: "liquibase",
        destroys: &[
            "dropAll",
            "drop-all",
            "rollback",
            "rollback-count",
            "rollback-to-date",
            "rollbackCount",
            "rollbackToDate",
        ],
        changes: &[
            "update",
            "update-count",
            "updateCount",
            "changelog-sync",
            "tag",
        ],
        local: &["generate-changelog", "generateChangeLog", "diff-changelog"],
        reads: &[
            "status",
            "history",
            "validate",
            "diff",
            "update-sql",
            "updateSQL",
        ],
        to_target: &[],
    },
];

const GOOSE_DRIVERS: &[&str] = &[
    "postgres",
    "mysql",
    "sqlite3",
    "sqlite",
    "mssql",
    "redshift",
    "tidb",
    "clickhouse",
    "vertica",
    "ydb",
    "turso",
    "starrocks",
];

/// The framework tool a command runs: its program (`mix`, `sequelize-cli` → `sequelize`), or
/// the script an interpreter runs (`python manage.py` → `manage.py`).
pub fn tool_of<'a>(command: &Command<'a>) -> Option<&'a str> {
    let program = match command.program {
        "sequelize-cli" => "sequelize",
        "typeorm-ts-node-commonjs" | "typeorm-ts-node-esm" => "typeorm",
        "flyway.cmd" => "flyway",
        program if Language::of_program(program) != Language::Other => {
            let script = command.positionals().into_iter().next()?;
            let name = script.rsplit('/').next().unwrap_or(script);
            return TOOLS.iter().find(|t| t.name == name).map(|t| t.name);
        }
        program => program,
    };
    TOOLS.iter().find(|t| t.name == program).map(|t| t.name)
}

/// Judges a framework task; false when the command is not one of the tools above. The words
/// after a script (`manage.py`) or the program are the task, flags left out.
pub fn classify(command: &Command, out: &mut Vec<Finding>) -> bool {
    let Some(name) = tool_of(command) else {
        return false;
    };
    let tool = TOOLS
        .iter()
        .find(|t| t.name == name)
        .expect("tool_of names a tool");
    let mut words: Vec<&str> = command.positionals();
    if Language::of_program(command.program) != Language::Other {
        words.remove(0);
    }
    // `dotnet build` is not a database task.
    if name == "dotnet" && words.first() != Some(&"ef") {
        return false;
    }
    // `migrate -path db -database URL down`: golang-migrate's flags take values.
    if name == "migrate" {
        words = command.operands(&["-path", "-database", "-source", "-lock-timeout"]);
    }
    // `goose postgres "$DATABASE_URL" down`: goose may be given its driver and database first.
    if name == "goose" && words.len() > 2 && GOOSE_DRIVERS.contains(&words[0]) {
        words.drain(..2);
    }
    // `ef migrations remove --force` is listed with its flag.
    let flags: Vec<&str> = command
        .args
        .iter()
        .filter(|a| a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let task_matches = |task: &str| {
        let parts: Vec<&str> = task.split(' ').collect();
        let (flag_parts, word_parts): (Vec<&str>, Vec<&str>) =
            parts.iter().partition(|p| p.starts_with("--"));
        flag_parts.iter().all(|f| flags.contains(f))
            && word_parts.len() <= words.len()
            && word_parts
                .iter()
                .zip(&words)
                .all(|(want, word)| match want.strip_suffix('*') {
                    Some(prefix) => word.starts_with(prefix),
                    None => want == word,
                })
    };
    let shown = format!("{name} {}", words.join(" "));
    let shown = shown.trim();
    let rolls_back = tool
        .to_target
        .iter()
        .any(|(task, at)| task_matches(task) && words.len() > *at);
    let remote = |rule, effect, why: String| Finding::new(rule, effect, Scope::Remote, why);
    let finding = if rolls_back {
        remote(
            "db.reset",
            Effect::Destroy,
            format!(
                "`{shown}` migrates to a named migration: every migration after it is rolled back, \
                 with what it added."
            ),
        )
    } else if tool.destroys.iter().any(|t| task_matches(t)) {
        remote(
            "db.reset",
            Effect::Destroy,
            format!("`{shown}` drops, wipes or rolls back the application's database."),
        )
    } else if tool.changes.iter().any(|t| task_matches(t)) {
        remote(
            "db.migrate",
            Effect::Write,
            format!("`{shown}` changes the application's database."),
        )
    } else if tool.reads.iter().any(|t| task_matches(t)) {
        Finding::new(
            "db.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{shown}` only reads."),
        )
    } else if tool.local.iter().any(|t| task_matches(t)) {
        Finding::new(
            "app.task",
            Effect::Write,
            Scope::Workspace,
            format!("`{shown}` works in the workspace."),
        )
    } else {
        Finding::new(
            "app.task-unknown",
            Effect::Write,
            Scope::Workspace,
            format!(
                "`{shown}` is a task signoff does not know: it runs the project's own code, \
                 which can do anything; a person decides."
            ),
        )
        .floor(Tier::Risky)
    };
    out.push(finding);
    true
}
