//! Where remote effects land, judged as the console judges them: the policy asks for files, is
//! given them (here from memory; `facts::tests` reads real ones), and assesses again.

use std::collections::BTreeMap;

use signoff_protocol::{
    Action, ActionKind, Assessment, Confirmation, Environment, SessionInfo, ShellCommand, Tier,
};

use crate::policy::{Engine, Facts, FileText, Policy};

const KUBE_PROD: &str = "
apiVersion: v1
kind: Config
current-context: prod-eks
contexts:
- name: prod-eks
  context: {cluster: eks-main, namespace: shop}
- name: kind-dev
  context: {cluster: kind-dev}
clusters:
- name: eks-main
  cluster: {server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com'}
- name: kind-dev
  cluster: {server: 'https://127.0.0.1:41234'}
";

const KUBE_KIND: &str = "
current-context: kind-dev
contexts:
- name: kind-dev
  context: {cluster: kind-dev}
clusters:
- name: kind-dev
  cluster: {server: 'https://127.0.0.1:41234'}
";

struct World {
    files: BTreeMap<String, String>,
    vars: BTreeMap<String, String>,
    remote_agent: bool,
}

fn world() -> World {
    World {
        files: BTreeMap::new(),
        vars: [("HOME", "/home/u")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        remote_agent: false,
    }
}

impl World {
    fn file(mut self, path: &str, text: &str) -> World {
        self.files.insert(path.into(), text.into());
        self
    }

    fn var(mut self, name: &str, value: &str) -> World {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Assesses `script` run in /repo by an agent that declared `declared`, the way the console
    /// does: the files the policy asks for are given (missing when not in the world), until it
    /// asks for nothing more.
    fn assess(&self, script: &str, declared: Environment) -> Assessment {
        let mut action = Action::new(ActionKind::Shell(ShellCommand::Script {
            script: script.into(),
            cwd: "/repo".into(),
        }));
        action.target.environment = declared;
        self.assess_action(&action)
    }

    fn assess_action(&self, action: &Action) -> Assessment {
        let session = SessionInfo {
            workspace: "/repo".into(),
            ..SessionInfo::default()
        };
        let engine = Engine::default();
        let mut facts = Facts {
            variables: self.vars.clone(),
            agent_is_remote: self.remote_agent,
            ..Facts::default()
        };
        for _ in 0..4 {
            engine.findings(action, &session, &facts);
            for path in facts.files.wanted() {
                let text = match self.files.get(&path) {
                    Some(text) => FileText::text(text.as_str()),
                    None => FileText::Missing,
                };
                facts.files.insert(path, text);
            }
        }
        engine.assess(action, &session, &facts)
    }
}

fn env_reason(assessment: &Assessment) -> String {
    assessment
        .reasons
        .iter()
        .find(|r| r.rule_id.starts_with("env."))
        .map(|r| format!("{}: {}", r.rule_id, r.sentence))
        .unwrap_or_default()
}

fn typed(assessment: &Assessment) -> &str {
    match &assessment.confirmation {
        Confirmation::Typed(text) => text,
        _ => "",
    }
}

const RAILWAY: &str = r#"{"projects": {
  "/repo": {"projectPath": "/repo", "name": "shop", "project": "p1", "environment": "e1", "environmentName": "production"},
  "/staging": {"projectPath": "/staging", "name": "shop", "project": "p1", "environment": "e2", "environmentName": "staging"}
}, "user": {"token": "never-read"}}"#;

#[test]
fn the_seed_incident_needs_the_volume_named_whatever_the_agent_declared() {
    for declared in [Environment::Dev, Environment::Staging, Environment::Unknown] {
        // Linked to production: the link says so.
        let linked = world().file("/home/u/.railway/config.json", RAILWAY);
        let assessment = linked.assess("railway volume delete vol-7f3a", declared);
        assert_eq!(assessment.tier, Tier::Critical, "{declared}");
        assert_eq!(typed(&assessment), "vol-7f3a");
        assert_eq!(assessment.environment, Environment::Production);
        assert_eq!(
            env_reason(&assessment),
            "env.context: production — `railway link` for /repo names environment `production`."
        );
        // Not linked at all: nothing establishes where it lives, so production.
        let assessment = world().assess("railway volume delete vol-7f3a", declared);
        assert_eq!(assessment.tier, Tier::Critical, "{declared}");
        let reason = env_reason(&assessment);
        assert!(
            reason.starts_with(
                "env.unknown-remote: unknown — counts as production: no context establishes where `vol-7f3a` lives."
            ),
            "{reason}"
        );
        if declared == Environment::Dev {
            assert!(reason.contains("The declared dev is the agent's workspace's"));
        }
    }
}

#[test]
fn railway_reads_the_nearest_link_and_its_flags_and_variables() {
    let linked = world().file("/home/u/.railway/config.json", RAILWAY);
    // A sub-directory of a linked project uses the project's link.
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Script {
        script: "railway volume delete vol-1".into(),
        cwd: "/staging/services/api".into(),
    }));
    action.target.environment = Environment::Dev;
    let assessment = linked.assess_action(&action);
    assert_eq!(assessment.tier, Tier::Risky);
    assert_eq!(assessment.environment, Environment::Staging);
    // The flag wins over the link, and names production.
    let assessment = linked.assess(
        "railway volume delete vol-1 -e production",
        Environment::Dev,
    );
    assert_eq!(assessment.tier, Tier::Critical);
    // A project token's environment cannot be read.
    let assessment = linked
        .var("RAILWAY_TOKEN", "(set)")
        .assess("railway volume delete vol-1", Environment::Dev);
    assert_eq!(assessment.tier, Tier::Critical);
    assert!(env_reason(&assessment).contains("RAILWAY_TOKEN"));
}

#[test]
fn kubernetes_acts_in_the_current_context_of_the_kubeconfig() {
    let prod = world().file("/home/u/.kube/config", KUBE_PROD);
    let delete = prod.assess("kubectl delete ns shop", Environment::Dev);
    assert_eq!(delete.tier, Tier::Critical);
    assert_eq!(typed(&delete), "shop");
    assert_eq!(
        env_reason(&delete),
        "env.context: production — the kubeconfig ~/.kube/config names context `prod-eks`."
    );
    let get = prod.assess("kubectl get pods", Environment::Dev);
    assert_eq!(get.tier, Tier::ReadOnly);
    assert_eq!(get.environment, Environment::Production);
    // `--context` picks another: a local kind cluster.
    let kind = prod.assess("kubectl --context kind-dev delete pod x", Environment::Dev);
    assert_eq!(kind.tier, Tier::Risky);
    assert_eq!(kind.environment, Environment::Dev);
    // KUBECONFIG, set by the agent, inline, or exported earlier in the script.
    let kind_file = prod.file("/tmp/kind.yaml", KUBE_KIND);
    for (world, script) in [
        (
            &kind_file.clone_with("KUBECONFIG", "/tmp/kind.yaml"),
            "kubectl delete pod x",
        ),
        (&kind_file, "KUBECONFIG=/tmp/kind.yaml kubectl delete pod x"),
        (
            &kind_file,
            "export KUBECONFIG=/tmp/kind.yaml && kubectl delete pod x",
        ),
    ] {
        let assessment = world.assess(script, Environment::Dev);
        assert_eq!(assessment.tier, Tier::Risky, "{script}");
        assert_eq!(assessment.environment, Environment::Dev, "{script}");
    }
    // Applying to a local cluster is work on a local dev service.
    let apply = kind_file
        .clone_with("KUBECONFIG", "/tmp/kind.yaml")
        .assess("kubectl apply -f deploy.yaml", Environment::Dev);
    assert_eq!(apply.tier, Tier::Reversible);
    // No kubeconfig at all: unknown, so production.
    assert_eq!(
        world()
            .assess("kubectl delete ns shop", Environment::Dev)
            .tier,
        Tier::Critical
    );
}

impl World {
    fn clone_with(&self, name: &str, value: &str) -> World {
        World {
            files: self.files.clone(),
            vars: self.vars.clone(),
            remote_agent: self.remote_agent,
        }
        .var(name, value)
    }
}

#[test]
fn terraform_acts_in_the_selected_workspace() {
    let destroy = |world: &World| world.assess("terraform destroy -auto-approve", Environment::Dev);
    let prod = world().file("/repo/.terraform/environment", "prod\n");
    assert_eq!(destroy(&prod).tier, Tier::Critical);
    let staging = world().file("/repo/.terraform/environment", "staging");
    assert_eq!(destroy(&staging).tier, Tier::Risky);
    // `default` names no environment.
    let default = destroy(&world());
    assert_eq!(default.tier, Tier::Critical);
    assert!(env_reason(&default).contains("workspace `default`"));
    assert_eq!(
        destroy(&world().var("TF_WORKSPACE", "dev")).tier,
        Tier::Risky
    );
    // A var file that names production raises a dev workspace.
    let dev = world().file("/repo/.terraform/environment", "dev");
    assert_eq!(
        dev.assess("terraform destroy -var-file=prod.tfvars", Environment::Dev)
            .tier,
        Tier::Critical
    );
}

#[test]
fn databases_are_where_their_host_is() {
    let local_env = world().file(
        "/repo/.env",
        "DATABASE_URL=postgres://app:secret@localhost:5432/app\n",
    );
    let reset = local_env.assess("npx prisma migrate reset --force", Environment::Dev);
    assert_eq!(reset.tier, Tier::Risky);
    assert_eq!(reset.environment, Environment::Dev);
    assert!(!env_reason(&reset).contains("secret"), "{reset:?}");
    let prod_env = world().file(
        "/repo/.env",
        "DATABASE_URL=postgres://u@db.prod.internal/app\n",
    );
    assert_eq!(
        prod_env
            .assess("npx prisma migrate reset --force", Environment::Dev)
            .tier,
        Tier::Critical
    );
    // psql with no server anywhere connects to this machine; PGHOST moves it.
    let drop = "psql -c 'DROP TABLE users'";
    assert_eq!(world().assess(drop, Environment::Dev).tier, Tier::Risky);
    assert_eq!(
        world()
            .var("PGHOST", "db.prod.internal")
            .assess(drop, Environment::Dev)
            .tier,
        Tier::Critical
    );
    // `$DATABASE_URL` is read from the agent's variables.
    let from_var = world()
        .var("DATABASE_URL", "postgres://u@db.prod.internal/app")
        .assess(
            "psql \"$DATABASE_URL\" -c 'DROP TABLE users'",
            Environment::Dev,
        );
    assert_eq!(from_var.tier, Tier::Critical);
    // An agent that sends no variables could have any PGHOST: unknown.
    let silent = World {
        vars: BTreeMap::new(),
        ..world()
    };
    assert_eq!(silent.assess(drop, Environment::Dev).tier, Tier::Critical);
}

#[test]
fn clouds_act_in_their_profile_project_and_context() {
    let aws = world().file(
        "/home/u/.aws/config",
        "[profile shop]\nsso_account_id = 123456789012\n[profile sandbox]\nregion = eu-west-1\n",
    );
    let terminate = "aws ec2 terminate-instances --instance-ids i-1";
    assert_eq!(
        aws.clone_with("AWS_PROFILE", "sandbox")
            .assess(terminate, Environment::Dev)
            .tier,
        Tier::Risky
    );
    let unnamed = aws
        .clone_with("AWS_PROFILE", "shop")
        .assess(terminate, Environment::Dev);
    assert_eq!(unnamed.tier, Tier::Critical);
    assert!(
        env_reason(&unnamed).contains("account `123456789012`"),
        "{unnamed:?}"
    );
    // LocalStack on this machine.
    assert_eq!(
        world()
            .assess(
                "aws --endpoint-url http://localhost:4566 s3 rb s3://x --force",
                Environment::Dev
            )
            .tier,
        Tier::Risky
    );
    let gcloud = world()
        .file("/home/u/.config/gcloud/active_config", "work\n")
        .file(
            "/home/u/.config/gcloud/configurations/config_work",
            "[core]\nproject = shop-prod-123\naccount = me@shop.com\n",
        );
    let delete = gcloud.assess("gcloud sql instances delete main", Environment::Dev);
    assert_eq!(delete.tier, Tier::Critical);
    assert!(env_reason(&delete).contains("gcloud configuration `work`"));
    assert_eq!(
        gcloud
            .assess(
                "gcloud sql instances delete main --project shop-staging",
                Environment::Dev
            )
            .tier,
        Tier::Risky
    );
}

#[test]
fn docker_on_another_host_acts_there() {
    let meta_dir = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(b"prod-box"))
    };
    let remote = world()
        .file(
            "/home/u/.docker/config.json",
            r#"{"currentContext": "prod-box"}"#,
        )
        .file(
            &format!("/home/u/.docker/contexts/meta/{meta_dir}/meta.json"),
            r#"{"Name": "prod-box", "Endpoints": {"docker": {"Host": "ssh://deploy@prod-box"}}}"#,
        );
    let assessment = remote.assess("docker volume rm pgdata", Environment::Dev);
    assert_eq!(assessment.tier, Tier::Critical);
    assert_eq!(assessment.environment, Environment::Production);
    // This machine's daemon: risky, as before, and never critical.
    let local = world().assess("docker volume rm pgdata", Environment::Dev);
    assert_eq!(local.tier, Tier::Risky);
    assert_eq!(
        world()
            .var("DOCKER_HOST", "ssh://deploy@staging-1")
            .assess("docker volume rm pgdata", Environment::Dev)
            .environment,
        Environment::Staging
    );
}

#[test]
fn targets_and_scripts_that_name_an_environment_act_there() {
    for (script, tier) in [
        ("make deploy-prod", Tier::Risky),
        ("./scripts/deploy.sh production", Tier::Risky),
        ("cap production deploy", Tier::Risky),
        ("npm run migrate:staging", Tier::Risky),
        ("make destroy-prod", Tier::Critical),
        // A build mode is not a place.
        ("npm run build:prod", Tier::Reversible),
        ("make test", Tier::Reversible),
    ] {
        let assessment = world().assess(script, Environment::Dev);
        assert_eq!(assessment.tier, tier, "{script}: {assessment:?}");
    }
    let deploy = world().assess("make deploy-prod", Environment::Dev);
    assert_eq!(deploy.environment, Environment::Production);
    assert_eq!(
        env_reason(&deploy),
        "env.context: production — the target `deploy-prod`."
    );
}

#[test]
fn hosts_name_where_commands_and_requests_go() {
    assert_eq!(
        world()
            .assess("ssh dev-box 'rm -rf /srv/cache'", Environment::Dev)
            .tier,
        Tier::Risky
    );
    assert_eq!(
        world()
            .assess("ssh prod-web-1 'rm -rf /srv/cache'", Environment::Dev)
            .tier,
        Tier::Critical
    );
    assert_eq!(
        world()
            .assess(
                "curl -X DELETE https://api.staging.example.com/v1/users/1",
                Environment::Dev
            )
            .tier,
        Tier::Risky
    );
    assert_eq!(
        world()
            .assess(
                "curl -X DELETE http://localhost:3000/users/1",
                Environment::Dev
            )
            .environment,
        Environment::Dev
    );
}

#[test]
fn a_remote_agents_files_are_not_read_and_the_reason_says_so() {
    let linked = World {
        remote_agent: true,
        ..world().file("/home/u/.railway/config.json", RAILWAY)
    };
    let assessment = linked.assess("railway volume delete vol-7f3a", Environment::Dev);
    assert_eq!(assessment.tier, Tier::Critical);
    assert!(
        env_reason(&assessment).contains("the agent connects over TCP"),
        "{assessment:?}"
    );
    // What the command itself says still counts.
    let flagged = linked.assess(
        "railway volume delete vol-7f3a --environment staging",
        Environment::Dev,
    );
    assert_eq!(flagged.tier, Tier::Risky);
}
