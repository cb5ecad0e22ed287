use super::*;
use crate::policy::{Engine, Facts, Policy};

fn run_batch(input: &str) -> Vec<serde_json::Value> {
    let mut output = Vec::new();
    let lookout = Lookout::new(Engine::default());
    batch(
        &lookout,
        input.as_bytes(),
        &mut output,
        "/repo",
        &Variables::new(),
    )
    .unwrap();
    String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn batch_answers_every_line_in_order() {
    let input = [
        r#"{"kind":"shell","command":"rm -rf build","env":"dev","cwd":"/repo"}"#,
        r#"{"kind":"sql","statement":"DROP TABLE users","database":"app","env":"production"}"#,
        "not json",
        r#"{"kind":"teleport","to":"mars"}"#,
        r#"{"kind":"infra","provider":"railway","resource":"volume vol-7f3a","verb":"delete","env":"production"}"#,
        r#"{"kind":"shell","command":"ls","env":"moon"}"#,
        "",
        r#"{"kind":"file","op":"modify","path":"/repo/.env","cwd":"/repo"}"#,
    ]
    .join("\n");
    let lines = run_batch(&input);
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0]["tier"], "reversible");
    assert_eq!(lines[1]["tier"], "critical");
    assert_eq!(lines[1]["confirm"], "typed");
    assert_eq!(lines[1]["typed_text"], "app");
    assert_eq!(lines[1]["env"], "production");
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("not a valid action")
    );
    assert!(lines[3]["error"].as_str().unwrap().contains("teleport"));
    assert_eq!(lines[4]["typed_text"], "vol-7f3a");
    assert!(
        lines[4]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "infra.destroy")
    );
    assert!(
        lines[5]["error"]
            .as_str()
            .unwrap()
            .contains("unknown environment `moon`")
    );
    assert!(
        lines[6]["error"].is_string(),
        "a blank line is answered too"
    );
    assert_eq!(lines[7]["tier"], "risky");
}

#[test]
fn the_human_form_names_every_reason() {
    let (action, session) = serde_json::from_str::<ActionSpec>(
        r#"{"kind":"shell","command":"git push --force origin main"}"#,
    )
    .unwrap()
    .into_action("/repo")
    .unwrap();
    let assessment = Engine::default().assess(&action, &session, &Facts::default());
    let text = human(&action, &assessment);
    assert!(text.contains("tier: critical"), "{text}");
    assert!(text.contains("a person types `main`"), "{text}");
    assert!(text.contains("(git.force-push)"), "{text}");
}
