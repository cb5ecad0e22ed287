//! The gRPC edge: wire messages become domain types here, and domain errors become `Status`.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use signoff_protocol::pb::{self, agent_gate_server::AgentGate};
use signoff_protocol::{Action, InvalidMessage, SessionId, SessionInfo, variables};
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::facts::Lookout;
use crate::queue::{
    Closed, EVENTS_PER_STREAM, OutcomeError, ProposalKey, ProposeError, QueueHandle, SubscriberId,
};

/// Sessions remembered for their workspace; past this many the oldest are no longer known, and
/// their context is not looked up (unknown: production for remote effects).
const MAX_SESSIONS: usize = 10_000;

pub struct GateService {
    queue: QueueHandle,
    lookout: Lookout,
    /// Agents reach this service over TCP: the console cannot read their files.
    agents_are_remote: bool,
    /// What each session opened here said about itself (its workspace places relative paths).
    sessions: Mutex<HashMap<SessionId, SessionInfo>>,
}

impl GateService {
    pub fn new(queue: QueueHandle, lookout: Lookout, agents_are_remote: bool) -> Self {
        GateService {
            queue,
            lookout,
            agents_are_remote,
            sessions: Mutex::default(),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, SessionInfo>> {
        self.sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `OpenSession`, also run for a proposal that opens its session.
    async fn open(&self, request: pb::OpenSessionRequest) -> Result<SessionId, Status> {
        let info = request
            .session
            .ok_or_else(|| invalid(InvalidMessage::Missing("session")))?;
        let external_id = Some(request.external_id).filter(|id| !id.is_empty());
        let info: SessionInfo = info.into();
        let id = self
            .queue
            .open_session(info.clone(), external_id)
            .await
            .map_err(closing)?;
        let mut sessions = self.sessions();
        if sessions.len() >= MAX_SESSIONS && !sessions.contains_key(&id) {
            sessions.clear();
        }
        sessions.entry(id.clone()).or_insert(info);
        Ok(id)
    }
}

pub(super) fn invalid(error: InvalidMessage) -> Status {
    Status::invalid_argument(error.to_string())
}

pub(super) fn closing(_: Closed) -> Status {
    Status::unavailable("the console is closing")
}

fn proposal_key(session_id: String, proposal_id: String) -> Result<ProposalKey, Status> {
    crate::reviewers::wire::key(session_id, proposal_id).map_err(invalid)
}

#[tonic::async_trait]
impl AgentGate for GateService {
    async fn open_session(
        &self,
        request: Request<pb::OpenSessionRequest>,
    ) -> Result<Response<pb::OpenSessionResponse>, Status> {
        let id = self.open(request.into_inner()).await?;
        Ok(Response::new(pb::OpenSessionResponse { session_id: id.0 }))
    }

    type ProposeStream = Subscription;

    async fn propose(
        &self,
        request: Request<pb::ProposeRequest>,
    ) -> Result<Response<Self::ProposeStream>, Status> {
        let request = request.into_inner();
        let session_id = match request.open_session {
            None => request.session_id,
            Some(open) if request.session_id.is_empty() => self.open(open).await?.0,
            Some(_) => {
                return Err(Status::invalid_argument(
                    "a proposal names its session_id or has open_session, not both",
                ));
            }
        };
        let key = proposal_key(session_id, request.proposal_id)?;
        let action = request
            .action
            .ok_or_else(|| invalid(InvalidMessage::Missing("action")))?;
        let action = Action::try_from(action).map_err(invalid)?;
        let wait = Some(request.wait_seconds)
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(s.into()));

        // What the policy needs from the file system (is this file tracked? where would this
        // CLI act?), looked up off the runtime when there is anything to look up.
        let session = self
            .sessions()
            .get(&key.session)
            .cloned()
            .unwrap_or_default();
        let variables = variables::accept(request.context_variables);
        let facts = self
            .lookout
            .facts(&action, &session, variables, self.agents_are_remote)
            .await;
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
        self.sessions().remove(&id);
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
