//! Building actions the short way: `Action::shell(["cargo", "test"]).env(Environment::Dev)`.

use crate::{
    Action, ActionKind, DryRun, Environment, FileChange, FileOp, HttpRequest, InfraOperation,
    ShellCommand, SqlStatement,
};

impl Action {
    /// A command run exactly as this argv.
    ///
    /// ```
    /// use signoff_protocol::{Action, Environment};
    /// let action = Action::shell(["cargo", "test"]).env(Environment::Dev).rationale("check the fix");
    /// assert_eq!(action.kind.display(), "cargo test");
    /// ```
    pub fn shell<S: Into<String>>(argv: impl IntoIterator<Item = S>) -> Action {
        Action::new(ActionKind::Shell(ShellCommand::Argv {
            argv: argv.into_iter().map(Into::into).collect(),
            cwd: String::new(),
        }))
    }

    /// A script for a shell (pipes, `&&`, redirections and all).
    pub fn script(script: impl Into<String>) -> Action {
        Action::new(ActionKind::Shell(ShellCommand::Script {
            script: script.into(),
            cwd: String::new(),
        }))
    }

    /// Editing a file from `old` to `new` contents; the unified diff is computed here.
    ///
    /// ```
    /// use signoff_protocol::Action;
    /// let action = Action::file_edit("src/lib.rs", "let x = 1;\n", "let x = 2;\n");
    /// assert!(action.dry_run.diff.contains("-let x = 1;") && action.dry_run.diff.contains("+let x = 2;"));
    /// ```
    pub fn file_edit(path: impl Into<String>, old: &str, new: &str) -> Action {
        let path = path.into();
        let diff = unified_diff(&path, old, new);
        file(FileOp::Modify, path, diff)
    }

    /// Writing a whole file (a new one, or replacing one whose contents are not known).
    pub fn file_write(path: impl Into<String>, contents: &str) -> Action {
        let path = path.into();
        let diff = unified_diff(&path, "", contents);
        file(FileOp::Modify, path, diff)
    }

    /// Creating a new file with `contents`.
    pub fn file_create(path: impl Into<String>, contents: &str) -> Action {
        let path = path.into();
        let diff = unified_diff(&path, "", contents);
        file(FileOp::Create, path, diff)
    }

    /// Deleting a file.
    pub fn file_delete(path: impl Into<String>) -> Action {
        file(FileOp::Delete, path.into(), String::new())
    }

    /// An SQL statement (or script) against `database` (a name, never credentials).
    pub fn sql(database: impl Into<String>, statement: impl Into<String>) -> Action {
        Action::new(ActionKind::Sql(SqlStatement {
            statement: statement.into(),
            database: database.into(),
            dialect: String::new(),
        }))
    }

    /// An HTTP request.
    pub fn http(method: impl Into<String>, url: impl Into<String>) -> Action {
        Action::new(ActionKind::Http(HttpRequest {
            method: method.into(),
            url: url.into(),
            body_preview: String::new(),
        }))
    }

    /// A cloud or infrastructure operation: `Action::infra("railway", "volume vol-7f3a", "delete")`.
    pub fn infra(
        provider: impl Into<String>,
        resource: impl Into<String>,
        verb: impl Into<String>,
    ) -> Action {
        Action::new(ActionKind::Infra(InfraOperation {
            provider: provider.into(),
            resource: resource.into(),
            verb: verb.into(),
        }))
    }

    /// The environment the action lands in.
    pub fn env(mut self, environment: Environment) -> Action {
        self.target.environment = environment;
        self
    }

    /// The resource it acts on, as a person would name it.
    pub fn resource(mut self, resource: impl Into<String>) -> Action {
        self.target.resource = resource.into();
        self
    }

    /// One line a reviewer reads first.
    pub fn summary(mut self, summary: impl Into<String>) -> Action {
        self.summary = summary.into();
        self
    }

    /// Why the agent wants to do this.
    pub fn rationale(mut self, rationale: impl Into<String>) -> Action {
        self.rationale = rationale.into();
        self
    }

    /// What a dry run showed: a diff or plan text.
    pub fn dry_run(mut self, plan: impl Into<String>) -> Action {
        self.dry_run = DryRun {
            plan: plan.into(),
            ..self.dry_run
        };
        self
    }

    /// The working directory of a shell command (ignored for other kinds).
    pub fn cwd(mut self, dir: impl Into<String>) -> Action {
        if let ActionKind::Shell(
            ShellCommand::Argv { cwd, .. } | ShellCommand::Script { cwd, .. },
        ) = &mut self.kind
        {
            *cwd = dir.into();
        }
        self
    }
}

fn file(op: FileOp, path: String, diff: String) -> Action {
    let mut action = Action::new(ActionKind::File(FileChange {
        op,
        path,
        new_path: String::new(),
        unified_diff: diff.clone(),
    }));
    action.dry_run.diff = diff;
    action
}

/// A unified diff with three lines of context.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}
