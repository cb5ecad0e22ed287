//! `signoff.v1.Reviewer`: the queue for screens other than the console's own. Every call but
//! `Pair` must carry a paired reviewer's credential (`authorization: Reviewer <credential>`); an
//! agent's bearer token is not one, and nothing here can propose.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};
use signoff_protocol::pb::{self, pair_event, reviewer_server};
use signoff_protocol::to_unix_ms;
use tonic::{Request, Response, Status};

use super::service::{closing, invalid};
use crate::queue::{Closed, DecideError, PersonDecision, QueueHandle, Shown, Watching};
use crate::reviewers::pages;
use crate::reviewers::wire::{self, digest, key};
use crate::reviewers::{PAIRING_TIME, PairError, Pairing, Reviewer, Reviewers};

/// The `authorization` scheme of a reviewer credential.
pub const SCHEME: &str = "Reviewer ";

#[derive(Clone)]
pub struct ReviewerService {
    queue: QueueHandle,
    reviewers: Reviewers,
    /// The history's directory, when the console keeps one.
    history: Option<PathBuf>,
}

impl ReviewerService {
    pub fn new(queue: QueueHandle, reviewers: Reviewers, history: Option<PathBuf>) -> Self {
        ReviewerService {
            queue,
            reviewers,
            history,
        }
    }

    /// The paired reviewer calling, or `UNAUTHENTICATED`.
    fn reviewer<T>(&self, request: &Request<T>) -> Result<Reviewer, Status> {
        request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix(SCHEME))
            .and_then(|credential| self.reviewers.identify(credential))
            .ok_or_else(|| {
                Status::unauthenticated(
                    "this needs a paired reviewer's credential: run `signoff attach` and have a person type its code into the console",
                )
            })
    }

    /// What `Watch` sends: the queue as it stands, then every screen event, until the
    /// credential is revoked (then one refusal) or the events end.
    pub(super) async fn shown<T>(
        &self,
        request: &Request<T>,
    ) -> Result<BoxStream<'static, Result<Arc<Shown>, Status>>, Status> {
        let reviewer = self.reviewer(request)?;
        let Watching {
            picture,
            mut events,
        } = self.queue.watch().await.map_err(closing)?;
        let picture = stream::iter(picture).map(|event| Ok(Arc::new(Shown::new(event))));
        let live = stream::poll_fn(move |cx| events.poll_recv(cx))
            .map(Ok)
            .chain(stream::once(async {
                Err(Status::unavailable(
                    "the console closed, or this screen fell behind: watch again",
                ))
            }));
        let mut revoked = reviewer.revoked;
        let revocation = stream::once(async move {
            // A sender gone (the console closing) is not a revocation.
            if revoked.wait_for(|revoked| *revoked).await.is_err() {
                std::future::pending::<()>().await;
            }
            Err(revoked_status())
        });
        Ok(picture.chain(stream::select(revocation, live)).boxed())
    }
}

fn refused(result: Result<Result<(), DecideError>, Closed>) -> Result<(), Status> {
    result
        .map_err(closing)?
        .map_err(|error| Status::failed_precondition(error.to_string()))
}

fn pair_refused(error: PairError) -> Status {
    match error {
        PairError::TooMany => Status::resource_exhausted(error.to_string()),
        PairError::Random(_) => Status::internal(error.to_string()),
        PairError::UnknownCode(_) | PairError::Gone(_) => Status::not_found(error.to_string()),
        PairError::NotFirstCode => Status::permission_denied(error.to_string()),
        _ => Status::invalid_argument(error.to_string()),
    }
}

fn event(event: pair_event::Event) -> Result<pb::PairEvent, Status> {
    Ok(pb::PairEvent { event: Some(event) })
}

#[tonic::async_trait]
impl reviewer_server::Reviewer for ReviewerService {
    type PairStream = BoxStream<'static, Result<pb::PairEvent, Status>>;

    async fn pair(
        &self,
        request: Request<pb::PairRequest>,
    ) -> Result<Response<Self::PairStream>, Status> {
        let request = request.into_inner();
        if !request.first_code.is_empty() {
            let credential = self
                .reviewers
                .pair_first(&request.name, &request.first_code)
                .map_err(pair_refused)?;
            let events =
                stream::once(async move { event(pair_event::Event::Credential(credential)) });
            return Ok(Response::new(events.boxed()));
        }
        let Pairing { code, credential } = self
            .reviewers
            .request(&request.name)
            .map_err(pair_refused)?;
        let credential = async move {
            match tokio::time::timeout(PAIRING_TIME, credential).await {
                Ok(Ok(credential)) => event(pair_event::Event::Credential(credential)),
                _ => Err(Status::permission_denied(
                    "nobody typed the code into the console within two minutes: attach again",
                )),
            }
        };
        let events = stream::once(async move { event(pair_event::Event::Code(code)) })
            .chain(stream::once(credential));
        Ok(Response::new(events.boxed()))
    }

    type WatchStream = BoxStream<'static, Result<pb::QueueEvent, Status>>;

    /// Served by [`super::watch::ReviewerRoutes`], which encodes each event once for every
    /// screen; this is the same stream, encoded per screen, for a server without that route.
    async fn watch(
        &self,
        request: Request<pb::WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let events = self.shown(&request).await?;
        Ok(Response::new(
            events
                .map(|shown| shown.map(|shown| wire::to_wire(&shown.event)))
                .boxed(),
        ))
    }

    async fn decide(
        &self,
        request: Request<pb::DecideRequest>,
    ) -> Result<Response<pb::DecideResponse>, Status> {
        let reviewer = self.reviewer(&request)?;
        let request = request.into_inner();
        let key = key(request.session_id, request.proposal_id).map_err(invalid)?;
        let seen = digest(&request.action_digest).map_err(invalid)?;
        let answer = match pb::Verdict::try_from(request.verdict) {
            Ok(pb::Verdict::Approved) => PersonDecision::Approve {
                typed: Some(request.typed_text).filter(|typed| !typed.is_empty()),
            },
            Ok(pb::Verdict::Denied) => PersonDecision::Deny { note: request.note },
            _ => {
                return Err(Status::invalid_argument(
                    "a reviewer's verdict is VERDICT_APPROVED or VERDICT_DENIED",
                ));
            }
        };
        refused(
            self.queue
                .decide_seen(key, Some(seen), &reviewer.name, answer)
                .await,
        )?;
        Ok(Response::new(pb::DecideResponse {}))
    }

    async fn grant(
        &self,
        request: Request<pb::GrantRequest>,
    ) -> Result<Response<pb::GrantResponse>, Status> {
        let reviewer = self.reviewer(&request)?;
        let request = request.into_inner();
        let key = key(request.session_id, request.proposal_id).map_err(invalid)?;
        let seen = digest(&request.action_digest).map_err(invalid)?;
        if !(60..=24 * 3600).contains(&request.seconds) {
            return Err(Status::invalid_argument(
                "a grant lasts between 60 seconds and 24 hours",
            ));
        }
        let duration = Duration::from_secs(request.seconds.into());
        refused(
            self.queue
                .grant(key, Some(seen), &reviewer.name, duration)
                .await,
        )?;
        Ok(Response::new(pb::GrantResponse {}))
    }

    async fn revoke_grant(
        &self,
        request: Request<pb::RevokeGrantRequest>,
    ) -> Result<Response<pb::RevokeGrantResponse>, Status> {
        self.reviewer(&request)?;
        self.queue.revoke(request.into_inner().grant_id);
        Ok(Response::new(pb::RevokeGrantResponse {}))
    }

    async fn set_paused(
        &self,
        request: Request<pb::SetPausedRequest>,
    ) -> Result<Response<pb::SetPausedResponse>, Status> {
        self.reviewer(&request)?;
        self.queue.set_paused(request.into_inner().paused);
        Ok(Response::new(pb::SetPausedResponse {}))
    }

    async fn set_frozen(
        &self,
        request: Request<pb::SetFrozenRequest>,
    ) -> Result<Response<pb::SetFrozenResponse>, Status> {
        self.reviewer(&request)?;
        let request = request.into_inner();
        let id = signoff_protocol::SessionId::parse(request.session_id).map_err(invalid)?;
        self.queue.set_frozen(id, request.frozen);
        Ok(Response::new(pb::SetFrozenResponse {}))
    }

    async fn confirm_pairing(
        &self,
        request: Request<pb::ConfirmPairingRequest>,
    ) -> Result<Response<pb::ConfirmPairingResponse>, Status> {
        self.reviewer(&request)?;
        let name = self
            .reviewers
            .confirm(&request.into_inner().code)
            .map_err(pair_refused)?;
        Ok(Response::new(pb::ConfirmPairingResponse { name }))
    }

    async fn list_reviewers(
        &self,
        request: Request<pb::ListReviewersRequest>,
    ) -> Result<Response<pb::ListReviewersResponse>, Status> {
        self.reviewer(&request)?;
        let reviewers = self
            .reviewers
            .list()
            .into_iter()
            .map(|reviewer| pb::ReviewerInfo {
                reviewer_id: reviewer.id,
                name: reviewer.name,
                paired_at_unix_ms: to_unix_ms(reviewer.paired_at),
            })
            .collect();
        Ok(Response::new(pb::ListReviewersResponse { reviewers }))
    }

    async fn revoke_reviewer(
        &self,
        request: Request<pb::RevokeReviewerRequest>,
    ) -> Result<Response<pb::RevokeReviewerResponse>, Status> {
        self.reviewer(&request)?;
        if !self.reviewers.revoke(&request.into_inner().reviewer_id) {
            return Err(Status::not_found("no such reviewer is paired"));
        }
        Ok(Response::new(pb::RevokeReviewerResponse {}))
    }

    async fn history(
        &self,
        request: Request<pb::HistoryRequest>,
    ) -> Result<Response<pb::HistoryPage>, Status> {
        self.reviewer(&request)?;
        let request = pages::request_from_wire(request.into_inner()).map_err(invalid)?;
        let Some(dir) = self.history.clone() else {
            return Err(Status::failed_precondition("this console keeps no history"));
        };
        let page = crate::store::read_page(dir, request)
            .await
            .map_err(Status::unavailable)?;
        Ok(Response::new(pages::page_to_wire(page)))
    }
}

fn revoked_status() -> Status {
    Status::permission_denied("this reviewer's credential was revoked")
}
