use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use signoff_protocol::{
    Action, ActionDigest, ActionKind, DecidedBy, Decision, Environment, Outcome, OutcomeStatus,
    ProposalId, SessionId, SessionInfo, ShellCommand, Verdict,
};

use super::writer::{Settings, StoreWriter};
use super::*;
use crate::policy::{Engine, Facts, Policy};
use crate::queue::{Item, ProposalKey, UiEvent};

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

fn item(n: u64, words: &str, environment: Environment) -> Arc<Item> {
    let mut action = Action::new(ActionKind::Shell(ShellCommand::Argv {
        argv: words.split_whitespace().map(String::from).collect(),
        cwd: "/repo".into(),
    }));
    action.target.environment = environment;
    let assessment = Engine::default().assess(&action, &SessionInfo::default(), &Facts::default());
    Arc::new(Item {
        key: ProposalKey {
            session: SessionId("s1".into()),
            proposal: ProposalId(format!("p{n}")),
        },
        seq: n,
        agent: "claude".into(),
        digest: ActionDigest::of(&action),
        action,
        assessment,
        arrived_at: at(n),
        expires_at: at(n + 300),
    })
}

fn decided(item: &Arc<Item>, verdict: Verdict, secs: u64) -> UiEvent {
    let decision = Decision {
        verdict,
        decided_by: if verdict == Verdict::Approved {
            DecidedBy::Stream
        } else {
            DecidedBy::Person(signoff_protocol::TERMINAL.into())
        },
        note: if verdict == Verdict::Denied {
            "not now".into()
        } else {
            String::new()
        },
        action_digest: item.digest,
        decided_at: at(secs),
    };
    UiEvent::Decided {
        item: item.clone(),
        decision,
        waited: true,
    }
}

/// Runs `write` against the real writer, on a runtime of its own, and closes the writer once
/// everything is journaled and indexed.
fn with_writer(dir: &Path, write: impl FnOnce(&StoreWriter)) {
    let store = Store::open(dir).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let _inside = runtime.enter();
    let writer = StoreWriter::spawn(store, Settings::default(), |alert| panic!("{alert}")).unwrap();
    write(&writer);
    writer.close_blocking();
}

/// Hands `events` to the writer and waits until they are in the journal.
fn journal_now(writer: &StoreWriter, events: Vec<UiEvent>) {
    let (journaled, heard) = std::sync::mpsc::channel();
    writer.record(
        events,
        Some(Box::new(move |recorded| journaled.send(recorded).unwrap())),
    );
    assert!(heard.recv().unwrap(), "not journaled");
}

/// Writes `events` through the real writer, and closes it once they are journaled and indexed.
fn record(dir: &Path, events: Vec<UiEvent>) {
    with_writer(dir, |writer| journal_now(writer, events));
}

fn session_opened() -> UiEvent {
    UiEvent::SessionOpened {
        id: SessionId("s1".into()),
        info: SessionInfo {
            agent_name: "claude".into(),
            ..SessionInfo::default()
        },
    }
}

/// Five decisions: approved, denied, approved, expired, approved.
fn five(dir: &Path) {
    let items: Vec<_> = (1..=5)
        .map(|n| item(n, &format!("touch f{n}"), Environment::Staging))
        .collect();
    let verdicts = [
        Verdict::Approved,
        Verdict::Denied,
        Verdict::Approved,
        Verdict::Expired,
        Verdict::Approved,
    ];
    let mut events = vec![session_opened()];
    for (n, (item, verdict)) in items.iter().zip(verdicts).enumerate() {
        events.push(UiEvent::Waiting(item.clone()));
        events.push(decided(item, verdict, 10 + n as u64));
    }
    events.push(UiEvent::Outcome {
        key: items[0].key.clone(),
        outcome: Outcome {
            status: OutcomeStatus::Succeeded,
            exit_code: Some(0),
            result: String::new(),
        },
    });
    record(dir, events);
}

/// A connection of the test's own, as a person tampering with the file would open one. It waits
/// for locks: the writer thread may still be closing its connection (checkpointing) after its
/// last commit was reported.
fn raw(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join(FILE_NAME)).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

fn sql(dir: &Path, statement: &str) {
    raw(dir).execute_batch(statement).unwrap();
}

fn verified(dir: &Path) -> Result<u64, Broken> {
    let store = Store::open(dir).unwrap();
    store.verify(&[])
}

#[test]
fn an_empty_directory_gets_the_latest_schema_and_reopening_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let conn = raw(dir.path());
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::LATEST);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    five(dir.path());
    drop(Store::open(dir.path()).unwrap());
    assert_eq!(verified(dir.path()), Ok(5));
}

#[test]
fn a_newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    five(dir.path());
    sql(dir.path(), "PRAGMA user_version = 99;");
    let before = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
    let error = Store::open(dir.path()).err().expect("refused").to_string();
    assert!(
        error.contains("newer signoff") && error.contains("schema 99"),
        "{error}"
    );
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), before);
}

#[test]
fn a_foreign_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    sql(
        dir.path(),
        "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');",
    );
    let before = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
    let error = Store::open(dir.path()).err().expect("refused").to_string();
    assert!(error.contains("not a signoff history database"), "{error}");
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), before);

    let garbage = tempfile::tempdir().unwrap();
    std::fs::write(
        garbage.path().join(FILE_NAME),
        "this is not sqlite at all, not even close.........",
    )
    .unwrap();
    let error = Store::open(garbage.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(error.contains("not a signoff history database"), "{error}");
}

#[test]
fn the_chain_verifies_and_finds_an_edited_record() {
    let dir = tempfile::tempdir().unwrap();
    five(dir.path());
    assert_eq!(verified(dir.path()), Ok(5));
    sql(
        dir.path(),
        "UPDATE decisions SET verdict = 'approved', decided_by = 'person' WHERE seq = 2;",
    );
    assert_eq!(verified(dir.path()), Err(Broken::Altered { seq: 2 }));
}

#[test]
fn the_chain_finds_a_deleted_record() {
    let dir = tempfile::tempdir().unwrap();
    five(dir.path());
    sql(dir.path(), "DELETE FROM decisions WHERE seq = 3;");
    assert_eq!(verified(dir.path()), Err(Broken::Missing { seq: 3 }));
}

#[test]
fn the_chain_finds_a_forged_record_and_an_altered_action() {
    let dir = tempfile::tempdir().unwrap();
    five(dir.path());
    // A bad hash on its own is caught where it is.
    sql(
        dir.path(),
        "UPDATE decisions SET hash = '00' WHERE seq = 4;",
    );
    assert_eq!(verified(dir.path()), Err(Broken::Altered { seq: 4 }));

    // An edit whose hash the forger recomputed is self-consistent, and breaks the next link.
    let forged = tempfile::tempdir().unwrap();
    five(forged.path());
    let conn = raw(forged.path());
    let row: (String, String, String, String, String, i64, String) = conn
        .query_row("SELECT session_id, proposal_id, decided_by, grant_id, digest, decided_at, prev_hash FROM decisions WHERE seq = 2", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .unwrap();
    let fields = super::chain::Fields {
        seq: 2,
        session: &row.0,
        proposal: &row.1,
        verdict: "approved",
        decided_by: &row.2,
        grant_id: &row.3,
        note: "",
        digest: &row.4,
        decided_at: row.5,
        prev_hash: &row.6,
    };
    let rehashed = super::chain::hash(&fields);
    conn.execute(
        "UPDATE decisions SET verdict = 'approved', note = '', hash = ?1 WHERE seq = 2",
        [rehashed],
    )
    .unwrap();
    drop(conn);
    assert_eq!(
        verified(forged.path()),
        Err(Broken::Unlinked {
            seq: 3,
            previous: 2
        })
    );

    let other = tempfile::tempdir().unwrap();
    five(other.path());
    let replacement = item(99, "rm -rf /", Environment::Production)
        .action
        .to_bytes();
    let conn = raw(other.path());
    conn.execute(
        "UPDATE proposals SET action = ?1 WHERE proposal_id = 'p2'",
        [replacement],
    )
    .unwrap();
    drop(conn);
    assert_eq!(
        verified(other.path()),
        Err(Broken::ActionAltered { seq: 2 })
    );
}

#[test]
fn proposals_left_waiting_are_withdrawn_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let waiting = item(7, "touch F", Environment::Staging);
    // Decided after waiting, and streamed (recorded decided at once): neither is withdrawn.
    let answered = item(8, "touch G", Environment::Staging);
    let streamed = item(9, "ls", Environment::Dev);
    record(
        dir.path(),
        vec![
            session_opened(),
            UiEvent::Waiting(waiting.clone()),
            UiEvent::Waiting(answered.clone()),
            decided(&answered, Verdict::Denied, 20),
            decided(&streamed, Verdict::Approved, 21),
        ],
    );
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.withdraw_unanswered(at(50)).unwrap(),
        vec![waiting.key.clone()]
    );
    assert!(
        store.withdraw_unanswered(at(51)).unwrap().is_empty(),
        "only once"
    );
    let rows = rows(&store, &Filter::default()).unwrap();
    assert_eq!(
        (rows[0].verdict.as_str(), rows[0].note.as_str()),
        ("withdrawn", WITHDRAWN_AT_START)
    );
    assert_eq!(store.verify(&[]), Ok(3));
}

#[test]
fn pruning_keeps_the_rest_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    five(dir.path());
    let mut store = Store::open(dir.path()).unwrap();
    // Decided at 10..14 s; keep what is newer than 12.5 s: 3 go.
    let now = at(12) + Duration::from_millis(500) + Duration::from_secs(86_400);
    assert_eq!(store.prune(now, 1).unwrap(), 3);
    assert_eq!(store.verify(&[]), Ok(2));
    let left: Vec<i64> = rows(&store, &Filter::default())
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(left, [5, 4]);
}

#[test]
fn rows_filter_and_carry_what_a_reviewer_needs() {
    let dir = tempfile::tempdir().unwrap();
    five(dir.path());
    let store = Store::open(dir.path()).unwrap();
    let all = rows(&store, &Filter::default()).unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].seq, 5, "newest first");
    let first = all.iter().find(|r| r.proposal_id == "p1").unwrap();
    assert_eq!(
        (first.outcome.as_deref(), first.exit_code),
        (Some("succeeded"), Some(0))
    );
    assert_eq!(
        (
            first.tier.as_str(),
            first.environment.as_str(),
            first.agent.as_str()
        ),
        ("risky", "staging", "claude")
    );
    assert!(first.reasons.as_array().is_some_and(|r| !r.is_empty()));
    let denied = rows(
        &store,
        &Filter {
            verdict: Some("denied".into()),
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!((denied.len(), denied[0].note.as_str()), (1, "not now"));
    let recent = rows(
        &store,
        &Filter {
            since_ms: Some(signoff_protocol::to_unix_ms(at(13))),
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!(recent.len(), 2);
    let oldest = rows(
        &store,
        &Filter {
            limit: Some(2),
            oldest_first: true,
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!(oldest.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
}

/// Journals `events` after what SQLite holds, as a console does before the indexer has caught
/// up, and ends the journal with `torn` bytes of a record cut short.
fn journal_after_sqlite(dir: &Path, events: &[UiEvent], torn: usize) {
    let store = Store::open(dir).unwrap();
    let mut link = chain::Link::last(&store.conn).unwrap();
    let mut n = index::indexed_through(&store.conn).unwrap();
    drop(store);
    let mut frames = Vec::new();
    for event in events {
        writer::records_of(event, 1_800_000_000_000, &mut link, |record| {
            n += 1;
            journal::encode(&journal::Numbered { n, record }, &mut frames);
        });
    }
    let mut whole = Vec::new();
    journal::encode(
        &journal::Numbered {
            n: n + 1,
            record: journal::Record::SessionClosed {
                id: "s1".into(),
                at: 0,
            },
        },
        &mut whole,
    );
    frames.extend_from_slice(&whole[..torn]);
    std::fs::write(dir.join(journal::FILE_NAME), frames).unwrap();
}

#[test]
fn verify_covers_the_journals_tail_and_opening_indexes_it_without_its_torn_record() {
    let dir = tempfile::tempdir().unwrap();
    five(dir.path());
    let later: Vec<_> = (6..=7)
        .map(|n| item(n, &format!("touch g{n}"), Environment::Dev))
        .collect();
    let events: Vec<_> = later
        .iter()
        .map(|item| decided(item, Verdict::Approved, 20))
        .collect();
    journal_after_sqlite(dir.path(), &events, 11);

    // While a console holds the journal, opening it replays nothing; verification reads the
    // tail, and finds a change in it.
    let held = journal::Journal::lock(dir.path())
        .unwrap()
        .expect("the lock");
    let tail = journal::read(dir.path()).unwrap();
    assert_eq!((tail.records.len(), tail.torn), (4, 11));
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.verify(&tail.records), Ok(7));
    assert_eq!(rows(&store, &Filter::default()).unwrap().len(), 5);
    let mut forged = tail.records.clone();
    if let journal::Record::Decision { note, .. } = &mut forged[3].record {
        *note = "nothing to see".into();
    }
    assert_eq!(store.verify(&forged), Err(Broken::Altered { seq: 7 }));
    drop((store, held));

    // Opened with nobody holding it, the tail is indexed once and the torn record dropped.
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.torn(), 11);
    let shown = rows(&store, &Filter::default()).unwrap();
    assert_eq!(shown.len(), 7);
    assert_eq!(shown[0].summary, "touch g7");
    assert_eq!(store.verify(&[]), Ok(7));
    drop(store);
    assert_eq!(
        std::fs::metadata(dir.path().join(journal::FILE_NAME))
            .unwrap()
            .len(),
        0
    );
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        (
            store.torn(),
            rows(&store, &Filter::default()).unwrap().len()
        ),
        (0, 7)
    );
}

#[test]
fn a_journal_grown_past_its_limit_is_emptied_while_the_console_runs_once_sqlite_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    // Each decision's records carry the 100 KB command three times (summary, action, its hex):
    // 80 of them pass the journal's 16 MiB limit.
    let command = format!("echo {}", "x".repeat(100_000));
    let journal_size = || {
        std::fs::metadata(dir.path().join(journal::FILE_NAME))
            .unwrap()
            .len()
    };
    let mut largest = 0;
    with_writer(dir.path(), |writer| {
        journal_now(writer, vec![session_opened()]);
        for n in 1..=80 {
            let item = item(n, &command, Environment::Dev);
            journal_now(writer, vec![decided(&item, Verdict::Approved, n)]);
            largest = largest.max(journal_size());
        }
        // The batch that passed the limit waited for the indexer and emptied the journal before
        // the next one was written.
        journal_now(
            writer,
            vec![UiEvent::SessionClosed {
                id: SessionId("s1".into()),
            }],
        );
        assert!(largest > 16 << 20, "the limit was passed: {largest} bytes");
        assert!(journal_size() < 16 << 20, "{} bytes", journal_size());
    });
    assert_eq!(verified(dir.path()), Ok(80));
}
