//! How long the policy takes: per action over the case table, and to load a 50-rule policy file;
//! and how long the console takes to read the contexts of the table's rows that have one (with
//! warm caches: the files unchanged since the last look). Targets: classification median under
//! 20 µs; loading a policy file under 10 ms; context look-ups under 2 ms at p99.

use std::hint::black_box;
use std::time::{Duration, Instant};

use signoff_tui::explain::CaseTable;
use signoff_tui::facts::{Lookout, fixture};
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
        .iter()
        .filter(|c| c.context.is_none())
        .map(|c| c.action.clone().into_action("/repo").expect("valid"))
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
    contexts(&table, rounds, summary);
}

/// The context rows of the case table, each against its fixture: the console's look-up (asking
/// the policy which files it wants, reading them, asking again) and then the assessment.
fn contexts(table: &CaseTable, rounds: usize, summary: &mut Summary) {
    let temp = tempfile::tempdir().expect("a temp dir");
    let lookout = Lookout::new(Engine::default());
    let rows: Vec<_> = table
        .case
        .iter()
        .filter_map(|case| {
            let context = case.context.as_ref()?;
            let root = temp.path().join(context);
            if !root.exists() {
                fixture::install(context, &root).expect("the fixture");
            }
            Some(case.in_fixture(&root))
        })
        .collect();
    let engine = Engine::default();
    // The first look-up of each reads the files; the rest find them unchanged.
    for (action, session, variables) in &rows {
        black_box(lookout.look_up(action, session, variables.clone(), false));
    }
    let mut lookups = Vec::with_capacity(rows.len() * rounds);
    let mut assessed = Vec::with_capacity(rows.len() * rounds);
    for _ in 0..rounds {
        for (action, session, variables) in &rows {
            let start = Instant::now();
            let facts = lookout.look_up(action, session, variables.clone(), false);
            lookups.push(start.elapsed());
            black_box(engine.assess(action, session, &facts));
            assessed.push(start.elapsed());
        }
    }
    lookups.sort();
    assessed.sort();
    println!(
        "contexts: {} rows of the case table with a context x {rounds} rounds, warm",
        rows.len()
    );
    summary.micros("context_lookup_median", quantile(&lookups, 0.5));
    summary.micros("context_lookup_p99", quantile(&lookups, 0.99));
    summary.micros("context_assess_p99", quantile(&assessed, 0.99));
}
