//! Checks on the house itself, that anyone can run: the modules of each crate depend on each
//! other without a circle (test modules, which may reach anywhere, aside), and every link in
//! the repository's Markdown resolves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

/// Every file under `dir` whose name ends with `ext`, skipping build output, packages and VCS.
fn files(dir: &Path, ext: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            if !["target", "node_modules", ".git"].contains(&name.as_ref()) {
                files(&path, ext, found);
            }
        } else if name.ends_with(ext) {
            found.push(path);
        }
    }
}

/// The module path of a source file under `src`: `ui/view/qr.rs` is `[ui, view, qr]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut path: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(
        path.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        path.pop();
    }
    path
}

/// The crate's top-level modules that `code` names, as `crate::m` or `super::…::m` from `at`.
fn named_modules(code: &str, at: &[String], top: &BTreeSet<String>) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for (start, _) in line.match_indices("crate::") {
            // `signoff_tui::crate::` does not occur; `$crate::` in macros is the same crate.
            for name in names_after(&line[start + "crate::".len()..]) {
                named.insert(name);
            }
        }
        for (start, _) in line.match_indices("super::") {
            if line[..start].ends_with("super::") {
                continue; // counted from the first `super::` of a chain
            }
            let mut rest = &line[start..];
            let mut up = 0;
            while let Some(after) = rest.strip_prefix("super::") {
                rest = after;
                up += 1;
            }
            let Some(parent) = at.len().checked_sub(up) else {
                continue;
            };
            match at[..parent].first() {
                Some(first) => {
                    named.insert(first.clone());
                }
                None => named.extend(names_after(rest)),
            }
        }
    }
    named.retain(|name| top.contains(name));
    named
}

/// The first segment of a path, or of each path in a `{…}` group.
fn names_after(rest: &str) -> Vec<String> {
    let ident = |text: &str| -> String {
        text.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    match rest.strip_prefix('{') {
        Some(group) => {
            let mut depth = 0;
            let mut names = Vec::new();
            let mut item_start = true;
            for (at, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    _ if item_start && !c.is_whitespace() => {
                        names.push(ident(&group[at..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
            names
        }
        None => vec![ident(rest)],
    }
}

/// A circle in `edges`, as the modules on it, if there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|on| on == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_a_circle_among_its_top_level_modules() {
    for krate in ["tui", "protocol", "agent-sdk"] {
        let src = root().join(krate).join("src");
        let mut sources = Vec::new();
        files(&src, ".rs", &mut sources);
        sources
            .retain(|file| !file.ends_with("tests.rs") && !file.iter().any(|part| part == "tests"));
        let top: BTreeSet<String> = sources
            .iter()
            .filter_map(|file| module_path(&src, file).first().cloned())
            .collect();
        // module -> the modules it names, and in which files.
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut why: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for file in &sources {
            let at = module_path(&src, file);
            let Some(from) = at.first() else { continue };
            let code = std::fs::read_to_string(file).unwrap();
            for to in named_modules(&code, &at, &top) {
                if &to != from {
                    edges.entry(from.clone()).or_default().insert(to.clone());
                    let shown = file.strip_prefix(root()).unwrap().display().to_string();
                    why.entry((from.clone(), to)).or_default().insert(shown);
                }
            }
        }
        if let Some(found) = circle(&edges) {
            let steps: Vec<String> = found
                .windows(2)
                .map(|pair| {
                    let files = &why[&(pair[0].clone(), pair[1].clone())];
                    format!("{} -> {} (in {files:?})", pair[0], pair[1])
                })
                .collect();
            panic!("{krate}: the modules form a circle:\n{}", steps.join("\n"));
        }
    }
}

#[test]
fn the_circle_finder_finds_circles() {
    let top: BTreeSet<String> = ["queue", "store", "ui"].map(String::from).into();
    let at = |path: &[&str]| path.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        named_modules(
            "use crate::{queue::Item, store::{self, Store}};\n// crate::ui in a comment",
            &at(&["console"]),
            &top,
        ),
        ["queue", "store"].map(String::from).into()
    );
    assert_eq!(
        named_modules(
            "use super::super::ui::App;",
            &at(&["store", "writer"]),
            &top
        ),
        ["ui"].map(String::from).into()
    );
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.insert("queue".into(), ["store".into()].into());
    edges.insert("store".into(), ["ui".into()].into());
    assert_eq!(circle(&edges), None);
    edges.insert("ui".into(), ["queue".into()].into());
    assert_eq!(
        circle(&edges).unwrap(),
        ["queue", "store", "ui", "queue"].map(String::from)
    );
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A Markdown file's lines outside fenced code blocks.
fn prose(text: &str) -> impl Iterator<Item = &str> {
    let mut fenced = false;
    text.lines().filter(move |line| {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            return false;
        }
        !fenced
    })
}

/// The anchors a Markdown file's headings make.
fn anchors(text: &str) -> BTreeSet<String> {
    prose(text)
        .filter(|line| line.starts_with('#'))
        .map(|line| anchor(line.trim_start_matches('#')))
        .collect()
}

/// The relative links of a Markdown file, outside code: `[text](target)`.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in prose(text) {
        for (start, _) in line.match_indices("](") {
            let rest = &line[start + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if !target.contains("://") && !target.starts_with("mailto:") {
                found.push(target.to_string());
            }
        }
    }
    found
}

#[test]
fn every_link_in_the_markdown_resolves() {
    let root = root();
    let mut documents = Vec::new();
    files(&root, ".md", &mut documents);
    assert!(documents.iter().any(|d| d.ends_with("docs/concepts.md")));
    let mut broken = Vec::new();
    for document in &documents {
        let text = std::fs::read_to_string(document).unwrap();
        for link in links(&text) {
            let (path, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() {
                document.clone()
            } else {
                document.parent().unwrap().join(path)
            };
            let shown = document.strip_prefix(&root).unwrap().display();
            if !target.exists() {
                broken.push(format!("{shown}: {link} (no such file)"));
            } else if !fragment.is_empty()
                && target.extension().is_some_and(|ext| ext == "md")
                && !anchors(&std::fs::read_to_string(&target).unwrap()).contains(fragment)
            {
                broken.push(format!("{shown}: {link} (no such heading)"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_are_githubs() {
    assert_eq!(
        anchor(" Answer from your phone: `--web`"),
        "answer-from-your-phone---web"
    );
    assert_eq!(
        anchor(" Remote agents (containers, CI runners, other machines)"),
        "remote-agents-containers-ci-runners-other-machines"
    );
}
