//! Where remote effects land, through `signoff hook claude-code --env dev` exactly as the README
//! installs it: the agent's workspace is declared dev, and the console reads the context each
//! CLI would act in from the agent's own files and variables.

use std::path::Path;

use signoff_protocol::{Confirmation, Environment, Tier};
use signoff_tui::queue::DecideError;
use signoff_tui::server::{RemoteOptions, Token};

use crate::hooks::{claude, decision, run_hook};
use crate::support::{TestConsole, approve, approve_typed, within};

const HOOK: &[&str] = &["claude-code", "--env", "dev", "--timeout", "20"];

fn bash(command: &str, cwd: &Path) -> String {
    claude(
        "Bash",
        serde_json::json!({"command": command, "description": "Routine cleanup"}),
        cwd,
    )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A home whose `railway link` for `project` names `environment`.
fn railway_home(home: &Path, project: &Path, environment: &str) {
    write(
        &home.join(".railway/config.json"),
        &serde_json::json!({"projects": {project.to_str().unwrap(): {
            "projectPath": project, "name": "shop", "project": "p-1",
            "environment": "e-1", "environmentName": environment
        }}})
        .to_string(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_incident_through_a_dev_hook_needs_the_volume_named() {
    let mut console = TestConsole::start().await;
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("shop");
    std::fs::create_dir_all(&project).unwrap();
    railway_home(home.path(), &project, "production");
    let home_dir = home.path().to_str().unwrap().to_string();

    let socket = console.socket.clone();
    let payload = bash("railway volume delete vol-7f3a", &project);
    let agent = tokio::spawn(async move {
        run_hook(&socket, HOOK, &payload, &[("HOME", home_dir.as_str())]).await
    });
    let item = console.next_waiting().await;
    let assessment = &item.assessment;
    assert_eq!(assessment.tier, Tier::Critical);
    assert_eq!(assessment.environment, Environment::Production);
    assert_eq!(
        assessment.confirmation,
        Confirmation::Typed("vol-7f3a".into())
    );
    let said: Vec<&str> = assessment
        .reasons
        .iter()
        .map(|r| r.sentence.as_str())
        .collect();
    let expected = format!(
        "production — `railway link` for {} names environment `production`.",
        project.display()
    );
    assert!(said.contains(&expected.as_str()), "{said:?}");

    // One key is not enough; the volume's name is.
    let one_key = console
        .queue()
        .decide(item.key.clone(), signoff_protocol::TERMINAL, approve())
        .await
        .unwrap();
    assert_eq!(one_key, Err(DecideError::ConfirmationMismatch));
    console.decide(&item, approve_typed("vol-7f3a")).await;
    let (answer, code) = within(agent).await.unwrap();
    assert_eq!((decision(&answer).0, code), ("allow", Some(0)));

    // With no link at all, nothing establishes where the volume lives: production, typed.
    let empty = tempfile::tempdir().unwrap();
    let socket = console.socket.clone();
    let payload = bash("railway volume delete vol-7f3a", empty.path());
    let empty_home = empty.path().to_str().unwrap().to_string();
    let agent = tokio::spawn(async move {
        run_hook(&socket, HOOK, &payload, &[("HOME", empty_home.as_str())]).await
    });
    let item = console.next_waiting().await;
    assert_eq!(
        item.assessment.confirmation,
        Confirmation::Typed("vol-7f3a".into())
    );
    assert!(
        item.assessment
            .reasons
            .iter()
            .any(|r| r.sentence.starts_with(
                "unknown — counts as production: no context establishes where `vol-7f3a` lives."
            )),
        "{:?}",
        item.assessment.reasons
    );
    console
        .decide(&item, crate::support::deny("not today"))
        .await;
    let (answer, _) = within(agent).await.unwrap();
    assert_eq!(decision(&answer).0, "deny");
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_acts_in_the_kubeconfigs_current_context_and_a_local_one_stays_low() {
    let mut console = TestConsole::start().await;
    // A kubeconfig whose current context is `prod-eks`, with a local `kind-dev` beside it.
    let dir = tempfile::tempdir().unwrap();
    signoff_tui::facts::fixture::install("kube", dir.path()).unwrap();
    let home_dir = dir.path().join("home").to_str().unwrap().to_string();
    let cwd = dir.path().to_path_buf();

    // Reading under the production context streams through.
    let (answer, _) = run_hook(
        &console.socket,
        HOOK,
        &bash("kubectl get pods", &cwd),
        &[("HOME", home_dir.as_str())],
    )
    .await;
    assert_eq!(decision(&answer).0, "allow");
    let (read, _) = console.next_decided().await;
    assert_eq!(read.assessment.tier, Tier::ReadOnly);
    assert_eq!(read.assessment.environment, Environment::Production);

    // Deleting a namespace there needs its name typed.
    let socket = console.socket.clone();
    let (payload, env_home) = (bash("kubectl delete ns shop", &cwd), home_dir.clone());
    let agent = tokio::spawn(async move {
        run_hook(&socket, HOOK, &payload, &[("HOME", env_home.as_str())]).await
    });
    let item = console.next_waiting().await;
    assert_eq!(item.assessment.tier, Tier::Critical);
    assert_eq!(
        item.assessment.confirmation,
        Confirmation::Typed("shop".into())
    );
    assert!(
        item.assessment.reasons.iter().any(|r| r.sentence
            == "production — the kubeconfig ~/.kube/config names context `prod-eks`."),
        "{:?}",
        item.assessment.reasons
    );
    console
        .decide(&item, crate::support::deny("wrong cluster"))
        .await;
    let (answer, _) = within(agent).await.unwrap();
    assert_eq!(decision(&answer).0, "deny");

    // The same delete of a pod in a local kind cluster: one key, not a typed name.
    let socket = console.socket.clone();
    let payload = bash("kubectl --context kind-dev delete pod api-7d9f", &cwd);
    let agent = tokio::spawn(async move {
        run_hook(&socket, HOOK, &payload, &[("HOME", home_dir.as_str())]).await
    });
    let item = console.next_waiting().await;
    assert_eq!(item.assessment.tier, Tier::Risky);
    assert_eq!(item.assessment.environment, Environment::Dev);
    console.decide(&item, approve()).await;
    let (answer, _) = within(agent).await.unwrap();
    assert_eq!(decision(&answer).0, "allow");
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_agents_files_are_not_read_and_the_person_is_told() {
    let token = Token::generate().unwrap();
    let mut console = TestConsole::start_remote(RemoteOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        token: token.clone(),
        tls: None,
    })
    .await;
    let url = std::path::PathBuf::from(format!("http://{}", console.remote_addr()));
    // Linked to staging on this machine: but the agent is not on this machine.
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("shop");
    std::fs::create_dir_all(&project).unwrap();
    railway_home(home.path(), &project, "staging");
    let home_dir = home.path().to_str().unwrap().to_string();
    let payload = bash("railway volume delete vol-7f3a", &project);
    let agent = tokio::spawn(async move {
        run_hook(
            &url,
            HOOK,
            &payload,
            &[
                ("HOME", home_dir.as_str()),
                ("SIGNOFF_TOKEN", token.as_str()),
            ],
        )
        .await
    });
    let item = console.next_waiting().await;
    assert_eq!(item.assessment.tier, Tier::Critical);
    assert!(
        item.assessment
            .reasons
            .iter()
            .any(|r| r.sentence.contains("the agent connects over TCP")),
        "{:?}",
        item.assessment.reasons
    );
    console.decide(&item, crate::support::deny("")).await;
    within(agent).await.unwrap();
    console.shutdown().await;
}
