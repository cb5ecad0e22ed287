//! A small agent gated by signoff. It edits a file (streams through in dev), runs a check (streams
//! too), then tries to delete a production volume: critical, so it waits until a person types the
//! volume's id in the console, or denies it. Nothing is deleted either way.
//!
//! Open a console first (`cargo run -p signoff-tui`), then in another terminal:
//!
//! ```sh
//! cargo run -p signoff-agent-sdk --example agent
//! ```

use std::time::Duration;

use signoff_agent_sdk::{Action, Environment, Gate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let gate = Gate::connect().await?;
    let session = gate.session("example-agent").model("none").open().await?;

    // 1. An edit in the workspace (build output here): the console sees the diff; in dev it
    //    streams through, and the write happens. (The same edit outside the workspace would wait.)
    std::fs::create_dir_all("target")?;
    let path = std::env::current_dir()?.join("target/signoff-example.txt");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = format!("{old}one more line\n");
    let edit = Action::file_edit(path.display().to_string(), &old, &new)
        .env(Environment::Dev)
        .summary("Append a line to the example file");
    match session
        .guard(edit, || async { std::fs::write(&path, &new) })
        .await
    {
        Ok(()) => println!("1. edited {}", path.display()),
        Err(error) => println!("1. not edited: {error}"),
    }

    // 2. A check, run only if approved; its exit status is reported as the outcome.
    let check = Action::shell(["true"])
        .env(Environment::Dev)
        .rationale("stand-in for the test suite");
    let ran = session
        .guard(check, || async {
            let status = tokio::process::Command::new("true").status().await?;
            if status.success() {
                Ok(())
            } else {
                Err(std::io::Error::other(format!("tests failed: {status}")))
            }
        })
        .await;
    println!(
        "2. check: {}",
        if ran.is_ok() {
            "passed"
        } else {
            "did not run or failed"
        }
    );

    // 3. The dangerous one: critical in production. It waits for a person (a minute at most).
    let delete = Action::infra("railway", "volume vol-7f3a", "delete")
        .env(Environment::Production)
        .rationale("the staging deploy fails with a credential mismatch");
    let pending = session
        .submit(delete, Some(Duration::from_secs(60)))
        .await?;
    let assessed = pending.assessed();
    println!(
        "3. the console judged it {} in {}; waiting for a person…",
        assessed.assessment.tier, assessed.assessment.environment
    );
    match pending.decision().await {
        Ok(decision) if decision.is_approved() => {
            println!("3. approved (this example deletes nothing)")
        }
        Ok(decision) => println!("3. {}: {}", decision.verdict, decision.note),
        Err(error) => println!("3. no decision: {error} — not deleted"),
    }
    session.close().await?;
    Ok(())
}
