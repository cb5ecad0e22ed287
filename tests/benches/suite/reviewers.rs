//! Reviewers (issue 17): how soon a decision made on an attached screen reaches its agent, and
//! what 50 attached screens cost the console while agents stream read-only work at up to 5,000
//! actions a second. The console is the real `signoff serve` in a process of its own (history
//! on), so the CPU measured is the console's alone; agents and screens share this process.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use signoff_agent_sdk::{Action, Environment, Gate};
use signoff_protocol::pb::{self, pair_event, queue_event, reviewer_client::ReviewerClient};
use tonic::Request;
use tonic::transport::Channel;

use crate::{Summary, quantile, runtime};

const SCREENS: usize = 50;
const TARGET_RATE: u64 = 5_000;
const AGENTS: u64 = 50;

/// `signoff serve` on `socket`, and the first code it printed.
fn serve(dir: &Path, socket: &Path) -> (Child, String) {
    let mut serve = Command::new(env!("CARGO_BIN_EXE_signoff-under-test"));
    serve
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .arg("--socket")
        .arg(socket)
        .arg("serve")
        .stdout(Stdio::piped());
    let mut serve = serve.spawn().expect("signoff serve starts");
    let mut lines = std::io::BufReader::new(serve.stdout.take().expect("stdout")).lines();
    let code = loop {
        let line = lines
            .next()
            .expect("serve printed its code")
            .expect("a line");
        if let Some(code) = line.split("signoff attach --code ").nth(1) {
            break code.trim().to_string();
        }
    };
    (serve, code)
}

/// The CPU time `pid` has used (user and system).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name's closing parenthesis: fields 3…; utime and stime are 14 and 15.
    let fields: Vec<u64> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    // In USER_HZ, which Linux fixes at 100 a second for /proc.
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

fn auth<T>(message: T, credential: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Reviewer {credential}").parse().expect("ascii"),
    );
    request
}

async fn credential_from(
    client: &mut ReviewerClient<Channel>,
    request: pb::PairRequest,
) -> (String, tonic::Streaming<pb::PairEvent>) {
    let mut events = client.pair(request).await.expect("pair").into_inner();
    match events
        .message()
        .await
        .expect("an event")
        .expect("an event")
        .event
    {
        Some(pair_event::Event::Credential(credential)) => (credential, events),
        Some(pair_event::Event::Code(code)) => (code, events),
        None => panic!("an empty pairing event"),
    }
}

pub fn run(quick: bool, summary: &mut Summary) {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("signoff.sock");
    let (mut console, first_code) = serve(dir.path(), &socket);
    let pid = console.id();
    let rt = runtime();
    rt.block_on(async {
        let channel = Gate::builder(&socket).channel().await.expect("connects");
        let mut client = ReviewerClient::new(channel.clone());
        let (first, _) = credential_from(
            &mut client,
            pb::PairRequest {
                name: "screen 0".into(),
                first_code,
            },
        )
        .await;
        let gate = Gate::connect_to(&socket).await.expect("agents connect");

        // 1. A decision made on an attached screen, until its agent hears it.
        let mut watch = client
            .watch(auth(pb::WatchRequest {}, &first))
            .await
            .expect("watch")
            .into_inner();
        let rounds = if quick { 50 } else { 200 };
        let mut times = Vec::with_capacity(rounds);
        for round in 0..rounds {
            // A session each: the circuit breaker is not what is measured.
            let session = gate
                .session(format!("risky {round}"))
                .open()
                .await
                .expect("session");
            let action = Action::shell(["touch", "marker"]).env(Environment::Staging);
            let pending = session.submit(action, None).await.expect("proposed");
            let heard = tokio::spawn(pending.decision());
            let item = loop {
                let event = watch.message().await.expect("watching").expect("an event");
                if let Some(queue_event::Event::Waiting(item)) = event.event {
                    break item;
                }
            };
            let start = Instant::now();
            client
                .decide(auth(
                    pb::DecideRequest {
                        session_id: item.session_id,
                        proposal_id: item.proposal_id,
                        action_digest: item.action_digest,
                        verdict: pb::Verdict::Approved as i32,
                        ..Default::default()
                    },
                    &first,
                ))
                .await
                .expect("decided");
            let decision = heard.await.expect("joined").expect("heard");
            times.push(start.elapsed());
            assert!(decision.is_approved());
        }
        drop(watch);
        times.sort();
        summary.millis("reviewer_decision_p50", quantile(&times, 0.5));
        summary.millis("reviewer_decision_p99", quantile(&times, 0.99));

        // 2. Fifty paired screens watching while agents stream.
        let mut credentials = vec![first.clone()];
        for n in 1..SCREENS {
            let (code, mut events) = credential_from(
                &mut client,
                pb::PairRequest {
                    name: format!("screen {n}"),
                    ..Default::default()
                },
            )
            .await;
            client
                .confirm_pairing(auth(pb::ConfirmPairingRequest { code }, &first))
                .await
                .expect("paired by the first screen");
            match events
                .message()
                .await
                .expect("paired")
                .expect("an event")
                .event
            {
                Some(pair_event::Event::Credential(credential)) => credentials.push(credential),
                _ => panic!("no credential"),
            }
        }
        let seen: Arc<Vec<AtomicU64>> = Arc::new((0..SCREENS).map(|_| AtomicU64::new(0)).collect());
        let (ended, ready) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        for (n, credential) in credentials.into_iter().enumerate() {
            let mut client = client.clone();
            let (seen, ended, ready) = (seen.clone(), ended.clone(), ready.clone());
            tokio::spawn(async move {
                let mut watch = client
                    .watch(auth(pb::WatchRequest {}, &credential))
                    .await
                    .expect("watch")
                    .into_inner();
                // Watching from here: the console registered it before answering.
                ready.fetch_add(1, Ordering::Relaxed);
                while let Ok(Some(event)) = watch.message().await {
                    if let Some(queue_event::Event::Decided(_)) = event.event {
                        seen[n].fetch_add(1, Ordering::Relaxed);
                    }
                }
                ended.fetch_add(1, Ordering::Relaxed);
            });
        }
        while ready.load(Ordering::Relaxed) < SCREENS as u64 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let streamed = Arc::new(AtomicU64::new(0));
        let pace = Duration::from_micros(1_000_000 * AGENTS / TARGET_RATE);
        let mut agents = Vec::new();
        for n in 0..AGENTS {
            let (gate, stop, streamed) = (gate.clone(), stop.clone(), streamed.clone());
            agents.push(tokio::spawn(async move {
                let session = gate
                    .session(format!("reader {n}"))
                    .open()
                    .await
                    .expect("session");
                let mut next = tokio::time::Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    let action = Action::shell(["git", "status"]).env(Environment::Dev);
                    let pending = session.submit(action, None).await.expect("proposed");
                    pending.decision().await.expect("streamed");
                    streamed.fetch_add(1, Ordering::Relaxed);
                    next += pace;
                    tokio::time::sleep_until(next).await;
                }
            }));
        }
        // Let the watchers and agents settle before measuring.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let seconds = if quick { 3 } else { 10 };
        let (cpu_before, wall, streamed_before) = (
            cpu_time(pid),
            Instant::now(),
            streamed.load(Ordering::Relaxed),
        );
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let (cpu, elapsed) = (cpu_time(pid) - cpu_before, wall.elapsed());
        let rate =
            (streamed.load(Ordering::Relaxed) - streamed_before) as f64 / elapsed.as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for agent in agents {
            agent.await.expect("agent");
        }
        // Every screen sees every decision: wait for the last to arrive.
        let total = streamed.load(Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(10);
        let missing = loop {
            let missing = seen
                .iter()
                .map(|count| total.saturating_sub(count.load(Ordering::Relaxed)))
                .max()
                .unwrap_or(0);
            if missing == 0 || Instant::now() > deadline {
                break missing;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        summary.add("screens_50_stream_rate", rate, "actions/s");
        summary.add(
            "screens_50_console_cpu",
            cpu.as_secs_f64() / elapsed.as_secs_f64(),
            "cores",
        );
        summary.add(
            "screens_50_decisions_missed",
            missing as f64,
            "events (worst screen)",
        );
        summary.add(
            "screens_50_let_go",
            ended.load(Ordering::Relaxed) as f64,
            "screens",
        );
    });
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = console.wait();
}
