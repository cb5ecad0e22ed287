//! The gate's cost against its physical baseline, in the same run: an agent proposing a read-only
//! action and hearing the decision (policy, queue, durable history on disk), next to a bare tonic
//! unary echo of the same request bytes over the same kind of socket. Sequential latency first,
//! then throughput with 1, 8, 64 and 256 concurrent agents, each on a connection of its own.
//! Targets: stream_latency_ratio at most 1.5; throughput at 64 agents at least half of bare
//! tonic's.

use std::convert::Infallible;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use prost::Message;
use signoff_agent_sdk::{Action, Environment, Gate, Session};
use signoff_protocol::pb;
use signoff_tui::console::History;
use signoff_tui::store::Durability;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::server::NamedService;
use tonic::transport::Channel;
use tonic_prost::ProstCodec;

use crate::{Summary, console, quantile, recorded_in, runtime};

const ECHO_PATH: &str = "/bench.Echo/Echo";
const CONCURRENCY: [usize; 4] = [1, 8, 64, 256];

/// The bare baseline: a unary RPC that answers with the request's bytes, written the way tonic's
/// generated servers are.
#[derive(Clone)]
struct Echo;

impl NamedService for Echo {
    const NAME: &'static str = "bench.Echo";
}

impl tower::Service<http::Request<Body>> for Echo {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(ProstCodec::<Vec<u8>, Vec<u8>>::default());
            Ok(grpc.unary(Reply, request).await)
        })
    }
}

struct Reply;

impl tonic::server::UnaryService<Vec<u8>> for Reply {
    type Response = Vec<u8>;
    type Future = std::future::Ready<Result<tonic::Response<Vec<u8>>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<Vec<u8>>) -> Self::Future {
        std::future::ready(Ok(tonic::Response::new(request.into_inner())))
    }
}

async fn unix_channel(path: PathBuf) -> Channel {
    signoff_agent_sdk::unix_channel(path)
        .await
        .expect("connects to the echo server")
}

/// One agent of either kind: the gate through the SDK, or the bare echo.
enum Agent {
    Gate(Session),
    Bare(tonic::client::Grpc<Channel>, Arc<Vec<u8>>),
}

impl Agent {
    async fn gate(socket: &Path) -> Agent {
        let gate = Gate::connect_to(socket).await.expect("connects");
        Agent::Gate(gate.session("bench").open().await.expect("opens"))
    }

    async fn bare(socket: &Path, payload: Arc<Vec<u8>>) -> Agent {
        Agent::Bare(
            tonic::client::Grpc::new(unix_channel(socket.to_path_buf()).await),
            payload,
        )
    }

    /// One round trip; panics on anything but an approval (or the echo's bytes).
    async fn once(&mut self) {
        match self {
            Agent::Gate(session) => {
                let decision = session.propose(action()).await.expect("a decision");
                assert!(decision.is_approved(), "read-only actions stream through");
            }
            Agent::Bare(grpc, payload) => {
                grpc.ready().await.expect("ready");
                let answer = grpc
                    .unary(
                        tonic::Request::new(payload.to_vec()),
                        http::uri::PathAndQuery::from_static(ECHO_PATH),
                        ProstCodec::<Vec<u8>, Vec<u8>>::default(),
                    )
                    .await
                    .expect("an echo");
                assert_eq!(answer.get_ref().len(), payload.len());
            }
        }
    }
}

fn action() -> Action {
    Action::shell(["git", "status"]).env(Environment::Dev)
}

/// Sequential round trips: their times, sorted.
async fn latencies(mut agent: Agent, warmup: usize, calls: usize) -> Vec<Duration> {
    for _ in 0..warmup {
        agent.once().await;
    }
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        agent.once().await;
        times.push(started.elapsed());
    }
    times.sort();
    times
}

/// `agents` agents as fast as they can for `period`: (round trips a second, sorted times).
async fn throughput(agents: Vec<Agent>, period: Duration) -> (f64, Vec<Duration>) {
    let start = Arc::new(tokio::sync::Barrier::new(agents.len() + 1));
    let tasks: Vec<_> = agents
        .into_iter()
        .map(|mut agent| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let until = Instant::now() + period;
                let mut times = Vec::new();
                while Instant::now() < until {
                    let started = Instant::now();
                    agent.once().await;
                    times.push(started.elapsed());
                }
                times
            })
        })
        .collect();
    start.wait().await;
    let started = Instant::now();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("an agent"));
    }
    let elapsed = started.elapsed();
    times.sort();
    (times.len() as f64 / elapsed.as_secs_f64(), times)
}

pub fn run(quick: bool, summary: &mut Summary) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (gate_socket, echo_socket) = (
        dir.path().join("signoff.sock"),
        dir.path().join("echo.sock"),
    );
    // Servers on one runtime, agents on another: the same arrangement for the gate and the echo.
    let servers = runtime();
    let agents = runtime();
    let recorded = console(
        &servers,
        &gate_socket,
        recorded_in(dir.path().join("history")),
    );
    // The same gate recording nothing: how much of the cost is the durable record.
    let unrecorded_socket = dir.path().join("unrecorded.sock");
    let unrecorded = console(&servers, &unrecorded_socket, None);
    // The same gate flushing its journal to the disk before answering (`--durability power`).
    let flushed_socket = dir.path().join("flushed.sock");
    let flushed = console(
        &servers,
        &flushed_socket,
        Some(History {
            dir: dir.path().join("flushed"),
            keep_days: None,
            durability: Durability::Power,
        }),
    );
    let listener = servers.block_on(async {
        tokio::net::UnixListener::bind(&echo_socket).expect("binds the echo socket")
    });
    servers.spawn(
        tonic::transport::Server::builder()
            .add_service(Echo)
            .serve_with_incoming(tokio_stream::wrappers::UnixListenerStream::new(listener)),
    );
    // The echo carries the bytes the gate's request carries.
    let payload = Arc::new(
        pb::ProposeRequest {
            session_id: uuid_like(),
            proposal_id: uuid_like(),
            action: Some(action().into()),
            wait_seconds: 0,
            ..Default::default()
        }
        .encode_to_vec(),
    );

    let (warmup, calls) = if quick { (200, 2_000) } else { (1_000, 10_000) };
    let gate =
        agents.block_on(async { latencies(Agent::gate(&gate_socket).await, warmup, calls).await });
    let unrecorded_times = agents
        .block_on(async { latencies(Agent::gate(&unrecorded_socket).await, warmup, calls).await });
    let flushed_times = agents
        .block_on(async { latencies(Agent::gate(&flushed_socket).await, warmup, calls).await });
    let bare = agents.block_on(async {
        latencies(
            Agent::bare(&echo_socket, payload.clone()).await,
            warmup,
            calls,
        )
        .await
    });
    println!(
        "transport: {calls} sequential round trips, a read-only proposal through the gate (history on disk) vs a bare tonic unary echo of its {} bytes, Unix sockets",
        payload.len()
    );
    summary.micros("stream_latency_p50", quantile(&gate, 0.5));
    summary.micros("stream_latency_p99", quantile(&gate, 0.99));
    summary.micros(
        "stream_latency_p50_no_history",
        quantile(&unrecorded_times, 0.5),
    );
    summary.micros(
        "stream_latency_p50_durability_power",
        quantile(&flushed_times, 0.5),
    );
    summary.micros("bare_latency_p50", quantile(&bare, 0.5));
    summary.micros("bare_latency_p99", quantile(&bare, 0.99));
    summary.add(
        "stream_latency_ratio",
        quantile(&gate, 0.5).as_secs_f64() / quantile(&bare, 0.5).as_secs_f64(),
        "x",
    );

    let period = Duration::from_secs(if quick { 1 } else { 5 });
    println!("transport: concurrent agents for {period:?} each, a connection (and a session) each");
    for n in CONCURRENCY {
        let gates = |socket: PathBuf| async move {
            futures::future::join_all((0..n).map(|_| Agent::gate(&socket))).await
        };
        let (gate_rate, gate_times) =
            agents.block_on(async { throughput(gates(gate_socket.clone()).await, period).await });
        let (bare_rate, bare_times) = agents.block_on(async {
            let bares = (0..n).map(|_| Agent::bare(&echo_socket, payload.clone()));
            throughput(futures::future::join_all(bares).await, period).await
        });
        summary.add(&format!("throughput_{n}"), gate_rate, "actions/s");
        summary.millis(&format!("throughput_{n}_p99"), quantile(&gate_times, 0.99));
        summary.add(&format!("bare_throughput_{n}"), bare_rate, "calls/s");
        summary.millis(
            &format!("bare_throughput_{n}_p99"),
            quantile(&bare_times, 0.99),
        );
        summary.add(&format!("throughput_ratio_{n}"), gate_rate / bare_rate, "x");
        if n == 64 {
            let (rate, _) = agents.block_on(async {
                throughput(gates(unrecorded_socket.clone()).await, period).await
            });
            summary.add("throughput_64_no_history", rate, "actions/s");
            let (rate, _) = agents
                .block_on(async { throughput(gates(flushed_socket.clone()).await, period).await });
            summary.add("throughput_64_durability_power", rate, "actions/s");
        }
    }
    servers.block_on(recorded.shutdown());
    servers.block_on(unrecorded.shutdown());
    servers.block_on(flushed.shutdown());
}

/// A string as long as the ids the SDK sends.
fn uuid_like() -> String {
    "00000000-0000-4000-8000-000000000000".into()
}
