//! Clouds and infrastructure tools: the AWS profile (and its account), the gcloud project of the
//! active configuration, the Terraform workspace and var files, the Ansible inventory, and the
//! context flags of other cloud CLIs.

use super::{Ask, Named};
use crate::policy::env::{host_of, is_loopback};
use crate::policy::facts::Read;
use crate::policy::tools::cli::CLOUD_PROGRAMS;

/// The value of `key` in `section` of an INI file (AWS, gcloud, Ansible), inline comments cut.
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let ini = ini::Ini::load_from_str(text).ok()?;
    let value = ini.section(Some(section))?.get(key)?;
    let value = value.split(" #").next().unwrap_or(value);
    let value = value.split(" ;").next().unwrap_or(value).trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// AWS: `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, else the default profile; with the
/// account the profile's section names. An endpoint on this machine (LocalStack) is local.
pub(super) fn aws(ask: &Ask) -> Option<Named> {
    if let Some((endpoint, source)) = ask.flag_or_var(&["--endpoint-url"], &["AWS_ENDPOINT_URL"])
        && host_of(&endpoint).is_some_and(is_loopback)
    {
        return Some(Named::local(source, vec![("endpoint", endpoint)]));
    }
    let (profile, source) = ask
        .flag_or_var(&["--profile"], &["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
        .unwrap_or_else(|| ("default".into(), "the default AWS profile".into()));
    let mut names = vec![("profile", profile.clone())];
    let config = ask
        .vars
        .get("AWS_CONFIG_FILE")
        .unwrap_or("~/.aws/config")
        .to_string();
    if let Read::Text(text) = ask.read(&config) {
        let section = if profile == "default" {
            "default".to_string()
        } else {
            format!("profile {profile}")
        };
        let account = ini_value(text, &section, "sso_account_id").or_else(|| {
            // arn:aws:iam::123456789012:role/Name
            ini_value(text, &section, "role_arn")
                .and_then(|arn| arn.split(':').nth(4).map(String::from))
        });
        names.push(("account", account.unwrap_or_default()));
    }
    Some(Named::remote(source, names))
}

/// gcloud: `--project` (bq: `--project_id`), `CLOUDSDK_CORE_PROJECT`, else the project of the
/// active configuration (`--configuration`, `CLOUDSDK_ACTIVE_CONFIG_NAME`, else the one named in
/// `active_config`).
pub(super) fn gcloud(ask: &Ask) -> Option<Named> {
    if let Some((project, source)) = ask.flag_or_var(
        &["--project", "--project_id", "-p"],
        &["CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT"],
    ) {
        return Some(Named::remote(source, vec![("project", project)]));
    }
    let dir = ask
        .vars
        .get("CLOUDSDK_CONFIG")
        .unwrap_or("~/.config/gcloud")
        .trim_end_matches('/')
        .to_string();
    let name = match ask
        .flag(&["--configuration"])
        .map(|(name, _)| name)
        .or_else(|| {
            ask.vars
                .get("CLOUDSDK_ACTIVE_CONFIG_NAME")
                .map(String::from)
        }) {
        Some(name) => name,
        None => match ask.read(&format!("{dir}/active_config")) {
            Read::Text(text) => text.trim().to_string(),
            Read::Missing => "default".into(),
            Read::Unknown => return None,
        },
    };
    let Read::Text(text) = ask.read(&format!("{dir}/configurations/config_{name}")) else {
        return None;
    };
    let project = ini_value(text, "core", "project")?;
    Some(Named::remote(
        format!("the gcloud configuration `{name}`"),
        vec![("project", project)],
    ))
}

/// Terraform and OpenTofu: the workspace (`TF_WORKSPACE`, else the one selected in the
/// directory's `.terraform/environment`, else `default`) and the var files.
pub(super) fn terraform(ask: &Ask) -> Option<Named> {
    let command = ask.command;
    let dir = command
        .args
        .iter()
        .find_map(|arg| arg.strip_prefix("-chdir="))
        .unwrap_or(command.cwd);
    let var_files: Vec<(&str, String)> = command
        .values(&["-var-file", "--var-file"])
        .into_iter()
        .map(|file| ("var file", file.to_string()))
        .collect();
    let (workspace, source) = match ask.var(&["TF_WORKSPACE"]) {
        Some(found) => found,
        None => {
            let data = ask.vars.get("TF_DATA_DIR").unwrap_or(".terraform");
            let file = format!("{}/{data}/environment", dir.trim_end_matches('/'));
            let shown = ask.path(dir).unwrap_or_else(|| dir.to_string());
            match ask.read(&file) {
                Read::Text(text) => (
                    text.trim().to_string(),
                    format!("the Terraform workspace selected in {shown}"),
                ),
                Read::Missing => (
                    "default".into(),
                    format!("the Terraform workspace of {shown} (none selected)"),
                ),
                Read::Unknown if !var_files.is_empty() => {
                    (String::new(), "`-var-file` in the command".into())
                }
                Read::Unknown => return None,
            }
        }
    };
    let mut names = vec![("workspace", workspace)];
    names.extend(var_files);
    Some(Named::remote(source, names))
}

/// Ansible: the inventory (`-i`, `ANSIBLE_INVENTORY`, else `ansible.cfg`'s) and `--limit`.
pub(super) fn ansible(ask: &Ask) -> Option<Named> {
    let limit = ask
        .command
        .value(&["-l", "--limit"])
        .map(|hosts| ("hosts", hosts.to_string()));
    let inventories: Vec<String> = ask
        .command
        .values(&["-i", "--inventory", "--inventory-file"])
        .into_iter()
        .map(String::from)
        .collect();
    let (inventories, source) = if !inventories.is_empty() {
        (inventories, "`--inventory` in the command".to_string())
    } else if let Some((list, var)) = ask.var(&["ANSIBLE_INVENTORY"]) {
        (list.split(',').map(String::from).collect(), var)
    } else {
        let config = ask.vars.get("ANSIBLE_CONFIG").unwrap_or("ansible.cfg");
        let Read::Text(text) = ask.read(config) else {
            return None;
        };
        (
            vec![ini_value(text, "defaults", "inventory")?],
            format!("{config} in {}", ask.command.cwd),
        )
    };
    let local = inventories.iter().all(|inventory| {
        inventory
            .split(',')
            .filter(|h| !h.is_empty())
            .all(is_loopback)
    });
    let mut names: Vec<(&str, String)> =
        inventories.into_iter().map(|i| ("inventory", i)).collect();
    names.extend(limit);
    Some(if local {
        Named::local(source, names)
    } else {
        Named::remote(source, names)
    })
}

/// Other cloud CLIs: the flags that choose a project, account, environment or stage.
pub(super) fn flags(ask: &Ask) -> Option<Named> {
    if !CLOUD_PROGRAMS.contains(&ask.command.program) {
        return None;
    }
    let (value, flag) = ask.flag(&[
        "--project",
        "-P",
        "--env",
        "--environment",
        "-e",
        "--stage",
        "-s",
        "--app",
        "-a",
        "--site",
        "--context",
        "--profile",
        "--account",
        "--subscription",
        "--org",
        "--team",
    ])?;
    Some(Named::remote(flag, vec![("context", value)]))
}
