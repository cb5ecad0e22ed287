//! Wire messages ⇄ domain types.
//!
//! Input from the other side goes through `TryFrom`, which rejects what is invalid and reads every
//! `*_UNSPECIFIED` enum value as the most restrictive choice. Output goes through `From`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::pb::{self, action::Kind, propose_event::Event};
use crate::{
    Action, ActionDigest, ActionKind, Assessed, Assessment, Confirmation, DecidedBy, Decision,
    DryRun, Environment, FileChange, FileOp, HttpRequest, InfraOperation, InvalidMessage,
    McpToolCall, Outcome, OutcomeStatus, Reason, SessionInfo, ShellCommand, SqlStatement, Target,
    Tier, ToolCall, Verdict,
};

/// One message of a `Propose` stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposeEvent {
    Assessed(Assessed),
    Decided(Decision),
}

pub fn to_unix_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

pub fn from_unix_ms(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

// --- enums -------------------------------------------------------------------------------------

fn unknown(field: &'static str, value: i32) -> InvalidMessage {
    InvalidMessage::UnknownEnumValue { field, value }
}

impl Environment {
    /// Unspecified reads as production, the most restrictive choice.
    pub fn try_from_pb(value: i32, field: &'static str) -> Result<Self, InvalidMessage> {
        match pb::Environment::try_from(value).map_err(|_| unknown(field, value))? {
            pb::Environment::Unspecified | pb::Environment::Production => {
                Ok(Environment::Production)
            }
            pb::Environment::Dev => Ok(Environment::Dev),
            pb::Environment::Staging => Ok(Environment::Staging),
            pb::Environment::Unknown => Ok(Environment::Unknown),
        }
    }
}

impl From<Environment> for pb::Environment {
    fn from(environment: Environment) -> Self {
        match environment {
            Environment::Dev => pb::Environment::Dev,
            Environment::Staging => pb::Environment::Staging,
            Environment::Production => pb::Environment::Production,
            Environment::Unknown => pb::Environment::Unknown,
        }
    }
}

impl From<Tier> for pb::Tier {
    fn from(tier: Tier) -> Self {
        match tier {
            Tier::ReadOnly => pb::Tier::ReadOnly,
            Tier::Reversible => pb::Tier::Reversible,
            Tier::Risky => pb::Tier::Risky,
            Tier::Critical => pb::Tier::Critical,
        }
    }
}

impl From<i32> for Tier {
    /// Unspecified and unknown values read as critical.
    fn from(value: i32) -> Self {
        match pb::Tier::try_from(value) {
            Ok(pb::Tier::ReadOnly) => Tier::ReadOnly,
            Ok(pb::Tier::Reversible) => Tier::Reversible,
            Ok(pb::Tier::Risky) => Tier::Risky,
            Ok(pb::Tier::Critical | pb::Tier::Unspecified) | Err(_) => Tier::Critical,
        }
    }
}

// --- session -----------------------------------------------------------------------------------

impl From<pb::SessionInfo> for SessionInfo {
    fn from(info: pb::SessionInfo) -> Self {
        SessionInfo {
            agent_kind: info.agent_kind,
            agent_name: info.agent_name,
            model: info.model,
            workspace: info.workspace,
            host: info.host,
            pid: info.pid,
            labels: info.labels.into_iter().collect(),
        }
    }
}

impl From<SessionInfo> for pb::SessionInfo {
    fn from(info: SessionInfo) -> Self {
        pb::SessionInfo {
            agent_kind: info.agent_kind,
            agent_name: info.agent_name,
            model: info.model,
            workspace: info.workspace,
            host: info.host,
            pid: info.pid,
            labels: info.labels.into_iter().collect(),
        }
    }
}

// --- action ------------------------------------------------------------------------------------

fn non_empty(value: String, field: &'static str) -> Result<String, InvalidMessage> {
    if value.is_empty() {
        Err(InvalidMessage::Empty(field))
    } else {
        Ok(value)
    }
}

impl TryFrom<pb::ShellCommand> for ShellCommand {
    type Error = InvalidMessage;

    fn try_from(shell: pb::ShellCommand) -> Result<Self, Self::Error> {
        match (shell.argv.is_empty(), shell.script.is_empty()) {
            (false, false) => Err(InvalidMessage::ShellArgvAndScript),
            (true, true) => Err(InvalidMessage::ShellEmpty),
            (false, true) => {
                if shell.argv[0].is_empty() {
                    return Err(InvalidMessage::EmptyProgram);
                }
                // An argv is handed to exec as C strings: a NUL would silently cut a word.
                if shell.argv.iter().any(|word| word.contains('\0')) {
                    return Err(InvalidMessage::NulByte("argv"));
                }
                Ok(ShellCommand::Argv {
                    argv: shell.argv,
                    cwd: shell.cwd,
                })
            }
            (true, false) => Ok(ShellCommand::Script {
                script: shell.script,
                cwd: shell.cwd,
            }),
        }
    }
}

impl TryFrom<Kind> for ActionKind {
    type Error = InvalidMessage;

    fn try_from(kind: Kind) -> Result<Self, Self::Error> {
        Ok(match kind {
            Kind::Shell(shell) => ActionKind::Shell(shell.try_into()?),
            Kind::File(file) => {
                // Unspecified reads as delete, the most destructive operation.
                let op =
                    match pb::FileOp::try_from(file.op).map_err(|_| unknown("file.op", file.op))? {
                        pb::FileOp::Unspecified | pb::FileOp::Delete => FileOp::Delete,
                        pb::FileOp::Create => FileOp::Create,
                        pb::FileOp::Modify => FileOp::Modify,
                        pb::FileOp::Rename => FileOp::Rename,
                    };
                if op == FileOp::Rename && file.new_path.is_empty() {
                    return Err(InvalidMessage::RenameWithoutNewPath);
                }
                ActionKind::File(FileChange {
                    op,
                    path: non_empty(file.path, "file.path")?,
                    new_path: file.new_path,
                    unified_diff: file.unified_diff,
                })
            }
            Kind::Sql(sql) => ActionKind::Sql(SqlStatement {
                statement: non_empty(sql.statement, "sql.statement")?,
                database: sql.database,
                dialect: sql.dialect,
            }),
            Kind::Http(http) => ActionKind::Http(HttpRequest {
                method: non_empty(http.method, "http.method")?,
                url: non_empty(http.url, "http.url")?,
                body_preview: http.body_preview,
            }),
            Kind::Infra(infra) => ActionKind::Infra(InfraOperation {
                provider: non_empty(infra.provider, "infra.provider")?,
                resource: non_empty(infra.resource, "infra.resource")?,
                verb: non_empty(infra.verb, "infra.verb")?,
            }),
            Kind::Tool(tool) => ActionKind::Tool(ToolCall {
                tool: non_empty(tool.tool, "tool.tool")?,
                input: tool.input,
            }),
            Kind::Mcp(call) => ActionKind::Mcp(McpToolCall {
                server: call.server,
                tool: non_empty(call.tool, "mcp.tool")?,
                arguments: call.arguments_json,
                description: call.description,
                read_only_hint: call.read_only_hint,
                destructive_hint: call.destructive_hint,
            }),
        })
    }
}

impl TryFrom<pb::Action> for Action {
    type Error = InvalidMessage;

    fn try_from(action: pb::Action) -> Result<Self, Self::Error> {
        let kind = action
            .kind
            .ok_or(InvalidMessage::NoActionKind)?
            .try_into()?;
        let target = match action.target {
            // No target at all says nothing about the environment: the most restrictive reading.
            None => Target {
                environment: Environment::Production,
                resource: String::new(),
            },
            Some(target) => Target {
                environment: Environment::try_from_pb(target.environment, "target.environment")?,
                resource: target.resource,
            },
        };
        let dry_run = action.dry_run.unwrap_or_default();
        Ok(Action {
            kind,
            summary: action.summary,
            target,
            dry_run: DryRun {
                diff: dry_run.diff,
                plan: dry_run.plan,
                counts: dry_run.counts.into_iter().collect(),
            },
            rationale: action.rationale,
            claims_reversible: action.claims_reversible,
            labels: action.labels.into_iter().collect(),
        })
    }
}

impl From<ActionKind> for Kind {
    fn from(kind: ActionKind) -> Self {
        match kind {
            ActionKind::Shell(ShellCommand::Argv { argv, cwd }) => Kind::Shell(pb::ShellCommand {
                argv,
                script: String::new(),
                cwd,
            }),
            ActionKind::Shell(ShellCommand::Script { script, cwd }) => {
                Kind::Shell(pb::ShellCommand {
                    argv: Vec::new(),
                    script,
                    cwd,
                })
            }
            ActionKind::File(file) => Kind::File(pb::FileChange {
                op: match file.op {
                    FileOp::Create => pb::FileOp::Create,
                    FileOp::Modify => pb::FileOp::Modify,
                    FileOp::Delete => pb::FileOp::Delete,
                    FileOp::Rename => pb::FileOp::Rename,
                } as i32,
                path: file.path,
                new_path: file.new_path,
                unified_diff: file.unified_diff,
            }),
            ActionKind::Sql(sql) => Kind::Sql(pb::SqlStatement {
                statement: sql.statement,
                database: sql.database,
                dialect: sql.dialect,
            }),
            ActionKind::Http(http) => Kind::Http(pb::HttpRequest {
                method: http.method,
                url: http.url,
                body_preview: http.body_preview,
            }),
            ActionKind::Infra(infra) => Kind::Infra(pb::InfraOperation {
                provider: infra.provider,
                resource: infra.resource,
                verb: infra.verb,
            }),
            ActionKind::Tool(tool) => Kind::Tool(pb::ToolCall {
                tool: tool.tool,
                input: tool.input,
            }),
            ActionKind::Mcp(call) => Kind::Mcp(pb::McpToolCall {
                server: call.server,
                tool: call.tool,
                arguments_json: call.arguments,
                description: call.description,
                read_only_hint: call.read_only_hint,
                destructive_hint: call.destructive_hint,
            }),
        }
    }
}

impl From<Action> for pb::Action {
    fn from(action: Action) -> Self {
        pb::Action {
            summary: action.summary,
            target: Some(pb::Target {
                environment: pb::Environment::from(action.target.environment) as i32,
                resource: action.target.resource,
            }),
            dry_run: Some(pb::DryRun {
                diff: action.dry_run.diff,
                plan: action.dry_run.plan,
                counts: action.dry_run.counts.into_iter().collect(),
            }),
            rationale: action.rationale,
            claims_reversible: action.claims_reversible,
            labels: action.labels.into_iter().collect(),
            kind: Some(action.kind.into()),
        }
    }
}

// --- assessment and decision -------------------------------------------------------------------

impl From<Assessment> for pb::Assessment {
    fn from(assessment: Assessment) -> Self {
        let (confirmation, typed_text) = match assessment.confirmation {
            Confirmation::None => (pb::Confirmation::None, String::new()),
            Confirmation::Keystroke => (pb::Confirmation::Keystroke, String::new()),
            Confirmation::Typed(text) => (pb::Confirmation::Typed, text),
        };
        pb::Assessment {
            tier: pb::Tier::from(assessment.tier) as i32,
            reasons: assessment
                .reasons
                .into_iter()
                .map(|reason| pb::Reason {
                    rule_id: reason.rule_id,
                    sentence: reason.sentence,
                })
                .collect(),
            confirmation: confirmation as i32,
            typed_text,
            environment: pb::Environment::from(assessment.environment) as i32,
            policy_version: assessment.policy_version,
        }
    }
}

impl From<pb::Assessment> for Assessment {
    /// Never fails: whatever is unspecified or unknown reads as the most restrictive choice.
    fn from(assessment: pb::Assessment) -> Self {
        let confirmation = match pb::Confirmation::try_from(assessment.confirmation) {
            Ok(pb::Confirmation::None) => Confirmation::None,
            Ok(pb::Confirmation::Keystroke) => Confirmation::Keystroke,
            _ => Confirmation::Typed(assessment.typed_text),
        };
        Assessment {
            tier: Tier::from(assessment.tier),
            reasons: assessment
                .reasons
                .into_iter()
                .map(|reason| Reason {
                    rule_id: reason.rule_id,
                    sentence: reason.sentence,
                })
                .collect(),
            confirmation,
            environment: Environment::try_from_pb(assessment.environment, "environment")
                .unwrap_or(Environment::Production),
            policy_version: assessment.policy_version,
        }
    }
}

fn digest_from_hex(text: &str) -> Result<ActionDigest, InvalidMessage> {
    ActionDigest::from_hex(text).ok_or(InvalidMessage::Missing("action_digest (64 hex digits)"))
}

impl From<Decision> for pb::Decision {
    fn from(decision: Decision) -> Self {
        let (decided_by, grant_id, reviewers) = match decision.decided_by {
            DecidedBy::Person(who) => (pb::DecidedBy::Person, String::new(), who),
            DecidedBy::Stream => (pb::DecidedBy::Stream, String::new(), String::new()),
            DecidedBy::Grant(id) => (pb::DecidedBy::Grant, id, String::new()),
            DecidedBy::Console => (pb::DecidedBy::Console, String::new(), String::new()),
        };
        pb::Decision {
            verdict: match decision.verdict {
                Verdict::Approved => pb::Verdict::Approved,
                Verdict::Denied => pb::Verdict::Denied,
                Verdict::Expired => pb::Verdict::Expired,
                Verdict::Withdrawn => pb::Verdict::Withdrawn,
            } as i32,
            decided_by: decided_by as i32,
            note: decision.note,
            action_digest: decision.action_digest.to_hex(),
            grant_id,
            decided_at_unix_ms: to_unix_ms(decision.decided_at),
            reviewers,
        }
    }
}

impl TryFrom<pb::Decision> for Decision {
    type Error = InvalidMessage;

    /// An unspecified or unknown verdict is an error: it is never read as an approval.
    fn try_from(decision: pb::Decision) -> Result<Self, Self::Error> {
        let verdict = match pb::Verdict::try_from(decision.verdict) {
            Ok(pb::Verdict::Approved) => Verdict::Approved,
            Ok(pb::Verdict::Denied) => Verdict::Denied,
            Ok(pb::Verdict::Expired) => Verdict::Expired,
            Ok(pb::Verdict::Withdrawn) => Verdict::Withdrawn,
            Ok(pb::Verdict::Unspecified) => return Err(InvalidMessage::UnspecifiedVerdict),
            Err(_) => return Err(unknown("verdict", decision.verdict)),
        };
        let decided_by = match pb::DecidedBy::try_from(decision.decided_by) {
            Ok(pb::DecidedBy::Person) => DecidedBy::Person(decision.reviewers),
            Ok(pb::DecidedBy::Stream) => DecidedBy::Stream,
            Ok(pb::DecidedBy::Grant) => DecidedBy::Grant(decision.grant_id),
            _ => DecidedBy::Console,
        };
        Ok(Decision {
            verdict,
            decided_by,
            note: decision.note,
            action_digest: digest_from_hex(&decision.action_digest)?,
            decided_at: from_unix_ms(decision.decided_at_unix_ms),
        })
    }
}

impl From<ProposeEvent> for pb::ProposeEvent {
    fn from(event: ProposeEvent) -> Self {
        let event = match event {
            ProposeEvent::Assessed(assessed) => Event::Assessed(pb::Assessed {
                assessment: Some(assessed.assessment.into()),
                queue_position: assessed.queue_position,
                expires_at_unix_ms: to_unix_ms(assessed.expires_at),
                action_digest: assessed.action_digest.to_hex(),
            }),
            ProposeEvent::Decided(decision) => Event::Decision(decision.into()),
        };
        pb::ProposeEvent { event: Some(event) }
    }
}

impl TryFrom<pb::ProposeEvent> for ProposeEvent {
    type Error = InvalidMessage;

    fn try_from(event: pb::ProposeEvent) -> Result<Self, Self::Error> {
        match event.event.ok_or(InvalidMessage::EmptyEvent)? {
            Event::Assessed(assessed) => Ok(ProposeEvent::Assessed(Assessed {
                assessment: assessed
                    .assessment
                    .ok_or(InvalidMessage::Missing("assessed.assessment"))?
                    .into(),
                queue_position: assessed.queue_position,
                expires_at: from_unix_ms(assessed.expires_at_unix_ms),
                action_digest: digest_from_hex(&assessed.action_digest)?,
            })),
            Event::Decision(decision) => Ok(ProposeEvent::Decided(decision.try_into()?)),
        }
    }
}

// --- stored form -------------------------------------------------------------------------------

impl Action {
    /// The action as bytes for storage (its protobuf encoding).
    pub fn to_bytes(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&pb::Action::from(self.clone()))
    }

    /// An action stored with [`Action::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Action, InvalidMessage> {
        let message: pb::Action = prost::Message::decode(bytes)
            .map_err(|_| InvalidMessage::Missing("a decodable action"))?;
        Action::try_from(message)
    }
}

// --- outcome -----------------------------------------------------------------------------------

impl From<Outcome> for pb::Outcome {
    fn from(outcome: Outcome) -> Self {
        pb::Outcome {
            status: match outcome.status {
                OutcomeStatus::Succeeded => pb::OutcomeStatus::Succeeded,
                OutcomeStatus::Failed => pb::OutcomeStatus::Failed,
                OutcomeStatus::NotRun => pb::OutcomeStatus::NotRun,
            } as i32,
            exit_code: outcome.exit_code,
            result: outcome.result,
        }
    }
}

impl TryFrom<pb::Outcome> for Outcome {
    type Error = InvalidMessage;

    fn try_from(outcome: pb::Outcome) -> Result<Self, Self::Error> {
        let status = match pb::OutcomeStatus::try_from(outcome.status) {
            Ok(pb::OutcomeStatus::Succeeded) => OutcomeStatus::Succeeded,
            Ok(pb::OutcomeStatus::NotRun) => OutcomeStatus::NotRun,
            // An outcome that does not say it succeeded is not recorded as a success.
            Ok(pb::OutcomeStatus::Failed | pb::OutcomeStatus::Unspecified) => OutcomeStatus::Failed,
            Err(_) => return Err(unknown("outcome.status", outcome.status)),
        };
        Ok(Outcome {
            status,
            exit_code: outcome.exit_code,
            result: outcome.result,
        })
    }
}

#[cfg(test)]
mod tests;
