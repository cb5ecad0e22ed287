//! Container engines: which daemon `docker` talks to — `--host`, `--context`, `DOCKER_HOST`,
//! `DOCKER_CONTEXT`, else the current context of `~/.docker/config.json` and its endpoint. The
//! default context is this machine's daemon; a context on another host makes its effects remote.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Ask, Named};
use crate::policy::env::{host_of, is_loopback};
use crate::policy::facts::Read;

/// Options before the subcommand that take a value.
const GLOBAL_VALUE_FLAGS: &[&str] = &[
    "-H",
    "--host",
    "-c",
    "--context",
    "--config",
    "-l",
    "--log-level",
    "--url",
    "--connection",
];

/// The value of a global option (before the subcommand: `docker run -c 2` is a CPU share).
fn global<'a>(ask: &'a Ask, flags: &[&str]) -> Option<&'a str> {
    let mut args = ask.command.args.iter();
    while let Some(arg) = args.next() {
        if !arg.starts_with('-') {
            return None;
        }
        if let Some((flag, value)) = arg.split_once('=')
            && flags.contains(&flag)
        {
            return Some(value);
        }
        if flags.contains(&arg.as_str()) {
            return args.next().map(String::as_str);
        }
        if GLOBAL_VALUE_FLAGS.contains(&arg.as_str()) {
            args.next();
        }
    }
    None
}

fn at_host(source: String, host: &str, context: Option<&str>) -> Named {
    let local = host.starts_with("unix://")
        || host.starts_with("npipe://")
        || host_of(host).is_some_and(is_loopback);
    let mut names = vec![("host", host.to_string())];
    names.extend(context.map(|c| ("context", c.to_string())));
    if local {
        Named::local(source, names)
    } else {
        Named::remote(source, names)
    }
}

pub(super) fn docker(ask: &Ask) -> Option<Named> {
    if let Some(host) = global(ask, &["-H", "--host", "--url"]) {
        return Some(at_host("`--host` in the command".into(), host, None));
    }
    if ask.command.program == "podman" {
        if let Some(host) = ask.vars.get("CONTAINER_HOST") {
            return Some(at_host("CONTAINER_HOST".into(), host, None));
        }
        if global(ask, &["--connection", "-c"]).is_some() || ask.command.has("--remote") {
            return Some(Named::remote("a podman connection", Vec::new()));
        }
        return Some(Named::local("the local podman", Vec::new()));
    }
    let (context, source) = match global(ask, &["-c", "--context"]) {
        Some(context) => (
            context.to_string(),
            "`--context` in the command".to_string(),
        ),
        None => {
            if let Some(host) = ask.vars.get("DOCKER_HOST") {
                return Some(at_host("DOCKER_HOST".into(), host, None));
            }
            match ask.var(&["DOCKER_CONTEXT"]) {
                Some(found) => found,
                None => {
                    #[derive(Deserialize)]
                    #[serde(rename_all = "camelCase")]
                    struct Config {
                        current_context: Option<String>,
                    }
                    let dir = ask.vars.get("DOCKER_CONFIG").unwrap_or("~/.docker");
                    let current = match ask.read(&format!("{dir}/config.json")) {
                        Read::Text(text) => {
                            serde_json::from_str::<Config>(text).ok()?.current_context
                        }
                        Read::Missing => None,
                        Read::Unknown => return None,
                    };
                    (
                        current.unwrap_or_else(|| "default".into()),
                        "the current Docker context".into(),
                    )
                }
            }
        }
    };
    if context == "default" {
        return Some(Named::local(
            format!("{source}: `default`, this machine's daemon"),
            Vec::new(),
        ));
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Meta {
        endpoints: std::collections::BTreeMap<String, Endpoint>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Endpoint {
        host: Option<String>,
    }
    let dir = ask.vars.get("DOCKER_CONFIG").unwrap_or("~/.docker");
    let id = hex::encode(Sha256::digest(context.as_bytes()));
    let host = match ask.read(&format!("{dir}/contexts/meta/{id}/meta.json")) {
        Read::Text(text) => serde_json::from_str::<Meta>(text)
            .ok()
            .and_then(|meta| meta.endpoints.get("docker")?.host.clone()),
        _ => None,
    };
    Some(match host {
        Some(host) => at_host(source, &host, Some(&context)),
        None => Named::remote(source, vec![("context", context)]),
    })
}
