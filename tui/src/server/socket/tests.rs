use super::*;

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
