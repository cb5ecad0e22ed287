//! HTTP: curl, wget, httpie, and HTTP actions. The method says read or write; the host says where;
//! a GraphQL mutation named like a deletion deletes.

use regex::Regex;
use std::sync::LazyLock;

use super::Command;
use super::files;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

/// `mutation { volumeDelete(volumeId: "vol-7f3a") }` → ("volumeDelete", "vol-7f3a").
static DESTRUCTIVE_MUTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)mutation[^{]*\{\s*(\w*(?:delete|destroy|drop|remove|purge|terminate|wipe)\w*)\s*(?:\(\s*(?:\w+\s*:\s*\\?"([^"\\]+)\\?")?)?"#)
        .expect("valid regex")
});

/// Judges one HTTP request.
pub fn http(method: &str, url: &str, body: &str) -> Finding {
    let method = method.to_ascii_uppercase();
    let scope = if is_local(url) {
        Scope::Workspace
    } else {
        Scope::Remote
    };
    let host = host(url);
    if let Some(captures) = DESTRUCTIVE_MUTATION.captures(body) {
        let name = captures.get(1).map_or("", |m| m.as_str());
        let target = captures.get(2).map_or("", |m| m.as_str());
        return Finding::new(
            "http.graphql-delete",
            Effect::Destroy,
            scope,
            format!(
                "A GraphQL mutation `{name}` on {host} deletes {}.",
                if target.is_empty() {
                    "something"
                } else {
                    target
                }
            ),
        )
        .resource(target);
    }
    match method.as_str() {
        "GET" | "HEAD" | "OPTIONS" | "TRACE" => Finding::new(
            "http.read",
            Effect::Read,
            scope,
            format!("{method} {host} only reads."),
        ),
        "DELETE" => Finding::new(
            "http.delete",
            Effect::Destroy,
            scope,
            format!("DELETE on {host} deletes {}.", path_of(url)),
        )
        .resource(last_segment(url)),
        _ => Finding::new(
            "http.write",
            Effect::Write,
            scope,
            format!("{method} on {host} changes something there."),
        ),
    }
}

fn after_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

fn host(url: &str) -> &str {
    let authority = after_scheme(url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    authority.rsplit('@').next().unwrap_or(authority)
}

fn path_of(url: &str) -> &str {
    let rest = after_scheme(url);
    rest.find('/').map_or("/", |at| &rest[at..])
}

fn last_segment(url: &str) -> String {
    path_of(url)
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// curl's and wget's `-X METHOD`, `--request=METHOD`, `--method METHOD`, also in a bundle of
/// short flags (`-sXDELETE`, `-sX DELETE`).
fn request_method(command: &Command) -> Option<String> {
    if let Some(method) = command.value(&["-X", "--request", "--method"]) {
        return Some(method.to_ascii_uppercase());
    }
    let mut args = command.args.iter();
    while let Some(arg) = args.next() {
        if arg.starts_with('-')
            && !arg.starts_with("--")
            && let Some(at) = arg.find('X')
        {
            let rest = &arg[at + 1..];
            return if rest.is_empty() {
                args.next().map(|m| m.to_ascii_uppercase())
            } else {
                Some(rest.to_ascii_uppercase())
            };
        }
    }
    None
}

pub fn is_local(url: &str) -> bool {
    let host = host(url);
    let name = host
        .rsplit_once(':')
        .filter(|(h, _)| !h.ends_with(']') || host.starts_with('['))
        .map_or(host, |(h, _)| h);
    matches!(
        name,
        "localhost" | "[::1]" | "0.0.0.0" | "host.docker.internal"
    ) || name.starts_with("127.")
        || name.ends_with(".localhost")
}

pub fn classify(command: &Command, out: &mut Vec<Finding>) {
    let program = command.program;
    let httpie = matches!(program, "http" | "https" | "xh" | "httpie");
    let positionals = command.positionals();
    // httpie: `http [METHOD] URL [ITEM…]`; `:3000/x` and `localhost:3000` are URLs too.
    let httpie_method = positionals
        .first()
        .filter(|m| {
            httpie
                && (m.chars().all(|c| c.is_ascii_uppercase())
                    || matches!(
                        m.to_ascii_uppercase().as_str(),
                        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"
                    ))
        })
        .copied();
    let url = if httpie {
        positionals
            .get(usize::from(httpie_method.is_some()))
            .copied()
    } else {
        positionals
            .iter()
            .find(|w| w.contains("://"))
            .or_else(|| {
                positionals
                    .iter()
                    .find(|w| w.contains('.') || w.contains(':'))
            })
            .copied()
    };
    let Some(url) = url else {
        out.push(Finding::new(
            "http.read",
            Effect::Read,
            Scope::Workspace,
            format!("`{program}` with no URL."),
        ));
        return;
    };
    let data: Vec<&str> = command.values(&[
        "-d",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--json",
        "-F",
        "--form",
        "--post-data",
        "--body-data",
    ]);
    // Sending a local file is reading it: `-d @.env` exfiltrates the secrets in it.
    for value in &data {
        if let Some(file) = value.rsplit('@').next().filter(|_| value.contains('@')) {
            files::read_path(&paths::describe(file, command.cwd), out);
        }
    }
    // httpie's data items (`name=x`, `n:=1`, `f@file`) make a request a POST.
    let httpie_data = httpie
        && positionals
            .iter()
            .skip(usize::from(httpie_method.is_some()) + 1)
            .any(|item| {
                (item.contains('=') && !item.contains("=="))
                    || item.contains(":=")
                    || item.contains('@')
            });
    let method = match httpie_method {
        Some(method) => method.to_string(),
        None if httpie => if httpie_data || !data.is_empty() {
            "POST"
        } else {
            "GET"
        }
        .to_string(),
        None => request_method(command).unwrap_or_else(|| {
            if command.has_short('I') || command.has("--head") {
                "HEAD".into()
            } else if command.has_short('T') || command.has("--upload-file") {
                "PUT".into()
            } else if data.is_empty() || command.has_short('G') || command.has("--get") {
                "GET".into()
            } else {
                "POST".into()
            }
        }),
    };
    out.push(http(&method, url, &data.join("\n")));
    let to_stdout = command
        .args
        .iter()
        .any(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with("O-"));
    match command.value(&["-o", "--output", "-O", "--output-document"]) {
        Some(file) if file != "-" && !to_stdout => out.push(files::write(
            &paths::describe(file, command.cwd),
            program,
            "downloads into",
        )),
        // wget saves into the working directory unless told to print.
        None if program == "wget" && !to_stdout && !command.has("--spider") => {
            out.push(files::write(
                &paths::describe(".", command.cwd),
                program,
                "downloads into",
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
