//! SQL that is not what it looks like: a `SELECT` that calls functions with side effects —
//! ending other sessions, running SQL elsewhere (`dblink_exec`, scheduled jobs), removing large
//! objects and replication slots, resetting sequences, reading and writing the server's files —
//! and `SELECT … INTO OUTFILE`. The SQL such a function is given is judged as the SQL it is.

use super::fallback::{Tok, lex};
use super::{DESTROY_FILE, SERVER_COMMAND, SERVER_FILE, SqlFinding, WRITE, classify};
use crate::policy::finding::Effect;

/// A function with a side effect: its lower-case name, what it does, and the rule it fires.
#[rustfmt::skip]
const FUNCTIONS: &[(&str, Effect, &str, &str)] = &[
    ("pg_terminate_backend", Effect::Write, WRITE, "ends another session's connection"),
    ("pg_cancel_backend", Effect::Write, WRITE, "cancels another session's query"),
    ("pg_reload_conf", Effect::Write, WRITE, "reloads the server's configuration"),
    ("pg_rotate_logfile", Effect::Write, WRITE, "rotates the server's log"),
    ("pg_switch_wal", Effect::Write, WRITE, "switches the server's write-ahead log"),
    ("pg_promote", Effect::Write, WRITE, "promotes a standby server"),
    ("setval", Effect::Write, WRITE, "resets a sequence"),
    ("nextval", Effect::Write, WRITE, "advances a sequence"),
    ("lo_unlink", Effect::Destroy, DESTROY_FILE, "deletes a large object"),
    ("pg_drop_replication_slot", Effect::Destroy, DESTROY_FILE, "drops a replication slot"),
    ("pg_replication_origin_drop", Effect::Destroy, DESTROY_FILE, "drops a replication origin"),
    ("pg_file_unlink", Effect::Destroy, DESTROY_FILE, "deletes a file on the server"),
    ("pg_file_write", Effect::Write, SERVER_FILE, "writes a file on the server"),
    ("pg_file_rename", Effect::Write, SERVER_FILE, "renames a file on the server"),
    ("lo_export", Effect::Write, SERVER_FILE, "writes a large object to a file on the server"),
    ("lo_import", Effect::Write, SERVER_FILE, "reads a server file into the database"),
    ("pg_read_file", Effect::Write, SERVER_FILE, "reads a file on the server"),
    ("pg_read_binary_file", Effect::Write, SERVER_FILE, "reads a file on the server"),
    ("pg_ls_dir", Effect::Write, SERVER_FILE, "lists the server's files"),
    ("load_file", Effect::Write, SERVER_FILE, "reads a file on the server"),
    ("xp_cmdshell", Effect::Write, SERVER_COMMAND, "runs a command on the server"),
    ("sys_exec", Effect::Write, SERVER_COMMAND, "runs a command on the server"),
    ("sys_eval", Effect::Write, SERVER_COMMAND, "runs a command on the server"),
    ("dblink_exec", Effect::Write, WRITE, "runs SQL on another database"),
    ("dblink", Effect::Write, WRITE, "runs SQL on another database"),
    ("schedule", Effect::Write, WRITE, "schedules SQL to run later (pg_cron)"),
    ("schedule_in_database", Effect::Write, WRITE, "schedules SQL to run later (pg_cron)"),
    ("unschedule", Effect::Write, WRITE, "removes a scheduled job (pg_cron)"),
    ("sp_configure", Effect::Write, WRITE, "changes the server's configuration"),
];

/// What the side-effect functions and `INTO OUTFILE` of `sql` do.
pub fn side_effects(sql: &str, mysql: bool) -> Vec<SqlFinding> {
    let tokens = lex(sql, mysql);
    let mut out = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        let Tok::Word(word) = token else { continue };
        let name = word.to_ascii_lowercase();
        let name = name.rsplit('.').next().unwrap_or(&name);
        if matches!(tokens.get(at + 1), Some(Tok::Punct('(')))
            && let Some((_, effect, rule, does)) = FUNCTIONS.iter().find(|(f, ..)| *f == name)
        {
            out.push(SqlFinding {
                effect: *effect,
                rule,
                why: format!("`{name}()` {does}, although the statement reads like a query."),
                object: None,
            });
            // The SQL a function is given to run is judged as the SQL it is.
            for argument in tokens[at + 2..]
                .iter()
                .take_while(|t| !matches!(t, Tok::Punct(')')))
            {
                if let Tok::Str(text) | Tok::Dollar(text) = argument
                    && looks_like_sql(text)
                {
                    out.extend(classify(text, if mysql { "mysql" } else { "" }));
                }
            }
        }
        if name == "into"
            && let Some(Tok::Word(next)) = tokens.get(at + 1)
            && matches!(next.to_ascii_lowercase().as_str(), "outfile" | "dumpfile")
        {
            out.push(SqlFinding {
                effect: Effect::Write,
                rule: SERVER_FILE,
                why: "`INTO OUTFILE` writes a file on the database server.".into(),
                object: None,
            });
        }
    }
    out
}

fn looks_like_sql(text: &str) -> bool {
    let upper = text.trim_start().to_ascii_uppercase();
    [
        "DROP", "DELETE", "TRUNCATE", "UPDATE", "INSERT", "ALTER", "CREATE", "GRANT", "VACUUM",
    ]
    .iter()
    .any(|verb| upper.starts_with(verb))
}
