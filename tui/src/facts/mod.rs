//! Facts the policy needs but may not look up itself (it does no IO), looked up here: off the
//! async runtime, bounded in time. A fact that cannot be had keeps its default, which never
//! lowers a tier.
//!
//! Two kinds: whether a file an action changes is tracked by git ([`git`]), and the
//! configuration files each CLI reads to decide where it acts (a kubeconfig, `railway link`'s
//! config, `.terraform/environment`…). The policy says which files it wants: it is run once
//! with what is known, asks for what it missed, and is run again once those are read
//! ([`files`], cached by modification time), until it wants nothing more.

mod files;
#[doc(hidden)]
pub mod fixture;
mod git;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use signoff_protocol::variables::Variables;
use signoff_protocol::{Action, ActionKind, FileOp, SessionInfo};

use crate::policy::{Engine, Facts};
pub use files::FileCache;

/// The longest the console looks for the facts of one proposal; what it has not found by then
/// stays unknown.
pub const LIMIT: Duration = Duration::from_millis(1500);

/// A configuration file may lead to another (docker's current context to its endpoint, gcloud's
/// active configuration to its project): this many rounds at most.
const ROUNDS: usize = 4;

/// Looks up facts for one console: the same policy the queue judges with, and one cache.
#[derive(Clone)]
pub struct Lookout {
    policy: Arc<Engine>,
    cache: Arc<FileCache>,
}

impl Lookout {
    pub fn new(policy: Engine) -> Self {
        Lookout {
            policy: Arc::new(policy),
            cache: Arc::new(FileCache::default()),
        }
    }

    /// Facts about `action`, proposed in `session` by an agent running with `variables`. Does
    /// blocking IO: call it off the async runtime ([`Lookout::facts`] does).
    pub fn look_up(
        &self,
        action: &Action,
        session: &SessionInfo,
        variables: Variables,
        agent_is_remote: bool,
    ) -> Facts {
        let (mut facts, wanted) = self.without_io(action, session, variables, agent_is_remote);
        self.fill(action, session, &mut facts, wanted);
        facts
    }

    /// Looks up the facts and assesses `action` as the console would for a local agent running
    /// with `variables` (`signoff explain`).
    pub fn assess(
        &self,
        action: &Action,
        session: &SessionInfo,
        variables: Variables,
    ) -> signoff_protocol::Assessment {
        use crate::policy::Policy;
        let facts = self.look_up(action, session, variables, false);
        self.policy.assess(action, session, &facts)
    }

    /// The facts that need no IO, and the files the policy wants read.
    fn without_io(
        &self,
        action: &Action,
        session: &SessionInfo,
        variables: Variables,
        agent_is_remote: bool,
    ) -> (Facts, Vec<String>) {
        let facts = Facts {
            variables,
            agent_is_remote,
            ..Facts::default()
        };
        let wanted = self.wanted(action, session, &facts);
        (facts, wanted)
    }

    /// Whether anything is left to look up on disk.
    fn needs_io(action: &Action, facts: &Facts, wanted: &[String]) -> bool {
        !wanted.is_empty() || !facts.agent_is_remote && matches!(&action.kind, ActionKind::File(_))
    }

    /// Reads the `wanted` files, and those the policy wants once it has read them, and looks up
    /// whether a changed file is tracked.
    fn fill(&self, action: &Action, session: &SessionInfo, facts: &mut Facts, wanted: Vec<String>) {
        if !Self::needs_io(action, facts, &wanted) {
            return;
        }
        let workspace = Some(session.workspace.as_str()).filter(|w| !w.is_empty());
        facts.file_untracked = !facts.agent_is_remote && file_untracked(action, workspace);
        facts.new_file = !facts.agent_is_remote && creates_new_file(action, workspace);
        let mut wanted = wanted;
        for _ in 0..ROUNDS {
            if wanted.is_empty() {
                break;
            }
            for path in wanted {
                let text = self.cache.read(Path::new(&path));
                facts.files.insert(path, text);
            }
            wanted = self.wanted(action, session, facts);
        }
    }

    /// The files the policy would read to judge `action`, not looked up yet.
    fn wanted(&self, action: &Action, session: &SessionInfo, facts: &Facts) -> Vec<String> {
        if facts.agent_is_remote {
            return Vec::new();
        }
        self.policy.findings(action, session, facts);
        facts.files.wanted()
    }

    /// [`Lookout::look_up`] for the gRPC edge: what needs no IO is found on the spot; the rest on
    /// a blocking thread, within [`LIMIT`]. Past it, the files stay unknown.
    pub async fn facts(
        &self,
        action: &Action,
        session: &SessionInfo,
        variables: Variables,
        agent_is_remote: bool,
    ) -> Facts {
        let (facts, wanted) = self.without_io(action, session, variables, agent_is_remote);
        if !Self::needs_io(action, &facts, &wanted) {
            return facts;
        }
        let unknown = Facts {
            variables: facts.variables.clone(),
            agent_is_remote,
            ..Facts::default()
        };
        let lookout = self.clone();
        let (action, session) = (action.clone(), session.clone());
        let looked_up = tokio::task::spawn_blocking(move || {
            let mut facts = facts;
            lookout.fill(&action, &session, &mut facts, wanted);
            facts
        });
        match tokio::time::timeout(LIMIT, looked_up).await {
            Ok(Ok(facts)) => facts,
            _ => {
                tracing::warn!("looking up facts took longer than {LIMIT:?}; left unknown");
                unknown
            }
        }
    }
}

/// A file action's path exists but git does not track it.
fn file_untracked(action: &Action, workspace: Option<&str>) -> bool {
    match file_path(action, workspace) {
        Some((FileOp::Create, _)) | None => false,
        Some((_, path)) => git::is_untracked(&path),
    }
}

/// A file creation's path is not there yet (not even as a broken link).
fn creates_new_file(action: &Action, workspace: Option<&str>) -> bool {
    match file_path(action, workspace) {
        Some((FileOp::Create, path)) => matches!(
            std::fs::symlink_metadata(path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound
        ),
        _ => false,
    }
}

/// A file action's operation and path. Relative paths are resolved against `workspace` when it
/// is known; without it there is no path.
fn file_path(action: &Action, workspace: Option<&str>) -> Option<(FileOp, std::path::PathBuf)> {
    let ActionKind::File(file) = &action.kind else {
        return None;
    };
    let path = Path::new(&file.path);
    let path = match (path.is_absolute(), workspace) {
        (true, _) => path.to_path_buf(),
        (false, Some(workspace)) => Path::new(workspace).join(path),
        (false, None) => return None,
    };
    Some((file.op, path))
}

#[cfg(test)]
mod tests;
