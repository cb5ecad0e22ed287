//! The console's risk policy: it, never the agent, decides how risky an action is.
//!
//! An action is read into [`Finding`]s — one per rule that fires: what it does (read, write,
//! destroy), where (workspace, machine, remote), the environment it names and the resource it
//! names — by the shell walker ([`shell`]), the tool knowledge ([`tools`]), the SQL reader
//! ([`sql`]) and the path rules ([`paths`]). [`judge`] then applies the tier table of docs/concepts.md
//! to every finding; the riskiest decides. Nothing here does IO: same action, same assessment.

mod env;
mod facts;
mod finding;
mod mcp;
mod paths;
mod place;
mod shell;
mod sql;
mod tool_calls;
mod tools;
mod user;

use signoff_protocol::{
    Action, ActionKind, Assessment, Confirmation, Environment, FileOp, Reason, SessionInfo, Tier,
};

pub use env::EnvNames;
pub use facts::{Content, Facts, FileText, Files};
pub use finding::{Effect, Finding, Scope};
pub use user::{PolicyError, UserRule, default_file, default_path};

/// Judges actions. Implementations must be pure: no IO, same input, same assessment.
pub trait Policy: Send + 'static {
    fn assess(&self, action: &Action, session: &SessionInfo, facts: &Facts) -> Assessment;
}

pub const POLICY_VERSION: &str = "builtin-3";

/// The label `signoff mcp` puts on a call whose tool definition changed since it was pinned.
pub const MCP_DEFINITION_CHANGED: &str = "signoff.mcp.definition-changed";

/// The file `action` creates where the console saw nothing, as deletes name it: once approved,
/// removing it again is reversible (see [`Facts::created`]).
pub fn created_file(action: &Action, session: &SessionInfo, facts: &Facts) -> Option<String> {
    match &action.kind {
        ActionKind::File(file)
            if file.op == FileOp::Create && facts.new_file && !facts.agent_is_remote =>
        {
            let workspace = Some(session.workspace.as_str()).filter(|w| !w.is_empty());
            Some(paths::describe(&file.path, workspace.unwrap_or("/")).shown)
        }
        _ => None,
    }
}

/// What the built-in rules are told by configuration.
#[derive(Debug, Clone)]
pub struct Context {
    pub names: EnvNames,
    /// Branch names (or `prefix/*` patterns) whose history must never be rewritten.
    pub protected_branches: Vec<String>,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            names: EnvNames::default(),
            protected_branches: [
                "main",
                "master",
                "production",
                "prod",
                "release/*",
                "develop",
                "trunk",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl Context {
    pub fn is_protected_branch(&self, branch: &str) -> bool {
        self.protected_branches
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => branch.starts_with(prefix),
                None => pattern == branch,
            })
    }
}

/// The policy engine: built-in knowledge, configured by a [`Context`], with the user's rules on
/// top.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    pub context: Context,
    pub rules: Vec<UserRule>,
}

impl Policy for Engine {
    fn assess(&self, action: &Action, session: &SessionInfo, facts: &Facts) -> Assessment {
        let assessment = judge(action, self.findings(action, session, facts), facts);
        match self
            .rules
            .iter()
            .find(|rule| rule.matches(action, assessment.environment))
        {
            Some(rule) => apply_rule(rule, action, assessment),
            None => assessment,
        }
    }
}

impl Engine {
    /// The built-in rules with the user's policy file at `path` on top (see [`user`]). A missing
    /// file is only an error when `required`.
    pub fn load(path: &std::path::Path, required: bool) -> Result<Engine, PolicyError> {
        let (context, rules) = user::load(path, required)?;
        Ok(Engine { context, rules })
    }

    /// Every rule that fires for `action`.
    pub fn findings(&self, action: &Action, session: &SessionInfo, facts: &Facts) -> Vec<Finding> {
        let context = &self.context;
        let workspace = if session.workspace.is_empty() {
            "/"
        } else {
            session.workspace.as_str()
        };
        let mut out = Vec::new();
        match &action.kind {
            ActionKind::Shell(command) => {
                let cwd = if command.cwd().is_empty() {
                    workspace
                } else {
                    command.cwd()
                };
                shell::analyze(command, cwd, context, facts, &mut out);
            }
            ActionKind::File(file) => {
                let path = paths::describe(&file.path, workspace);
                if facts.file_untracked && file.op != FileOp::Create {
                    out.push(
                        Finding::new(
                            "file.untracked",
                            Effect::Write,
                            Scope::Workspace,
                            format!(
                                "{} is not tracked by git: nothing can restore it.",
                                path.shown
                            ),
                        )
                        .floor(Tier::Risky),
                    );
                }
                match file.op {
                    FileOp::Delete => out.push(tools::files::delete(&path, "delete")),
                    FileOp::Create => out.push(tools::files::write(&path, "create", "creates")),
                    FileOp::Modify => out.push(tools::files::write(&path, "edit", "changes")),
                    FileOp::Rename => {
                        out.push(tools::files::write(&path, "rename", "moves away"));
                        out.push(tools::files::write(
                            &paths::describe(&file.new_path, workspace),
                            "rename",
                            "writes",
                        ));
                    }
                }
            }
            ActionKind::Sql(statement) => {
                // Where the database is, only its own address says (`postgres://localhost/app`):
                // a bare name places it nowhere, and the declared environment is the workspace's.
                let place = env::host_of(&statement.database)
                    .filter(|_| statement.database.contains("://"))
                    .map(|_| place::of_host(&statement.database, &context.names));
                let scope = match &place {
                    Some(place) if place.site == place::Site::Local => Scope::Workspace,
                    _ => Scope::Remote,
                };
                let named = context.names.of(&statement.database);
                let database = statement
                    .database
                    .rsplit_once("://")
                    .map_or(statement.database.as_str(), |(_, rest)| {
                        rest.rsplit('/').next().unwrap_or(rest)
                    });
                out.extend(
                    tools::databases_sql(&statement.statement, &statement.dialect, scope, database)
                        .into_iter()
                        .map(|mut finding| {
                            finding.place = place.clone();
                            finding.environment(named)
                        }),
                );
            }
            ActionKind::Http(request) => {
                let named = context.names.of(&request.url);
                let mut finding = tools::http(&request.method, &request.url, &request.body_preview)
                    .environment(named);
                finding.place = Some(place::of_host(&request.url, &context.names));
                out.push(finding);
            }
            ActionKind::Infra(operation) => {
                let named = context.names.of(&operation.resource);
                out.push(
                    tools::infra(&operation.provider, &operation.resource, &operation.verb)
                        .environment(named),
                );
            }
            ActionKind::Mcp(call) => {
                mcp::findings(call, workspace, context, facts, &mut out);
                if action.labels.contains_key(MCP_DEFINITION_CHANGED) {
                    out.push(
                        Finding::new(
                            "mcp.definition-changed",
                            Effect::Write,
                            Scope::Remote,
                            format!(
                                "`{} {}` is defined differently from when it was first seen (the \
                                 diff shows how): a person accepts it by approving.",
                                call.server, call.tool
                            ),
                        )
                        .floor(Tier::Risky),
                    );
                }
            }
            ActionKind::Tool(tool) => tool_calls::findings(tool, workspace, context, &mut out),
        }
        for finding in &mut out {
            if let Some(path) = finding.resource.as_ref().filter(|path| {
                matches!(finding.rule, "fs.delete" | "fs.delete-outside")
                    && facts.created.contains(*path)
            }) {
                *finding = Finding::new(
                    "fs.delete-created",
                    Effect::Write,
                    Scope::Workspace,
                    format!(
                        "Deletes {path}, which this agent created in this session: nothing that \
                         was there before is lost."
                    ),
                );
            }
        }
        if out.is_empty() {
            out.push(Finding::new(
                "shell.empty",
                Effect::Read,
                Scope::Workspace,
                "Nothing runs.",
            ));
        }
        out
    }
}

/// The environment a finding lands in. A remote effect lands where its own context places it —
/// no context, or one that names no environment, counts as production — whatever the agent
/// declared, since the declared environment is its workspace's. A local effect lands in the
/// declared environment (unknown: dev), or in the local service its context names. What the
/// action names, and a declared staging or production, only raise.
fn environment_of(declared: Environment, finding: &Finding) -> Environment {
    let declared = Some(declared).filter(|d| *d != Environment::Unknown);
    let placed = finding.place.as_ref().and_then(|place| place.environment);
    let base = match finding.scope {
        Scope::Remote => placed.unwrap_or(Environment::Production),
        _ => env::raise(declared, placed).unwrap_or(Environment::Dev),
    };
    env::raise(env::raise(Some(base), finding.environment), declared).unwrap_or(base)
}

/// Says where the deciding finding's environment came from, in words.
fn environment_reason(
    declared: Environment,
    finding: &Finding,
    landed: Environment,
    facts: &Facts,
) -> Option<Reason> {
    let placed = finding.place.as_ref();
    if finding.scope != Scope::Remote && placed.is_none() {
        return None;
    }
    let raised = finding
        .environment
        .is_some_and(|named| env::rank(named) >= env::rank(landed))
        && placed.and_then(|p| p.environment) != Some(landed);
    Some(match placed {
        _ if raised => Reason::new(
            "env.named",
            format!("{landed} — the action itself names it."),
        ),
        Some(place) if place.environment.is_some() => {
            Reason::new("env.context", format!("{landed} — {}.", place.source))
        }
        Some(place) => Reason::new(
            "env.unknown-remote",
            format!(
                "unknown — counts as production: {}; no rule says which environment that is \
                 (map it under [environments] in policy.toml).",
                place.source
            ),
        ),
        None => {
            let what = finding
                .resource
                .as_deref()
                .map_or("it".to_string(), |r| format!("`{r}`"));
            let mut why = format!(
                "unknown — counts as production: no context establishes where {what} lives"
            );
            if facts.agent_is_remote {
                why.push_str(
                    " (the agent connects over TCP, so the console cannot read its files)",
                );
            }
            why.push('.');
            if matches!(declared, Environment::Dev | Environment::Staging) {
                why.push_str(&format!(
                    " The declared {declared} is the agent's workspace's, not a remote resource's."
                ));
            }
            Reason::new("env.unknown-remote", why)
        }
    })
}

/// The tier table of docs/concepts.md for one finding.
fn tier_of(finding: &Finding, environment: Environment) -> Tier {
    let tier = match finding.effect {
        Effect::Read => Tier::ReadOnly,
        Effect::Write if finding.scope == Scope::Workspace && environment == Environment::Dev => {
            Tier::Reversible
        }
        Effect::Write => Tier::Risky,
        Effect::Destroy if environment == Environment::Production => Tier::Critical,
        Effect::Destroy => Tier::Risky,
    };
    tier.max(finding.floor)
}

/// Turns findings into an assessment: the riskiest finding decides.
pub fn judge(action: &Action, findings: Vec<Finding>, facts: &Facts) -> Assessment {
    let declared = action.target.environment;
    let mut tier = Tier::ReadOnly;
    let mut environment = if declared == Environment::Unknown {
        Environment::Dev
    } else {
        declared
    };
    let mut reasons = Vec::new();
    let mut typed = None;
    let mut deciding = None;
    for finding in &findings {
        let landed = environment_of(declared, finding);
        let finding_tier = tier_of(finding, landed);
        // The riskiest finding decides; among equals, the one that lands furthest, then one
        // whose context says where it lands.
        let tie = finding_tier == tier && landed == environment;
        if deciding.is_none()
            || finding_tier > tier
            || (finding_tier == tier && env::rank(landed) > env::rank(environment))
            || (tie
                && finding.place.is_some()
                && deciding.is_some_and(|d: &Finding| d.place.is_none()))
        {
            environment = landed;
            deciding = Some(finding);
        }
        if finding_tier == Tier::Critical && typed.is_none() {
            typed = finding.resource.clone();
        }
        tier = tier.max(finding_tier);
        let reason = Reason::new(finding.rule, &finding.why);
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    let changes = findings.iter().any(|f| f.effect != Effect::Read);
    let named = findings
        .iter()
        .filter_map(|f| f.environment)
        .max_by_key(|e| env::rank(*e));
    match deciding.and_then(|f| environment_reason(declared, f, environment, facts)) {
        Some(reason) => reasons.push(reason),
        None => {
            if let Some(named) =
                named.filter(|n| env::rank(*n) > env::rank(declared) && *n != Environment::Dev)
            {
                reasons.push(Reason::new(
                    "env.named",
                    format!("{named} — the action itself names it."),
                ));
            }
        }
    }
    if changes
        && tier >= Tier::Risky
        && matches!(declared, Environment::Staging | Environment::Production)
    {
        reasons.push(Reason::new(
            format!("env.{declared}"),
            format!("The agent says this runs in {declared}."),
        ));
    }
    // The agent's claims can raise the tier, never lower it.
    if action.claims_reversible == Some(false) && tier < Tier::Risky {
        tier = Tier::Risky;
        reasons.push(Reason::new(
            "claim.irreversible",
            "The agent itself says this cannot be undone.",
        ));
    }
    if findings.iter().any(|f| f.effect == Effect::Destroy) && action.dry_run.is_empty() {
        tier = tier.max(Tier::Risky);
        reasons.push(Reason::new(
            "dry-run.missing",
            "It destroys something and comes with no dry run.",
        ));
    }
    let confirmation = match tier {
        Tier::ReadOnly | Tier::Reversible => Confirmation::None,
        Tier::Risky => Confirmation::Keystroke,
        Tier::Critical => Confirmation::Typed(typed_text(typed, action, environment)),
    };
    Assessment {
        tier,
        reasons,
        confirmation,
        environment,
        policy_version: POLICY_VERSION.into(),
    }
}

/// A user rule sets the tier, within limits no policy file can lift: it never lowers a critical
/// action, and never lowers anything in production below risky.
fn apply_rule(rule: &UserRule, action: &Action, mut assessment: Assessment) -> Assessment {
    let lowering = rule.tier < assessment.tier;
    if lowering
        && (assessment.tier == Tier::Critical
            || (assessment.environment == Environment::Production && rule.tier < Tier::Risky))
    {
        assessment.reasons.push(Reason::new(
            "policy.not-lowered",
            format!(
                "Your rule `{}` would lower this, but a {} action in {} is never lowered.",
                rule.id, assessment.tier, assessment.environment
            ),
        ));
        return assessment;
    }
    if rule.tier == assessment.tier {
        return assessment;
    }
    assessment.tier = rule.tier;
    assessment
        .reasons
        .push(Reason::new(rule.id.clone(), rule.why.clone()));
    assessment.confirmation = match rule.tier {
        Tier::ReadOnly | Tier::Reversible => Confirmation::None,
        Tier::Risky => Confirmation::Keystroke,
        Tier::Critical => match assessment.confirmation {
            Confirmation::Typed(text) => Confirmation::Typed(text),
            _ => Confirmation::Typed(typed_text(None, action, assessment.environment)),
        },
    };
    assessment
}

/// What the reviewer types: what the action itself names, else the declared resource, else the
/// environment. Never empty, never anything a person could not type.
fn typed_text(named: Option<String>, action: &Action, environment: Environment) -> String {
    let declared = action
        .target
        .resource
        .split_whitespace()
        .last()
        .map(str::to_string);
    let infra = match &action.kind {
        ActionKind::Infra(operation) => operation
            .resource
            .split_whitespace()
            .last()
            .map(str::to_string),
        _ => None,
    };
    [named, declared, infra]
        .into_iter()
        .flatten()
        .map(|text| text.trim().to_string())
        .find(|text| !text.is_empty() && text.len() <= 80 && !text.chars().any(char::is_control))
        .unwrap_or_else(|| environment.to_string())
}

#[cfg(test)]
mod tests;
