//! One test per tool family: the rule that fires and what it names. (Tiers are checked by the
//! case table; these pin the reasons a person reads and the text they type.)

use signoff_protocol::ShellCommand;

use crate::policy::{Context, Effect, Facts, Finding, Scope, shell};

fn found(script: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let command = ShellCommand::Script {
        script: script.into(),
        cwd: "/repo".into(),
    };
    shell::analyze(
        &command,
        "/repo",
        &Context::default(),
        &Facts::default(),
        &mut out,
    );
    out
}

/// The finding for `rule`, which must fire.
fn rule(script: &str, rule: &str) -> Finding {
    let all = found(script);
    all.iter()
        .find(|f| f.rule == rule)
        .cloned()
        .unwrap_or_else(|| panic!("{script}: no {rule} in {all:?}"))
}

#[test]
fn git() {
    assert_eq!(
        rule(
            "git push --force-with-lease origin feature/x",
            "git.force-push"
        )
        .resource
        .as_deref(),
        Some("feature/x")
    );
    assert_eq!(
        rule("git push origin +main", "git.force-push").floor,
        signoff_protocol::Tier::Critical
    );
    assert_eq!(
        rule("git push origin :release/1.0", "git.delete-remote-branch")
            .resource
            .as_deref(),
        Some("release/1.0")
    );
    assert_eq!(
        rule("git -C sub reset --hard HEAD~3", "git.reset-hard").effect,
        Effect::Destroy
    );
    rule("git clean -fdx", "git.clean");
    rule("git checkout -- .", "git.discard");
    rule("git commit --no-verify -m wip", "git.no-verify");
    rule("git config --global user.email x@y", "git.config-global");
    assert_eq!(rule("git log --oneline", "git.read").effect, Effect::Read);
}

#[test]
fn files_and_system() {
    assert_eq!(
        rule("rm -rf /", "fs.destroy-system").resource.as_deref(),
        Some("/")
    );
    assert_eq!(
        rule("dd if=/dev/zero of=/dev/nvme0n1", "fs.destroy-device")
            .resource
            .as_deref(),
        Some("/dev/nvme0n1")
    );
    assert_eq!(
        rule("mkfs.ext4 /dev/sdb1", "fs.format").resource.as_deref(),
        Some("/dev/sdb1")
    );
    rule("rm -rf node_modules dist", "fs.delete-build-output");
    assert_eq!(rule("rm notes.txt", "fs.delete").scope, Scope::Workspace);
    rule("cp .env /tmp/x", "secrets.read");
    rule("chmod -R 777 /etc", "fs.write-outside");
    assert!(rule("kill -9 1", "proc.kill").why.contains("init"));
    rule("systemctl restart nginx", "system.service");
    rule("crontab -r", "system.cron");
}

#[test]
fn cloud_platforms() {
    let delete = rule("fly vol delete vol_123 --yes", "cloud.destroy");
    assert_eq!(
        (delete.resource.as_deref(), delete.scope),
        (Some("vol_123"), Scope::Remote)
    );
    assert_eq!(
        rule("heroku apps:destroy --app shop", "cloud.destroy").scope,
        Scope::Remote
    );
    rule("heroku ps:restart -a shop", "cloud.change");
    rule("gcloud compute instances list", "cloud.read");
    assert_eq!(
        rule("gcloud run deploy api --project=shop-prod", "cloud.change").environment,
        Some(signoff_protocol::Environment::Production)
    );
}

#[test]
fn kubernetes() {
    assert_eq!(
        rule("kubectl delete pvc data-0 -n production", "kube.delete")
            .resource
            .as_deref(),
        Some("data-0")
    );
    assert_eq!(
        rule("kubectl delete deploy/api", "kube.delete")
            .resource
            .as_deref(),
        Some("api")
    );
    assert_eq!(
        rule("helm uninstall api --kube-context prod", "kube.delete")
            .resource
            .as_deref(),
        Some("api")
    );
    rule("kubectl get secret db -o yaml", "secrets.kube");
    rule("kubectl apply -k overlays/prod/", "kube.change");
    rule("kubectl get pods -A", "kube.read");
}

#[test]
fn infrastructure_as_code() {
    assert!(
        rule("terraform apply -auto-approve", "iac.apply")
            .why
            .contains("without asking")
    );
    rule("terraform destroy -target=aws_instance.x", "iac.destroy");
    rule("pulumi up --stack prod", "iac.apply");
    assert_eq!(rule("terraform plan", "iac.read").effect, Effect::Read);
}

#[test]
fn databases() {
    let drop = rule(
        "psql -h prod-db.internal -d shop -c 'DROP TABLE users'",
        "sql.drop",
    );
    assert_eq!(
        (drop.resource.as_deref(), drop.scope),
        (Some("shop"), Scope::Remote)
    );
    assert_eq!(
        rule(
            "psql \"$DATABASE_URL\" -c 'TRUNCATE orders'",
            "sql.truncate"
        )
        .resource
        .as_deref(),
        Some("orders")
    );
    assert_eq!(
        rule("redis-cli -h localhost FLUSHALL", "redis.flush").scope,
        Scope::Workspace
    );
    assert_eq!(
        rule("redis-cli -h cache.prod FLUSHDB", "redis.flush").scope,
        Scope::Remote
    );
    rule(
        "mongosh mongodb://db/app --eval 'db.dropDatabase()'",
        "mongo.drop",
    );
    rule("npx prisma migrate reset --force", "db.reset");
    rule("supabase db reset --linked", "db.reset");
    rule("RAILS_ENV=production bin/rails db:drop", "db.reset");
    assert_eq!(
        rule("sqlite3 app.db .tables", "sql.read").scope,
        Scope::Workspace
    );
}

#[test]
fn http() {
    let graphql = r#"curl -X POST https://backboard.railway.app/graphql/v2 -d '{"query":"mutation { volumeDelete(volumeId: \"vol-1\") }"}'"#;
    assert_eq!(
        rule(graphql, "http.graphql-delete").resource.as_deref(),
        Some("vol-1")
    );
    rule(
        "curl -XDELETE https://api.example.com/v1/users/1",
        "http.delete",
    );
    rule("http PUT api.example.com/items/1 name=x", "http.write");
    rule("wget https://example.com/data.csv", "fs.write");
}

#[test]
fn containers() {
    rule("docker run --privileged -it ubuntu", "docker.privileged");
    rule("docker run -v /:/host alpine", "docker.privileged");
    rule("docker compose down -v", "docker.volume-delete");
    rule("docker system prune -af", "docker.prune");
    assert_eq!(rule("docker ps -a", "docker.read").effect, Effect::Read);
}

#[test]
fn packages_and_agents() {
    rule("npm publish --access public", "package.publish");
    rule("cargo publish", "package.publish");
    rule("npm install -g typescript", "package.global");
    rule("npm run deploy:prod", "package.deploy-script");
    assert_eq!(
        rule("npm ls --depth=0", "package.read").effect,
        Effect::Read
    );
    rule(
        "claude --dangerously-skip-permissions -p 'fix it'",
        "agent.safety-off",
    );
    rule("codex --yolo", "agent.safety-off");
    rule("gemini --approval-mode=yolo", "agent.safety-off");
    rule("gh repo delete acme/site --yes", "gh.delete");
}

#[test]
fn one_liners() {
    assert_eq!(
        rule(
            "python3 -c \"import shutil; shutil.rmtree('/srv/data')\"",
            "fs.delete-outside"
        )
        .resource
        .as_deref(),
        Some("/srv/data")
    );
    rule(
        "node -e \"require('fs').rmSync('/', {recursive: true})\"",
        "fs.destroy-system",
    );
    rule(
        "python -c \"import os; os.system('rm -rf /')\"",
        "fs.destroy-system",
    );
    assert_eq!(
        rule("python3 -c 'print(1 + 1)'", "code.read").effect,
        Effect::Read
    );
    rule("python manage.py flush --noinput", "db.reset");
}
