//! The Python example agent (`agent-sdk/examples/python/`) against a real console: its own venv,
//! grpcio from PyPI, stubs generated from `proto/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use signoff_tui::queue::UiEvent;

use crate::support::{TestConsole, deny, within};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../agent-sdk/examples/python")
}

/// A venv with the example's requirements, or `None` when this machine has no Python.
fn venv_python(dir: &Path) -> Option<PathBuf> {
    let requirements = example_dir().join("requirements.txt");
    python_venv(dir, &["-r".as_ref(), requirements.as_os_str()])
}

/// A venv in `dir` with what `pip install` makes of `packages`; its `python`, or `None` when this
/// machine has no Python.
pub fn python_venv(dir: &Path, packages: &[&std::ffi::OsStr]) -> Option<PathBuf> {
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir)
        .status();
    match made {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        made => assert!(made.unwrap().success(), "python3 -m venv failed"),
    }
    let installed = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(packages)
        .output()
        .unwrap();
    assert!(
        installed.status.success(),
        "pip install failed: {}",
        String::from_utf8_lossy(&installed.stderr)
    );
    Some(dir.join("bin/python"))
}

async fn run_example(python: &Path, socket: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(python);
    command
        .arg(example_dir().join("agent.py"))
        .arg("--socket")
        .arg(socket)
        .args(args)
        .stdin(Stdio::null());
    within(tokio::task::spawn_blocking(move || {
        command.output().unwrap()
    }))
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_example_gets_decisions_from_the_console() {
    let venv = tempfile::tempdir().unwrap();
    let Some(python) = venv_python(venv.path()) else {
        eprintln!("SKIPPED: python3 is not installed, so the Python example cannot be run");
        return;
    };
    let mut console = TestConsole::start().await;

    // A read-only command in dev streams through: approved, run, outcome reported.
    let output = run_example(&python, &console.socket, &["--env", "dev", "--", "true"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("decision: VERDICT_APPROVED"), "{stdout}");

    // A production delete waits for a person, who denies it with a note the agent prints.
    let socket = console.socket.clone();
    let python_for_delete = python.clone();
    let agent = tokio::spawn(async move {
        let args = [
            "--env",
            "production",
            "--",
            "kubectl",
            "delete",
            "namespace",
            "payments",
        ];
        run_example(&python_for_delete, &socket, &args).await
    });
    let item = console.next_waiting().await;
    console
        .decide(&item, deny("not the payments namespace"))
        .await;
    let output = within(agent).await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("waiting for a person: position 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("decision: VERDICT_DENIED: not the payments namespace"),
        "{stdout}"
    );

    // grpcurl's way, from Python: the API found by reflection and called with the messages it
    // describes, over grpcio's default channel (no authority set).
    let installed = Command::new(venv.path().join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg("grpcio-reflection>=1.60")
        .output()
        .unwrap();
    assert!(installed.status.success(), "{installed:?}");
    let reflect = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/reflect.py");
    let mut command = Command::new(&python);
    command.arg(reflect).arg(&console.socket);
    let output = within(tokio::task::spawn_blocking(move || {
        command.output().unwrap()
    }))
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("signoff.v1.AgentGate"), "{stdout}");
    assert!(stdout.contains("grpc.health.v1.Health"), "{stdout}");
    // The session it opened is the console's.
    loop {
        if let UiEvent::SessionOpened { info, .. } = console.next_event().await
            && info.agent_name == "reflected"
        {
            break;
        }
    }

    // No console: not run, exit 1, and the reason.
    let gone = console.shutdown().await;
    let output = run_example(&python, &gone.path().join("signoff.sock"), &["--", "true"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("not run: the console did not answer (UNAVAILABLE"),
        "{stdout}"
    );
}
