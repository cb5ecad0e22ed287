//! How long the policy takes: per action over the case table, and to load a policy file.
//! `cargo bench -p signoff-tui --bench classify` (release build). Targets: classification median
//! under 20 µs and p99 under 200 µs; loading a policy file under 10 ms.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use signoff_tui::explain::CaseTable;
use signoff_tui::policy::{Engine, Facts, Policy};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/policy/cases.toml"
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

    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("{} actions x {rounds} rounds", cases.len());
    println!("classify_median: {:.1} us", us(percentile(&times, 0.5)));
    println!("classify_p99: {:.1} us", us(percentile(&times, 0.99)));
    println!("classify_max: {:.1} us", us(percentile(&times, 1.0)));
    println!(
        "policy_load_50_rules: {:.2} ms",
        us(percentile(&loads, 0.5)) / 1000.0
    );
}
