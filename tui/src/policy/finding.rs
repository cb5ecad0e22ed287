//! What the policy finds out about an action, before tiers are decided.

use signoff_protocol::{Environment, Tier};

/// What an action does to the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    Read,
    Write,
    Destroy,
}

/// Where the effect lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Files in the workspace, build output, local dev services (localhost).
    Workspace,
    /// Elsewhere on this machine: other directories, system files, processes, the user's home.
    Machine,
    /// A shared or remote system: a cloud, a cluster, a database server, a git remote, an API.
    Remote,
}

/// One rule that fired: what it saw, in one sentence, and what that means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule id such as `git.force-push`: family, dot, what.
    pub rule: &'static str,
    /// One sentence a person understands at a glance.
    pub why: String,
    pub effect: Effect,
    pub scope: Scope,
    /// The least tier this finding alone calls for (reading secrets is risky although it only reads).
    pub floor: Tier,
    /// An environment the action itself names (`--project=production`, `-n prod`): it can only
    /// raise where the finding lands.
    pub environment: Option<Environment>,
    /// Where a remote effect lands, as its own context establishes (see [`crate::policy::place`]).
    pub place: Option<Place>,
    /// The resource the action names (volume id, database, branch, bucket, path), used as the text
    /// a reviewer types to approve a critical action.
    pub resource: Option<String>,
}

impl Finding {
    pub fn new(rule: &'static str, effect: Effect, scope: Scope, why: impl Into<String>) -> Self {
        Finding {
            rule,
            why: why.into(),
            effect,
            scope,
            floor: Tier::ReadOnly,
            environment: None,
            place: None,
            resource: None,
        }
    }

    pub fn floor(mut self, tier: Tier) -> Self {
        self.floor = tier;
        self
    }

    pub fn environment(mut self, environment: Option<Environment>) -> Self {
        self.environment = environment;
        self
    }

    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        let resource = resource.into();
        if !resource.is_empty() {
            self.resource = Some(resource);
        }
        self
    }
}

/// The environment a remote effect lands in, as its context establishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// `None`: the context was read but names no environment signoff knows.
    pub environment: Option<Environment>,
    pub site: Site,
    /// Where it was read, in words: "`railway link` for /home/u/app names environment `production`".
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Remote,
    /// This machine: a local cluster, a database on localhost, the local Docker daemon.
    Local,
}
