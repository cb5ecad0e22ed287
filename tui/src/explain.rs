//! `signoff explain`: the policy without a console, for people and scripts.
//!
//! Actions come as the JSON form below (one per line with `--batch`), or as a command line; each
//! gets its assessment back as one JSON line, or as readable text.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use signoff_protocol::{
    Action, ActionKind, Assessment, Confirmation, Environment, FileChange, FileOp, HttpRequest,
    InfraOperation, McpToolCall, SessionInfo, ShellCommand, SqlStatement, ToolCall,
};

use signoff_protocol::variables::{self, Variables};

use crate::facts::Lookout;

/// An action in its JSON form:
/// `{"kind":"shell","command":"rm -rf build","env":"dev","cwd":"/repo"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ActionSpec {
    #[serde(flatten)]
    pub kind: KindSpec,
    #[serde(default)]
    pub env: Option<String>,
    #[serde(default)]
    pub cwd: Option<String>,
    /// The agent's context variables (`KUBECONFIG`, `AWS_PROFILE`…), over those `signoff
    /// explain` itself runs with.
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum KindSpec {
    Shell {
        command: String,
    },
    Sql {
        statement: String,
        #[serde(default)]
        database: String,
        #[serde(default)]
        dialect: String,
    },
    File {
        op: String,
        path: String,
        #[serde(default)]
        new_path: String,
        #[serde(default)]
        diff: String,
    },
    Http {
        method: String,
        url: String,
        #[serde(default)]
        body: String,
    },
    Infra {
        provider: String,
        resource: String,
        verb: String,
    },
    /// An agent's own tool (`Read`, `WebFetch`, `read_file`…) with its input.
    Tool {
        tool: String,
        #[serde(default)]
        input: serde_json::Value,
    },
    Mcp {
        server: String,
        tool: String,
        #[serde(default)]
        arguments: serde_json::Value,
        #[serde(default)]
        description: String,
        #[serde(default)]
        read_only_hint: Option<bool>,
        #[serde(default)]
        destructive_hint: Option<bool>,
    },
}

impl ActionSpec {
    /// The context variables the action is judged with: `base`, then the spec's own.
    pub fn variables(&self, base: &Variables) -> Variables {
        let mut all = base.clone();
        all.extend(variables::accept(self.vars.clone()));
        all
    }

    /// The action and the session it is judged in (whose workspace is the cwd).
    pub fn into_action(self, default_cwd: &str) -> Result<(Action, SessionInfo), String> {
        let environment: Environment = self.env.as_deref().unwrap_or("unknown").parse()?;
        let cwd = self.cwd.unwrap_or_else(|| default_cwd.to_string());
        let kind = match self.kind {
            KindSpec::Shell { command } if command.trim().is_empty() => {
                return Err("`command` is empty".into());
            }
            KindSpec::Shell { command } => ActionKind::Shell(ShellCommand::Script {
                script: command,
                cwd: cwd.clone(),
            }),
            KindSpec::Sql {
                statement,
                database,
                dialect,
            } => ActionKind::Sql(SqlStatement {
                statement,
                database,
                dialect,
            }),
            KindSpec::File {
                op,
                path,
                new_path,
                diff,
            } => {
                let op = match op.as_str() {
                    "create" => FileOp::Create,
                    "modify" | "edit" | "write" => FileOp::Modify,
                    "delete" => FileOp::Delete,
                    "rename" => FileOp::Rename,
                    other => {
                        return Err(format!(
                            "unknown file op `{other}`: use create, modify, delete or rename"
                        ));
                    }
                };
                ActionKind::File(FileChange {
                    op,
                    path,
                    new_path,
                    unified_diff: diff,
                })
            }
            KindSpec::Http { method, url, body } => ActionKind::Http(HttpRequest {
                method,
                url,
                body_preview: body,
            }),
            KindSpec::Infra {
                provider,
                resource,
                verb,
            } => ActionKind::Infra(InfraOperation {
                provider,
                resource,
                verb,
            }),
            KindSpec::Tool { tool, input } => ActionKind::Tool(ToolCall {
                tool,
                input: input.to_string(),
            }),
            KindSpec::Mcp {
                server,
                tool,
                arguments,
                description,
                read_only_hint,
                destructive_hint,
            } => ActionKind::Mcp(McpToolCall {
                server,
                tool,
                arguments: match arguments {
                    serde_json::Value::Null => "{}".to_string(),
                    arguments => arguments.to_string(),
                },
                description,
                read_only_hint,
                destructive_hint,
            }),
        };
        let mut action = Action::new(kind);
        action.target.environment = environment;
        let session = SessionInfo {
            workspace: cwd,
            ..SessionInfo::default()
        };
        Ok((action, session))
    }
}

/// A row of the policy's case table (`src/policy/cases.toml`): an action in its JSON form and
/// the tier (and typed text) it must get. Shared by the table's test and the benchmark.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    #[serde(flatten)]
    pub action: ActionSpec,
    pub tier: String,
    #[serde(default)]
    pub typed: Option<String>,
    /// The fixture directory (`facts/fixtures/NAME`) whose files the action is judged with.
    #[serde(default)]
    pub context: Option<String>,
    /// Text one of the reasons must contain.
    #[serde(default)]
    pub because: Option<String>,
}

impl Case {
    /// The row with `{root}` (in its command, cwd and variables) made `root`, where its context
    /// fixture was installed (`facts::fixture::install`): the action, the session it is judged
    /// in and the agent's variables. For the tests and the benchmark suite.
    pub fn in_fixture(&self, root: &std::path::Path) -> (Action, SessionInfo, Variables) {
        let root = root.to_string_lossy();
        let mut spec = self.action.clone();
        if let KindSpec::Shell { command } = &mut spec.kind {
            *command = command.replace("{root}", &root);
        }
        spec.cwd = spec.cwd.map(|cwd| cwd.replace("{root}", &root));
        for value in spec.vars.values_mut() {
            *value = value.replace("{root}", &root);
        }
        let variables = spec.variables(&Variables::new());
        let (action, session) = spec.into_action("/").expect("a valid row");
        (action, session, variables)
    }
}

#[derive(Debug, Deserialize)]
pub struct CaseTable {
    pub case: Vec<Case>,
}

/// One assessment in its JSON form.
#[derive(Debug, Serialize)]
pub struct Explained {
    pub tier: &'static str,
    pub confirm: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typed_text: Option<String>,
    pub env: &'static str,
    pub reasons: Vec<ExplainedReason>,
}

#[derive(Debug, Serialize)]
pub struct ExplainedReason {
    pub rule: String,
    pub why: String,
}

impl From<&Assessment> for Explained {
    fn from(assessment: &Assessment) -> Self {
        let (confirm, typed_text) = match &assessment.confirmation {
            Confirmation::None => ("none", None),
            Confirmation::Keystroke => ("keystroke", None),
            Confirmation::Typed(text) => ("typed", Some(text.clone())),
        };
        Explained {
            tier: assessment.tier.as_str(),
            confirm,
            typed_text,
            env: assessment.environment.as_str(),
            reasons: assessment
                .reasons
                .iter()
                .map(|r| ExplainedReason {
                    rule: r.rule_id.clone(),
                    why: r.sentence.clone(),
                })
                .collect(),
        }
    }
}

/// One line of `--batch` output for one line of input; `base`: the context variables every
/// action is judged with (`signoff explain`'s own).
pub fn explain_line(lookout: &Lookout, line: &str, default_cwd: &str, base: &Variables) -> String {
    let result = serde_json::from_str::<ActionSpec>(line)
        .map_err(|e| format!("not a valid action: {e}"))
        .and_then(|spec| {
            let variables = spec.variables(base);
            let (action, session) = spec.into_action(default_cwd)?;
            Ok(Explained::from(
                &lookout.assess(&action, &session, variables),
            ))
        });
    match result {
        Ok(explained) => {
            serde_json::to_string(&explained).unwrap_or_else(|e| error_json(&e.to_string()))
        }
        Err(error) => error_json(&error),
    }
}

fn error_json(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

/// Reads JSON lines from `input` and writes one JSON line per input line, in order. Blank input
/// lines are answered with an error line too, so output line N always answers input line N.
pub fn batch(
    lookout: &Lookout,
    input: impl BufRead,
    mut output: impl Write,
    default_cwd: &str,
    base: &Variables,
) -> std::io::Result<()> {
    for line in input.lines() {
        writeln!(
            output,
            "{}",
            explain_line(lookout, &line?, default_cwd, base)
        )?;
        output.flush()?;
    }
    Ok(())
}

/// The assessment as a person reads it.
pub fn human(action: &Action, assessment: &Assessment) -> String {
    let mut text = format!("{}\n  tier: {}", action.kind.display(), assessment.tier);
    text.push_str(&format!("\n  environment: {}", assessment.environment));
    text.push_str(&match &assessment.confirmation {
        Confirmation::None => "\n  confirmation: none, it streams through".to_string(),
        Confirmation::Keystroke => "\n  confirmation: a person presses y or n".to_string(),
        Confirmation::Typed(typed) => format!("\n  confirmation: a person types `{typed}`"),
    });
    text.push_str("\n  because:");
    for reason in &assessment.reasons {
        text.push_str(&format!("\n    - {} ({})", reason.sentence, reason.rule_id));
    }
    text
}

#[cfg(test)]
mod tests;
