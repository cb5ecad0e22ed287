//! Application platforms: Railway, Fly, Heroku, Vercel, Supabase — each reads its project and
//! environment from a flag, a variable, or a file it keeps for the directory.

use serde::Deserialize;

use super::{Ask, Named};
use crate::policy::env::{host_of, is_loopback};
use crate::policy::facts::Read;

/// Railway: `--environment`, `RAILWAY_ENVIRONMENT`, a project token (its environment cannot be
/// read), the environment ids, else what `railway link` recorded for this directory or the
/// nearest one above it in `~/.railway/config.json`.
pub(super) fn railway(ask: &Ask) -> Option<Named> {
    if let Some((environment, flag)) = ask.flag(&["-e", "--environment"]) {
        return Some(Named::remote(flag, vec![("environment", environment)]));
    }
    if let Some((environment, var)) = ask.var(&["RAILWAY_ENVIRONMENT", "RAILWAY_ENVIRONMENT_NAME"])
    {
        return Some(Named::remote(var, vec![("environment", environment)]));
    }
    if ask.vars.get("RAILWAY_TOKEN").is_some() {
        return Some(Named::remote(
            "RAILWAY_TOKEN (a project token, whose environment the console cannot read)",
            Vec::new(),
        ));
    }
    if let Some((id, var)) = ask.var(&["RAILWAY_ENVIRONMENT_ID", "RAILWAY_PROJECT_ID"]) {
        return Some(Named::remote(var, vec![("id", id)]));
    }
    #[derive(Deserialize)]
    struct Config {
        #[serde(default)]
        projects: std::collections::BTreeMap<String, Linked>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Linked {
        name: Option<String>,
        environment_name: Option<String>,
        environment: Option<String>,
    }
    let Read::Text(text) = ask.read("~/.railway/config.json") else {
        return None;
    };
    let config: Config = serde_json::from_str(text).ok()?;
    let mut dir = ask.path(ask.command.cwd)?;
    loop {
        if let Some(linked) = config.projects.get(&dir) {
            return Some(Named::remote(
                format!("`railway link` for {dir}"),
                vec![
                    (
                        "environment",
                        linked
                            .environment_name
                            .clone()
                            .or(linked.environment.clone())
                            .unwrap_or_default(),
                    ),
                    ("project", linked.name.clone().unwrap_or_default()),
                ],
            ));
        }
        match dir.rsplit_once('/') {
            Some(("", _)) if dir != "/" => dir = "/".into(),
            Some((parent, _)) if !parent.is_empty() => dir = parent.to_string(),
            _ => return None,
        }
    }
}

/// Fly: `--app`, `FLY_APP`, else the app of `fly.toml` (`--config`, else the directory's).
pub(super) fn fly(ask: &Ask) -> Option<Named> {
    if let Some((app, source)) = ask.flag_or_var(&["-a", "--app"], &["FLY_APP"]) {
        return Some(Named::remote(source, vec![("app", app)]));
    }
    let file = ask.command.value(&["-c", "--config"]).unwrap_or("fly.toml");
    let Read::Text(text) = ask.read(file) else {
        return None;
    };
    let app = toml::from_str::<toml::Table>(text)
        .ok()?
        .get("app")?
        .as_str()?
        .to_string();
    Some(Named::remote(
        format!("{} in {}", file, ask.command.cwd),
        vec![("app", app)],
    ))
}

/// Heroku: `--app`, `HEROKU_APP`, else the app of the git remote (`--remote`, else `heroku`).
pub(super) fn heroku(ask: &Ask) -> Option<Named> {
    if let Some((app, source)) = ask.flag_or_var(&["-a", "--app"], &["HEROKU_APP"]) {
        return Some(Named::remote(source, vec![("app", app)]));
    }
    let remote = ask.command.value(&["-r", "--remote"]).unwrap_or("heroku");
    let (dir, text) = ask.read_upwards(ask.command.cwd, ".git/config")?;
    let config = ini::Ini::load_from_str(text).ok()?;
    let url = config
        .section(Some(format!("remote \"{remote}\"")))?
        .get("url")?;
    let app = url
        .rsplit(['/', ':'])
        .next()?
        .trim_end_matches(".git")
        .to_string();
    Some(Named::remote(
        format!("the git remote `{remote}` of {dir}"),
        vec![("app", app)],
    ))
}

/// Vercel: `--prod` (or `--target`), else the project `vercel link` recorded in
/// `.vercel/project.json` (or `VERCEL_PROJECT_ID`).
pub(super) fn vercel(ask: &Ask) -> Option<Named> {
    let command = ask.command;
    if command.has("--prod") || command.has("--production") {
        return Some(Named::remote(
            "`--prod` in the command",
            vec![("target", "production".into())],
        ));
    }
    if let Some((target, flag)) = ask.flag(&["--target", "--environment"]) {
        return Some(Named::remote(flag, vec![("target", target)]));
    }
    if let Some((project, var)) = ask.var(&["VERCEL_PROJECT_ID"]) {
        return Some(Named::remote(var, vec![("project", project)]));
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Project {
        project_name: Option<String>,
        project_id: Option<String>,
    }
    let dir = command.value(&["--cwd"]).unwrap_or(command.cwd);
    let (dir, text) = ask.read_upwards(dir, ".vercel/project.json")?;
    let project: Project = serde_json::from_str(text).ok()?;
    Some(Named::remote(
        format!("`vercel link` in {dir}"),
        vec![(
            "project",
            project
                .project_name
                .or(project.project_id)
                .unwrap_or_default(),
        )],
    ))
}

/// Supabase: `--db-url`, `--project-ref`, `--linked` (the ref `supabase link` recorded); the
/// database commands act on the local stack unless told otherwise.
pub(super) fn supabase(ask: &Ask) -> Option<Named> {
    let command = ask.command;
    if let Some((url, flag)) = ask.flag(&["--db-url"]) {
        let host = host_of(&url).unwrap_or_default().to_string();
        let local = is_loopback(&host);
        let source = flag;
        let names = vec![("host", host)];
        return Some(if local {
            Named::local(source, names)
        } else {
            Named::remote(source, names)
        });
    }
    if let Some((reference, flag)) = ask.flag(&["--project-ref"]) {
        return Some(Named::remote(flag, vec![("project", reference)]));
    }
    // The commands that act on the local stack unless given `--linked` (`db push`, `db pull`,
    // `db dump` act on the linked project by default).
    let positionals = command.positionals();
    let on_local_stack = match positionals.as_slice() {
        ["db", verb, ..] => matches!(*verb, "reset" | "diff" | "lint" | "start"),
        ["migration", verb, ..] => matches!(*verb, "up" | "down" | "new" | "squash"),
        [first, ..] => matches!(*first, "seed" | "test" | "start" | "stop" | "status"),
        [] => false,
    };
    if command.has("--local") || (on_local_stack && !command.has("--linked")) {
        return Some(Named::local(
            "the local Supabase stack (no `--linked`, `--project-ref` or `--db-url`)",
            Vec::new(),
        ));
    }
    let dir = command.value(&["--workdir"]).unwrap_or(command.cwd);
    let (dir, text) = ask.read_upwards(dir, "supabase/.temp/project-ref")?;
    Some(Named::remote(
        format!("`supabase link` in {dir}"),
        vec![("project", text.trim().to_string())],
    ))
}

/// Stripe: `--live` or a live key (`sk_live_…`, `rk_live_…`) reaches live mode; without either
/// the CLI uses its test-mode key, so test mode is what the command itself says.
pub(super) fn stripe(ask: &Ask) -> Option<Named> {
    let command = ask.command;
    let key = command.value(&["--api-key"]).unwrap_or("");
    if command.has("--live") || key.contains("_live_") {
        let source = if command.has("--live") {
            "`--live` in the command"
        } else {
            "a live API key in the command"
        };
        return Some(Named::remote(source, vec![("mode", "live".into())]));
    }
    let source = if key.contains("_test_") {
        "a test API key in the command"
    } else {
        "the Stripe CLI (test mode unless `--live`)"
    };
    Some(Named::remote(source, vec![("mode", "test".into())]))
}
