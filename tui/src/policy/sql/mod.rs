//! Risk classification of SQL text that an agent is about to run.
//!
//! Parsing is done with `sqlparser` 0.63. When no dialect can parse the text as a
//! whole, the text is split into statements (respecting literals, quoted identifiers,
//! comments and dollar quotes), each piece is parsed on its own, and pieces that still
//! fail fall back to a keyword scan that ignores literals and comments.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use sqlparser::ast::{
    AlterTableOperation, BinaryOperator, CopySource, Expr, FromTable, GrantObjects, ObjectName,
    ObjectNamePart, Query, SchemaName, Set, SetExpr, Statement, TableFactor, TableObject,
    UnaryOperator, Value,
};
use sqlparser::dialect::{
    Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect, dialect_from_str,
};
use sqlparser::parser::Parser;

use super::finding::Effect;

mod fallback;
mod functions;
use fallback::{lead_word, lex, scan_unparsed, split_statements};

/// One statement of interest in an SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFinding {
    pub effect: Effect,
    /// Stable rule id, one of: "sql.read", "sql.write", "sql.drop", "sql.truncate", "sql.delete-all",
    /// "sql.update-all", "sql.alter-drop", "sql.grant", "sql.unparsed".
    pub rule: &'static str,
    /// One short sentence a person understands at a glance, naming the object, e.g.
    /// "DROP TABLE removes the table `users` and all its rows." or
    /// "DELETE FROM `orders` has no WHERE: it deletes every row."
    pub why: String,
    /// The object the statement destroys or changes, as a person would type it to confirm:
    /// the table / database / schema name (last path component, unquoted, e.g. `users` for `public."users"`).
    pub object: Option<String>,
}

/// Classifies SQL text (one statement or a script of many). `dialect` is a hint: "postgres",
/// "mysql", "sqlite", "" (unknown → try a generic/postgres dialect, and if that fails, others).
/// Returns one finding per statement that matters (deduplicated by rule+object), the most
/// destructive first. Never panics on any input.
pub fn classify(sql: &str, dialect: &str) -> Vec<SqlFinding> {
    if sql.trim().is_empty() {
        return Vec::new();
    }
    if let Ok(mut found) = catch_unwind(AssertUnwindSafe(|| classify_inner(sql, dialect))) {
        let effects = catch_unwind(AssertUnwindSafe(|| {
            functions::side_effects(sql, is_mysql(dialect))
        }))
        .unwrap_or_default();
        if !effects.is_empty() {
            found.retain(|f| f.rule != READ);
            found.extend(effects);
            return finish(found);
        }
        return found;
    }
    // Defensive only: a bug in this module must not take the caller down.
    let backslash = is_mysql(dialect);
    if let Ok(found) = catch_unwind(AssertUnwindSafe(|| {
        let mut out = Vec::new();
        for piece in split_statements(sql, backslash) {
            out.extend(scan_unparsed(piece, backslash));
        }
        finish(out)
    })) {
        return found;
    }
    vec![unparsed(
        Effect::Write,
        "Could not be analysed; treat it as a change.".into(),
        None,
    )]
}

const READ: &str = "sql.read";
const WRITE: &str = "sql.write";
const DROP: &str = "sql.drop";
const TRUNCATE: &str = "sql.truncate";
const DELETE_ALL: &str = "sql.delete-all";
const UPDATE_ALL: &str = "sql.update-all";
const ALTER_DROP: &str = "sql.alter-drop";
const GRANT: &str = "sql.grant";
const UNPARSED: &str = "sql.unparsed";
/// A destroy that is not a table's: a large object, a replication slot, a server file.
const DESTROY_FILE: &str = "sql.destroy";
/// Reading or writing the database server's own files: at least risky wherever it runs.
pub const SERVER_FILE: &str = "sql.server-file";
/// Running a command on the database server: at least risky wherever it runs.
pub const SERVER_COMMAND: &str = "sql.server-command";

fn classify_inner(sql: &str, dialect: &str) -> Vec<SqlFinding> {
    let dialects = dialect_order(dialect);
    let hinted = dialect_hint_known(dialect);
    let mysql = is_mysql(dialect);
    let mut out = Vec::new();
    // Whether every parse came from the dialect the caller named.
    let mut authoritative = hinted;
    if let Some((stmts, idx)) = parse_any(sql, &dialects) {
        authoritative &= idx == 0;
        stmts.iter().for_each(|s| classify_statement(s, &mut out));
    } else {
        for piece in split_statements(sql, mysql) {
            match parse_any(piece, &dialects) {
                Some((stmts, idx)) => {
                    authoritative &= idx == 0;
                    stmts.iter().for_each(|s| classify_statement(s, &mut out));
                }
                None => {
                    authoritative = false;
                    out.extend(scan_unparsed(piece, mysql));
                }
            }
        }
    }
    // A guessed dialect may lex literals/comments differently from the real server and so
    // hide a statement. Cross-check: a piece that starts with DROP/TRUNCATE is a Destroy.
    if !authoritative && !out.iter().any(|f| f.effect == Effect::Destroy) {
        for piece in split_statements(sql, mysql) {
            let toks = lex(piece, mysql);
            let lead = lead_word(&toks);
            if lead == "DROP" || lead == "TRUNCATE" {
                out.extend(scan_unparsed(piece, mysql));
            }
        }
    }
    finish(out)
}

/// Orders Destroy > Write > Read (stable: statement order within one effect), then
/// deduplicates by (rule, object) keeping the first, i.e. the most severe, occurrence.
fn finish(mut out: Vec<SqlFinding>) -> Vec<SqlFinding> {
    out.sort_by_key(|f| std::cmp::Reverse(f.effect));
    let mut seen = HashSet::new();
    out.retain(|f| seen.insert((f.rule, f.object.clone())));
    out
}

fn is_mysql(dialect: &str) -> bool {
    matches!(
        dialect.trim().to_ascii_lowercase().as_str(),
        "mysql" | "mariadb"
    )
}

/// Whether the hint names a real dialect (as opposed to "" / unknown → a guess).
fn dialect_hint_known(hint: &str) -> bool {
    let hint = hint.trim().to_ascii_lowercase();
    matches!(hint.as_str(), "pg" | "psql" | "mariadb" | "sqlite3")
        || (hint != "generic" && dialect_from_str(&hint).is_some())
}

fn dialect_order(hint: &str) -> Vec<Box<dyn Dialect>> {
    let hint = hint.trim().to_ascii_lowercase();
    let first: Option<Box<dyn Dialect>> = match hint.as_str() {
        "postgres" | "postgresql" | "pg" | "psql" => Some(Box::new(PostgreSqlDialect {})),
        "mysql" | "mariadb" => Some(Box::new(MySqlDialect {})),
        "sqlite" | "sqlite3" => Some(Box::new(SQLiteDialect {})),
        "" | "generic" => None,
        other => dialect_from_str(other),
    };
    let mut v: Vec<Box<dyn Dialect>> = Vec::with_capacity(5);
    v.extend(first);
    v.push(Box::new(GenericDialect {}));
    v.push(Box::new(PostgreSqlDialect {}));
    v.push(Box::new(MySqlDialect {}));
    v.push(Box::new(SQLiteDialect {}));
    // Drop later duplicates of the hinted dialect.
    let mut seen = Vec::new();
    v.retain(|d| {
        let id = d.dialect();
        let new = !seen.contains(&id);
        seen.push(id);
        new
    });
    v
}

/// Parses with the first dialect that accepts the text; returns its index too.
fn parse_any(sql: &str, dialects: &[Box<dyn Dialect>]) -> Option<(Vec<Statement>, usize)> {
    dialects.iter().enumerate().find_map(|(i, d)| {
        catch_unwind(AssertUnwindSafe(|| Parser::parse_sql(d.as_ref(), sql)))
            .ok()
            .and_then(Result::ok)
            .map(|stmts| (stmts, i))
    })
}

// ---------------------------------------------------------------------------------------------
// AST classification
// ---------------------------------------------------------------------------------------------

fn finding(effect: Effect, rule: &'static str, why: String, object: Option<String>) -> SqlFinding {
    SqlFinding {
        effect,
        rule,
        why,
        object,
    }
}

fn read(why: String) -> SqlFinding {
    finding(Effect::Read, READ, why, None)
}

fn write(why: String, object: Option<String>) -> SqlFinding {
    finding(Effect::Write, WRITE, why, object)
}

fn unparsed(effect: Effect, why: String, object: Option<String>) -> SqlFinding {
    finding(effect, UNPARSED, why, object)
}

/// Last path component, unquoted: `public."Users"` → `Users`; `shop.*` → `shop`.
fn last_name(name: &ObjectName) -> Option<String> {
    name.0
        .iter()
        .rev()
        .map(|part| match part {
            ObjectNamePart::Identifier(id) => id.value.clone(),
            other => other.to_string(),
        })
        .find(|s| s != "*")
}

fn table_factor_name(t: &TableFactor) -> Option<String> {
    match t {
        TableFactor::Table { name, .. } => last_name(name),
        _ => None,
    }
}

fn quoted(object: &Option<String>) -> String {
    match object {
        Some(o) => format!("`{o}`"),
        None => "the target".to_string(),
    }
}

/// The first one or two words of the statement, for generic messages (`CREATE FUNCTION`).
fn head_words(stmt: &Statement) -> String {
    let text = stmt.to_string();
    let words: Vec<&str> = text
        .split_whitespace()
        .take(2)
        .filter(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    if words.is_empty() {
        "This statement".to_string()
    } else {
        words.join(" ")
    }
}

fn classify_statement(stmt: &Statement, out: &mut Vec<SqlFinding>) {
    match stmt {
        // ---- no finding: transaction control ----
        Statement::StartTransaction { statements, .. } => {
            // BEGIN … END blocks (BigQuery/Snowflake scripting) carry their statements.
            statements.iter().for_each(|s| classify_statement(s, out));
        }
        Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. } => {}

        _ => {
            if !classify_read(stmt, out) && !classify_destroy(stmt, out) {
                classify_write(stmt, out);
            }
        }
    }
}

/// Reads: queries, SHOW, DESCRIBE, EXPLAIN, session settings; `false` when `stmt` is none.
fn classify_read(stmt: &Statement, out: &mut Vec<SqlFinding>) -> bool {
    match stmt {
        Statement::Query(q) => classify_query(q, out),
        Statement::ShowFunctions { .. }
        | Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowVariables { .. }
        | Statement::ShowCreate { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowCatalogs { .. }
        | Statement::ShowDatabases { .. }
        | Statement::ShowProcessList { .. }
        | Statement::ShowSchemas { .. }
        | Statement::ShowCharset(_)
        | Statement::ShowObjects(_)
        | Statement::ShowTables { .. }
        | Statement::ShowViews { .. }
        | Statement::ShowCollation { .. } => out.push(read(
            "SHOW only displays information; it changes nothing.".into(),
        )),
        Statement::ExplainTable { table_name, .. } => out.push(read(format!(
            "DESCRIBE only shows the structure of `{}`.",
            last_name(table_name).unwrap_or_default()
        ))),
        Statement::Explain {
            analyze,
            options,
            statement,
            ..
        } => {
            let analyze_opt = options.as_ref().is_some_and(|opts| {
                opts.iter().any(|o| {
                    o.name.value.eq_ignore_ascii_case("analyze")
                        && o.arg.as_ref().is_none_or(|a| !is_false_literal(a))
                })
            });
            if *analyze || analyze_opt {
                // EXPLAIN ANALYZE executes the statement.
                classify_statement(statement, out);
            } else {
                out.push(read(
                    "EXPLAIN only shows the query plan; it runs nothing.".into(),
                ));
            }
        }
        Statement::Set(set) => match set_global_name(set) {
            Some(name) => out.push(write(
                format!("SET GLOBAL changes the server-wide setting `{name}`."),
                Some(name),
            )),
            None => out.push(read("SET only changes settings of this session.".into())),
        },
        Statement::Use(_) => out.push(read(
            "USE only switches the session's default database.".into(),
        )),
        Statement::Pragma {
            name, value: None, ..
        } => out.push(read(format!(
            "PRAGMA `{}` only reads a setting.",
            last_name(name).unwrap_or_default()
        ))),

        _ => return false,
    }
    true
}

/// What destroys: DROP, TRUNCATE, DELETE, UPDATE, ALTER … DROP, CREATE OR REPLACE TABLE;
/// `false` when `stmt` is none of them.
fn classify_destroy(stmt: &Statement, out: &mut Vec<SqlFinding>) -> bool {
    match stmt {
        Statement::Drop {
            object_type, names, ..
        } => push_drops(out, &object_type.to_string(), names),
        Statement::DropFunction(f) => {
            push_drops(out, "FUNCTION", f.func_desc.iter().map(|d| &d.name))
        }
        Statement::DropProcedure { proc_desc, .. } => {
            push_drops(out, "PROCEDURE", proc_desc.iter().map(|d| &d.name))
        }
        Statement::DropDomain(d) => push_drops(out, "DOMAIN", [&d.name]),
        Statement::DropTrigger(t) => push_drops(out, "TRIGGER", [&t.trigger_name]),
        Statement::DropOperator(o) => {
            push_drops(out, "OPERATOR", o.operators.iter().map(|s| &s.name))
        }
        Statement::DropOperatorFamily(o) => push_drops(out, "OPERATOR FAMILY", o.names.iter()),
        Statement::DropOperatorClass(o) => push_drops(out, "OPERATOR CLASS", o.names.iter()),
        Statement::DropExtension(e) => {
            for n in &e.names {
                push_drop(out, "EXTENSION", Some(n.value.clone()));
            }
        }
        Statement::DropPolicy(p) => {
            push_drop(out, "POLICY", Some(p.name.value.clone()));
        }
        Statement::DropSecret { name, .. } => {
            push_drop(out, "SECRET", Some(name.value.clone()));
        }
        Statement::DropConnector { name, .. } => {
            push_drop(out, "CONNECTOR", Some(name.value.clone()));
        }
        Statement::Truncate(t) => {
            for target in &t.table_names {
                let obj = last_name(&target.name);
                out.push(finding(
                    Effect::Destroy,
                    TRUNCATE,
                    format!("TRUNCATE removes every row from {}.", quoted(&obj)),
                    obj,
                ));
            }
        }
        Statement::Delete(d) => {
            let obj = d.tables.first().and_then(last_name).or_else(|| {
                let (FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t)) = &d.from;
                t.first().and_then(|t| table_factor_name(&t.relation))
            });
            if d.selection.as_ref().is_none_or(always_true) {
                let how = if d.limit.is_some() {
                    "it deletes arbitrary rows up to its LIMIT"
                } else {
                    "it deletes every row"
                };
                let where_ = if d.selection.is_some() {
                    "only an always-true WHERE"
                } else {
                    "no WHERE"
                };
                out.push(finding(
                    Effect::Destroy,
                    DELETE_ALL,
                    format!("DELETE FROM {} has {where_}: {how}.", quoted(&obj)),
                    obj,
                ));
            } else {
                out.push(write(
                    format!("DELETE removes the matching rows from {}.", quoted(&obj)),
                    obj,
                ));
            }
        }
        Statement::Update(u) => {
            let obj = table_factor_name(&u.table.relation);
            if u.selection.as_ref().is_none_or(always_true) {
                let where_ = if u.selection.is_some() {
                    "only an always-true WHERE"
                } else {
                    "no WHERE"
                };
                let how = if u.limit.is_some() {
                    "it overwrites arbitrary rows up to its LIMIT"
                } else {
                    "it overwrites every row"
                };
                out.push(finding(
                    Effect::Destroy,
                    UPDATE_ALL,
                    format!("UPDATE {} has {where_}: {how}.", quoted(&obj)),
                    obj,
                ));
            } else {
                out.push(write(
                    format!("UPDATE changes the matching rows of {}.", quoted(&obj)),
                    obj,
                ));
            }
        }
        Statement::AlterTable(a) => {
            let obj = last_name(&a.name);
            let dropped: Vec<String> = a.operations.iter().filter_map(alter_drop_what).collect();
            if dropped.is_empty() {
                out.push(write(
                    format!("ALTER TABLE changes the structure of {}.", quoted(&obj)),
                    obj,
                ));
            } else {
                out.push(finding(
                    Effect::Destroy,
                    ALTER_DROP,
                    format!("ALTER TABLE {} drops {}.", quoted(&obj), dropped.join(", ")),
                    obj,
                ));
            }
        }
        Statement::CreateTable(ct) if ct.or_replace => {
            let obj = last_name(&ct.name);
            out.push(finding(
                Effect::Destroy,
                DROP,
                format!(
                    "CREATE OR REPLACE TABLE replaces {}, discarding its existing rows.",
                    quoted(&obj)
                ),
                obj,
            ));
        }

        _ => return false,
    }
    true
}

/// Privileges and writes; whatever else is not a plain read counts as a write.
fn classify_write(stmt: &Statement, out: &mut Vec<SqlFinding>) {
    match stmt {
        // ---- privileges ----
        Statement::Grant(g) => push_grant(out, "GRANT gives", g.objects.as_ref()),
        Statement::Revoke(r) => push_grant(out, "REVOKE takes away", r.objects.as_ref()),
        Statement::Deny(d) => push_grant(out, "DENY blocks", Some(&d.objects)),

        // ---- writes ----
        Statement::Insert(ins) => {
            let obj = match &ins.table {
                TableObject::TableName(n) => last_name(n),
                _ => None,
            };
            let why = if ins.overwrite {
                format!("INSERT OVERWRITE replaces the rows of {}.", quoted(&obj))
            } else {
                format!("INSERT adds rows to {}.", quoted(&obj))
            };
            out.push(write(why, obj));
            if let Some(src) = &ins.source {
                collect_query_writes(src, out);
            }
        }
        Statement::Merge(m) => {
            let obj = table_factor_name(&m.table);
            out.push(write(
                format!(
                    "MERGE inserts, updates or deletes rows of {}.",
                    quoted(&obj)
                ),
                obj,
            ));
        }
        Statement::Copy { source, to, .. } => {
            let obj = match source {
                CopySource::Table { table_name, .. } => last_name(table_name),
                CopySource::Query(_) => None,
            };
            let why = if *to {
                "COPY … TO writes data out to a file or program.".to_string()
            } else {
                format!("COPY … FROM loads rows into {}.", quoted(&obj))
            };
            out.push(write(why, if *to { None } else { obj }));
        }
        Statement::CreateTable(ct) => {
            let obj = last_name(&ct.name);
            out.push(write(
                format!("CREATE TABLE creates {}.", quoted(&obj)),
                obj,
            ));
        }
        Statement::CreateView(v) => {
            let obj = last_name(&v.name);
            out.push(write(
                format!("CREATE VIEW creates or replaces {}.", quoted(&obj)),
                obj,
            ));
        }
        Statement::CreateIndex(i) => {
            let obj = last_name(&i.table_name);
            out.push(write(
                format!("CREATE INDEX adds an index on {}.", quoted(&obj)),
                obj,
            ));
        }
        Statement::CreateSchema { schema_name, .. } => {
            let obj = match schema_name {
                SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => last_name(n),
                SchemaName::UnnamedAuthorization(id) => Some(id.value.clone()),
            };
            out.push(write(
                format!("CREATE SCHEMA creates {}.", quoted(&obj)),
                obj,
            ));
        }
        Statement::CreateDatabase { db_name, .. } => {
            let obj = last_name(db_name);
            out.push(write(
                format!("CREATE DATABASE creates {}.", quoted(&obj)),
                obj,
            ));
        }
        Statement::AlterView { name, .. }
        | Statement::AlterIndex { name, .. }
        | Statement::AlterSchema(sqlparser::ast::AlterSchema { name, .. }) => {
            let obj = last_name(name);
            out.push(write(
                format!("{} changes {}.", head_words(stmt), quoted(&obj)),
                obj,
            ));
        }
        Statement::RenameTable(r) => {
            let obj = r.first().and_then(|r| last_name(&r.old_name));
            out.push(write(
                format!("RENAME TABLE renames {}.", quoted(&obj)),
                obj,
            ));
        }
        other => out.push(write(
            format!(
                "{} is not a plain read; it may change data or state.",
                head_words(other)
            ),
            None,
        )),
    }
}

fn push_drop(out: &mut Vec<SqlFinding>, kind: &str, obj: Option<String>) {
    out.push(finding(
        Effect::Destroy,
        DROP,
        drop_why(kind, &quoted(&obj)),
        obj,
    ));
}

fn push_drops<'a>(
    out: &mut Vec<SqlFinding>,
    kind: &str,
    names: impl IntoIterator<Item = &'a ObjectName>,
) {
    for n in names {
        push_drop(out, kind, last_name(n));
    }
}

fn drop_why(kind: &str, obj: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match kind {
        "TABLE" => format!("DROP TABLE removes the table {obj} and all its rows."),
        "DATABASE" | "SCHEMA" => {
            format!("DROP {kind} removes the {lower} {obj} and everything in it.")
        }
        _ => format!("DROP {kind} removes the {lower} {obj}."),
    }
}

fn push_grant(out: &mut Vec<SqlFinding>, verb: &str, objects: Option<&GrantObjects>) {
    let obj = objects.and_then(grant_object);
    out.push(finding(
        Effect::Write,
        GRANT,
        match &obj {
            Some(o) => format!("{verb} privileges on `{o}`."),
            None => format!("{verb} privileges."),
        },
        obj,
    ));
}

fn grant_object(objects: &GrantObjects) -> Option<String> {
    let names = match objects {
        GrantObjects::AllSequencesInSchema { schemas }
        | GrantObjects::AllTablesInSchema { schemas }
        | GrantObjects::AllViewsInSchema { schemas }
        | GrantObjects::AllMaterializedViewsInSchema { schemas }
        | GrantObjects::AllExternalTablesInSchema { schemas }
        | GrantObjects::AllFunctionsInSchema { schemas } => schemas,
        GrantObjects::Databases(n)
        | GrantObjects::Schemas(n)
        | GrantObjects::Sequences(n)
        | GrantObjects::Tables(n)
        | GrantObjects::Views(n) => n,
        _ => return None,
    };
    names.first().and_then(last_name)
}

fn alter_drop_what(op: &AlterTableOperation) -> Option<String> {
    Some(match op {
        AlterTableOperation::DropColumn { column_names, .. } => {
            let cols: Vec<String> = column_names
                .iter()
                .map(|c| format!("`{}`", c.value))
                .collect();
            let s = if cols.len() == 1 { "" } else { "s" };
            format!("column{s} {} and its data", cols.join(", "))
        }
        AlterTableOperation::DropConstraint { name, .. } => format!("constraint `{}`", name.value),
        AlterTableOperation::DropPrimaryKey { .. } => "its primary key".to_string(),
        AlterTableOperation::DropForeignKey { name, .. } => format!("foreign key `{}`", name.value),
        AlterTableOperation::DropIndex { name } => format!("index `{}`", name.value),
        AlterTableOperation::DropPartitions { .. } => "partitions and their rows".to_string(),
        AlterTableOperation::DropProjection { name, .. } => format!("projection `{}`", name.value),
        AlterTableOperation::DropClusteringKey => "its clustering key".to_string(),
        _ => return None,
    })
}

/// `SET GLOBAL x = …` changes the server for everyone; everything else is per session.
fn set_global_name(set: &Set) -> Option<String> {
    use sqlparser::ast::ContextModifier::Global;
    match set {
        Set::SingleAssignment {
            scope: Some(Global),
            variable,
            ..
        } => last_name(variable),
        Set::MultipleAssignments { assignments } => assignments
            .iter()
            .find(|a| matches!(a.scope, Some(Global)))
            .and_then(|a| last_name(&a.name)),
        _ => None,
    }
}

fn classify_query(q: &Query, out: &mut Vec<SqlFinding>) {
    let before = out.len();
    collect_query_writes(q, out);
    if out.len() == before {
        let why = match (q.body.as_ref(), first_table(q)) {
            (SetExpr::Values(_), _) => "VALUES only produces rows; it changes nothing.".to_string(),
            (_, Some(t)) => format!("SELECT only reads from `{t}`."),
            _ => "SELECT only reads data.".to_string(),
        };
        out.push(read(why));
    }
}

fn first_table(q: &Query) -> Option<String> {
    let mut body = q.body.as_ref();
    loop {
        match body {
            SetExpr::Select(s) => {
                return s.from.first().and_then(|t| table_factor_name(&t.relation));
            }
            SetExpr::Query(q) => body = q.body.as_ref(),
            SetExpr::SetOperation { left, .. } => body = left.as_ref(),
            _ => return None,
        }
    }
}

/// Pushes findings for data-modifying parts of a query: DML in CTEs / bodies
/// (`WITH d AS (DELETE …) SELECT …`) and `SELECT … INTO new_table`.
fn collect_query_writes(q: &Query, out: &mut Vec<SqlFinding>) {
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            collect_query_writes(&cte.query, out);
        }
    }
    collect_set_expr_writes(&q.body, out);
}

fn collect_set_expr_writes(body: &SetExpr, out: &mut Vec<SqlFinding>) {
    match body {
        SetExpr::Select(s) => {
            if let Some(into) = &s.into {
                // MySQL `INTO @var` (or `:var`) only fills session variables.
                let target = into.targets.iter().find_map(|t| match t {
                    Expr::Identifier(id) if id.value.starts_with(['@', ':']) => None,
                    Expr::Identifier(id) => Some(id.value.clone()),
                    Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()),
                    other => Some(other.to_string()),
                });
                if let Some(t) = target {
                    out.push(write(
                        format!("SELECT … INTO creates the table `{t}`."),
                        Some(t),
                    ));
                }
            }
        }
        SetExpr::Query(q) => collect_query_writes(q, out),
        SetExpr::SetOperation { left, right, .. } => {
            collect_set_expr_writes(left, out);
            collect_set_expr_writes(right, out);
        }
        SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
            classify_statement(s, out)
        }
        SetExpr::Values(_) | SetExpr::Table(_) => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Always-true WHERE detection (`WHERE true`, `WHERE 1`, `WHERE 1=1`, `WHERE a = a`, `… OR 1=1`)
// ---------------------------------------------------------------------------------------------

fn number(v: &Value) -> Option<f64> {
    match v {
        // Display keeps this working whether or not sqlparser's `bigdecimal` feature is on.
        Value::Number(..) => v.to_string().trim_end_matches('L').parse().ok(),
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<&Value> {
    match e {
        Expr::Value(v) => Some(&v.value),
        Expr::Nested(inner) => literal(inner),
        _ => None,
    }
}

fn is_false_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => !b,
            Value::SingleQuotedString(s) => {
                matches!(s.to_ascii_lowercase().as_str(), "off" | "false" | "0")
            }
            other => number(other) == Some(0.0),
        },
        Expr::Identifier(id) => matches!(id.value.to_ascii_lowercase().as_str(), "off" | "false"),
        _ => false,
    }
}

fn always_true(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) | Expr::IsTrue(inner) => always_true(inner),
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => *b,
            other => number(other).is_some_and(|n| n != 0.0),
        },
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => literal(expr).is_some_and(|v| match v {
            Value::Boolean(b) => !b,
            other => number(other) == Some(0.0),
        }),
        Expr::IsNotNull(inner) => literal(inner).is_some_and(|v| !matches!(v, Value::Null)),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Or => always_true(left) || always_true(right),
            BinaryOperator::And => always_true(left) && always_true(right),
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq => compare_true(left, op, right),
            _ => false,
        },
        _ => false,
    }
}

fn compare_true(left: &Expr, op: &BinaryOperator, right: &Expr) -> bool {
    let reflexive = matches!(
        op,
        BinaryOperator::Eq | BinaryOperator::GtEq | BinaryOperator::LtEq
    );
    match (literal(left), literal(right)) {
        (Some(l), Some(r)) => match (number(l), number(r)) {
            (Some(a), Some(b)) => match op {
                BinaryOperator::Eq => a == b,
                BinaryOperator::NotEq => a != b,
                BinaryOperator::Gt => a > b,
                BinaryOperator::GtEq => a >= b,
                BinaryOperator::Lt => a < b,
                BinaryOperator::LtEq => a <= b,
                _ => false,
            },
            _ => reflexive && l == r && !matches!(l, Value::Null),
        },
        // `WHERE id = id` matches every non-NULL row.
        _ => {
            reflexive
                && match (left, right) {
                    (Expr::Identifier(a), Expr::Identifier(b)) => a.value == b.value,
                    (Expr::CompoundIdentifier(a), Expr::CompoundIdentifier(b)) => {
                        a.iter().map(|i| &i.value).eq(b.iter().map(|i| &i.value))
                    }
                    _ => false,
                }
        }
    }
}

#[cfg(test)]
mod tests;
