//! docker, podman, compose: local containers are a local dev service; some flags hand a container
//! the whole machine.

use signoff_protocol::Tier;

use super::{Command, files};
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

const READ: &[&str] = &[
    "ps", "images", "logs", "inspect", "info", "version", "stats", "top", "history", "search",
    "events", "diff", "port", "ls", "config", "context",
];

pub fn classify(command: &Command, out: &mut Vec<Finding>) {
    let program = command.program;
    let positionals = command.positionals();
    // `docker compose …` and `docker-compose …` read the same.
    let (compose, verbs) = match positionals.split_first() {
        Some((&"compose", rest)) => (true, rest),
        _ if program == "docker-compose" => (true, positionals.as_slice()),
        _ => (false, positionals.as_slice()),
    };
    let verb = verbs.first().copied().unwrap_or("");
    let object = verbs.get(1).copied().unwrap_or("");
    let local = |rule, effect, why: String| Finding::new(rule, effect, Scope::Workspace, why);
    let machine = |rule, effect, why: String| Finding::new(rule, effect, Scope::Machine, why);
    let privileged = command.has("--privileged")
        || command.args.iter().any(|a| {
            a.starts_with("--pid=host")
                || a.starts_with("--network=host")
                || a.starts_with("--net=host")
                || a == "--cap-add=ALL"
                || a.starts_with("/:/")
                || a.starts_with("/var/run/docker.sock")
        })
        || command.values(&["-v", "--volume"]).iter().any(|v| {
            v.starts_with("/:") || v.starts_with("/var/run/docker.sock") || v.starts_with("/etc:")
        });
    let finding = match verb {
        _ if privileged => machine(
            "docker.privileged",
            Effect::Write,
            "The container gets the host's privileges, processes or files.".into(),
        )
        .floor(Tier::Risky),
        "system" | "builder" | "image" | "container" | "network" if object == "prune" => machine(
            "docker.prune",
            Effect::Destroy,
            format!("`{program} {verb} prune` deletes images, containers or caches for good."),
        ),
        "volume" if matches!(object, "rm" | "remove" | "prune") => machine(
            "docker.volume-delete",
            Effect::Destroy,
            "Deletes container volumes and the data in them.".into(),
        )
        .resource(verbs.get(2..).unwrap_or_default().join(" ")),
        "down" if compose && (command.has("-v") || command.has("--volumes")) => machine(
            "docker.volume-delete",
            Effect::Destroy,
            "`compose down -v` deletes the project's volumes and their data.".into(),
        ),
        // `docker cp SRC DST`: a path without `container:` is this machine's.
        "cp" if verbs.len() >= 3 => {
            let (source, destination) = (verbs[1], verbs[2]);
            if !source.contains(':') {
                files::read_path(&paths::describe(source, command.cwd), out);
            }
            if destination.contains(':') {
                local(
                    "docker.local",
                    Effect::Write,
                    format!("`{program} cp` copies into a container."),
                )
            } else {
                files::write(
                    &paths::describe(destination, command.cwd),
                    "docker cp",
                    "writes",
                )
            }
        }
        "push" => Finding::new(
            "docker.push",
            Effect::Write,
            Scope::Remote,
            "Pushes an image to a registry.".to_string(),
        ),
        "login" => machine(
            "docker.login",
            Effect::Write,
            "Stores registry credentials on this machine.".into(),
        ),
        "volume" | "network" | "image" | "context"
            if matches!(object, "ls" | "inspect" | "list") =>
        {
            local(
                "docker.read",
                Effect::Read,
                format!("`{program} {verb} {object}` only reads."),
            )
        }
        v if READ.contains(&v) => local(
            "docker.read",
            Effect::Read,
            format!("`{program} {v}` only reads."),
        ),
        _ => local(
            "docker.local",
            Effect::Write,
            format!("`{program} {verb}` works with local containers."),
        ),
    };
    out.push(finding);
}
