use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Where an action lands. An unknown environment of a remote effect counts as production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    Dev,
    Staging,
    Production,
    Unknown,
}

impl Environment {
    pub const ALL: [Environment; 4] = [
        Environment::Dev,
        Environment::Staging,
        Environment::Production,
        Environment::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Dev => "dev",
            Environment::Staging => "staging",
            Environment::Production => "production",
            Environment::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dev" | "development" | "local" => Ok(Environment::Dev),
            "staging" | "stage" => Ok(Environment::Staging),
            "production" | "prod" => Ok(Environment::Production),
            "unknown" => Ok(Environment::Unknown),
            _ => Err(format!(
                "unknown environment `{s}`: use dev, staging, production or unknown"
            )),
        }
    }
}

/// The environment and the resource an action acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub environment: Environment,
    /// As a person would name it: a volume id, a database, a branch, a bucket. May be empty.
    pub resource: String,
}

impl Default for Target {
    fn default() -> Self {
        Target {
            environment: Environment::Unknown,
            resource: String::new(),
        }
    }
}

/// What the action would do, found without doing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    pub diff: String,
    pub plan: String,
    /// Counts such as "rows" or "files" affected.
    pub counts: BTreeMap<String, u64>,
}

impl DryRun {
    pub fn is_empty(&self) -> bool {
        self.diff.is_empty() && self.plan.is_empty() && self.counts.is_empty()
    }
}

/// A shell command: an argv executed exactly as given, or a script for a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellCommand {
    Argv { argv: Vec<String>, cwd: String },
    Script { script: String, cwd: String },
}

impl ShellCommand {
    pub fn cwd(&self) -> &str {
        match self {
            ShellCommand::Argv { cwd, .. } | ShellCommand::Script { cwd, .. } => cwd,
        }
    }

    /// The command as one line a person can read (argv words quoted where needed).
    pub fn display(&self) -> String {
        match self {
            ShellCommand::Script { script, .. } => script.clone(),
            ShellCommand::Argv { argv, .. } => argv
                .iter()
                .map(|word| quote_word(word))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// Quotes a word the way a POSIX shell would need it, so that the displayed line is unambiguous.
fn quote_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    Create,
    Modify,
    Delete,
    Rename,
}

impl FileOp {
    pub fn as_str(self) -> &'static str {
        match self {
            FileOp::Create => "create",
            FileOp::Modify => "modify",
            FileOp::Delete => "delete",
            FileOp::Rename => "rename",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub op: FileOp,
    pub path: String,
    /// The destination of a rename; empty otherwise.
    pub new_path: String,
    pub unified_diff: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement {
    pub statement: String,
    pub database: String,
    pub dialect: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub body_preview: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfraOperation {
    pub provider: String,
    pub resource: String,
    pub verb: String,
}

/// A call to a tool of an MCP server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct McpToolCall {
    /// The server's name as the agent's configuration calls it.
    pub server: String,
    pub tool: String,
    /// The call's arguments, a JSON object as text.
    pub arguments: String,
    /// What the server declares about the tool, when known: claims that can only raise.
    pub description: String,
    pub read_only_hint: Option<bool>,
    pub destructive_hint: Option<bool>,
}

/// A tool signoff has no kind for, named after the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub tool: String,
    pub input: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    Shell(ShellCommand),
    File(FileChange),
    Sql(SqlStatement),
    Http(HttpRequest),
    Infra(InfraOperation),
    Tool(ToolCall),
    Mcp(McpToolCall),
}

impl ActionKind {
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::Shell(_) => "shell",
            ActionKind::File(_) => "file",
            ActionKind::Sql(_) => "sql",
            ActionKind::Http(_) => "http",
            ActionKind::Infra(_) => "infra",
            ActionKind::Tool(_) => "tool",
            ActionKind::Mcp(_) => "mcp",
        }
    }

    /// The operation itself as one line: the command, the statement, the request.
    pub fn display(&self) -> String {
        match self {
            ActionKind::Shell(shell) => shell.display(),
            ActionKind::File(file) if file.op == FileOp::Rename => {
                format!("rename {} → {}", file.path, file.new_path)
            }
            ActionKind::File(file) => format!("{} {}", file.op.as_str(), file.path),
            ActionKind::Sql(sql) => sql.statement.clone(),
            ActionKind::Http(http) => format!("{} {}", http.method, http.url),
            ActionKind::Infra(infra) => {
                format!("{} {} {}", infra.provider, infra.verb, infra.resource)
            }
            ActionKind::Tool(tool) => format!("{} {}", tool.tool, tool.input),
            ActionKind::Mcp(call) => format!("{} {} {}", call.server, call.tool, call.arguments),
        }
    }
}

/// What an agent plans to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// The agent's own one-line description: shown with the rationale, never in place of the
    /// operation (see [`Action::headline`]).
    pub summary: String,
    pub target: Target,
    pub dry_run: DryRun,
    pub rationale: String,
    /// The agent's own claim that the action can be undone; `None` when it claims nothing.
    pub claims_reversible: Option<bool>,
    pub labels: BTreeMap<String, String>,
}

impl Action {
    /// An action of `kind` with nothing else said about it.
    pub fn new(kind: ActionKind) -> Self {
        Action {
            kind,
            summary: String::new(),
            target: Target::default(),
            dry_run: DryRun::default(),
            rationale: String::new(),
            claims_reversible: None,
            labels: BTreeMap::new(),
        }
    }

    /// What a person reads first: the operation itself — the command, the tool and its
    /// arguments, the file — never the agent's description of it.
    pub fn headline(&self) -> String {
        self.kind.display()
    }
}
