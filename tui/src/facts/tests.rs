use std::process::Command;

use signoff_protocol::FileChange;

use super::*;

fn edit(path: &str, op: FileOp) -> Action {
    Action::new(ActionKind::File(FileChange {
        op,
        path: path.into(),
        new_path: String::new(),
        unified_diff: String::new(),
    }))
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn untracked_and_ignored_files_are_found_tracked_and_new_ones_are_not() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    git(root, &["init", "-q"]);
    std::fs::write(root.join("tracked.rs"), "fn main() {}").unwrap();
    std::fs::write(root.join("scratch.txt"), "notes").unwrap();
    std::fs::write(root.join(".gitignore"), "secret.log\n").unwrap();
    std::fs::write(root.join("secret.log"), "x").unwrap();
    git(root, &["add", "tracked.rs", ".gitignore"]);
    let workspace = root.to_str();

    let untracked = |path: &str, op| file_untracked(&edit(path, op), workspace);
    assert!(!untracked("tracked.rs", FileOp::Modify));
    assert!(untracked("scratch.txt", FileOp::Modify));
    assert!(untracked("secret.log", FileOp::Delete), "ignored");
    assert!(!untracked("new.rs", FileOp::Modify), "does not exist");
    assert!(
        !untracked("scratch.txt", FileOp::Create),
        "creating is not overwriting"
    );
    let absolute = root.join("scratch.txt");
    assert!(file_untracked(
        &edit(absolute.to_str().unwrap(), FileOp::Modify),
        None
    ));
    assert!(
        !file_untracked(&edit("scratch.txt", FileOp::Modify), None),
        "relative, no workspace"
    );
}

#[test]
fn outside_a_repository_nothing_is_claimed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "x").unwrap();
    assert!(!file_untracked(
        &edit("a.txt", FileOp::Modify),
        dir.path().to_str()
    ));
}

/// Copies `facts/fixtures/NAME` into `root`, each `dot-X` named `.X` and `{root}` made `root`.
fn copy_fixture(name: &str, root: &Path) {
    fn copy(from: &Path, to: &Path, root: &str) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let target = to.join(match file_name.strip_prefix("dot-") {
                Some(rest) => format!(".{rest}"),
                None => file_name,
            });
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target, root);
            } else {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                std::fs::write(target, text.replace("{root}", root)).unwrap();
            }
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/facts/fixtures");
    copy(&fixtures.join(name), root, root.to_str().unwrap());
}

#[test]
fn the_case_table_with_contexts() {
    use crate::explain::CaseTable;
    use crate::policy::Engine;

    let table: CaseTable =
        toml::from_str(include_str!("../policy/cases.toml")).expect("cases.toml parses");
    let lookout = Lookout::new(Engine::default());
    let temp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in table.case {
        let Some(context) = &case.context else {
            continue;
        };
        count += 1;
        let root = temp.path().join(context);
        if !root.exists() {
            copy_fixture(context, &root);
        }
        let root = root.to_str().unwrap();
        let json = serde_json::to_string(&serde_json::json!({
            "kind": "shell",
            "command": match &case.action.kind {
                crate::explain::KindSpec::Shell { command } => command.replace("{root}", root),
                other => panic!("context rows are shell commands: {other:?}"),
            },
            "env": case.action.env,
            "cwd": case.action.cwd.as_deref().map(|c| c.replace("{root}", root)),
            "vars": case.action.vars.iter().map(|(k, v)| (k.clone(), v.replace("{root}", root))).collect::<std::collections::BTreeMap<_, _>>(),
        }))
        .unwrap();
        let line = crate::explain::explain_line(&lookout, &json, "/", &Default::default());
        let explained: serde_json::Value = serde_json::from_str(&line).unwrap();
        let because = case.because.as_ref().map(|b| b.replace("{root}", root));
        let reasons: Vec<String> = explained["reasons"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|r| r["why"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        let tier_ok = explained["tier"] == case.tier.as_str();
        let typed_ok = case
            .typed
            .as_ref()
            .is_none_or(|typed| explained["typed_text"] == typed.replace("{root}", root).as_str());
        let because_ok = because
            .as_ref()
            .is_none_or(|because| reasons.iter().any(|r| r.contains(because.as_str())));
        if !(tier_ok && typed_ok && because_ok) {
            failures.push(format!(
                "[{context}] {json}\n    expected {} {:?} {:?}\n    got {line}",
                case.tier, case.typed, because
            ));
        }
    }
    assert!(count >= 40, "{count} rows with contexts");
    assert!(
        failures.is_empty(),
        "{} of {count} fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
