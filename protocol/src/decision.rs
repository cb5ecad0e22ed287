use std::fmt;
use std::time::SystemTime;

use crate::{ActionDigest, Environment};

/// How risky the console judges an action; ordered from harmless to critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    ReadOnly,
    Reversible,
    Risky,
    Critical,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::ReadOnly => "read_only",
            Tier::Reversible => "reversible",
            Tier::Risky => "risky",
            Tier::Critical => "critical",
        }
    }

    /// Read-only and reversible actions stream through without a person.
    pub fn streams(self) -> bool {
        self <= Tier::Reversible
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a person must do to approve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Nothing: the action streams through.
    None,
    /// One key (y / n).
    Keystroke,
    /// Typing this exact text.
    Typed(String),
}

/// One rule of the console's policy that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable id such as `git.force-push`.
    pub rule_id: String,
    /// One sentence a person understands at a glance.
    pub sentence: String,
}

impl Reason {
    pub fn new(rule_id: impl Into<String>, sentence: impl Into<String>) -> Self {
        Reason {
            rule_id: rule_id.into(),
            sentence: sentence.into(),
        }
    }
}

/// The console's own judgement of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub tier: Tier,
    pub reasons: Vec<Reason>,
    pub confirmation: Confirmation,
    /// The environment the action was judged in (declared, or raised by what it names).
    pub environment: Environment,
    pub policy_version: String,
}

/// The assessment as an agent first hears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    pub assessment: Assessment,
    /// 1-based position in the waiting queue; 0 when the action does not wait.
    pub queue_position: u32,
    pub expires_at: SystemTime,
    pub action_digest: ActionDigest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Approved,
    Denied,
    /// Nobody answered before the deadline: not approved, and not a denial either.
    Expired,
    /// The agent cancelled or disconnected, or the console closed.
    Withdrawn,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::Denied => "denied",
            Verdict::Expired => "expired",
            Verdict::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who or what made a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecidedBy {
    /// People at reviewer screens: who, as the history records it and the screens show it —
    /// [`TERMINAL`], a reviewer's name, or under the two-person rule both names.
    Person(String),
    /// A streaming tier.
    Stream,
    /// A grant made at the console.
    Grant(String),
    /// The console itself: expiry, withdrawal, shutdown. Never an approval.
    Console,
}

/// The reviewer that is the console's own terminal.
pub const TERMINAL: &str = "terminal";

impl DecidedBy {
    /// The kind of decider.
    pub fn as_str(&self) -> &'static str {
        match self {
            DecidedBy::Person(_) => "person",
            DecidedBy::Stream => "stream",
            DecidedBy::Grant(_) => "grant",
            DecidedBy::Console => "console",
        }
    }

    /// Who decided: the people by name, or the kind of decider.
    pub fn who(&self) -> &str {
        match self {
            DecidedBy::Person(who) => who,
            other => other.as_str(),
        }
    }
}

/// The console's answer to a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub decided_by: DecidedBy,
    /// The reviewer's note for the agent, or why the console ended the proposal.
    pub note: String,
    /// The digest of the exact action decided on.
    pub action_digest: ActionDigest,
    pub decided_at: SystemTime,
}

impl Decision {
    pub fn is_approved(&self) -> bool {
        self.verdict == Verdict::Approved
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeStatus {
    Succeeded,
    Failed,
    /// Approved, but the agent did not run it after all.
    NotRun,
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Succeeded => "succeeded",
            OutcomeStatus::Failed => "failed",
            OutcomeStatus::NotRun => "not run",
        }
    }
}

/// What happened after an approved action ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: OutcomeStatus,
    pub exit_code: Option<i32>,
    pub result: String,
}
