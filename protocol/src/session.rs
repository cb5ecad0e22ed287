use std::collections::BTreeMap;
use std::fmt;

/// One running agent, as it describes itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionInfo {
    /// "claude-code", "codex", "cursor", "gemini", "sdk", "signoff-run", ...
    pub agent_kind: String,
    /// The name a person recognises the agent by.
    pub agent_name: String,
    pub model: String,
    pub workspace: String,
    pub host: String,
    pub pid: u32,
    pub labels: BTreeMap<String, String>,
}

impl SessionInfo {
    /// The name shown for this agent: its name, else its kind.
    pub fn display_name(&self) -> &str {
        if self.agent_name.is_empty() {
            &self.agent_kind
        } else {
            &self.agent_name
        }
    }
}

/// The console's id for a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub String);

/// The client-chosen id of a proposal, unique within its session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProposalId(pub String);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Ids are short printable strings (UUIDs in practice).
const MAX_ID_LEN: usize = 128;

fn parse_id(value: String, field: &'static str) -> Result<String, crate::InvalidMessage> {
    if value.is_empty() {
        Err(crate::InvalidMessage::Empty(field))
    } else if value.len() > MAX_ID_LEN {
        Err(crate::InvalidMessage::TooLong {
            field,
            len: value.len(),
            max: MAX_ID_LEN,
        })
    } else if value.chars().any(char::is_control) {
        Err(crate::InvalidMessage::ControlCharacter(field))
    } else {
        Ok(value)
    }
}

impl SessionId {
    pub fn parse(value: String) -> Result<Self, crate::InvalidMessage> {
        parse_id(value, "session_id").map(SessionId)
    }
}

impl ProposalId {
    pub fn parse(value: String) -> Result<Self, crate::InvalidMessage> {
        parse_id(value, "proposal_id").map(ProposalId)
    }
}
