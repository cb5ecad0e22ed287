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

    let untracked = |path: &str, op| look_up(&edit(path, op), workspace).file_untracked;
    assert!(!untracked("tracked.rs", FileOp::Modify));
    assert!(untracked("scratch.txt", FileOp::Modify));
    assert!(untracked("secret.log", FileOp::Delete), "ignored");
    assert!(!untracked("new.rs", FileOp::Modify), "does not exist");
    assert!(
        !untracked("scratch.txt", FileOp::Create),
        "creating is not overwriting"
    );
    let absolute = root.join("scratch.txt");
    assert!(look_up(&edit(absolute.to_str().unwrap(), FileOp::Modify), None).file_untracked);
    assert!(
        !look_up(&edit("scratch.txt", FileOp::Modify), None).file_untracked,
        "relative, no workspace"
    );
}

#[test]
fn outside_a_repository_nothing_is_claimed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "x").unwrap();
    assert!(!look_up(&edit("a.txt", FileOp::Modify), dir.path().to_str()).file_untracked);
}
