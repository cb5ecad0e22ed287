//! Network tools whose options run commands: rsync, ssh, socat, nc, curl, wget.

use signoff_protocol::Tier;

use super::super::{Command, files};
use super::unreadable;
use crate::policy::finding::{Effect, Finding, Scope};
use crate::policy::paths;

pub(super) fn rsync(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    if let Some(shell) = command.value(&["-e", "--rsh"])
        && !matches!(
            shell.split_whitespace().next(),
            Some("ssh" | "/usr/bin/ssh")
        )
    {
        runs.push(shell.to_string());
    }
    if command.value(&["--rsync-path"]).is_some() {
        out.push(unreadable(
            program,
            "a command given by `--rsync-path` on the other host",
        ));
    }
    false
}

pub(super) fn ssh(command: &Command, _out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    for option in command.values(&["-o"]) {
        let (key, value) = option.split_once(['=', ' ']).unwrap_or((option, ""));
        if matches!(
            key.to_ascii_lowercase().as_str(),
            "proxycommand" | "localcommand" | "knownhostscommand" | "remotecommand"
        ) {
            runs.push(value.trim().to_string());
        }
    }
    if program == "scp"
        && let Some(helper) = command.value(&["-S"])
    {
        runs.push(helper.to_string());
    }
    false
}

pub(super) fn socat(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    let mut any = false;
    for address in command.positionals() {
        let upper = address.to_ascii_uppercase();
        for kind in ["OPEN:", "CREATE:", "CREAT:", "GOPEN:", "FILE:"] {
            if let Some(path) = upper.starts_with(kind).then(|| &address[kind.len()..]) {
                let (path, options) = path.split_once(',').unwrap_or((path, ""));
                let path = paths::describe(path, command.cwd);
                if kind.starts_with("CREAT")
                    || options.contains("creat")
                    || options.contains("append")
                {
                    out.push(files::write(&path, program, "writes"));
                } else {
                    files::read_path(&path, out);
                }
            }
        }
        if let Some(rest) = ["EXEC:", "SYSTEM:"]
            .iter()
            .find_map(|prefix| upper.starts_with(prefix).then(|| &address[prefix.len()..]))
        {
            runs.push(rest.split(',').next().unwrap_or(rest).to_string());
            any = true;
        }
    }
    let network = command.positionals().iter().any(|a| {
        let upper = a.to_ascii_uppercase();
        [
            "TCP", "UDP", "SCTP", "OPENSSL", "SSL", "SOCKS", "PROXY", "IP4", "IP6",
        ]
        .iter()
        .any(|kind| upper.starts_with(kind))
    });
    out.push(if network {
        Finding::new(
            "net.socket",
            Effect::Write,
            Scope::Remote,
            if any {
                "`socat` connects a command to a socket: whoever is on the other end drives it."
                    .to_string()
            } else {
                "`socat` relays a network connection.".to_string()
            },
        )
        .floor(Tier::Risky)
    } else {
        Finding::new(
            "known.read",
            Effect::Read,
            Scope::Workspace,
            "`socat` relays local streams.",
        )
    });
    true
}

pub(super) fn nc(command: &Command, out: &mut Vec<Finding>, runs: &mut Vec<String>) -> bool {
    let program = command.program;
    if let Some(exec) = command.value(&["-e", "-c", "--exec", "--sh-exec"]) {
        runs.push(exec.to_string());
    }
    if command.value(&["--lua-exec"]).is_some() {
        out.push(unreadable(program, "a Lua script"));
    }
    out.push(if command.has_short('z') && runs.is_empty() {
        Finding::new(
            "net.check",
            Effect::Read,
            Scope::Remote,
            format!("`{program} -z` only checks that a port answers."),
        )
    } else {
        Finding::new(
            "net.socket",
            Effect::Write,
            Scope::Remote,
            format!("`{program}` opens a raw network connection."),
        )
        .floor(Tier::Risky)
    });
    true
}

pub(super) fn curl(command: &Command, out: &mut Vec<Finding>, _runs: &mut Vec<String>) -> bool {
    for url in command
        .args
        .iter()
        .filter_map(|a| a.strip_prefix("file://"))
    {
        files::read_path(&paths::describe(url, command.cwd), out);
    }
    false
}

pub(super) fn wget(command: &Command, out: &mut Vec<Finding>, _runs: &mut Vec<String>) -> bool {
    if let Some(list) = command.value(&["-i", "--input-file"]) {
        files::read_path(&paths::describe(list, command.cwd), out);
    }
    false
}
