use super::fallback::split_statements;
use super::*;
use Effect::{Destroy as D, Read as R, Write as W};

fn c(sql: &str, dialect: &str) -> Vec<SqlFinding> {
    classify(sql, dialect)
}

/// (rule, object) pairs, in order.
fn ro(sql: &str, dialect: &str) -> Vec<(&'static str, Option<String>)> {
    c(sql, dialect)
        .into_iter()
        .map(|f| (f.rule, f.object))
        .collect()
}

fn one(sql: &str, dialect: &str) -> SqlFinding {
    let v = c(sql, dialect);
    assert_eq!(
        v.len(),
        1,
        "expected exactly one finding for {sql:?} ({dialect:?}), got {v:#?}"
    );
    v.into_iter().next().unwrap()
}

fn assert_one(sql: &str, dialect: &str, effect: Effect, rule: &str, object: Option<&str>) {
    let f = one(sql, dialect);
    assert_eq!(
        (f.effect, f.rule, f.object.as_deref()),
        (effect, rule, object),
        "{sql:?} ({dialect:?}): {f:?}"
    );
    assert!(!f.why.is_empty());
}

fn read(sql: &str, dialect: &str) {
    assert_one(sql, dialect, R, "sql.read", None);
}

const ALL_HINTS: &[&str] = &["", "postgres", "mysql", "sqlite"];

// ----------------------------------------------------------------------------- reads

#[test]
fn select_is_read_in_every_dialect() {
    for d in ALL_HINTS {
        read("SELECT id, name FROM users WHERE id = 1", d);
        read(
            "select * from users u join orders o on o.user_id = u.id limit 5",
            d,
        );
    }
}

#[test]
fn cte_select_is_read() {
    read(
        "WITH recent AS (SELECT * FROM orders WHERE ts > now() - interval '1 day') SELECT count(*) FROM recent",
        "postgres",
    );
    read(
        "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 5) SELECT * FROM t",
        "",
    );
}

#[test]
fn data_modifying_cte_is_not_a_read() {
    let v = c(
        "WITH gone AS (DELETE FROM sessions RETURNING *) SELECT count(*) FROM gone",
        "postgres",
    );
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].rule, v[0].object.as_deref()),
        ("sql.delete-all", Some("sessions"))
    );
    assert_one(
        "WITH x AS (UPDATE t SET a = 1 WHERE id = 2 RETURNING id) SELECT * FROM x",
        "postgres",
        W,
        "sql.write",
        Some("t"),
    );
}

#[test]
fn show_describe_values_are_reads() {
    read("SHOW TABLES", "mysql");
    read("SHOW search_path", "postgres");
    read("SHOW DATABASES", "");
    read("DESCRIBE users", "mysql");
    read("DESC users", "");
    read("VALUES (1, 'a'), (2, 'b')", "postgres");
}

#[test]
fn explain_is_read_but_explain_analyze_runs_the_statement() {
    read("EXPLAIN SELECT * FROM users", "postgres");
    read("EXPLAIN DELETE FROM users", "postgres");
    assert_one(
        "EXPLAIN ANALYZE DELETE FROM users",
        "postgres",
        D,
        "sql.delete-all",
        Some("users"),
    );
    assert_one(
        "EXPLAIN (ANALYZE, BUFFERS) DELETE FROM users",
        "postgres",
        D,
        "sql.delete-all",
        Some("users"),
    );
    read("EXPLAIN (ANALYZE false) DELETE FROM users", "postgres");
    read("EXPLAIN ANALYZE SELECT * FROM users", "postgres");
    assert_one(
        "EXPLAIN ANALYZE UPDATE t SET a = 1 WHERE id = 3",
        "",
        W,
        "sql.write",
        Some("t"),
    );
}

#[test]
fn session_set_is_read_global_set_is_write() {
    read("SET search_path = public", "postgres");
    read("SET statement_timeout TO 5000", "postgres");
    read("SET @x = 1", "mysql");
    read("SET NAMES utf8mb4", "mysql");
    assert_one(
        "SET GLOBAL max_connections = 500",
        "mysql",
        W,
        "sql.write",
        Some("max_connections"),
    );
}

#[test]
fn transaction_control_produces_nothing() {
    for d in ALL_HINTS {
        assert!(c("BEGIN", d).is_empty(), "{d}");
        assert!(c("COMMIT", d).is_empty(), "{d}");
        assert!(c("ROLLBACK", d).is_empty(), "{d}");
        assert!(c("BEGIN; COMMIT;", d).is_empty(), "{d}");
    }
    assert!(
        c(
            "START TRANSACTION; SAVEPOINT s1; RELEASE SAVEPOINT s1; ROLLBACK;",
            "mysql"
        )
        .is_empty()
    );
}

#[test]
fn select_into_new_table_is_write_but_into_variable_is_read() {
    assert_one(
        "SELECT * INTO archive_2024 FROM orders",
        "postgres",
        W,
        "sql.write",
        Some("archive_2024"),
    );
    read("SELECT count(*) INTO @n FROM orders", "mysql");
}

// ----------------------------------------------------------------------------- destroy

#[test]
fn drop_table_exact_message() {
    let f = one("DROP TABLE users", "postgres");
    assert_eq!(
        f,
        SqlFinding {
            effect: D,
            rule: "sql.drop",
            why: "DROP TABLE removes the table `users` and all its rows.".into(),
            object: Some("users".into()),
        }
    );
}

#[test]
fn drop_of_every_kind() {
    let cases = [
        ("DROP DATABASE prod", "mysql", "prod"),
        ("DROP SCHEMA analytics CASCADE", "postgres", "analytics"),
        ("DROP VIEW v_users", "", "v_users"),
        ("DROP MATERIALIZED VIEW mv", "postgres", "mv"),
        (
            "DROP INDEX idx_users_email ON users",
            "mysql",
            "idx_users_email",
        ),
        ("DROP INDEX IF EXISTS idx_a", "sqlite", "idx_a"),
        ("DROP SEQUENCE s", "postgres", "s"),
        ("DROP FUNCTION f(int)", "postgres", "f"),
        ("DROP PROCEDURE p", "postgres", "p"),
        ("DROP TRIGGER trg ON t", "postgres", "trg"),
        ("DROP EXTENSION pgcrypto", "postgres", "pgcrypto"),
        ("DROP POLICY p ON t", "postgres", "p"),
        ("DROP TYPE mood", "postgres", "mood"),
        ("DROP ROLE bob", "postgres", "bob"),
        ("DROP USER bob", "mysql", "bob"),
    ];
    for (sql, d, obj) in cases {
        assert_one(sql, d, D, "sql.drop", Some(obj));
    }
    let f = one("DROP DATABASE prod", "mysql");
    assert_eq!(
        f.why,
        "DROP DATABASE removes the database `prod` and everything in it."
    );
}

#[test]
fn drop_if_exists_with_two_tables_reports_both() {
    assert_eq!(
        ro("DROP TABLE IF EXISTS a, b", ""),
        vec![
            ("sql.drop", Some("a".into())),
            ("sql.drop", Some("b".into()))
        ]
    );
}

#[test]
fn truncate_every_dialect_and_multi_table() {
    for d in ALL_HINTS {
        if *d == "sqlite" {
            continue; // SQLite has no TRUNCATE; the parser still accepts it, checked below.
        }
        assert_one(
            "TRUNCATE TABLE orders",
            d,
            D,
            "sql.truncate",
            Some("orders"),
        );
    }
    assert_eq!(
        ro("TRUNCATE a, public.\"B\" CASCADE", "postgres"),
        vec![
            ("sql.truncate", Some("a".into())),
            ("sql.truncate", Some("B".into()))
        ]
    );
    assert_eq!(c("TRUNCATE x", "sqlite")[0].effect, D);
}

#[test]
fn delete_without_where_exact_message() {
    let f = one("DELETE FROM orders", "postgres");
    assert_eq!(f.effect, D);
    assert_eq!(f.rule, "sql.delete-all");
    assert_eq!(
        f.why,
        "DELETE FROM `orders` has no WHERE: it deletes every row."
    );
    assert_eq!(f.object.as_deref(), Some("orders"));
}

#[test]
fn delete_with_where_is_write() {
    for d in ALL_HINTS {
        assert_one("DELETE FROM t WHERE id = 1", d, W, "sql.write", Some("t"));
    }
}

#[test]
fn always_true_where_counts_as_no_where() {
    for sql in [
        "DELETE FROM t WHERE true",
        "DELETE FROM t WHERE 1=1",
        "DELETE FROM t WHERE (1 = 1)",
        "DELETE FROM t WHERE id = 5 OR 1 = 1",
        "DELETE FROM t WHERE 'a' = 'a'",
        "DELETE FROM t WHERE 2 > 1",
        "DELETE FROM t WHERE id = id",
    ] {
        assert_one(sql, "postgres", D, "sql.delete-all", Some("t"));
    }
    assert_one(
        "DELETE FROM t WHERE 1",
        "mysql",
        D,
        "sql.delete-all",
        Some("t"),
    );
    assert_one(
        "DELETE FROM t WHERE 1 = 0",
        "postgres",
        W,
        "sql.write",
        Some("t"),
    );
    assert_one(
        "DELETE FROM t WHERE id = 5 AND 1 = 1",
        "postgres",
        W,
        "sql.write",
        Some("t"),
    );
    assert!(
        one("DELETE FROM t WHERE 1=1", "")
            .why
            .contains("always-true WHERE")
    );
}

#[test]
fn update_without_where_and_with_where() {
    assert_one(
        "UPDATE users SET admin = true",
        "postgres",
        D,
        "sql.update-all",
        Some("users"),
    );
    assert_one(
        "UPDATE users SET admin = true WHERE 1 = 1",
        "",
        D,
        "sql.update-all",
        Some("users"),
    );
    assert_one(
        "UPDATE users SET admin = true WHERE id = 7",
        "mysql",
        W,
        "sql.write",
        Some("users"),
    );
    assert_eq!(
        one("UPDATE users SET a = 1", "").why,
        "UPDATE `users` has no WHERE: it overwrites every row."
    );
}

#[test]
fn mysql_delete_variants() {
    let f = one("DELETE FROM logs LIMIT 1000", "mysql");
    assert_eq!(
        (f.rule, f.object.as_deref()),
        ("sql.delete-all", Some("logs"))
    );
    assert!(f.why.contains("LIMIT"));
    assert_one(
        "DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t2.x = 1",
        "mysql",
        W,
        "sql.write",
        Some("t1"),
    );
}

#[test]
fn alter_table_drops() {
    let f = one("ALTER TABLE users DROP COLUMN email", "postgres");
    assert_eq!(
        (f.effect, f.rule, f.object.as_deref()),
        (D, "sql.alter-drop", Some("users"))
    );
    assert!(f.why.contains("`email`"), "{}", f.why);
    assert_one(
        "ALTER TABLE users DROP CONSTRAINT users_pkey",
        "postgres",
        D,
        "sql.alter-drop",
        Some("users"),
    );
    assert_one(
        "ALTER TABLE `users` DROP COLUMN `email`",
        "mysql",
        D,
        "sql.alter-drop",
        Some("users"),
    );
    assert_one(
        "ALTER TABLE users DROP COLUMN email",
        "sqlite",
        D,
        "sql.alter-drop",
        Some("users"),
    );
    assert_one(
        "ALTER TABLE users ADD COLUMN age int, DROP COLUMN tmp",
        "",
        D,
        "sql.alter-drop",
        Some("users"),
    );
}

#[test]
fn create_or_replace_table_is_destroy() {
    assert_one(
        "CREATE OR REPLACE TABLE t AS SELECT 1 AS a",
        "",
        D,
        "sql.drop",
        Some("t"),
    );
}

// ----------------------------------------------------------------------------- writes

#[test]
fn plain_writes() {
    assert_one(
        "INSERT INTO users (id, name) VALUES (1, 'x')",
        "postgres",
        W,
        "sql.write",
        Some("users"),
    );
    assert_one(
        "REPLACE INTO users VALUES (1)",
        "mysql",
        W,
        "sql.write",
        Some("users"),
    );
    assert_one(
        "INSERT OR REPLACE INTO kv VALUES ('a', 1)",
        "sqlite",
        W,
        "sql.write",
        Some("kv"),
    );
    assert_one(
        "CREATE TABLE t (id int primary key)",
        "",
        W,
        "sql.write",
        Some("t"),
    );
    assert_one(
        "CREATE INDEX i ON t (a)",
        "postgres",
        W,
        "sql.write",
        Some("t"),
    );
    assert_one("CREATE VIEW v AS SELECT 1", "", W, "sql.write", Some("v"));
    assert_one(
        "ALTER TABLE t ADD COLUMN c int",
        "postgres",
        W,
        "sql.write",
        Some("t"),
    );
    assert_one(
        "ALTER TABLE t RENAME TO t2",
        "sqlite",
        W,
        "sql.write",
        Some("t"),
    );
    assert_one(
        "COPY users FROM '/tmp/users.csv' WITH (FORMAT csv)",
        "postgres",
        W,
        "sql.write",
        Some("users"),
    );
    assert_one(
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
        "postgres",
        W,
        "sql.write",
        Some("t"),
    );
    // Anything else not listed is a write.
    assert_one("VACUUM", "postgres", W, "sql.write", None);
    assert_one("CALL refresh_all()", "postgres", W, "sql.write", None);
}

#[test]
fn grant_and_revoke() {
    assert_one(
        "GRANT SELECT ON users TO bob",
        "postgres",
        W,
        "sql.grant",
        Some("users"),
    );
    assert_one(
        "REVOKE ALL ON DATABASE db FROM bob",
        "postgres",
        W,
        "sql.grant",
        Some("db"),
    );
    assert_one(
        "GRANT ALL PRIVILEGES ON shop.* TO 'app'@'%'",
        "mysql",
        W,
        "sql.grant",
        Some("shop"),
    );
}

// ----------------------------------------------------------------------------- quoting & case

#[test]
fn object_names_are_last_component_unquoted() {
    assert_one(
        "DROP TABLE \"Users\"",
        "postgres",
        D,
        "sql.drop",
        Some("Users"),
    );
    assert_one(
        "DROP TABLE public.users",
        "postgres",
        D,
        "sql.drop",
        Some("users"),
    );
    assert_one(
        "DROP TABLE public.\"users\"",
        "postgres",
        D,
        "sql.drop",
        Some("users"),
    );
    assert_one(
        "DROP TABLE `shop`.`Order Items`",
        "mysql",
        D,
        "sql.drop",
        Some("Order Items"),
    );
    assert_one(
        "DELETE FROM `users`",
        "mysql",
        D,
        "sql.delete-all",
        Some("users"),
    );
    // Backticks also work when the dialect is unknown (generic parser).
    assert_one(
        "DELETE FROM `users`",
        "",
        D,
        "sql.delete-all",
        Some("users"),
    );
}

#[test]
fn lowercase_and_odd_spacing() {
    assert_one("drop table users", "", D, "sql.drop", Some("users"));
    assert_one(
        "  delete\n  from\torders ;  ",
        "",
        D,
        "sql.delete-all",
        Some("orders"),
    );
    assert_one(
        "truncate orders",
        "postgres",
        D,
        "sql.truncate",
        Some("orders"),
    );
    read("select 1", "");
}

#[test]
fn dialect_hints_are_case_insensitive_and_unknown_hints_fall_back() {
    assert_one(
        "DROP TABLE users",
        "PostgreSQL",
        D,
        "sql.drop",
        Some("users"),
    );
    assert_one("DROP TABLE users", "SQLite", D, "sql.drop", Some("users"));
    assert_one(
        "DROP TABLE users",
        "no-such-db",
        D,
        "sql.drop",
        Some("users"),
    );
    assert_one(
        "DROP TABLE [dbo].[users]",
        "mssql",
        D,
        "sql.drop",
        Some("users"),
    );
    // Wrong hint: mysql backticks under a postgres hint still parse (fallback dialects).
    assert_one(
        "DELETE FROM `users`",
        "postgres",
        D,
        "sql.delete-all",
        Some("users"),
    );
}

// ----------------------------------------------------------------------------- literals & comments

#[test]
fn keywords_in_literals_and_comments_are_not_drops() {
    for d in ALL_HINTS {
        read("SELECT 'DROP TABLE users'", d);
        read("SELECT 1 -- DROP TABLE x", d);
        read("SELECT /* TRUNCATE users; */ 1", d);
        read(
            "SELECT \"drop\" FROM t",
            if *d == "mysql" { "postgres" } else { d },
        );
    }
    read("SELECT $$ DROP TABLE x $$", "postgres");
}

#[test]
fn comment_only_and_empty_text_give_nothing() {
    for d in ALL_HINTS {
        assert!(c("", d).is_empty());
        assert!(c("   \n\t ", d).is_empty());
        assert!(c("-- DROP TABLE x", d).is_empty(), "{d}");
        assert!(c("/* DROP TABLE x */", d).is_empty(), "{d}");
        assert!(c(";;;", d).is_empty(), "{d}");
    }
}

#[test]
fn function_body_is_not_run_but_do_block_is() {
    assert_one(
        "CREATE FUNCTION f() RETURNS void AS $$ DROP TABLE x $$ LANGUAGE sql",
        "postgres",
        W,
        "sql.write",
        None,
    );
    let f = one("DO $$ BEGIN DROP TABLE public.x; END $$", "postgres");
    assert_eq!(
        (f.effect, f.rule, f.object.as_deref()),
        (D, "sql.unparsed", Some("x"))
    );
}

// ----------------------------------------------------------------------------- scripts

#[test]
fn begin_delete_commit_is_one_delete_all() {
    for d in ALL_HINTS {
        assert_eq!(
            ro("BEGIN; DELETE FROM users; COMMIT;", d),
            vec![("sql.delete-all", Some("users".into()))],
            "{d}"
        );
    }
}

#[test]
fn script_most_destructive_first_and_deduplicated() {
    let v = c(
        "SELECT * FROM a; INSERT INTO b VALUES (1); DELETE FROM c WHERE id = 2; DROP TABLE d; SELECT 2; DROP TABLE d;",
        "postgres",
    );
    let got: Vec<_> = v
        .iter()
        .map(|f| (f.effect, f.rule, f.object.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (D, "sql.drop", Some("d")),
            (W, "sql.write", Some("b")),
            (W, "sql.write", Some("c")),
            (R, "sql.read", None),
        ]
    );
}

#[test]
fn script_with_one_bad_statement_keeps_the_good_ones() {
    let v = ro(
        "SELECT 1; this is not sql; DROP TABLE public.x; UPDATE t SET a = 1",
        "",
    );
    assert_eq!(
        v,
        vec![
            ("sql.drop", Some("x".into())),
            ("sql.update-all", Some("t".into())),
            ("sql.unparsed", None),
            ("sql.read", None),
        ]
    );
}

#[test]
fn semicolons_inside_literals_do_not_split() {
    read("SELECT 'a; DROP TABLE x; --' AS s", "");
    read("SELECT 'it''s; DROP TABLE x' FROM t", "sqlite");
    read("SELECT 'a\\'; DROP TABLE y; --'", "mysql");
}

#[test]
fn dialect_disagreement_on_literals_is_flagged() {
    // In Postgres (standard strings) this text runs `DROP TABLE y`; only MySQL's lexer (backslash
    // escapes) parses the whole text, and as one harmless SELECT. The cross-check catches it.
    let v = c("SELECT 'a\\'; DROP TABLE y; SELECT '", "postgres");
    assert_eq!(v[0].effect, D, "{v:#?}");
    assert_eq!(v[0].object.as_deref(), Some("y"));
    // Under a MySQL hint the MySQL reading is authoritative.
    read("SELECT 'a\\'; DROP TABLE y; SELECT '", "mysql");
}

// ----------------------------------------------------------------------------- unparsable

#[test]
fn unparsable_garbage_is_write() {
    let f = one("frobnicate the database please", "");
    assert_eq!((f.effect, f.rule), (W, "sql.unparsed"));
    assert!(f.why.contains("Could not be parsed"));
    assert_eq!(one("((((", "postgres").effect, W);
}

#[test]
fn unparsable_drop_and_truncate_are_destroy() {
    for (sql, obj) in [
        ("DROP TABLESPACE ts", "ts"),
        ("DROP OWNED BY bob", "bob"),
        ("DROP TABLE users WITH FIRE", "users"),
        (
            "TRUNCATE TABLE ONLY orders RESTART IDENTITY CASCADE garbage",
            "orders",
        ),
        ("ALTER TABLE s.users DROP COLUMN a garbage", "users"),
    ] {
        let f = one(sql, "postgres");
        assert_eq!(
            (f.effect, f.rule, f.object.as_deref()),
            (D, "sql.unparsed", Some(obj)),
            "{sql}"
        );
        assert!(f.why.contains("could not be parsed") || f.why.contains("Could not be parsed"));
        assert!(f.why.contains("DROP") || f.why.contains("TRUNCATE"));
    }
}

#[test]
fn unparsable_read_is_read_unparsed() {
    assert_one("SELECT FROM WHERE ((", "postgres", R, "sql.unparsed", None);
    assert_one("VALUES (( garbage", "", R, "sql.unparsed", None);
    // sqlparser quirk: SHOW takes any tokens as a variable name, so this *parses* (as a read).
    read("SHOW me the money now please ((", "");
    assert_one("EXPLAIN this (( thing", "", R, "sql.unparsed", None);
    assert_one(
        "PRAGMA table_info(users)",
        "sqlite",
        R,
        "sql.unparsed",
        None,
    );
}

#[test]
fn unparsable_with_drop_in_comment_or_literal_is_not_destroy() {
    let f = one("FOO 'DROP TABLE x' -- TRUNCATE y", "");
    assert_eq!(f.effect, W);
}

#[test]
fn unparsed_dedup_keeps_the_most_severe() {
    // Both pieces are sql.unparsed with no object; the Write must survive, not the Read.
    assert_one("SELECT garbage ((; FOO BAR", "", W, "sql.unparsed", None);
}

// ----------------------------------------------------------------------------- table of cases

#[test]
fn table_of_cases() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, Effect, &str, Option<&str>)] = &[
        ("SELECT 1", "", R, "sql.read", None),
        ("select * from t", "sqlite", R, "sql.read", None),
        ("SELECT * FROM a UNION SELECT * FROM b", "mysql", R, "sql.read", None),
        ("WITH a AS (SELECT 1) SELECT * FROM a", "postgres", R, "sql.read", None),
        ("SHOW COLUMNS FROM users", "mysql", R, "sql.read", None),
        ("EXPLAIN QUERY PLAN SELECT * FROM t", "sqlite", R, "sql.read", None),
        ("USE shop", "mysql", R, "sql.read", None),
        ("PRAGMA foreign_keys", "sqlite", R, "sql.read", None),
        ("DROP TABLE t", "sqlite", D, "sql.drop", Some("t")),
        ("DROP TABLE IF EXISTS main.t", "sqlite", D, "sql.drop", Some("t")),
        ("DROP VIEW IF EXISTS v", "mysql", D, "sql.drop", Some("v")),
        ("DROP SCHEMA IF EXISTS s CASCADE", "postgres", D, "sql.drop", Some("s")),
        ("DROP DATABASE IF EXISTS `shop`", "mysql", D, "sql.drop", Some("shop")),
        ("TRUNCATE TABLE public.users RESTART IDENTITY", "postgres", D, "sql.truncate", Some("users")),
        ("DELETE FROM main.t", "sqlite", D, "sql.delete-all", Some("t")),
        ("delete from \"Order\"", "postgres", D, "sql.delete-all", Some("Order")),
        ("DELETE FROM t USING u WHERE t.id = u.id", "postgres", W, "sql.write", Some("t")),
        ("UPDATE t SET a = 1 WHERE true", "sqlite", D, "sql.update-all", Some("t")),
        ("UPDATE `t` SET a = 1 ORDER BY id LIMIT 5", "mysql", D, "sql.update-all", Some("t")),
        ("UPDATE t SET a = 1 FROM u WHERE t.id = u.id", "postgres", W, "sql.write", Some("t")),
        ("ALTER TABLE t DROP PRIMARY KEY", "mysql", D, "sql.alter-drop", Some("t")),
        ("ALTER TABLE t DROP INDEX idx", "mysql", D, "sql.alter-drop", Some("t")),
        ("ALTER TABLE t DROP FOREIGN KEY fk", "mysql", D, "sql.alter-drop", Some("t")),
        ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "postgres", W, "sql.write", Some("t")),
        ("INSERT INTO t SELECT * FROM u", "", W, "sql.write", Some("t")),
        ("INSERT INTO t VALUES (1) ON CONFLICT (id) DO NOTHING", "postgres", W, "sql.write", Some("t")),
        ("INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2", "mysql", W, "sql.write", Some("t")),
        ("CREATE TABLE IF NOT EXISTS t (a int)", "sqlite", W, "sql.write", Some("t")),
        ("CREATE DATABASE shop", "mysql", W, "sql.write", Some("shop")),
        ("CREATE SCHEMA s", "postgres", W, "sql.write", Some("s")),
        ("COPY t TO STDOUT", "postgres", W, "sql.write", None),
        ("GRANT USAGE ON SCHEMA s TO app", "postgres", W, "sql.grant", Some("s")),
        ("REVOKE SELECT ON public.users FROM app", "postgres", W, "sql.grant", Some("users")),
        ("LOCK TABLES t WRITE", "mysql", W, "sql.write", None),
        ("DROP SERVER MySrv", "postgres", D, "sql.unparsed", Some("MySrv")),
        ("DROP PUBLICATION pub", "postgres", D, "sql.unparsed", Some("pub")),
        ("TRUNCATE \"Weird Name\" WITH NONSENSE", "postgres", D, "sql.unparsed", Some("Weird Name")),
        ("SELECT ((( FROM", "mysql", R, "sql.unparsed", None),
        ("!!!", "", W, "sql.unparsed", None),
    ];
    for &(sql, d, effect, rule, object) in cases {
        assert_one(sql, d, effect, rule, object);
    }
}

// ----------------------------------------------------------------------------- lexer

#[test]
fn splitter_respects_quotes_comments_and_dollar_quotes() {
    let s = "SELECT ';'; /* ; */ SELECT \"a;b\"; SELECT $x$ ; $x$; -- ;\nSELECT 1";
    let parts = split_statements(s, false);
    assert_eq!(parts.len(), 4, "{parts:?}");
    assert!(parts[3].trim_start().starts_with("-- ;"));
    // Unterminated things run to the end and never panic.
    assert_eq!(split_statements("SELECT 'abc; DROP", false).len(), 1);
    assert_eq!(split_statements("SELECT /* ; ", false).len(), 1);
    assert_eq!(split_statements("SELECT $$ ; ", false).len(), 1);
    // MySQL: backslash escapes and `#` comments.
    assert_eq!(
        split_statements("SELECT 'a\\';b'; # ;\nSELECT 2", true).len(),
        2
    );
}

// ----------------------------------------------------------------------------- robustness

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    let v = c(&deep, "");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].effect, R);
    let deep_del = format!(
        "DELETE FROM t WHERE {}1{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    assert_eq!(c(&deep_del, "postgres")[0].effect, W);
}

/// xorshift64*: tiny deterministic PRNG, no crates.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[rustfmt::skip]
const FRAGMENTS: &[&str] = &[
    "SELECT", "DROP", "TABLE", "TRUNCATE", "DELETE", "FROM", "UPDATE", "SET", "WHERE", "INSERT",
    "INTO", "VALUES", "WITH", "AS", "EXPLAIN", "ANALYZE", "ALTER", "COLUMN", "BEGIN", "COMMIT",
    "DO", "GRANT", "1=1", "true", "users", "public.", "x", "'", "\"", "`", "$$", "$a$", "E'", "\\",
    "--", "/*", "*/", "#", ";", "(", ")", ",", ".", "*", "=", " ", " ", " ", "\n", "\t", "[", "]",
    "@", ":", "?", "$1", "é", "💥", "\u{0}", "\u{feff}", "0x", "1e999", "-", "+", "||", "::", "NULL",
    "IF EXISTS",
];

fn check_invariants(sql: &str, d: &str, v: &[SqlFinding]) {
    const RULES: &[&str] = &[
        "sql.read",
        "sql.write",
        "sql.drop",
        "sql.truncate",
        "sql.delete-all",
        "sql.update-all",
        "sql.alter-drop",
        "sql.grant",
        "sql.unparsed",
    ];
    for f in v {
        assert!(RULES.contains(&f.rule), "{sql:?} {d:?}: {f:?}");
        assert!(!f.why.is_empty());
    }
    assert!(
        v.windows(2).all(|w| w[0].effect >= w[1].effect),
        "not sorted: {sql:?} {v:?}"
    );
    let mut keys: Vec<_> = v.iter().map(|f| (f.rule, f.object.clone())).collect();
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!(n, keys.len(), "duplicates: {sql:?} {v:?}");
}

#[test]
fn no_panic_on_pseudo_random_input() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let hints = ["", "postgres", "mysql", "sqlite", "mssql", "bogus"];
    for i in 0..3000 {
        let mut s = String::new();
        if i % 3 == 0 {
            // Raw characters, including multi-byte ones.
            for _ in 0..rng.below(60) {
                let ch = match rng.below(4) {
                    0 => char::from_u32(rng.below(0x80) as u32).unwrap_or(' '),
                    1 => char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'),
                    _ => b"'\"`$;-/*#\\()E .x1"[rng.below(17)] as char,
                };
                s.push(ch);
            }
        } else {
            for _ in 0..rng.below(30) {
                s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
                if rng.below(2) == 0 {
                    s.push(' ');
                }
            }
        }
        let d = hints[i % hints.len()];
        let v = classify(&s, d);
        check_invariants(&s, d, &v);
    }
}
