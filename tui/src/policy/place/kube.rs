//! Kubernetes: the context kubectl and helm act in — `--context`, else the kubeconfig's
//! current-context (`--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`; merged as kubectl
//! merges them: the first file to set a value wins) — with its cluster, server and namespace.

use serde::Deserialize;

use super::{Ask, Named};
use crate::policy::env::{LOCAL_CLUSTERS, host_of, is_loopback};
use crate::policy::facts::Read;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct KubeConfig {
    current_context: Option<String>,
    contexts: Vec<NamedContext>,
    clusters: Vec<NamedCluster>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct NamedContext {
    name: String,
    context: ContextEntry,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ContextEntry {
    cluster: Option<String>,
    namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct NamedCluster {
    name: String,
    cluster: ClusterEntry,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ClusterEntry {
    server: Option<String>,
}

fn parse(text: &str) -> Option<KubeConfig> {
    serde_saphyr::from_str(text).ok()
}

pub(super) fn named(ask: &Ask) -> Option<Named> {
    let command = ask.command;
    let flag_context = ask.flag(&["--context", "--kube-context"]);
    let files: Vec<String> = match ask.flag(&["--kubeconfig"]) {
        Some((file, _)) => vec![file],
        None => match ask.vars.get("KUBECONFIG") {
            Some(list) => list
                .split(':')
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
            None => vec!["~/.kube/config".into()],
        },
    };
    let mut configs = Vec::new();
    let mut all_read = true;
    for file in &files {
        match ask.read(file) {
            // Parsed once per version of the file, not once per action.
            Read::Text(text) => text.parsed(parse, |config: Option<&KubeConfig>| match config {
                Some(config) => configs.push(config.clone()),
                None => all_read = false,
            }),
            Read::Missing => {}
            Read::Unknown => all_read = false,
        }
    }
    let (context, source) = match flag_context {
        Some(found) => found,
        // Without every file read, which current-context wins is not known.
        None if all_read => {
            let current = configs
                .iter()
                .find_map(|c| c.current_context.clone().filter(|c| !c.is_empty()))?;
            let shown = match files.as_slice() {
                [one] => one.clone(),
                _ => "KUBECONFIG".into(),
            };
            (current, format!("the kubeconfig {shown}"))
        }
        None => return None,
    };
    let entry = configs
        .iter()
        .find_map(|c| c.contexts.iter().find(|n| n.name == context))
        .map(|n| &n.context);
    let cluster = command
        .value(&["--cluster"])
        .map(String::from)
        .or_else(|| entry.and_then(|e| e.cluster.clone()));
    let server = command
        .value(&["-s", "--server"])
        .map(String::from)
        .or_else(|| {
            let cluster = cluster.as_deref()?;
            configs
                .iter()
                .find_map(|c| c.clusters.iter().find(|n| n.name == cluster))
                .and_then(|n| n.cluster.server.clone())
        });
    let namespace = entry.and_then(|e| e.namespace.clone());
    let local = [Some(&context), cluster.as_ref()]
        .into_iter()
        .flatten()
        .any(|name| {
            LOCAL_CLUSTERS
                .iter()
                .any(|pattern| match pattern.strip_suffix('*') {
                    Some(prefix) => name.starts_with(prefix),
                    None => name == pattern,
                })
        })
        || server.as_deref().and_then(host_of).is_some_and(is_loopback);
    let names = vec![
        ("context", context),
        ("cluster", cluster.unwrap_or_default()),
        ("server", server.unwrap_or_default()),
        ("namespace", namespace.unwrap_or_default()),
    ];
    Some(if local {
        Named::local(source, names)
    } else {
        Named::remote(source, names)
    })
}
