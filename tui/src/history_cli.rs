//! `signoff history`: the history for scripts and reviews.
// A command-line front end: it prints results to stdout and errors to stderr.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;

use crate::store::{self, Filter, HistoryRow, Store};

pub enum Command {
    Verify,
    Export(PathBuf),
}

pub fn run(
    dir: PathBuf,
    command: Option<Command>,
    filter: Filter,
    json: bool,
) -> anyhow::Result<()> {
    let path = dir.join(store::FILE_NAME);
    if !path.exists() {
        anyhow::bail!(
            "no history at {} yet: it is written while the console runs (or pass --data-dir)",
            path.display()
        );
    }
    // The journal before SQLite: whatever the running console indexes meanwhile is then in
    // SQLite when it is read, so no record falls between the two.
    let journal = store::journal::read(&dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot read {}: {e}",
            dir.join(store::journal::FILE_NAME).display()
        )
    })?;
    let store = Store::open(&dir)?;
    match command {
        Some(Command::Verify) => {
            let checked = store.verify(&journal.records).map_err(|broken| {
                anyhow::anyhow!("{}: the chain is broken: {broken}", path.display())
            })?;
            let journaled = journal
                .records
                .iter()
                .filter_map(|numbered| match numbered.record {
                    store::journal::Record::Decision { seq, .. } => Some(seq),
                    _ => None,
                });
            let last = journaled
                .chain(store.last_seq()?)
                .max()
                .map(|s| format!(", the newest is record {s}"))
                .unwrap_or_default();
            println!("{}: ok, {checked} records chained{last}", path.display());
        }
        Some(Command::Export(file)) => {
            let rows = store::rows(
                &store,
                &Filter {
                    limit: None,
                    oldest_first: true,
                    ..Filter::default()
                },
            )?;
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(&file)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?,
            );
            for row in &rows {
                writeln!(out, "{}", serde_json::to_string(row)?)?;
            }
            out.flush()?;
            println!("{}: {} records", file.display(), rows.len());
        }
        None => {
            let rows = store::rows(&store, &filter)?;
            let mut out = std::io::stdout().lock();
            for row in &rows {
                if json {
                    writeln!(out, "{}", serde_json::to_string(row)?)?;
                } else {
                    writeln!(out, "{}", table_line(row))?;
                }
            }
            if !json && rows.is_empty() {
                writeln!(out, "No decisions match.")?;
            }
        }
    }
    Ok(())
}

/// One readable line: when, what was decided by whom, tier and environment, agent, summary.
fn table_line(row: &HistoryRow) -> String {
    let when = crate::ui::clock_date(row.decided_at_ms);
    let by = if row.grant_id.is_empty() {
        row.decided_by.clone()
    } else {
        format!("grant {}", row.grant_id)
    };
    let outcome = match (&row.outcome, row.exit_code) {
        (Some(status), Some(code)) => format!(" → {status} ({code})"),
        (Some(status), None) => format!(" → {status}"),
        _ => String::new(),
    };
    let note = if row.note.is_empty() {
        String::new()
    } else {
        format!(" — {}", crate::sanitize::line(&row.note, 60))
    };
    format!(
        "{when}  {:<9} {:<8} {:<10} {:<10} {:<14} {}{outcome}{note}",
        row.verdict,
        by,
        row.tier,
        row.environment,
        crate::sanitize::line(&row.agent, 14),
        crate::sanitize::line(&row.summary, 70),
    )
}
