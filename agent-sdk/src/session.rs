use std::time::{Duration, Instant, SystemTime};

use signoff_protocol::pb;
use signoff_protocol::{
    Action, ActionDigest, Assessed, Decision, Outcome, OutcomeStatus, ProposalId, ProposeEvent,
    SessionId, SessionInfo,
};
use tonic::Streaming;

use crate::{Error, Gate};

/// How long after its announced expiry the SDK still waits for the console's own verdict before
/// giving up on its own (and not approving).
const DEADLINE_GRACE: Duration = Duration::from_secs(5);
/// The console assesses at once; an assessment slower than this means something is wrong.
const ASSESSMENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the end of a proposal's stream once its decision is in.
const END_OF_STREAM_WAIT: Duration = Duration::from_millis(100);

/// Describes a session before it is opened. Host, pid and workspace default to this process's.
pub struct SessionBuilder {
    gate: Gate,
    info: SessionInfo,
    external_id: String,
}

impl SessionBuilder {
    pub(crate) fn new(gate: Gate, name: String) -> Self {
        let info = SessionInfo {
            agent_kind: "sdk".into(),
            agent_name: name,
            model: String::new(),
            workspace: std::env::current_dir()
                .map(|dir| dir.display().to_string())
                .unwrap_or_default(),
            host: hostname(),
            pid: std::process::id(),
            labels: Default::default(),
        };
        SessionBuilder {
            gate,
            info,
            external_id: String::new(),
        }
    }

    /// What kind of agent this is ("claude-code", "codex", …); "sdk" by default.
    pub fn agent_kind(mut self, kind: impl Into<String>) -> Self {
        self.info.agent_kind = kind.into();
        self
    }

    /// The model the agent runs on.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.info.model = model.into();
        self
    }

    /// The workspace (repository root or working directory); the current directory by default.
    pub fn workspace(mut self, workspace: impl Into<String>) -> Self {
        self.info.workspace = workspace.into();
        self
    }

    /// The pid of the agent, when it is not this process.
    pub fn pid(mut self, pid: u32) -> Self {
        self.info.pid = pid;
        self
    }

    /// A label shown with the session (team, ticket, run id).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.info.labels.insert(key.into(), value.into());
        self
    }

    /// An id the agent already has for itself: opening again with it reuses the open session.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = id.into();
        self
    }

    /// Opens the session (or reuses the one open under the [`external_id`](Self::external_id))
    /// and proposes `action` in it, in one request: for a caller that proposes once per process,
    /// such as an agent's hook, it saves [`open`](Self::open)'s round trip. Otherwise as
    /// [`Session::submit`]; without an external id, each call opens a session of its own.
    pub async fn submit(&self, action: Action, wait: Option<Duration>) -> Result<Pending, Error> {
        let open = pb::OpenSessionRequest {
            session: Some(self.info.clone().into()),
            external_id: self.external_id.clone(),
        };
        submit(
            self.gate.client.clone(),
            String::new(),
            Some(open),
            action,
            wait,
        )
        .await
    }

    /// Opens the session (or, with an [`external_id`](Self::external_id), the one already open).
    pub async fn open(self) -> Result<Session, Error> {
        let mut client = self.gate.client;
        let request = pb::OpenSessionRequest {
            session: Some(self.info.into()),
            external_id: self.external_id,
        };
        let response = client
            .open_session(request)
            .await
            .map_err(Error::from_status)?;
        let id = SessionId::parse(response.into_inner().session_id)?;
        Ok(Session { client, id })
    }
}

/// One open session with the console.
pub struct Session {
    client: crate::connect::Client,
    id: SessionId,
}

impl Session {
    /// The console's id for this session.
    pub fn id(&self) -> &SessionId {
        &self.id
    }

    /// Proposes `action` and waits for the decision.
    pub async fn propose(&self, action: Action) -> Result<Decision, Error> {
        self.submit(action, None).await?.decision().await
    }

    /// Proposes `action` and returns once the console has assessed it, so the caller can show
    /// the assessment while it waits; [`Pending::decision`] then waits for the decision.
    /// `wait` bounds how long the agent is willing to wait (the console may bound it further).
    /// The values of this process's context variables go with it, credentials removed (see
    /// [`signoff_protocol::variables`]), so that the console can tell where its CLIs would act.
    pub async fn submit(&self, action: Action, wait: Option<Duration>) -> Result<Pending, Error> {
        submit(self.client.clone(), self.id.0.clone(), None, action, wait).await
    }

    /// Runs `work` only if the console approves `action`, and reports how it went.
    ///
    /// Not approved — denied, expired, withdrawn, or no decision at all — `work` never runs and
    /// the error says why; approved, `work` runs and its success or error is reported to the
    /// console as the outcome.
    ///
    /// ```no_run
    /// # use signoff_agent_sdk::{Action, Environment, Gate, GuardError};
    /// # async fn demo(session: signoff_agent_sdk::Session) {
    /// let action = Action::shell(["cargo", "test"]).env(Environment::Dev);
    /// match session.guard(action, || async { std::fs::write("marker", "done") }).await {
    ///     Ok(()) => println!("ran"),
    ///     Err(GuardError::NotApproved(decision)) => println!("not approved: {}", decision.note),
    ///     Err(other) => println!("{other}"),
    /// }
    /// # }
    /// ```
    pub async fn guard<T, E, Fut>(
        &self,
        action: Action,
        work: impl FnOnce() -> Fut,
    ) -> Result<T, GuardError<E>>
    where
        Fut: std::future::Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        let pending = self.submit(action, None).await.map_err(GuardError::Gate)?;
        let proposal = pending.proposal_id().clone();
        let decision = pending.decision().await.map_err(GuardError::Gate)?;
        if !decision.is_approved() {
            return Err(GuardError::NotApproved(decision));
        }
        let result = work().await;
        let outcome = match &result {
            Ok(_) => Outcome {
                status: OutcomeStatus::Succeeded,
                exit_code: None,
                result: String::new(),
            },
            Err(error) => Outcome {
                status: OutcomeStatus::Failed,
                exit_code: None,
                result: error.to_string(),
            },
        };
        // The work ran: a lost outcome report (the console gone meanwhile) must not hide its result.
        let _ = self.report_outcome(&proposal, outcome).await;
        result.map_err(GuardError::Failed)
    }

    /// Reports what happened after an approved action ran.
    pub async fn report_outcome(
        &self,
        proposal: &ProposalId,
        outcome: Outcome,
    ) -> Result<(), Error> {
        let request = pb::ReportOutcomeRequest {
            session_id: self.id.0.clone(),
            proposal_id: proposal.0.clone(),
            outcome: Some(outcome.into()),
        };
        self.client
            .clone()
            .report_outcome(request)
            .await
            .map_err(Error::from_status)?;
        Ok(())
    }

    /// Ends the session; whatever of it still waits is withdrawn.
    pub async fn close(self) -> Result<(), Error> {
        let request = pb::CloseSessionRequest {
            session_id: self.id.0.clone(),
        };
        self.client
            .clone()
            .close_session(request)
            .await
            .map_err(Error::from_status)?;
        Ok(())
    }
}

/// [`Session::submit`] in the session `session_id`, or, with `open_session`, in the session the
/// console opens (or reuses) for the same request.
async fn submit(
    mut client: crate::connect::Client,
    session_id: String,
    open_session: Option<pb::OpenSessionRequest>,
    action: Action,
    wait: Option<Duration>,
) -> Result<Pending, Error> {
    let proposal_id = ProposalId(uuid::Uuid::new_v4().to_string());
    let digest = ActionDigest::of(&action);
    let request = pb::ProposeRequest {
        session_id,
        open_session,
        proposal_id: proposal_id.0.clone(),
        action: Some(action.into()),
        wait_seconds: wait.map_or(0, |w| u32::try_from(w.as_secs().max(1)).unwrap_or(u32::MAX)),
        // Where the agent's CLIs would act (KUBECONFIG, AWS_PROFILE…), credentials removed:
        // the console reads those contexts itself.
        context_variables: signoff_protocol::variables::from_process()
            .into_iter()
            .collect(),
    };
    let first = async {
        let mut stream = client
            .propose(request)
            .await
            .map_err(Error::from_status)?
            .into_inner();
        let event = next_event(&mut stream).await?;
        Ok::<_, Error>((stream, event))
    };
    let (stream, event) = tokio::time::timeout(ASSESSMENT_TIMEOUT, first)
        .await
        .map_err(|_| Error::Deadline(ASSESSMENT_TIMEOUT))??;
    let ProposeEvent::Assessed(assessed) = event else {
        return Err(Error::Console(
            "the console decided before assessing".into(),
        ));
    };
    if assessed.action_digest != digest {
        return Err(Error::DigestMismatch);
    }
    let until_expiry = assessed
        .expires_at
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    let deadline =
        Instant::now() + wait.map_or(until_expiry, |w| w.min(until_expiry)) + DEADLINE_GRACE;
    Ok(Pending {
        proposal_id,
        assessed,
        digest,
        stream,
        deadline,
    })
}

/// A proposal the console has assessed and not yet decided.
pub struct Pending {
    proposal_id: ProposalId,
    assessed: Assessed,
    digest: ActionDigest,
    stream: Streaming<pb::ProposeEvent>,
    deadline: Instant,
}

impl Pending {
    /// The id of this proposal, for [`Session::report_outcome`].
    pub fn proposal_id(&self) -> &ProposalId {
        &self.proposal_id
    }

    /// The console's assessment: tier, reasons, queue position, expiry.
    pub fn assessed(&self) -> &Assessed {
        &self.assessed
    }

    /// Waits for the decision. Losing the console or passing the deadline is an error.
    pub async fn decision(mut self) -> Result<Decision, Error> {
        let limit = self.deadline.saturating_duration_since(Instant::now());
        let waiting = async {
            loop {
                match next_event(&mut self.stream).await? {
                    ProposeEvent::Decided(decision) => return Ok::<_, Error>(decision),
                    // A later assessment (a new queue position) is news, not an answer.
                    ProposeEvent::Assessed(_) => continue,
                }
            }
        };
        let decision = tokio::time::timeout(limit, waiting)
            .await
            .map_err(|_| Error::Deadline(limit))??;
        if decision.action_digest != self.digest {
            return Err(Error::DigestMismatch);
        }
        // The console ends the stream right after the decision. Read that end before letting the
        // stream go: a stream dropped early is reset, and after 1,024 resets that raced the
        // console's last frame HTTP/2 closes the connection (an agent proposing all day would lose
        // it). Bounded, so that a console that never ends the stream cannot hold the agent.
        let _ = tokio::time::timeout(END_OF_STREAM_WAIT, self.stream.message()).await;
        Ok(decision)
    }
}

async fn next_event(stream: &mut Streaming<pb::ProposeEvent>) -> Result<ProposeEvent, Error> {
    match stream.message().await {
        Ok(Some(event)) => Ok(ProposeEvent::try_from(event)?),
        Ok(None) => Err(Error::Disconnected),
        Err(status) => Err(Error::from_status(status)),
    }
}

/// Why [`Session::guard`] did not run the work, or how the work failed.
#[derive(Debug, thiserror::Error)]
pub enum GuardError<E> {
    /// The console did not approve: the decision says how (denied with a note, expired, withdrawn).
    #[error("not approved: {} {}", .0.verdict, .0.note)]
    NotApproved(Decision),
    /// No decision could be had.
    #[error(transparent)]
    Gate(Error),
    /// Approved; the work ran and failed.
    #[error("the work failed: {0}")]
    Failed(E),
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length, which is what we pass.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
