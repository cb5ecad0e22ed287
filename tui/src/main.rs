fn main() -> std::process::ExitCode {
    signoff_tui::cli::main()
}
