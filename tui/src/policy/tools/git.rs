//! git: what rewrites shared history, what throws local work away, what only reads.

use signoff_protocol::Tier;

use super::Command;
use crate::policy::Context;
use crate::policy::finding::{Effect, Finding, Scope};

const READ: &[&str] = &[
    "status",
    "log",
    "diff",
    "show",
    "blame",
    "ls-files",
    "ls-tree",
    "ls-remote",
    "rev-parse",
    "rev-list",
    "describe",
    "shortlog",
    "grep",
    "cat-file",
    "whatchanged",
    "reflog",
    "fetch",
    "help",
    "version",
    "count-objects",
    "check-ignore",
    "name-rev",
    "merge-base",
    "show-ref",
];

/// git's global options that take a value before the subcommand.
const GLOBAL_WITH_VALUE: &[&str] = &["-C", "-c", "--git-dir", "--work-tree", "--namespace"];

pub fn classify(command: &Command, context: &Context, out: &mut Vec<Finding>) {
    let mut args = command.args.iter().map(String::as_str).peekable();
    while let Some(arg) = args.next_if(|a| a.starts_with('-')) {
        if GLOBAL_WITH_VALUE.contains(&arg) {
            args.next();
        }
    }
    let subcommand = args.next().unwrap_or("");
    let rest: Vec<&str> = args.collect();
    let has = |flag: &str| rest.contains(&flag);
    let has_any = |flags: &[&str]| rest.iter().any(|a| flags.contains(a));
    let short = |letter: char| {
        rest.iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a[1..].contains(letter))
    };
    let local = |rule, effect, why: &str| Finding::new(rule, effect, Scope::Workspace, why);

    let finding = match subcommand {
        "push" => return push(&rest, context, out),
        "worktree" if rest.first() == Some(&"list") => {
            local("git.read", Effect::Read, "`git worktree list` only reads.")
        }
        "submodule"
            if rest
                .first()
                .is_none_or(|a| matches!(*a, "status" | "summary")) =>
        {
            local(
                "git.read",
                Effect::Read,
                "`git submodule status` only reads.",
            )
        }
        "clean" if short('n') || has("--dry-run") => local(
            "git.read",
            Effect::Read,
            "`git clean -n` only lists what it would delete.",
        ),
        "reset" if has_any(&["--hard", "--merge", "--keep"]) => local(
            "git.reset-hard",
            Effect::Destroy,
            "`git reset --hard` throws away uncommitted work.",
        ),
        "clean"
            if (short('f') || has("--force"))
                && (short('X') || short('x'))
                && !short('e')
                && pathspecs(&rest)
                    .iter()
                    .all(|p| crate::policy::paths::describe(p, command.cwd).build_output)
                && !pathspecs(&rest).is_empty() =>
        {
            local(
                "fs.delete-build-output",
                Effect::Write,
                format!(
                    "`git clean` deletes untracked files in {}, build output a build recreates.",
                    pathspecs(&rest).join(" ")
                )
                .as_str(),
            )
        }
        "clean" if short('f') || has("--force") => local(
            "git.clean",
            Effect::Destroy,
            "`git clean -f` deletes untracked files for good.",
        ),
        "checkout" | "restore"
            if (subcommand == "checkout"
                && (has("--") || has(".") || short('f') || has("--force")))
                || (subcommand == "restore" && !has("--staged") && !has("-S")) =>
        {
            local(
                "git.discard",
                Effect::Destroy,
                format!("`git {subcommand}` discards uncommitted changes.").as_str(),
            )
        }
        "branch" if has("-D") || (has("--delete") && has("--force")) => local(
            "git.branch-delete",
            Effect::Destroy,
            "`git branch -D` deletes a branch even if it is not merged.",
        ),
        "stash" if rest.first().is_some_and(|a| matches!(*a, "list" | "show")) => {
            local("git.read", Effect::Read, "`git stash list` only reads.")
        }
        "stash" if rest.first().is_some_and(|a| matches!(*a, "drop" | "clear")) => local(
            "git.stash-drop",
            Effect::Destroy,
            "Dropping stashes loses the work saved in them.",
        ),
        "filter-branch" | "filter-repo" => local(
            "git.rewrite-history",
            Effect::Destroy,
            "Rewrites the whole history of the repository.",
        ),
        "update-ref" if short('d') => local(
            "git.ref-delete",
            Effect::Destroy,
            "`git update-ref -d` deletes a ref outright, with no reflog to bring it back.",
        ),
        "tag" if short('d') || has("--delete") => local(
            "git.tag-delete",
            Effect::Destroy,
            "`git tag -d` deletes tags; a deleted annotated tag is gone for good.",
        ),
        "gc" | "prune"
            if rest.iter().any(|a| a.starts_with("--prune")) || subcommand == "prune" =>
        {
            local(
                "git.prune",
                Effect::Destroy,
                "Pruning deletes unreachable commits now: work only the reflog held is lost.",
            )
        }
        "worktree" if rest.first() == Some(&"remove") && (short('f') || has("--force")) => local(
            "git.worktree-remove",
            Effect::Destroy,
            "`git worktree remove --force` deletes a worktree with its uncommitted changes.",
        ),
        "submodule"
            if rest.first() == Some(&"deinit")
                && (short('f') || has("--force") || has("--all")) =>
        {
            local(
                "git.submodule-deinit",
                Effect::Destroy,
                "`git submodule deinit` empties the submodule's work tree, local changes included.",
            )
        }
        "reflog" if rest.first() == Some(&"expire") => local(
            "git.reflog-expire",
            Effect::Destroy,
            "Expiring the reflog removes the way back to lost commits.",
        ),
        "commit" | "merge" | "rebase" | "am" | "cherry-pick" | "revert"
            if has("--no-verify") || (subcommand == "commit" && short('n')) =>
        {
            local(
                "git.no-verify",
                Effect::Write,
                "`--no-verify` skips the repository's safety hooks.",
            )
            .floor(Tier::Risky)
        }
        "config" if has("--global") || has("--system") => Finding::new(
            "git.config-global",
            Effect::Write,
            Scope::Machine,
            "Changes git's configuration for the whole machine.",
        ),
        "config" if has("--get") || has("--list") || has("-l") || rest.len() <= 1 => {
            local("git.read", Effect::Read, "`git config` only reads.")
        }
        "remote"
            if rest
                .first()
                .is_none_or(|a| matches!(*a, "-v" | "show" | "get-url")) =>
        {
            local("git.read", Effect::Read, "`git remote` only reads.")
        }
        "branch" | "tag"
            if rest.iter().all(|a| {
                a.starts_with('-') && !matches!(*a, "-d" | "-m" | "-M" | "-c" | "-C" | "-f")
            }) =>
        {
            local(
                "git.read",
                Effect::Read,
                format!("`git {subcommand}` only lists.").as_str(),
            )
        }
        _ if READ.contains(&subcommand) => local(
            "git.read",
            Effect::Read,
            format!("`git {subcommand}` only reads.").as_str(),
        ),
        _ => local(
            "git.local",
            Effect::Write,
            format!("`git {subcommand}` changes the local repository.").trim_end(),
        ),
    };
    out.push(finding);
}

/// The paths a command is limited to: its words that are not flags.
fn pathspecs<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    rest.iter()
        .copied()
        .skip_while(|a| a.starts_with('-') && *a != "--")
        .filter(|a| *a != "--" && !a.starts_with('-'))
        .collect()
}

/// A refspec's destination branch: `+main` → main, `HEAD:refs/heads/main` → main, `:old` → old.
fn destination(refspec: &str) -> &str {
    let refspec = refspec.trim_start_matches('+');
    let dst = refspec.rsplit_once(':').map_or(refspec, |(_, dst)| dst);
    dst.trim_start_matches("refs/heads/")
}

fn push(rest: &[&str], context: &Context, out: &mut Vec<Finding>) {
    let flags: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|a| a.starts_with('-'))
        .collect();
    let positionals: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    let refspecs = positionals.get(1..).unwrap_or_default();
    let force_flag = flags.iter().any(|f| {
        matches!(*f, "--force" | "--force-if-includes" | "--mirror")
            || f.starts_with("--force-with-lease")
            || (f.starts_with('-') && !f.starts_with("--") && f.contains('f'))
    });
    let delete = flags.iter().any(|f| matches!(*f, "--delete" | "-d"))
        || refspecs.iter().any(|r| r.starts_with(':'));
    let forced: Vec<&str> = refspecs
        .iter()
        .filter(|r| force_flag || r.starts_with('+'))
        .map(|r| destination(r))
        .collect();

    if flags.contains(&"--no-verify") {
        out.push(
            Finding::new(
                "git.no-verify",
                Effect::Write,
                Scope::Remote,
                "`--no-verify` skips the repository's safety hooks.",
            )
            .floor(Tier::Risky),
        );
    }
    if force_flag || !forced.is_empty() || delete {
        // With no refspec, git pushes the current branch, which may well be a protected one.
        let branches: Vec<&str> = if refspecs.is_empty() {
            vec!["HEAD"]
        } else if delete {
            refspecs.iter().map(|r| destination(r)).collect()
        } else {
            forced
        };
        let (rule, verb) = if delete {
            ("git.delete-remote-branch", "Deletes")
        } else {
            ("git.force-push", "Force-pushing rewrites")
        };
        for branch in branches {
            let protected = branch == "HEAD" || context.is_protected_branch(branch);
            let why = if delete {
                format!("{verb} the remote branch `{branch}`.")
            } else {
                format!("{verb} the history of `{branch}` that others may have pulled.")
            };
            let finding = if protected {
                Finding::new(
                    rule,
                    Effect::Destroy,
                    Scope::Remote,
                    format!("{why} It is a protected branch."),
                )
                .floor(Tier::Critical)
                .resource(branch)
            } else {
                Finding::new(rule, Effect::Write, Scope::Remote, why)
                    .floor(Tier::Risky)
                    .resource(branch)
            };
            out.push(finding);
        }
        return;
    }
    out.push(Finding::new(
        "git.push",
        Effect::Write,
        Scope::Remote,
        "Pushes commits to a shared remote.",
    ));
}
