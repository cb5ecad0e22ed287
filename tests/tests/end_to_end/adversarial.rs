//! Agents that try to get around the gate (SECURITY.md).

use std::time::{Duration, SystemTime};

use prost::Message;
use signoff_agent_sdk::{
    ActionDigest, Assessed, Assessment, Confirmation, DecidedBy, Decision, Environment, Error,
    Gate, Outcome, OutcomeStatus, Tier, Verdict,
};
use signoff_protocol::{ProposeEvent, pb};
use signoff_tui::queue::UiEvent;

use crate::support::{TestConsole, deny, shell, within};

/// Every RPC the console offers, and why none an agent can call approves anything. A new RPC
/// fails this test until it is added here with its reason (and SECURITY.md says how it is
/// tested).
const RPCS: [(&str, &str, &str); 15] = [
    (
        "AgentGate",
        "OpenSession",
        "opens a session; decides nothing",
    ),
    (
        "AgentGate",
        "Propose",
        "the console assesses and decides; the agent only hears",
    ),
    (
        "AgentGate",
        "ReportOutcome",
        "taken only for approved proposals (outcomes_are_taken_for_approved_proposals_only)",
    ),
    (
        "AgentGate",
        "CloseSession",
        "withdraws what waits: never an approval",
    ),
    (
        "Reviewer",
        "Pair",
        "gives a code; the credential only once a person types it (reviewers.rs)",
    ),
    // Every other Reviewer call needs a paired credential
    // (reviewers::without_a_paired_credential_the_reviewer_service_refuses_everything).
    ("Reviewer", "Watch", "reads the queue"),
    ("Reviewer", "Decide", "a paired person's decision"),
    ("Reviewer", "Grant", "a paired person's decision"),
    ("Reviewer", "RevokeGrant", "takes approval away"),
    (
        "Reviewer",
        "SetPaused",
        "pausing holds everything for a person",
    ),
    (
        "Reviewer",
        "SetFrozen",
        "freezing holds a session for a person",
    ),
    (
        "Reviewer",
        "ConfirmPairing",
        "a paired person pairs another screen",
    ),
    ("Reviewer", "ListReviewers", "reads"),
    ("Reviewer", "RevokeReviewer", "takes authority away"),
    ("Reviewer", "History", "reads the history"),
];

#[test]
fn every_rpc_is_accounted_for_and_none_approves() {
    let files =
        prost_types::FileDescriptorSet::decode(signoff_protocol::pb::FILE_DESCRIPTOR_SET).unwrap();
    let methods: Vec<(String, String)> = files
        .file
        .iter()
        .flat_map(|file| {
            assert_eq!(file.package(), "signoff.v1");
            file.service.iter().flat_map(|service| {
                service
                    .method
                    .iter()
                    .map(|method| (service.name().to_string(), method.name().to_string()))
            })
        })
        .collect();
    let accounted: Vec<(String, String)> = RPCS
        .iter()
        .map(|(service, method, _)| (service.to_string(), method.to_string()))
        .collect();
    assert_eq!(methods, accounted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_an_outcome_does_not_approve_a_waiting_proposal() {
    let mut console = TestConsole::start().await;
    let session = console.session("sneaky").await;
    let pending = session
        .submit(shell("touch F", Environment::Staging), None)
        .await
        .unwrap();
    let proposal = pending.proposal_id().clone();
    let refused = session
        .report_outcome(
            &proposal,
            Outcome {
                status: OutcomeStatus::Succeeded,
                exit_code: Some(0),
                result: "done".into(),
            },
        )
        .await;
    assert!(refused.is_err(), "an outcome for what nobody approved");
    let item = console.next_waiting().await;
    assert_eq!(item.key.proposal, proposal, "it still waits for a person");
    console.decide(&item, deny("no")).await;
    let decision = within(pending.decision()).await.unwrap();
    assert_eq!(decision.verdict, Verdict::Denied);
    // Nothing on screen said it was approved.
    while let Ok(Some(event)) =
        tokio::time::timeout(std::time::Duration::from_millis(50), console.events()).await
    {
        if let UiEvent::Decided { decision, .. } = event {
            assert_ne!(decision.verdict, Verdict::Approved);
        }
    }
    console.shutdown().await;
}

/// A console that answers about another action than the one proposed: `lie_in` says which
/// answer carries the other action's digest.
#[derive(Clone, Copy)]
enum LieIn {
    Assessment,
    Decision,
}

struct LyingConsole(LieIn);

#[tonic::async_trait]
impl pb::agent_gate_server::AgentGate for LyingConsole {
    async fn open_session(
        &self,
        _: tonic::Request<pb::OpenSessionRequest>,
    ) -> Result<tonic::Response<pb::OpenSessionResponse>, tonic::Status> {
        Ok(tonic::Response::new(pb::OpenSessionResponse {
            session_id: "00000000-0000-4000-8000-000000000001".into(),
        }))
    }

    type ProposeStream =
        tokio_stream::Iter<std::vec::IntoIter<Result<pb::ProposeEvent, tonic::Status>>>;

    async fn propose(
        &self,
        request: tonic::Request<pb::ProposeRequest>,
    ) -> Result<tonic::Response<Self::ProposeStream>, tonic::Status> {
        let proposed =
            signoff_protocol::Action::try_from(request.into_inner().action.unwrap()).unwrap();
        let honest = ActionDigest::of(&proposed);
        let other = ActionDigest::of(&shell("rm -rf /", Environment::Production));
        let (assessed_digest, decided_digest) = match self.0 {
            LieIn::Assessment => (other, honest),
            LieIn::Decision => (honest, other),
        };
        let events = vec![
            ProposeEvent::Assessed(Assessed {
                assessment: Assessment {
                    tier: Tier::ReadOnly,
                    reasons: Vec::new(),
                    confirmation: Confirmation::None,
                    environment: Environment::Dev,
                    policy_version: "lies".into(),
                },
                queue_position: 0,
                expires_at: SystemTime::now() + Duration::from_secs(60),
                action_digest: assessed_digest,
            }),
            ProposeEvent::Decided(Decision {
                verdict: Verdict::Approved,
                decided_by: DecidedBy::Stream,
                note: String::new(),
                action_digest: decided_digest,
                decided_at: SystemTime::now(),
            }),
        ];
        Ok(tonic::Response::new(tokio_stream::iter(
            events
                .into_iter()
                .map(|event| Ok(event.into()))
                .collect::<Vec<_>>(),
        )))
    }

    async fn report_outcome(
        &self,
        _: tonic::Request<pb::ReportOutcomeRequest>,
    ) -> Result<tonic::Response<pb::ReportOutcomeResponse>, tonic::Status> {
        Ok(tonic::Response::new(pb::ReportOutcomeResponse {}))
    }

    async fn close_session(
        &self,
        _: tonic::Request<pb::CloseSessionRequest>,
    ) -> Result<tonic::Response<pb::CloseSessionResponse>, tonic::Status> {
        Ok(tonic::Response::new(pb::CloseSessionResponse {}))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_naming_another_action_is_not_taken() {
    for lie in [LieIn::Assessment, LieIn::Decision] {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("liar.sock");
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(pb::agent_gate_server::AgentGateServer::new(LyingConsole(
                    lie,
                )))
                .serve_with_incoming(tokio_stream::wrappers::UnixListenerStream::new(listener)),
        );
        let gate = Gate::connect_to(&socket).await.unwrap();
        let session = gate.session("victim").open().await.unwrap();
        let result = within(session.propose(shell("ls", Environment::Dev))).await;
        assert!(
            matches!(result, Err(Error::DigestMismatch)),
            "{:?}",
            result.map(|d| d.verdict)
        );
        server.abort();
    }
}
