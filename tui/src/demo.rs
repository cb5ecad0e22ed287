//! `signoff demo`: the console on a private socket with simulated agents, so a newcomer sees it
//! work at once. Two agents stream everyday work; one asks for a risky staging rollout; and one
//! replays the April 2026 incident — an agent "fixing" a staging credential mismatch by deleting a
//! Railway production volume. Nothing is executed: the agents only propose, and report made-up
//! outcomes.

use std::path::PathBuf;
use std::time::Duration;

use signoff_agent_sdk::{
    Action, ActionKind, Environment, FileChange, FileOp, Gate, InfraOperation, Outcome,
    OutcomeStatus, Session, ShellCommand,
};

const WORKSPACE: &str = "/home/you/src/shop";

/// A private directory for the demo's socket.
pub fn socket_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = std::env::temp_dir().join(format!("signoff-demo-{}", std::process::id()));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    Ok(dir)
}

fn shell(argv: &[&str], environment: Environment) -> Action {
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        cwd: WORKSPACE.into(),
    }));
    action.target.environment = environment;
    action
}

/// Starts the simulated agents against the console at `socket`. They stop when it goes away.
pub fn start(socket: PathBuf) {
    tokio::spawn(everyday(
        socket.clone(),
        "claude-code",
        "claude-opus-4",
        Duration::from_millis(1500),
        CLAUDE,
    ));
    tokio::spawn(everyday(
        socket.clone(),
        "codex",
        "gpt-5-codex",
        Duration::from_millis(2300),
        CODEX,
    ));
    tokio::spawn(staging_rollout(socket.clone()));
    tokio::spawn(incident(socket));
}

const CLAUDE: &[&[&str]] = &[
    &["cargo", "test", "-p", "shop-api"],
    &["git", "status"],
    &["rg", "TODO", "src"],
    &["cargo", "fmt"],
    &["git", "diff", "--stat"],
    &["cargo", "clippy", "--all-targets"],
];
const CODEX: &[&[&str]] = &[
    &["npm", "test"],
    &["ls", "-la", "web/src"],
    &["git", "log", "--oneline", "-5"],
    &["npm", "run", "lint"],
    &["git", "add", "-A"],
];

async fn open(socket: &PathBuf, name: &str, model: &str) -> Option<Session> {
    let gate = Gate::connect_to(socket).await.ok()?;
    gate.session(name)
        .agent_kind(name)
        .model(model)
        .workspace(WORKSPACE)
        .open()
        .await
        .ok()
}

/// Proposes `action`, waits for the decision, and reports a made-up outcome. False once the
/// console is gone.
async fn propose(session: &Session, action: Action, ran: &str) -> bool {
    let Ok(pending) = session.submit(action, None).await else {
        return false;
    };
    let proposal = pending.proposal_id().clone();
    let Ok(decision) = pending.decision().await else {
        return false;
    };
    let outcome = if decision.is_approved() {
        Outcome {
            status: OutcomeStatus::Succeeded,
            exit_code: Some(0),
            result: format!("(demo) {ran}"),
        }
    } else {
        Outcome {
            status: OutcomeStatus::NotRun,
            exit_code: None,
            result: format!("stopped: {}", decision.note),
        }
    };
    if decision.is_approved() {
        let _ = session.report_outcome(&proposal, outcome).await;
    }
    true
}

async fn everyday(
    socket: PathBuf,
    name: &'static str,
    model: &'static str,
    every: Duration,
    work: &'static [&'static [&'static str]],
) {
    let Some(session) = open(&socket, name, model).await else {
        return;
    };
    for (n, argv) in work.iter().cycle().enumerate() {
        tokio::time::sleep(every).await;
        let action = if n % 7 == 6 {
            let mut edit = Action::new(ActionKind::File(FileChange {
                op: FileOp::Modify,
                path: format!("{WORKSPACE}/src/cart.rs"),
                new_path: String::new(),
                unified_diff: "@@ -12,3 +12,4 @@\n fn total(&self) -> Money {\n-    self.items.iter().map(|i| i.price).sum()\n+    let subtotal: Money = self.items.iter().map(|i| i.price * i.quantity).sum();\n+    subtotal - self.discount\n }\n".into(),
            }));
            edit.target.environment = Environment::Dev;
            edit.summary = "Fix the cart total for quantities".into();
            edit
        } else {
            shell(argv, Environment::Dev)
        };
        if !propose(&session, action, "done").await {
            return;
        }
    }
}

async fn staging_rollout(socket: PathBuf) {
    tokio::time::sleep(Duration::from_secs(6)).await;
    let Some(session) = open(&socket, "codex-deploy", "gpt-5-codex").await else {
        return;
    };
    let mut rollout = shell(
        &[
            "kubectl",
            "--context",
            "staging",
            "apply",
            "-f",
            "deploy/api.yaml",
        ],
        Environment::Staging,
    );
    rollout.summary = "Roll out api v2.3.1 to staging".into();
    rollout.rationale =
        "The cart fix passed its tests; staging should get it before Friday's release.".into();
    rollout.dry_run.diff = "--- deploy/api.yaml (live)\n+++ deploy/api.yaml\n@@ spec.template.spec.containers[0] @@\n-  image: registry.example.com/shop/api:2.3.0\n+  image: registry.example.com/shop/api:2.3.1\n   replicas: 3\n".into();
    propose(&session, rollout, "deployment.apps/api configured").await;
}

/// The April 2026 incident, replayed: nine seconds, one API call, a production volume.
async fn incident(socket: PathBuf) {
    tokio::time::sleep(Duration::from_secs(12)).await;
    let Some(session) = open(&socket, "cursor", "auto").await else {
        return;
    };
    let mut delete = Action::new(ActionKind::Infra(InfraOperation {
        provider: "railway".into(),
        resource: "volume prod-data-7f3a".into(),
        verb: "delete".into(),
    }));
    // The agent believes it is working in staging; the volume's name says otherwise.
    delete.target.environment = Environment::Staging;
    delete.target.resource = "prod-data-7f3a".into();
    delete.summary = "Delete volume prod-data-7f3a to fix the staging credential mismatch".into();
    delete.rationale = "The staging deploy fails with a credential mismatch. I found an API token in .env.production that can delete and recreate the volume.".into();
    delete.dry_run.plan = "railway volume delete prod-data-7f3a --yes\n  volume:  prod-data-7f3a (42 GB), service postgres\n  backups: 3, stored in the same volume (deleted with it)".into();
    propose(&session, delete, "nothing was deleted: this is a demo").await;
    // Afterwards, work goes on: a push that waits for a keystroke now and then.
    loop {
        tokio::time::sleep(Duration::from_secs(25)).await;
        let push = shell(
            &["git", "push", "origin", "fix/credentials"],
            Environment::Dev,
        );
        if !propose(&session, push, "pushed").await {
            return;
        }
    }
}
