use super::*;

fn at(path: &str) -> PathInfo {
    describe(path, "/repo")
}

#[test]
fn locations() {
    assert_eq!(at("src/main.rs").location, Location::Workspace);
    assert_eq!(at("./a/../b").location, Location::Workspace);
    assert_eq!(at("/repo").location, Location::Workspace);
    assert_eq!(at("../other").location, Location::Machine);
    assert_eq!(at("/etc/hosts").location, Location::Machine);
    assert_eq!(at("/tmp/build-1").location, Location::Machine);
    assert_eq!(at("$HOME/").location, Location::SystemRoot);
    assert_eq!(at("~/*").location, Location::SystemRoot);
    assert_eq!(at("/").location, Location::SystemRoot);
    assert_eq!(at("/*").location, Location::SystemRoot);
    assert_eq!(at("/etc").location, Location::SystemRoot);
    assert_eq!(at("/usr/").location, Location::SystemRoot);
    assert_eq!(at("~").location, Location::SystemRoot);
    assert_eq!(at("~/").location, Location::SystemRoot);
    assert_eq!(at("$HOME").location, Location::SystemRoot);
    assert_eq!(at("~/projects").location, Location::Machine);
    assert_eq!(at("/dev/sda").location, Location::Device);
    assert_eq!(at("/dev/null").location, Location::Machine);
    assert_eq!(at("/repo/../..").location, Location::SystemRoot);
}

#[test]
fn build_output_inside_the_workspace() {
    for path in [
        "node_modules",
        "./node_modules/",
        "target/debug",
        "dist",
        "a/__pycache__",
        "x.pyc",
        ".next",
    ] {
        assert!(at(path).build_output, "{path}");
    }
    for path in ["src", "README.md", "/usr/lib/node_modules"] {
        assert!(!at(path).build_output, "{path}");
    }
}

#[test]
fn secrets() {
    for path in [
        ".env",
        ".env.local",
        "prod.env",
        "~/.ssh/id_rsa",
        "~/.aws/credentials",
        "certs/server.pem",
        "/home/u/.ssh/id_ed25519",
    ] {
        assert!(at(path).secret, "{path}");
    }
    for path in [
        ".env.example",
        "~/.ssh/id_rsa.pub",
        "~/.ssh",
        "src/env.rs",
        "environment.ts",
    ] {
        assert!(!at(path).secret, "{path}");
    }
}

#[test]
fn vcs_and_agent_settings() {
    assert!(at(".git/config").vcs_internal);
    assert!(at("/repo/.git/hooks/pre-commit").vcs_internal);
    assert!(!at(".gitignore").vcs_internal);
    assert!(at(".claude/settings.json").agent_settings);
    assert!(at("~/.claude/settings.json").agent_settings);
    assert!(at("/repo/.cursor/hooks.json").agent_settings);
    assert!(at("~/.config/signoff/policy.toml").agent_settings);
    assert!(!at("src/claude.rs").agent_settings);
}

#[test]
fn shown_paths_are_absolute_and_clean() {
    assert_eq!(at("a/./b/../c").shown, "/repo/a/c");
    assert_eq!(at("/etc/").shown, "/etc");
    assert_eq!(at("~").shown, "~");
    assert_eq!(at("/*").shown, "/");
}
