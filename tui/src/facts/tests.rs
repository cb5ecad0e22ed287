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
fn a_creation_is_new_only_where_nothing_is_yet() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("there.txt"), "x").unwrap();
    std::os::unix::fs::symlink("/nonexistent", dir.path().join("dangling")).unwrap();
    let workspace = dir.path().to_str();
    let new = |path: &str, op| creates_new_file(&edit(path, op), workspace);
    assert!(new("fresh.txt", FileOp::Create));
    assert!(!new("there.txt", FileOp::Create));
    assert!(
        !new("dangling", FileOp::Create),
        "a broken link is something"
    );
    assert!(!new("fresh.txt", FileOp::Modify));
    assert!(!creates_new_file(&edit("fresh.txt", FileOp::Create), None));
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

#[test]
fn the_case_table_with_contexts() {
    use signoff_protocol::Confirmation;

    use crate::explain::CaseTable;
    use crate::policy::Engine;

    let table: CaseTable =
        toml::from_str(include_str!("../policy/cases.toml")).expect("cases.toml parses");
    let lookout = Lookout::new(Engine::default());
    let temp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in &table.case {
        let Some(context) = &case.context else {
            continue;
        };
        count += 1;
        let root = temp.path().join(context);
        if !root.exists() {
            fixture::install(context, &root).unwrap();
        }
        let (action, session, variables) = case.in_fixture(&root);
        let assessment = lookout.assess(&action, &session, variables);
        let root = root.to_str().unwrap();
        let typed = match &assessment.confirmation {
            Confirmation::Typed(text) => Some(text.as_str()),
            _ => None,
        };
        let expected_typed = case.typed.as_ref().map(|t| t.replace("{root}", root));
        let because = case.because.as_ref().map(|b| b.replace("{root}", root));
        let ok = assessment.tier.as_str() == case.tier
            && expected_typed.as_deref().is_none_or(|t| typed == Some(t))
            && because.as_deref().is_none_or(|because| {
                assessment
                    .reasons
                    .iter()
                    .any(|r| r.sentence.contains(because))
            });
        if !ok {
            failures.push(format!(
                "[{context}] {} in {}\n    expected {} {expected_typed:?} {because:?}\n    got {assessment:?}",
                action.kind.display(),
                session.workspace,
                case.tier,
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

#[test]
fn files_are_read_again_when_they_change_and_fifos_and_huge_files_are_not_read() {
    use crate::policy::FileText;

    let dir = tempfile::tempdir().unwrap();
    let cache = FileCache::default();
    let path = dir.path().join("config");
    assert_eq!(cache.read(&path), FileText::Missing);
    std::fs::write(&path, "current-context: prod").unwrap();
    assert_eq!(cache.read(&path), FileText::text("current-context: prod"));
    // Rewritten (another size, another time): read again.
    std::fs::write(&path, "current-context: kind-dev").unwrap();
    assert_eq!(
        cache.read(&path),
        FileText::text("current-context: kind-dev")
    );
    // A FIFO with no writer would block a plain open; it is not read at all.
    let fifo = dir.path().join("fifo");
    let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    assert_eq!(cache.read(&fifo), FileText::Unreadable);
    let huge = dir.path().join("huge");
    std::fs::write(&huge, vec![b'a'; files::MAX_LEN as usize + 1]).unwrap();
    assert_eq!(cache.read(&huge), FileText::Unreadable);
    assert_eq!(cache.read(dir.path()), FileText::Unreadable, "a directory");
}
