//! Raw gRPC clients: what the SDK never would send, and what any-language clients look for.

use signoff_agent_sdk::{Environment, Verdict};
use signoff_protocol::pb::{self, agent_gate_client::AgentGateClient};
use tonic::Code;
use tonic::transport::Channel;

use crate::support::{TestConsole, shell, within};

pub async fn raw_channel(console: &TestConsole) -> Channel {
    signoff_agent_sdk::unix_channel(console.socket.clone())
        .await
        .unwrap()
}

async fn raw_client(console: &TestConsole) -> AgentGateClient<Channel> {
    AgentGateClient::new(raw_channel(console).await)
}

pub async fn open_session(client: &mut AgentGateClient<Channel>) -> String {
    client
        .open_session(pb::OpenSessionRequest {
            session: Some(pb::SessionInfo::default()),
            external_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .session_id
}

pub fn shell_pb(argv: &[&str]) -> pb::Action {
    pb::Action {
        kind: Some(pb::action::Kind::Shell(pb::ShellCommand {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })),
        target: Some(pb::Target {
            environment: pb::Environment::Staging as i32,
            resource: String::new(),
        }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_invalid_argument_and_the_console_carries_on() {
    let console = TestConsole::start().await;
    let mut client = raw_client(&console).await;
    let session_id = open_session(&mut client).await;
    let propose = |action: Option<pb::Action>, proposal_id: &str| pb::ProposeRequest {
        session_id: session_id.clone(),
        proposal_id: proposal_id.into(),
        action,
        wait_seconds: 0,
        ..Default::default()
    };

    let cases: Vec<(pb::ProposeRequest, Code, &str)> = vec![
        (
            propose(None, "p1"),
            Code::InvalidArgument,
            "`action` is missing",
        ),
        (
            propose(Some(pb::Action::default()), "p1"),
            Code::InvalidArgument,
            "the action has no kind",
        ),
        (
            propose(Some(shell_pb(&[])), "p1"),
            Code::InvalidArgument,
            "needs a non-empty `argv` or `script`",
        ),
        (
            propose(Some(shell_pb(&["", "x"])), "p1"),
            Code::InvalidArgument,
            "`argv[0]`",
        ),
        (
            propose(Some(shell_pb(&["ls"])), ""),
            Code::InvalidArgument,
            "`proposal_id` must not be empty",
        ),
        (
            pb::ProposeRequest {
                session_id: "no-such-session".into(),
                ..propose(Some(shell_pb(&["ls"])), "p1")
            },
            Code::NotFound,
            "no open session",
        ),
        (
            pb::ProposeRequest {
                open_session: Some(pb::OpenSessionRequest {
                    session: Some(pb::SessionInfo::default()),
                    external_id: String::new(),
                }),
                ..propose(Some(shell_pb(&["ls"])), "p1")
            },
            Code::InvalidArgument,
            "session_id or has open_session, not both",
        ),
        (
            pb::ProposeRequest {
                session_id: String::new(),
                open_session: Some(pb::OpenSessionRequest::default()),
                ..propose(Some(shell_pb(&["ls"])), "p1")
            },
            Code::InvalidArgument,
            "`session` is missing",
        ),
        (
            {
                let mut action = shell_pb(&["ls"]);
                action.target = Some(pb::Target {
                    environment: 42,
                    resource: String::new(),
                });
                propose(Some(action), "p1")
            },
            Code::InvalidArgument,
            "`target.environment` has the unknown value 42",
        ),
    ];
    for (request, code, message) in cases {
        let status = client
            .propose(request.clone())
            .await
            .err()
            .unwrap_or_else(|| panic!("accepted {request:?}"));
        assert_eq!(status.code(), code, "{request:?}: {}", status.message());
        assert!(
            status.message().contains(message),
            "{:?} does not say {message:?}",
            status.message()
        );
    }
    let status = client
        .open_session(pb::OpenSessionRequest::default())
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::InvalidArgument, "`session` is missing")
    );

    // The console is unaffected: a well-formed agent is served as usual.
    let session = console.session("well-behaved").await;
    let decision = within(session.propose(shell("ls", Environment::Dev)))
        .await
        .unwrap();
    assert_eq!(decision.verdict, Verdict::Approved);
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_id_replayed_with_another_action_is_refused() {
    let console = TestConsole::start().await;
    let mut client = raw_client(&console).await;
    let session_id = open_session(&mut client).await;
    let request = |argv: &[&str]| pb::ProposeRequest {
        session_id: session_id.clone(),
        proposal_id: "same-id".into(),
        action: Some(shell_pb(argv)),
        wait_seconds: 0,
        ..Default::default()
    };
    let mut first = client
        .propose(request(&["touch", "F"]))
        .await
        .unwrap()
        .into_inner();
    assert!(first.message().await.unwrap().is_some(), "assessed");
    let status = client
        .propose(request(&["rm", "-rf", "/"]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists, "{}", status.message());
    // The same action under the same id follows the same proposal instead of queueing it twice.
    let mut retry = client
        .propose(request(&["touch", "F"]))
        .await
        .unwrap()
        .into_inner();
    match retry.message().await.unwrap().unwrap().event {
        Some(pb::propose_event::Event::Assessed(assessed)) => {
            assert_eq!(assessed.queue_position, 1)
        }
        other => panic!("{other:?}"),
    }
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_grpc_client_finds_the_gate_by_health_and_reflection() {
    use tokio_stream::StreamExt;
    use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_request::MessageRequest,
        server_reflection_response::MessageResponse,
    };

    let console = TestConsole::start().await;
    let channel = raw_channel(&console).await;

    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = within(health.check(HealthCheckRequest {
        service: "signoff.v1.AgentGate".into(),
    }))
    .await
    .unwrap()
    .into_inner()
    .status;
    assert_eq!(status, ServingStatus::Serving as i32);

    let mut reflection =
        tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = within(reflection.server_reflection_info(tokio_stream::once(request)))
        .await
        .unwrap()
        .into_inner();
    let response = within(responses.next()).await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!(
            "expected a service list, got {:?}",
            response.message_response
        );
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"signoff.v1.AgentGate"), "{names:?}");
    console.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_size_limit_is_resource_exhausted_and_the_console_carries_on() {
    let console = TestConsole::start().await;
    let mut client = raw_client(&console).await;
    let session_id = open_session(&mut client).await;
    for size in [
        signoff_tui::server::MAX_REQUEST_BYTES + 1,
        10 * 1024 * 1024,
        64 * 1024 * 1024,
    ] {
        let mut action = shell_pb(&["ls"]);
        action.summary = "A".repeat(size);
        let status = client
            .propose(pb::ProposeRequest {
                session_id: session_id.clone(),
                proposal_id: format!("big-{size}"),
                action: Some(action),
                wait_seconds: 0,
                ..Default::default()
            })
            .await
            .err()
            .unwrap_or_else(|| panic!("{size} bytes were taken"));
        assert_eq!(status.code(), Code::ResourceExhausted, "{size}: {status:?}");
        assert!(status.message().contains("4 MiB limit"), "{status:?}");
    }
    // The same connection, and the console, still serve.
    let mut stream = client
        .propose(pb::ProposeRequest {
            session_id,
            proposal_id: "small".into(),
            action: Some(shell_pb(&["ls"])),
            wait_seconds: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(within(stream.message()).await.unwrap().is_some());
    console.shutdown().await;
}
