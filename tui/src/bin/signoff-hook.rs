//! `signoff-hook`: `signoff hook` as a program of its own, the one `signoff install` has the
//! agents run. It links only the hook (not the console, policy, history and screen), so the loader
//! has a fraction of the relocations to apply and it starts in about half the time.
fn main() -> std::process::ExitCode {
    signoff_tui::cli::hook_main()
}
