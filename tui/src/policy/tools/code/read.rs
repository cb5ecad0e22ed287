//! Reading a program's code: string literals and comments set apart, then the calls that run,
//! delete, write, read, request, query and print secrets, each with the argument it is given.

use regex::Regex;
use std::sync::LazyLock;

use signoff_protocol::Tier;

use super::super::{Runs, files};
use super::{Language, read, unreadable};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

/// A string literal in the code: where its text is, and whether it is built at run time
/// (`f"…{x}"`, `` `…${x}` ``, `"…#{x}"`).
#[derive(Debug, Clone)]
struct Literal {
    start: usize,
    end: usize,
    text: String,
    interpolated: bool,
}

/// The code with every string literal's contents and every comment blanked out (so that a call
/// written inside a string is not a call), and the literals.
fn mask(language: Language, code: &str) -> (String, Vec<Literal>) {
    let bytes = code.as_bytes();
    let mut masked = bytes.to_vec();
    let mut literals = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let comment_end = if byte == b'#' && language.hash_comments() {
            Some(code[at..].find('\n').map_or(bytes.len(), |p| at + p))
        } else if byte == b'/' && language.slash_comments() && bytes.get(at + 1) == Some(&b'/') {
            Some(code[at..].find('\n').map_or(bytes.len(), |p| at + p))
        } else if byte == b'/' && language.slash_comments() && bytes.get(at + 1) == Some(&b'*') {
            Some(
                code[at + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |p| at + 2 + p + 2),
            )
        } else {
            None
        };
        if let Some(end) = comment_end {
            masked[at..end].fill(b' ');
            at = end;
            continue;
        }
        if matches!(byte, b'"' | b'\'' | b'`') {
            let triple = language == Language::Python
                && bytes.get(at + 1) == Some(&byte)
                && bytes.get(at + 2) == Some(&byte);
            let open = if triple { 3 } else { 1 };
            let start = at + open;
            let mut end = start;
            while end < bytes.len() {
                if bytes[end] == b'\\' {
                    end += 2;
                    continue;
                }
                if bytes[end] == byte
                    && (!triple
                        || (bytes.get(end + 1) == Some(&byte) && bytes.get(end + 2) == Some(&byte)))
                {
                    break;
                }
                end += 1;
            }
            let end = end.min(bytes.len());
            let text = code.get(start..end).unwrap_or_default();
            let prefix = at.checked_sub(1).map(|p| bytes[p].to_ascii_lowercase());
            let interpolated = (language == Language::Python && prefix == Some(b'f'))
                || (byte == b'`' && text.contains("${"))
                || (byte == b'"' && matches!(language, Language::Ruby) && text.contains("#{"))
                || (byte == b'"'
                    && matches!(language, Language::Perl | Language::Php)
                    && text.contains('$'));
            literals.push(Literal {
                start: at,
                end: (end + open).min(bytes.len()),
                text: text
                    .replace("\\n", "\n")
                    .replace("\\\"", "\"")
                    .replace("\\'", "'"),
                interpolated,
            });
            masked[start..end].fill(b' ');
            at = end + open;
            continue;
        }
        at += 1;
    }
    (String::from_utf8_lossy(&masked).into_owned(), literals)
}

/// What a call's first argument is, when it starts at `from`.
enum Argument {
    /// A literal: `"rm -rf build"`.
    Text(String),
    /// A list of literals: `["rm", "-rf", "build"]`, as shell words.
    Words(String),
    /// Anything else: a variable, an expression, an interpolated string.
    Computed,
}

fn argument(code: &str, literals: &[Literal], from: usize) -> Argument {
    let rest = &code[from..];
    let skipped = rest.len() - rest.trim_start().len();
    let at = from + skipped;
    let literal_at = |at: usize| literals.iter().find(|l| l.start == at);
    if let Some(literal) = literal_at(at) {
        return if literal.interpolated {
            Argument::Computed
        } else {
            Argument::Text(literal.text.clone())
        };
    }
    if code[at..].starts_with('[')
        || code[at..].starts_with("qw(")
        || code[at..].starts_with("array(")
    {
        let close = code[at..].find([']', ')']).map_or(code.len(), |p| at + p);
        let inside: Vec<&Literal> = literals
            .iter()
            .filter(|l| l.start > at && l.end <= close + 1)
            .collect();
        if inside.is_empty() || inside.iter().any(|l| l.interpolated) {
            return Argument::Computed;
        }
        let words: Vec<String> = inside
            .iter()
            .map(|l| {
                if l.text.is_empty()
                    || l.text
                        .contains(|c: char| c.is_whitespace() || "'\"$`\\;&|<>(){}*?".contains(c))
                {
                    format!("'{}'", l.text.replace('\'', r"'\''"))
                } else {
                    l.text.clone()
                }
            })
            .collect();
        return Argument::Words(words.join(" "));
    }
    Argument::Computed
}

/// A regex over masked code, built once.
macro_rules! pattern {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("valid regex"));
    };
}

pattern!(
    RUNS,
    r"\bos\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)\s*\(|\bsubprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)\s*\(|\bcommands\.getoutput\s*\(|\bpty\.spawn\s*\(|\b(?:execSync|spawnSync|execFileSync|execFile|spawn|exec)\s*\(|\b(?:shell_exec|passthru|proc_open|popen|system)\s*\(|\bos\.execute\s*\(|\bio\.popen\s*\(|\bOpen3\.\w+\s*\(|\bIO\.popen\s*\(|\bKernel\.(?:system|exec|spawn)\s*\(|\bDeno\.(?:run|Command)\s*\(|\bBun\.(?:spawn|spawnSync|\$)\s*\("
);
pattern!(PERL_RUNS, r"\b(?:system|exec)\s+");
pattern!(BACKTICK_RUNS, r"%x\(|\bqx\(");
pattern!(
    DELETES,
    r"\bshutil\.rmtree\s*\(|\bos\.(?:remove|unlink|rmdir|removedirs)\s*\(|\.(?:rmSync|rm|unlinkSync|unlink|rmdirSync|rmdir|removeSync|emptyDirSync)\s*\(|\brimraf(?:\.sync)?\s*\(|\bDeno\.remove(?:Sync)?\s*\(|\bFileUtils\.(?:rm_rf|rm_r|rm_f|rm|remove_dir|remove_entry|remove_entry_secure)\s*\(|\bFile\.(?:delete|unlink)\s*\(|\bDir\.(?:rmdir|delete|unlink)\s*\(|\b(?:rmtree|remove_tree)\s*\(|\bunlink\s*\(|\brmdir\s*\(|\bsend2trash\s*\(|\bos\.remove\s*\("
);
pattern!(PERL_DELETES, r"\b(?:unlink|rmdir)\s+");
pattern!(PATH_CALL, r"\bPath\s*\(");
pattern!(
    OTHER_WRITES,
    r"\b(?:write|writeLines|write\.csv|saveRDS|cat\s*\([^)]*file\s*=)\b"
);
pattern!(OTHER_DELETES, r"\b(?:rm|unlink|file\.remove)\s*\(");
pattern!(PACKAGE_DELETE, r"\)\.sync\s*\(|\b(?:rimraf|del|trash)\s*\(");
pattern!(
    OPEN_MODE,
    r#"['"][wax]b?\+?['"]|['"]r\+['"]|,\s*['"]?>{1,2}|['"]>{1,2}"#
);
pattern!(
    WRITES,
    r"\.(?:writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|outputFileSync|outputFile|write_text|write_bytes)\s*\(|\bFile\.(?:write|binwrite)\s*\(|\bfile_put_contents\s*\(|\bDeno\.writeTextFile(?:Sync)?\s*\(|\bBun\.write\s*\("
);
pattern!(OPENS, r"\b(?:open|fopen|File\.open|io\.open)\s*\(");
pattern!(
    READS,
    r"\.(?:readFileSync|readFile|read_text|read_bytes)\s*\(|\bFile\.(?:read|readlines|binread)\s*\(|\b(?:file_get_contents|readfile|file)\s*\(|\bDeno\.readTextFile(?:Sync)?\s*\("
);
pattern!(
    HTTP,
    r"\b(?:requests|httpx|session|client|axios|http)\.(get|head|options|post|put|patch|delete|request)\s*\("
);
pattern!(FETCH, r"\bfetch\s*\(");
pattern!(METHOD, r#"(?i)method\s*[:=]\s*['"](\w+)['"]"#);
pattern!(
    SQL,
    r"\.(?:execute|executemany|executescript|exec|query|raw|run)\s*\("
);
pattern!(
    DYNAMIC,
    r"\b(?:eval|exec|compile|__import__)\s*\(|\bnew\s+Function\s*\(|\bvm\.run\w*\s*\(|\binstance_eval\b|\bclass_eval\b|\bload\s*\(|\brequire\s*\(\s*[A-Za-z_$]"
);
pattern!(
    ENVIRONMENT,
    r"\bprint\s*\(\s*(?:dict\s*\(\s*)?os\.environ\s*\)|console\.(?:log|dir|table)\s*\(\s*process\.env\s*\)|\bp\s+ENV\b|\bputs\s+ENV\b|ENV\.to_h|\bprint_r\s*\(\s*\$_(?:ENV|SERVER)|\bgetenv\s*\(\s*\)|%ENV"
);
pattern!(
    SECRET_VAR,
    r#"(?:os\.environ(?:\.get)?\s*[\[(]\s*|os\.getenv\s*\(\s*|process\.env\.|process\.env\[\s*|ENV\[\s*|getenv\s*\(\s*|\$ENV\{\s*)['"]?([A-Za-z_][A-Za-z0-9_]*)"#
);
pattern!(
    SIDE_EFFECTS,
    r"\bsocket\b|\burllib\b|\bhttp\.client\b|\bsmtplib\b|\bftplib\b|\bparamiko\b|\bboto3?\b|\bpsycopg|\bpymysql\b|\bsqlalchemy\b|\bredis\b|\bpymongo\b|\bnet\.\w+\(|\bdgram\b|\bchild_process\b|\bctypes\b|\bkill\s*\(|\bsignal\."
);

/// Judges a program's code: findings in `out`, the commands it runs in `runs`.
pub fn judge(
    language: Language,
    program: &str,
    code: &str,
    cwd: &str,
    out: &mut Vec<Finding>,
    runs: &mut Vec<Runs>,
) {
    let before = out.len() + runs.len();
    let (masked, literals) = mask(language, code);
    let first_argument = |end: usize| argument(code, &literals, end);
    // What it runs.
    let mut run_calls: Vec<usize> = RUNS.find_iter(&masked).map(|m| m.end()).collect();
    if language == Language::Perl {
        run_calls.extend(PERL_RUNS.find_iter(&masked).map(|m| m.end()));
    }
    for end in run_calls {
        match first_argument(end) {
            Argument::Text(text) | Argument::Words(text) => runs.push(Runs::Script(text)),
            Argument::Computed => out.push(unreadable(program, "a command it builds at run time")),
        }
    }
    let backticks = matches!(language, Language::Ruby | Language::Perl | Language::Php)
        && literals.iter().any(|l| code[l.start..].starts_with('`'));
    if backticks || BACKTICK_RUNS.is_match(&masked) {
        for literal in literals.iter().filter(|l| code[l.start..].starts_with('`')) {
            if literal.interpolated {
                out.push(unreadable(program, "a command it builds at run time"));
            } else {
                runs.push(Runs::Script(literal.text.clone()));
            }
        }
        if BACKTICK_RUNS.is_match(&masked) {
            out.push(unreadable(program, "a command in `%x()` or `qx()`"));
        }
    }
    // What it deletes.
    let mut delete_calls: Vec<usize> = DELETES.find_iter(&masked).map(|m| m.end()).collect();
    if language == Language::Perl {
        delete_calls.extend(PERL_DELETES.find_iter(&masked).map(|m| m.end()));
    }
    for end in delete_calls {
        out.push(deletion(first_argument(end), cwd, program));
    }
    if literals
        .iter()
        .any(|l| matches!(l.text.as_str(), "rimraf" | "del" | "fs-extra" | "trash"))
    {
        for found in PACKAGE_DELETE.find_iter(&masked) {
            out.push(deletion(first_argument(found.end()), cwd, program));
        }
    }
    for found in PATH_CALL.find_iter(&masked) {
        let rest = &masked[found.end()..];
        let after = rest.find(')').map_or("", |p| rest[p + 1..].trim_start());
        if after.starts_with(".unlink(") || after.starts_with(".rmdir(") {
            out.push(deletion(first_argument(found.end()), cwd, program));
        }
    }
    // What it writes and reads.
    for found in WRITES.find_iter(&masked) {
        out.push(path_finding(
            first_argument(found.end()),
            cwd,
            program,
            true,
        ));
    }
    for found in OPENS.find_iter(&masked) {
        let rest = &code[found.end()..];
        let call_end = rest.find(')').unwrap_or(rest.len());
        let args = &rest[..call_end];
        let writing = OPEN_MODE.is_match(args)
            || args.trim_start().starts_with("'>")
            || args.trim_start().starts_with("\">");
        let argument = first_argument(found.end());
        let argument = match argument {
            // perl: `open(FH, ">file")`, `open my $fh, '>', 'file'`.
            Argument::Text(text) if language == Language::Perl => {
                Argument::Text(text.trim_start_matches(['>', '<', '+', ' ']).to_string())
            }
            other => other,
        };
        out.push(path_finding(argument, cwd, program, writing));
    }
    for found in READS.find_iter(&masked) {
        out.push(path_finding(
            first_argument(found.end()),
            cwd,
            program,
            false,
        ));
    }
    // The requests it makes.
    for captures in HTTP.captures_iter(&masked) {
        let method = match &captures[1] {
            "request" => "GET".to_string(),
            verb => verb.to_ascii_uppercase(),
        };
        let end = captures.get(0).map_or(0, |m| m.end());
        out.push(request(first_argument(end), &method, code));
    }
    for found in FETCH.find_iter(&masked) {
        let rest = &code[found.end()..];
        let method = METHOD
            .captures(&rest[..rest.len().min(400)])
            .map_or("GET".to_string(), |c| c[1].to_ascii_uppercase());
        out.push(request(first_argument(found.end()), &method, code));
    }
    // The SQL it sends.
    for found in SQL.find_iter(&masked) {
        if let Argument::Text(statement) = first_argument(found.end())
            && looks_like_sql(&statement)
        {
            let scope = if code.contains("sqlite") {
                Scope::Workspace
            } else {
                Scope::Remote
            };
            out.extend(super::super::databases_sql(&statement, "", scope, ""));
        }
    }
    // Secrets it prints, and code it builds.
    if ENVIRONMENT.is_match(&masked) {
        out.push(secrets(program, "the whole environment"));
    }
    for captures in SECRET_VAR.captures_iter(code) {
        if let Some(name) = files::secret_variable(&format!("${}", &captures[1])) {
            out.push(secrets(program, &format!("`{name}`")));
        }
    }
    if DYNAMIC.is_match(&masked) {
        out.push(unreadable(program, "code it builds at run time"));
    }
    if language == Language::Other {
        // Languages signoff has no patterns of its own for (R, Julia): the paths the code names
        // are what it reads, or writes when it writes at all.
        let writes = OTHER_WRITES.is_match(&masked)
            || literals
                .iter()
                .any(|l| matches!(l.text.as_str(), "w" | "a" | "w+" | "a+"));
        for literal in literals
            .iter()
            .filter(|l| l.text.starts_with('/') || l.text.starts_with('~'))
        {
            let path = paths::describe(&literal.text, cwd);
            if writes {
                out.push(files::write(&path, program, "writes"));
            } else {
                files::read_path(&path, out);
            }
        }
        for found in OTHER_DELETES.find_iter(&masked) {
            out.push(deletion(first_argument(found.end()), cwd, program));
        }
        for literal in literals.iter().filter(|l| code[l.start..].starts_with('`')) {
            runs.push(Runs::Script(literal.text.clone()));
        }
    }
    if out.len() + runs.len() > before {
        return;
    }
    out.push(if SIDE_EFFECTS.is_match(&masked) {
        Finding::new(
            "code.inline",
            Effect::Write,
            Scope::Machine,
            format!(
                "The `{program}` program talks to other systems or processes signoff cannot follow."
            ),
        )
        .floor(Tier::Risky)
    } else {
        read(format!("The `{program}` program only computes and prints."))
    });
}

fn looks_like_sql(text: &str) -> bool {
    let upper = text.trim_start().to_ascii_uppercase();
    [
        "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "TRUNCATE", "ALTER", "CREATE", "GRANT",
        "REVOKE", "WITH", "COPY", "MERGE", "REPLACE",
    ]
    .iter()
    .any(|verb| upper.starts_with(verb))
}

fn secrets(program: &str, what: &str) -> Finding {
    Finding::new(
        "secrets.print",
        Effect::Read,
        Scope::Machine,
        format!("The `{program}` program reads {what}: it shows a secret to the agent."),
    )
    .floor(Tier::Risky)
}

fn path_finding(argument: Argument, cwd: &str, program: &str, writing: bool) -> Finding {
    match (argument, writing) {
        (Argument::Text(path), true) => {
            files::write(&paths::describe(&path, cwd), program, "writes")
        }
        (Argument::Text(path), false) => {
            let mut found = Vec::new();
            files::read_path(&paths::describe(&path, cwd), &mut found);
            found
                .pop()
                .unwrap_or_else(|| read(format!("`{program}` reads {path}.")))
        }
        (_, true) => Finding::new(
            "code.write",
            Effect::Write,
            Scope::Machine,
            format!("`{program}` writes files whose names it computes."),
        ),
        (_, false) => read(format!("`{program}` reads files.")),
    }
}

fn request(argument: Argument, method: &str, code: &str) -> Finding {
    match argument {
        Argument::Text(url) => super::super::http(method, &url, code),
        _ => super::super::http(method, "https://(a computed address)", code),
    }
}

/// What deleting the path a call is given does: the path's own finding, or, when the code
/// computes it, a deletion that could be anywhere.
fn deletion(argument: Argument, cwd: &str, program: &str) -> Finding {
    match argument {
        Argument::Text(path) | Argument::Words(path) => {
            files::delete(&paths::describe(&path, cwd), program)
        }
        Argument::Computed => Finding::new(
            "code.delete",
            Effect::Destroy,
            Scope::Machine,
            format!("`{program}` deletes files whose names it computes."),
        ),
    }
}
