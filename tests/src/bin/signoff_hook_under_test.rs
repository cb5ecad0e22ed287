//! Exactly the `signoff-hook` binary (same entry point), for the end-to-end tests.
fn main() -> std::process::ExitCode {
    signoff_tui::cli::hook_main()
}
