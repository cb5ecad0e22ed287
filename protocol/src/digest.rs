//! The action digest: SHA-256 over a canonical encoding of everything an action says.
//!
//! A decision names the digest of the action it decided on, so an approval cannot be carried over
//! to a different action (docs/concepts.md invariant 5). The encoding is our own rather than protobuf's,
//! because protobuf's bytes are not canonical (field order and map order may vary between
//! encoders). Every field is written in a fixed order as a length-prefixed byte string; absent
//! optional values and each enum get their own marker, so no two different actions encode alike.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::{Action, ActionKind, Environment, FileOp, ShellCommand};

/// SHA-256 of an action's canonical encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionDigest(pub [u8; 32]);

impl ActionDigest {
    pub fn of(action: &Action) -> Self {
        let mut canon = Canonical(Sha256::new());
        canon.str("signoff.v1.action");
        encode_kind(&mut canon, &action.kind);
        canon.str(&action.summary);
        canon.str(environment_tag(action.target.environment));
        canon.str(&action.target.resource);
        canon.str(&action.dry_run.diff);
        canon.str(&action.dry_run.plan);
        canon.map(
            action
                .dry_run
                .counts
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_string())),
        );
        canon.str(&action.rationale);
        canon.str(match action.claims_reversible {
            None => "claim:none",
            Some(true) => "claim:reversible",
            Some(false) => "claim:irreversible",
        });
        canon.map(action.labels.iter().map(|(k, v)| (k.as_str(), v.clone())));
        ActionDigest(canon.0.finalize().into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(ActionDigest(bytes))
    }

    /// The first 12 hex digits, for display.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_string()
    }
}

impl fmt::Debug for ActionDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActionDigest({})", self.to_hex())
    }
}

impl fmt::Display for ActionDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

fn encode_kind(canon: &mut Canonical, kind: &ActionKind) {
    canon.str(kind.name());
    match kind {
        ActionKind::Shell(ShellCommand::Argv { argv, cwd }) => {
            canon.str("argv");
            canon.list(argv);
            canon.str(cwd);
        }
        ActionKind::Shell(ShellCommand::Script { script, cwd }) => {
            canon.str("script");
            canon.str(script);
            canon.str(cwd);
        }
        ActionKind::File(file) => {
            canon.str(match file.op {
                FileOp::Create => "create",
                FileOp::Modify => "modify",
                FileOp::Delete => "delete",
                FileOp::Rename => "rename",
            });
            canon.str(&file.path);
            canon.str(&file.new_path);
            canon.str(&file.unified_diff);
        }
        ActionKind::Sql(sql) => {
            canon.str(&sql.statement);
            canon.str(&sql.database);
            canon.str(&sql.dialect);
        }
        ActionKind::Http(http) => {
            canon.str(&http.method);
            canon.str(&http.url);
            canon.str(&http.body_preview);
        }
        ActionKind::Infra(infra) => {
            canon.str(&infra.provider);
            canon.str(&infra.resource);
            canon.str(&infra.verb);
        }
        ActionKind::Tool(tool) => {
            canon.str(&tool.tool);
            canon.str(&tool.input);
        }
        ActionKind::Mcp(call) => {
            canon.str(&call.server);
            canon.str(&call.tool);
            canon.str(&call.arguments);
            canon.str(&call.description);
            for hint in [call.read_only_hint, call.destructive_hint] {
                canon.str(match hint {
                    None => "",
                    Some(true) => "true",
                    Some(false) => "false",
                });
            }
        }
    }
}

fn environment_tag(environment: Environment) -> &'static str {
    match environment {
        Environment::Dev => "env:dev",
        Environment::Staging => "env:staging",
        Environment::Production => "env:production",
        Environment::Unknown => "env:unknown",
    }
}

/// Writes length-prefixed fields into the hash.
struct Canonical(Sha256);

impl Canonical {
    fn str(&mut self, value: &str) {
        self.0.update((value.len() as u64).to_be_bytes());
        self.0.update(value.as_bytes());
    }

    fn list(&mut self, values: &[String]) {
        self.0.update((values.len() as u64).to_be_bytes());
        for value in values {
            self.str(value);
        }
    }

    /// Maps are written in key order (the domain keeps them in `BTreeMap`s).
    fn map<'a>(&mut self, entries: impl ExactSizeIterator<Item = (&'a str, String)>) {
        self.0.update((entries.len() as u64).to_be_bytes());
        for (key, value) in entries {
            self.str(key);
            self.str(&value);
        }
    }
}

#[cfg(test)]
mod tests;
