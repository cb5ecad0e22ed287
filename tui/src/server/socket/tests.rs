use super::*;
use std::time::Duration;

#[tokio::test]
async fn the_socket_is_private_and_removed_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/signoff.sock");
    let bound = bind(&path).unwrap();
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    drop(bound);
    assert!(!path.exists());
}

#[tokio::test]
async fn a_live_console_is_refused_and_a_stale_socket_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signoff.sock");
    let first = bind(&path).unwrap();
    match bind(&path) {
        Err(SocketError::AnotherConsole(p)) => assert_eq!(p, path),
        other => panic!("expected AnotherConsole, got {:?}", other.map(|_| ())),
    }
    let message = bind(&path).err().unwrap().to_string();
    assert!(
        message.starts_with("another console is listening on"),
        "{message}"
    );

    // A console that died leaves its socket file behind with nobody listening.
    drop(first);
    let stale = std::os::unix::net::UnixListener::bind(dir.path().join("other.sock")).unwrap();
    drop(stale);
    let second_path = dir.path().join("other.sock");
    assert!(second_path.exists());
    let replaced = bind(&second_path).unwrap();
    assert_eq!(replaced.file.path(), second_path);
}

#[tokio::test]
async fn a_file_that_is_not_a_socket_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "keep me").unwrap();
    assert!(matches!(bind(&path), Err(SocketError::NotASocket(_))));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
}

#[test]
fn a_directory_anyone_can_write_in_is_refused_unless_sticky() {
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let message = prepare_dir(&open).err().unwrap().to_string();
    assert!(message.starts_with("any user can write in"), "{message}");
    // Like /tmp: others may create files but not rename ours away.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    prepare_dir(&open).unwrap();
}

/// Serves `bound` watched every 10 ms, accepting and dropping connections; what the person is
/// told arrives on the receiver.
fn watch(bound: BoundSocket) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    use futures::StreamExt;
    let (told, heard) = tokio::sync::mpsc::unbounded_channel();
    let mut watched = Watched::new(bound, Duration::from_millis(10), move |message| {
        let _ = told.send(message);
    });
    tokio::spawn(async move { while watched.next().await.is_some() {} });
    heard
}

async fn next_told(heard: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), heard.recv())
        .await
        .expect("told within 10 s")
        .unwrap()
}

#[tokio::test]
async fn a_removed_socket_is_bound_again_and_the_person_told() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signoff.sock");
    let mut heard = watch(bind(&path).unwrap());
    std::fs::remove_file(&path).unwrap();
    let told = next_told(&mut heard).await;
    assert!(
        told.ends_with("was removed; listening there again."),
        "{told}"
    );
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    UnixStream::connect(&path).await.unwrap();
}

#[tokio::test]
async fn a_socket_another_program_put_in_place_is_left_to_it_and_the_person_told() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signoff.sock");
    let bound = bind(&path).unwrap();
    let inode = bound.file.inode;
    let mut heard = watch(bound);
    let elsewhere = dir.path().join("impostor.sock");
    let impostor = std::os::unix::net::UnixListener::bind(&elsewhere).unwrap();
    std::fs::rename(&elsewhere, &path).unwrap();
    let told = next_told(&mut heard).await;
    assert!(
        told.starts_with("Another program has put its own socket at"),
        "{told}"
    );
    assert_ne!(std::fs::symlink_metadata(&path).unwrap().ino(), inode);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(heard.try_recv().is_err(), "told once, not every check");
    drop(impostor);
}

#[tokio::test]
async fn permissions_opened_to_others_are_closed_again_and_the_person_told() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signoff.sock");
    let mut heard = watch(bind(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let told = next_told(&mut heard).await;
    assert!(told.contains("(mode 666); made it private again"), "{told}");
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}
