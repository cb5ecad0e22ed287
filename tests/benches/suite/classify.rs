//! How long the policy takes: per action over the case table, and to load a 50-rule policy file.
//! Targets: classification median under 20 µs; loading a policy file under 10 ms.

use std::hint::black_box;
use std::time::{Duration, Instant};

use signoff_tui::explain::CaseTable;
use signoff_tui::policy::{Engine, Facts, Policy};

use crate::{Summary, quantile};

pub fn run(quick: bool, summary: &mut Summary) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tui/src/policy/cases.toml"
    ))
    .expect("the case table");
    let table: CaseTable = toml::from_str(&text).expect("cases.toml parses");
    let cases: Vec<_> = table
        .case
        .into_iter()
        .map(|c| c.action.into_action("/repo").expect("valid"))
        .collect();
    let engine = Engine::default();
    let rounds = if quick { 20 } else { 200 };

    // Warm up, then time each action separately, many rounds.
    for (action, session) in &cases {
        black_box(engine.assess(action, session, &Facts::default()));
    }
    let mut times = Vec::with_capacity(cases.len() * rounds);
    for _ in 0..rounds {
        for (action, session) in &cases {
            let start = Instant::now();
            black_box(engine.assess(black_box(action), session, &Facts::default()));
            times.push(start.elapsed());
        }
    }
    times.sort();

    // A policy file with 50 rules, each checked against its examples at load.
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("policy.toml");
    let mut policy = String::new();
    for n in 0..50 {
        policy.push_str(&format!(
            "[[rule]]\nid = \"team.rule-{n}\"\nwhy = \"Applies go through CI.\"\nkind = \"shell\"\ncommand = '\\bterraform\\s+apply\\b.*-var=n{n}'\ntier = \"critical\"\nexamples = [\"terraform apply -var=n{n}\"]\nnot_examples = [\"terraform plan\"]\n\n"
        ));
    }
    std::fs::write(&path, policy).expect("written");
    let mut loads: Vec<Duration> = (0..if quick { 5 } else { 30 })
        .map(|_| {
            let start = Instant::now();
            black_box(Engine::load(&path, true).expect("loads"));
            start.elapsed()
        })
        .collect();
    loads.sort();

    println!(
        "classification: {} actions of the case table x {rounds} rounds",
        cases.len()
    );
    summary.micros("classify_median", quantile(&times, 0.5));
    summary.micros("classify_p99", quantile(&times, 0.99));
    summary.millis("policy_load_50_rules", quantile(&loads, 0.5));
}
