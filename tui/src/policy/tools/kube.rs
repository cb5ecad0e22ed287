//! Kubernetes and its tools. `kubectl exec` is unwrapped by the shell walker.

use signoff_protocol::Tier;

use super::Command;
use super::cli::verb_among;
use crate::policy::finding::{Effect, Finding, Scope};

/// kubectl and helm options that take a value.
const VALUE_FLAGS: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--kube-context",
    "--kubeconfig",
    "-f",
    "--filename",
    "-l",
    "--selector",
    "-o",
    "--output",
    "-c",
    "--container",
    "-k",
    "--kustomize",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "--values",
    "--set",
    "--version",
    "--timeout",
    "-p",
    "--patch",
    "--type",
];

pub fn classify(command: &Command, out: &mut Vec<Finding>) {
    let program = command.program;
    let positionals = command.operands(VALUE_FLAGS);
    let verb = verb_among(command, positionals.clone());
    let first = positionals.first().copied().unwrap_or("");
    let remote = |rule, effect, why: String| Finding::new(rule, effect, Scope::Remote, why);
    let output_secret = command
        .value(&["-o", "--output"])
        .is_some_and(|o| o != "name" && o != "wide");
    let finding = match (program, first) {
        ("kubectl" | "oc", "get" | "describe")
            if positionals.get(1).is_some_and(|k| k.starts_with("secret"))
                && (output_secret || first == "describe") =>
        {
            remote(
                "secrets.kube",
                Effect::Read,
                "Prints Kubernetes secrets.".into(),
            )
            .floor(Tier::Risky)
        }
        ("kubectl" | "oc", "config")
            if positionals.get(1).is_some_and(|v| v.starts_with("view"))
                && command.has("--raw") =>
        {
            Finding::new(
                "secrets.kubeconfig",
                Effect::Read,
                Scope::Machine,
                "Prints the kubeconfig with its credentials.",
            )
            .floor(Tier::Risky)
        }
        ("kubectl" | "oc", "config")
            if positionals
                .get(1)
                .is_some_and(|v| v.starts_with("use") || v.starts_with("set")) =>
        {
            Finding::new(
                "kube.config",
                Effect::Write,
                Scope::Machine,
                "Changes which cluster every later kubectl command talks to.",
            )
        }
        (
            "kubectl" | "oc",
            "config" | "version" | "api-resources" | "cluster-info" | "auth" | "port-forward"
            | "proxy",
        ) => remote(
            "kube.read",
            Effect::Read,
            format!("`{program} {first}` only reads."),
        ),
        ("kubectl" | "oc", "drain" | "cordon" | "taint") => remote(
            "kube.node",
            Effect::Write,
            format!("`{program} {first}` takes work off a node."),
        )
        .floor(Tier::Risky),
        ("kustomize", "build" | "cfg") => Finding::new(
            "kube.read",
            Effect::Read,
            Scope::Workspace,
            "Renders manifests locally.",
        ),
        ("kustomize", _) => Finding::new(
            "kube.local",
            Effect::Write,
            Scope::Workspace,
            "Edits manifests in the workspace.",
        ),
        ("helm", "repo" | "dependency" | "dep" | "package" | "create" | "plugin") => Finding::new(
            "kube.local",
            Effect::Write,
            Scope::Workspace,
            format!("`helm {first}` works locally."),
        ),
        _ => match verb.effect {
            Effect::Read => remote(
                "kube.read",
                Effect::Read,
                format!("`{program} {}` only reads.", verb.verb),
            ),
            Effect::Destroy => {
                let after: Vec<&str> = positionals
                    .iter()
                    .skip_while(|p| Some(**p) != verb.verb.rsplit(' ').next())
                    .skip(1)
                    .copied()
                    .collect();
                let target = after.join(" ");
                // `kubectl delete pvc data-0` names `data-0`; `delete pod/api` names `api`;
                // `helm uninstall api` names `api`.
                let resource = match after.as_slice() {
                    [one, ..] if one.contains('/') => one.rsplit('/').next().unwrap_or(one),
                    [_, name, ..] if program != "helm" => name,
                    [one, ..] => one,
                    [] => "",
                };
                remote(
                    "kube.delete",
                    Effect::Destroy,
                    format!(
                        "`{program} {}` deletes {} from the cluster.",
                        verb.verb,
                        if target.is_empty() {
                            "resources"
                        } else {
                            &target
                        }
                    ),
                )
                .resource(resource)
            }
            Effect::Write => remote(
                "kube.change",
                Effect::Write,
                format!("`{program} {}` changes the cluster.", verb.verb),
            ),
        },
    };
    out.push(finding);
}
