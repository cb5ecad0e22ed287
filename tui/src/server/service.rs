//! The gRPC edge: wire messages become domain types here, and domain errors become `Status`.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use signoff_protocol::pb::{self, agent_gate_server::AgentGate};
use signoff_protocol::{Action, InvalidMessage, ProposalId, SessionId};
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::queue::{
    Closed, EVENTS_PER_STREAM, OutcomeError, ProposalKey, ProposeError, QueueHandle, SubscriberId,
};

pub struct GateService {
    queue: QueueHandle,
}

impl GateService {
    pub fn new(queue: QueueHandle) -> Self {
        GateService { queue }
    }
}

fn invalid(error: InvalidMessage) -> Status {
    Status::invalid_argument(error.to_string())
}

fn closing(_: Closed) -> Status {
    Status::unavailable("the console is closing")
}

fn proposal_key(session_id: String, proposal_id: String) -> Result<ProposalKey, Status> {
    Ok(ProposalKey {
        session: SessionId::parse(session_id).map_err(invalid)?,
        proposal: ProposalId::parse(proposal_id).map_err(invalid)?,
    })
}

#[tonic::async_trait]
impl AgentGate for GateService {
    async fn open_session(
        &self,
        request: Request<pb::OpenSessionRequest>,
    ) -> Result<Response<pb::OpenSessionResponse>, Status> {
        let request = request.into_inner();
        let info = request
            .session
            .ok_or_else(|| invalid(InvalidMessage::Missing("session")))?;
        let external_id = Some(request.external_id).filter(|id| !id.is_empty());
        let id = self
            .queue
            .open_session(info.into(), external_id)
            .await
            .map_err(closing)?;
        Ok(Response::new(pb::OpenSessionResponse { session_id: id.0 }))
    }

    type ProposeStream = Subscription;

    async fn propose(
        &self,
        request: Request<pb::ProposeRequest>,
    ) -> Result<Response<Self::ProposeStream>, Status> {
        let request = request.into_inner();
        let key = proposal_key(request.session_id, request.proposal_id)?;
        let action = request
            .action
            .ok_or_else(|| invalid(InvalidMessage::Missing("action")))?;
        let action = Action::try_from(action).map_err(invalid)?;
        let wait = Some(request.wait_seconds)
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(s.into()));

        // Facts the policy needs from the file system (is this file tracked?), looked up off the
        // runtime, for file actions only: nothing else pays for the trip. The session's workspace
        // lives in the queue, so relative paths go unchecked.
        let facts = match &action.kind {
            signoff_protocol::ActionKind::File(_) => {
                let looked_up = action.clone();
                tokio::task::spawn_blocking(move || crate::facts::look_up(&looked_up, None))
                    .await
                    .unwrap_or_default()
            }
            _ => crate::policy::Facts::default(),
        };
        let (events, receiver) = mpsc::channel(EVENTS_PER_STREAM);
        let subscriber = self
            .queue
            .propose(key, action, wait, facts, events)
            .await
            .map_err(closing)?
            .map_err(|error| match error {
                ProposeError::UnknownSession(_) => Status::not_found(error.to_string()),
                ProposeError::ProposalIdReused(_) => Status::already_exists(error.to_string()),
                ProposeError::Flooding { .. } => Status::resource_exhausted(error.to_string()),
            })?;
        Ok(Response::new(Subscription {
            receiver,
            subscriber,
            queue: self.queue.clone(),
        }))
    }

    async fn report_outcome(
        &self,
        request: Request<pb::ReportOutcomeRequest>,
    ) -> Result<Response<pb::ReportOutcomeResponse>, Status> {
        let request = request.into_inner();
        let key = proposal_key(request.session_id, request.proposal_id)?;
        let outcome = request
            .outcome
            .ok_or_else(|| invalid(InvalidMessage::Missing("outcome")))?;
        let outcome = outcome.try_into().map_err(invalid)?;
        self.queue
            .report_outcome(key, outcome)
            .await
            .map_err(closing)?
            .map_err(|error @ OutcomeError::NotApproved(_)| {
                Status::failed_precondition(error.to_string())
            })?;
        Ok(Response::new(pb::ReportOutcomeResponse {}))
    }

    async fn close_session(
        &self,
        request: Request<pb::CloseSessionRequest>,
    ) -> Result<Response<pb::CloseSessionResponse>, Status> {
        let id = SessionId::parse(request.into_inner().session_id).map_err(invalid)?;
        self.queue.close_session(id).await.map_err(closing)?;
        Ok(Response::new(pb::CloseSessionResponse {}))
    }
}

/// The events of one `Propose` call. When tonic drops it — the decision was sent, or the agent
/// went away — the queue hears that this stream no longer follows the proposal.
pub struct Subscription {
    receiver: mpsc::Receiver<signoff_protocol::ProposeEvent>,
    subscriber: SubscriberId,
    queue: QueueHandle,
}

impl Stream for Subscription {
    type Item = Result<pb::ProposeEvent, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver
            .poll_recv(cx)
            .map(|event| event.map(|event| Ok(event.into())))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.queue.unsubscribe(self.subscriber);
    }
}
