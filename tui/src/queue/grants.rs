//! Grants: "approve this and similar actions in this session for N minutes", given at the console.
//!
//! A grant covers later actions of the same session that are of the same kind, run the same
//! program (or call the same method on the same host, or the same verb of the same provider), in
//! the same environment, at the same tier or lower. It never covers a critical action, and it
//! lapses at its deadline or when revoked.

use std::time::SystemTime;

use signoff_protocol::{
    Action, ActionKind, Assessment, Environment, SessionId, ShellCommand, Tier,
};

use super::Item;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub session: SessionId,
    pub agent: String,
    /// What "similar" means for this grant: kind and program (see the module doc).
    pub kind: &'static str,
    pub program: String,
    pub environment: Environment,
    /// The highest tier covered; never critical.
    pub tier: Tier,
    pub expires_at: SystemTime,
}

impl Grant {
    /// A grant for actions like `item`. `None` for a critical item: those are never granted.
    pub fn like(id: String, item: &Item, expires_at: SystemTime) -> Option<Grant> {
        if item.assessment.tier >= Tier::Critical {
            return None;
        }
        Some(Grant {
            id,
            session: item.key.session.clone(),
            agent: item.agent.clone(),
            kind: item.action.kind.name(),
            program: program_of(&item.action),
            environment: item.assessment.environment,
            tier: item.assessment.tier,
            expires_at,
        })
    }

    pub fn covers(
        &self,
        session: &SessionId,
        action: &Action,
        assessment: &Assessment,
        now: SystemTime,
    ) -> bool {
        now < self.expires_at
            && *session == self.session
            && assessment.tier < Tier::Critical
            && assessment.tier <= self.tier
            && assessment.environment == self.environment
            && action.kind.name() == self.kind
            && program_of(action) == self.program
    }

    /// What the grant covers, in a few words: "`git push` in staging".
    pub fn describe(&self) -> String {
        format!(
            "{} `{}` in {} (up to {})",
            self.kind, self.program, self.environment, self.tier
        )
    }
}

/// What makes two actions "similar": the program a command runs, the method and host of a
/// request, the provider and verb of an operation, the database of a statement.
fn program_of(action: &Action) -> String {
    match &action.kind {
        ActionKind::Shell(ShellCommand::Argv { argv, .. }) => {
            let program = argv.first().map(String::as_str).unwrap_or("");
            let program = program.rsplit('/').next().unwrap_or(program);
            // `git push` and `git status` are not alike: keep the subcommand of multi-tools.
            match argv.get(1).filter(|a| !a.starts_with('-')) {
                Some(sub) => format!("{program} {sub}"),
                None => program.to_string(),
            }
        }
        ActionKind::Shell(ShellCommand::Script { script, .. }) => script
            .split_whitespace()
            .take(2)
            .filter(|w| !w.starts_with('-'))
            .collect::<Vec<_>>()
            .join(" "),
        ActionKind::File(file) => file.op.as_str().to_string(),
        ActionKind::Sql(sql) => format!("sql {}", sql.database),
        ActionKind::Http(http) => {
            let host = http
                .url
                .split("://")
                .nth(1)
                .unwrap_or(&http.url)
                .split('/')
                .next()
                .unwrap_or("");
            format!("{} {host}", http.method.to_ascii_uppercase())
        }
        ActionKind::Infra(infra) => format!("{} {}", infra.provider, infra.verb),
        ActionKind::Tool(tool) => tool.tool.clone(),
        ActionKind::Mcp(call) => format!("{} {}", call.server, call.tool),
    }
}
