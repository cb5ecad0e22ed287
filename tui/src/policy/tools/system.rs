//! The machine itself: processes, services, users, firewall, scheduled jobs, package managers.

use signoff_protocol::Tier;

use super::Command;
use crate::policy::finding::{Effect, Finding, Scope};

pub fn classify(command: &Command, out: &mut Vec<Finding>) -> bool {
    let program = command.program;
    let machine = |rule, effect, why: String| Finding::new(rule, effect, Scope::Machine, why);
    let finding = match program {
        "kill" | "pkill" | "killall" | "xkill" => {
            let targets = command.positionals().join(" ");
            let why = if command.positionals().contains(&"1") && program == "kill" {
                "Kills process 1, the init process: it takes the machine or container down."
                    .to_string()
            } else {
                format!("`{program}` stops running processes ({targets}).")
            };
            machine("proc.kill", Effect::Write, why).floor(Tier::Risky)
        }
        // `fuser -k 3000/tcp`, `npx kill-port 3000`: kill whatever holds a file or a port.
        "fuser" if command.has_short('k') => machine(
            "proc.kill",
            Effect::Write,
            format!(
                "`fuser -k` kills every process using {}.",
                command.positionals().join(" ")
            ),
        )
        .floor(Tier::Risky),
        "fuser" => machine(
            "system.read",
            Effect::Read,
            "`fuser` only lists the processes using a file or port.".into(),
        ),
        "kill-port" | "fkill" => machine(
            "proc.kill",
            Effect::Write,
            format!(
                "`{program}` kills whatever holds {}.",
                command.positionals().join(" ")
            ),
        )
        .floor(Tier::Risky),
        "shutdown" | "reboot" | "halt" | "poweroff" => machine(
            "system.power",
            Effect::Write,
            format!("`{program}` takes the machine down."),
        )
        .floor(Tier::Risky),
        "systemctl" | "service" | "launchctl" => {
            let read = command.positionals().first().is_some_and(|v| {
                matches!(
                    *v,
                    "status" | "list-units" | "list" | "show" | "is-active" | "cat"
                )
            }) || command.positionals().get(1).is_some_and(|v| *v == "status");
            if read {
                machine(
                    "system.read",
                    Effect::Read,
                    format!("`{program}` only reads service state."),
                )
            } else {
                machine(
                    "system.service",
                    Effect::Write,
                    format!("`{program}` changes a system service."),
                )
            }
        }
        "crontab" if command.has("-r") => machine(
            "system.cron",
            Effect::Destroy,
            "`crontab -r` deletes every scheduled job.".into(),
        ),
        "crontab" if command.has("-l") => machine(
            "system.read",
            Effect::Read,
            "`crontab -l` only lists.".into(),
        ),
        "crontab" => machine(
            "system.cron",
            Effect::Write,
            "Changes scheduled jobs.".into(),
        ),
        "iptables" | "ip6tables" | "nft" | "ufw" | "firewall-cmd" | "pfctl" => {
            let read = command.has("-L")
                || command.has("--list")
                || command.positionals().first() == Some(&"status");
            if read {
                machine(
                    "system.read",
                    Effect::Read,
                    "Only lists firewall rules.".into(),
                )
            } else {
                machine(
                    "system.firewall",
                    Effect::Write,
                    format!("`{program}` changes the firewall."),
                )
                .floor(Tier::Risky)
            }
        }
        "mount" | "umount" | "useradd" | "userdel" | "usermod" | "groupadd" | "passwd"
        | "chpasswd" | "visudo" | "sysctl" | "modprobe" | "insmod" | "rmmod" | "swapoff"
        | "hostnamectl" | "timedatectl" => machine(
            "system.admin",
            Effect::Write,
            format!("`{program}` changes how the machine is set up."),
        ),
        _ => return false,
    };
    out.push(finding);
    true
}
